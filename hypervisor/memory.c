/*
 * Guest RAM: one memfd (so that save and migration can later map or send it),
 * mapped once; [0, 3 GiB) at guest-physical 0 and the rest at 4 GiB, leaving
 * the LAPIC/IOAPIC windows below 4 GiB unbacked. Nothing is pre-faulted: a
 * page costs host memory only once the guest or the VMM touches it.
 *
 * --memory-pool hugetlb takes the RAM from the host's pool of 2 MiB pages
 * (vm.nr_hugepages) instead, reserved whole as the domain is built, as Xen
 * gives a domain memory the hypervisor owns: on a host that is itself a
 * guest, memory the host has handed out once stays backed, where fresh
 * memory first faults in the outer host (a warm xl restore of 1 GiB: 0.33 s
 * from the pool, 0.85 s from host memory; bench/RESULTS.md). Every page of it is
 * populated through the mapping below (the guest's faults through KVM,
 * xenon-hv's own writes: hugetlbfs has no write(2)), so what the mapping
 * holds is what the RAM holds (hv_mem_next_backed).
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/memfd.h> /* MFD_HUGE_2MB */
#include <string.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

int hv_mem_check_host(uint64_t bytes)
{
	struct sysinfo si;
	uint64_t host;

	if (sysinfo(&si) < 0)
		return -errno;
	host = (uint64_t)si.totalram * si.mem_unit;
	if (bytes > host) {
		log_warnx("--memory %llu: the host cannot give that much (it has %llu MiB of RAM); "
			  "give less memory",
			  (unsigned long long)(bytes / HV_MIB), (unsigned long long)(host / HV_MIB));
		return -ENOMEM;
	}
	if (bytes > hv_boot_max_ram()) {
		log_warnx("--memory %llu: more than xenon-hv can map (at most %llu MiB)",
			  (unsigned long long)(bytes / HV_MIB),
			  (unsigned long long)(hv_boot_max_ram() / HV_MIB));
		return -EINVAL;
	}
	return 0;
}

uint64_t hv_mem_low_size(uint64_t mem_bytes)
{
	return mem_bytes < HV_LOW_RAM_MAX ? mem_bytes : HV_LOW_RAM_MAX;
}

static int set_slot(struct hv_vm *vm, unsigned slot, uint64_t gpa, uint64_t size, void *hva, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
	    .slot = slot,
	    .flags = flags,
	    .guest_phys_addr = gpa,
	    .memory_size = size,
	    .userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int err = -errno;

		log_warn("KVM_SET_USER_MEMORY_REGION (slot %u, %llu MiB)", slot,
			 (unsigned long long)(size / HV_MIB));
		return err;
	}
	return 0;
}

/* Why the RAM cannot come from the hugetlb pool (mmap's or memfd_create's -errno). */
static void pool_failed(uint64_t total, int err)
{
	if (err == -ENOMEM)
		log_warnx(
		    "--memory-pool hugetlb: the host's pool of 2 MiB pages has fewer free than the %llu MiB "
		    "of RAM need (see /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages): raise "
		    "vm.nr_hugepages, or give --memory-pool host",
		    (unsigned long long)(total / HV_MIB));
	else
		log_warnx("--memory-pool hugetlb: this host gives no 2 MiB hugetlb pages (%s)",
			  log_strerror(err));
}

/* The RAM's file and its mapping: a plain memfd, or one of the hugetlb pool's pages. */
static int ram_map(struct hv_vm *vm, uint64_t total, bool pool)
{
	void *p;

	if (pool && total % HV_HUGE_PAGE) {
		log_warnx(
		    "--memory-pool hugetlb: %llu MiB of RAM is not a whole number of 2 MiB pages; give an "
		    "even --memory (or --memory-pool host)",
		    (unsigned long long)(total / HV_MIB));
		return -EINVAL;
	}
	vm->memfd = memfd_create("xenon-guest-ram", MFD_CLOEXEC | (pool ? MFD_HUGETLB | MFD_HUGE_2MB : 0));
	if (vm->memfd < 0) {
		int rc = -errno;

		pool ? pool_failed(total, rc) : log_warn("memfd_create for guest RAM");
		return rc;
	}
	if (ftruncate(vm->memfd, total) < 0) {
		int rc = -errno;

		log_warn("sizing guest RAM to %llu MiB", (unsigned long long)(total / HV_MIB));
		return rc;
	}
	/* The pool's pages are reserved for the whole RAM here (no
	 * MAP_NORESERVE): a pool too small fails now, not at a guest's fault. */
	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | (pool ? 0 : MAP_NORESERVE), vm->memfd, 0);
	if (p == MAP_FAILED) {
		int rc = -errno;

		pool ? pool_failed(total, rc)
		     : log_warn("mapping %llu MiB of guest RAM", (unsigned long long)(total / HV_MIB));
		return rc;
	}
	vm->ram = p;
	return 0;
}

int hv_mem_create(struct hv_vm *vm)
{
	uint64_t total = vm->args.mem_bytes;
	bool pool = vm->args.memory_pool == HVCTL_MEMORY_POOL_HUGETLB;
	int rc;

	vm->low_size = hv_mem_low_size(total);
	vm->high_size = total - vm->low_size;
	rc = ram_map(vm, total, pool);
	if (rc < 0)
		return rc;
	/* As QEMU does: 2 MiB pages where the host allows them for shared memory
	 * (transparent_hugepage/shmem_enabled "advise"; ignored at "never"):
	 * fewer TLB misses for xenon-hv's own copies (a save, the rings), and on a
	 * host that is itself a guest (PVM) far fewer shadow page faults: a save
	 * of 900 MiB took half the time (bench/RESULTS.md). The pool's are 2 MiB already. */
	if (!pool)
		madvise(vm->ram, total, MADV_HUGEPAGE);
	return hv_mem_set_flags(vm, 0);
}

/* Is the pool's 2 MiB page at off mapped (backed)? */
static bool huge_page_backed(struct hv_vm *vm, uint64_t off)
{
	unsigned char v = 0;

	return mincore(vm->ram + off, 4096, &v) == 0 && (v & 1);
}

/* hv_mem_next_backed for the hugetlb pool: its file says nothing of holes. */
static int next_backed_huge(struct hv_vm *vm, uint64_t off, uint64_t end, uint64_t *data, uint64_t *hole)
{
	uint64_t p = off - off % HV_HUGE_PAGE;

	while (p < end && !huge_page_backed(vm, p))
		p += HV_HUGE_PAGE;
	if (p >= end)
		return -ENXIO;
	*data = p > off ? p : off;
	while (p < end && huge_page_backed(vm, p))
		p += HV_HUGE_PAGE;
	*hole = p < end ? p : end;
	return 0;
}

int hv_mem_next_backed(struct hv_vm *vm, uint64_t off, uint64_t end, uint64_t *data, uint64_t *hole)
{
	off_t d, h;

	if (vm->args.memory_pool == HVCTL_MEMORY_POOL_HUGETLB)
		return next_backed_huge(vm, off, end, data, hole);
	d = lseek(vm->memfd, (off_t)off, SEEK_DATA);
	if (d < 0)
		return errno == ENXIO ? -ENXIO : -errno;
	if ((uint64_t)d >= end)
		return -ENXIO;
	h = lseek(vm->memfd, d, SEEK_HOLE);
	*data = (uint64_t)d;
	*hole = h < 0 || (uint64_t)h > end ? end : (uint64_t)h;
	return 0;
}

/* The memslots again with flags (KVM_MEM_LOG_DIRTY_PAGES for pre-copy, or 0). */
int hv_mem_set_flags(struct hv_vm *vm, uint32_t flags)
{
	int rc = set_slot(vm, 0, 0, vm->low_size, vm->ram, flags);

	if (!rc && vm->high_size)
		rc = set_slot(vm, 1, HV_HIGH_RAM_GPA, vm->high_size, vm->ram + vm->low_size, flags);
	return rc;
}

/* Host pointer for [gpa, gpa + len) if it lies wholly in RAM, else NULL. */
void *hv_gpa(struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= vm->low_size)
		return vm->ram + gpa;
	if (gpa >= HV_HIGH_RAM_GPA && gpa + len - HV_HIGH_RAM_GPA <= vm->high_size)
		return vm->ram + vm->low_size + (gpa - HV_HIGH_RAM_GPA);
	return NULL;
}
