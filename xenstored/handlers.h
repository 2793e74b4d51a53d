/* Request handlers, split by topic; the table is in handlers.c. */
#ifndef XENON_XS_HANDLERS_H
#define XENON_XS_HANDLERS_H

#include "xenstored.h"

/* The request's NUL-terminated strings: up to max into argv; -EINVAL when
 * the payload does not end in NUL. */
int req_args(const struct req *r, const char **argv, int max);
/* Resolve a path argument for this connection (quota path-max included). */
int req_path(const struct req *r, const char *in, bool special, char *out, size_t len);
int parse_domid(const char *s, uint32_t *domid);

/* handlers_node.c */
int do_read(struct req *r);
int do_write(struct req *r);
int do_mkdir(struct req *r);
int do_rm(struct req *r);
int do_directory(struct req *r);
int do_directory_part(struct req *r);
int do_get_perms(struct req *r);
int do_set_perms(struct req *r);

/* handlers_domain.c */
int do_watch(struct req *r);
int do_unwatch(struct req *r);
int do_transaction_start(struct req *r);
int do_transaction_end(struct req *r);
int do_introduce(struct req *r);
int do_release(struct req *r);
int do_get_domain_path(struct req *r);
int do_is_domain_introduced(struct req *r);
int do_resume(struct req *r);
int do_set_target(struct req *r);
int do_reset_watches(struct req *r);
/* @introduceDomain, @releaseDomain: nodes with permissions only (NULL for other paths). */
struct node *special_node(const char *path);
void special_set_perms(struct node *n, const struct xs_perm *perms, uint32_t count);

const char *handler_name(uint32_t type);

/* control.c */
int do_control(struct req *r);

#endif
