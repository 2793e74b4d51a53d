/*
 * xenon-exporter: libxl's statistics (libxl_domain_stats_sample) in the
 * Prometheus text format at /metrics. main.c: options, daemon, the sampling
 * loop; metrics.c: a sample as Prometheus text; http.c: the HTTP server
 * (libmicrohttpd), which only ever hands out the latest text, so a scrape
 * never waits for a domain.
 */
#ifndef XENON_EXPORTER_H
#define XENON_EXPORTER_H

#include <stddef.h>

#include "libxl/libxl.h"

/* A growable text buffer. */
struct xe_buf {
	char *p;
	size_t len, cap;
	int err; /* -ENOMEM once an append failed */
};
void xe_printf(struct xe_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "xenon-exporter: ..." on stderr (libxl takes common/log.h's messages for its logger). */
void xe_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The Prometheus text of one sample (took_ns: how long it took). */
int xe_format(struct xe_buf *b, const libxl_stats_sample *s, uint64_t took_ns);

/* The text the server hands out: set it (takes b's memory) and copy it. */
void xe_publish(struct xe_buf *b);

struct MHD_Daemon;
/* Serve /metrics on addr (IPv4 or IPv6 literal) and port; NULL on failure (said). */
struct MHD_Daemon *xe_http_start(const char *addr, unsigned port);
void xe_http_stop(struct MHD_Daemon *d);

#endif
