/* read, write, rm, exists, list, chmod, watch, control (client.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"

int mode_read(struct client *c)
{
	for (int i = 0; i < c->argc; i++) {
		char *val, *esc;
		unsigned int len;

		if (!(val = xs_read(c->xs, c->tx, c->argv[i], &len))) {
			log_warnx("couldn't read path %s", c->argv[i]);
			return 1;
		}
		if (c->prefix)
			fprintf(c->out, "%s: ", c->argv[i]);
		if (c->raw) { /* as Xen's: the bytes, no newline */
			fwrite(val, 1, len, c->out);
		} else {
			esc = value_escape(val, len);
			fprintf(c->out, "%s\n", esc ? esc : "");
			free(esc);
		}
		free(val);
	}
	return 0;
}

int mode_write(struct client *c)
{
	for (int i = 0; i + 1 < c->argc; i += 2) {
		const char *spec = c->argv[i + 1];
		char *val = malloc(strlen(spec) + 1);
		size_t len;
		bool ok;

		if (!val)
			return 1;
		if (c->raw) {
			len = strlen(spec);
			memcpy(val, spec, len);
		} else {
			len = value_unescape(spec, val);
		}
		ok = xs_write(c->xs, c->tx, c->argv[i], val, len);
		free(val);
		if (!ok) {
			log_warnx("could not write path %s", c->argv[i]);
			return 1;
		}
	}
	return 0;
}

/* With -t: also remove parents left empty (no value, no children). */
static int rm_tidy(struct client *c, char *path)
{
	for (;;) {
		char *slash, *val, **kids;
		unsigned int n, len;

		if (!xs_rm(c->xs, c->tx, path)) {
			log_warnx("could not remove path %s", path);
			return 1;
		}
		if (!c->tidy || !(slash = strrchr(path, '/')))
			return 0;
		*slash = 0;
		if (!path[0] || !(val = xs_read(c->xs, c->tx, path, &len)))
			return 0;
		free(val);
		if (len || !(kids = xs_directory(c->xs, c->tx, path, &n)))
			return 0;
		free(kids);
		if (n)
			return 0;
	}
}

int mode_rm(struct client *c)
{
	for (int i = 0; i < c->argc; i++) {
		char *path = strdup(c->argv[i]);
		int rc = path ? rm_tidy(c, path) : 1;

		free(path);
		if (rc)
			return 1;
	}
	return 0;
}

int mode_exists(struct client *c)
{
	for (int i = 0; i < c->argc; i++) {
		char *val;

		if (!(val = xs_read(c->xs, c->tx, c->argv[i], NULL)))
			return 1;
		free(val);
	}
	return 0;
}

int mode_list(struct client *c)
{
	for (int i = 0; i < c->argc; i++) {
		char **kids;
		unsigned int n;

		if (!(kids = xs_directory(c->xs, c->tx, c->argv[i], &n))) {
			log_warnx("could not list path %s", c->argv[i]);
			return 1;
		}
		for (unsigned k = 0; k < n; k++)
			fprintf(c->out, "%s%s%s\n", c->prefix ? c->argv[i] : "", c->prefix ? "/" : "",
				kids[k]);
		free(kids);
	}
	return 0;
}

#define CHMOD_PERMS_MAX 16
#define CHMOD_PATH_MAX	4096

static void chmod_one(struct client *c, char *path, struct xs_permissions *perms, unsigned n, bool upto,
		      bool recurse)
{
	if (!path[0])
		return;
	if (!xs_set_permissions(c->xs, c->tx, path, perms, n))
		fatalx("Error occurred setting permissions on '%s': %s", path, strerror(errno));
	if (upto) {
		char *slash = strrchr(path, '/');

		*slash = 0;
		chmod_one(c, path, perms, n, true, false);
		*slash = '/';
	}
	if (recurse) {
		char **kids, buf[CHMOD_PATH_MAX];
		unsigned int nk;

		if (!(kids = xs_directory(c->xs, c->tx, path, &nk)))
			return;
		for (unsigned i = 0; i < nk; i++) {
			snprintf(buf, sizeof(buf), "%s/%s", path, kids[i]);
			chmod_one(c, buf, perms, n, false, true);
		}
		free(kids);
	}
}

int mode_chmod(struct client *c)
{
	struct xs_permissions perms[CHMOD_PERMS_MAX];
	char spec[16], path[CHMOD_PATH_MAX];
	unsigned n = 0;

	for (int i = 1; i < c->argc; i++, n++) {
		const char *a = c->argv[i];

		if (n >= CHMOD_PERMS_MAX)
			fatalx("Too many permissions specified.  Maximum per invocation is %d.",
			       CHMOD_PERMS_MAX);
		if (!strchr("nrwb", a[0]) || !a[0])
			fatalx("Invalid permission specification: '%c'", a[0]);
		snprintf(spec, sizeof(spec), "%c%d", a[0], atoi(a + 1));
		xs_strings_to_perms(&perms[n], 1, spec);
	}
	snprintf(path, sizeof(path), "%s", c->argv[0]);
	if (c->upto && !strchr(path, '/'))
		fatalx("Unable to locate path separator '/' in '%s'", path);
	chmod_one(c, path, perms, n, c->upto, c->recurse);
	return 0;
}

int mode_watch(struct client *c)
{
	if (!xs_watch(c->xs, c->argv[0], "xenstore-watch"))
		fatalx("Unable to add watch on %s: %s", c->argv[0], strerror(errno));
	for (long seen = 0; !c->watch_nr || seen < c->watch_nr; seen++) {
		unsigned int num;
		char **vec = xs_read_watch(c->xs, &num);

		if (!vec)
			fatalx("lost the connection to xenstored: %s", strerror(errno));
		printf("%s\n", vec[XS_WATCH_PATH]);
		fflush(stdout);
		free(vec);
	}
	return 0;
}

int mode_control(struct client *c)
{
	char data[4096], *reply;
	size_t dl = 0;

	/* The arguments after the command, each with its NUL. */
	for (int i = 1; i < c->argc; i++) {
		size_t l = strlen(c->argv[i]) + 1;

		if (dl + l > sizeof(data)) {
			log_warnx("control command %s: arguments too long", c->argv[0]);
			return 1;
		}
		memcpy(data + dl, c->argv[i], l);
		dl += l;
	}
	reply = xs_control_command(c->xs, c->argv[0], data, dl);
	if (!reply) {
		log_warnx("control command %s failed: %s", c->argv[0], strerror(errno));
		return 1;
	}
	size_t len = strlen(reply);
	fprintf(c->out, "%s%s", reply, len && reply[len - 1] == '\n' ? "" : "\n");
	free(reply);
	return 0;
}
