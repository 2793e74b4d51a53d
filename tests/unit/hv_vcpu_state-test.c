/*
 * xenon-hv's running/blocked vCPU states (hypervisor/vcpu_state.c), with real
 * threads standing in for vCPU threads: one asleep "in KVM_RUN" (blocked),
 * one spinning (running), one asleep outside KVM_RUN (handling an exit:
 * running), one never started (neither). Again in a PID namespace of its
 * own, with /proc/self/task kept open as on kernels without KVM's
 * "blocking" counter: the threads' ids are the namespace's, /proc's the
 * host's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "nspid.h"
#include "strutil.h"
#include "unit.h"

static struct hv_vm vm;
static struct hv_vcpu vcpus[4];
static atomic_int stop;
static pthread_mutex_t nap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nap_cond = PTHREAD_COND_INITIALIZER;

static void *sleeper(void *arg)
{
	struct hv_vcpu *v = arg;

	atomic_store(&v->tid, (int)gettid());
	pthread_mutex_lock(&nap_lock);
	while (!atomic_load(&stop))
		pthread_cond_wait(&nap_cond, &nap_lock);
	pthread_mutex_unlock(&nap_lock);
	return NULL;
}

static void *spinner(void *arg)
{
	struct hv_vcpu *v = arg;

	atomic_store(&v->tid, (int)gettid());
	while (!atomic_load(&stop))
		;
	return NULL;
}

/* The state of our thread tid (our PID namespace's id; /proc names it by the host's). */
static char state_of(int tid)
{
	int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC), id;
	char path[64], st = 0;

	id = dir < 0 ? -1 : nspid_task_at(dir, tid);
	snprintf(path, sizeof(path), "%d/stat", id);
	if (id > 0)
		st = proc_stat_state_at(dir, path);
	if (dir >= 0)
		close(dir);
	return st;
}

/* Until the thread has its tid and, for a sleeper, is asleep. */
static void wait_settled(struct hv_vcpu *v, char want)
{
	for (int i = 0; i < 2000; i++) {
		int tid = atomic_load(&v->tid);

		if (tid && (!want || state_of(tid) == want))
			return;
		usleep(1000);
	}
}

static int bit(const uint32_t *map, unsigned i)
{
	return !!(map[i / 32] & (1U << (i % 32)));
}

static void start(unsigned i, void *(*fn)(void *), int in_run)
{
	vcpus[i] = (struct hv_vcpu){.vm = &vm, .index = i, .started = 1};
	atomic_store(&vcpus[i].in_run, in_run);
	pthread_create(&vcpus[i].thread, NULL, fn, &vcpus[i]);
}

static void test_states(void)
{
	uint32_t running[HVCTL_MAX_VCPUS / 32] = {0}, blocked[HVCTL_MAX_VCPUS / 32] = {0};

	vm.paused = 1;
	hv_vcpu_states(&vm, running, blocked);
	CHECK(!bit(running, 0) && !bit(blocked, 0) && !bit(running, 1) && !bit(blocked, 1));
	CHECK(!bit(running, 2) && !bit(blocked, 2) && !bit(running, 3) && !bit(blocked, 3));

	vm.paused = 0;
	hv_vcpu_states(&vm, running, blocked);
	CHECK_INT(bit(blocked, 0), 1);
	CHECK_INT(bit(running, 0), 0);
	CHECK_INT(bit(running, 1), 1);
	CHECK_INT(bit(blocked, 1), 0);
	CHECK_INT(bit(running, 2), 1); /* asleep, but not in KVM_RUN */
	CHECK_INT(bit(blocked, 2), 0);
	CHECK_INT(bit(running, 3), 0); /* never started */
	CHECK_INT(bit(blocked, 3), 0);

	atomic_store(&vm.end_status, HV_EXIT_POWEROFF);
	memset(running, 0, sizeof(running));
	memset(blocked, 0, sizeof(blocked));
	hv_vcpu_states(&vm, running, blocked);
	CHECK_INT(running[0] | blocked[0], 0);
	atomic_store(&vm.end_status, -1);
}

static void test_state_letter(void)
{
	CHECK_INT(proc_stat_state_letter("123 (xenon-hv) S 1 2 3"), 'S');
	CHECK_INT(proc_stat_state_letter("123 (a) b) R 1"), 'R');
	CHECK_INT(proc_stat_state_letter("123 (x y) D 1"), 'D');
	CHECK_INT(proc_stat_state_letter("123 (xenon-hv)"), 0);
	CHECK_INT(proc_stat_state_letter("123 (xenon-hv) "), 0);
	CHECK_INT(proc_stat_state_letter("garbage"), 0);
	CHECK_INT(proc_stat_state_letter(""), 0);
}

static void start_all(void)
{
	vm.args.nr_vcpus = 4;
	vm.vcpus = vcpus;
	atomic_store(&vm.end_status, -1);
	pthread_mutex_init(&vm.lock, NULL);
	start(0, sleeper, 1);
	start(1, spinner, 1);
	start(2, sleeper, 0);
	wait_settled(&vcpus[0], 'S');
	wait_settled(&vcpus[1], 0);
	wait_settled(&vcpus[2], 'S');
}

/* test_states in a child that is pid 1 of a PID namespace of its own, reading /proc/self/task by fd. */
static void test_states_in_pid_namespace(void)
{
	int child = nspid_fork_newpid(), status = -1;

	if (child == -EPERM) {
		printf("# skip: a PID namespace needs CAP_SYS_ADMIN\n");
		return;
	}
	CHECK(child >= 0);
	if (child == 0) {
		CHECK_INT(hv_vcpu_state_init(), 0);
		CHECK(hv_vcpu_state_dirfd() >= 0);
		start_all();
		CHECK(getpid() == 1 && atomic_load(&vcpus[0].tid) != nspid_task(nspid_self(), atomic_load(&vcpus[0].tid)));
		test_states();
		fflush(stdout);
		_exit(unit_failed_checks ? 1 : 0);
	}
	if (child > 0)
		waitpid(child, &status, 0);
	CHECK_INT(status, 0);
}

int main(void)
{
	RUN(test_states_in_pid_namespace); /* first: a raw clone is safe only while we have one thread */
	start_all();
	RUN(test_state_letter);
	RUN(test_states);

	atomic_store(&stop, 1);
	pthread_mutex_lock(&nap_lock);
	pthread_cond_broadcast(&nap_cond);
	pthread_mutex_unlock(&nap_lock);
	for (unsigned i = 0; i < 3; i++)
		pthread_join(vcpus[i].thread, NULL);
	return unit_done();
}
