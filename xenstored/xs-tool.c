/*
 * xs-tool: a scripted xenstore session for the tests (not installed).
 * Reads commands from stdin, one per line, on one connection, and prints
 * one line per command: the value, "OK", or "ERR <ENAME>".
 *
 *   become D | read P | write P V | mkdir P | rm P | ls P | getperms P
 *   setperms P PERM... | watch P T | unwatch P T | event MS | txstart | txend T|F
 *   control ARG... | oversized | garbage N | split P V | conns N | alive
 *   flood N P (pipeline N READs of P without reading replies, until the
 *   daemon stops taking them: prints "sent K") | drain (read the replies of
 *   the flood: "replies R" counts those in order and of P's value length)
 *   | watchwrite WP T P V (WATCH and WRITE in one write(2), so the daemon
 *   handles them in one round: prints both results)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "xenstored/xs.h"
#include "xenstored/xs_wire.h"

#define MAXARGS 16

static struct xs_handle *xs;
static uint32_t tx;

static void result(int rc)
{
	if (rc < 0)
		printf("ERR %s\n", xs_errno_name(rc));
	else
		printf("OK\n");
}

static void print_list(int rc, char **v, unsigned n)
{
	if (rc < 0) {
		result(rc);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", v[i]);
	printf("\n");
	free(v);
}

static int raw_send(const void *buf, size_t len)
{
	return write(xsc_socket_fd(xs), buf, len) == (ssize_t)len ? 0 : -EIO;
}

/* Is the connection still open? A closed one reads EOF at once. */
static void cmd_alive(void)
{
	char *v;
	int rc = xsc_read(xs, XS_NO_TX, "/", &v, NULL);

	if (!rc)
		free(v);
	printf("%s\n", rc == -ECONNRESET || rc == -EPIPE ? "closed" : "open");
}

/* Open n more connections, each doing one read, then keep them all open. */
static void cmd_conns(int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		struct xs_handle *h;
		char *v;

		if (xsc_open(NULL, &h))
			break;
		if (!xsc_read(h, XS_NO_TX, "/", &v, NULL)) {
			ok++;
			free(v);
		}
		/* deliberately leaked: held open until exit */
	}
	printf("%d\n", ok);
}

/* A WRITE sent one byte per write(2). */
static void cmd_split(const char *path, const char *val)
{
	char buf[XS_HDR_SIZE + XS_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(val);
	struct xs_msg_hdr h = {XS_WRITE, 77, 0, (uint32_t)(pl + vl)};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), path, pl);
	memcpy(buf + sizeof(h) + pl, val, vl);
	for (size_t i = 0; i < sizeof(h) + pl + vl; i++)
		raw_send(buf + i, 1);
	if (read(xsc_socket_fd(xs), &h, sizeof(h)) == sizeof(h) && h.type == XS_WRITE) {
		char ok[8];

		if (h.len <= sizeof(ok) && read(xsc_socket_fd(xs), ok, h.len) == (ssize_t)h.len)
			printf("OK\n");
		return;
	}
	printf("ERR\n");
}

/* The flood's stream of requests and how far it got. */
static char *flood_buf;
static size_t flood_len, flood_off, flood_msg;
static unsigned flood_count;

static void cmd_flood(char **a)
{
	int n = atoi(a[1]), fd = xsc_socket_fd(xs);
	size_t pl = strlen(a[2]) + 1;
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	flood_msg = XS_HDR_SIZE + pl;
	flood_len = flood_msg * n;
	flood_off = 0;
	flood_buf = realloc(flood_buf, flood_len);
	for (int i = 0; i < n; i++) {
		struct xs_msg_hdr h = {XS_READ, (uint32_t)i + 1, 0, (uint32_t)pl};

		memcpy(flood_buf + i * flood_msg, &h, sizeof(h));
		memcpy(flood_buf + i * flood_msg + XS_HDR_SIZE, a[2], pl);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* send until the daemon has taken nothing for a second */
	while (flood_off < flood_len && poll(&p, 1, 1000) == 1) {
		ssize_t w = write(fd, flood_buf + flood_off, flood_len - flood_off);

		if (w > 0)
			flood_off += w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	flood_count = (flood_off + flood_msg - 1) / flood_msg; /* a started one is finished by drain */
	flood_len = flood_count * flood_msg;
	printf("sent %u\n", flood_count);
}

/* Read one whole message into buf (XS_PAYLOAD_MAX); sends the flood's rest when it can. */
static int flood_read(int fd, struct xs_msg_hdr *h, char *buf)
{
	char in[XS_HDR_SIZE + XS_PAYLOAD_MAX];
	size_t got = 0, want = XS_HDR_SIZE;

	while (got < want) {
		struct pollfd p = {.fd = fd, .events = POLLIN | (flood_off < flood_len ? POLLOUT : 0)};
		ssize_t r;

		if (poll(&p, 1, 5000) != 1)
			return -ETIMEDOUT;
		if ((p.revents & POLLOUT) && flood_off < flood_len) {
			r = write(fd, flood_buf + flood_off, flood_len - flood_off);
			flood_off += r > 0 ? r : 0;
		}
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(fd, in + got, want - got);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return -EPIPE;
		got += r > 0 ? r : 0;
		if (got == XS_HDR_SIZE) {
			memcpy(h, in, sizeof(*h));
			if (h->len > XS_PAYLOAD_MAX)
				return -EINVAL;
			want += h->len;
		}
	}
	memcpy(buf, in + XS_HDR_SIZE, h->len);
	return 0;
}

static void cmd_drain(char **a)
{
	char v[XS_PAYLOAD_MAX];
	struct xs_msg_hdr h;
	unsigned ok = 0, len0 = 0;
	int fd = xsc_socket_fd(xs);

	(void)a;
	for (unsigned i = 0; i < flood_count; i++) {
		if (flood_read(fd, &h, v))
			break;
		if (!i)
			len0 = h.len;
		ok += h.type == XS_READ && h.req_id == i + 1 && h.len == len0;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	printf("replies %u\n", ok);
}

static size_t put_msg(char *buf, uint32_t type, uint32_t req_id, const char *a, size_t alen, const char *b,
		      size_t blen)
{
	struct xs_msg_hdr h = {type, req_id, 0, (uint32_t)(alen + blen)};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), a, alen);
	memcpy(buf + sizeof(h) + alen, b, blen);
	return sizeof(h) + alen + blen;
}

static void cmd_watchwrite(char **a)
{
	static char buf[2 * (XS_HDR_SIZE + XS_PAYLOAD_MAX)];
	char w[XS_PAYLOAD_MAX], v[XS_PAYLOAD_MAX];
	size_t wl = strlen(a[1]) + 1, tl = strlen(a[2]) + 1, pl = strlen(a[3]) + 1, vl = strlen(a[4]), n;
	struct xs_msg_hdr h;

	if (wl + tl + 1 > sizeof(w) || pl + vl > XS_PAYLOAD_MAX) {
		printf("ERR usage\n");
		return;
	}
	memcpy(w, a[1], wl);
	memcpy(w + wl, a[2], tl);
	n = put_msg(buf, XS_WATCH, 901, w, wl + tl, "", 0);
	n += put_msg(buf + n, XS_WRITE, 902, a[3], pl, a[4], vl);
	flood_off = flood_len = 0;
	raw_send(buf, n);
	for (int got = 0; got < 2;) {
		if (flood_read(xsc_socket_fd(xs), &h, v)) {
			printf("ERR read\n");
			return;
		}
		if (h.type == XS_WATCH_EVENT)
			continue;
		v[h.len < sizeof(v) ? h.len : sizeof(v) - 1] = 0;
		printf("%s%s", got++ ? " " : "", h.type == XS_ERROR ? v : "OK");
	}
	printf("\n");
}

static void cmd_become(char **a)
{
	result(xsc_become_domain(xs, atoi(a[1])));
}

static void cmd_read(char **a)
{
	char *v;
	int rc = xsc_read(xs, tx, a[1], &v, NULL);

	if (rc) {
		result(rc);
		return;
	}
	printf("%s\n", v);
	free(v);
}

static void cmd_write(char **a)
{
	result(xsc_write_str(xs, tx, a[1], a[2]));
}

static void cmd_mkdir(char **a)
{
	result(xsc_mkdir(xs, tx, a[1]));
}

static void cmd_rm(char **a)
{
	result(xsc_rm(xs, tx, a[1]));
}

static void cmd_ls(char **a)
{
	char **list;
	unsigned n;
	int rc = xsc_directory(xs, tx, a[1], &list, &n);

	print_list(rc, list, n);
}

static void cmd_getperms(char **a)
{
	char **list;
	unsigned n;
	int rc = xsc_get_perms(xs, tx, a[1], &list, &n);

	print_list(rc, list, n);
}

static int nargs; /* of the current command, for the variadic ones */

static void cmd_setperms(char **a)
{
	result(xsc_set_perms(xs, tx, a[1], (const char *const *)a + 2, nargs - 2));
}

static void cmd_watch(char **a)
{
	result(xsc_watch(xs, a[1], a[2]));
}

static void cmd_unwatch(char **a)
{
	result(xsc_unwatch(xs, a[1], a[2]));
}

static void cmd_event(char **a)
{
	char *path, *token;
	int rc = xsc_read_watch(xs, atoi(a[1]), &path, &token);

	if (rc) {
		printf("%s\n", rc == -ETIMEDOUT ? "none" : "ERR");
		return;
	}
	printf("%s %s\n", path, token);
	free(path);
	free(token);
}

static void cmd_txstart(char **a)
{
	(void)a;
	result(xsc_transaction_start(xs, &tx));
}

static void cmd_txend(char **a)
{
	int rc = xsc_transaction_end(xs, tx, a[1][0] == 'F');

	tx = XS_NO_TX;
	result(rc);
}

static void cmd_control(char **a)
{
	char *v;
	int rc = xsc_control(xs, (const char *const *)a + 1, nargs - 1, &v);

	if (rc) {
		result(rc);
		return;
	}
	printf("%s\n", v);
	free(v);
}

static void cmd_oversized(char **a)
{
	struct xs_msg_hdr h = {XS_READ, 1, 0, XS_PAYLOAD_MAX + 1};

	(void)a;
	result(raw_send(&h, sizeof(h)));
}

static void cmd_garbage(char **a)
{
	char junk[4096];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	for (int i = 0; i < atoi(a[1]); i++)
		raw_send(junk, sizeof(junk));
	printf("sent\n");
}

static void cmd_split_args(char **a)
{
	cmd_split(a[1], a[2]);
}

static void cmd_conns_arg(char **a)
{
	cmd_conns(atoi(a[1]));
}

static void cmd_alive_arg(char **a)
{
	(void)a;
	cmd_alive();
}

static const struct command {
	const char *name;
	void (*fn)(char **argv);
	int min_args, max_args; /* including the name */
} commands[] = {
    {"become", cmd_become, 2, 2},
    {"read", cmd_read, 2, 2},
    {"write", cmd_write, 3, 3},
    {"mkdir", cmd_mkdir, 2, 2},
    {"rm", cmd_rm, 2, 2},
    {"ls", cmd_ls, 2, 2},
    {"getperms", cmd_getperms, 2, 2},
    {"setperms", cmd_setperms, 3, MAXARGS},
    {"watch", cmd_watch, 3, 3},
    {"unwatch", cmd_unwatch, 3, 3},
    {"event", cmd_event, 2, 2},
    {"txstart", cmd_txstart, 1, 1},
    {"txend", cmd_txend, 2, 2},
    {"control", cmd_control, 2, MAXARGS},
    {"oversized", cmd_oversized, 1, 1},
    {"garbage", cmd_garbage, 2, 2},
    {"split", cmd_split_args, 3, 3},
    {"conns", cmd_conns_arg, 2, 2},
    {"alive", cmd_alive_arg, 1, 1},
    {"flood", cmd_flood, 3, 3},
    {"drain", cmd_drain, 1, 1},
    {"watchwrite", cmd_watchwrite, 5, 5},
};

static void run(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (strcmp(c->name, argv[0]) || argc < c->min_args || argc > c->max_args)
			continue;
		nargs = argc;
		c->fn(argv);
		fflush(stdout);
		return;
	}
	printf("ERR usage\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char line[8192];
	int rc;

	(void)argc;
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	rc = xsc_open(NULL, &xs);
	if (rc)
		fatalx("cannot connect to %s: %s", xsc_socket_path(), log_strerror(rc));
	while (fgets(line, sizeof(line), stdin)) {
		char *args[MAXARGS], *save, *t;
		int n = 0;

		for (t = strtok_r(line, " \t\n", &save); t && n < MAXARGS; t = strtok_r(NULL, " \t\n", &save))
			args[n++] = t;
		if (n)
			run(n, args);
	}
	xsc_close(xs);
	return 0;
}
