/*
 * xenon-hv's reader of KVM's binary statistics (hypervisor/stats.c), on a
 * file laid out as KVM_GET_STATS_FD's: a header, descriptors each followed by
 * its name, the values. A memfd stands in for the stats fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "unit.h"

#define NAME_SIZE 48
#define ID_SIZE	  48

struct fake_stat {
	const char *name; /* NULL: a name that fills NAME_SIZE with no NUL */
	uint16_t size;	  /* values (u64): 1 for a counter, more for a histogram */
	uint32_t offset;  /* from the start of the data */
};

static const struct fake_stat fake[] = {
    {"halt_poll_success_hist", 32, 0},
    {"insn_emulation", 1, 256},
    {NULL, 1, 264}, /* unterminated: skipped */
    {"exits", 1, 272},
    {"io_exits", 1, 280},
    {"mmio_exits", 1, 288},
    {"exits", 1, 296},	  /* a second "exits": the first one counts */
    {"blocking", 1, 304}, /* xenon-hv's own (vcpu_state.c) */
			  /* no halt_exits: reported as missing */
};
#define NR_FAKE	  (sizeof(fake) / sizeof(fake[0]))
#define DESC_SIZE (sizeof(struct kvm_stats_desc) + NAME_SIZE)

static struct kvm_stats_header fake_header(void)
{
	struct kvm_stats_header h = {
	    .name_size = NAME_SIZE,
	    .num_desc = NR_FAKE,
	    .id_offset = sizeof(h),
	    .desc_offset = sizeof(h) + ID_SIZE,
	};

	h.data_offset = h.desc_offset + NR_FAKE * DESC_SIZE;
	return h;
}

/* The descriptor block of fake[], into buf (NR_FAKE * DESC_SIZE bytes). */
static void fake_descs(uint8_t *buf)
{
	memset(buf, 0, NR_FAKE * DESC_SIZE);
	for (unsigned i = 0; i < NR_FAKE; i++) {
		struct kvm_stats_desc d = {
		    .flags = KVM_STATS_TYPE_CUMULATIVE, .size = fake[i].size, .offset = fake[i].offset};
		uint8_t *p = buf + i * DESC_SIZE;

		memcpy(p, &d, sizeof(d));
		if (fake[i].name)
			strcpy((char *)p + sizeof(d), fake[i].name);
		else
			memset(p + sizeof(d), 'x', NAME_SIZE);
	}
}

/* A whole stats file: exits 1000, insn_emulation 7, io_exits 30, mmio_exits 0, blocking 1. */
static int fake_file(void)
{
	struct kvm_stats_header h = fake_header();
	uint8_t descs[NR_FAKE * DESC_SIZE];
	uint64_t values[] = {7, 0xbad, 1000, 30, 0, 0xbad, 1};
	int fd = memfd_create("kvm-stats", MFD_CLOEXEC);

	fake_descs(descs);
	if (fd < 0 || pwrite(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    pwrite(fd, "kvm-1234/vcpu-0", 16, h.id_offset) != 16 ||
	    pwrite(fd, descs, sizeof(descs), h.desc_offset) != sizeof(descs) ||
	    pwrite(fd, values, sizeof(values), h.data_offset + 256) != sizeof(values))
		return -1;
	return fd;
}

static void test_parse_finds_counters(void)
{
	struct kvm_stats_header h = fake_header();
	uint8_t descs[NR_FAKE * DESC_SIZE];
	uint64_t pos[HV_NR_POS];

	fake_descs(descs);
	CHECK_INT(hv_stats_parse(&h, descs, sizeof(descs), pos), 0);
	CHECK_INT(pos[HVCTL_STAT_EXITS], h.data_offset + 272);
	CHECK_INT(pos[HVCTL_STAT_INSN_EMULATION], h.data_offset + 256);
	CHECK_INT(pos[HVCTL_STAT_IO_EXITS], h.data_offset + 280);
	CHECK_INT(pos[HVCTL_STAT_MMIO_EXITS], h.data_offset + 288);
	CHECK(pos[HVCTL_STAT_HALT_EXITS] == HV_STAT_MISSING);
	CHECK_INT(pos[HV_STAT_BLOCKING], h.data_offset + 304);
}

static void test_parse_refuses_bad_headers(void)
{
	struct kvm_stats_header h = fake_header();
	uint8_t descs[NR_FAKE * DESC_SIZE];
	uint64_t pos[HV_NR_POS];

	fake_descs(descs);
	/* more descriptors than the block holds */
	CHECK_INT(hv_stats_parse(&h, descs, sizeof(descs) - 1, pos), -EPROTO);
	h.name_size = 0;
	CHECK_INT(hv_stats_parse(&h, descs, sizeof(descs), pos), -EPROTO);
	h.name_size = 1 << 20;
	CHECK_INT(hv_stats_parse(&h, descs, sizeof(descs), pos), -EPROTO);
	for (unsigned i = 0; i < HV_NR_POS; i++)
		CHECK(pos[i] == HV_STAT_MISSING);
	/* none of the counters: nothing to report */
	h = fake_header();
	h.num_desc = 1; /* only the histogram */
	CHECK_INT(hv_stats_parse(&h, descs, sizeof(descs), pos), -ENOENT);
}

static void test_read_gives_current_values(void)
{
	struct hv_vcpu v = {0};
	uint64_t st[HV_NR_STATS];
	uint64_t more = 1500;
	int fd = fake_file();

	CHECK(fd >= 0);
	CHECK_INT(hv_stats_setup(&v, fd), 0);
	CHECK_INT(v.stats_fd, fd);
	CHECK_INT(atomic_load(&v.stats_ready), 1);
	hv_stats_read(&v, st);
	CHECK_INT(st[HVCTL_STAT_EXITS], 1000);
	CHECK_INT(st[HVCTL_STAT_INSN_EMULATION], 7);
	CHECK_INT(st[HVCTL_STAT_IO_EXITS], 30);
	CHECK_INT(st[HVCTL_STAT_MMIO_EXITS], 0);
	CHECK(st[HVCTL_STAT_HALT_EXITS] == HVCTL_STAT_NONE);
	/* read again at each request, not cached */
	CHECK(pwrite(fd, &more, sizeof(more), v.stats_pos[HVCTL_STAT_EXITS]) == sizeof(more));
	hv_stats_read(&v, st);
	CHECK_INT(st[HVCTL_STAT_EXITS], 1500);
	/* blocking: read anew each time too */
	CHECK_INT(hv_stats_blocking(&v), 1);
	more = 0;
	CHECK(pwrite(fd, &more, sizeof(more), v.stats_pos[HV_STAT_BLOCKING]) == sizeof(more));
	CHECK_INT(hv_stats_blocking(&v), 0);
	close(fd);
}

static void test_no_stats_fd(void)
{
	struct hv_vcpu v = {0};
	uint64_t st[HV_NR_STATS];
	int fd = memfd_create("empty", MFD_CLOEXEC);

	CHECK_INT(hv_stats_blocking(&v), -1); /* not set up yet */
	CHECK_INT(hv_stats_setup(&v, -ENOTTY), -ENOTTY);
	CHECK_INT(v.stats_fd, -1);
	CHECK_INT(v.stats_err, -ENOTTY);
	CHECK_INT(hv_stats_blocking(&v), -1);
	hv_stats_read(&v, st);
	for (unsigned i = 0; i < HV_NR_STATS; i++)
		CHECK(st[i] == HVCTL_STAT_NONE);
	/* a file too short for its header: refused, and the fd is closed */
	CHECK(fd >= 0);
	CHECK_INT(hv_stats_setup(&v, fd), -EPROTO);
	CHECK_INT(v.stats_fd, -1);
	CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
}

static void test_fill_info(void)
{
	static struct hv_vm vm;
	static struct hvctl_info info;
	struct hv_vcpu vcpus[3] = {{0}};
	int fd = fake_file();

	vm.args.nr_vcpus = 3;
	vm.vcpus = vcpus;
	CHECK_INT(hv_stats_setup(&vcpus[0], fd), 0);
	hv_stats_setup(&vcpus[1], -ENOTTY);
	/* vCPU 2 not created yet */
	hv_stats_fill(&vm, &info);
	CHECK_INT(info.kvm_stats, 1);
	CHECK_INT(info.kvm_stats_error, -ENOTTY);
	CHECK_INT(info.vcpu_stats[0][HVCTL_STAT_EXITS], 1000);
	CHECK_INT(info.vcpu_stats[0][HVCTL_STAT_INSN_EMULATION], 7);
	CHECK(info.vcpu_stats[1][HVCTL_STAT_EXITS] == HVCTL_STAT_NONE);
	CHECK(info.vcpu_stats[2][HVCTL_STAT_INSN_EMULATION] == HVCTL_STAT_NONE);
	CHECK(info.vcpu_stats[HVCTL_MAX_VCPUS - 1][HVCTL_STAT_EXITS] == HVCTL_STAT_NONE);
	close(fd);
}

int main(void)
{
	RUN(test_parse_finds_counters);
	RUN(test_parse_refuses_bad_headers);
	RUN(test_read_gives_current_values);
	RUN(test_no_stats_fd);
	RUN(test_fill_info);
	return unit_done();
}
