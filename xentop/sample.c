/* xentop's samples: taking them, CPU(%) between two, totals, the display order. */
#include "xentop/xentop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int xt_sample(struct xt_state *st)
{
	libxl_stats_sample tmp;
	int rc;

	/* cur becomes prev; the old prev is refilled as the new cur. */
	tmp = st->prev;
	st->prev = st->cur;
	st->cur = tmp;
	st->have_prev = st->prev.timestamp_ns != 0;
	rc = libxl_domain_stats_sample(st->ctx, LIBXL_STATS_HOST, st->o.timeout_ms, &st->cur);
	if (rc < 0)
		return rc;
	/* the host's own figures: the claims would cost a round trip to every
	 * domain's xenon-hv each sample (and a timeout for a stuck one) */
	libxl_get_physinfo(NULL, &st->phys);
	return xt_sort(st);
}

static const libxl_domain_stats *find_prev(const struct xt_state *st, uint32_t domid)
{
	int lo = 0, hi = st->prev.num_domains - 1;

	/* The sample is by increasing domid. */
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		uint32_t id = st->prev.domains[mid].domid;

		if (id == domid)
			return &st->prev.domains[mid];
		if (id < domid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

double xt_cpu_pct(const struct xt_state *st, const libxl_domain_stats *d)
{
	const libxl_domain_stats *p;
	uint64_t t0, t1;

	if (!st->have_prev)
		return 0.0;
	p = find_prev(st, d->domid);
	/* A new domain (or a domid used again) has no previous time to compare with. */
	if (!p || !d->answered || !p->answered || d->cpu_time_ns < p->cpu_time_ns)
		return 0.0;
	t0 = p->sample_ns ? p->sample_ns : st->prev.timestamp_ns;
	t1 = d->sample_ns ? d->sample_ns : st->cur.timestamp_ns;
	if (t1 <= t0)
		return 0.0;
	return (double)(d->cpu_time_ns - p->cpu_time_ns) * 100.0 / (double)(t1 - t0);
}

uint64_t xt_net_bytes(const libxl_domain_stats *d, bool rx)
{
	uint64_t total = 0;

	for (int i = 0; i < d->num_vifs; i++)
		total += rx ? d->vifs[i].rx_bytes : d->vifs[i].tx_bytes;
	return total;
}

uint64_t xt_vbd_sum(const libxl_domain_stats *d, enum xt_vbd_sum what)
{
	uint64_t total = 0;

	for (int i = 0; i < d->num_vbds; i++) {
		const libxl_vbd_stats *v = &d->vbds[i];
		const uint64_t by_kind[] = {v->oo_reqs, v->rd_reqs, v->wr_reqs, v->rd_sectors, v->wr_sectors};

		total += by_kind[what];
	}
	return total;
}

void xt_state_letters(const libxl_domain_stats *d, char out[7])
{
	const bool flags[6] = {d->dying, d->shutdown, d->blocked, d->crashed, d->paused, d->running};
	const char letters[] = "dsbcpr";

	for (int i = 0; i < 6; i++)
		out[i] = flags[i] ? letters[i] : '-';
	out[6] = '\0';
}

static const struct xt_state *sort_state;

static int compare_order(const void *a, const void *b)
{
	const libxl_domain_stats *x = *(const libxl_domain_stats *const *)a;
	const libxl_domain_stats *y = *(const libxl_domain_stats *const *)b;
	int c = xt_fields[sort_state->sort_field].compare(sort_state, x, y);

	/* Ties keep domid order, so that the output does not shuffle. */
	return c ? c : (x->domid > y->domid) - (x->domid < y->domid);
}

int xt_sort(struct xt_state *st)
{
	int start = 0;

	free(st->order);
	st->nr = st->cur.num_domains;
	st->order = calloc(st->nr ? (size_t)st->nr : 1, sizeof(*st->order));
	if (!st->order)
		return -ENOMEM;
	for (int i = 0; i < st->nr; i++)
		st->order[i] = &st->cur.domains[i];
	/* Domain-0 comes first in the sample; -z keeps it there. */
	if (st->o.dom0_first && st->nr && st->order[0]->domid == 0)
		start = 1;
	sort_state = st;
	qsort(st->order + start, (size_t)(st->nr - start), sizeof(*st->order), compare_order);
	return 0;
}

void xt_free(struct xt_state *st)
{
	libxl_stats_sample_dispose(&st->prev);
	libxl_stats_sample_dispose(&st->cur);
	free(st->order);
	st->order = NULL;
}
