/*
 * Which vCPUs are running and which are blocked (Xen's 'r' and 'b').
 *
 * With the in-kernel irqchip a halted vCPU never comes back to xenon-hv: KVM
 * handles HLT by putting the vCPU thread to sleep inside KVM_RUN until an
 * interrupt is due. So a vCPU is blocked when its thread is inside KVM_RUN
 * (hv_vcpu.in_run) and the kernel reports the thread asleep ('S' in
 * /proc/self/task/<tid>/stat); otherwise it is running guest code or
 * handling one of its exits. Where KVM counts "blocking" for each vCPU
 * (its binary statistics, Linux >= 5.17: 1 while the thread sleeps in
 * KVM_RUN on a halt), that counter is read instead, and the sandbox closes
 * /proc/self/task (hv_vcpu_state_drop_proc): through its "..", a directory
 * fd of /proc would reach every process's entries.
 *
 * One look is not enough for an idle guest: each timer tick wakes the vCPU,
 * and KVM then polls for a while (halt_poll_ns, 200 us by default) before
 * sleeping again, so about 3% of single looks at an idle vCPU see 'R'.
 * A vCPU seen awake is looked at again, up to SAMPLES times SAMPLE_GAP_US
 * apart, and counts as running only if it was awake every time; a busy vCPU
 * is always awake.
 *
 * In a PID namespace of its own (xenon-hv(8), SANDBOX), a thread's id
 * (gettid) is the namespace's, while /proc/self/task, opened in the host's
 * /proc, names threads by the host's ids: each vCPU's is found once from
 * the NSpid lines of its own threads (common/nspid.h).
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include "nspid.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SAMPLES	      3
#define SAMPLE_GAP_US 250

/* /proc/self/task, opened before the sandbox takes /proc away (-1: by path). */
static int task_dir = -1;

int hv_vcpu_state_init(void)
{
	if (task_dir < 0)
		task_dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return task_dir < 0 ? -errno : 0;
}

int hv_vcpu_state_dirfd(void)
{
	return task_dir;
}

/* Each vCPU thread's id and the one task_dir names it by (the same outside a PID namespace). */
static struct {
	int tid, proc_tid;
} named[HVCTL_MAX_VCPUS];

static int proc_tid(unsigned index, int tid)
{
	int id;

	if (index >= HVCTL_MAX_VCPUS)
		return 0;
	if (named[index].tid == tid)
		return named[index].proc_tid;
	id = nspid_task_at(task_dir, tid);
	if (id > 0)
		named[index].tid = tid, named[index].proc_tid = id;
	return id > 0 ? id : 0;
}

static char task_state(unsigned index, int tid)
{
	char path[64];

	if (task_dir < 0) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		return proc_stat_state(path);
	}
	tid = proc_tid(index, tid);
	if (!tid)
		return 0;
	snprintf(path, sizeof(path), "%d/stat", tid);
	return proc_stat_state_at(task_dir, path);
}

static int vcpu_halted(struct hv_vcpu *v)
{
	int tid = atomic_load(&v->tid), blocking;

	if (!tid || !atomic_load(&v->in_run))
		return 0;
	blocking = hv_stats_blocking(v);
	return blocking >= 0 ? blocking : task_state(v->index, tid) == 'S';
}

int hv_vcpu_state_drop_proc(struct hv_vm *vm)
{
	if (!vm->vcpus)
		return 0;
	for (unsigned i = 0; i < vm->args.nr_vcpus; i++)
		if (hv_stats_blocking(&vm->vcpus[i]) < 0)
			return 0; /* this KVM does not count it: /proc/self/task stays */
	if (task_dir >= 0)
		close(task_dir);
	task_dir = -1;
	return 1;
}

/* The vCPUs that can be running or blocked: started ones, while not paused or ended. */
static uint64_t vcpus_to_sample(struct hv_vm *vm)
{
	uint64_t set = 0;

	pthread_mutex_lock(&vm->lock);
	if (!vm->paused && atomic_load(&vm->end_status) < 0)
		for (unsigned i = 0; i < vm->args.nr_vcpus && i < HVCTL_MAX_VCPUS; i++)
			if (hv_vcpu_online(&vm->vcpus[i]))
				set |= 1ULL << i;
	pthread_mutex_unlock(&vm->lock);
	return set;
}

void hv_vcpu_states(struct hv_vm *vm, uint32_t *running, uint32_t *blocked)
{
	uint64_t awake = vcpus_to_sample(vm);

	for (unsigned round = 0; awake && round < SAMPLES; round++) {
		if (round)
			usleep(SAMPLE_GAP_US);
		for (unsigned i = 0; i < HVCTL_MAX_VCPUS; i++) {
			if (!(awake & (1ULL << i)) || !vcpu_halted(&vm->vcpus[i]))
				continue;
			awake &= ~(1ULL << i);
			blocked[i / 32] |= 1U << (i % 32);
		}
	}
	for (unsigned i = 0; i < HVCTL_MAX_VCPUS; i++)
		if (awake & (1ULL << i))
			running[i / 32] |= 1U << (i % 32);
}
