/*
 * Guest RAM: one memfd (so that save and migration can later map or send it),
 * mapped once; [0, 3 GiB) at guest-physical 0 and the rest at 4 GiB, leaving
 * the LAPIC/IOAPIC windows below 4 GiB unbacked. Nothing is pre-faulted: a
 * page costs host memory only once the guest or the VMM touches it.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

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

int hv_mem_create(struct hv_vm *vm)
{
	uint64_t total = vm->args.mem_bytes;
	void *p;
	int rc;

	vm->low_size = hv_mem_low_size(total);
	vm->high_size = total - vm->low_size;
	vm->memfd = memfd_create("xenon-guest-ram", MFD_CLOEXEC);
	if (vm->memfd < 0) {
		log_warn("memfd_create for guest RAM");
		return -errno;
	}
	if (ftruncate(vm->memfd, total) < 0) {
		rc = -errno;
		log_warn("sizing guest RAM to %llu MiB", (unsigned long long)(total / HV_MIB));
		return rc;
	}
	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, vm->memfd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		log_warn("mapping %llu MiB of guest RAM", (unsigned long long)(total / HV_MIB));
		return rc;
	}
	vm->ram = p;
	/* As QEMU does: 2 MiB pages where the host allows them for shared memory
	 * (transparent_hugepage/shmem_enabled "advise"; ignored at "never"):
	 * fewer TLB misses for xenon-hv's own copies (a save, the rings), and on a
	 * host that is itself a guest (PVM) far fewer shadow page faults: a save
	 * of 900 MiB took half the time (bench/RESULTS.md). */
	madvise(p, total, MADV_HUGEPAGE);
	return hv_mem_set_flags(vm, 0);
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
