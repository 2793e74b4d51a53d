/*
 * The ELF64 kernel loader: every PT_LOAD segment is copied to its physical
 * address (p_paddr, at or above 1 MiB, inside low RAM); the entry is e_entry,
 * reached through the identity map. The file is checked in full before the VM
 * exists, so a bad kernel leaves nothing behind.
 */
#include "hypervisor/hv.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct elf_image {
	const uint8_t *data;
	size_t size;
};

static int elf_map(const char *path, struct elf_image *img)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_warn("kernel %s: cannot open it", path);
		return err;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		log_warnx("kernel %s: not an ELF file (not a regular file or too short)", path);
		close(fd);
		return -ENOEXEC;
	}
	img->size = st.st_size;
	img->data = mmap(NULL, img->size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = -errno;
	close(fd);
	if (img->data == MAP_FAILED) {
		errno = -err;
		log_warn("kernel %s: cannot map it", path);
		return err;
	}
	return 0;
}

static int elf_check_header(const char *path, const Elf64_Ehdr *eh, size_t size)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		log_warnx("kernel %s: not an ELF file (bad magic); give an ELF64 x86-64 kernel", path);
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64) {
		log_warnx("kernel %s: not an ELF64 x86-64 file; give an x86-64 kernel", path);
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		log_warnx("kernel %s: not an executable ELF (e_type %u); link it as a static executable",
			  path, eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum || eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum) {
		log_warnx("kernel %s: truncated or bad program headers", path);
		return -ENOEXEC;
	}
	return 0;
}

static int elf_check_segment(const char *path, const Elf64_Phdr *ph, size_t size, uint64_t ram_end)
{
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset || ph->p_filesz > ph->p_memsz) {
		log_warnx("kernel %s: a PT_LOAD segment lies outside the file", path);
		return -ENOEXEC;
	}
	if (ph->p_paddr < XENON_KERNEL_MIN_GPA) {
		log_warnx("kernel %s: segment at %#llx is below 1 MiB (link it at or above 0x100000)", path,
			  (unsigned long long)ph->p_paddr);
		return -ENOEXEC;
	}
	if (ph->p_paddr + ph->p_memsz < ph->p_paddr || ph->p_paddr + ph->p_memsz > ram_end) {
		log_warnx("kernel %s: segment [%#llx, %#llx) does not fit in guest RAM (%llu MiB); "
			  "give more --memory",
			  path, (unsigned long long)ph->p_paddr,
			  (unsigned long long)(ph->p_paddr + ph->p_memsz),
			  (unsigned long long)(ram_end / HV_MIB));
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Checks everything; with vm set, also copies the segments into guest RAM.
 * Headers are copied out first: a file's offsets need not be aligned.
 */
static int elf_walk(const char *path, const struct elf_image *img, uint64_t ram_end, struct hv_vm *vm)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int rc, entry_ok = 0, loads = 0;

	memcpy(&eh, img->data, sizeof(eh));
	rc = elf_check_header(path, &eh, img->size);
	if (rc)
		return rc;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, img->data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		rc = elf_check_segment(path, &ph, img->size, ram_end);
		if (rc)
			return rc;
		loads++;
		if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = 1;
		/* RAM is fresh memfd pages, already zero: only the file bytes are copied. */
		if (vm) {
			memcpy(hv_gpa(vm, ph.p_paddr, ph.p_filesz), img->data + ph.p_offset, ph.p_filesz);
			if (ph.p_paddr + ph.p_memsz > vm->image_end)
				vm->image_end = ph.p_paddr + ph.p_memsz;
		}
	}
	if (!loads) {
		log_warnx("kernel %s: no PT_LOAD segments", path);
		return -ENOEXEC;
	}
	if (!entry_ok || eh.e_entry >= 4 * HV_GIB) {
		log_warnx("kernel %s: entry point %#llx is not inside a loaded segment", path,
			  (unsigned long long)eh.e_entry);
		return -ENOEXEC;
	}
	if (vm)
		vm->entry = eh.e_entry;
	return 0;
}

static int elf_run(const char *path, uint64_t mem_bytes, struct hv_vm *vm)
{
	struct elf_image img = {0};
	int rc;

	rc = elf_map(path, &img);
	if (rc)
		return rc;
	rc = elf_walk(path, &img, hv_mem_low_size(mem_bytes), vm);
	munmap((void *)img.data, img.size);
	return rc;
}

int hv_elf_validate(const char *name, const void *data, size_t size, uint64_t mem_bytes)
{
	struct elf_image img = {data, size};

	if (size < sizeof(Elf64_Ehdr)) {
		log_warnx("kernel %s: not an ELF file (too short)", name);
		return -ENOEXEC;
	}
	return elf_walk(name, &img, hv_mem_low_size(mem_bytes), NULL);
}

int hv_elf_check(const char *path, uint64_t mem_bytes)
{
	return elf_run(path, mem_bytes, NULL);
}

int hv_elf_load(struct hv_vm *vm, const char *path)
{
	return elf_run(path, vm->args.mem_bytes, vm);
}
