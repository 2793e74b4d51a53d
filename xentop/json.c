/*
 * -j (beyond Xen): one JSON object per domain per iteration, one a line,
 * with the units in the key names. Counters are those of the sample;
 * cpu_percent is between this sample and the previous one.
 */
#include "xentop/xentop.h"

#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static void str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void key_u64(yajl_gen g, const char *k, uint64_t v)
{
	char num[24];

	str(g, k);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	yajl_gen_number(g, num, strlen(num));
}

static void key_pct(yajl_gen g, const char *k, double v)
{
	char num[32];

	str(g, k);
	snprintf(num, sizeof(num), "%.2f", v);
	yajl_gen_number(g, num, strlen(num));
}

static void vcpus(yajl_gen g, const libxl_domain_stats *d)
{
	str(g, "vcpu_list");
	yajl_gen_array_open(g);
	for (int i = 0; i < d->num_vcpus; i++) {
		yajl_gen_map_open(g);
		key_u64(g, "vcpu", d->vcpus[i].vcpuid);
		str(g, "online");
		yajl_gen_bool(g, d->vcpus[i].online);
		key_u64(g, "cpu_time_ns", d->vcpus[i].cpu_time_ns);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void vifs(yajl_gen g, const libxl_domain_stats *d)
{
	str(g, "net_list");
	yajl_gen_array_open(g);
	for (int i = 0; i < d->num_vifs; i++) {
		const libxl_vif_stats *v = &d->vifs[i];

		yajl_gen_map_open(g);
		key_u64(g, "devid", (uint64_t)v->devid);
		key_u64(g, "tx_bytes", v->tx_bytes);
		key_u64(g, "tx_packets", v->tx_packets);
		key_u64(g, "tx_errors", v->tx_errors);
		key_u64(g, "tx_drops", v->tx_drops);
		key_u64(g, "rx_bytes", v->rx_bytes);
		key_u64(g, "rx_packets", v->rx_packets);
		key_u64(g, "rx_errors", v->rx_errors);
		key_u64(g, "rx_drops", v->rx_drops);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void vbds(yajl_gen g, const libxl_domain_stats *d)
{
	str(g, "vbd_list");
	yajl_gen_array_open(g);
	for (int i = 0; i < d->num_vbds; i++) {
		const libxl_vbd_stats *v = &d->vbds[i];

		yajl_gen_map_open(g);
		key_u64(g, "devid", (uint64_t)v->devid);
		key_u64(g, "oo_reqs", v->oo_reqs);
		key_u64(g, "rd_reqs", v->rd_reqs);
		key_u64(g, "wr_reqs", v->wr_reqs);
		key_u64(g, "rd_sectors", v->rd_sectors);
		key_u64(g, "wr_sectors", v->wr_sectors);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void domain(const struct xt_state *st, yajl_gen g, const libxl_domain_stats *d)
{
	uint64_t total = st->phys.total_kib;
	char state[7];

	xt_state_letters(d, state);
	yajl_gen_map_open(g);
	key_u64(g, "timestamp_ns", d->sample_ns ? d->sample_ns : st->cur.timestamp_ns);
	key_u64(g, "domid", d->domid);
	str(g, "name");
	str(g, d->name ? d->name : "");
	str(g, "state");
	str(g, state);
	str(g, "answered");
	yajl_gen_bool(g, d->answered);
	if (d->status) {
		str(g, "status");
		str(g, d->status);
	}
	key_u64(g, "cpu_time_ns", d->cpu_time_ns);
	key_pct(g, "cpu_percent", xt_cpu_pct(st, d));
	key_u64(g, "memory_kib", d->current_memkb);
	key_pct(g, "memory_percent", total ? (double)d->current_memkb * 100.0 / (double)total : 0);
	key_u64(g, "max_memory_kib", d->max_memkb);
	key_pct(g, "max_memory_percent", total ? (double)d->max_memkb * 100.0 / (double)total : 0);
	key_u64(g, "vcpus", (uint64_t)d->num_vcpus);
	key_u64(g, "nets", (uint64_t)d->num_vifs);
	key_u64(g, "net_tx_bytes", xt_net_bytes(d, false));
	key_u64(g, "net_rx_bytes", xt_net_bytes(d, true));
	key_u64(g, "vbds", (uint64_t)d->num_vbds);
	key_u64(g, "vbd_oo_reqs", xt_vbd_sum(d, XT_SUM_OO));
	key_u64(g, "vbd_rd_reqs", xt_vbd_sum(d, XT_SUM_RD));
	key_u64(g, "vbd_wr_reqs", xt_vbd_sum(d, XT_SUM_WR));
	key_u64(g, "vbd_rd_sectors", xt_vbd_sum(d, XT_SUM_RSECT));
	key_u64(g, "vbd_wr_sectors", xt_vbd_sum(d, XT_SUM_WSECT));
	key_u64(g, "ssid", d->ssidref);
	vcpus(g, d);
	vifs(g, d);
	vbds(g, d);
	yajl_gen_map_close(g);
}

int xt_print_json(const struct xt_state *st)
{
	for (int i = 0; i < st->nr; i++) {
		yajl_gen g = yajl_gen_alloc(NULL);
		const unsigned char *buf;
		size_t len;

		if (!g)
			return -1;
		domain(st, g, st->order[i]);
		if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
			printf("%.*s\n", (int)len, (const char *)buf);
		yajl_gen_free(g);
	}
	return 0;
}
