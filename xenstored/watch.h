/*
 * Watches: (path, token) pairs a connection registers; a change at or below
 * the path (or, for a recursive removal, above it) queues a WATCH_EVENT
 * "<path>\0<token>\0" on the connection. Special paths @introduceDomain and
 * @releaseDomain fire only for exactly those events.
 */
#ifndef XENON_XS_WATCH_H
#define XENON_XS_WATCH_H

#include "xenstored.h"

/* Register and fire the initial event. -EEXIST for a duplicate, -E2BIG over quota. */
int watch_add(struct req *r, const char *path, const char *token);
int watch_remove(struct conn *c, const char *path, const char *token);
void watch_remove_all(struct conn *c);
/* Those c registered in this loop round (its replies were failed: journal). */
void watch_remove_round(struct conn *c, uint64_t round);
/* A change at abs path; perms (may be NULL) decide who may see it. */
void watch_fire(const char *path, const struct xs_perm *perms, uint32_t nperms, bool recursive);
/* Events queued for an accepted watch are sent after its reply. */
void watch_fire_initial(struct conn *c, const char *token_path, const char *token);

#endif
