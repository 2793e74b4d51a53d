/*
 * The main thread's event loop. Whoever owns an fd registers it with a
 * callback (hv_loop_add): the control socket and its clients, the devices'
 * fds (console input, xenstore). loop.c itself only watches the domain's end
 * (an eventfd the vCPUs write) and the signals that destroy it, and returns
 * xenon-hv's exit status. Only the main thread touches the table, callbacks
 * included (they may add and remove entries, their own too).
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"

#define LOOP_MAX 48

struct loop_entry {
	int fd; /* -1: a free slot */
	short events;
	enum hv_loop_stage stage;
	hv_loop_fn fn;
	hv_loop_want_fn want;
	void *opaque;
	unsigned serial; /* changes whenever the slot is reused */
};

struct hv_loop {
	struct loop_entry e[LOOP_MAX];
	unsigned serial;
	int stopped, status; /* a callback ended the loop with status */
};

int hv_loop_create(struct hv_vm *vm)
{
	struct hv_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	for (unsigned i = 0; i < LOOP_MAX; i++)
		l->e[i].fd = -1;
	vm->loop = l;
	return 0;
}

void hv_loop_destroy(struct hv_vm *vm)
{
	free(vm->loop);
	vm->loop = NULL;
}

int hv_loop_add(struct hv_vm *vm, int fd, short events, enum hv_loop_stage stage, hv_loop_fn fn,
		hv_loop_want_fn want, void *opaque)
{
	struct hv_loop *l = vm->loop;

	if (fd < 0 || !fn || (unsigned)stage >= HV_LOOP_NR_STAGES)
		return -EINVAL;
	for (unsigned i = 0; i < LOOP_MAX; i++)
		if (l->e[i].fd == fd)
			return -EEXIST;
	for (unsigned i = 0; i < LOOP_MAX; i++) {
		if (l->e[i].fd >= 0)
			continue;
		l->e[i] = (struct loop_entry){fd, events, stage, fn, want, opaque, ++l->serial};
		return 0;
	}
	log_warnx("event loop: no room for fd %d", fd);
	return -ENOSPC;
}

/* Before the fd is closed: its number may come back with another file. */
void hv_loop_del(struct hv_vm *vm, int fd)
{
	struct hv_loop *l = vm->loop;

	for (unsigned i = 0; l && fd >= 0 && i < LOOP_MAX; i++)
		if (l->e[i].fd == fd) {
			l->e[i].fd = -1;
			l->e[i].serial = ++l->serial;
		}
}

void hv_loop_stop(struct hv_vm *vm, int status)
{
	vm->loop->stopped = 1;
	vm->loop->status = status;
}

#define CRASH_CONSOLE_LINES 20

static const uint32_t end_events[] = {
    [HV_EXIT_POWEROFF] = HVCTL_EV_POWEROFF,
    [HV_EXIT_REBOOT] = HVCTL_EV_REBOOT,
    [HV_EXIT_CRASH] = HVCTL_EV_CRASH,
};

/*
 * The domain's end: the process' exit status, or -1 when --hold-on keeps
 * it (paused, for HVCTL_DUMP_CORE) until HVCTL_DESTROY stops the loop.
 */
static int domain_ended(struct hv_vm *vm)
{
	int status = atomic_load(&vm->end_status);
	bool hold = status >= 0 && status < 32 && (vm->args.hold_on & (1U << status));

	if (vm->held)
		return -1;
	if (hold) {
		hv_vm_pause(vm);
		vm->held = 1;
	}
	if (status >= 0 && (size_t)status < sizeof(end_events) / sizeof(end_events[0]) && end_events[status])
		hv_control_event(vm, end_events[status], vm->end_detail);
	/* the guest's last words stay in the log: the ring goes with this process */
	if (status == HV_EXIT_CRASH)
		hv_console_log_tail(vm, CRASH_CONSOLE_LINES);
	log_info("domain %u (%s): %s%s", vm->args.domid, vm->args.name, vm->end_detail,
		 hold ? "; kept, paused, until destroyed (--hold-on)" : "");
	return hold ? -1 : status;
}

static void got_signal(struct hv_vm *vm, void *opaque, int sfd, short revents)
{
	struct signalfd_siginfo si;

	(void)opaque;
	(void)revents;
	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		si.ssi_signo = SIGTERM;
	log_warnx("domain %u (%s): destroyed by signal %s", vm->args.domid, vm->args.name,
		  strsignal(si.ssi_signo));
	hv_loop_stop(vm, HV_EXIT_DESTROY);
}

/* end_fd only wakes poll(): end_status says what happened. Drained, for a
 * held domain's loop goes on. */
static void end_woke(struct hv_vm *vm, void *opaque, int fd, short revents)
{
	uint64_t n;

	(void)vm;
	(void)opaque;
	(void)revents;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("end eventfd");
}

/* Signals that end the domain arrive on a signalfd; threads inherit the mask. */
int hv_signals_init(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1); /* the vCPU kick: unblocked in vCPU threads only */
	if (pthread_sigmask(SIG_BLOCK, set, NULL))
		return -EINVAL;
	sigdelset(set, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

struct polled {
	struct pollfd pfd[LOOP_MAX + 1]; /* + hv_loop_serve_until's fd */
	unsigned slot[LOOP_MAX], serial[LOOP_MAX];
	unsigned n;
};

/* The fds of every stage (HV_LOOP_NR_STAGES) or of one. */
static void fill(struct hv_vm *vm, struct polled *p, int *timeout, enum hv_loop_stage only)
{
	struct hv_loop *l = vm->loop;

	p->n = 0;
	for (unsigned i = 0; i < LOOP_MAX; i++) {
		struct loop_entry *e = &l->e[i];
		short events = e->fd < 0 || (only != HV_LOOP_NR_STAGES && e->stage != only) ? 0
			       : e->want ? e->want(vm, e->opaque, e->fd, timeout)
					 : e->events;

		if (!events)
			continue;
		p->pfd[p->n] = (struct pollfd){.fd = e->fd, .events = events};
		p->slot[p->n] = i;
		p->serial[p->n++] = e->serial;
	}
}

/* The ready fds of one stage, skipping slots a callback freed or reused meanwhile. */
static void dispatch_stage(struct hv_vm *vm, struct polled *p, enum hv_loop_stage stage)
{
	struct hv_loop *l = vm->loop;

	for (unsigned i = 0; i < p->n; i++) {
		struct loop_entry *e = &l->e[p->slot[i]];

		if (p->pfd[i].revents && e->serial == p->serial[i] && e->stage == stage)
			e->fn(vm, e->opaque, e->fd, p->pfd[i].revents);
	}
}

/*
 * Stages run in order. A signal ends the loop before anything else runs;
 * the domain's end is acted on after the control requests, so that a
 * destroy's reply has gone out first.
 */
static int run_once(struct hv_vm *vm, struct polled *p)
{
	int timeout = -1;

	fill(vm, p, &timeout, HV_LOOP_NR_STAGES);
	if (poll(p->pfd, p->n, timeout) < 0) {
		if (errno == EINTR)
			return -1;
		log_warn("poll");
		return HV_EXIT_ERROR;
	}
	for (unsigned s = 0; s < HV_LOOP_NR_STAGES; s++) {
		dispatch_stage(vm, p, s);
		if (vm->loop->stopped)
			return vm->loop->status;
		if (s >= HV_LOOP_CONTROL && atomic_load(&vm->end_status) >= 0)
			return domain_ended(vm);
	}
	return -1;
}

int hv_loop_serve_until(struct hv_vm *vm, enum hv_loop_stage stage, int fd)
{
	static struct polled p;

	for (;;) {
		int timeout = -1;

		fill(vm, &p, &timeout, stage);
		p.pfd[p.n] = (struct pollfd){.fd = fd, .events = POLLIN};
		if (poll(p.pfd, p.n + 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p.pfd[p.n].revents)
			return 0;
		dispatch_stage(vm, &p, stage);
	}
}

int hv_main_loop(struct hv_vm *vm, const sigset_t *sigs)
{
	static struct polled p;
	int sfd = signalfd(-1, sigs, SFD_CLOEXEC | SFD_NONBLOCK), rc;

	if (sfd < 0) {
		log_warn("signalfd");
		return HV_EXIT_ERROR;
	}
	if ((rc = hv_loop_add(vm, vm->end_fd, POLLIN, HV_LOOP_FIRST, end_woke, NULL, NULL)) ||
	    (rc = hv_loop_add(vm, sfd, POLLIN, HV_LOOP_FIRST, got_signal, NULL, NULL))) {
		log_warnx("event loop: %s", log_strerror(rc));
		return HV_EXIT_ERROR;
	}
	do
		rc = run_once(vm, &p);
	while (rc < 0);
	return rc;
}
