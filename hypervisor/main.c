/*
 * xenon-hv: one Xenon domain in one process. main() checks the arguments
 * (nothing exists yet), builds the domain, starts vCPU 0 and hands over to
 * the main loop; its return value is the exit status (HV_EXIT_* in hvctl.h).
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "strutil.h"

static void vm_init(struct hv_vm *vm, const struct hv_args *args)
{
	memset(vm, 0, sizeof(*vm));
	vm->args = *args;
	vm->kvm_fd = vm->vm_fd = vm->memfd = vm->end_fd = -1;
	atomic_init(&vm->end_status, -1);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	vm->paused = args->paused;
	hv_devices_setup(vm);
}

/* The built-in devices, in this order; each decides from the arguments whether it exists. */
static int (*const builtin_devices[])(struct hv_vm *vm, struct hv_dev **out) = {
    hv_uart_create,
    hv_platform_create,
    hv_xs_create,
    hv_balloon_create,
};

int hv_builtin_devices_init(struct hv_vm *vm)
{
	for (unsigned i = 0; i < sizeof(builtin_devices) / sizeof(builtin_devices[0]); i++) {
		struct hv_dev *d = NULL;
		int rc = builtin_devices[i](vm, &d);

		if (rc)
			return rc;
	}
	return 0;
}

/* --disk and --nic, announced on the guest's command line (docs/devices.md). */
static int vdevs_init(struct hv_vm *vm)
{
	char words[4096] = "";
	int rc = hv_vdev_add_args(vm);

	if (!rc && hv_vdev_cmdline(vm, words, sizeof(words))) {
		log_warnx("too many devices for the guest's command line");
		rc = -ENAMETOOLONG;
	}
	return rc ? rc : hv_boot_append_cmdline(vm, words);
}

/* Everything up to vCPU 0 ready to enter the kernel. */
static int build_domain(struct hv_vm *vm)
{
	int rc;

	vm->start_time_ns = hv_now_ns(CLOCK_REALTIME);
	vm->end_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->end_fd < 0)
		return -ENOMEM;
	if (vm->args.restore)
		return hv_restore_build(vm);
	vm->vcpus = calloc(vm->args.nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	if ((rc = hv_kvm_open(vm)) || (rc = hv_kvm_create_vm(vm)) || (rc = hv_mem_create(vm)) ||
	    (rc = hv_kvm_create_irqchip(vm)) || (rc = hv_kvm_create_vcpu(vm, 0)) ||
	    (rc = hv_kvm_detect_platform(vm)) || (rc = hv_elf_load(vm, vm->args.kernel)) ||
	    (rc = hv_boot_build(vm)) || (rc = hv_builtin_devices_init(vm)) || (rc = vdevs_init(vm)))
		return rc;
	return hv_kvm_enter_long_mode(&vm->vcpus[0], vm->entry, XENON_BOOT_STACK_TOP, XENON_BOOT_PT_GPA,
				      XENON_BOOT_INFO_GPA);
}

/*
 * A restore reads all but the stream's header under the main thread's
 * filter, in the sandbox: what a peer sends is never parsed as root.
 */
static int restore_sandboxed(struct hv_vm *vm)
{
	int rc = hv_seccomp_enter(HV_THREAD_MAIN);

	return rc ? rc : hv_restore_stream(vm);
}

/*
 * --ready: libxl waits for this message (struct hvctl_ready, one write),
 * not for the socket file to appear: closing the inotify instance that
 * would take costs a kernel grace period (10-20 ms) in every create and
 * every migration's downtime. HVCTL_READY, once the control socket answers
 * (its requests are read from the next poll on), is the last: the pipe is
 * closed. A restore says HVCTL_READY_PLAN before it (restore.c).
 */
void hv_say_ready(struct hv_vm *vm, char what, unsigned pending)
{
	struct hvctl_ready r = {.ready = what, .restore_pending = pending};
	int fd = vm->args.ready_fd;

	if (fd < 0)
		return;
	snprintf(r.console_pty, sizeof(r.console_pty), "%s", hv_console_pty(vm));
	if (write(fd, &r, sizeof(r)) != sizeof(r)) /* below PIPE_BUF: all or nothing */
		log_warn("--ready %d: cannot say so", fd);
	if (what != HVCTL_READY)
		return;
	close(fd);
	vm->args.ready_fd = -1;
}

/* Remove what the domain made outside the process: socket file, tty mode. */
void hv_cleanup(struct hv_vm *vm)
{
	hv_control_close(vm);
	hv_console_close(vm);
}

static void kick_handler(int sig)
{
	(void)sig; /* only makes KVM_RUN return -EINTR */
}

int main(int argc, char **argv)
{
	static struct hv_vm vm;
	struct hv_args args;
	sigset_t sigs;
	int rc;

	if (stdio_guard())
		return HV_EXIT_ERROR;
	log_init(argv[0]);
	mallopt(M_ARENA_MAX, 1); /* vCPU threads hardly allocate: one arena keeps RSS small */
	rc = hv_parse_args(argc, argv, &args);
	if (rc)
		return rc > 0 ? 0 : HV_EXIT_ERROR;
	log_set_verbosity(args.verbose);
	if (hv_dmesg_start(&args))
		return HV_EXIT_ERROR;
	if (!args.restore && (hv_mem_check_host(args.mem_bytes) || hv_elf_check(args.kernel, args.mem_bytes)))
		return HV_EXIT_ERROR;
	for (unsigned i = 0; i < args.nr_devices; i++) /* before /dev/kvm: a bad disk fails early */
		if (hv_vdev_precheck(&args.devices[i], args.device_labels[i]))
			return HV_EXIT_ERROR;
	signal(SIGUSR1, kick_handler);
	if (hv_signals_init(&sigs))
		return HV_EXIT_ERROR;
	vm_init(&vm, &args);
	hv_vcpu_state_init(); /* /proc/self/task, before the sandbox hides /proc */
	if (hv_loop_create(&vm) || build_domain(&vm) || hv_control_open(&vm, args.control, !!args.restore) ||
	    hv_console_open(&vm, args.console) || hv_sandbox_enter(&vm) ||
	    (args.restore && restore_sandboxed(&vm)) || hv_devices_start(&vm)) {
		hv_cleanup(&vm);
		log_warnx("domain %s not started", args.name);
		return HV_EXIT_ERROR;
	}
	if (args.restore ? hv_restore_finish(&vm) : hv_vcpu_start(&vm.vcpus[0]) || hv_seccomp_enter(HV_THREAD_MAIN)) {
		hv_cleanup(&vm);
		return HV_EXIT_ERROR;
	}
	hv_say_ready(&vm, HVCTL_READY, hv_mig_vdevs_pending());
	/*
	 * A restore is ready before the socket takes its name and the devices
	 * settle (the guest's xenstore watches): libxl connects to the hidden
	 * name meanwhile (a migration's downtime), and no request is read
	 * before both are done. The rename (the root helper's) and the watches
	 * (xenstored's) run side by side: asked, settled, then answered.
	 */
	if (args.restore && (hv_control_publish_ask(&vm) || hv_devices_settle(&vm) || hv_control_publish(&vm))) {
		hv_cleanup(&vm);
		return HV_EXIT_ERROR;
	}
	rc = hv_main_loop(&vm, &sigs);
	hv_cleanup(&vm);
	hv_kvm_release_async(&vm);
	return rc;
}
