/*
 * libxenstore: Xen's public API (xenstore.h) over libxs (xs.h). Each call
 * maps the negative errno of the xsc_ call to errno and Xen's NULL/false.
 */
#include <xenstore.h>

#include "xs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_wire.h"

/* Handles opened with XS_UNWATCH_FILTER; a handle is the xsc one, so the
 * flag lives here, in a short list (handles are few). */
struct filter_entry {
	struct filter_entry *next;
	struct xs_handle *h;
};
static struct filter_entry *filters;

static bool has_filter(struct xs_handle *h)
{
	for (struct filter_entry *f = filters; f; f = f->next)
		if (f->h == h)
			return true;
	return false;
}

static void forget_filter(struct xs_handle *h)
{
	for (struct filter_entry **pp = &filters; *pp; pp = &(*pp)->next)
		if ((*pp)->h == h) {
			struct filter_entry *f = *pp;

			*pp = f->next;
			free(f);
			return;
		}
}

/* rc < 0 -> errno, false; else true. */
static bool ok(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return false;
	}
	return true;
}

struct xs_handle *xs_open(unsigned long flags)
{
	struct xs_handle *h;
	int rc = xsc_open(xs_daemon_socket(), &h);

	if (!ok(rc))
		return NULL;
	if (flags & XS_UNWATCH_FILTER) {
		struct filter_entry *f = malloc(sizeof(*f));

		if (!f) {
			xsc_close(h);
			errno = ENOMEM;
			return NULL;
		}
		*f = (struct filter_entry){filters, h};
		filters = f;
	}
	return h;
}

void xs_close(struct xs_handle *xsh)
{
	if (!xsh)
		return;
	forget_filter(xsh);
	xsc_close(xsh);
}

struct xs_handle *xs_daemon_open(void)
{
	return xs_open(0);
}

struct xs_handle *xs_domain_open(void)
{
	return xs_open(0);
}

struct xs_handle *xs_daemon_open_readonly(void)
{
	return xs_open(XS_OPEN_READONLY);
}

void xs_daemon_close(struct xs_handle *h)
{
	xs_close(h);
}

void xs_daemon_destroy_postfork(struct xs_handle *h)
{
	xs_close(h);
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
	char **names;
	unsigned n;

	if (!ok(xsc_directory(h, t, path, &names, &n)))
		return NULL;
	*num = n;
	return names;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
	char *v;
	size_t l;

	if (!ok(xsc_read(h, t, path, &v, &l)))
		return NULL;
	if (len)
		*len = l;
	return v;
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data, unsigned int len)
{
	return ok(xsc_write(h, t, path, data, len));
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return ok(xsc_mkdir(h, t, path));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return ok(xsc_rm(h, t, path));
}

bool xs_restrict(struct xs_handle *h, unsigned domid)
{
	(void)h;
	(void)domid;
	errno = ENOSYS;
	return false;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
					  unsigned int *num)
{
	struct xs_permissions *perms;
	char **strs;
	unsigned n;

	if (!ok(xsc_get_perms(h, t, path, &strs, &n)))
		return NULL;
	perms = malloc((n ? n : 1) * sizeof(*perms));
	if (!perms) {
		free(strs);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if (!xs_strings_to_perms(&perms[i], 1, strs[i])) {
			free(strs);
			free(perms);
			errno = EIO; /* a reply we cannot read */
			return NULL;
		}
	free(strs);
	*num = n;
	return perms;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path, struct xs_permissions *perms,
			unsigned int num_perms)
{
	char(*bufs)[XS_PERM_STRING_MAX] = malloc((num_perms ? num_perms : 1) * sizeof(*bufs));
	const char **strs = malloc((num_perms ? num_perms : 1) * sizeof(*strs));
	bool rc = false;

	if (!bufs || !strs) {
		errno = ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < num_perms; i++) {
		if (!xs_perm_to_string(&perms[i], bufs[i], sizeof(bufs[i])))
			goto out;
		strs[i] = bufs[i];
	}
	rc = ok(xsc_set_perms(h, t, path, strs, num_perms));
out:
	free(bufs);
	free(strs);
	return rc;
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	return ok(xsc_watch(h, path, token));
}

int xs_fileno(struct xs_handle *h)
{
	int fd = xsc_watch_fd(h);

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

/* An event as Xen hands it out: { path, token } and the strings, one block. */
static char **event_vec(char *path, char *token)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	char **vec = malloc(2 * sizeof(char *) + pl + tl);

	if (vec) {
		vec[XS_WATCH_PATH] = memcpy((char *)(vec + 2), path, pl);
		vec[XS_WATCH_TOKEN] = memcpy((char *)(vec + 2) + pl, token, tl);
	} else {
		errno = ENOMEM;
	}
	free(path);
	free(token);
	return vec;
}

static char **next_event(struct xs_handle *h, int timeout_ms)
{
	char *path, *token;
	int rc = xsc_read_watch(h, timeout_ms, &path, &token);

	if (rc == -ETIMEDOUT)
		rc = -EAGAIN;
	if (!ok(rc))
		return NULL;
	return event_vec(path, token);
}

char **xs_check_watch(struct xs_handle *h)
{
	return next_event(h, 0);
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
	char **vec = next_event(h, -1);

	if (vec && num)
		*num = 2;
	return vec;
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	if (!ok(xsc_unwatch(h, path, token)))
		return false;
	if (has_filter(h))
		xsc_drop_events(h, path, token);
	return true;
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	uint32_t t;

	if (!ok(xsc_transaction_start(h, &t)))
		return XBT_NULL;
	return t;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	return ok(xsc_transaction_end(h, t, abort));
}

/* A request whose payload is NUL-separated decimal numbers; the reply, when wanted. */
static bool numbers_request(struct xs_handle *h, uint32_t type, const unsigned long *nums, unsigned n,
			    char **reply)
{
	char buf[96];
	size_t len = 0;

	for (unsigned i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%lu", nums[i]) + 1;
	return ok(xsc_request(h, type, XBT_NULL, buf, len, reply, NULL));
}

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn, unsigned int eventchn)
{
	const unsigned long nums[] = {domid, mfn, eventchn};

	return numbers_request(h, XS_INTRODUCE, nums, 3, NULL);
}

bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target)
{
	const unsigned long nums[] = {domid, target};

	return numbers_request(h, XS_SET_TARGET, nums, 2, NULL);
}

bool xs_resume_domain(struct xs_handle *h, unsigned int domid)
{
	const unsigned long nums[] = {domid};

	return numbers_request(h, XS_RESUME, nums, 1, NULL);
}

bool xs_release_domain(struct xs_handle *h, unsigned int domid)
{
	return ok(xsc_release_domain(h, domid));
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
	char *path;

	if (!ok(xsc_get_domain_path(h, domid, &path)))
		return NULL;
	return path;
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	const unsigned long nums[] = {domid};
	char *reply;
	bool yes;

	if (!numbers_request(h, XS_IS_DOMAIN_INTRODUCED, nums, 1, &reply))
		return false;
	yes = strcmp(reply, "F") != 0;
	free(reply);
	return yes;
}

char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
	size_t cl = strlen(cmd) + 1;
	char *buf = malloc(cl + len), *reply;
	int rc;

	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(buf, cmd, cl);
	if (len)
		memcpy(buf + cl, data, len);
	rc = xsc_request(h, XS_CONTROL, XBT_NULL, buf, cl + len, &reply, NULL);
	free(buf);
	if (!ok(rc))
		return NULL;
	return reply;
}

char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
	return xs_control_command(h, cmd, data, len);
}

int xs_suspend_evtchn_port(int domid)
{
	struct xs_handle *h = xs_open(0);
	char path[80], *v, *end;
	long port = -1;

	if (!h)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%d/device/suspend/event-channel", domid);
	v = xs_read(h, XBT_NULL, path, NULL);
	if (v) {
		port = strtol(v, &end, 10);
		if (end == v || *end || port < 0 || port > INT32_MAX)
			port = -1;
	}
	free(v);
	xs_close(h);
	return (int)port;
}
