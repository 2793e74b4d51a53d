/*
 * Paths and permissions, Xen's rules (docs/misc/xenstore.txt):
 * paths use [A-Za-z0-9-/_@], no doubled or trailing '/', at most
 * XS_ABS_PATH_MAX bytes; relative paths resolve under /local/domain/<domid>.
 * Permission lists are "<letter><domid>" entries: the first names the owner
 * (full access) and gives everyone else's default; later ones are ACL entries.
 */
#ifndef XENON_XS_PERMS_H
#define XENON_XS_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Who is asking: a connection's identity. */
struct xs_who {
	uint32_t domid;
	bool priv;	/* dom0 socket connection: every access */
	int64_t target; /* SET_TARGET: full access to this domain's nodes, or -1 */
};

/* Resolve in (absolute, relative or, if allow_special, "@name") into out. */
int path_resolve(uint32_t domid, const char *in, bool allow_special, char *out, size_t len);
bool path_is_valid(const char *abs);
/* "/local/domain/<domid>" */
int path_domain_home(uint32_t domid, char *out, size_t len);
/* The path as a watch of domid sees it: relative when under its home. */
const char *path_relative_to(const char *abs, const char *home);

int perm_parse(const char *s, struct xs_perm *p);
/* "b0" etc.; returns the length written (without NUL) or -ENAMETOOLONG. */
int perm_format(const struct xs_perm *p, char *buf, size_t len);
/* Parse count NUL-separated entries from buf[0..len). */
int perms_parse_list(const char *buf, size_t len, struct xs_perm *out, unsigned max, unsigned *count);

/* The XS_PERM_* bits who has on a node with these permissions. */
unsigned perm_access(const struct xs_who *who, const struct xs_perm *perms, uint32_t nperms);
static inline bool perm_can(const struct xs_who *who, const struct node *n, unsigned want)
{
	return (perm_access(who, n->perms, n->nperms) & want) == want;
}
/* Owns n as Xen's SET_PERMS requires: dom0, the owner, or the domain the owner is the target of. */
bool perm_owns(const struct xs_who *who, const struct node *n);

#endif
