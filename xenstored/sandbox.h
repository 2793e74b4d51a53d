/*
 * xenstored's sandbox (xenstored(8), SANDBOX): once its socket listens and
 * its journal is open, the daemon becomes its own user (--user), keeps no
 * capabilities, sets no_new_privs and enters its seccomp filter
 * (seccomp_rules.c, compiled at build time; sandbox_seccomp.c). --no-sandbox keeps all of it off, with a warning.
 */
#ifndef XENON_XENSTORED_SANDBOX_H
#define XENON_XENSTORED_SANDBOX_H

#include <stdbool.h>

/* Exit status after a forbidden system call (as a shell reports SIGSYS: 128 + 31). */
#define XSD_EXIT_SECCOMP 159

struct xsd_sandbox {
	bool off;	       /* --no-sandbox */
	const char *user;      /* --user NAME or UID[:GID]; NULL: stay who we are */
	const char *state_dir; /* chowned to the user (NULL: -I) */
	const char *socket;    /* its directory chowned to the user if it is xenstored's own */
	int log_fd;	       /* where a seccomp violation is reported besides stderr */
};

/* 0, or -errno after a log line (the daemon must not serve half-sandboxed). */
int xsd_sandbox_enter(const struct xsd_sandbox *sb);
/* The seccomp filter built (before start: the daemon serves sooner once
 * listening), then entered by the calling (only) thread, no_new_privs set. */
int xsd_seccomp_prepare(void);
int xsd_seccomp_enter(int log_fd);

#endif
