/*
 * Pure helpers of libxl (no I/O): domain name rules, domid choice, the
 * domain's state (from xenon-hv's answer) and its letters, the meaning of
 * xenon-hv's exit status, a domain's outstanding memory.
 * Unit-tested in tests/unit/libxl_util-test.c.
 */
#include "libxl/libxl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "hypervisor/hvctl.h"

/*
 * A name must be usable as a file name (xl-<name>.log), on a command line
 * and in xenstore, and must never be mistaken for a domid.
 */
int libxl_name_valid(const char *name)
{
	size_t len, i;
	int digits_only = 1;

	if (!name)
		return -EINVAL;
	len = strlen(name);
	if (len == 0 || len > LIBXL_NAME_MAX)
		return -EINVAL;
	if (name[0] == '-' || name[0] == '.')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c >= '0' && c <= '9')
			continue;
		digits_only = 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.')
			continue;
		return -EINVAL;
	}
	return digits_only ? -EINVAL : 0;
}

static int domid_in_use(uint32_t id, const uint32_t *used, unsigned nr_used)
{
	unsigned i;

	for (i = 0; i < nr_used; i++)
		if (used[i] == id)
			return 1;
	return 0;
}

/*
 * Xen-like increasing ids: the first free id after last, wrapping from
 * LIBXL_DOMID_MAX back to 1 (0 is the host), so that a rebooted domain
 * gets a new id and recently used ids are not handed out again soon.
 */
int libxl__domid_pick(uint32_t last, const uint32_t *used, unsigned nr_used, uint32_t *out)
{
	uint32_t id = last;
	uint32_t tries;

	if (id >= LIBXL_DOMID_MAX)
		id = 0;
	for (tries = 0; tries < LIBXL_DOMID_MAX; tries++) {
		id = id + 1 >= LIBXL_DOMID_MAX ? 1 : id + 1;
		if (!domid_in_use(id, used, nr_used)) {
			*out = id;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Xen's six state letters "rbpscd"; the fifth tells the shutdown reason. */
void libxl_dominfo_state(const libxl_dominfo *info, char out[7])
{
	static const char reason_letters[] = "-rscwS";
	int r = info->shutdown ? info->shutdown_reason : 0;

	out[0] = info->running ? 'r' : '-';
	out[1] = info->blocked ? 'b' : '-';
	out[2] = info->paused ? 'p' : '-';
	out[3] = info->shutdown ? 's' : '-';
	out[4] = (r >= 0 && r < (int)sizeof(reason_letters) - 1) ? reason_letters[r] : '?';
	out[5] = info->dying ? 'd' : '-';
	out[6] = '\0';
}

static bool any_bit(const uint32_t *map, unsigned words)
{
	for (unsigned i = 0; i < words; i++)
		if (map[i])
			return true;
	return false;
}

/*
 * Xen's 'r' and 'b': running while at least one vCPU runs, blocked while
 * every vCPU is halted. An xenon-hv that does not report vCPU states (both
 * maps empty) leaves a running domain 'r', as before it could tell.
 */
void libxl__dominfo_set_state(libxl_dominfo *info, const struct hvctl_info *hv)
{
	bool live = hv->state == HVCTL_STATE_RUNNING;
	bool none_running = !any_bit(hv->vcpu_running, HVCTL_MAX_VCPUS / 32);

	info->blocked = live && none_running && any_bit(hv->vcpu_blocked, HVCTL_MAX_VCPUS / 32);
	info->running = live && !info->blocked;
	info->paused = hv->state == HVCTL_STATE_PAUSED;
	info->shutdown = hv->state == HVCTL_STATE_SHUTDOWN || hv->state == HVCTL_STATE_CRASHED;
	info->crashed = hv->state == HVCTL_STATE_CRASHED;
	if (info->crashed)
		info->shutdown_reason = LIBXL_SHUTDOWN_REASON_CRASH;
}

/* No bit at or above n set in a bitmap of HVCTL_MAX_VCPUS bits. */
static bool bits_below(const uint32_t *map, unsigned n)
{
	for (unsigned i = n; i < HVCTL_MAX_VCPUS; i++)
		if (map[i / 32] & (1u << (i % 32)))
			return false;
	return true;
}

/*
 * An INFO reply comes from a process that runs guest-facing code: what
 * libxl would show or act on must at least be possible. What no honest
 * xenon-hv says: an unknown state, no vCPUs or more than the protocol has,
 * vCPUs beyond its count online, running or blocked, a balloon holding
 * more than the domain's RAM.
 */
int libxl__hv_info_valid(const struct hvctl_info *hv)
{
	if (hv->state < HVCTL_STATE_RUNNING || hv->state > HVCTL_STATE_CRASHED)
		return -EPROTO;
	if (!hv->nr_vcpus || hv->nr_vcpus > HVCTL_MAX_VCPUS)
		return -EPROTO;
	if (!bits_below(hv->vcpu_online, hv->nr_vcpus) || !bits_below(hv->vcpu_running, hv->nr_vcpus) ||
	    !bits_below(hv->vcpu_blocked, hv->nr_vcpus))
		return -EPROTO;
	if (hv->balloon_valid > 1 ||
	    (hv->balloon_valid && (hv->mem_current_kib > hv->mem_kib || hv->mem_max_kib > hv->mem_kib)))
		return -EPROTO;
	return 0;
}

/*
 * How a domain ended, from its xenon-hv's wait status (hvctl.h HV_EXIT_*).
 * A host error or a signal counts as a crash: the domain is gone without
 * having asked to be.
 */
libxl_death libxl__death_from_wait_status(int status)
{
	if (WIFSIGNALED(status))
		return LIBXL_DEATH_CRASH;
	if (!WIFEXITED(status))
		return LIBXL_DEATH_CRASH;
	switch (WEXITSTATUS(status)) {
	case HV_EXIT_POWEROFF:
		return LIBXL_DEATH_POWEROFF;
	case HV_EXIT_REBOOT:
		return LIBXL_DEATH_REBOOT;
	case HV_EXIT_DESTROY:
		return LIBXL_DEATH_DESTROYED;
	case HV_EXIT_SAVED:
		return LIBXL_DEATH_SAVED;
	case HV_EXIT_CRASH:
	case HV_EXIT_SECCOMP:
	case HV_EXIT_ERROR:
	default:
		return LIBXL_DEATH_CRASH;
	}
}

/* Parse a domid written in decimal ("7"); -EINVAL for anything else. */
int libxl__parse_domid(const char *s, uint32_t *domid)
{
	unsigned long v = 0;
	const char *p;

	if (!s || !*s || strlen(s) > 10)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v >= LIBXL_DOMID_MAX)
		return -ERANGE;
	*domid = (uint32_t)v;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void libxl__u32_sort(uint32_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u32);
}

int libxl__domids_parse(const char *names, size_t len, uint32_t **ids, unsigned *nr)
{
	unsigned count = 1, n = 0;
	uint32_t *out;

	*ids = NULL;
	*nr = 0;
	if (!names)
		return 0;
	for (size_t i = 0; i < len; i++)
		count += names[i] == '\0';
	out = calloc(count, sizeof(*out));
	if (!out)
		return -ENOMEM;
	/* names[len] is a NUL too (the reply's reader adds one) */
	for (const char *p = names; p < names + len; p += strlen(p) + 1)
		if (libxl__parse_domid(p, &out[n]) == 0)
			n++;
	libxl__u32_sort(out, n);
	*ids = out;
	*nr = n;
	return 0;
}

/* What a domain may still take without asking: what it holds or is told to, less what is backed. */
uint64_t libxl__mem_outstanding(const struct hvctl_info *info, uint64_t target_kib)
{
	uint64_t holds;

	if (info->state == HVCTL_STATE_SHUTDOWN || info->state == HVCTL_STATE_CRASHED)
		return 0; /* going: its memory is the host's again */
	if (info->memory_pool == HVCTL_MEMORY_POOL_HUGETLB)
		return 0; /* its RAM was reserved whole from the hugetlb pool as it was built */
	holds = info->balloon_valid ? info->mem_current_kib : info->mem_kib;
	if (target_kib > holds)
		holds = target_kib;
	return info->mem_backed_kib < holds ? holds - info->mem_backed_kib : 0;
}
