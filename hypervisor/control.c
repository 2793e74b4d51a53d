/*
 * The control socket server (hypervisor/hvctl.h): SOCK_SEQPACKET, one
 * request packet -> one reply packet, one handler per message type in a
 * table. Subscribed connections receive event packets only.
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MAX_CLIENTS 16
#define REQ_MAX	    1024 /* the largest request (struct hvctl_device_spec) fits */

struct hv_client {
	int fd;
	int subscribed;
	int passed_fd; /* an fd sent with the current request (SCM_RIGHTS), -1: none */
};

struct hv_control {
	int listen_fd;
	char path[108];
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
	for (unsigned i = 0; i < vm->args.nr_vcpus && i < HVCTL_MAX_VCPUS; i++) {
		info->vcpu_time_ns[i] = hv_vcpu_time_ns(&vm->vcpus[i]);
		info->cpu_time_ns += info->vcpu_time_ns[i];
		if (vm->vcpus[i].started)
			info->vcpu_online[i / 32] |= 1U << (i % 32);
	}
	hv_vcpu_states(vm, info->vcpu_running, info->vcpu_blocked);
	hv_stats_fill(vm, info);
	info->pid = getpid();
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
		out[i].flags = (v->started ? HVCTL_VCPU_ONLINE : 0) |
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
	(void)cl, (void)req, (void)len, (void)reply;
	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
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
	/* The main loop sees the end right after this reply and exits. */
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

static int msg_console_ring(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			    struct hv_reply *reply)
{
	(void)cl, (void)req, (void)len;
	reply->len = hv_console_ring_copy(vm, reply->buf, reply->cap);
	return 0;
}

/* Disks and NICs (vdev.c): the spec is a client's, checked field by field there. */
static int msg_device_add(struct hv_vm *vm, struct hv_client *cl, const void *req, uint32_t len,
			  struct hv_reply *reply)
{
	struct hvctl_device_spec spec;
	int rc;

	(void)cl;
	if (len != sizeof(spec) || reply->cap < sizeof(struct hvctl_device))
		return -EINVAL;
	if (atomic_load(&vm->end_status) >= 0)
		return -ESRCH;
	memcpy(&spec, req, sizeof(spec));
	rc = hv_vdev_add(vm, &spec, 1, reply->buf);
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
	rc = hv_save_request(vm, &r, cl->passed_fd, reply->buf);
	if (!rc)
		reply->len = sizeof(struct hvctl_save_result);
	return rc;
}

static const struct {
	const char *name;
	hv_msg_fn fn;
} hv_messages[HVCTL_TYPE_MAX] = {
    [HVCTL_INFO] = {"info", msg_info},
    [HVCTL_PAUSE] = {"pause", msg_pause},
    [HVCTL_UNPAUSE] = {"unpause", msg_unpause},
    [HVCTL_SHUTDOWN] = {"shutdown", msg_shutdown},
    [HVCTL_DESTROY] = {"destroy", msg_destroy},
    [HVCTL_SUBSCRIBE] = {"subscribe", msg_subscribe},
    [HVCTL_CONSOLE_RING] = {"console-ring", msg_console_ring},
    [HVCTL_DEVICE_ADD] = {"device-add", msg_device_add},
    [HVCTL_DEVICE_REMOVE] = {"device-remove", msg_device_remove},
    [HVCTL_DEVICE_LIST] = {"device-list", msg_device_list},
    [HVCTL_VCPU_INFO] = {"vcpu-info", msg_vcpu_info},
    [HVCTL_VCPU_AFFINITY] = {"vcpu-affinity", msg_vcpu_affinity},
    [HVCTL_SAVE] = {"save", msg_save},
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

/* The socket's directory (e.g. /run/xenon/domains) is created when missing. */
static int make_parent_dir(const char *path)
{
	char dir[108];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* A socket file left by a dead xenon-hv is replaced; a live one is an error. */
static int bind_socket(int fd, const struct sockaddr_un *sun)
{
	int probe;

	if (!bind(fd, (const struct sockaddr *)sun, sizeof(*sun)))
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (const struct sockaddr *)sun, sizeof(*sun))) {
		close(probe);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(sun->sun_path);
	return bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) ? -errno : 0;
}

static void listen_ready(struct hv_vm *vm, void *opaque, int fd, short revents);

int hv_control_open(struct hv_vm *vm, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct hv_control *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		c->clients[i].fd = c->clients[i].passed_fd = -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	rc = c->listen_fd < 0 ? -errno : make_parent_dir(path);
	if (!rc)
		rc = bind_socket(c->listen_fd, &sun);
	if (rc == -EADDRINUSE)
		log_warnx("control socket %s: another xenon-hv is using it (is domain %u already running?); "
			  "choose another --domid or --control",
			  path, vm->args.domid);
	else if (rc)
		log_warnx("control socket %s: %s", path, log_strerror(rc));
	if (!rc && listen(c->listen_fd, MAX_CLIENTS) < 0)
		rc = -errno;
	if (!rc)
		rc = hv_loop_add(vm, c->listen_fd, POLLIN, HV_LOOP_CONTROL, listen_ready, NULL, NULL);
	if (rc) {
		if (c->listen_fd >= 0)
			close(c->listen_fd);
		free(c);
		return rc;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	vm->control = c;
	return 0;
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
	unlink(c->path);
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
	struct hvctl_event ev = {.kind = kind, .time_ns = hv_now_ns(CLOCK_REALTIME)};

	if (!c)
		return;
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		struct hv_client *cl = &c->clients[i];

		if (cl->fd >= 0 && cl->subscribed && send_packet(cl->fd, HVCTL_EVENT, 0, &ev, sizeof(ev)))
			client_close(vm, cl);
	}
}

static void drop_passed_fd(struct hv_client *cl)
{
	if (cl->passed_fd >= 0)
		close(cl->passed_fd);
	cl->passed_fd = -1;
}

/* One request packet, and the fd sent with it if any (in cl->passed_fd). */
static ssize_t recv_request(struct hv_client *cl, uint8_t *buf, size_t len)
{
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = {buf, len};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u)};
	ssize_t n = recvmsg(cl->fd, &msg, MSG_TRUNC | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	cl->passed_fd = -1;
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
		int nfds = c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
			       ? (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int))
			       : 0;

		for (int i = 0; i < nfds; i++) { /* keep the first, close any others */
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (cl->passed_fd < 0)
				cl->passed_fd = fd;
			else
				close(fd);
		}
	}
	return n;
}

/* The event loop calls it when a client fd is readable. */
static void client_request(struct hv_vm *vm, struct hv_client *cl)
{
	uint8_t req[sizeof(struct hvctl_hdr) + REQ_MAX];
	struct hvctl_hdr hdr;
	struct hv_reply reply = {.cap = 16 * 1024};
	ssize_t n = recv_request(cl, req, sizeof(req));
	int rc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || cl->subscribed) {
		client_close(vm, cl); /* closed, or talking on an event stream */
		return;
	}
	memcpy(&hdr, req, n < (ssize_t)sizeof(hdr) ? (size_t)n : sizeof(hdr));
	if ((size_t)n < sizeof(hdr) || (size_t)n > sizeof(req) || hdr.len != n - sizeof(hdr)) {
		send_packet(cl->fd, (size_t)n < sizeof(hdr) ? 0 : hdr.type, -EPROTO, NULL, 0);
		return;
	}
	if (hdr.type >= HVCTL_TYPE_MAX || !hv_messages[hdr.type].fn) {
		send_packet(cl->fd, hdr.type, -EOPNOTSUPP, NULL, 0);
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

/* Wrapped so that every way out of client_request closes a passed fd no handler took. */
static void client_request_fd(struct hv_vm *vm, struct hv_client *cl)
{
	client_request(vm, cl);
	drop_passed_fd(cl);
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
	client_request_fd(vm, opaque);
}
