/*
 * xentop: Xen's xentop(1) on libxl's statistics (libxl_domain_stats_sample).
 * The parts: main.c (options), sample.c (samples, CPU%, totals, sorting),
 * fields.c (the column table), render.c (the table, shared by the batch
 * output and the screen), batch.c, json.c (-j), screen.c (ncurses).
 */
#ifndef XENON_XENTOP_H
#define XENON_XENTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxl/libxl.h"

#define XENTOP_VERSION "1.0"

/* Xen's columns, in Xen's order. */
enum xt_field_id {
	XT_NAME,
	XT_STATE,
	XT_CPU,
	XT_CPU_PCT,
	XT_MEM,
	XT_MEM_PCT,
	XT_MAXMEM,
	XT_MAX_PCT,
	XT_VCPUS,
	XT_NETS,
	XT_NET_TX,
	XT_NET_RX,
	XT_VBDS,
	XT_VBD_OO,
	XT_VBD_RD,
	XT_VBD_WR,
	XT_VBD_RSECT,
	XT_VBD_WSECT,
	XT_SSID,
	XT_NR_FIELDS
};

struct xt_opts {
	double delay_s;	 /* -d */
	long iterations; /* -i; 0: until stopped */
	int timeout_ms;	 /* how long a sample waits for a slow xenon-hv */
	bool batch;	 /* -b */
	bool json;	 /* -j (beyond Xen) */
	bool vcpus;	 /* -v */
	bool networks;	 /* -n */
	bool vbds;	 /* -x */
	bool repeat;	 /* -r */
	bool full_name;	 /* -f */
	bool dom0_first; /* -z */
};

struct xt_state {
	struct xt_opts o;
	libxl_ctx *ctx;
	libxl_stats_sample prev, cur;
	bool have_prev;
	libxl_physinfo phys;
	const char *version;
	/* The domains of cur in display order. */
	const libxl_domain_stats **order;
	int nr;
	unsigned sort_field;  /* enum xt_field_id; Xen starts with NAME */
	unsigned first_index; /* the first domain shown (arrows scroll) */
	unsigned width[XT_NR_FIELDS];
	bool curses; /* printing to the screen, not stdout */
};

/* ---- sample.c ---- */
/* Take the next sample (cur becomes prev); 0 or -errno. */
int xt_sample(struct xt_state *st);
/* Sort cur into st->order by st->sort_field (Domain-0 first with -z). */
int xt_sort(struct xt_state *st);
/* CPU(%) of d between the previous sample and this one (0 without one). */
double xt_cpu_pct(const struct xt_state *st, const libxl_domain_stats *d);
/* Sums over d's NICs (tx: what the guest sent) and disks. */
uint64_t xt_net_bytes(const libxl_domain_stats *d, bool rx);
enum xt_vbd_sum { XT_SUM_OO, XT_SUM_RD, XT_SUM_WR, XT_SUM_RSECT, XT_SUM_WSECT };
uint64_t xt_vbd_sum(const libxl_domain_stats *d, enum xt_vbd_sum what);
/* Xen's STATE letters "dsbcpr" into out[7]. */
void xt_state_letters(const libxl_domain_stats *d, char out[7]);
void xt_free(struct xt_state *st);

/* ---- fields.c ---- */
struct xt_field {
	const char *header;
	unsigned default_width;
	/* qsort-style, in Xen's direction (most first, except NAME, STATE, SSID). */
	int (*compare)(const struct xt_state *st, const libxl_domain_stats *a, const libxl_domain_stats *b);
	/* The cell, right-aligned in width. */
	void (*format)(const struct xt_state *st, const libxl_domain_stats *d, unsigned width, char *buf,
		       size_t len);
};
extern const struct xt_field xt_fields[XT_NR_FIELDS];
/* Xen's widths for this sample: numbers wider than a column widen it. */
void xt_adjust_widths(struct xt_state *st);

/* ---- render.c: what batch mode and the screen both print ---- */
/* printf to stdout (batch) or the screen (not past its last line). */
void xt_print(const struct xt_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xt_attr(const struct xt_state *st, int attr, bool on);
/* The table: header(s), the domains from first_index, their sub-rows. */
void xt_render_table(struct xt_state *st);
/* Xen's three summary lines (screen only). */
void xt_render_summary(const struct xt_state *st);

/* ---- batch.c, json.c, screen.c ---- */
int xt_run_batch(struct xt_state *st);
/* One JSON object per domain of the current sample, one a line. */
int xt_print_json(const struct xt_state *st);
int xt_run_screen(struct xt_state *st);
/* Sleep until the monotonic time next_ns, or until a stop signal. */
void xt_sleep_until(uint64_t next_ns);
uint64_t xt_now_ns(void);
/* Set by SIGINT, SIGTERM, SIGHUP, SIGQUIT (the signal's number). */
extern volatile int xt_stop_signal;
void xt_catch_signals(void);

#endif
