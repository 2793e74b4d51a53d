/* Message dispatch: the table indexed by message type, replies, argument helpers. */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "quota.h"
#include "strutil.h"
#include "transaction.h"
#include "watch.h"

#define H_PRIV 1 /* dom0 only (EACCES otherwise) */
#define H_TX   2 /* runs inside the transaction named by tx_id */

static const struct handler {
	const char *name;
	int (*fn)(struct req *r);
	unsigned flags;
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {"CONTROL", do_control, H_PRIV},
    [XS_DIRECTORY] = {"DIRECTORY", do_directory, H_TX},
    [XS_READ] = {"READ", do_read, H_TX},
    [XS_GET_PERMS] = {"GET_PERMS", do_get_perms, H_TX},
    [XS_WATCH] = {"WATCH", do_watch, 0},
    [XS_UNWATCH] = {"UNWATCH", do_unwatch, 0},
    [XS_TRANSACTION_START] = {"TRANSACTION_START", do_transaction_start, 0},
    [XS_TRANSACTION_END] = {"TRANSACTION_END", do_transaction_end, H_TX},
    [XS_INTRODUCE] = {"INTRODUCE", do_introduce, H_PRIV},
    [XS_RELEASE] = {"RELEASE", do_release, H_PRIV},
    [XS_GET_DOMAIN_PATH] = {"GET_DOMAIN_PATH", do_get_domain_path, 0},
    [XS_WRITE] = {"WRITE", do_write, H_TX},
    [XS_MKDIR] = {"MKDIR", do_mkdir, H_TX},
    [XS_RM] = {"RM", do_rm, H_TX},
    [XS_SET_PERMS] = {"SET_PERMS", do_set_perms, H_TX},
    [XS_IS_DOMAIN_INTRODUCED] = {"IS_DOMAIN_INTRODUCED", do_is_domain_introduced, H_PRIV},
    [XS_RESUME] = {"RESUME", do_resume, H_PRIV},
    [XS_SET_TARGET] = {"SET_TARGET", do_set_target, H_PRIV},
    [XS_RESET_WATCHES] = {"RESET_WATCHES", do_reset_watches, 0},
    [XS_DIRECTORY_PART] = {"DIRECTORY_PART", do_directory_part, H_TX},
};

int reply(struct req *r, const void *data, size_t len)
{
	return conn_queue(r->conn, r->hdr.type, r->hdr.req_id, r->hdr.tx_id, data, len);
}

int reply_ok(struct req *r)
{
	return reply(r, "OK", 3);
}

static void reply_error(struct req *r, int err)
{
	const char *name = xs_errno_name(err);

	conn_queue(r->conn, XS_ERROR, r->hdr.req_id, r->hdr.tx_id, name, strlen(name) + 1);
}

void emit_change(struct req *r, const char *path, const struct xs_perm *perms, uint32_t nperms,
		 bool recursive)
{
	if (r->tx)
		tx_queue_event(r->tx, path, perms, nperms, recursive);
	else
		watch_fire(path, perms, nperms, recursive);
}

int req_args(const struct req *r, const char **argv, int max)
{
	uint32_t off = 0;
	int n = 0;

	if (!r->hdr.len || r->data[r->hdr.len - 1])
		return -EINVAL;
	while (off < r->hdr.len && n < max) {
		argv[n++] = r->data + off;
		off += strlen(r->data + off) + 1;
	}
	return n;
}

int req_path(const struct req *r, const char *in, bool special, char *out, size_t len)
{
	const struct xs_who *who = &r->conn->who;
	char home[64];
	int rc = path_resolve(who->domid, in, special, out, len);

	if (rc || who->priv || out[0] == '@')
		return rc;
	path_domain_home(who->domid, home, sizeof(home));
	if (strlen(path_relative_to(out, home)) > quota_limit[QUOTA_PATH_MAX])
		return -EINVAL;
	return 0;
}

int parse_domid(const char *s, uint32_t *domid)
{
	uint64_t v;

	if (parse_u64(s, XS_DOMID_MAX, &v))
		return -EINVAL;
	*domid = v;
	return 0;
}

static int dispatch(struct req *r)
{
	const struct handler *h = r->hdr.type < XS_TYPE_COUNT ? &handlers[r->hdr.type] : NULL;
	struct conn *c = r->conn;

	if (!h || !h->fn)
		return -ENOSYS;
	if ((h->flags & H_PRIV) && !c->who.priv)
		return -EACCES;
	r->st = xs_store;
	if ((h->flags & H_TX) && r->hdr.tx_id) {
		r->tx = tx_find(c, r->hdr.tx_id);
		if (!r->tx)
			return -ENOENT;
		r->st = r->tx->view;
		/* over its limit, a transaction can only end (its commit fails) */
		if (r->hdr.type != XS_TRANSACTION_END && tx_over_limit(c, r->tx))
			return -ENOSPC;
	}
	if (!c->who.priv)
		c->who.target = domain_target(c->who.domid);
	return h->fn(r);
}

void handle_message(struct conn *c)
{
	struct req r = {.conn = c};
	int rc;

	memcpy(&r.hdr, c->in, sizeof(r.hdr));
	r.data = c->in + XS_HDR_SIZE;
	c->in[XS_HDR_SIZE + r.hdr.len] = 0;
	trace_msg(c, "IN ", &r.hdr, r.data);
	rc = dispatch(&r);
	if (rc < 0)
		reply_error(&r, rc);
}

const char *handler_name(uint32_t type)
{
	if (type == XS_ERROR)
		return "ERROR";
	if (type == XS_WATCH_EVENT)
		return "WATCH_EVENT";
	return type < XS_TYPE_COUNT && handlers[type].name ? handlers[type].name : "UNKNOWN";
}
