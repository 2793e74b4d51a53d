/*
 * libhvctl: the client side of the xenon-hv control protocol (hvctl.h).
 * One request packet out, one reply packet back, over SOCK_SEQPACKET.
 */
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdpass.h"

const char *hvctl_default_socket(uint32_t domid, char *buf, unsigned len)
{
	int n = snprintf(buf, len, "/run/xenon/domains/%u.sock", domid);

	if (n < 0 || (unsigned)n >= len)
		return NULL;
	return buf;
}

const char *hvctl_incoming_socket(const char *socket_path, char *buf, unsigned len)
{
	const char *slash = strrchr(socket_path, '/');
	int dir = slash ? (int)(slash - socket_path + 1) : 0;
	int n = snprintf(buf, len, "%.*s.%s.incoming", dir, socket_path, socket_path + dir);

	if (n < 0 || (unsigned)n >= len)
		return NULL;
	return buf;
}

int hvctl_connect(const char *socket_path, int *fd)
{
	return hvctl_connect_timeout(socket_path, 0, fd);
}

/* SO_SNDTIMEO bounds connect() and sendmsg(), SO_RCVTIMEO recvmsg(). */
static int set_timeout(int fd, int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

/* A call that ran out of time (EAGAIN under SO_*TIMEO) is -ETIMEDOUT. */
static int sock_err(int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK)
		return -ETIMEDOUT;
	return err == ECONNRESET ? -EPIPE : -err;
}

int hvctl_connect_timeout(const char *socket_path, int timeout_ms, int *fd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int s, rc;

	if (strlen(socket_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, socket_path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	rc = timeout_ms > 0 ? set_timeout(s, timeout_ms) : 0;
	if (rc == 0 && connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		rc = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	if (rc < 0) {
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}

static int send_request(int fd, uint32_t type, const void *req, uint32_t req_len, const int *fds,
			unsigned nfds)
{
	struct hvctl_hdr hdr = {.type = type, .len = req_len};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)req, req_len}};
	ssize_t n;

	if (req_len > HVCTL_MAX_PACKET - sizeof(hdr))
		return -EMSGSIZE;
	if (nfds > HVCTL_MAX_FDS)
		return -EINVAL;
	n = fdpass_send(fd, iov, req_len ? 2 : 1, fds, nfds);
	return n < 0 ? sock_err((int)-n) : 0;
}

/* Receive one packet: header + up to *len payload bytes (truncation is an error). */
static int recv_packet(int fd, struct hvctl_hdr *hdr, void *buf, uint32_t *len)
{
	struct iovec iov[2] = {{hdr, sizeof(*hdr)}, {buf, *len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	do
		n = recvmsg(fd, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sock_err(errno);
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < sizeof(*hdr) || hdr->len != (size_t)n - sizeof(*hdr))
		return -EPROTO;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	*len = hdr->len;
	return 0;
}

int hvctl_call(int fd, uint32_t type, const void *req, uint32_t req_len, void *reply, uint32_t *reply_len)
{
	return hvctl_call_fds(fd, type, req, req_len, NULL, 0, reply, reply_len);
}

int hvctl_call_fds(int fd, uint32_t type, const void *req, uint32_t req_len, const int *fds, unsigned nfds,
		   void *reply, uint32_t *reply_len)
{
	struct hvctl_hdr hdr;
	uint32_t len = reply_len ? *reply_len : 0;
	int rc;

	rc = send_request(fd, type, req, req_len, fds, nfds);
	if (rc)
		return rc;
	rc = recv_packet(fd, &hdr, reply, &len);
	if (rc)
		return rc;
	if (hdr.type != type)
		return -EPROTO;
	if (hdr.status > 0)
		return -EPROTO;
	if (hdr.status < 0)
		return hdr.status;
	if (reply_len)
		*reply_len = len;
	return 0;
}

int hvctl_info(int fd, struct hvctl_info *info)
{
	uint32_t len = sizeof(*info);

	/* A shorter reply (an older server) leaves the tail zeroed. */
	memset(info, 0, sizeof(*info));
	return hvctl_call(fd, HVCTL_INFO, NULL, 0, info, &len);
}

int hvctl_pause(int fd)
{
	return hvctl_call(fd, HVCTL_PAUSE, NULL, 0, NULL, NULL);
}

int hvctl_unpause(int fd)
{
	return hvctl_call(fd, HVCTL_UNPAUSE, NULL, 0, NULL, NULL);
}

int hvctl_shutdown(int fd, uint32_t how)
{
	return hvctl_call(fd, HVCTL_SHUTDOWN, &how, sizeof(how), NULL, NULL);
}

int hvctl_destroy(int fd)
{
	return hvctl_call(fd, HVCTL_DESTROY, NULL, 0, NULL, NULL);
}

int hvctl_subscribe(int fd)
{
	return hvctl_call(fd, HVCTL_SUBSCRIBE, NULL, 0, NULL, NULL);
}

int hvctl_device_add(int fd, const struct hvctl_device_spec *spec, struct hvctl_device *out)
{
	return hvctl_device_add_fds(fd, spec, NULL, 0, out);
}

int hvctl_device_add_fds(int fd, const struct hvctl_device_spec *spec, const int *fds, unsigned nfds,
			 struct hvctl_device *out)
{
	struct hvctl_device dev;
	uint32_t len = sizeof(dev);
	int rc;

	memset(&dev, 0, sizeof(dev));
	rc = hvctl_call_fds(fd, HVCTL_DEVICE_ADD, spec, sizeof(*spec), fds, nfds, &dev, &len);
	if (!rc && len != sizeof(dev))
		rc = -EPROTO;
	if (!rc && out)
		*out = dev;
	return rc;
}

int hvctl_device_remove(int fd, uint32_t kind, uint32_t devid)
{
	struct hvctl_device_id id = {.kind = kind, .devid = devid};

	return hvctl_call(fd, HVCTL_DEVICE_REMOVE, &id, sizeof(id), NULL, NULL);
}

int hvctl_device_list(int fd, struct hvctl_device *devs, unsigned *n)
{
	uint32_t len = HVCTL_MAX_PACKET;
	struct hvctl_device *all = malloc(len);
	unsigned count;
	int rc;

	if (!all)
		return -ENOMEM;
	rc = hvctl_call(fd, HVCTL_DEVICE_LIST, NULL, 0, all, &len);
	if (!rc && len % sizeof(*all))
		rc = -EPROTO;
	if (!rc) {
		count = len / sizeof(*all);
		memcpy(devs, all, (count < *n ? count : *n) * sizeof(*all));
		*n = count;
	}
	free(all);
	return rc;
}

int hvctl_vcpu_info(int fd, struct hvctl_vcpu *vcpus, unsigned *n)
{
	struct hvctl_vcpu all[HVCTL_MAX_VCPUS];
	uint32_t len = sizeof(all);
	unsigned count;
	int rc = hvctl_call(fd, HVCTL_VCPU_INFO, NULL, 0, all, &len);

	if (!rc && len % sizeof(all[0]))
		rc = -EPROTO;
	if (!rc) {
		count = len / sizeof(all[0]);
		memcpy(vcpus, all, (count < *n ? count : *n) * sizeof(all[0]));
		*n = count;
	}
	return rc;
}

int hvctl_vcpu_affinity(int fd, const struct hvctl_vcpu_affinity *a)
{
	return hvctl_call(fd, HVCTL_VCPU_AFFINITY, a, sizeof(*a), NULL, NULL);
}

int hvctl_mem_max(int fd, uint64_t max_kib)
{
	return hvctl_call(fd, HVCTL_MEM_MAX, &max_kib, sizeof(max_kib), NULL, NULL);
}

int hvctl_vcpu_trigger(int fd, uint32_t vcpu, uint32_t kind)
{
	struct hvctl_vcpu_trigger t = {.vcpu = vcpu, .kind = kind};

	return hvctl_call(fd, HVCTL_VCPU_TRIGGER, &t, sizeof(t), NULL, NULL);
}

int hvctl_next_event(int fd, int timeout_ms, struct hvctl_event *ev)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct hvctl_hdr hdr;
	uint32_t len = sizeof(*ev);
	int rc;

	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	memset(ev, 0, sizeof(*ev));
	rc = recv_packet(fd, &hdr, ev, &len);
	if (rc)
		return rc;
	if (hdr.type != HVCTL_EVENT)
		return -EPROTO;
	ev->detail[sizeof(ev->detail) - 1] = '\0';
	return 0;
}

/* The request with the nfds fds attached (SCM_RIGHTS). */
static int send_with_fds(int fd, uint32_t type, const void *req, uint32_t len, const int *fds, unsigned nfds)
{
	struct hvctl_hdr hdr = {.type = type, .len = len};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)req, len}};
	ssize_t n = fdpass_send(fd, iov, 2, fds, nfds);

	return n < 0 ? sock_err((int)-n) : 0;
}

/* A save (or dump) takes as long as writing the guest's memory: the reply is awaited without the call timeout. */
static int untimed_reply(int fd, uint32_t type, struct hvctl_save_result *out)
{
	struct timeval saved, none = {0, 0};
	socklen_t sl = sizeof(saved);
	struct hvctl_hdr hdr;
	uint32_t len = sizeof(*out);
	int has_timeout = !getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &saved, &sl);
	int rc;

	if (has_timeout)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	memset(out, 0, sizeof(*out));
	rc = recv_packet(fd, &hdr, out, &len);
	if (has_timeout)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &saved, sizeof(saved));
	if (rc)
		return rc;
	if (hdr.type != type || hdr.status > 0)
		return -EPROTO;
	return hdr.status;
}

static int untimed_call(int fd, uint32_t type, const void *req, uint32_t req_len, const int *fds, unsigned nfds,
			struct hvctl_save_result *out)
{
	int rc = send_with_fds(fd, type, req, req_len, fds, nfds);

	return rc ? rc : untimed_reply(fd, type, out);
}

int hvctl_save_send(int fd, const struct hvctl_save_req *req, int stream_fd)
{
	return send_with_fds(fd, HVCTL_SAVE, req, sizeof(*req), &stream_fd, stream_fd >= 0);
}

int hvctl_save_reply(int fd, struct hvctl_save_result *out)
{
	return untimed_reply(fd, HVCTL_SAVE, out);
}

int hvctl_save(int fd, const struct hvctl_save_req *req, int stream_fd, struct hvctl_save_result *out)
{
	return untimed_call(fd, HVCTL_SAVE, req, sizeof(*req), &stream_fd, stream_fd >= 0, out);
}

int hvctl_save_gated(int fd, const struct hvctl_save_req *req, int stream_fd, int gate_fd,
		     struct hvctl_save_result *out)
{
	int fds[2] = {stream_fd, gate_fd};

	return untimed_call(fd, HVCTL_SAVE, req, sizeof(*req), fds, 2, out);
}

int hvctl_dump_core(int fd, int core_fd, struct hvctl_save_result *out)
{
	struct hvctl_dump_req req = {0};

	return untimed_call(fd, HVCTL_DUMP_CORE, &req, sizeof(req), &core_fd, core_fd >= 0, out);
}
