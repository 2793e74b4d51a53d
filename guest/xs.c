/*
 * The xenstore client: Xen's wire protocol (16-byte header + payload) over
 * the shared ring page of xenon-xs-ring.h. Requests are synchronous and made
 * from the shell's context only (the boot vCPU), so the ring has one user;
 * watch events that arrive meanwhile are handled from shell_poll().
 *
 * Watches: xs_watch_add(path, token, fn, arg) registers a handler in the
 * watch table; events (which may arrive in the middle of any request) are
 * queued and handed to their handler by token from xs_poll(), that is from
 * the shell's idle loop, never inside another request. A handler may make
 * requests of its own. Every handler reads its nodes anew whatever path
 * fired, so a token already queued is not queued again; and each xs_poll()
 * runs one handler, so that a command in the foreground (each of whose
 * loops calls shell_poll()) goes on between them: a restored guest's
 * watches all fire at once on the target, and run back to back their
 * xenstore round trips held the guest up for milliseconds. If the queue
 * overflows (events of unknown tokens), every handler is called once (with
 * its own path) so that each can look again.
 *
 * At boot the guest advertises control/feature-poweroff and
 * control/feature-reboot and watches control/shutdown; on "poweroff" or
 * "reboot" it acknowledges as Linux does (writes "" to the node) and shuts
 * down cleanly.
 */
#include "arch.h"
#include "kernel.h"
#include "shell.h"
#include "xenon-xs-ring.h"

enum xs_type {
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_WRITE = 11,
	XS_RM = 13,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
};

struct xs_hdr {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
};

#define XS_PAYLOAD_MAX 4096
#define XS_TIMEOUT_NS  5000000000ULL
#define SHUTDOWN_NODE  "control/shutdown"
#define SHUTDOWN_TOKEN "xenon-shutdown"

#define MAX_WATCHES	24
#define EVENT_QUEUE	MAX_WATCHES /* one per token (note_event) */
#define WATCH_PATH_MAX	160
#define WATCH_TOKEN_MAX 40

static struct xenon_xs_ring *ring;
static uint32_t next_req_id = 1;
static char msg_buf[XS_PAYLOAD_MAX + 1];

static struct watch {
	char path[WATCH_PATH_MAX];
	char token[WATCH_TOKEN_MAX];
	xs_watch_fn fn;
	void *arg;
} watches[MAX_WATCHES];

/* Events waiting for xs_poll: a ring of (path, token) */
static struct {
	char path[WATCH_PATH_MAX];
	char token[WATCH_TOKEN_MAX];
} events[EVENT_QUEUE];
static unsigned int ev_head, ev_tail;
static bool ev_overflow;

bool xs_available(void)
{
	return ring != NULL;
}

static void xs_irq(struct regs *r)
{
	(void)r; /* waking the vCPU from hlt is all it takes */
}

static void notify(void)
{
	outb(XENON_PORT_XS_NOTIFY, 1);
}

/*
 * Wait for the ring to move on from what the caller saw (rsp_prod, req_cons)
 * or for the next interrupt; -ETIMEDOUT once the deadline has passed.
 */
static int wait_ring(uint64_t deadline, uint32_t rsp_prod, uint32_t req_cons)
{
	if (clock_ns() > deadline)
		return -ETIMEDOUT;
	irq_disable();
	if (ring->rsp_prod != rsp_prod || ring->req_cons != req_cons)
		irq_enable();
	else
		cpu_idle();
	return 0;
}

static int ring_write(const void *data, uint32_t len, uint64_t deadline)
{
	const char *p = data;

	while (len) {
		uint32_t cons = ring->req_cons, prod = ring->req_prod;
		uint32_t space = XENON_XS_RING_SIZE - (prod - cons);
		int rc;

		if (!space) {
			notify();
			rc = wait_ring(deadline, ring->rsp_prod, cons);
			if (rc)
				return rc;
			continue;
		}
		while (space && len) {
			ring->req[prod++ % XENON_XS_RING_SIZE] = *p++;
			space--, len--;
		}
		barrier(); /* the bytes before the index (x86 keeps store order) */
		ring->req_prod = prod;
	}
	return 0;
}

static uint32_t rsp_avail(void)
{
	return ring->rsp_prod - ring->rsp_cons;
}

/* Move len bytes off the reply ring into dst. */
static void rsp_consume(void *dst, uint32_t len)
{
	char *d = dst;
	uint32_t cons = ring->rsp_cons, old = cons;

	barrier(); /* the bytes after the index that said they are there */
	while (len--)
		*d++ = ring->rsp[cons++ % XENON_XS_RING_SIZE];
	barrier();
	ring->rsp_cons = cons;
	/* Xen's rule for a ring's consumer: with our index out, read theirs
	 * again; if the ring was full, xenon-hv may be holding more for it */
	__sync_synchronize();
	if (ring->rsp_prod - old >= XENON_XS_RING_SIZE)
		notify();
}

/*
 * The message being taken off the reply ring. A message may be longer than
 * the ring (a 4 KiB value, a long directory), so its payload is taken in
 * pieces, as xenon-hv refills the ring, into msg_buf.
 */
static struct {
	struct xs_hdr hdr;
	bool have_hdr;
	uint32_t got; /* payload bytes taken so far */
} rsp_msg;

/*
 * Take what has arrived of the current message: 1 once it is whole, else 0.
 * xenon-hv is told when room was made, so that it refills the ring.
 */
static int rsp_take(struct xs_hdr *h)
{
	uint32_t n;

	if (!rsp_msg.have_hdr) {
		if (rsp_avail() < sizeof(rsp_msg.hdr))
			return 0;
		rsp_consume(&rsp_msg.hdr, sizeof(rsp_msg.hdr));
		/* A broken peer; resynchronising is not possible anyway. */
		if (rsp_msg.hdr.len > XS_PAYLOAD_MAX)
			rsp_msg.hdr.len = XS_PAYLOAD_MAX;
		rsp_msg.have_hdr = true;
		rsp_msg.got = 0;
	}
	n = rsp_msg.hdr.len - rsp_msg.got;
	if (n > rsp_avail())
		n = rsp_avail();
	rsp_consume(msg_buf + rsp_msg.got, n);
	rsp_msg.got += n;
	if (rsp_msg.got < rsp_msg.hdr.len)
		return 0;
	msg_buf[rsp_msg.hdr.len] = '\0';
	*h = rsp_msg.hdr;
	rsp_msg.have_hdr = false;
	return 1;
}

/* A watch event's payload is "path\0token\0": queue it for xs_poll. */
static void note_event(const char *payload, uint32_t len)
{
	size_t plen = strlen(payload);
	const char *token = payload + plen + 1;

	if (plen + 1 >= len)
		return; /* no token: not an event we asked for */
	for (unsigned int i = ev_head; i != ev_tail; i++)
		if (!strcmp(events[i % EVENT_QUEUE].token, token))
			return; /* its handler is due anyway and reads its nodes anew */
	if (ev_tail - ev_head == EVENT_QUEUE || plen >= WATCH_PATH_MAX || strlen(token) >= WATCH_TOKEN_MAX) {
		ev_overflow = true;
		return;
	}
	strlcpy(events[ev_tail % EVENT_QUEUE].path, payload, WATCH_PATH_MAX);
	strlcpy(events[ev_tail % EVENT_QUEUE].token, token, WATCH_TOKEN_MAX);
	ev_tail++;
}

static int error_code(const char *name)
{
	static const struct {
		const char *name;
		int err;
	} errs[] = {{"ENOENT", 2},  {"EACCES", 13}, {"EEXIST", 17}, {"EINVAL", 22},
		    {"ENOSPC", 28}, {"E2BIG", 7},   {"EAGAIN", 11}, {"EPERM", 1}};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errs); i++)
		if (!strcmp(errs[i].name, name))
			return -errs[i].err;
	return -5; /* EIO */
}

/*
 * Send type + the NUL-separated parts, wait for the reply with our req_id;
 * the reply payload lands in msg_buf (NUL-terminated), its length in *len.
 */
static int xs_request(enum xs_type type, const char *p1, const char *p2, bool p2_nul, uint32_t *len)
{
	uint64_t deadline = clock_ns() + XS_TIMEOUT_NS;
	uint32_t l1 = strlen(p1) + 1, l2 = p2 ? strlen(p2) + p2_nul : 0;
	struct xs_hdr h = {type, next_req_id++, 0, l1 + l2};
	int rc;

	if (!ring)
		return -ENODEV;
	if (h.len > XS_PAYLOAD_MAX)
		return -E2BIG;
	rc = ring_write(&h, sizeof(h), deadline);
	rc = rc ? rc : ring_write(p1, l1, deadline);
	rc = rc ? rc : ring_write(p2, l2, deadline);
	if (!rc)
		notify(); /* once, for the whole request */
	while (!rc) {
		struct xs_hdr r;
		uint32_t seen = ring->rsp_prod;

		if (!rsp_take(&r)) {
			rc = wait_ring(deadline, seen, ring->req_cons);
			continue;
		}
		if (r.type == XS_WATCH_EVENT) {
			note_event(msg_buf, r.len);
			continue;
		}
		if (r.req_id != h.req_id)
			continue; /* a stale reply after a timeout */
		*len = r.len;
		return r.type == XS_ERROR ? error_code(msg_buf) : 0;
	}
	return rc;
}

int xs_read(const char *path, char *buf, size_t size)
{
	uint32_t len;
	int rc = xs_request(XS_READ, path, NULL, false, &len);

	if (!rc)
		strlcpy(buf, msg_buf, size);
	return rc;
}

int xs_write(const char *path, const char *value)
{
	uint32_t len;

	return xs_request(XS_WRITE, path, value, false, &len);
}

int xs_directory(const char *path, char *buf, size_t size, uint32_t *len)
{
	int rc = xs_request(XS_DIRECTORY, path, NULL, false, len);

	if (rc)
		return rc;
	if (*len > size)
		return -E2BIG;
	memcpy(buf, msg_buf, *len);
	return 0;
}

int xs_rm(const char *path)
{
	uint32_t len;

	return xs_request(XS_RM, path, NULL, false, &len);
}

static struct watch *watch_find(const char *path, const char *token)
{
	size_t i;

	for (i = 0; i < MAX_WATCHES; i++)
		if (watches[i].fn && !strcmp(watches[i].token, token) &&
		    (!path || !strcmp(watches[i].path, path)))
			return &watches[i];
	return NULL;
}

int xs_watch_add(const char *path, const char *token, xs_watch_fn fn, void *arg)
{
	struct watch *w = NULL;
	uint32_t len;
	size_t i;
	int rc;

	if (strlen(path) >= WATCH_PATH_MAX || strlen(token) >= WATCH_TOKEN_MAX || !fn)
		return -EINVAL;
	if (watch_find(NULL, token))
		return -EEXIST;
	for (i = 0; i < MAX_WATCHES && !w; i++)
		if (!watches[i].fn)
			w = &watches[i];
	if (!w)
		return -ENOSPC;
	strlcpy(w->path, path, sizeof(w->path));
	strlcpy(w->token, token, sizeof(w->token));
	w->arg = arg;
	w->fn = fn; /* before the request: its first event may come with the reply */
	rc = xs_request(XS_WATCH, path, token, true, &len);
	if (rc)
		w->fn = NULL;
	return rc;
}

/* path NULL: the watch with that token, whatever its path. */
int xs_watch_remove(const char *path, const char *token)
{
	struct watch *w = watch_find(path, token);
	uint32_t len;

	if (!w)
		return -ENOENT;
	w->fn = NULL; /* events still queued for it are dropped */
	return xs_request(XS_UNWATCH, w->path, w->token, true, &len);
}

const char *xs_strerror(int rc)
{
	switch (rc) {
	case -2:
		return "no such node (ENOENT)";
	case -13:
		return "permission denied (EACCES)";
	case -22:
		return "invalid argument (EINVAL)";
	case -ENODEV:
		return "this domain has no xenstore channel";
	case -ETIMEDOUT:
		return "xenstore did not answer within 5 s";
	case -E2BIG:
		return "request too long";
	default:
		return "xenstore error";
	}
}

/* Read the watched node; act on "poweroff" or "reboot" after acknowledging it. */
static void handle_shutdown_request(const char *path, const char *token, void *arg)
{
	char what[32];
	uint32_t how;

	(void)path, (void)token, (void)arg;
	if (xs_read(SHUTDOWN_NODE, what, sizeof(what)))
		return;
	if (!strcmp(what, "poweroff") || !strcmp(what, "halt"))
		how = XENON_SHUTDOWN_POWEROFF;
	else if (!strcmp(what, "reboot"))
		how = XENON_SHUTDOWN_REBOOT;
	else
		return; /* "" (our own acknowledgement) or unknown */
	xs_write(SHUTDOWN_NODE, "");
	kernel_shutdown(how, "requested through xenstore");
}

bool xs_pending(void)
{
	return ring && (rsp_avail() || ev_head != ev_tail || ev_overflow);
}

/* The oldest queued event to its handler. */
static void dispatch_one(void)
{
	char path[WATCH_PATH_MAX], token[WATCH_TOKEN_MAX];
	unsigned int i = ev_head++;
	struct watch *w;

	strlcpy(path, events[i % EVENT_QUEUE].path, sizeof(path));
	strlcpy(token, events[i % EVENT_QUEUE].token, sizeof(token));
	w = watch_find(NULL, token);
	if (w)
		w->fn(path, token, w->arg);
}

/* Take the events that came, then hand the oldest to its handler (not
 * re-entered from a handler's own requests). */
void xs_poll(void)
{
	static bool dispatching;
	struct xs_hdr h;
	size_t i;

	if (!ring || dispatching)
		return;
	while (rsp_take(&h))
		if (h.type == XS_WATCH_EVENT)
			note_event(msg_buf, h.len);
	dispatching = true;
	if (ev_head != ev_tail)
		dispatch_one();
	else if (ev_overflow) {
		ev_overflow = false;
		for (i = 0; i < MAX_WATCHES; i++)
			if (watches[i].fn)
				watches[i].fn(watches[i].path, watches[i].token, watches[i].arg);
	}
	dispatching = false;
}

void xs_init(void)
{
	struct xenon_boot_info *bi = boot.info;
	int rc;

	if (!bi->xenstore_ring_gpa)
		return;
	ring = (struct xenon_xs_ring *)(uintptr_t)bi->xenstore_ring_gpa;
	if (ioapic_route(bi->xenstore_irq, xs_irq))
		printf("xenon-guest: xenstore interrupt %u cannot be routed; polling\n", bi->xenstore_irq);
	rc = xs_write("control/feature-poweroff", "1");
	rc = rc ? rc : xs_write("control/feature-reboot", "1");
	rc = rc ? rc : xs_watch_add(SHUTDOWN_NODE, SHUTDOWN_TOKEN, handle_shutdown_request, NULL);
	if (rc)
		printf("xenon-guest: xenstore setup failed: %s\n", xs_strerror(rc));
}

static int usage(const char *u)
{
	printf("usage: %s\n", u);
	return -EINVAL;
}

static int report(const char *cmd, const char *path, int rc)
{
	if (rc)
		printf("%s %s: %s\n", cmd, path, xs_strerror(rc));
	return rc;
}

int cmd_xs_read(int argc, char **argv)
{
	char value[XS_PAYLOAD_MAX + 1];
	int rc;

	if (argc != 2)
		return usage("xs-read PATH");
	rc = xs_read(argv[1], value, sizeof(value));
	if (!rc) {
		/* Not printf: it stops at 511 bytes and a value may be 4 KiB. */
		console_write(value, strlen(value));
		console_write("\n", 1);
	}
	return report(argv[0], argv[1], rc);
}

int cmd_xs_write(int argc, char **argv)
{
	if (argc != 3)
		return usage("xs-write PATH VALUE");
	return report(argv[0], argv[1], xs_write(argv[1], argv[2]));
}

int cmd_xs_ls(int argc, char **argv)
{
	uint32_t len, off;
	int rc;

	if (argc != 2)
		return usage("xs-ls PATH");
	rc = xs_request(XS_DIRECTORY, argv[1], NULL, false, &len);
	for (off = 0; !rc && off < len; off += strlen(msg_buf + off) + 1)
		printf("%s\n", msg_buf + off);
	return report(argv[0], argv[1], rc);
}

int cmd_xs_rm(int argc, char **argv)
{
	uint32_t len;

	if (argc != 2)
		return usage("xs-rm PATH");
	return report(argv[0], argv[1], xs_request(XS_RM, argv[1], NULL, false, &len));
}
