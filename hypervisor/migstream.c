/*
 * The migration stream's reader (migstream.h, man/xenon-migration.7); the
 * writer is migstream_write.c, the checks of a disk's or NIC's state
 * migstream_vdev.c. The reader trusts nothing: a stream may come from a hostile or broken
 * sender, a corrupt or truncated file. Each record's size and fields are
 * checked from a table before its user sees it.
 */
#include "hypervisor/migstream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "iov.h"
#include "log.h"

/* ---- memory layout ---- */

static uint64_t low_bytes(uint64_t mem_bytes)
{
	return mem_bytes < MIG_LOW_RAM_MAX ? mem_bytes : MIG_LOW_RAM_MAX;
}

int mig_pfn_offset(uint64_t mem_bytes, uint64_t pfn, uint64_t *offset)
{
	uint64_t low = low_bytes(mem_bytes), gpa;

	if (pfn > MIG_PFN_MASK)
		return -ERANGE;
	gpa = pfn * MIG_PAGE_SIZE;
	if (gpa < low) {
		*offset = gpa;
		return 0;
	}
	if (gpa >= MIG_HIGH_RAM && gpa - MIG_HIGH_RAM < mem_bytes - low) {
		*offset = low + (gpa - MIG_HIGH_RAM);
		return 0;
	}
	return -ERANGE;
}

uint64_t mig_nr_frames(uint64_t mem_bytes)
{
	return mem_bytes / MIG_PAGE_SIZE;
}

uint64_t mig_frame_pfn(uint64_t mem_bytes, uint64_t n)
{
	uint64_t low = low_bytes(mem_bytes) / MIG_PAGE_SIZE;

	return n < low ? n : MIG_HIGH_RAM / MIG_PAGE_SIZE + (n - low);
}

/* ---- the record kinds ---- */

struct mig_reader;
typedef int (*check_fn)(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);

static int check_xsave(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_xcrs(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_msrs(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_events(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_mp_state(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_irqchip(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_clock(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_device(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_vdev(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);
static int check_vdev_plan(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p);

static const struct rec_kind {
	const char *name;
	uint64_t min, max; /* payload bytes */
	int per_vcpu;	   /* once per online vCPU, instance = its index */
	check_fn check;
} kinds[MIG_REC_TYPE_MAX] = {
    [MIG_REC_END] = {"end", 0, 0, 0, NULL},
    [MIG_REC_PAGES] = {"pages", 8, 8 + MIG_PAGES_MAX *(8 + MIG_PAGE_SIZE) + MIG_PAGE_SIZE - 8, 0, NULL},
    [MIG_REC_REGS] = {"regs", sizeof(struct kvm_regs), sizeof(struct kvm_regs), 1, NULL},
    [MIG_REC_SREGS] = {"sregs", sizeof(struct kvm_sregs), sizeof(struct kvm_sregs), 1, NULL},
    [MIG_REC_XSAVE] = {"xsave", MIG_XSAVE_MIN, MIG_XSAVE_MAX, 1, check_xsave},
    [MIG_REC_XCRS] = {"xcrs", sizeof(struct kvm_xcrs), sizeof(struct kvm_xcrs), 1, check_xcrs},
    [MIG_REC_MSRS] = {"msrs", sizeof(struct kvm_msrs),
		      sizeof(struct kvm_msrs) + MIG_MAX_MSRS * sizeof(struct kvm_msr_entry), 1, check_msrs},
    [MIG_REC_LAPIC] = {"lapic", sizeof(struct kvm_lapic_state), sizeof(struct kvm_lapic_state), 1, NULL},
    [MIG_REC_EVENTS] = {"events", sizeof(struct kvm_vcpu_events), sizeof(struct kvm_vcpu_events), 1,
			check_events},
    [MIG_REC_MP_STATE] = {"mp-state", sizeof(struct kvm_mp_state), sizeof(struct kvm_mp_state), 1,
			  check_mp_state},
    [MIG_REC_IRQCHIP] = {"irqchip", sizeof(struct kvm_irqchip), sizeof(struct kvm_irqchip), 0, check_irqchip},
    [MIG_REC_CLOCK] = {"clock", sizeof(struct kvm_clock_data), sizeof(struct kvm_clock_data), 0, check_clock},
    [MIG_REC_DEVICE] = {"device", MIG_DEVICE_NAME, MIG_DEVICE_NAME + MIG_DEVICE_MAX, 0, check_device},
    [MIG_REC_CONSOLE] = {"console", 0, MIG_CONSOLE_MAX, 0, NULL},
    [MIG_REC_VDEV] = {"vdev", sizeof(struct mig_vdev), sizeof(struct mig_vdev) + sizeof(struct mig_vbd), 0,
		      check_vdev},
    [MIG_REC_VDEV_PLAN] = {"vdev-plan", sizeof(struct mig_vdev_place),
			   MIG_VDEV_MAX * sizeof(struct mig_vdev_place), 0, check_vdev_plan},
};
_Static_assert(sizeof(struct mig_vbd) >= sizeof(struct mig_vif), "the VDEV maximum is a vbd's");
_Static_assert(sizeof(struct mig_vdev) % 8 == 0 && sizeof(struct mig_vdev_queue) == 48, "stream layout");

const char *mig_rec_name(uint32_t type)
{
	return type < MIG_REC_TYPE_MAX && kinds[type].name ? kinds[type].name : "unknown";
}

/* ---- the reader's state and its error messages ---- */

struct mig_reader {
	struct mig_source *src;
	const struct mig_reader_ops *ops;
	void *opaque;
	struct mig_header h;
	unsigned nrec;			 /* records read, this one included */
	uint64_t rec_pos;		 /* stream offset of the current record */
	struct mig_rec rec;		 /* the current record */
	uint64_t seen[MIG_REC_TYPE_MAX]; /* per-vCPU kinds: bitmap of vCPUs; others: of instances */
	uint8_t *buf;			 /* MIG_MAX_RECORD + padding */
	struct mig_vdev_place plan[MIG_VDEV_MAX]; /* the VDEV_PLAN's entries */
	unsigned nr_plan;
	uint64_t plan_met; /* bitmap: the entries a VDEV record came for */
};

__attribute__((format(printf, 2, 3))) static int bad(struct mig_reader *rd, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!rd->nrec)
		log_warnx("migration stream: header: %s", what);
	else
		log_warnx("migration stream: record %u (%s, instance %u) at byte %llu: %s", rd->nrec,
			  mig_rec_name(rd->rec.type), rd->rec.instance, (unsigned long long)rd->rec_pos,
			  what);
	return -EBADMSG;
}

static int check_xsave(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	(void)p;
	if (r->len % 4)
		return bad(rd, "XSAVE area of %llu bytes: not a whole number of 32-bit words",
			   (unsigned long long)r->len);
	return 0;
}

static int check_xcrs(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	struct kvm_xcrs x;

	(void)r;
	memcpy(&x, p, sizeof(x));
	if (x.nr_xcrs > KVM_MAX_XCRS || x.flags)
		return bad(rd, "%u XCRs (at most %d), flags %#x (none defined)", x.nr_xcrs, KVM_MAX_XCRS,
			   x.flags);
	return 0;
}

static int check_msrs(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	struct kvm_msrs m;

	memcpy(&m, p, sizeof(m));
	if (m.nmsrs > MIG_MAX_MSRS || r->len != sizeof(m) + (uint64_t)m.nmsrs * sizeof(struct kvm_msr_entry))
		return bad(rd, "%u MSRs in %llu bytes (at most %d, 16 bytes each after 8)", m.nmsrs,
			   (unsigned long long)r->len, MIG_MAX_MSRS);
	if (m.pad)
		return bad(rd, "padding not zero");
	return 0;
}

#define EVENTS_VALID                                                                                         \
	(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR | KVM_VCPUEVENT_VALID_SHADOW |    \
	 KVM_VCPUEVENT_VALID_SMM | KVM_VCPUEVENT_VALID_PAYLOAD | KVM_VCPUEVENT_VALID_TRIPLE_FAULT)

static int check_events(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	struct kvm_vcpu_events e;

	(void)r;
	memcpy(&e, p, sizeof(e));
	if (e.flags & ~EVENTS_VALID)
		return bad(rd, "unknown flags %#x", e.flags & ~EVENTS_VALID);
	return 0;
}

static int check_mp_state(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	struct kvm_mp_state m;

	(void)r;
	memcpy(&m, p, sizeof(m));
	if (m.mp_state > KVM_MP_STATE_SIPI_RECEIVED)
		return bad(rd, "MP state %u is not an x86 one (0 to %d)", m.mp_state,
			   KVM_MP_STATE_SIPI_RECEIVED);
	return 0;
}

static int check_irqchip(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	struct kvm_irqchip c;

	memcpy(&c, p, sizeof(c));
	if (r->instance >= MIG_IRQCHIPS || c.chip_id != r->instance)
		return bad(rd, "irqchip %u in a record for chip %u (0 to %d)", c.chip_id, r->instance,
			   MIG_IRQCHIPS - 1);
	return 0;
}

static int check_clock(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	struct kvm_clock_data c;
	const uint32_t known = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;

	(void)r;
	memcpy(&c, p, sizeof(c));
	if (c.flags & ~known)
		return bad(rd, "unknown clock flags %#x", c.flags & ~known);
	return 0;
}

/* A device's name: 1 to 15 of [a-z0-9_.-], NUL-padded. */
static int check_device(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	size_t n = strnlen((const char *)p, MIG_DEVICE_NAME);

	(void)r;
	if (!n || n == MIG_DEVICE_NAME)
		return bad(rd, "device name empty or not NUL-terminated");
	for (size_t i = 0; i < MIG_DEVICE_NAME; i++) {
		uint8_t c = p[i];

		if (i >= n ? c != 0 : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_.-", c)))
			return bad(rd, "device name has a byte %#x at %zu", c, i);
	}
	return 0;
}

static int check_planned(struct mig_reader *rd, const uint8_t *p);

static int check_vdev(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	char why[160];

	if (rd->h.version < 2)
		return bad(rd, "a version 1 stream has no VDEV records");
	if (r->instance >= MIG_VDEV_MAX)
		return bad(rd, "device %u (at most %d devices)", r->instance, MIG_VDEV_MAX);
	if (rd->seen[r->type] & (1ULL << r->instance))
		return bad(rd, "a second time");
	if (mig_vdev_check(p, r->len, why, sizeof(why)))
		return bad(rd, "%s", why);
	return rd->nr_plan ? check_planned(rd, p) : 0;
}

/* With a plan, a VDEV record is one of its devices, where the plan put it. */
static int check_planned(struct mig_reader *rd, const uint8_t *p)
{
	struct mig_vdev v;

	memcpy(&v, p, sizeof(v));
	for (unsigned i = 0; i < rd->nr_plan; i++) {
		const struct mig_vdev_place *e = &rd->plan[i];

		if (e->kind != v.kind || e->devid != v.devid)
			continue;
		if (e->base != v.base || e->irq != v.irq)
			return bad(rd, "%s %u at window %#llx, IRQ %u: the plan put it at %#llx, IRQ %u",
				   mig_vdev_kind_name(v.kind), v.devid, (unsigned long long)v.base, v.irq,
				   (unsigned long long)e->base, e->irq);
		rd->plan_met |= 1ULL << i;
		return 0;
	}
	return bad(rd, "%s %u is not in the stream's VDEV_PLAN", mig_vdev_kind_name(v.kind), v.devid);
}

static int check_place(struct mig_reader *rd, unsigned i)
{
	const struct mig_vdev_place *e = &rd->plan[i];
	char why[160];

	if (mig_vdev_place_check(e, why, sizeof(why)))
		return bad(rd, "entry %u: %s", i, why);
	for (unsigned j = 0; j < i; j++) {
		const struct mig_vdev_place *o = &rd->plan[j];

		if ((o->kind == e->kind && o->devid == e->devid) || o->base == e->base)
			return bad(rd, "entry %u: %s %u at %#llx: entry %u has that device or window", i,
				   mig_vdev_kind_name(e->kind), e->devid, (unsigned long long)e->base, j);
	}
	return 0;
}

/* The plan: the first record of a version 3 stream, if the domain has disks or NICs. */
static int check_vdev_plan(struct mig_reader *rd, const struct mig_rec *r, const uint8_t *p)
{
	if (rd->h.version < 3)
		return bad(rd, "a version %u stream has no VDEV_PLAN record", rd->h.version);
	if (rd->nrec != 1 || r->instance)
		return bad(rd, "a VDEV_PLAN must be the first record, instance 0");
	if (r->len % sizeof(rd->plan[0]))
		return bad(rd, "%llu bytes: not whole entries of %zu", (unsigned long long)r->len,
			   sizeof(rd->plan[0]));
	rd->nr_plan = (unsigned)(r->len / sizeof(rd->plan[0]));
	memcpy(rd->plan, p, r->len);
	for (unsigned i = 0; i < rd->nr_plan; i++)
		if (check_place(rd, i))
			return -EBADMSG;
	return 0;
}

/* ---- sources ---- */

static int src_readv(struct mig_source *s, struct iovec *iov, int n);

void mig_source_fd(struct mig_source *s, int fd)
{
	*s = (struct mig_source){.fd = fd, .sink_fd = -1};
}

void mig_source_buf(struct mig_source *s, const void *buf, size_t len)
{
	*s = (struct mig_source){.fd = -1, .buf = buf, .len = len, .sink_fd = -1};
}

int mig_source_splicing(const struct mig_source *s)
{
	return s->fd >= 0 && s->sink_fd >= 0 && s->spliced >= 0;
}

/*
 * One piece of frame data spliced from the pipe into the sink: 0, 1 (splice
 * does not apply: read it instead), -ENODATA at the end, -EIO.
 */
static int src_splice(struct mig_source *s, struct iovec *iov)
{
	loff_t off = (const uint8_t *)iov->iov_base - s->sink_base;

	while (iov->iov_len) {
		int rc = s->wait ? s->wait(s->wait_arg, s->fd) : 0;
		ssize_t got;

		if (rc)
			return rc;
		got = splice(s->fd, NULL, s->sink_fd, &off, iov->iov_len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EINVAL && !s->spliced) {
			s->spliced = -1; /* a file, not a pipe: read as before */
			return 1;
		}
		if (got < 0) {
			log_warn("migration stream: splicing at byte %llu", (unsigned long long)s->pos);
			return -EIO;
		}
		if (got == 0)
			return -ENODATA;
		s->spliced = 1;
		s->pos += (uint64_t)got;
		iov->iov_base = (uint8_t *)iov->iov_base + got;
		iov->iov_len -= (size_t)got;
	}
	return 0;
}

/*
 * A save file's frames read with O_DIRECT, from the disk straight into the
 * domain's RAM: read through the page cache, each page of it is fresh
 * memory first (on a host that is itself a VM, an outer fault) and then a
 * copy; 1 GiB into the hugetlb pool took 1.4-1.7 s so, 0.43 s direct, as
 * long as dd to /dev/null (bench/RESULTS.md). A file the page cache holds
 * mostly (one just written) is copied from there (mig_source_plan_direct);
 * otherwise the kernel's readahead is turned off for it (POSIX_FADV_RANDOM),
 * which would read the frames a second time. Only where the file offset and
 * every piece are 4 KiB-aligned (a v4 writer pads large PAGES records so:
 * mig_write_pages); elsewhere, and when the file system refuses O_DIRECT,
 * read as before.
 */
static bool direct_ready(struct mig_source *s)
{
	struct stat st;
	int fl;

	if (s->direct)
		return s->direct > 0;
	s->direct = -1;
	if (s->fd < 0 || fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode) || (fl = fcntl(s->fd, F_GETFL)) < 0)
		return false;
	posix_fadvise(s->fd, 0, 0, POSIX_FADV_RANDOM);
	s->fl = fl & ~O_DIRECT;
	s->direct = 1;
	return true;
}

/* How much of the file from off on the page cache holds, in pages; -1 if it cannot tell. */
static long cached_pages(int fd, off_t off, off_t end, long *pages)
{
	size_t len = (size_t)(end - off);
	unsigned char *vec;
	long held = 0;
	void *p;

	*pages = (long)((len + MIG_PAGE_SIZE - 1) / MIG_PAGE_SIZE);
	vec = malloc((size_t)*pages);
	p = vec && len ? mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off) : MAP_FAILED;
	if (p == MAP_FAILED || mincore(p, len, vec) < 0)
		held = -1;
	for (long i = 0; held >= 0 && i < *pages; i++)
		held += vec[i] & 1;
	if (p != MAP_FAILED)
		munmap(p, len);
	free(vec);
	return held;
}

void mig_source_plan_direct(struct mig_source *s)
{
	struct stat st;
	off_t off = s->fd >= 0 ? lseek(s->fd, 0, SEEK_CUR) : -1;
	long pages, held;

	if (off < 0 || fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= off)
		return;
	held = cached_pages(s->fd, off - off % MIG_PAGE_SIZE, st.st_size, &pages);
	if (held < 0 || held > pages / 2)
		s->direct = -1; /* (mostly) in the page cache: copied from there, faster than the disk */
}

static size_t iov_bytes(const struct iovec *iov, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

static bool iov_aligned(const struct iovec *iov, int n)
{
	for (int i = 0; i < n; i++)
		if ((uintptr_t)iov[i].iov_base % MIG_PAGE_SIZE || iov[i].iov_len % MIG_PAGE_SIZE)
			return false;
	return true;
}

/* The page-aligned buffer of what O_DIRECT reads past the data (one restore per process). */
static uint8_t ahead_buf[MIG_READ_AHEAD] __attribute__((aligned(MIG_PAGE_SIZE)));

/* What the last O_DIRECT read took past its data, into iov first: the bytes. */
static size_t take_ahead(struct mig_source *s, struct iovec **iov, int *n)
{
	size_t took = 0;

	while (*n > 0 && s->ahead_off < s->ahead_len) {
		size_t left = s->ahead_len - s->ahead_off,
		       k = left < (*iov)->iov_len ? left : (*iov)->iov_len;

		memcpy((*iov)->iov_base, ahead_buf + s->ahead_off, k);
		s->ahead_off += (uint32_t)k;
		s->pos += k;
		took += k;
		iov_advance(iov, n, k);
	}
	return took;
}

/*
 * From off on, the frames' data with O_DIRECT, and in the same disk read up
 * to MIG_READ_AHEAD bytes after it (the next record's header and frame list:
 * a disk read of their own each time otherwise), kept for the next reads;
 * *iov and *n advanced past the data read: its bytes. Stops early (the rest
 * is read as before, which reports an error) where O_DIRECT cannot go on.
 */
static ssize_t read_direct_at(struct mig_source *s, struct iovec **iov, int *n, off_t off)
{
	static struct iovec all[MIG_PAGES_MAX + 1];
	size_t len = iov_bytes(*iov, *n);
	ssize_t done = 0, got;
	struct iovec *v = all;
	int k = *n + 1;

	if (*n > MIG_PAGES_MAX || fcntl(s->fd, F_SETFL, s->fl | O_DIRECT) < 0)
		return 0;
	memcpy(all, *iov, sizeof(all[0]) * (size_t)*n);
	all[*n] = (struct iovec){ahead_buf, MIG_READ_AHEAD};
	while (k > 0) {
		got = preadv(s->fd, v, k > IOV_MAX ? IOV_MAX : k, off + done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EINVAL)
			s->direct = -1; /* this file system has no O_DIRECT: read as before */
		if (got <= 0)
			break;
		done += got;
		iov_advance(&v, &k, (size_t)got);
		if (got % MIG_PAGE_SIZE || (size_t)done >= len)
			break; /* the file's end (the rest as before, which says so), or the data all read */
	}
	fcntl(s->fd, F_SETFL, s->fl);
	s->ahead_off = 0;
	s->ahead_len = (size_t)done > len ? (uint32_t)((size_t)done - len) : 0;
	if ((size_t)done > len)
		done = (ssize_t)len;
	s->direct_bytes += (uint64_t)done;
	iov_advance(iov, n, (size_t)done);
	return done;
}

/* The frames' data read direct where it can be: 0, -EIO (offset lost); *iov and *n what is left. */
static int src_read_direct(struct mig_source *s, struct iovec **iov, int *n)
{
	off_t off;
	ssize_t done;

	take_ahead(s, iov, n);
	if (!*n || !direct_ready(s) || !iov_aligned(*iov, *n))
		return 0;
	off = lseek(s->fd, 0, SEEK_CUR);
	if (off < 0 || off % MIG_PAGE_SIZE)
		return 0;
	done = read_direct_at(s, iov, n, off);
	if (lseek(s->fd, off + done + s->ahead_len, SEEK_SET) < 0)
		return -EIO;
	s->pos += (uint64_t)done;
	return 0;
}

/* The frames' data: spliced into the sink while that works, else read (O_DIRECT where it can be). */
static int src_read_frames(struct mig_source *s, struct iovec *iov, int n)
{
	int rc = 0;

	for (; n > 0 && mig_source_splicing(s); iov++, n--)
		if ((rc = src_splice(s, iov)))
			break;
	if (!rc && n > 0 && s->fd >= 0 && (!s->wait || !(rc = s->wait(s->wait_arg, s->fd))))
		rc = src_read_direct(s, &iov, &n);
	if (rc < 0)
		return rc;
	return n > 0 ? src_readv(s, iov, n) : 0;
}

/* Exactly the bytes iov asks for: 0, -ENODATA at the end of the stream, -EIO. */
static int src_readv(struct mig_source *s, struct iovec *iov, int n)
{
	if (s->fd >= 0 && !s->direct)
		direct_ready(s); /* before the first read: no readahead of the frames */
	if (s->fd >= 0)
		take_ahead(s, &iov, &n);
	while (n > 0) {
		ssize_t got;

		if (s->fd < 0) {
			size_t left = s->len - s->pos;

			got = iov->iov_len < left ? iov->iov_len : left;
			memcpy(iov->iov_base, s->buf + s->pos, got);
		} else {
			int rc = s->wait ? s->wait(s->wait_arg, s->fd) : 0;

			if (rc)
				return rc;
			got = readv(s->fd, iov, n > IOV_MAX ? IOV_MAX : n);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				log_warn("migration stream: reading at byte %llu",
					 (unsigned long long)s->pos);
				return -EIO;
			}
		}
		if (got == 0 && iov->iov_len)
			return -ENODATA;
		s->pos += got;
		iov_advance(&iov, &n, (size_t)got);
	}
	return 0;
}

static int src_read(struct mig_source *s, void *buf, size_t len)
{
	struct iovec iov = {buf, len};

	return src_readv(s, &iov, 1);
}

static int truncated(struct mig_reader *rd, int rc)
{
	if (rc == -ENODATA && rd->nrec)
		log_warnx(
		    "migration stream: ends at byte %llu, inside record %u: the file is truncated or the "
		    "sender stopped",
		    (unsigned long long)rd->src->pos, rd->nrec);
	else if (rc == -ENODATA)
		log_warnx("migration stream: ends at byte %llu, inside the header: the file is truncated or "
			  "the sender stopped",
			  (unsigned long long)rd->src->pos);
	return rc;
}

/* ---- reading ---- */

static int read_header(struct mig_reader *rd)
{
	struct mig_header *h = &rd->h;
	uint64_t all;
	int rc = src_read(rd->src, h, sizeof(*h));
	size_t got = rd->src->pos < sizeof(h->magic) ? rd->src->pos : sizeof(h->magic);

	if (rc && (rc != -ENODATA || !memcmp(h->magic, MIG_MAGIC, got)))
		return truncated(rd, rc);
	if (memcmp(h->magic, MIG_MAGIC, got) || got < sizeof(h->magic))
		return bad(rd, "not a Xenon migration stream or save file (no XENONMIG magic)");
	if (h->version < 1 || h->version > MIG_VERSION || h->header_len != sizeof(*h))
		return bad(
		    rd, "version %u with a %u-byte header: this xenon-hv reads versions 1 to %d (%zu bytes)",
		    h->version, h->header_len, MIG_VERSION, sizeof(*h));
	if (!h->nr_vcpus || h->nr_vcpus > MIG_MAX_VCPUS)
		return bad(rd, "%u vCPUs (1 to %d)", h->nr_vcpus, MIG_MAX_VCPUS);
	all = h->nr_vcpus == 64 ? ~0ULL : (1ULL << h->nr_vcpus) - 1;
	if (!(h->vcpus_online & 1) || (h->vcpus_online & ~all))
		return bad(rd, "online vCPUs %#llx: vCPU 0 must be, and only the %u vCPUs there are",
			   (unsigned long long)h->vcpus_online, h->nr_vcpus);
	if (h->mem_bytes < MIG_MIN_MEM || h->mem_bytes > MIG_MAX_MEM || h->mem_bytes % (1 << 20))
		return bad(rd, "memory %llu bytes: whole MiB from %llu MiB to %llu GiB",
			   (unsigned long long)h->mem_bytes, MIG_MIN_MEM >> 20, MIG_MAX_MEM >> 30);
	if (h->platform != 1 && h->platform != 2)
		return bad(rd, "unknown platform %u", h->platform);
	if (h->flags || h->pad || h->reserved)
		return bad(rd, "flags %#x or reserved fields set (none defined)", h->flags);
	return rd->ops->header ? rd->ops->header(rd->opaque, h) : 0;
}

/* A PAGES record's pad (v4): len zero bytes. */
static int read_pad(struct mig_reader *rd, uint32_t len)
{
	static __thread uint8_t pad[MIG_PAGE_SIZE];
	int rc = len ? src_read(rd->src, pad, len) : 0;

	if (rc)
		return truncated(rd, rc);
	for (uint32_t i = 0; i < len; i++)
		if (pad[i])
			return bad(rd, "a PAGES record's pad holds a non-zero byte at %u", i);
	return 0;
}

/* A PAGES record: the frame list, checked whole, then the data straight into place. */
static int read_pages(struct mig_reader *rd)
{
	static __thread uint64_t pfns[MIG_PAGES_MAX];
	struct iovec iov[MIG_PAGES_MAX];
	uint32_t head[2];
	unsigned data = 0, n = 0;
	int rc = src_read(rd->src, head, sizeof(head));

	if (rc)
		return truncated(rd, rc);
	if (!head[0] || head[0] > MIG_PAGES_MAX || (rd->h.version < 4 && head[1]) ||
	    head[1] >= MIG_PAGE_SIZE || head[1] % 8)
		return bad(rd, "%u frames (1 to %d), pad %#x (version %u: %s)", head[0], MIG_PAGES_MAX,
			   head[1], rd->h.version, rd->h.version < 4 ? "0" : "a multiple of 8 below 4096");
	if ((rc = src_read(rd->src, pfns, head[0] * sizeof(pfns[0]))))
		return truncated(rd, rc);
	for (unsigned i = 0; i < head[0]; i++) {
		uint64_t pfn = pfns[i] & ~MIG_PFN_ZERO, off;

		if (mig_pfn_offset(rd->h.mem_bytes, pfn, &off))
			return bad(rd, "frame %#llx is outside the domain's %llu MiB of RAM",
				   (unsigned long long)pfns[i], (unsigned long long)(rd->h.mem_bytes >> 20));
		data += !(pfns[i] & MIG_PFN_ZERO);
	}
	if (rd->rec.len != 8 + 8ULL * head[0] + head[1] + (uint64_t)data * MIG_PAGE_SIZE)
		return bad(rd, "%llu bytes for %u frames of which %u have data, and %u of pad",
			   (unsigned long long)rd->rec.len, head[0], data, head[1]);
	if ((rc = read_pad(rd, head[1])))
		return rc;
	for (unsigned i = 0; i < head[0]; i++) {
		uint64_t pfn = pfns[i] & ~MIG_PFN_ZERO;

		if (pfns[i] & MIG_PFN_ZERO) {
			if (rd->ops->zero_page && (rc = rd->ops->zero_page(rd->opaque, pfn)))
				return rc;
			continue;
		}
		void *p = rd->ops->page ? rd->ops->page(rd->opaque, pfn) : NULL;

		if (!p)
			return bad(rd, "frame %#llx refused", (unsigned long long)pfn);
		/* frames adjacent in memory in one piece, as the writer sends them */
		if (n && (uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len == p)
			iov[n - 1].iov_len += MIG_PAGE_SIZE;
		else
			iov[n++] = (struct iovec){p, MIG_PAGE_SIZE};
	}
	for (unsigned i = 0; rd->ops->fill_ahead && i < n; i++)
		rd->ops->fill_ahead(rd->opaque, iov[i].iov_base, iov[i].iov_len);
	rc = src_read_frames(rd->src, iov, (int)n);
	return rc ? truncated(rd, rc) : 0;
}

/* At END: the state of every online vCPU, each irqchip and the clock. */
static int check_complete(struct mig_reader *rd)
{
	for (uint32_t t = 1; t < MIG_REC_TYPE_MAX; t++) {
		uint64_t want = kinds[t].per_vcpu      ? rd->h.vcpus_online
				: t == MIG_REC_IRQCHIP ? (1ULL << MIG_IRQCHIPS) - 1
				: t == MIG_REC_CLOCK   ? 1
						       : 0;

		if ((rd->seen[t] & want) != want)
			return bad(rd, "the stream ends without %s state (have %#llx of %#llx)",
				   kinds[t].name, (unsigned long long)rd->seen[t], (unsigned long long)want);
	}
	for (unsigned i = 0; i < rd->nr_plan; i++)
		if (!(rd->plan_met & (1ULL << i)))
			return bad(rd, "the stream ends without the VDEV record of the plan's %s %u",
				   mig_vdev_kind_name(rd->plan[i].kind), rd->plan[i].devid);
	return 0;
}

/* Size, instance and fields of a state record; the first of its kind and instance. */
static int check_record(struct mig_reader *rd, const struct rec_kind *k)
{
	struct mig_rec *r = &rd->rec;
	int once = k->per_vcpu || r->type == MIG_REC_IRQCHIP || r->type == MIG_REC_CLOCK;

	if (r->len < k->min || r->len > k->max)
		return bad(rd, "%llu bytes (%llu to %llu)", (unsigned long long)r->len,
			   (unsigned long long)k->min, (unsigned long long)k->max);
	if (k->per_vcpu && (r->instance >= 64 || !(rd->h.vcpus_online & (1ULL << r->instance))))
		return bad(rd, "vCPU %u is not online in this stream", r->instance);
	if (r->type == MIG_REC_CLOCK && r->instance)
		return bad(rd, "instance must be 0");
	if (once && r->instance < 64 && (rd->seen[r->type] & (1ULL << r->instance)))
		return bad(rd, "a second time");
	return 0;
}

static int read_state(struct mig_reader *rd, const struct rec_kind *k)
{
	struct mig_rec *r = &rd->rec;
	uint64_t padded = MIG_PAD8(r->len);
	int rc = check_record(rd, k);

	if (rc)
		return rc;
	if ((rc = src_read(rd->src, rd->buf, padded)))
		return truncated(rd, rc);
	for (uint64_t i = r->len; i < padded; i++)
		if (rd->buf[i])
			return bad(rd, "padding not zero");
	if (k->check && (rc = k->check(rd, r, rd->buf)))
		return rc;
	if (r->instance < 64)
		rd->seen[r->type] |= 1ULL << r->instance;
	return rd->ops->record ? rd->ops->record(rd->opaque, r, rd->buf) : 0;
}

static int read_records(struct mig_reader *rd)
{
	for (;;) {
		struct mig_rec *r = &rd->rec;
		int rc;

		rd->rec_pos = rd->src->pos;
		rd->nrec++;
		if ((rc = src_read(rd->src, r, sizeof(*r))))
			return truncated(rd, rc);
		if (!r->type || r->type >= MIG_REC_TYPE_MAX)
			return bad(rd, "unknown record type %u", r->type);
		if (r->type == MIG_REC_END) {
			if (r->len || r->instance)
				return bad(rd, "END with a payload or an instance");
			rc = check_complete(rd);
			return rc ? rc : rd->ops->end ? rd->ops->end(rd->opaque) : 0;
		}
		if (r->type == MIG_REC_PAGES) {
			if (r->len > kinds[MIG_REC_PAGES].max || r->len % 8 || r->instance)
				return bad(rd, "%llu bytes (a multiple of 8, at most %llu), instance %u",
					   (unsigned long long)r->len,
					   (unsigned long long)kinds[MIG_REC_PAGES].max, r->instance);
			rc = read_pages(rd);
		} else {
			rc = read_state(rd, &kinds[r->type]);
		}
		if (rc)
			return rc;
	}
}

struct mig_reader *mig_reader_new(struct mig_source *s, const struct mig_reader_ops *ops, void *opaque)
{
	struct mig_reader *rd = calloc(1, sizeof(*rd));

	if (!rd || !(rd->buf = malloc(MIG_PAD8(MIG_MAX_RECORD)))) {
		free(rd);
		return NULL;
	}
	rd->src = s;
	rd->ops = ops;
	rd->opaque = opaque;
	return rd;
}

int mig_read_header(struct mig_reader *rd)
{
	return read_header(rd);
}

int mig_read_records(struct mig_reader *rd)
{
	return read_records(rd);
}

void mig_reader_free(struct mig_reader *rd)
{
	if (rd)
		free(rd->buf);
	free(rd);
}

int mig_read(struct mig_source *s, const struct mig_reader_ops *ops, void *opaque)
{
	struct mig_reader *rd = mig_reader_new(s, ops, opaque);
	int rc;

	if (!rd)
		return -ENOMEM;
	rc = read_header(rd);
	if (!rc)
		rc = read_records(rd);
	mig_reader_free(rd);
	return rc;
}
