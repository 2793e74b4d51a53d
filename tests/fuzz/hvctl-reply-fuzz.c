/*
 * libFuzzer target: libhvctl (hypervisor/libhvctl.c), the toolstack's side
 * of a xenon-hv control socket, reading replies and events that a
 * taken-over xenon-hv writes as it likes. Input: one byte choosing the
 * call, then packets as <u16 length little-endian><bytes>, sent by the
 * "server" end of a SOCK_SEQPACKET pair before the call; then that end
 * stops writing. Each call must return 0 or -errno without reading or
 * writing outside its buffers (ASan), and say no more than it got.
 * Seeds: tests/fuzz/hvctl-reply-fuzz/ (tests/fuzz/make-seeds).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void call_info(int fd)
{
	struct hvctl_info info;

	if (!hvctl_info(fd, &info)) {
		info.console_pty[sizeof(info.console_pty) - 1] = '\0'; /* as libxl does */
		if (strlen(info.console_pty) >= sizeof(info.console_pty))
			abort();
	}
}

static void call_device_list(int fd)
{
	struct hvctl_device devs[4];
	unsigned n = 4;

	if (!hvctl_device_list(fd, devs, &n) && n > HVCTL_MAX_PACKET / sizeof(devs[0]))
		abort();
}

static void call_vcpu_info(int fd)
{
	static struct hvctl_vcpu vcpus[HVCTL_MAX_VCPUS];
	unsigned n = 2;

	if (!hvctl_vcpu_info(fd, vcpus, &n) && n > HVCTL_MAX_VCPUS)
		abort();
}

static void call_event(int fd)
{
	struct hvctl_event ev;

	if (!hvctl_next_event(fd, 0, &ev) && strlen(ev.detail) >= sizeof(ev.detail))
		abort();
}

static void call_device_add(int fd)
{
	struct hvctl_device_spec spec = {0};
	struct hvctl_device out;

	hvctl_device_add(fd, &spec, &out);
}

static void call_save(int fd)
{
	struct hvctl_save_req req = {0};
	struct hvctl_save_result res;

	hvctl_save(fd, &req, -1, &res);
}

static void call_simple(int fd)
{
	hvctl_pause(fd);
	hvctl_unpause(fd);
	hvctl_subscribe(fd);
	hvctl_device_remove(fd, 1, 0);
}

static void call_ring(int fd)
{
	char buf[256];
	uint32_t len = sizeof(buf);

	if (!hvctl_call(fd, HVCTL_CONSOLE_RING, NULL, 0, buf, &len) && len > sizeof(buf))
		abort();
}

static void (*const calls[])(int) = {call_info,	     call_device_list, call_vcpu_info, call_event,
				     call_device_add, call_save,	call_simple,	call_ring};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	size_t off = 1;

	if (size < 1 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return 0;
	/* The server's packets, queued before the call (at most 8: the queue's room). */
	for (unsigned i = 0; i < 8 && off + 2 <= size; i++) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (send(sv[1], data + off, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;
		off += len;
	}
	shutdown(sv[1], SHUT_WR);
	calls[data[0] % (sizeof(calls) / sizeof(calls[0]))](sv[0]);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
