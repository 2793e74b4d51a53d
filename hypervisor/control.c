/*
 * The control socket server (hypervisor/hvctl.h): SOCK_SEQPACKET, one
 * request packet -> one reply packet, one handler per message type in a
 * table. Subscribed connections receive event packets only.
 */
#include "hypervisor/control_file.h"
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "hypervisor/vdev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "nspid.h"

#define MAX_CLIENTS 16
#define REQ_MAX	    1024 /* the largest request (struct hvctl_device_spec) fits */

struct hv_client {
	int fd;
	int subscribed;
	struct hv_vdev_fds fds; /* passed with the request being handled (SCM_RIGHTS) */
};

struct hv_control {
	int listen_fd;
	struct ctl_file file;
	int host_pid; /* our pid as the host names it (in a PID namespace of our own, getpid() is 1) */
	struct hv_client clients[MAX_CLIENTS];
};

struct hv_reply {
	void *buf;
	uint32_t cap; /* bytes buf can hold */
	uint32_t len; /* bytes the handler put there (0: none) */
};

typedef int (*hv_msg_fn)(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			 struct hv_reply *reply);

static int msg_info(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
		    struct hv_reply *reply)
{
	struct hvctl_info *info = reply->buf;
	int end = atomic_load(&vm->end_status);

	(void)cl, (void)req, (void)len;
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", vm->args.name);
	info->domid = vm->args.domid;
	info->state = end == HV_EXIT_CRASH ? HVCTL_STATE_CRASHED
		      : end >= 0	   ? HVCTL_STATE_SHUTDOWN
		      : vm->paused	   ? HVCTL_STATE_PAUSED
					   : HVCTL_STATE_RUNNING;
	info->platform = vm->platform;
	info->nr_vcpus = vm->args.nr_vcpus;
	info->mem_kib = vm->args.mem_bytes / 1024;
	info->start_time_ns = vm->start_time_ns;
	info->sample_mono_ns = hv_now_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < vm->args.nr_vcpus && i < HVCTL_MAX_VCPUS; i++) {
		info->vcpu_time_ns[i] = hv_vcpu_time_ns(&vm->vcpus[i]);
		info->cpu_time_ns += info->vcpu_time_ns[i];
		if (hv_vcpu_online(&vm->vcpus[i]))
			info->vcpu_online[i / 32] |= 1U << (i % 32);
	}
	hv_vcpu_states(vm, info->vcpu_running, info->vcpu_blocked);
	hv_stats_fill(vm, info);
	info->pid = vm->control ? vm->control->host_pid : getpid();
	info->held = vm->held ? (uint32_t)end + 1 : 0;
	info->sandbox_valid = 1;
	info->sandbox = vm->sandbox;
	info->uid = vm->sandbox_uid;
	info->gid = vm->sandbox_gid;
	hv_balloon_fill(vm, info);
	info->restore_pending = hv_mig_vdevs_pending();
	info->dirty_log = (uint32_t)vm->dirty_log;
	info->memory_pool = vm->args.memory_pool;
	snprintf(info->console_pty, sizeof(info->console_pty), "%s", hv_console_pty(vm));
	reply->len = sizeof(*info);
	return 0;
}

static int msg_vcpu_info(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			 struct hv_reply *reply)
{
	struct hvctl_vcpu *out = reply->buf;
	uint32_t running[HVCTL_MAX_VCPUS / 32] = {0}, blocked[HVCTL_MAX_VCPUS / 32] = {0};
	unsigned n = vm->args.nr_vcpus < HVCTL_MAX_VCPUS ? vm->args.nr_vcpus : HVCTL_MAX_VCPUS;

	(void)cl, (void)req, (void)len;
	if (n * sizeof(*out) > reply->cap)
		return -EMSGSIZE;
	hv_vcpu_states(vm, running, blocked);
	for (unsigned i = 0; i < n; i++) {
		struct hv_vcpu *v = &vm->vcpus[i];
		uint32_t bit = 1U << (i % 32);

		out[i] = (struct hvctl_vcpu){.tid = atomic_load(&v->tid), .time_ns = hv_vcpu_time_ns(v)};
		out[i].flags = (hv_vcpu_online(v) ? HVCTL_VCPU_ONLINE : 0) |
			       (running[i / 32] & bit ? HVCTL_VCPU_RUNNING : 0) |
			       (blocked[i / 32] & bit ? HVCTL_VCPU_BLOCKED : 0);
	}
	reply->len = n * sizeof(*out);
	return 0;
}

static int msg_vcpu_affinity(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			     struct hv_reply *reply)
{
	struct hvctl_vcpu_affinity a;
	cpu_set_t mask;

	(void)cl, (void)reply;
	if (len != sizeof(a))
		return -EINVAL;
	memcpy(&a, req, sizeof(a));
	CPU_ZERO(&mask);
	for (unsigned cpu = 0; cpu < HVCTL_MAX_CPUS && cpu < CPU_SETSIZE; cpu++)
		if (a.mask[cpu / 8] & (1U << (cpu % 8)))
			CPU_SET(cpu, &mask);
	return hv_vcpu_set_affinity(vm, a.vcpu, &mask);
}

static int msg_vcpu_trigger(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			    struct hv_reply *reply)
{
	struct hvctl_vcpu_trigger t;

	(void)cl, (void)reply;
	if (len != sizeof(t))
		return -EINVAL;
	memcpy(&t, req, sizeof(t));
	return hv_vcpu_trigger(vm, t.vcpu, t.kind);
}

static int msg_pause(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
		     struct hv_reply *reply)
{
	(void)cl, (void)req, (void)len, (void)reply;
	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
	if (!vm->paused) {
		hv_vm_pause(vm);
		hv_control_event(vm, HVCTL_EV_PAUSED, "paused");
	}
	return 0;
}

static int msg_unpause(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
		       struct hv_reply *reply)
{
	int rc;

	(void)cl, (void)req, (void)len, (void)reply;
	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
	if (vm->paused && hv_mig_vdevs_restored(vm)) /* a restored domain's disks and NICs first */
		return -ENODEV;
	if (vm->paused && (rc = hv_mig_vdevs_claim(vm))) /* its disks' locks (migration) */
		return rc;
	if (vm->paused) {
		hv_vm_unpause(vm);
		hv_control_event(vm, HVCTL_EV_UNPAUSED, "unpaused");
	}
	return 0;
}

static int msg_shutdown(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			struct hv_reply *reply)
{
	uint32_t how;

	(void)cl, (void)reply;
	if (len != sizeof(how))
		return -EINVAL;
	memcpy(&how, req, sizeof(how));
	if (how != HVCTL_SHUTDOWN_POWEROFF && how != HVCTL_SHUTDOWN_REBOOT)
		return -EINVAL;
	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
	log_info("asking the guest to %s", how == HVCTL_SHUTDOWN_REBOOT ? "reboot" : "power off");
	return hv_platform_request(vm, how == HVCTL_SHUTDOWN_REBOOT ? XENON_REQ_REBOOT : XENON_REQ_POWEROFF);
}

static int msg_destroy(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
		       struct hv_reply *reply)
{
	(void)cl, (void)req, (void)len, (void)reply;
	/* The main loop sees the end right after this reply and exits; a held
	 * domain has ended already: the loop stops. */
	if (vm->held)
		hv_loop_stop(vm, HV_EXIT_DESTROY);
	hv_vm_end(vm, HV_EXIT_DESTROY, "destroyed");
	return 0;
}

static int msg_subscribe(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			 struct hv_reply *reply)
{
	(void)vm, (void)req, (void)len, (void)reply;
	cl->subscribed = 1;
	return 0;
}

/*
 * With HVCTL_CONSOLE_RING_FLUSH, what is queued on the pty for its reader is
 * dropped as the ring is copied: on our own end of it. A client's fd is not
 * taken: dom0 hands no terminal to the process that runs guest-facing code.
 */
static int msg_console_ring(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			    struct hv_reply *reply)
{
	uint32_t flags = 0;
	size_t n = 0;
	int rc;

	if (len == sizeof(flags))
		memcpy(&flags, req, sizeof(flags));
	if ((len && len != sizeof(flags)) || (flags & ~HVCTL_CONSOLE_RING_FLUSH) || cl->fds.n)
		return -EINVAL;
	rc = hv_console_ring_flush_copy(vm, flags ? hv_console_pty_fd(vm) : -1, reply->buf, reply->cap, &n);
	reply->len = (uint32_t)n;
	return rc;
}

/* Disks and NICs (vdev.c): the spec is a client's, checked field by field there. */
static int msg_device_add(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			  struct hv_reply *reply)
{
	struct hvctl_device_spec spec;
	int rc;

	if (len != sizeof(spec) || reply->cap < sizeof(struct hvctl_device))
		return -EINVAL;
	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
	memcpy(&spec, req, sizeof(spec));
	/* while a restore's stream is read: started once it is (hv_devices_start) */
	rc = hv_vdev_add_fds(vm, &spec, !hv_mig_stream_reading(), &cl->fds, reply->buf);
	if (!rc)
		reply->len = sizeof(struct hvctl_device);
	return rc;
}

static int msg_device_remove(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			     struct hv_reply *reply)
{
	struct hvctl_device_id id;

	(void)cl, (void)reply;
	if (len != sizeof(id))
		return -EINVAL;
	memcpy(&id, req, sizeof(id));
	return hv_vdev_remove(vm, id.kind, id.devid);
}

static int msg_device_list(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			   struct hv_reply *reply)
{
	unsigned cap = reply->cap / sizeof(struct hvctl_device), n;

	(void)cl, (void)req, (void)len;
	n = hv_vdev_list(vm, reply->buf, cap);
	if (n > cap)
		return -E2BIG;
	reply->len = n * sizeof(struct hvctl_device);
	return 0;
}

/* Save (save.c): the stream goes to the fd sent with the request, or to a new file. */
static int msg_save(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
		    struct hv_reply *reply)
{
	struct hvctl_save_req r;
	int rc;

	if (len != sizeof(r) || reply->cap < sizeof(struct hvctl_save_result))
		return -EINVAL;
	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
	memcpy(&r, req, sizeof(r));
	if (cl->fds.n != ((r.flags & HVCTL_SAVE_GATE) ? 2u : cl->fds.n ? 1u : 0u))
		return -EINVAL; /* a gate comes with the stream's fd */
	/* (both closed after the reply) */
	rc = hv_save_request(vm, &r, cl->fds.n ? cl->fds.fd[0] : -1, cl->fds.n == 2 ? cl->fds.fd[1] : -1,
			     reply->buf);
	if (!rc)
		reply->len = sizeof(struct hvctl_save_result);
	return rc;
}

static int msg_mem_max(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
		       struct hv_reply *reply)
{
	uint64_t kib;

	(void)cl, (void)reply;
	if (len != sizeof(kib))
		return -EINVAL;
	memcpy(&kib, req, sizeof(kib));
	return hv_balloon_set_max(vm, kib);
}

static int msg_dump_core(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			 struct hv_reply *reply)
{
	struct hvctl_dump_req r;
	int rc;

	if (len != sizeof(r) || reply->cap < sizeof(struct hvctl_save_result))
		return -EINVAL;
	memcpy(&r, req, sizeof(r));
	if (r.flags || r.reserved)
		return -EINVAL;
	if (atomic_load(&vm->end_status) >= 0 && !vm->held)
		return -ESRCH;
	if (cl->fds.n != 1)
		return -EBADF;
	rc = hv_dump_core(vm, cl->fds.fd[0], reply->buf); /* closed after the reply */
	if (!rc)
		reply->len = sizeof(struct hvctl_save_result);
	return rc;
}

/* in_stream: answered while a restore still reads its stream (restore.c); the others are refused then (-EAGAIN). */
static const struct {
	const char *name;
	hv_msg_fn fn;
	int in_stream;
} hv_messages[HVCTL_TYPE_MAX] = {
    [HVCTL_INFO] = {"info", msg_info, 0},
    [HVCTL_PAUSE] = {"pause", msg_pause, 0},
    [HVCTL_UNPAUSE] = {"unpause", msg_unpause, 0},
    [HVCTL_SHUTDOWN] = {"shutdown", msg_shutdown, 0},
    [HVCTL_DESTROY] = {"destroy", msg_destroy, 0},
    [HVCTL_SUBSCRIBE] = {"subscribe", msg_subscribe, 0},
    [HVCTL_CONSOLE_RING] = {"console-ring", msg_console_ring, 0},
    [HVCTL_DEVICE_ADD] = {"device-add", msg_device_add, 1},
    [HVCTL_DEVICE_REMOVE] = {"device-remove", msg_device_remove, 0},
    [HVCTL_DEVICE_LIST] = {"device-list", msg_device_list, 0},
    [HVCTL_VCPU_INFO] = {"vcpu-info", msg_vcpu_info, 0},
    [HVCTL_VCPU_AFFINITY] = {"vcpu-affinity", msg_vcpu_affinity, 0},
    [HVCTL_VCPU_TRIGGER] = {"vcpu-trigger", msg_vcpu_trigger, 0},
    [HVCTL_SAVE] = {"save", msg_save, 0},
    [HVCTL_MEM_MAX] = {"mem-max", msg_mem_max, 0},
    [HVCTL_DUMP_CORE] = {"dump-core", msg_dump_core, 0},
};

/* ---- transport ---- */

static int send_packet(int fd, uint32_t type, int32_t status, const void *buf, uint32_t len)
{
	struct hvctl_hdr hdr = {.type = type, .status = status, .len = len};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)buf, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};

	if (sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

static void client_close(struct hv_vm *vm, struct hv_client *cl)
{
	hv_loop_del(vm, cl->fd);
	close(cl->fd);
	cl->fd = -1;
	cl->subscribed = 0;
}

static void listen_ready(struct hv_vm *vm, void *opaque, int fd, short revents);

int hv_control_open(struct hv_vm *vm, const char *path, int hidden)
{
	struct hv_control *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	c->host_pid = nspid_self(); /* while /proc is there */
	c->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	rc = c->listen_fd < 0 ? -errno : ctl_file_bind(&c->file, c->listen_fd, path, hidden);
	if (!rc && listen(c->listen_fd, MAX_CLIENTS) < 0)
		rc = -errno;
	if (!rc)
		rc = hv_loop_add(vm, c->listen_fd, POLLIN, HV_LOOP_CONTROL, listen_ready, NULL, NULL);
	if (rc) {
		ctl_file_remove(&c->file);
		if (c->listen_fd >= 0)
			close(c->listen_fd);
		free(c);
		return rc;
	}
	vm->control = c;
	return 0;
}

int hv_control_publish(struct hv_vm *vm)
{
	return vm->control ? ctl_file_publish(&vm->control->file) : -EINVAL;
}

int hv_control_publish_ask(struct hv_vm *vm)
{
	return vm->control ? ctl_file_publish_ask(&vm->control->file) : -EINVAL;
}

int hv_control_unlinker(struct hv_vm *vm)
{
	return vm->control ? ctl_file_unlinker(&vm->control->file) : 0;
}

int hv_control_dirfd(struct hv_vm *vm)
{
	return vm->control ? vm->control->file.dir_fd : -1;
}

void hv_control_close(struct hv_vm *vm)
{
	struct hv_control *c = vm->control;

	if (!c)
		return;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			client_close(vm, &c->clients[i]);
	hv_loop_del(vm, c->listen_fd);
	close(c->listen_fd);
	ctl_file_remove(&c->file);
	vm->control = NULL;
	free(c);
}

static void client_ready(struct hv_vm *vm, void *opaque, int fd, short revents);

static int control_accept(struct hv_vm *vm)
{
	struct hv_control *c = vm->control;
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return -errno;
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		if (c->clients[i].fd < 0 && !hv_loop_add(vm, fd, POLLIN, HV_LOOP_CONTROL, client_ready, NULL,
							   &c->clients[i])) {
			c->clients[i].fd = fd;
			return 0;
		}
	}
	log_warnx("control socket: too many connections (%d); refusing one", MAX_CLIENTS);
	close(fd);
	return -EMFILE;
}

void hv_control_event(struct hv_vm *vm, uint32_t kind, const char *detail)
{
	struct hv_control *c = vm->control;
	struct hvctl_event ev = {
	    .kind = kind, .flags = vm->held ? HVCTL_EV_HELD : 0, .time_ns = hv_now_ns(CLOCK_REALTIME)};

	if (!c)
		return;
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		struct hv_client *cl = &c->clients[i];

		if (cl->fd >= 0 && cl->subscribed && send_packet(cl->fd, HVCTL_EVENT, 0, &ev, sizeof(ev)))
			client_close(vm, cl);
	}
}

/* Any fds passed with the request that no handler took. */
static void fds_close(struct hv_vdev_fds *f)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
	f->n = 0;
}

/* One packet into req, the fds passed with it into cl->fds; more fds than
 * HVCTL_MAX_FDS, or other ancillary data, is -EPROTO. */
static ssize_t recv_request(struct hv_client *cl, uint8_t *req, size_t cap, int *bad)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * HVCTL_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {req, cap};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf)};
	ssize_t n = recvmsg(cl->fd, &msg, MSG_TRUNC | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	cl->fds.n = 0;
	*bad = n >= 0 && (msg.msg_flags & MSG_CTRUNC);
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
		unsigned k = c->cmsg_len >= CMSG_LEN(0) ? (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || cl->fds.n + k > HVCTL_MAX_FDS) {
			*bad = 1;
			continue;
		}
		memcpy(&cl->fds.fd[cl->fds.n], CMSG_DATA(c), k * sizeof(int));
		cl->fds.n += k;
	}
	return n;
}

/* One request packet of n bytes (at most cap): its handler's reply. */
static void client_handle(struct hv_vm *vm, struct hv_client *cl, const uint8_t *req, ssize_t n, size_t cap)
{
	struct hvctl_hdr hdr;
	struct hv_reply reply = {.cap = 16 * 1024};
	int rc;

	if (n <= 0 || cl->subscribed) {
		client_close(vm, cl); /* closed, or talking on an event stream */
		return;
	}
	memcpy(&hdr, req, n < (ssize_t)sizeof(hdr) ? (size_t)n : sizeof(hdr));
	if ((size_t)n < sizeof(hdr) || (size_t)n > cap || hdr.len != n - sizeof(hdr)) {
		send_packet(cl->fd, (size_t)n < sizeof(hdr) ? 0 : hdr.type, -EPROTO, NULL, 0);
		return;
	}
	if (hdr.type >= HVCTL_TYPE_MAX || !hv_messages[hdr.type].fn) {
		send_packet(cl->fd, hdr.type, -EOPNOTSUPP, NULL, 0);
		return;
	}
	if (hv_mig_stream_reading() && !hv_messages[hdr.type].in_stream) {
		send_packet(cl->fd, hdr.type, -EAGAIN, NULL, 0); /* the domain is being restored: later */
		return;
	}
	reply.buf = calloc(1, reply.cap);
	if (!reply.buf) {
		send_packet(cl->fd, hdr.type, -ENOMEM, NULL, 0);
		return;
	}
	rc = hv_messages[hdr.type].fn(vm, cl, req + sizeof(hdr), hdr.len, &reply);
	log_debug("control: %s -> %s", hv_messages[hdr.type].name, rc ? log_strerror(rc) : "ok");
	if (send_packet(cl->fd, hdr.type, rc, reply.buf, rc ? 0 : reply.len))
		client_close(vm, cl);
	free(reply.buf);
}

/* The event loop calls it when a client fd is readable. Passed fds that no
 * handler took (only HVCTL_DEVICE_ADD takes any) are closed. */
static void client_request(struct hv_vm *vm, struct hv_client *cl)
{
	uint8_t req[sizeof(struct hvctl_hdr) + REQ_MAX];
	int bad;
	ssize_t n = recv_request(cl, req, sizeof(req), &bad);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (bad)
		send_packet(cl->fd, 0, -EPROTO, NULL, 0);
	else
		client_handle(vm, cl, req, n, sizeof(req));
	fds_close(&cl->fds);
}

static void listen_ready(struct hv_vm *vm, void *opaque, int fd, short revents)
{
	(void)opaque;
	(void)fd;
	(void)revents;
	control_accept(vm);
}

static void client_ready(struct hv_vm *vm, void *opaque, int fd, short revents)
{
	(void)fd;
	(void)revents;
	client_request(vm, opaque);
}
