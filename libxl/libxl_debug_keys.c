/*
 * Xen's debug keys (xl debug-keys): each key dumps some of the host's and
 * the domains' state into the hypervisor's message ring, where xl dmesg
 * shows it. Xen's hypervisor answers them; here libxl does, from what it
 * asks the domains' xenon-hv (as xl list, vcpu-list and block-list do).
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msgring.h"

struct dump {
	libxl_ctx *ctx;
	struct msgring_map ring;
	libxl_dominfo *doms;
	int nr_doms;
};

static void dump_help(struct dump *d);

#define say(d, ...) msgring_logf(&(d)->ring, __VA_ARGS__)

/* "0-3,6", or "all" when every CPU of the host's nr_cpus is set. */
static void cpu_list(const libxl_bitmap *map, unsigned nr_cpus, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (libxl_bitmap_count_set(map) >= nr_cpus) {
		snprintf(buf, len, "all");
		return;
	}
	for (unsigned c = 0; c < libxl_bitmap_nr_bits(map) && n < len; c++) {
		unsigned last = c;

		if (!libxl_bitmap_test(map, c))
			continue;
		while (last + 1 < libxl_bitmap_nr_bits(map) && libxl_bitmap_test(map, last + 1))
			last++;
		n += (size_t)snprintf(buf + n, len - n, last > c ? "%s%u-%u" : "%s%u", n ? "," : "", c, last);
		c = last;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static unsigned host_cpus(libxl_ctx *ctx)
{
	libxl_physinfo p;

	return libxl_get_physinfo(ctx, &p) == 0 ? p.nr_cpus : 0;
}

static const char *vcpu_state(const libxl_vcpuinfo *v)
{
	if (!v->online)
		return "offline";
	return v->running ? "running" : v->blocked ? "blocked" : "runnable";
}

static void dump_vcpus(struct dump *d, const libxl_dominfo *dom, unsigned nr_cpus)
{
	int nr = 0, cpus = 0;
	libxl_vcpuinfo *v = libxl_list_vcpu(d->ctx, dom->domid, &nr, &cpus);
	char hard[64], soft[64];

	if (!v) {
		say(d, "d%u: vCPUs: xenon-hv did not tell", dom->domid);
		return;
	}
	for (int i = 0; i < nr; i++) {
		cpu_list(&v[i].cpumap, nr_cpus, hard, sizeof(hard));
		cpu_list(&v[i].cpumap_soft, nr_cpus, soft, sizeof(soft));
		say(d, "d%u: vCPU %u: %s, CPU %u, time %.1f s, affinity %s / %s", dom->domid, v[i].vcpuid,
		    vcpu_state(&v[i]), v[i].cpu, (double)v[i].vcpu_time / 1e9, hard, soft);
	}
	libxl_vcpuinfo_list_free(v, nr);
}

static void dump_devices(struct dump *d, uint32_t domid)
{
	int nd = 0, nn = 0;
	libxl_device_disk *disks = libxl_device_disk_list(d->ctx, domid, &nd);
	libxl_device_nic *nics = libxl_device_nic_list(d->ctx, domid, &nn);
	char mac[LIBXL_MAC_FMTLEN + 1];

	for (int i = 0; i < nd; i++)
		say(d, "d%u: vbd %s: %s, %s, %s", domid, disks[i].vdev ? disks[i].vdev : "?",
		    disks[i].pdev_path ? disks[i].pdev_path : "(empty)",
		    libxl_disk_format_to_string(disks[i].format), disks[i].readwrite ? "rw" : "ro");
	for (int i = 0; i < nn; i++) {
		libxl_mac_to_string(nics[i].mac, mac);
		say(d, "d%u: vif %d: %s, bridge %s", domid, nics[i].devid, mac,
		    nics[i].bridge ? nics[i].bridge : "(none)");
	}
	libxl_device_disk_list_free(disks, nd);
	libxl_device_nic_list_free(nics, nn);
}

static void dump_domains(struct dump *d)
{
	unsigned nr_cpus = host_cpus(d->ctx);

	for (int i = 0; i < d->nr_doms; i++) {
		const libxl_dominfo *dom = &d->doms[i];
		char state[7];

		libxl_dominfo_state(dom, state);
		say(d,
		    "d%u: %s: state %s, memory %llu KiB of %llu, vCPUs %u online of %u, CPU time %.1f s, "
		    "cpupool %u, xenon-hv pid %d",
		    dom->domid, dom->name, state, (unsigned long long)dom->current_memkb,
		    (unsigned long long)dom->max_memkb, dom->vcpu_online, dom->vcpu_max_id + 1,
		    (double)dom->cpu_time / 1e9, dom->cpupool, dom->hv_pid);
		if (dom->status[0])
			say(d, "d%u: %s", dom->domid, dom->status);
		dump_vcpus(d, dom, nr_cpus);
		dump_devices(d, dom->domid);
	}
}

/* Per host CPU, the vCPUs that last ran there, running ones marked so (each domain asked once). */
static void dump_runqueues(struct dump *d)
{
	unsigned nr_cpus = host_cpus(d->ctx);
	libxl_vcpuinfo **v = calloc(d->nr_doms ? (size_t)d->nr_doms : 1, sizeof(*v));
	int *nr = calloc(d->nr_doms ? (size_t)d->nr_doms : 1, sizeof(*nr));

	for (int i = 0; v && nr && i < d->nr_doms; i++) {
		int cpus = 0;

		v[i] = libxl_list_vcpu(d->ctx, d->doms[i].domid, &nr[i], &cpus);
	}
	for (unsigned c = 0; v && nr && c < nr_cpus; c++) {
		char line[MSGRING_LINE_MAX] = "";
		size_t n = 0;

		for (int i = 0; i < d->nr_doms; i++)
			for (int j = 0; v[i] && j < nr[i] && n < sizeof(line); j++)
				if (v[i][j].online && v[i][j].cpu == c)
					n += (size_t)snprintf(line + n, sizeof(line) - n, " d%uv%u%s",
							      d->doms[i].domid, v[i][j].vcpuid,
							      v[i][j].running ? " (running)" : "");
		say(d, "CPU %u:%s", c, n ? line : " idle");
	}
	for (int i = 0; v && nr && i < d->nr_doms; i++)
		if (v[i])
			libxl_vcpuinfo_list_free(v[i], nr[i]);
	free(v);
	free(nr);
}

static void dump_memory(struct dump *d)
{
	libxl_physinfo p;

	if (libxl_get_physinfo(d->ctx, &p) == 0)
		say(d, "Physical memory: %llu KiB, free for domains %llu KiB, outstanding claims %llu KiB",
		    (unsigned long long)p.total_kib, (unsigned long long)p.free_kib,
		    (unsigned long long)p.outstanding_kib);
	say(d, "hugetlb pool (xl.conf memory_pool): %llu KiB free for domains",
	    (unsigned long long)libxl__pool_free_kib());
	for (int i = 0; i < d->nr_doms; i++)
		say(d, "d%u: memory %llu KiB, max %llu KiB, outstanding %llu KiB", d->doms[i].domid,
		    (unsigned long long)d->doms[i].current_memkb, (unsigned long long)d->doms[i].max_memkb,
		    (unsigned long long)d->doms[i].outstanding_memkb);
}

static void dump_all(struct dump *d);

static const struct debug_key {
	char key;
	const char *desc;
	void (*dump)(struct dump *d);
} keys[] = {
    /* clang-format off */
    {'*', "print all diagnostics", dump_all},
    {'h', "show this message", dump_help},
    {'m', "memory info", dump_memory},
    {'q', "dump domain (and guest debug) info", dump_domains},
    {'r', "dump run queues", dump_runqueues},
    /* clang-format on */
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

static const struct debug_key *find(char key)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (keys[i].key == key)
			return &keys[i];
	return NULL;
}

static void dump_help(struct dump *d)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		say(d, " key '%c' (ascii '%02x') => %s", keys[i].key, (unsigned char)keys[i].key,
		    keys[i].desc);
}

static void dump_all(struct dump *d)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (keys[i].dump != dump_all && keys[i].dump != dump_help)
			keys[i].dump(d);
}

int libxl_send_debug_keys(libxl_ctx *ctx, const char *keys_asked)
{
	struct dump d = {ctx, {NULL, 0}, NULL, 0};
	char path[LIBXL_PATH_MAX];
	int rc;

	if (!keys_asked)
		return -EINVAL;
	for (const char *k = keys_asked; *k; k++)
		if (!find(*k)) {
			log_warnx("'%c' (ascii '%02x') is not a debug key here (key 'h' lists them)",
				  *k >= ' ' && *k <= '~' ? *k : '?', (unsigned char)*k);
			return -EINVAL;
		}
	rc = libxl__dmesg_map(ctx, &d.ring, path, sizeof(path));
	if (rc) {
		log_warnx("cannot dump into the message ring %s: %s", path, strerror(-rc));
		return rc;
	}
	rc = libxl_list_domain(ctx, &d.doms, &d.nr_doms);
	if (rc) {
		log_warnx("debug keys: cannot list the domains: %s", strerror(-rc));
		msgring_unmap(&d.ring);
		return rc;
	}
	for (const char *k = keys_asked; *k; k++) {
		const struct debug_key *key = find(*k);

		say(&d, "'%c' pressed -> %s", key->key, key->desc);
		key->dump(&d);
	}
	free(d.doms);
	msgring_unmap(&d.ring);
	return 0;
}
