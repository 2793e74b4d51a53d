/*
 * xs-tool: a scripted xenstore session for the tests (not installed).
 * Reads commands from stdin, one per line, on one connection, and prints
 * one line per command: the value, "OK", or "ERR <ENAME>".
 *
 *   become D | read P | write P V | mkdir P | rm P | ls P | getperms P
 *   setperms P PERM... | watch P T | unwatch P T | event MS | txstart | txend T|F
 *   control ARG... | oversized | garbage N | split P V | conns N | alive
 */
#include <errno.h>
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
	return write(xs_socket_fd(xs), buf, len) == (ssize_t)len ? 0 : -EIO;
}

/* Is the connection still open? A closed one reads EOF at once. */
static void cmd_alive(void)
{
	char *v;
	int rc = xs_read(xs, XS_NO_TX, "/", &v, NULL);

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

		if (xs_open(NULL, &h))
			break;
		if (!xs_read(h, XS_NO_TX, "/", &v, NULL)) {
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
	if (read(xs_socket_fd(xs), &h, sizeof(h)) == sizeof(h) && h.type == XS_WRITE) {
		char ok[8];

		if (read(xs_socket_fd(xs), ok, h.len) == (ssize_t)h.len)
			printf("OK\n");
		return;
	}
	printf("ERR\n");
}

static void run(int argc, char **argv)
{
	const char *c = argv[0];
	char *v, **list;
	unsigned n;
	int rc;

	if (!strcmp(c, "become") && argc == 2) {
		result(xs_become_domain(xs, atoi(argv[1])));
	} else if (!strcmp(c, "read") && argc == 2) {
		rc = xs_read(xs, tx, argv[1], &v, NULL);
		if (rc)
			result(rc);
		else
			printf("%s\n", v), free(v);
	} else if (!strcmp(c, "write") && argc == 3) {
		result(xs_write_str(xs, tx, argv[1], argv[2]));
	} else if (!strcmp(c, "mkdir") && argc == 2) {
		result(xs_mkdir(xs, tx, argv[1]));
	} else if (!strcmp(c, "rm") && argc == 2) {
		result(xs_rm(xs, tx, argv[1]));
	} else if (!strcmp(c, "ls") && argc == 2) {
		rc = xs_directory(xs, tx, argv[1], &list, &n);
		print_list(rc, list, n);
	} else if (!strcmp(c, "getperms") && argc == 2) {
		rc = xs_get_perms(xs, tx, argv[1], &list, &n);
		print_list(rc, list, n);
	} else if (!strcmp(c, "setperms") && argc >= 3) {
		result(xs_set_perms(xs, tx, argv[1], (const char *const *)argv + 2, argc - 2));
	} else if (!strcmp(c, "watch") && argc == 3) {
		result(xs_watch(xs, argv[1], argv[2]));
	} else if (!strcmp(c, "unwatch") && argc == 3) {
		result(xs_unwatch(xs, argv[1], argv[2]));
	} else if (!strcmp(c, "event") && argc == 2) {
		char *path, *token;

		rc = xs_read_watch(xs, atoi(argv[1]), &path, &token);
		if (rc)
			printf("%s\n", rc == -ETIMEDOUT ? "none" : "ERR");
		else
			printf("%s %s\n", path, token), free(path), free(token);
	} else if (!strcmp(c, "txstart")) {
		result(xs_transaction_start(xs, &tx));
	} else if (!strcmp(c, "txend") && argc == 2) {
		rc = xs_transaction_end(xs, tx, argv[1][0] == 'F');
		tx = XS_NO_TX;
		result(rc);
	} else if (!strcmp(c, "control") && argc >= 2) {
		rc = xs_control(xs, (const char *const *)argv + 1, argc - 1, &v);
		if (rc)
			result(rc);
		else
			printf("%s\n", v), free(v);
	} else if (!strcmp(c, "oversized")) {
		struct xs_msg_hdr h = {XS_READ, 1, 0, XS_PAYLOAD_MAX + 1};

		result(raw_send(&h, sizeof(h)));
	} else if (!strcmp(c, "garbage") && argc == 2) {
		char junk[4096];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(i * 131 + 7);
		for (int i = 0; i < atoi(argv[1]); i++)
			raw_send(junk, sizeof(junk));
		printf("sent\n");
	} else if (!strcmp(c, "split") && argc == 3) {
		cmd_split(argv[1], argv[2]);
	} else if (!strcmp(c, "conns") && argc == 2) {
		cmd_conns(atoi(argv[1]));
	} else if (!strcmp(c, "alive")) {
		cmd_alive();
	} else {
		printf("ERR usage\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char line[8192];
	int rc;

	(void)argc;
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	rc = xs_open(NULL, &xs);
	if (rc)
		fatalx("cannot connect to %s: %s", xs_socket_path(), log_strerror(rc));
	while (fgets(line, sizeof(line), stdin)) {
		char *args[MAXARGS], *save, *t;
		int n = 0;

		for (t = strtok_r(line, " \t\n", &save); t && n < MAXARGS; t = strtok_r(NULL, " \t\n", &save))
			args[n++] = t;
		if (n)
			run(n, args);
	}
	xs_close(xs);
	return 0;
}
