/*
 * The control socket's file (control_file.c): made, published, removed.
 *
 * A restoring xenon-hv binds its socket under a hidden name
 * (hvctl_incoming_socket: ".N.sock.incoming") and renames it into place only
 * once the whole stream is in and applied, so that the toolstack, which
 * waits for the name to appear, never talks to a domain that is not there
 * yet. Sandboxed under its own uid, xenon-hv can neither rename nor unlink
 * in root's directory: a child forked before the drop (the unlinker), root,
 * holding only the directory and a socket to xenon-hv, does both.
 */
#ifndef XENON_HV_CONTROL_FILE_H
#define XENON_HV_CONTROL_FILE_H

#include <sys/types.h>

struct ctl_file {
	char path[108];	    /* the name clients connect to */
	char incoming[108]; /* the hidden name, "" when bound under path at once */
	int dir_fd;	    /* the socket's directory (O_PATH): the sandbox hides the path */
	int unlinker_fd;    /* xenon-hv's end of the unlinker's socket, -1 if none */
	pid_t unlinker;
	int bound;     /* a file of ours exists */
	int published; /* it is under path */
	int asked;     /* the unlinker was asked to publish; its answer not read yet */
};

/* Binds fd under path (hidden: under its incoming name, path itself left
 * alone unless a dead xenon-hv left it), owner-only; -errno, said. */
int ctl_file_bind(struct ctl_file *f, int fd, const char *path, int hidden);
/* The root child that renames and removes the file later (ctl_file.h). */
int ctl_file_unlinker(struct ctl_file *f);
/* The hidden name becomes path (never replacing a file there); 0 when bound under path. */
int ctl_file_publish(struct ctl_file *f);
/* The unlinker asked to do it now (if there is one); ctl_file_publish then reads its answer. */
int ctl_file_publish_ask(struct ctl_file *f);
/* Removes the file (whichever name it has) and ends the unlinker. */
void ctl_file_remove(struct ctl_file *f);

#endif
