/*
 * libxl's device layer (internal): what disks and NICs share. The contract
 * it implements is docs/devices.md: the backend node (dom0's, trusted), the
 * frontend node (the guest's: only its `state` and `error` are read, as
 * untrusted input), the XenbusState handshake, the hotplug scripts and the
 * device calls on the domain's control socket.
 */
#ifndef LIBXL_DEVICE_H
#define LIBXL_DEVICE_H

#include "hypervisor/hvctl.h"
#include "libxl/libxl_internal.h"

/* XenbusState */
enum {
	LIBXL__XB_UNKNOWN = -1,
	LIBXL__XB_INITIALISING = 1,
	LIBXL__XB_INITWAIT = 2,
	LIBXL__XB_INITIALISED = 3,
	LIBXL__XB_CONNECTED = 4,
	LIBXL__XB_CLOSING = 5,
	LIBXL__XB_CLOSED = 6,
};

/* How long attach waits for the guest's Connected and detach for its Closed. */
#define LIBXL__DEVICE_TIMEOUT_MS 10000
/* How long a hotplug script may run (Xen's LIBXL_HOTPLUG_TIMEOUT). */
#define LIBXL__HOTPLUG_TIMEOUT_MS 40000
#ifndef LIBXL_SCRIPTDIR
#define LIBXL_SCRIPTDIR "/etc/xen/scripts"
#endif

/* One device of one domain and its two xenstore nodes. */
struct libxl__dev {
	const char *kind; /* "vbd" or "vif" */
	uint32_t hv_kind; /* HVCTL_DEV_VBD / HVCTL_DEV_VIF */
	uint32_t domid, devid;
	const char *what; /* for messages: "disk xvdb" or "nic 1" */
	char what_buf[48];
	char be[LIBXL_PATH_MAX], fe[LIBXL_PATH_MAX];
};

struct libxl__kv {
	const char *key, *value;
};

int libxl__dev_init(struct libxl__dev *d, uint32_t hv_kind, uint32_t domid, uint32_t devid);

/* The context's settings (libxl_ctx_settings; defaults above). */
int libxl__device_timeout_ms(libxl_ctx *ctx);
int libxl__hotplug_timeout_ms(libxl_ctx *ctx);

/*
 * A XenbusState as written in a node (the guest's frontend is untrusted):
 * exactly one digit 1..6, else LIBXL__XB_UNKNOWN.
 */
int libxl__xb_state_parse(const char *s);
/* The state in <path>/state; LIBXL__XB_UNKNOWN when missing or malformed. */
int libxl__xb_state_read(libxl_ctx *ctx, const char *path);

/*
 * Step 1: the backend node (dom0's, readable by the domain) with kv and
 * state 1, in one transaction; -EEXIST when the device is there already.
 */
int libxl__dev_backend_create(libxl_ctx *ctx, const struct libxl__dev *d, const struct libxl__kv *kv,
			      unsigned n);
/*
 * Step 5: the window into the backend, the frontend node (the domain's) with
 * kv, and the backend to InitWait, in one transaction. restored: a restored
 * domain's device, which its guest drives already and will not connect
 * again: both nodes are published Connected instead (its frontend node is
 * re-created by libxl under the new domid, not carried over).
 */
int libxl__dev_publish(libxl_ctx *ctx, const struct libxl__dev *d, const struct hvctl_device *hv,
		       const struct libxl__kv *kv, unsigned n, bool restored);
int libxl__dev_set_backend_state(libxl_ctx *ctx, const struct libxl__dev *d, int state);
/* Both nodes, in one transaction. */
int libxl__dev_nodes_remove(libxl_ctx *ctx, const struct libxl__dev *d);
/*
 * Wait until the guest's frontend state is want: 0; -ETIMEDOUT; -EIO when
 * the guest closed it with an `error` (its text, made printable, in err).
 */
int libxl__dev_wait_frontend(libxl_ctx *ctx, const struct libxl__dev *d, int want, int timeout_ms, char *err,
			     size_t errlen);

/* The devids below backend/<kind>/<domid>, sorted; free(*ids). */
int libxl__dev_ids(libxl_ctx *ctx, const char *kind, uint32_t domid, uint32_t **ids, unsigned *n);

/* A key of d's backend node (malloc'd), or NULL. */
char *libxl__dev_be_str(libxl_ctx *ctx, const struct libxl__dev *d, const char *key);
/*
 * Every device of hv_kind ("vbd"/"vif" below the backend tree) as an array
 * of elem_size entries, each init'ed, then filled from its backend node by
 * fill; *num entries, NULL for none.
 */
void *libxl__dev_list(libxl_ctx *ctx, uint32_t hv_kind, const char *kind, uint32_t domid, size_t elem_size,
		      void (*init)(void *elem),
		      void (*fill)(libxl_ctx *ctx, const struct libxl__dev *d, void *elem), int *num);

/*
 * The backend's half of the handshake for the devices nobody waits on (those
 * added at create, a hot attach to a paused domain), as Xen's backend
 * drivers do it: a backend in InitWait whose frontend says Connected goes
 * to Connected. Backends in any other state are left as they are.
 */
void libxl__dev_backends_follow(libxl_ctx *ctx, uint32_t domid);

/* The device calls on the domain's xenon-hv (-ESRCH when it is gone). */
/* Add with the backing open (fds from hvctl_device_open, still the caller's). */
int libxl__dev_hv_add_fds(libxl_ctx *ctx, uint32_t domid, const struct hvctl_device_spec *spec, const int *fds,
			  unsigned nfds, struct hvctl_device *out);
int libxl__dev_hv_remove(libxl_ctx *ctx, uint32_t domid, uint32_t hv_kind, uint32_t devid);
/* The device's entry in xenon-hv's list: 0, -ENOENT or the call's error. */
int libxl__dev_hv_find(libxl_ctx *ctx, uint32_t domid, uint32_t hv_kind, uint32_t devid,
		       struct hvctl_device *out);
/* 1 when the domain's vCPUs are paused, 0 running, <0 no answer. */
int libxl__dev_domain_paused(libxl_ctx *ctx, uint32_t domid);

/*
 * Detach (docs/devices.md): Closing, wait for the guest's Closed (unless it
 * never connected), then xenon-hv, the script and the nodes. Without force
 * a guest that does not answer fails it and nothing changes; with force it
 * is a warning and the detach goes on without waiting.
 */
int libxl__dev_detach(libxl_ctx *ctx, const struct libxl__dev *d, bool force);
/*
 * Undo what an attach did up to now: xenon-hv's device (hv_added), the
 * script's work (script_ran: runs remove/offline) and the nodes.
 */
void libxl__dev_undo(libxl_ctx *ctx, const struct libxl__dev *d, bool hv_added, bool script_ran);
/*
 * After the domain's xenon-hv has gone: every device's remove/offline script
 * and its nodes (each device claimed in a transaction, so that two callers
 * never both run its script).
 */
int libxl__devices_teardown(libxl_ctx *ctx, uint32_t domid);

/* ---- hotplug scripts (libxl_hotplug.c) ---- */

struct libxl__hotplug {
	const char *script;  /* a full path (libxl__hotplug_resolve) */
	const char *command; /* add, remove, online, offline */
	const char *be;	     /* XENBUS_PATH */
	const char *type;    /* XENBUS_TYPE: vbd or vif */
	const char *vif;     /* vif scripts: the interface */
	const char *netdev;  /* vif scripts: gatewaydev, may be NULL */
	const char *what;    /* the device, for messages */
};

/* Where scripts are looked for: $XENON_SCRIPTDIR, else the installed /etc/xen/scripts. */
const char *libxl__hotplug_dir(libxl_ctx *ctx);
/*
 * script as configured (a name: in the script directory; or a path) into
 * buf, checked to be an executable regular file; -ENOENT / -EACCES with a
 * message naming what.
 */
int libxl__hotplug_resolve(libxl_ctx *ctx, const char *script, const char *what, char *buf, size_t len);
/*
 * Run the script with Xen's environment, bounded by the hotplug timeout
 * (its process group is killed then). 0 when it exited 0 without
 * hotplug-status=error; else -EIO (or -ETIMEDOUT), and, with quiet false,
 * an error naming the device and quoting hotplug-error (or what it printed).
 */
int libxl__hotplug_run(libxl_ctx *ctx, const struct libxl__hotplug *h, bool quiet);

/* ---- the kinds (libxl_device_disk.c, libxl_device_nic.c) ---- */

/*
 * Attach; wait (a hot attach): for the guest's Connected, and into the
 * stored configuration; not at create (the configuration has it already).
 */
int libxl__device_disk_add(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk, bool wait);
int libxl__device_nic_add(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic, bool wait);
/*
 * The same in two steps (libxl_create.c): prepare does everything but
 * xenon-hv (the backend node; a disk's script and its opened backing; a
 * NIC's tap and its script's online), before the domain's xenon-hv
 * answers, so that a script's time is not the guest's (a migration's
 * downtime, a create's wait); attach passes the backing to xenon-hv and
 * writes the frontend node; drop undoes a prepared device that is not
 * attached. Each step undoes itself on failure.
 */
struct libxl__dev_prep {
	void *plan;	     /* the kind's own (NULL: nothing prepared, or attached, or dropped) */
	struct libxl__dev *d; /* in plan */
	struct hvctl_device_spec spec;
	int fds[HVCTL_MAX_FDS];
	unsigned nfds;
	bool script_ran;
	bool restored; /* a restored domain's (libxl__dev_publish) */
};
int libxl__device_disk_prepare(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk, struct libxl__dev_prep *prep);
int libxl__device_disk_attach(libxl_ctx *ctx, libxl_device_disk *disk, struct libxl__dev_prep *prep, bool wait);
int libxl__device_nic_prepare(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic, struct libxl__dev_prep *prep);
int libxl__device_nic_attach(libxl_ctx *ctx, libxl_device_nic *nic, struct libxl__dev_prep *prep, bool wait);
/* Either kind's: what prepare did (and the plan) undone. */
void libxl__dev_prep_drop(libxl_ctx *ctx, struct libxl__dev_prep *prep);
/*
 * Either kind's attach after its own part: the backing to xenon-hv (its fds
 * closed here either way; hv_failed says why it refused), the frontend
 * node fe[0..nfe), the handshake (wait: for the guest); all undone on
 * failure. The plan stays the caller's.
 */
int libxl__dev_prep_attach(libxl_ctx *ctx, struct libxl__dev_prep *prep, const struct libxl__kv *fe, unsigned nfe,
			   bool wait, void (*hv_failed)(const struct libxl__dev_prep *prep, int rc));
/* A MAC for a NIC that has none (Xen's 00:16:3e prefix). */
void libxl__device_nic_setdefault(libxl_device_nic *nic, int index);
/*
 * Keep the stored configuration (/libxl/<domid>/config) up to date after a
 * hot attach (present) or a detach: the entry for devid is replaced or
 * removed. A failure is a warning: the device itself is attached or gone.
 */
void libxl__config_disk_set(libxl_ctx *ctx, uint32_t domid, const libxl_device_disk *disk, uint32_t devid,
			    bool present);
void libxl__config_nic_set(libxl_ctx *ctx, uint32_t domid, const libxl_device_nic *nic, uint32_t devid,
			   bool present);
/* Finish an attach: wait for the guest if asked (and it runs), then Connected. */
int libxl__dev_attach_finish(libxl_ctx *ctx, const struct libxl__dev *d, bool wait);

#endif
