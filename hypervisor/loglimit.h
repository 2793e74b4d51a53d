/*
 * Messages a guest can cause at will (an unknown shutdown code, a vCPU it
 * asks for twice, a device it breaks in a loop) are logged at most
 * LOGLIMIT_BURST times a second per call site, so that a hostile guest
 * cannot fill dom0's disk with the domain's log. The last one let through
 * in a second says that more are being dropped.
 *
 *	static struct loglimit lim;
 *	log_warnx_limited(&lim, "guest wrote unknown shutdown code %u; ignored", how);
 */
#ifndef HV_LOGLIMIT_H
#define HV_LOGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define LOGLIMIT_BURST	   8
#define LOGLIMIT_WINDOW_NS 1000000000ULL

struct loglimit {
	uint64_t window_ns; /* start of the current second */
	unsigned count;	    /* messages in it, logged or not */
};

/* 0: drop the message; 1: log it; 2: log it, and say the next ones are dropped. */
int loglimit_take(struct loglimit *l, uint64_t now_ns);
void log_warnx_limited(struct loglimit *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
