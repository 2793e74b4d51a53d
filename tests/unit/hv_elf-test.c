/* xenon-hv's ELF64 loader: what it accepts, what it refuses, what it copies. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "log.h"
#include "unit.h"

#define MEM (16ULL << 20)

struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t code[64];
};

/* A valid kernel: one PT_LOAD of the code at 1 MiB + 0x1000, entry at its start. */
static void make_image(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_entry = 0x101000;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 1;
	im->ph[0].p_type = PT_LOAD;
	im->ph[0].p_offset = offsetof(struct image, code);
	im->ph[0].p_vaddr = im->ph[0].p_paddr = 0x101000;
	im->ph[0].p_filesz = sizeof(im->code);
	im->ph[0].p_memsz = 0x2000; /* with a bss */
	for (unsigned i = 0; i < sizeof(im->code); i++)
		im->code[i] = 0x90 + i;
}

static int check(const struct image *im)
{
	return hv_elf_validate("test", im, sizeof(*im), MEM);
}

static void test_valid_image(void)
{
	struct image im;

	make_image(&im);
	CHECK_INT(check(&im), 0);
}

static void test_refuses_bad_headers(void)
{
	struct image im;

	make_image(&im);
	im.eh.e_ident[0] = 0;
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.eh.e_machine = EM_AARCH64;
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.eh.e_type = ET_DYN;
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.eh.e_phnum = 1000; /* program headers past the end */
	CHECK_INT(check(&im), -ENOEXEC);
	CHECK_INT(hv_elf_validate("short", &im, 10, MEM), -ENOEXEC);
}

static void test_refuses_bad_segments(void)
{
	struct image im;

	make_image(&im);
	im.ph[0].p_paddr = 0x1000; /* below 1 MiB */
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.ph[0].p_paddr = MEM - 0x1000; /* runs past the end of RAM */
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.ph[0].p_filesz = 1 << 20; /* past the end of the file */
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.ph[0].p_paddr = ~0ULL - 0x10; /* wraps around */
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.ph[0].p_type = PT_NOTE; /* nothing to load */
	CHECK_INT(check(&im), -ENOEXEC);
	make_image(&im);
	im.eh.e_entry = 0x200000; /* outside every segment */
	CHECK_INT(check(&im), -ENOEXEC);
}

static void test_unaligned_program_headers(void)
{
	uint8_t *buf = calloc(1, sizeof(struct image) + 1);
	struct image im;

	make_image(&im);
	im.eh.e_phoff += 1;
	im.ph[0].p_offset += 1;
	memcpy(buf, &im, offsetof(struct image, ph));
	memcpy(buf + offsetof(struct image, ph) + 1, &im.ph, sizeof(im) - offsetof(struct image, ph));
	CHECK_INT(hv_elf_validate("unaligned", buf, sizeof(im) + 1, MEM), 0);
	free(buf);
}

static void test_load_copies_segments(void)
{
	char path[] = "/tmp/hv_elf-test.XXXXXX";
	struct hv_vm vm;
	struct image im;
	int fd = mkstemp(path);

	make_image(&im);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, &im, sizeof(im)), sizeof(im));
	close(fd);
	memset(&vm, 0, sizeof(vm));
	vm.args.mem_bytes = vm.low_size = MEM;
	vm.ram = calloc(1, MEM);
	CHECK_INT(hv_elf_check(path, MEM), 0);
	CHECK_INT(hv_elf_load(&vm, path), 0);
	CHECK_INT(vm.entry, 0x101000);
	CHECK(!memcmp(vm.ram + 0x101000, im.code, sizeof(im.code)));
	CHECK_INT(vm.ram[0x101000 + sizeof(im.code)], 0); /* bss stays zero */
	CHECK_INT(hv_elf_check("/nonexistent/kernel", MEM), -ENOENT);
	free(vm.ram);
	unlink(path);
}

int main(void)
{
	log_init("hv_elf-test");
	log_set_file(fopen("/dev/null", "w")); /* the refusals are expected */
	RUN(test_valid_image);
	RUN(test_refuses_bad_headers);
	RUN(test_refuses_bad_segments);
	RUN(test_unaligned_program_headers);
	RUN(test_load_copies_segments);
	return unit_done();
}
