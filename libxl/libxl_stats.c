/*
 * One sample of every domain's statistics (libxl_domain_stats_sample), for
 * xentop and xenon-exporter. What dom0 keeps (names, memory target) comes
 * from xenstore; what only the domain's xenon-hv knows (state, vCPU times,
 * device counters) from its control socket. All xenon-hv processes are
 * asked at once, on non-blocking sockets polled against one deadline, so a
 * sample of many domains costs one round trip, and a hung xenon-hv costs
 * at most the deadline, never more. Names, memory targets and the
 * connections are kept for the next sample (libxl_stats_cache.c).
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"

/* Where one domain's exchange with its xenon-hv is. */
enum probe_step { STEP_INFO, STEP_DEVICES, STEP_DONE };

struct probe {
	int fd;
	enum probe_step step;
	int rc;	     /* 0 while it goes well, else why it ended */
	bool reused; /* fd was kept from the last sample */
	uint64_t asked_ns; /* CLOCK_MONOTONIC when INFO was asked for */
	libxl_domain_stats *d;
	struct libxl__stats_dom *cached; /* NULL: nothing kept */
};

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int probe_send(struct probe *p, uint32_t type)
{
	struct hvctl_hdr hdr = {.type = type};

	if (send(p->fd, &hdr, sizeof(hdr), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	return 0;
}

/* Both requests at once: xenon-hv answers them in order, one wake-up for both. */
static int probe_ask(struct probe *p)
{
	int rc;

	p->asked_ns = clock_ns(CLOCK_MONOTONIC);
	rc = probe_send(p, HVCTL_INFO);

	return rc ? rc : probe_send(p, HVCTL_DEVICE_LIST);
}

/* Connect without waiting (a Unix socket connects at once, or not at all) and ask. */
static int probe_connect(libxl_ctx *ctx, struct probe *p)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int rc;

	p->step = STEP_INFO;
	p->reused = false;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	rc = libxl__hv_socket_path(ctx, p->d->domid, sun.sun_path, sizeof(sun.sun_path));
	if (rc < 0)
		return rc;
	p->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->fd < 0)
		return -errno;
	if (connect(p->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return errno == ENOENT || errno == ECONNREFUSED ? -ESRCH
		       : errno == EAGAIN			? -ETIMEDOUT
								: -errno;
	/* as every other connection to it: the statistics are the recorded xenon-hv's or none */
	rc = libxl__hv_check_peer(ctx, p->d->domid, p->fd);
	return rc < 0 ? rc : probe_ask(p);
}

/* On the connection the last sample kept, else a new one. */
static int probe_start(libxl_ctx *ctx, struct probe *p)
{
	p->step = STEP_INFO;
	p->fd = -1;
	p->cached = libxl__stats_cache_find(ctx, p->d->domid);
	if (p->cached && p->cached->fd >= 0) {
		p->fd = p->cached->fd;
		p->cached->fd = -1;
		p->reused = true;
		if (probe_ask(p) == 0)
			return 0;
	}
	return probe_connect(ctx, p);
}

static void fill_vcpus(libxl_domain_stats *d, const struct hvctl_info *hv)
{
	unsigned n = hv->nr_vcpus < HVCTL_MAX_VCPUS ? hv->nr_vcpus : HVCTL_MAX_VCPUS;

	d->vcpus = calloc(n ? n : 1, sizeof(*d->vcpus));
	if (!d->vcpus)
		return;
	d->num_vcpus = (int)n;
	for (unsigned i = 0; i < n; i++) {
		libxl_vcpu_stats_init(&d->vcpus[i]);
		d->vcpus[i].vcpuid = i;
		d->vcpus[i].online = hv->vcpu_online[i / 32] & (1u << (i % 32));
		d->vcpus[i].cpu_time_ns = hv->vcpu_time_ns[i];
	}
}

static void fill_info(libxl_domain_stats *d, const struct hvctl_info *hv)
{
	libxl_dominfo info = {0};

	libxl__dominfo_set_state(&info, hv);
	d->running = info.running;
	d->blocked = info.blocked;
	d->paused = info.paused;
	d->shutdown = info.shutdown;
	d->crashed = info.crashed;
	d->cpu_time_ns = hv->cpu_time_ns;
	/* xenon-hv's memory is the domain's maximum (static-max). */
	d->max_memkb = hv->mem_kib;
	if (!d->current_memkb)
		d->current_memkb = hv->mem_kib;
	fill_vcpus(d, hv);
}

static void fill_vbd(libxl_vbd_stats *v, const struct hvctl_device *dev)
{
	libxl_vbd_stats_init(v);
	v->devid = (libxl_devid)dev->devid;
	v->rd_reqs = dev->stats[HVCTL_VBD_RD_REQS];
	v->rd_sectors = dev->stats[HVCTL_VBD_RD_SECTORS];
	v->wr_reqs = dev->stats[HVCTL_VBD_WR_REQS];
	v->wr_sectors = dev->stats[HVCTL_VBD_WR_SECTORS];
	v->flush_reqs = dev->stats[HVCTL_VBD_FLUSH_REQS];
	v->errors = dev->stats[HVCTL_VBD_ERRORS];
	v->oo_reqs = dev->stats[HVCTL_VBD_OO_REQS];
}

static void fill_vif(libxl_vif_stats *v, const struct hvctl_device *dev)
{
	libxl_vif_stats_init(v);
	v->devid = (libxl_devid)dev->devid;
	v->tx_bytes = dev->stats[HVCTL_VIF_TX_BYTES];
	v->tx_packets = dev->stats[HVCTL_VIF_TX_PACKETS];
	v->tx_errors = dev->stats[HVCTL_VIF_TX_ERRORS];
	v->tx_drops = dev->stats[HVCTL_VIF_TX_DROPS];
	v->rx_bytes = dev->stats[HVCTL_VIF_RX_BYTES];
	v->rx_packets = dev->stats[HVCTL_VIF_RX_PACKETS];
	v->rx_errors = dev->stats[HVCTL_VIF_RX_ERRORS];
	v->rx_drops = dev->stats[HVCTL_VIF_RX_DROPS];
}

static int fill_devices(libxl_domain_stats *d, const struct hvctl_device *devs, unsigned n)
{
	d->vbds = calloc(n ? n : 1, sizeof(*d->vbds));
	d->vifs = calloc(n ? n : 1, sizeof(*d->vifs));
	if (!d->vbds || !d->vifs)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		if (devs[i].kind == HVCTL_DEV_VBD)
			fill_vbd(&d->vbds[d->num_vbds++], &devs[i]);
		else if (devs[i].kind == HVCTL_DEV_VIF)
			fill_vif(&d->vifs[d->num_vifs++], &devs[i]);
	}
	return 0;
}

/* One reply (hdr, payload of len bytes) for p; moves p on. */
static int probe_reply(struct probe *p, const struct hvctl_hdr *hdr, const void *payload, uint32_t len)
{
	uint32_t want = p->step == STEP_INFO ? HVCTL_INFO : HVCTL_DEVICE_LIST;

	if (hdr->type != want || hdr->status > 0)
		return -EPROTO;
	if (p->step == STEP_INFO) {
		struct hvctl_info hv = {0};

		if (hdr->status < 0)
			return hdr->status;
		memcpy(&hv, payload, len < sizeof(hv) ? len : sizeof(hv));
		if (libxl__hv_info_valid(&hv) < 0)
			return -EPROTO;
		fill_info(p->d, &hv);
		p->d->sample_ns = clock_ns(CLOCK_MONOTONIC);
		/* Its own sample time if it says one between our asking and now. */
		if (hv.sample_mono_ns >= p->asked_ns && hv.sample_mono_ns <= p->d->sample_ns)
			p->d->sample_ns = hv.sample_mono_ns;
		p->step = STEP_DEVICES;
		return 0;
	}
	p->step = STEP_DONE;
	/* An xenon-hv without devices support has none. */
	if (hdr->status == -EOPNOTSUPP || hdr->status == -ENOSYS)
		return fill_devices(p->d, NULL, 0);
	if (hdr->status < 0)
		return hdr->status;
	if (len % sizeof(struct hvctl_device))
		return -EPROTO;
	return fill_devices(p->d, payload, len / sizeof(struct hvctl_device));
}

static int probe_read(struct probe *p, void *buf, size_t size)
{
	struct hvctl_hdr hdr;
	ssize_t n = recv(p->fd, buf, size, MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n > size || (size_t)n < sizeof(hdr))
		return -EPROTO;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.len != (size_t)n - sizeof(hdr))
		return -EPROTO;
	return probe_reply(p, &hdr, (const char *)buf + sizeof(hdr), hdr.len);
}

/*
 * A kept connection that turns out closed before any answer (xenon-hv
 * ended, or a new domain has the domid) is made again, once.
 */
static void probe_read_or_retry(libxl_ctx *ctx, struct probe *p, void *buf)
{
	p->rc = probe_read(p, buf, HVCTL_MAX_PACKET);
	if (p->rc < 0 && p->reused && p->step == STEP_INFO)
		p->rc = probe_connect(ctx, p);
}

/* Poll every probe until each is done or has failed, or the deadline passes. */
static int probes_run(libxl_ctx *ctx, struct probe *probes, unsigned n, int timeout_ms)
{
	long deadline = libxl__now_ms() + timeout_ms;
	struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
	unsigned *idx = calloc(n ? n : 1, sizeof(*idx));
	void *buf = malloc(HVCTL_MAX_PACKET);
	int rc = pfd && idx && buf ? 0 : -ENOMEM;

	while (rc == 0) {
		unsigned m = 0;
		long left = deadline - libxl__now_ms();

		for (unsigned i = 0; i < n; i++)
			if (probes[i].rc == 0 && probes[i].step != STEP_DONE) {
				pfd[m] = (struct pollfd){.fd = probes[i].fd, .events = POLLIN};
				idx[m++] = i;
			}
		if (!m || left <= 0)
			break;
		if (poll(pfd, m, (int)left) < 0 && errno != EINTR)
			rc = -errno;
		for (unsigned j = 0; j < m && rc == 0; j++)
			if (pfd[j].revents)
				probe_read_or_retry(ctx, &probes[idx[j]], buf);
	}
	for (unsigned i = 0; i < n; i++)
		if (probes[i].rc == 0 && probes[i].step != STEP_DONE)
			probes[i].rc = -ETIMEDOUT;
	free(pfd);
	free(idx);
	free(buf);
	return rc;
}

/* A domain whose xenon-hv did not answer: what xenstore and its pids tell. */
static void fill_silent(libxl_ctx *ctx, libxl_domain_stats *d, int rc)
{
	libxl_dominfo info = {0};
	uint64_t v;

	info.domid = d->domid;
	libxl__info_without_hv(ctx, &info, rc);
	if (libxl__xs_read_u64(ctx, XS_NO_TX, &v, "/local/domain/%u/memory/static-max", d->domid) == 0)
		d->max_memkb = v;
	d->answered = false;
	d->running = d->blocked = d->paused = false;
	d->shutdown = info.shutdown;
	d->crashed = info.crashed;
	d->dying = info.dying;
	free(d->status);
	d->status = strdup(info.status);
	/* How many vCPUs it has, from xenstore; their times are not known. */
	d->vcpus = calloc(info.vcpu_online ? info.vcpu_online : 1, sizeof(*d->vcpus));
	for (unsigned i = 0; d->vcpus && i < info.vcpu_online; i++) {
		libxl_vcpu_stats_init(&d->vcpus[i]);
		d->vcpus[i].vcpuid = i;
		d->num_vcpus++;
	}
}

/* From xenstore (or what is kept of it): the name (none: the domain has just gone) and the memory target. */
static int fill_from_xenstore(libxl_ctx *ctx, libxl_domain_stats *d)
{
	return libxl__stats_cache_read(ctx, d->domid, &d->name, &d->current_memkb);
}

/* The host as Xen shows Domain-0: its CPUs' time outside idle (/proc/stat), its memory. */
static int fill_host(libxl_domain_stats *d)
{
	libxl_physinfo p;
	unsigned long long user, nice, sys;
	long hz = sysconf(_SC_CLK_TCK);
	char line[512];
	unsigned cpu;
	FILE *fp;

	libxl_get_physinfo(NULL, &p); /* total and CPUs: no claims, no round trip per domain */
	d->domid = 0;
	d->name = strdup("Domain-0");
	d->answered = d->running = true;
	d->current_memkb = d->max_memkb = p.total_kib;
	d->sample_ns = clock_ns(CLOCK_MONOTONIC);
	d->vcpus = calloc(p.max_cpu_id + 1, sizeof(*d->vcpus));
	if (!d->name || !d->vcpus)
		return -ENOMEM;
	fp = fopen("/proc/stat", "re");
	while (fp && hz > 0 && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "cpu%u %llu %llu %llu", &cpu, &user, &nice, &sys) != 4 || cpu > p.max_cpu_id)
			continue;
		libxl_vcpu_stats *v = &d->vcpus[d->num_vcpus++];

		libxl_vcpu_stats_init(v);
		v->vcpuid = cpu;
		v->online = true;
		v->cpu_time_ns = (user + nice + sys) * (1000000000ull / (unsigned long long)hz);
		d->cpu_time_ns += v->cpu_time_ns;
	}
	if (fp)
		fclose(fp);
	return 0;
}

/* The domains xenstore lists (the host left out), named; *n of them. */
static int list_domains(libxl_ctx *ctx, libxl_stats_sample *s, unsigned extra)
{
	uint32_t *ids = NULL;
	unsigned n = 0;
	int rc = libxl__xs_domids(ctx, XS_NO_TX, &ids, &n);

	if (rc < 0)
		return rc;
	s->domains = calloc(n + extra, sizeof(*s->domains));
	if (!s->domains) {
		free(ids);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		libxl_domain_stats *d = &s->domains[s->num_domains];

		if (ids[i] == LIBXL_DOMID_HOST)
			continue;
		libxl_domain_stats_init(d);
		d->domid = ids[i];
		if (fill_from_xenstore(ctx, d) == 0)
			s->num_domains++;
		else
			libxl_domain_stats_dispose(d);
	}
	free(ids);
	return 0;
}

static int sample_guests(libxl_ctx *ctx, libxl_stats_sample *s, int first, int timeout_ms)
{
	unsigned n = (unsigned)(s->num_domains - first);
	struct probe *probes = calloc(n ? n : 1, sizeof(*probes));
	int rc;

	if (!probes)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		probes[i].d = &s->domains[first + (int)i];
		probes[i].rc = probe_start(ctx, &probes[i]);
	}
	rc = probes_run(ctx, probes, n, timeout_ms);
	for (unsigned i = 0; i < n; i++) {
		struct probe *p = &probes[i];

		/* Kept only when nothing more can come on it (every answer read). */
		if (p->cached && p->rc == 0 && p->step == STEP_DONE)
			p->cached->fd = p->fd;
		else if (p->fd >= 0)
			close(p->fd);
		if (p->step == STEP_INFO) {
			fill_silent(ctx, p->d, p->rc);
			continue;
		}
		p->d->answered = true;
		if (p->rc < 0) {
			char msg[160];

			snprintf(msg, sizeof(msg), "no device statistics from xenon-hv: %s",
				 strerror(-p->rc));
			p->d->status = strdup(msg);
		}
	}
	free(probes);
	return rc;
}

int libxl_domain_stats_sample(libxl_ctx *ctx, unsigned flags, int timeout_ms, libxl_stats_sample *sample)
{
	bool host = flags & LIBXL_STATS_HOST;
	int rc;

	libxl_stats_sample_dispose(sample);
	libxl_stats_sample_init(sample);
	sample->timestamp_ns = clock_ns(CLOCK_MONOTONIC);
	sample->realtime_ns = clock_ns(CLOCK_REALTIME);
	libxl__stats_cache_begin(ctx);
	rc = list_domains(ctx, sample, host ? 1 : 0);
	if (rc == 0 && host) {
		/* Domain-0 first: shift the guests up one. */
		memmove(&sample->domains[1], &sample->domains[0],
			sizeof(*sample->domains) * (size_t)sample->num_domains);
		libxl_domain_stats_init(&sample->domains[0]);
		sample->num_domains++;
		rc = fill_host(&sample->domains[0]);
	}
	if (rc == 0)
		rc = sample_guests(ctx, sample, host ? 1 : 0,
				   timeout_ms > 0 ? timeout_ms : LIBXL_STATS_TIMEOUT_MS);
	libxl__stats_cache_end(ctx);
	if (rc < 0) {
		libxl_stats_sample_dispose(sample);
		libxl_stats_sample_init(sample);
	}
	return rc;
}
