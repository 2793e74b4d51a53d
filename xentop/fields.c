/*
 * xentop's columns, as Xen's: header, width, sort order and cell format of
 * each. Sizes are in kB (MEM, NET), counts of requests and of 512-byte
 * sectors (VBD).
 */
#include "xentop/xentop.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef const struct xt_state S;
typedef const libxl_domain_stats D;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_double(double a, double b)
{
	return (a > b) - (a < b);
}

/* ---- keys ---- */

static uint64_t mem_k(D *d)
{
	return d->current_memkb;
}

static uint64_t maxmem_k(D *d)
{
	return d->max_memkb;
}

static double pct_of_host(S *st, uint64_t kib)
{
	return st->phys.total_kib ? (double)kib / (double)st->phys.total_kib * 100.0 : 0.0;
}

/* ---- compare functions ---- */

static int c_name(S *st, D *a, D *b)
{
	(void)st;
	return strcasecmp(a->name ? a->name : "", b->name ? b->name : "");
}

static int c_state(S *st, D *a, D *b)
{
	const bool fa[6] = {a->dying, a->shutdown, a->blocked, a->crashed, a->paused, a->running};
	const bool fb[6] = {b->dying, b->shutdown, b->blocked, b->crashed, b->paused, b->running};

	(void)st;
	for (int i = 0; i < 6; i++)
		if (fa[i] != fb[i])
			return fa[i] ? -1 : 1;
	return 0;
}

static int c_cpu(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64(a->cpu_time_ns, b->cpu_time_ns);
}

static int c_cpu_pct(S *st, D *a, D *b)
{
	return -cmp_double(xt_cpu_pct(st, a), xt_cpu_pct(st, b));
}

static int c_mem(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64(mem_k(a), mem_k(b));
}

static int c_maxmem(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64(maxmem_k(a), maxmem_k(b));
}

static int c_vcpus(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64((uint64_t)a->num_vcpus, (uint64_t)b->num_vcpus);
}

static int c_nets(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64((uint64_t)a->num_vifs, (uint64_t)b->num_vifs);
}

static int c_net_tx(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64(xt_net_bytes(a, false), xt_net_bytes(b, false));
}

static int c_net_rx(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64(xt_net_bytes(a, true), xt_net_bytes(b, true));
}

static int c_vbds(S *st, D *a, D *b)
{
	(void)st;
	return -cmp_u64((uint64_t)a->num_vbds, (uint64_t)b->num_vbds);
}

#define VBD_COMPARE(fn, what)                                                                                \
	static int fn(S *st, D *a, D *b)                                                                     \
	{                                                                                                    \
		(void)st;                                                                                    \
		return -cmp_u64(xt_vbd_sum(a, what), xt_vbd_sum(b, what));                                   \
	}
VBD_COMPARE(c_vbd_oo, XT_SUM_OO)
VBD_COMPARE(c_vbd_rd, XT_SUM_RD)
VBD_COMPARE(c_vbd_wr, XT_SUM_WR)
VBD_COMPARE(c_vbd_rsect, XT_SUM_RSECT)
VBD_COMPARE(c_vbd_wsect, XT_SUM_WSECT)

static int c_ssid(S *st, D *a, D *b)
{
	(void)st;
	return cmp_u64(a->ssidref, b->ssidref);
}

/* ---- cells ---- */

static void f_name(S *st, D *d, unsigned w, char *buf, size_t len)
{
	const char *name = d->name ? d->name : "";

	if (st->o.full_name)
		snprintf(buf, len, "%*s", (int)w, name);
	else
		snprintf(buf, len, "%10.10s", name);
}

static void f_state(S *st, D *d, unsigned w, char *buf, size_t len)
{
	char s[7];

	(void)st, (void)w;
	xt_state_letters(d, s);
	snprintf(buf, len, "%s", s);
}

static void f_cpu(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%10llu", (unsigned long long)(d->cpu_time_ns / 1000000000ull));
}

static void f_cpu_pct(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)w;
	snprintf(buf, len, "%6.1f", xt_cpu_pct(st, d));
}

static void f_mem(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%10llu", (unsigned long long)mem_k(d));
}

static void f_mem_pct(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)w;
	snprintf(buf, len, "%6.1f", pct_of_host(st, mem_k(d)));
}

static void f_maxmem(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%10llu", (unsigned long long)maxmem_k(d));
}

static void f_max_pct(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)w;
	snprintf(buf, len, "%9.1f", pct_of_host(st, maxmem_k(d)));
}

static void f_vcpus(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%5u", (unsigned)d->num_vcpus);
}

static void f_nets(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%4u", (unsigned)d->num_vifs);
}

static void f_net_tx(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st;
	snprintf(buf, len, "%*llu", (int)w, (unsigned long long)(xt_net_bytes(d, false) / 1024));
}

static void f_net_rx(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st;
	snprintf(buf, len, "%*llu", (int)w, (unsigned long long)(xt_net_bytes(d, true) / 1024));
}

static void f_vbds(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%4u", (unsigned)d->num_vbds);
}

static void f_vbd_oo(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%8llu", (unsigned long long)xt_vbd_sum(d, XT_SUM_OO));
}

#define VBD_FORMAT(fn, what)                                                                                 \
	static void fn(S *st, D *d, unsigned w, char *buf, size_t len)                                       \
	{                                                                                                    \
		(void)st;                                                                                    \
		snprintf(buf, len, "%*llu", (int)w, (unsigned long long)xt_vbd_sum(d, what));                \
	}
VBD_FORMAT(f_vbd_rd, XT_SUM_RD)
VBD_FORMAT(f_vbd_wr, XT_SUM_WR)
VBD_FORMAT(f_vbd_rsect, XT_SUM_RSECT)
VBD_FORMAT(f_vbd_wsect, XT_SUM_WSECT)

static void f_ssid(S *st, D *d, unsigned w, char *buf, size_t len)
{
	(void)st, (void)w;
	snprintf(buf, len, "%4u", (unsigned)d->ssidref);
}

const struct xt_field xt_fields[XT_NR_FIELDS] = {
    [XT_NAME] = {"NAME", 10, c_name, f_name},
    [XT_STATE] = {"STATE", 6, c_state, f_state},
    [XT_CPU] = {"CPU(sec)", 10, c_cpu, f_cpu},
    [XT_CPU_PCT] = {"CPU(%)", 6, c_cpu_pct, f_cpu_pct},
    [XT_MEM] = {"MEM(k)", 10, c_mem, f_mem},
    [XT_MEM_PCT] = {"MEM(%)", 6, c_mem, f_mem_pct},
    [XT_MAXMEM] = {"MAXMEM(k)", 10, c_maxmem, f_maxmem},
    [XT_MAX_PCT] = {"MAXMEM(%)", 9, c_maxmem, f_max_pct},
    [XT_VCPUS] = {"VCPUS", 5, c_vcpus, f_vcpus},
    [XT_NETS] = {"NETS", 4, c_nets, f_nets},
    [XT_NET_TX] = {"NETTX(k)", 8, c_net_tx, f_net_tx},
    [XT_NET_RX] = {"NETRX(k)", 8, c_net_rx, f_net_rx},
    [XT_VBDS] = {"VBDS", 4, c_vbds, f_vbds},
    [XT_VBD_OO] = {"VBD_OO", 8, c_vbd_oo, f_vbd_oo},
    [XT_VBD_RD] = {"VBD_RD", 8, c_vbd_rd, f_vbd_rd},
    [XT_VBD_WR] = {"VBD_WR", 8, c_vbd_wr, f_vbd_wr},
    [XT_VBD_RSECT] = {"VBD_RSECT", 10, c_vbd_rsect, f_vbd_rsect},
    [XT_VBD_WSECT] = {"VBD_WSECT", 10, c_vbd_wsect, f_vbd_wsect},
    [XT_SSID] = {"SSID", 4, c_ssid, f_ssid},
};

/* Digits of n (n >= 1). */
static unsigned digits(uint64_t n)
{
	unsigned k = 1;

	while (n >= 10) {
		n /= 10;
		k++;
	}
	return k;
}

static void widen(struct xt_state *st, enum xt_field_id f, uint64_t value)
{
	unsigned w = digits(value + 1);

	if (w > st->width[f])
		st->width[f] = w;
}

void xt_adjust_widths(struct xt_state *st)
{
	/* The name column only grows (-f); the counters' start again each time. */
	for (int f = 0; f < XT_NR_FIELDS; f++)
		if (f != XT_NAME || !st->width[f])
			st->width[f] = xt_fields[f].default_width;
	for (int i = (int)st->first_index; i < st->nr; i++) {
		const libxl_domain_stats *d = st->order[i];
		size_t n = d->name ? strlen(d->name) : 0;

		if (st->o.full_name && n > st->width[XT_NAME])
			st->width[XT_NAME] = (unsigned)n;
		widen(st, XT_NET_TX, xt_net_bytes(d, false) / 1024);
		widen(st, XT_NET_RX, xt_net_bytes(d, true) / 1024);
		widen(st, XT_VBD_RD, xt_vbd_sum(d, XT_SUM_RD));
		widen(st, XT_VBD_WR, xt_vbd_sum(d, XT_SUM_WR));
		widen(st, XT_VBD_RSECT, xt_vbd_sum(d, XT_SUM_RSECT));
		widen(st, XT_VBD_WSECT, xt_vbd_sum(d, XT_SUM_WSECT));
	}
}
