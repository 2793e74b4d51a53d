/*
 * KVM's own counters of each vCPU, from its binary statistics
 * (KVM_GET_STATS_FD, Linux >= 5.14; Documentation/virt/kvm/api.rst): how
 * often the vCPU left guest mode and how many instructions KVM's emulator ran
 * for it. They tell a guest that runs natively (few exits, next to nothing
 * emulated) from one that is emulated (every instruction counted), whatever
 * the speed of the host.
 *
 * The file: a header, num_desc descriptors (each followed by name_size bytes
 * of name) at desc_offset, the values (u64) at data_offset + each offset.
 * The descriptors are read once per vCPU; the values on every info request.
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"

#define MAX_NAME_SIZE 4096
#define MAX_DESCS     4096

/* HVCTL_STAT_NAMES, then xenon-hv's own (HV_STAT_BLOCKING). */
static const struct {
	const char *public[HV_NR_STATS];
	const char *own[HV_NR_POS - HV_NR_STATS];
} stat_names = {HVCTL_STAT_NAMES, {"blocking"}};
#define STAT_NAME(i) ((i) < HV_NR_STATS ? stat_names.public[i] : stat_names.own[(i)-HV_NR_STATS])

int hv_stats_parse(const struct kvm_stats_header *h, const uint8_t *descs, size_t len, uint64_t *pos)
{
	size_t each = sizeof(struct kvm_stats_desc) + h->name_size;
	char name[MAX_NAME_SIZE];
	int found = 0;

	for (unsigned i = 0; i < HV_NR_POS; i++)
		pos[i] = HV_STAT_MISSING;
	if (h->name_size == 0 || h->name_size > MAX_NAME_SIZE || h->num_desc > len / each)
		return -EPROTO;
	for (uint32_t d = 0; d < h->num_desc; d++) {
		struct kvm_stats_desc desc;
		const uint8_t *p = descs + d * each;

		memcpy(&desc, p, sizeof(desc));
		memcpy(name, p + sizeof(desc), h->name_size);
		if (!memchr(name, '\0', h->name_size) || desc.size != 1)
			continue; /* an unterminated name, or a histogram */
		for (unsigned i = 0; i < HV_NR_POS; i++) {
			if (strcmp(name, STAT_NAME(i)) || pos[i] != HV_STAT_MISSING)
				continue;
			pos[i] = (uint64_t)h->data_offset + desc.offset;
			found += i < HV_NR_STATS;
		}
	}
	return found ? 0 : -ENOENT;
}

static int read_descs(int fd, uint64_t *pos)
{
	struct kvm_stats_header h;
	uint8_t *descs;
	size_t len;
	int rc;

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -EPROTO;
	if (h.name_size == 0 || h.name_size > MAX_NAME_SIZE || h.num_desc > MAX_DESCS)
		return -EPROTO;
	len = (size_t)h.num_desc * (sizeof(struct kvm_stats_desc) + h.name_size);
	descs = malloc(len ? len : 1);
	if (!descs)
		return -ENOMEM;
	rc = pread(fd, descs, len, h.desc_offset) == (ssize_t)len ? hv_stats_parse(&h, descs, len, pos)
								  : -EPROTO;
	free(descs);
	return rc;
}

int hv_stats_setup(struct hv_vcpu *v, int fd)
{
	int rc = fd < 0 ? fd : read_descs(fd, v->stats_pos);

	if (rc) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	v->stats_fd = fd;
	v->stats_err = rc;
	atomic_store(&v->stats_ready, 1);
	return rc;
}

int hv_stats_open(struct hv_vcpu *v)
{
	int fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	int rc = hv_stats_setup(v, fd < 0 ? -errno : fd);

	if (rc)
		log_debug("vCPU %u: no KVM statistics: %s", v->index, log_strerror(rc));
	return rc;
}

void hv_stats_read(struct hv_vcpu *v, uint64_t *out)
{
	for (unsigned i = 0; i < HV_NR_STATS; i++) {
		out[i] = HVCTL_STAT_NONE;
		if (v->stats_fd >= 0 && v->stats_pos[i] != HV_STAT_MISSING &&
		    pread(v->stats_fd, &out[i], sizeof(out[i]), (off_t)v->stats_pos[i]) !=
			(ssize_t)sizeof(out[i]))
			out[i] = HVCTL_STAT_NONE;
	}
}

int hv_stats_blocking(struct hv_vcpu *v)
{
	uint64_t value;

	if (!atomic_load(&v->stats_ready) || v->stats_fd < 0 ||
	    v->stats_pos[HV_STAT_BLOCKING] == HV_STAT_MISSING ||
	    pread(v->stats_fd, &value, sizeof(value), (off_t)v->stats_pos[HV_STAT_BLOCKING]) !=
		(ssize_t)sizeof(value))
		return -1;
	return value != 0;
}

void hv_stats_fill(struct hv_vm *vm, struct hvctl_info *info)
{
	info->kvm_stats = 1;
	for (unsigned i = 0; i < HVCTL_MAX_VCPUS; i++) {
		struct hv_vcpu *v = i < vm->args.nr_vcpus ? &vm->vcpus[i] : NULL;

		if (v && atomic_load(&v->stats_ready)) {
			hv_stats_read(v, info->vcpu_stats[i]);
			if (!info->kvm_stats_error)
				info->kvm_stats_error = v->stats_err;
		} else {
			memset(&info->vcpu_stats[i], 0xff, sizeof(info->vcpu_stats[i]));
		}
	}
}
