/*
 * The xenstore-* clients: one multi-call program (xenstored/xenstore),
 * invoked as xenstore-<mode> or "xenstore <mode>", with the option syntax,
 * output and exit codes of Xen's (Debian's xenstore-utils 4.17), written
 * against the public libxenstore API (xenstore.h), as Xen's are.
 */
#ifndef XENON_XS_CLIENT_H
#define XENON_XS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xenstore.h>

struct client {
	const char *mode;     /* "read", "write", ... */
	const char *progname; /* argv[0] as invoked, for usage */
	struct xs_handle *xs;
	xs_transaction_t tx;
	int argc; /* operands after the options */
	char **argv;
	FILE *out; /* buffered output of this attempt */
	bool prefix, tidy, upto, recurse, raw, full, json;
	long watch_nr;
};

/* Values as Xen's clients show them: printable ASCII as is, \t \n \r \\,
 * \ooo below 8, \xHH otherwise. Returns a malloc'd string. */
char *value_escape(const char *val, size_t len);
/* The reverse, for xenstore-write (out has room for strlen(in) bytes). */
size_t value_unescape(const char *in, char *out);

/* The modes (client_ops.c, client_ls.c): 0 on success, 1 on failure. */
int mode_read(struct client *c);
int mode_write(struct client *c);
int mode_rm(struct client *c);
int mode_exists(struct client *c);
int mode_list(struct client *c);
int mode_chmod(struct client *c);
int mode_ls(struct client *c);
int mode_watch(struct client *c);
int mode_control(struct client *c);

#endif
