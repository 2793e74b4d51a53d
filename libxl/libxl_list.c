/*
 * What is running: one domain's state (xenstore + its xenon-hv's answer),
 * the list of domains, and the host (physinfo, version info).
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest/include/xenon-boot.h"
#include "hypervisor/hvctl.h"
#include "log.h"

_Static_assert(LIBXL_PLATFORM_PVM == XENON_PLATFORM_PVM && LIBXL_PLATFORM_VTX == XENON_PLATFORM_VTX,
	       "libxl.h's platforms are xenon-boot.h's");

/* Xenon's own version (the tree's VERSION file, split by libxl/module.mk),
 * reported where Xen reports its own. */
#ifndef XENON_VERSION_MAJOR
#error "libxl/module.mk passes XENON_VERSION_MAJOR, _MINOR and _EXTRA from VERSION"
#endif
/* When it was built (libxl/module.mk: $SOURCE_DATE_EPOCH if set, for
 * reproducible builds, else now), as __DATE__ " " __TIME__ would say. */
#ifndef XENON_BUILD_DATE
#error "libxl/module.mk passes XENON_BUILD_DATE"
#endif

static unsigned count_bits(const uint32_t *map, unsigned words)
{
	unsigned i, n = 0;

	for (i = 0; i < words; i++)
		n += (unsigned)__builtin_popcount(map[i]);
	return n;
}

static void info_from_hv(libxl_dominfo *info, const struct hvctl_info *hv)
{
	/* current_memkb is still the target xenstore holds here */
	info->outstanding_memkb = libxl__mem_outstanding(hv, info->current_memkb);
	info->memory_pool = (int)hv->memory_pool;
	libxl__dominfo_set_state(info, hv);
	info->cpu_time = hv->cpu_time_ns;
	info->start_time_ns = hv->start_time_ns;
	info->vcpu_max_id = hv->nr_vcpus ? hv->nr_vcpus - 1 : 0;
	info->vcpu_online = count_bits(hv->vcpu_online, HVCTL_MAX_VCPUS / 32);
	if (!info->vcpu_online)
		info->vcpu_online = hv->nr_vcpus;
	info->sandbox_known = hv->sandbox_valid;
	info->sandbox = hv->sandbox;
	info->hv_uid = hv->uid;
	info->hv_gid = hv->gid;
	info->platform = (int)hv->platform;
	if (hv->balloon_valid)
		info->current_memkb = hv->mem_current_kib; /* what it holds, not what it was asked to */
}

static unsigned count_cpus(libxl_ctx *ctx, uint32_t domid)
{
	char path[LIBXL_PATH_MAX], **names = NULL;
	unsigned n = 0;

	if (libxl__path(path, sizeof(path), "/local/domain/%u/cpu", domid) == 0 &&
	    xsc_directory(ctx->xsh, XS_NO_TX, path, &names, &n) < 0)
		n = 0;
	free(names);
	return n;
}

/* When the domain was built, from /vm/<uuid>/start_time (seconds). */
static uint64_t vm_start_time(libxl_ctx *ctx, uint32_t domid)
{
	char *vm = NULL;
	uint64_t t = 0;

	if (libxl__xs_read(ctx, XS_NO_TX, &vm, "/local/domain/%u/vm", domid) == 0 &&
	    (!libxl__vm_path_valid(vm) || libxl__xs_read_u64(ctx, XS_NO_TX, &t, "%s/start_time", vm) < 0))
		t = 0;
	free(vm);
	return t * 1000000000ull;
}

/* xenon-hv runs but gave no usable answer: broke the protocol (-EPROTO), or none at all. */
static void hv_misbehaves(libxl_dominfo *info, int hv, int hv_rc)
{
	if (hv_rc == -EPROTO) {
		/* Garbage, or values no xenon-hv could mean: taken over, or broken. */
		info->shutdown = info->crashed = true;
		info->shutdown_reason = LIBXL_SHUTDOWN_REASON_CRASH;
		snprintf(
		    info->status, sizeof(info->status),
		    "xenon-hv (pid %d) broke its control protocol (a reply that is not one, or values it "
		    "cannot mean): treated as crashed; 'xl destroy' ends it",
		    hv);
		return;
	}
	snprintf(info->status, sizeof(info->status),
		 "xenon-hv (pid %d) does not answer on its control socket (%s): stopped or hung? "
		 "'xl destroy' ends it",
		 hv, log_strerror(hv_rc));
}

/*
 * xenon-hv did not answer (hv_rc): why, from what dom0 recorded and from
 * the processes themselves. Its pid has gone, or is another process now.
 */
static void hv_silent(libxl_ctx *ctx, libxl_dominfo *info, int hv_rc)
{
	uint32_t id = info->domid;
	int hv = libxl__read_pid(ctx, id, "hv-pid"), mon = libxl__read_pid(ctx, id, "monitor-pid");

	if (hv <= 0) {
		snprintf(info->status, sizeof(info->status), "being built: no xenon-hv recorded yet");
	} else if (libxl__hv_alive(ctx, id, hv)) {
		hv_misbehaves(info, hv, hv_rc);
	} else if (mon > 0 && libxl__pid_alive(mon)) {
		/* Its monitor is about to carry out on_*: shut down, reason not known yet. */
		info->shutdown = true;
		snprintf(info->status, sizeof(info->status),
			 "xenon-hv (pid %d) has ended; its monitor (pid %d) is acting on it", hv, mon);
	} else {
		/* Killed with its monitor: nothing will record how it ended. */
		info->shutdown = info->crashed = info->dying = true;
		info->shutdown_reason = LIBXL_SHUTDOWN_REASON_CRASH;
		snprintf(info->status, sizeof(info->status),
			 "xenon-hv (pid %d) is gone and so is its monitor (pid %d): nothing recorded how the "
			 "domain ended; 'xl destroy' removes what is left",
			 hv, mon);
	}
}

/* xenon-hv has not answered: preserved (shut down with a reason), on its way out, or lost. */
void libxl__info_without_hv(libxl_ctx *ctx, libxl_dominfo *info, int hv_rc)
{
	char *reason = NULL;
	libxl_shutdown_reason r;

	if (libxl__xs_read(ctx, XS_NO_TX, &reason, "/libxl/%u/shutdown-reason", info->domid) == 0 &&
	    libxl_shutdown_reason_from_string(reason, &r) == 0) {
		info->shutdown = true;
		info->shutdown_reason = r;
		info->crashed = r == LIBXL_SHUTDOWN_REASON_CRASH;
		snprintf(info->status, sizeof(info->status), "kept shut down (%s); 'xl destroy' removes it",
			 reason);
	} else if (libxl__xs_exists(ctx, XS_NO_TX, "/libxl/%u/destroying", info->domid) > 0) {
		info->dying = true;
		snprintf(info->status, sizeof(info->status), "being destroyed");
	} else {
		hv_silent(ctx, info, hv_rc);
	}
	free(reason);
	info->vcpu_online = count_cpus(ctx, info->domid);
	info->start_time_ns = vm_start_time(ctx, info->domid);
	info->vcpu_max_id = info->vcpu_online ? info->vcpu_online - 1 : 0;
}

int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info, uint32_t domid)
{
	struct hvctl_info hv;
	char *name, *uuid = NULL;
	uint64_t v;
	int fd, rc;

	memset(info, 0, sizeof(*info));
	info->domid = domid;
	info->shutdown_reason = LIBXL_SHUTDOWN_REASON_UNKNOWN;
	name = libxl_domid_to_name(ctx, domid);
	if (!name)
		return -ENOENT;
	snprintf(info->name, sizeof(info->name), "%s", name);
	free(name);
	if (libxl__xs_read(ctx, XS_NO_TX, &uuid, "/libxl/%u/uuid", domid) == 0)
		libxl_uuid_from_string(&info->uuid, uuid);
	free(uuid);
	if (libxl__xs_read_u64(ctx, XS_NO_TX, &v, "/local/domain/%u/memory/target", domid) == 0)
		info->current_memkb = v;
	if (libxl__xs_read_u64(ctx, XS_NO_TX, &v, "/local/domain/%u/memory/static-max", domid) == 0)
		info->max_memkb = v;
	if (libxl__xs_read_u64(ctx, XS_NO_TX, &v, "/libxl/%u/cpupool", domid) == 0 && v < UINT32_MAX)
		info->cpupool = (uint32_t)v;
	rc = libxl__hv_connect(ctx, domid, &fd);
	if (rc == 0) {
		rc = hvctl_info(fd, &hv);
		close(fd);
	}
	if (rc == 0)
		rc = libxl__hv_info_valid(&hv);
	/* Built with static-max or more: mem-max lowers that node, never raises it past its RAM. */
	if (rc == 0 && info->max_memkb > hv.mem_kib)
		rc = -EPROTO;
	if (rc == 0)
		info_from_hv(info, &hv);
	else
		libxl__info_without_hv(ctx, info, rc);
	/* dom0's record, not what xenon-hv says of itself */
	info->hv_pid = libxl__read_pid(ctx, domid, "hv-pid");
	return 0;
}

int libxl_list_domain(libxl_ctx *ctx, libxl_dominfo **infos, int *nr)
{
	uint32_t *ids = NULL;
	unsigned n = 0, i;
	libxl_dominfo *out;
	int rc, count = 0;

	rc = libxl__xs_domids(ctx, XS_NO_TX, &ids, &n);
	if (rc < 0)
		return rc;
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		free(ids);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (ids[i] == LIBXL_DOMID_HOST)
			continue;
		if (libxl_domain_info(ctx, &out[count], ids[i]) == 0)
			count++;
	}
	free(ids);
	*infos = out;
	*nr = count;
	return 0;
}

/* ---- the host ---- */

static int kvm_platform(void)
{
	if (access("/dev/kvm", F_OK) < 0)
		return 0;
	if (access("/sys/module/kvm_intel", F_OK) == 0 || access("/sys/module/kvm_amd", F_OK) == 0)
		return XENON_PLATFORM_VTX;
	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		return XENON_PLATFORM_PVM;
	return 0;
}

static void read_cpuinfo(libxl_physinfo *info)
{
	FILE *fp = fopen("/proc/cpuinfo", "re");
	char line[256];
	unsigned siblings = 0, cores = 0;
	double mhz = 0;

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (!mhz)
			sscanf(line, "cpu MHz : %lf", &mhz);
		if (!siblings)
			sscanf(line, "siblings : %u", &siblings);
		if (!cores)
			sscanf(line, "cpu cores : %u", &cores);
	}
	fclose(fp);
	info->cpu_khz = (uint32_t)(mhz * 1000);
	info->cores_per_socket = cores ? cores : 1;
	info->threads_per_core = cores && siblings >= cores ? siblings / cores : 1;
}

void libxl__physinfo_mem(libxl_physinfo *info)
{
	FILE *fp = fopen("/proc/meminfo", "re");
	char line[256];
	unsigned long long v;

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			info->total_kib = v;
		else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
			info->free_kib = v;
	}
	fclose(fp);
}

static uint64_t host_busy_ns(void)
{
	FILE *fp = fopen("/proc/stat", "re");
	unsigned long long user = 0, nice = 0, sys = 0;
	long hz = sysconf(_SC_CLK_TCK);

	if (!fp)
		return 0;
	if (fscanf(fp, "cpu %llu %llu %llu", &user, &nice, &sys) != 3)
		user = nice = sys = 0;
	fclose(fp);
	return hz > 0 ? (user + nice + sys) * (1000000000ull / (unsigned long long)hz) : 0;
}

int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *info)
{
	long n;

	memset(info, 0, sizeof(*info));
	n = sysconf(_SC_NPROCESSORS_ONLN);
	info->nr_cpus = n > 0 ? (uint32_t)n : 1;
	n = sysconf(_SC_NPROCESSORS_CONF);
	info->max_cpu_id = n > 0 ? (uint32_t)n - 1 : info->nr_cpus - 1;
	info->nr_nodes = 1;
	for (unsigned i = 1; i < 1024; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/sys/devices/system/node/node%u", i);
		if (access(p, F_OK) < 0)
			break;
		info->nr_nodes++;
	}
	read_cpuinfo(info);
	libxl__physinfo_mem(info);
	/* free: what a new domain can claim (libxl_mem.c), not what is merely unused now */
	if (ctx && libxl__mem_free_kib(ctx, info->free_kib, &info->free_kib, &info->outstanding_kib) < 0)
		info->outstanding_kib = 0;
	info->platform = kvm_platform();
	info->platform_name = info->platform == XENON_PLATFORM_PVM   ? "pvm"
			      : info->platform == XENON_PLATFORM_VTX ? "vtx"
								     : "none";
	info->host_cpu_time_ns = host_busy_ns();
	return 0;
}

const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)
{
	libxl_version_info *v = &ctx->vinfo;
	char *b = ctx->vinfo_buf;
	size_t size = sizeof(ctx->vinfo_buf), off = 0;
	struct utsname u;

	if (v->version)
		return v;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	v->major = XENON_VERSION_MAJOR;
	v->minor = XENON_VERSION_MINOR;
	v->extra = XENON_VERSION_EXTRA;
	v->version = b + off;
	off += (size_t)snprintf(b + off, size - off, "%d.%d%s", v->major, v->minor, v->extra) + 1;
	v->capabilities = b + off;
	off += (size_t)snprintf(b + off, size - off, "xen-3.0-x86_64 (PV on KVM %s)",
				kvm_platform() == XENON_PLATFORM_VTX ? "VT-x" : "PVM") +
	       1;
	v->compiler = b + off;
	off += (size_t)snprintf(b + off, size - off, "gcc %s", __VERSION__) + 1;
	v->compile_date = b + off;
	off += (size_t)snprintf(b + off, size - off, "%s", XENON_BUILD_DATE) + 1;
	v->kernel_release = b + off;
	snprintf(b + off, size - off, "%s", u.release);
	return v;
}
