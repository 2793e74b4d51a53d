/*
 * The main thread, once the vCPUs run: one poll() over the domain's end
 * (an eventfd the vCPUs write), signals, the control socket and the
 * console input. It returns xenon-hv's exit status.
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"

#define MAX_POLL    24
#define INPUT_CHUNK 256

static const uint32_t end_events[] = {
    [HV_EXIT_POWEROFF] = HVCTL_EV_POWEROFF,
    [HV_EXIT_REBOOT] = HVCTL_EV_REBOOT,
    [HV_EXIT_CRASH] = HVCTL_EV_CRASH,
};

static int domain_ended(struct hv_vm *vm)
{
	int status = atomic_load(&vm->end_status);

	if (status >= 0 && (size_t)status < sizeof(end_events) / sizeof(end_events[0]) && end_events[status])
		hv_control_event(vm, end_events[status], vm->end_detail);
	log_info("domain %u (%s): %s", vm->args.domid, vm->args.name, vm->end_detail);
	return status;
}

static int got_signal(struct hv_vm *vm, int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		si.ssi_signo = SIGTERM;
	log_warnx("domain %u (%s): destroyed by signal %s", vm->args.domid, vm->args.name,
		  strsignal(si.ssi_signo));
	return HV_EXIT_DESTROY;
}

static void console_input(struct hv_vm *vm, int fd)
{
	uint8_t buf[INPUT_CHUNK];
	size_t space = hv_uart_rx_space(vm);
	ssize_t n = read(fd, buf, space < sizeof(buf) ? space : sizeof(buf));

	if (n > 0)
		hv_uart_receive(vm, buf, n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR && errno != EIO))
		hv_console_input_eof(vm);
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

int hv_main_loop(struct hv_vm *vm, const sigset_t *sigs)
{
	struct pollfd pfds[MAX_POLL];
	int sfd = signalfd(-1, sigs, SFD_CLOEXEC | SFD_NONBLOCK);

	if (sfd < 0) {
		log_warn("signalfd");
		return HV_EXIT_ERROR;
	}
	for (;;) {
		unsigned n = 0, ctl, xs;
		int in_fd = hv_console_input_fd(vm), in_idx = -1, timeout = -1;

		pfds[n++] = (struct pollfd){.fd = vm->end_fd, .events = POLLIN};
		pfds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		if (in_fd >= 0 && hv_uart_rx_space(vm)) {
			in_idx = n;
			pfds[n++] = (struct pollfd){.fd = in_fd, .events = POLLIN};
		} else if (in_fd >= 0) {
			timeout = 20; /* the guest has not drained the FIFO yet */
		}
		xs = n;
		hv_xs_fill_pollfds(vm, pfds, &n, MAX_POLL);
		ctl = n;
		hv_control_fill_pollfds(vm, pfds, &n, MAX_POLL);
		if (poll(pfds, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return HV_EXIT_ERROR;
		}
		if (pfds[1].revents)
			return got_signal(vm, sfd);
		hv_control_handle(vm, pfds + ctl, n - ctl);
		/* After the control requests: a destroy's reply has gone out first. */
		if (atomic_load(&vm->end_status) >= 0)
			return domain_ended(vm);
		for (unsigned i = xs; i < ctl; i++)
			if (pfds[i].revents) {
				hv_xs_handle(vm);
				break;
			}
		if (in_idx >= 0 && pfds[in_idx].revents)
			console_input(vm, in_fd);
	}
}
