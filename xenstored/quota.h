/*
 * Per-domain quotas with Xen's defaults. They apply to unprivileged
 * connections (guests and connections that became a domain); dom0's socket
 * connections are exempt, as in Xen. Set by options (-E, -W, -t, -S, -A, -M,
 * -Q name=value) or at run time with CONTROL "quota" "<name>" "<value>".
 */
#ifndef XENON_XS_QUOTA_H
#define XENON_XS_QUOTA_H

#include <stddef.h>
#include <stdint.h>

enum quota_kind {
	QUOTA_NODES,	    /* nodes a domain owns: 1000 */
	QUOTA_WATCHES,	    /* watches per domain: 128 */
	QUOTA_TRANSACTIONS, /* open transactions per connection: 10 */
	QUOTA_OUTSTANDING,  /* requests queued per connection: 20 */
	QUOTA_NODE_SIZE,    /* value + permissions + child names: 2048 */
	QUOTA_PERMS,	    /* permission entries per node: 5 */
	QUOTA_PATH_MAX,	    /* path length below the domain's home: 2048 */
	QUOTA_TX_NODES,	    /* nodes one transaction may touch: 1024 */
	QUOTA_COUNT
};

extern unsigned quota_limit[QUOTA_COUNT];

/* Hard bounds for every connection, dom0's too, so none grows without end. */
#define CONN_TXS_MAX 1024
#define CONN_WATCHES_MAX 8192

/* Set a quota by name ("nodes"...): "name=value" (for -Q) or name and value. */
int quota_set(const char *name, const char *value);
/* The settings as Xen's xenstored lists them. */
int quota_format(char *buf, size_t len);

#endif
