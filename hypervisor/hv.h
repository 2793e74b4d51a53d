/*
 * xenon-hv internals: one process per domain. The pieces (one file each):
 *   args.c      command line -> struct hv_args, validated before anything exists
 *   kvm.c       /dev/kvm, the VM, in-kernel irqchip (IRQ lines, irqfd, ioeventfd), vCPUs, platform
 *   memory.c    guest RAM (memfd) and its memslots, gpa -> host pointer
 *   elf.c       ELF64 kernel loader
 *   boot.c      boot-info page, GDT/TSS, identity page tables (xenon-boot.h)
 *   vcpu.c      one thread per vCPU: KVM_RUN, exit table, pause/park, crashes
 *   vcpu_state.c  which vCPUs are running and which are blocked (halted)
 *   stats.c     KVM's own counters per vCPU (exits, emulated instructions)
 *   bus.c       the device model's buses: port I/O and MMIO ranges -> device instances
 *   devices.c   the domain's device instances: added, started, found, removed
 *   irq.c       the allocator of IOAPIC lines (GSIs) devices ask for
 *   uart.c      device: 16550 UART at 0x3f8 (IRQ 4), fed by the console input
 *   platform.c  device: Xenon platform ports: shutdown, CPU start, toolstack requests
 *   balloon.c   device: the balloon port, frames given back to the host (balloon_core.c: checks)
 *   console.c   where the UART's bytes go (stdio, pty, file) and the ring
 *   virtio_dev.c  device: a virtio-mmio window (virtio_mmio.c) for virtio devices
 *   vdev.c      the disks and NICs by (kind, devid): --disk/--nic, HVCTL_DEVICE_* (vdev.h)
 *   vdev_spec.c KEY=VALUE disk and NIC specs (--disk, --nic, hvctl device-add)
 *   virtio_blk.c  device: virtio-blk (blk_backing.c: the image; blk_io.c: io_uring)
 *   xenstore.c  device: the guest xenstore channel, proxied to xenstored (--xenstore)
 *   control.c   the control socket server (hvctl.h): message table, events
 *   loop.c      the main thread's event loop: fds registered with callbacks
 *   sandbox.c   the sandbox entered once the domain is built: namespaces, rlimits, uid, no_new_privs
 *   sandbox_seccomp.c  the seccomp filter of each thread kind (main, vCPU, I/O), entered
 *   seccomp_rules.c    their allow-lists, compiled at build time (common/seccomp_gen.c)
 */
#ifndef XENON_HV_H
#define XENON_HV_H

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "guest/include/xenon-boot.h"
#include "hypervisor/bus.h"
#include "hypervisor/hvctl.h"

struct kvm_run;
struct kvm_cpuid2;
struct kvm_stats_header;
struct hvctl_info;

/* The KVM counters stats.c reports (hvctl.h's HVCTL_STAT_*), then the ones
 * xenon-hv only reads for itself: "blocking" (1 while the vCPU sleeps in
 * KVM_RUN on a halt; Linux >= 5.17), for vcpu_state.c. */
#define HV_NR_STATS	 HVCTL_NR_STATS
#define HV_STAT_BLOCKING HV_NR_STATS
#define HV_NR_POS	 (HV_NR_STATS + 1)
#define HV_STAT_MISSING	 UINT64_MAX

struct hv_args {
	const char *kernel;
	uint64_t mem_bytes;
	unsigned nr_vcpus;
	const char *cmdline;
	const char *name;
	uint32_t domid;
	const char *console; /* "stdio", "pty" or a file name */
	const char *control; /* socket path */
	int paused;
	int verbose;
	int xenstore; /* connect the guest xenstore channel */
	const char *xenstored_socket;
	/* --disk and --nic, in the order given. */
	struct hvctl_device_spec *devices;
	const char *const *device_labels; /* "--disk VALUE", for messages */
	unsigned nr_devices;
	const char *restore; /* --restore FILE|FD: build from a saved stream, not a kernel */
	/* The sandbox (sandbox.c): HVCTL_SANDBOX_* turned off, the uid/gid to become. */
	uint32_t sandbox_off;
	uint32_t uid, gid;
	int uid_shared; /* other domains run as uid too (no RLIMIT_NPROC) */
	uint32_t hold_on; /* --hold-on: bit n keeps the domain after it ends with HV_EXIT n */
	int keeper_fd;	  /* --keeper: the socket the VM goes to at the end (kvm.c), or -1 */
	int ready_fd;	  /* --ready: written once (a byte) when the control socket answers, or -1 */
	int dmesg_fd;	  /* --dmesg: the host's message ring (dmesg.c), or -1; closed once mapped */
	uint32_t memory_pool; /* --memory-pool: HVCTL_MEMORY_POOL_HOST or _HUGETLB (memory.c) */
};

/* The uid (and gid) of domain N's xenon-hv unless --uid says: base + N, as Xen's
 * xen-qemuuser-range-base (xl.conf(5) sandbox_uid_base). Numeric: no user entry needed. */
#define HV_SANDBOX_UID_BASE 1879048192u /* 0x70000000 */

struct hv_vm;

struct hv_vcpu {
	struct hv_vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	int started; /* its thread exists (guarded by vm->lock) */
	int parked;  /* stopped outside KVM_RUN because of a pause */
	/* KVM makes a vCPU index once: one made but not started (the guest's
	 * registers refused) is started later on the same fd; one whose making
	 * failed is never tried again (vm->lock) */
	int start_failed;
	/* vcpu_hotplug.c (vm->lock): the guest took it down; restart: its ap[] to load */
	int offline;
	int restart;
	struct xenon_ap_start restart_ap;
	atomic_int nmi_pending; /* KVM_NMI to inject on its own thread */
	atomic_int tid;		/* its thread's id (0 until the thread runs) */
	atomic_int in_run;	/* inside the KVM_RUN ioctl (vcpu_state.c) */
	/* A restore's saved state, which its thread loads before anything else
	 * (set before the thread starts; NULL once loaded: vm->lock, vm->cond). */
	struct hv_mig_vcpu *restored;
	/* A live save's pause: the state records the thread read itself as it
	 * parked (vm->snap_wanted), while the main thread sends the last
	 * memory (migstate.h, hv_mig_vcpu_snapshot). vm->lock. */
	int snap_state; /* HV_SNAP_* */
	int snap_rc;
	struct mig_writer *snap;
	/* HVCTL_VCPU_AFFINITY's mask, applied when the thread starts (vm->lock). */
	cpu_set_t affinity;
	int has_affinity;
	/* KVM's binary statistics (stats.c): set before stats_ready. */
	int stats_fd; /* -1 if none */
	int stats_err;
	uint64_t stats_pos[HV_NR_POS]; /* file offset of each counter, or HV_STAT_MISSING */
	atomic_int stats_ready;
};

struct hv_console;
struct hv_loop;
struct hv_mig_vcpu;
struct mig_writer;
enum { HV_SNAP_NONE, HV_SNAP_TAKING, HV_SNAP_DONE };

/* IOAPIC lines (irq.c). */
#define HV_IRQ_PINS 24
struct hv_irqs {
	pthread_mutex_t lock;
	uint32_t used;
	const char *owner[HV_IRQ_PINS];
};

struct hv_vm {
	struct hv_args args;
	int kvm_fd, vm_fd;
	int run_size;
	struct kvm_cpuid2 *cpuid;

	int memfd;
	uint8_t *ram;	    /* host mapping: low RAM then high RAM, contiguous */
	uint64_t low_size;  /* RAM at [0, low_size) */
	uint64_t high_size; /* RAM at [4 GiB, 4 GiB + high_size) */

	uint32_t platform; /* XENON_PLATFORM_* */
	uint64_t tsc_khz;
	int dirty_log; /* KVM's dirty log is on (a live save's: migstate.h) */
	int dirty_log_manual; /* ... re-protected by KVM_CLEAR_DIRTY_LOG (precopy.c) */
	uint64_t entry;
	uint64_t image_end; /* end of the kernel's highest PT_LOAD segment (0 when restored) */
	struct xenon_boot_info *boot_info;

	struct hv_vcpu *vcpus;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int paused; /* guarded by lock */
	int snap_wanted; /* lock: vCPUs that park read their own state (hv_vcpu.snap) */

	/* How the domain ended: -1 while running, else an HV_EXIT_* status.
	 * The first vCPU to end it wins; end_fd wakes the main loop. */
	atomic_int end_status;
	char end_detail[240];
	int end_fd;
	int held; /* ended, kept paused by --hold-on (main thread only) */

	uint64_t start_time_ns;
	struct hv_console *console;
	struct hv_control *control;
	struct hv_loop *loop;

	/* The device model: buses, interrupt lines, device instances. */
	struct hv_bus bus[HV_BUS_NR];
	struct hv_irqs irqs;
	struct hv_dev *devs;
	struct hv_vdev *vdevs; /* vdev.c: disks and NICs by (kind, devid) */

	/* The sandbox in force (HVCTL_SANDBOX_*) and who xenon-hv runs as. */
	uint32_t sandbox;
	uint32_t sandbox_uid, sandbox_gid;
};

#define HV_GIB		(1ULL << 30)
#define HV_MIB		(1ULL << 20)
#define HV_HUGE_PAGE	(2 * HV_MIB) /* a page of the hugetlb pool (--memory-pool hugetlb) */
#define HV_HIGH_RAM_GPA (4 * HV_GIB)
/* Low RAM stops here: the LAPIC/IOAPIC windows live in [3 GiB, 4 GiB). */
#define HV_LOW_RAM_MAX (3 * HV_GIB)

/* The GDT page (boot.c builds it, kvm.c loads GDTR and TR from it): null, code,
 * data, a 16-byte TSS descriptor; the TSS itself further into the page. */
#define HV_BOOT_GDT_LIMIT (5 * 8 - 1)
#define HV_BOOT_TSS_GPA	  (XENON_BOOT_GDT_GPA + 0x80)
#define HV_BOOT_TSS_SIZE  0x68

/* dmesg.c: the warnings into the ring of --dmesg too (none: 0); before the sandbox. */
int hv_dmesg_start(const struct hv_args *a);

/* args.c */
int hv_parse_args(int argc, char **argv, struct hv_args *args);
void hv_usage(FILE *fp);

/* memory.c */
int hv_mem_check_host(uint64_t bytes);
int hv_mem_create(struct hv_vm *vm);
/*
 * The next run of RAM the host backs (written once, not given back since)
 * within [off, end) of the memfd: [*data, *hole), 0; -ENXIO when none. Its
 * holes read as zeros. Whole 2 MiB pages for --memory-pool hugetlb.
 */
int hv_mem_next_backed(struct hv_vm *vm, uint64_t off, uint64_t end, uint64_t *data, uint64_t *hole);
/* How much of mem_bytes lies below 4 GiB, at [0, low size). */
uint64_t hv_mem_low_size(uint64_t mem_bytes);
void *hv_gpa(struct hv_vm *vm, uint64_t gpa, uint64_t len);
int hv_mem_set_flags(struct hv_vm *vm, uint32_t flags);

/* kvm.c */
int hv_kvm_open(struct hv_vm *vm);
int hv_kvm_create_vm(struct hv_vm *vm);
int hv_kvm_create_irqchip(struct hv_vm *vm);
int hv_kvm_create_vcpu(struct hv_vm *vm, unsigned index);
int hv_kvm_detect_platform(struct hv_vm *vm);
void hv_kvm_release_async(struct hv_vm *vm);
int hv_kvm_irq_line(struct hv_vm *vm, unsigned pin, int level);
int hv_kvm_msi(struct hv_vm *vm, uint32_t apic_id, uint8_t vector);
int hv_kvm_irq_pulse(struct hv_vm *vm, unsigned pin);
int hv_kvm_enter_long_mode(struct hv_vcpu *vcpu, uint64_t rip, uint64_t rsp, uint64_t cr3, uint64_t rsi);

/* elf.c */
int hv_elf_check(const char *path, uint64_t mem_bytes);
/* The same checks on an image in memory (tests, fuzzing). */
int hv_elf_validate(const char *name, const void *data, size_t size, uint64_t mem_bytes);
int hv_elf_load(struct hv_vm *vm, const char *path);

/* boot.c */
/* The most RAM the boot page tables can map (checked before anything is built). */
uint64_t hv_boot_max_ram(void);
int hv_boot_build(struct hv_vm *vm);
/* Once the devices exist: their virtio_mmio.device=... after the command line. */
int hv_boot_append_cmdline(struct hv_vm *vm, const char *words);

/* vcpu.c */
int hv_vcpu_start(struct hv_vcpu *vcpu);
int hv_vcpu_start_secondary(struct hv_vm *vm, unsigned index);
void hv_vm_pause(struct hv_vm *vm);
void hv_vm_unpause(struct hv_vm *vm);
uint64_t hv_vcpu_time_ns(struct hv_vcpu *vcpu);
/* Pin vCPU index to the CPUs of mask (now if its thread runs, else when it starts). */
int hv_vcpu_set_affinity(struct hv_vm *vm, unsigned index, const cpu_set_t *mask);
void hv_vm_end(struct hv_vm *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void hv_vcpu_log_regs(struct hv_vcpu *vcpu);

/* vcpu_hotplug.c: vCPUs the guest takes down and up, triggers (NMI, INIT) */
void hv_vcpu_kick(struct hv_vcpu *vcpu); /* out of KVM_RUN (vm->lock held) */
int hv_vcpu_offline(struct hv_vm *vm, unsigned index);
unsigned hv_vcpu_count_online(struct hv_vm *vm);
int hv_vcpu_restart(struct hv_vm *vm, unsigned index, const struct xenon_ap_start *ap); /* vm->lock held */
int hv_vcpu_trigger(struct hv_vm *vm, unsigned index, uint32_t kind);
/* On the vCPU's own thread, outside KVM_RUN: a restart's registers, an NMI. */
void hv_vcpu_take_pending(struct hv_vcpu *vcpu);
/* Online: its thread exists and the guest has not taken it down. */
static inline int hv_vcpu_online(const struct hv_vcpu *vcpu)
{
	return vcpu->started && !vcpu->offline;
}

/* vcpu_state.c: bitmaps of HVCTL_MAX_VCPUS / 32 words, filled (not cleared). */
void hv_vcpu_states(struct hv_vm *vm, uint32_t *running, uint32_t *blocked);
/* The state letter of a /proc/<pid>/task/<tid>/stat line ('R', 'S'...), 0 if malformed. */

/* stats.c: each vCPU's KVM counters. A vCPU without them still runs. */
int hv_stats_open(struct hv_vcpu *vcpu);
/* The same with the stats fd (or a -errno) given: for tests. */
int hv_stats_setup(struct hv_vcpu *vcpu, int fd);
/* Where each counter is (pos: HV_NR_POS offsets), from a header and its descriptor block (len bytes). */
int hv_stats_parse(const struct kvm_stats_header *h, const uint8_t *descs, size_t len, uint64_t *pos);
void hv_stats_read(struct hv_vcpu *vcpu, uint64_t *out); /* HV_NR_STATS values */
/* KVM's "blocking" of the vCPU: 1 asleep on a halt, 0 not, -1 unknown (no such counter). */
int hv_stats_blocking(struct hv_vcpu *vcpu);
/* info->kvm_stats, kvm_stats_error and vcpu_stats. */
void hv_stats_fill(struct hv_vm *vm, struct hvctl_info *info);

/* kvm.c: interrupt lines and doorbells inside KVM. */
int hv_kvm_irqfd(struct hv_vm *vm, int fd, unsigned gsi, int deassign);
int hv_kvm_ioeventfd(struct hv_vm *vm, int fd, enum hv_bus_space space, uint64_t addr, unsigned len,
		     int64_t match, int deassign); /* match < 0: any value */

/* irq.c: gsi for a line the guest ABI fixes (-EBUSY if taken), or any free one. */
void hv_irq_init(struct hv_irqs *irqs);
int hv_irq_claim(struct hv_irqs *irqs, unsigned gsi, const char *owner);
int hv_irq_alloc(struct hv_irqs *irqs, const char *owner); /* the gsi, or -ENOSPC */
void hv_irq_free(struct hv_irqs *irqs, unsigned gsi);

/* devices.c: the domain's device instances (bus.h's struct hv_dev). */
void hv_devices_setup(struct hv_vm *vm); /* buses and IRQ allocator: before any device */
int hv_devices_start(struct hv_vm *vm);	 /* once the domain, console and control exist */
int hv_devices_settle(struct hv_vm *vm); /* a restore's last step (bus.h's settle) */
void hv_devices_fini(struct hv_vm *vm);
/* A new instance of ops with priv, on the domain's list: registers no range. */
int hv_dev_add(struct hv_vm *vm, const struct hv_dev_ops *ops, void *priv, struct hv_dev **out);
/* Unregisters its ranges, stops and destroys it, takes it off the list. */
void hv_dev_remove(struct hv_dev *d);
struct hv_dev *hv_dev_find(struct hv_vm *vm, const char *name);
int hv_dev_save(struct hv_dev *d, void *buf, size_t *len);
int hv_dev_restore(struct hv_dev *d, const void *buf, size_t len);
/* The vCPU whose thread is running the caller (NULL off vCPU threads). */
struct hv_vcpu *hv_vcpu_self(void);

/* main.c: the built-in devices (UART, platform, xenstore), as the arguments say. */
int hv_builtin_devices_init(struct hv_vm *vm);
/* save.c: HVCTL_SAVE (hvctl.h); fd is the one sent with the request, -1 if none. */
int hv_save_request(struct hv_vm *vm, const struct hvctl_save_req *r, int fd, int gate,
		    struct hvctl_save_result *res);
/* dumpcore.c: HVCTL_DUMP_CORE, the guest's ELF core to fd. */
int hv_dump_core(struct hv_vm *vm, int fd, struct hvctl_save_result *res);
/* restore.c: --restore. build: the domain from the stream's header (instead of the
 * kernel and boot pages); stream, inside the sandbox: the rest of it, into RAM, KVM
 * and the devices; finish, once the console exists: its saved output, then the vCPUs start. */
int hv_restore_build(struct hv_vm *vm);
int hv_restore_stream(struct hv_vm *vm);
int hv_restore_finish(struct hv_vm *vm);
/* Before a restored domain first runs (hv_vm_unpause): the RAM fill's threads done (ram_fill.h). */
void hv_restore_settle(void);

/* The built-in devices' constructors. */
int hv_uart_create(struct hv_vm *vm, struct hv_dev **out);
int hv_platform_create(struct hv_vm *vm, struct hv_dev **out);
int hv_xs_create(struct hv_vm *vm, struct hv_dev **out);
int hv_balloon_create(struct hv_vm *vm, struct hv_dev **out);
/* balloon.c: HVCTL_MEM_MAX, and the balloon's figures for HVCTL_INFO. */
int hv_balloon_set_max(struct hv_vm *vm, uint64_t max_kib);
void hv_balloon_fill(struct hv_vm *vm, struct hvctl_info *info);

/*
 * virtio_dev.c: a virtio device (its struct vmmio_ops, virtio_mmio.h) in a
 * virtio-mmio window on the MMIO bus, with its own interrupt line and I/O
 * thread. Added before hv_devices_start, or started by whoever adds it.
 */
#define HV_VIRTIO_MMIO_BASE 0xd0000000ULL /* above low RAM, below the IOAPIC */
struct vmmio_ops;
struct vmmio_dev;
int hv_virtio_add(struct hv_vm *vm, const struct vmmio_ops *ops, void *dev, struct hv_dev **out);
uint64_t hv_virtio_base(struct hv_dev *d);
unsigned hv_virtio_irq(struct hv_dev *d);
struct vmmio_dev *hv_virtio_transport(struct hv_dev *d);
/* Save and restore of a virtio device (virtio_dev.c; migvdev.c uses them). */
struct mig_vdev;
void hv_virtio_place_next(uint64_t base, int irq); /* the next add's window and line; 0, -1: any */
int hv_virtio_is(struct hv_dev *d);
void hv_virtio_track(struct hv_dev *d, uint64_t *bits); /* frames it writes into bits (NULL: off) */
int hv_virtio_quiesce(struct hv_dev *d);		/* thread stopped, nothing in flight */
int hv_virtio_resume(struct hv_dev *d);
int hv_virtio_save_state(struct hv_dev *d, struct mig_vdev *out, void *state, size_t cap);
int hv_virtio_load_state(struct hv_dev *d, const struct mig_vdev *in, const void *state);
int hv_virtio_handover(struct hv_dev *d, bool hold); /* vmmio_ops.handover, if it has one */

/*
 * vdev.c: disks and NICs (vdev.h). add checks spec (from a control client:
 * untrusted), -EEXIST for a (kind, devid) already there; start: start its
 * I/O now (run time) rather than with hv_devices_start; out may be NULL.
 */
struct hv_vdev;
int hv_vdev_check_spec(const struct hvctl_device_spec *spec);
/* The checks of add that need no domain (opens and closes a vbd's target). */
int hv_vdev_precheck(const struct hvctl_device_spec *spec, const char *what);
int hv_vdev_add(struct hv_vm *vm, const struct hvctl_device_spec *spec, int start, struct hvctl_device *out);
/* The same with the fds a control client passed (vdev.h: struct hv_vdev_fds; may be NULL). */
struct hv_vdev_fds;
int hv_vdev_add_fds(struct hv_vm *vm, const struct hvctl_device_spec *spec, int start,
		    struct hv_vdev_fds *fds, struct hvctl_device *out);
int hv_vdev_remove(struct hv_vm *vm, uint32_t kind, uint32_t devid); /* -ENOENT */
/* Up to cap devices into out; returns how many there are. */
unsigned hv_vdev_list(struct hv_vm *vm, struct hvctl_device *out, unsigned cap);
int hv_vdev_add_args(struct hv_vm *vm); /* --disk/--nic, in order */
/* Append virtio_mmio.device=SIZE@BASE:IRQ for each device to buf (len bytes). */
int hv_vdev_cmdline(struct hv_vm *vm, char *buf, size_t len);
void hv_vdev_fini(struct hv_vm *vm);
/* fn on each disk and NIC in order, until one returns non-zero (returned). */
int hv_vdev_foreach(struct hv_vm *vm, int (*fn)(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d),
		    void *arg);
/*
 * migvdev.c: disks and NICs in a save (VDEV records) and a restore. Save:
 * quiesce stops their I/O (tracking off), resume restarts it; track: the
 * frames they write go into bits during a live save. Restore: the records
 * are kept; each device added then (HVCTL_DEVICE_ADD) is placed where the
 * saved one was (place) and takes its state (load); one the stream lacks
 * is refused; the domain is not unpaused before every saved one came
 * (restored).
 */
int hv_mig_vdevs_quiesce(struct hv_vm *vm);
void hv_mig_vdevs_resume(struct hv_vm *vm);
void hv_mig_vdevs_track(struct hv_vm *vm, uint64_t *bits);
int hv_mig_vdevs_save(struct hv_vm *vm, struct mig_writer *w);
int hv_mig_vdevs_plan(struct hv_vm *vm, struct mig_writer *w); /* the VDEV_PLAN, if there are any */
/*
 * A stream's VDEV_PLAN (first) lets the planned devices be added while the
 * rest of the stream is read (stream_reading): placed at once, they take
 * their state at its end (restoring), as do devices added after it.
 */
int hv_mig_vdev_plan_keep(const void *payload, size_t len);
unsigned hv_mig_vdevs_planned(void);	  /* the plan's devices */
unsigned hv_mig_vdevs_planned_left(void); /* ... not added yet, while the stream is read */
bool hv_mig_stream_reading(void);	  /* from the plan to the stream's end */
int hv_mig_vdev_keep(uint32_t instance, const void *payload, size_t len);
int hv_mig_vdevs_restoring(void); /* the stream is read: the planned take their state, the rest come now */
unsigned hv_mig_vdevs_pending(void);
int hv_mig_vdev_place(uint32_t kind, uint32_t devid);
int hv_mig_vdev_load(uint32_t kind, uint32_t devid, struct hv_dev *d);
int hv_mig_vdevs_restored(struct hv_vm *vm); /* before the first unpause: -ENODEV if one is missing */
bool hv_mig_restoring(void);		     /* from the plan (or the stream's end) to the first unpause */
/* Hand-over (migration): after a stream sent for xl migrate, the devices'
 * I/O stays stopped and their disks' locks go; claim, before any unpause,
 * takes every lock (-EBUSY, logged: the domain stays paused), restarts
 * the I/O a hand-over stopped and, after a hand-over or a restore, looks at
 * each queue once (migvdev.c, look_again). */
int hv_mig_vdevs_hand_over(struct hv_vm *vm);
int hv_mig_vdevs_claim(struct hv_vm *vm);
/* virtio_blk.c: a vbd's checks and target opened and closed, before the domain exists. */
int hv_blk_check(const struct hvctl_device_spec *spec, const char *what);

/* platform.c: a toolstack request (XENON_REQ_*) for the guest. */
int hv_platform_request(struct hv_vm *vm, uint32_t req);

/* uart.c: bytes from the console input into the receive FIFO (tests call them). */
size_t hv_uart_receive(struct hv_dev *uart, const uint8_t *buf, size_t len);
size_t hv_uart_rx_space(struct hv_dev *uart);

/* console.c */
int hv_console_open(struct hv_vm *vm, const char *spec);
void hv_console_close(struct hv_vm *vm);
void hv_console_destroy(struct hv_vm *vm);
void hv_console_write(struct hv_vm *vm, const uint8_t *buf, size_t len);
int hv_console_input_fd(struct hv_vm *vm);
const char *hv_console_pty(struct hv_vm *vm);
/* Our own end (slave) of the console pty, -1 without one: any fd of the pty flushes it. */
int hv_console_pty_fd(struct hv_vm *vm);
void hv_console_input_eof(struct hv_vm *vm);
size_t hv_console_ring_copy(struct hv_vm *vm, uint8_t *buf, size_t len);
/* The same, flush_fd's queued input (the console pty's) dropped at that instant (-1: none); 0 or -errno. */
int hv_console_ring_flush_copy(struct hv_vm *vm, int flush_fd, uint8_t *buf, size_t len, size_t *out);
/* Into the ring only (restore: what the guest printed before it was saved). */
void hv_console_ring_restore(struct hv_vm *vm, const uint8_t *buf, size_t len);
/*
 * The last max_lines non-empty lines of buf (a copy of the console ring),
 * oldest first, each made fit for a log line ('\r' dropped, bytes outside
 * printable ASCII as '?', at most HV_CONSOLE_LOG_LINE_MAX characters), to
 * emit; a last line without '\n' counts. Returns how many were emitted.
 */
#define HV_CONSOLE_LOG_LINE_MAX 160
unsigned hv_console_tail_lines(const uint8_t *buf, size_t len, unsigned max_lines,
			       void (*emit)(void *arg, const char *line), void *arg);
/* Those of the domain's console into xenon-hv's log ("console: ..."): when it crashed. */
void hv_console_log_tail(struct hv_vm *vm, unsigned max_lines);

/* control.c */
/* hidden: under its incoming name until hv_control_publish (a restore, control_file.h). */
int hv_control_open(struct hv_vm *vm, const char *path, int hidden);
int hv_control_publish(struct hv_vm *vm);
int hv_control_publish_ask(struct hv_vm *vm); /* its root helper asked now, hv_control_publish waits */
void hv_control_close(struct hv_vm *vm);
/* The socket's directory (an O_PATH fd), where it is unlinked at the end; -1 if none. */
int hv_control_dirfd(struct hv_vm *vm);
/* Before xenon-hv gives up root: a child that stays root, holding only the
 * directory, publishes the socket when asked and removes it once xenon-hv
 * has gone (or closed it). */
int hv_control_unlinker(struct hv_vm *vm);
void hv_control_event(struct hv_vm *vm, uint32_t kind, const char *detail);

/* loop.c: the main thread's fds. A stage's callbacks all run before the next
 * stage's; after HV_LOOP_CONTROL the domain's end is acted on. */
enum hv_loop_stage { HV_LOOP_FIRST, HV_LOOP_CONTROL, HV_LOOP_DEVICE, HV_LOOP_NR_STAGES };
typedef void (*hv_loop_fn)(struct hv_vm *vm, void *opaque, int fd, short revents);
/* Optional: before each poll(), the events to wait for now (0: skip the fd
 * this time); may lower *timeout_ms (-1: none) to be asked again soon. */
typedef short (*hv_loop_want_fn)(struct hv_vm *vm, void *opaque, int fd, int *timeout_ms);
int hv_loop_create(struct hv_vm *vm);
void hv_loop_destroy(struct hv_vm *vm);
int hv_loop_add(struct hv_vm *vm, int fd, short events, enum hv_loop_stage stage, hv_loop_fn fn,
		hv_loop_want_fn want, void *opaque);
void hv_loop_del(struct hv_vm *vm, int fd);
void hv_loop_stop(struct hv_vm *vm, int status);
/* Before the main loop: one stage's fds served until fd is readable (or hangs up); 0 or -errno. */
int hv_loop_serve_until(struct hv_vm *vm, enum hv_loop_stage stage, int fd);
#include <signal.h>
int hv_signals_init(sigset_t *set);
int hv_main_loop(struct hv_vm *vm, const sigset_t *sigs);
void hv_cleanup(struct hv_vm *vm);
/* main.c: a message on --ready (HVCTL_READY_*, hvctl.h); HVCTL_READY closes it. */
void hv_say_ready(struct hv_vm *vm, char what, unsigned pending);

/* sandbox.c: --no-sandbox[=LIST] into *off; the measures' names; entered
 * once everything is open and before any other thread starts. */
int hv_sandbox_parse_off(const char *list, uint32_t *off);
const char *hv_sandbox_names(uint32_t mask, char *buf, size_t len);
int hv_sandbox_enter(struct hv_vm *vm);
/* sandbox_seccomp.c: the build-time filters patched (the main thread may openat
 * task_dir and unlinkat in ctl_dir; -1: not), the SIGSYS handler set; each
 * thread loads its kind's. */
enum hv_thread_kind { HV_THREAD_MAIN, HV_THREAD_VCPU, HV_THREAD_IO, HV_THREAD_FILL, HV_THREAD_NR_KINDS };
int hv_seccomp_prepare(int task_dir, int ctl_dir);
int hv_seccomp_enter(enum hv_thread_kind kind); /* 0 also when not prepared */
const char *hv_seccomp_kind_name(enum hv_thread_kind kind);

/* vcpu_state.c: /proc/self/task opened while there is a /proc (before the
 * sandbox); its fd (-1 if none). */
int hv_vcpu_state_init(void);
int hv_vcpu_state_dirfd(void);
/* Close that fd when every vCPU has KVM's "blocking" counter instead: 1 if closed. */
int hv_vcpu_state_drop_proc(struct hv_vm *vm);

/* Nanoseconds on clock (a CLOCK_* or a thread's CPU clock), 0 if it cannot be read. */
uint64_t hv_now_ns(int clock);

#endif
