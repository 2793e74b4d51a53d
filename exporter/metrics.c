/*
 * A sample as Prometheus text (exposition format 0.0.4): a HELP and a TYPE
 * line per metric family, labels domain and domid on every domain series,
 * device (the devid) or vcpu on per-device and per-vCPU series. Counters
 * end in _total and carry base units (seconds, bytes).
 */
#include "exporter/exporter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xe_printf(struct xe_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 16384) + (size_t)n;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

void xe_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("xenon-exporter: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A label value: \, " and newline escaped. Names are checked by libxl, but a name is not ours to trust. */
static void label_value(struct xe_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			xe_printf(b, "\\%c", *s);
		else if (*s == '\n')
			xe_printf(b, "\\n");
		else
			xe_printf(b, "%c", *s);
	}
}

static void labels(struct xe_buf *b, const libxl_domain_stats *d)
{
	xe_printf(b, "{domain=\"");
	label_value(b, d->name);
	xe_printf(b, "\",domid=\"%u\"", d->domid);
}

static void family(struct xe_buf *b, const char *name, const char *type, const char *help)
{
	xe_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One value per domain: get(d) in the given unit factor. */
struct dom_metric {
	const char *name, *type, *help;
	double (*get)(const libxl_domain_stats *d);
};

static double m_cpu(const libxl_domain_stats *d)
{
	return (double)d->cpu_time_ns / 1e9;
}
static double m_mem(const libxl_domain_stats *d)
{
	return (double)d->current_memkb * 1024.0;
}
static double m_maxmem(const libxl_domain_stats *d)
{
	return (double)d->max_memkb * 1024.0;
}
static double m_vcpus(const libxl_domain_stats *d)
{
	return (double)d->num_vcpus;
}
static double m_answered(const libxl_domain_stats *d)
{
	return d->answered;
}
static double m_vbds(const libxl_domain_stats *d)
{
	return (double)d->num_vbds;
}
static double m_vifs(const libxl_domain_stats *d)
{
	return (double)d->num_vifs;
}

static const struct dom_metric dom_metrics[] = {
    {"xenon_domain_cpu_seconds_total", "counter", "CPU time of all the domain's vCPUs.", m_cpu},
    {"xenon_domain_memory_bytes", "gauge", "Memory the domain has now (its target).", m_mem},
    {"xenon_domain_memory_max_bytes", "gauge", "The most memory the domain may have.", m_maxmem},
    {"xenon_domain_vcpus", "gauge", "vCPUs of the domain.", m_vcpus},
    {"xenon_domain_vbds", "gauge", "Virtual block devices of the domain.", m_vbds},
    {"xenon_domain_vifs", "gauge", "Virtual network interfaces of the domain.", m_vifs},
    {"xenon_domain_sample_ok", "gauge",
     "1 when the domain's xenon-hv answered this sample in time, else 0 (its counters are then absent).",
     m_answered},
};

static void domain_metrics(struct xe_buf *b, const libxl_stats_sample *s)
{
	for (size_t m = 0; m < sizeof(dom_metrics) / sizeof(dom_metrics[0]); m++) {
		const struct dom_metric *dm = &dom_metrics[m];
		bool counter = !strcmp(dm->type, "counter");

		family(b, dm->name, dm->type, dm->help);
		for (int i = 0; i < s->num_domains; i++) {
			const libxl_domain_stats *d = &s->domains[i];

			/* A counter xenon-hv did not give is absent, never 0 (it would look like a reset). */
			if (counter && !d->answered)
				continue;
			xe_printf(b, "%s", dm->name);
			labels(b, d);
			xe_printf(b, "} %.15g\n", dm->get(d));
		}
	}
}

static void state_metric(struct xe_buf *b, const libxl_stats_sample *s)
{
	static const char *const names[] = {"running", "blocked", "paused", "shutdown", "crashed", "dying"};

	family(b, "xenon_domain_state", "gauge", "1 for each of Xen's state flags the domain has.");
	for (int i = 0; i < s->num_domains; i++) {
		const libxl_domain_stats *d = &s->domains[i];
		const bool flags[] = {d->running, d->blocked, d->paused, d->shutdown, d->crashed, d->dying};

		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
			xe_printf(b, "xenon_domain_state");
			labels(b, d);
			xe_printf(b, ",state=\"%s\"} %d\n", names[k], flags[k] ? 1 : 0);
		}
	}
}

static void vcpu_metric(struct xe_buf *b, const libxl_stats_sample *s)
{
	family(b, "xenon_domain_vcpu_cpu_seconds_total", "counter", "CPU time of each vCPU (its thread).");
	for (int i = 0; i < s->num_domains; i++) {
		const libxl_domain_stats *d = &s->domains[i];

		for (int v = 0; d->answered && v < d->num_vcpus; v++) {
			xe_printf(b, "xenon_domain_vcpu_cpu_seconds_total");
			labels(b, d);
			xe_printf(b, ",vcpu=\"%u\"} %.15g\n", d->vcpus[v].vcpuid,
				  (double)d->vcpus[v].cpu_time_ns / 1e9);
		}
	}
}

/* Per-device counters: offset of the uint64_t in the device's struct. */
struct dev_metric {
	const char *name, *help;
	size_t off;
	double scale;
};

#define VBD(f) offsetof(libxl_vbd_stats, f)
static const struct dev_metric vbd_metrics[] = {
    {"xenon_vbd_read_requests_total", "Read requests the guest made.", VBD(rd_reqs), 1},
    {"xenon_vbd_write_requests_total", "Write requests the guest made.", VBD(wr_reqs), 1},
    {"xenon_vbd_read_bytes_total", "Bytes the guest read (512-byte sectors).", VBD(rd_sectors), 512},
    {"xenon_vbd_written_bytes_total", "Bytes the guest wrote (512-byte sectors).", VBD(wr_sectors), 512},
    {"xenon_vbd_oo_requests_total", "Requests that waited for a free request slot (Xen's VBD_OO).",
     VBD(oo_reqs), 1},
    {"xenon_vbd_flush_requests_total", "Flush requests the guest made.", VBD(flush_reqs), 1},
    {"xenon_vbd_errors_total", "Requests that ended in an I/O error.", VBD(errors), 1},
};
#define VIF(f) offsetof(libxl_vif_stats, f)
static const struct dev_metric vif_metrics[] = {
    {"xenon_vif_transmit_bytes_total", "Bytes the guest sent.", VIF(tx_bytes), 1},
    {"xenon_vif_transmit_packets_total", "Packets the guest sent.", VIF(tx_packets), 1},
    {"xenon_vif_transmit_errors_total", "Packets the guest sent that had errors.", VIF(tx_errors), 1},
    {"xenon_vif_transmit_drops_total", "Packets the guest sent that were dropped.", VIF(tx_drops), 1},
    {"xenon_vif_receive_bytes_total", "Bytes the guest received.", VIF(rx_bytes), 1},
    {"xenon_vif_receive_packets_total", "Packets the guest received.", VIF(rx_packets), 1},
    {"xenon_vif_receive_errors_total", "Packets for the guest that had errors.", VIF(rx_errors), 1},
    {"xenon_vif_receive_drops_total", "Packets for the guest that were dropped.", VIF(rx_drops), 1},
};

static void device_metrics(struct xe_buf *b, const libxl_stats_sample *s, const struct dev_metric *ms,
			   size_t nm, bool vbd)
{
	for (size_t m = 0; m < nm; m++) {
		family(b, ms[m].name, "counter", ms[m].help);
		for (int i = 0; i < s->num_domains; i++) {
			const libxl_domain_stats *d = &s->domains[i];
			int n = vbd ? d->num_vbds : d->num_vifs;

			for (int k = 0; k < n; k++) {
				const char *dev = vbd ? (const char *)&d->vbds[k] : (const char *)&d->vifs[k];
				libxl_devid devid = vbd ? d->vbds[k].devid : d->vifs[k].devid;
				uint64_t v;

				memcpy(&v, dev + ms[m].off, sizeof(v));
				xe_printf(b, "%s", ms[m].name);
				labels(b, d);
				xe_printf(b, ",device=\"%d\"} %.15g\n", devid, (double)v * ms[m].scale);
			}
		}
	}
}

int xe_format(struct xe_buf *b, const libxl_stats_sample *s, uint64_t took_ns)
{
	family(b, "xenon_domains", "gauge", "Domains in the sample, Domain-0 (the host) included.");
	xe_printf(b, "xenon_domains %d\n", s->num_domains);
	family(b, "xenon_sample_duration_seconds", "gauge", "How long the last sample of every domain took.");
	xe_printf(b, "xenon_sample_duration_seconds %.9f\n", (double)took_ns / 1e9);
	family(b, "xenon_sample_timestamp_seconds", "gauge", "When the last sample was taken (Unix time).");
	xe_printf(b, "xenon_sample_timestamp_seconds %.3f\n", (double)s->realtime_ns / 1e9);
	domain_metrics(b, s);
	state_metric(b, s);
	vcpu_metric(b, s);
	device_metrics(b, s, vbd_metrics, sizeof(vbd_metrics) / sizeof(vbd_metrics[0]), true);
	device_metrics(b, s, vif_metrics, sizeof(vif_metrics) / sizeof(vif_metrics[0]), false);
	return b->err;
}
