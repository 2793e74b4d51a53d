/*
 * The table as Xen's xentop prints it: one header (or one per domain with
 * -r), a row per domain, and the vCPU (-v), network (-n) and vbd (-x)
 * sub-rows; to stdout in batch mode, to the screen otherwise.
 */
#include "xentop/xentop.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void xt_print(const struct xt_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!st->curses)
		vprintf(fmt, ap);
	else if (getcury(stdscr) < getmaxy(stdscr) - 1)
		vw_printw(stdscr, fmt, ap);
	va_end(ap);
}

void xt_attr(const struct xt_state *st, int attr, bool on)
{
	if (!st->curses)
		return;
	if (on)
		attron(attr);
	else
		attroff(attr);
}

static void render_header(const struct xt_state *st)
{
	xt_attr(st, A_REVERSE, true);
	for (unsigned i = 0; i < XT_NR_FIELDS; i++) {
		if (i)
			xt_print(st, " ");
		xt_attr(st, A_BOLD, i == st->sort_field);
		xt_print(st, "%*s", (int)st->width[i], xt_fields[i].header);
		if (i == st->sort_field)
			xt_attr(st, A_BOLD, false);
	}
	xt_attr(st, A_REVERSE, false);
	xt_print(st, "\n");
}

static void render_domain(const struct xt_state *st, const libxl_domain_stats *d)
{
	char cell[128];

	for (unsigned i = 0; i < XT_NR_FIELDS; i++) {
		if (i)
			xt_print(st, " ");
		xt_fields[i].format(st, d, st->width[i], cell, sizeof(cell));
		xt_attr(st, A_BOLD, i == st->sort_field);
		xt_print(st, "%s", cell);
		if (i == st->sort_field)
			xt_attr(st, A_BOLD, false);
	}
	xt_print(st, "\n");
}

static void render_vcpus(const struct xt_state *st, const libxl_domain_stats *d)
{
	xt_print(st, "VCPUs(sec): ");
	for (int i = 0; i < d->num_vcpus; i++) {
		if (!d->vcpus[i].online)
			continue;
		if (i != 0 && i % 5 == 0)
			xt_print(st, "\n        ");
		xt_print(st, " %2u: %10llus", (unsigned)i,
			 (unsigned long long)(d->vcpus[i].cpu_time_ns / 1000000000ull));
	}
	xt_print(st, "\n");
}

static void render_networks(const struct xt_state *st, const libxl_domain_stats *d)
{
	for (int i = 0; i < d->num_vifs; i++) {
		const libxl_vif_stats *v = &d->vifs[i];

		xt_print(st, "Net%d RX: %8llubytes %8llupkts %8lluerr %8lludrop  ", i,
			 (unsigned long long)v->rx_bytes, (unsigned long long)v->rx_packets,
			 (unsigned long long)v->rx_errors, (unsigned long long)v->rx_drops);
		xt_print(st, "TX: %8llubytes %8llupkts %8lluerr %8lludrop\n", (unsigned long long)v->tx_bytes,
			 (unsigned long long)v->tx_packets, (unsigned long long)v->tx_errors,
			 (unsigned long long)v->tx_drops);
	}
}

static void render_vbds(const struct xt_state *st, const libxl_domain_stats *d)
{
	for (int i = 0; i < d->num_vbds; i++) {
		const libxl_vbd_stats *v = &d->vbds[i];
		unsigned dev = (unsigned)v->devid;

		/* Xen's "[major:minor] " of the virtual device number (51712: [ca: 0]). */
		xt_print(st,
			 "VBD %s %4d [%2x:%2x]  OO: %8llu   RD: %8llu   WR: %8llu   RSECT: %10llu   WSECT: "
			 "%10llu\n",
			 "BlkBack", (int)v->devid, dev >> 8, dev & 0xff, (unsigned long long)v->oo_reqs,
			 (unsigned long long)v->rd_reqs, (unsigned long long)v->wr_reqs,
			 (unsigned long long)v->rd_sectors, (unsigned long long)v->wr_sectors);
	}
}

void xt_render_table(struct xt_state *st)
{
	if (st->nr && st->first_index >= (unsigned)st->nr)
		st->first_index = (unsigned)st->nr - 1;
	xt_adjust_widths(st);
	for (int i = (int)st->first_index; i < st->nr; i++) {
		const libxl_domain_stats *d = st->order[i];

		if (st->curses && getcury(stdscr) >= getmaxy(stdscr) - 1)
			break;
		if (i == (int)st->first_index || st->o.repeat)
			render_header(st);
		render_domain(st, d);
		if (st->o.vcpus)
			render_vcpus(st, d);
		if (st->o.networks)
			render_networks(st, d);
		if (st->o.vbds)
			render_vbds(st, d);
	}
}

void xt_render_summary(const struct xt_state *st)
{
	unsigned run = 0, block = 0, pause = 0, crash = 0, dying = 0, shutdown = 0;
	time_t now = (time_t)(st->cur.realtime_ns / 1000000000ull);
	unsigned long long total = st->phys.total_kib, free_k = st->phys.free_kib;
	char when[16];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	xt_print(st, "xentop - %s   Xen %s\n", when, st->version);
	/* Xen counts each domain once, by the first of these it is. */
	for (int i = 0; i < st->nr; i++) {
		const libxl_domain_stats *d = &st->cur.domains[i];

		if (d->running)
			run++;
		else if (d->blocked)
			block++;
		else if (d->paused)
			pause++;
		else if (d->shutdown)
			shutdown++;
		else if (d->crashed)
			crash++;
		else if (d->dying)
			dying++;
	}
	xt_print(st, "%u domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u shutdown \n",
		 (unsigned)st->nr, run, block, pause, crash, dying, shutdown);
	xt_print(st, "Mem: %lluk total, %lluk used, %lluk free    ", total, total - free_k, free_k);
	xt_print(st, "CPUs: %u @ %uMHz\n", st->phys.nr_cpus, st->phys.cpu_khz / 1000);
}
