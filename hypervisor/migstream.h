/*
 * The save/restore/migration stream of xenon-hv (man/xenon-migration.7):
 * a header, then records (type, instance, length, payload padded to 8
 * bytes) up to an END record. Memory travels in PAGES records (a list of
 * frame numbers, zero pages flagged instead of sent, then the data of the
 * others); vCPU, irqchip, clock and device state in records of their own.
 *
 * The writer (migstream_write.c) puts records on an fd (pages straight
 * from guest RAM with writev, no copies); the reader (migstream.c) takes a
 * stream from an fd or a buffer and calls its user back for each record
 * only after checking everything the format says about it (sizes, fields,
 * frame numbers inside the RAM the header announces, each vCPU's state
 * exactly once, nothing after END). A stream it refuses gets one log line
 * that says where and what, and -EBADMSG (or -EIO: read error, -ENODATA:
 * truncated). Standalone (no hv.h): the unit tests and the fuzzer link it alone.
 */
#ifndef XENON_HV_MIGSTREAM_H
#define XENON_HV_MIGSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define MIG_MAGIC	"XENONMIG" /* 8 bytes, no NUL */
#define MIG_VERSION	4	   /* 2: VDEV records, 3: VDEV_PLAN, 4: PAGES' pad; 1 to 3 are read too */
#define MIG_PAGE_SIZE	4096
#define MIG_MAX_VCPUS	64
#define MIG_MIN_MEM	(4ULL << 20)
#define MIG_MAX_MEM	(1ULL << 40)
#define MIG_LOW_RAM_MAX (3ULL << 30) /* RAM at [0, min(mem, 3 GiB)), the rest at 4 GiB */
#define MIG_HIGH_RAM	(4ULL << 30)

#define MIG_PAGES_MAX	512	     /* frames in one PAGES record */
/* A PAGES record with this many frames of data or more has its data start at a multiple of 4 KiB of
 * the stream (v4). */
#define MIG_PAGES_ALIGN_MIN 64
#define MIG_PFN_ZERO	(1ULL << 63) /* the frame is all zeros: no data follows for it */
#define MIG_PFN_MASK	((1ULL << 40) - 1)
#define MIG_MAX_MSRS	256
#define MIG_XSAVE_MIN	4096
#define MIG_XSAVE_MAX	65536
#define MIG_DEVICE_NAME 16
#define MIG_DEVICE_MAX	65536 /* a device's own state, after its name */
#define MIG_CONSOLE_MAX 16384
#define MIG_MAX_RECORD	(MIG_DEVICE_NAME + MIG_DEVICE_MAX) /* largest non-PAGES payload */
#define MIG_IRQCHIPS	3				   /* PIC master, PIC slave, IOAPIC (KVM_IRQCHIP_*) */

/* A record's payload is padded to 8 bytes with zeros. */
#define MIG_PAD8(n) (((n) + 7) & ~(uint64_t)7)

/* 64 bytes, first in the stream. */
struct mig_header {
	char magic[8];
	uint32_t version;
	uint32_t header_len; /* sizeof(struct mig_header) */
	uint32_t nr_vcpus;
	uint32_t platform; /* XENON_PLATFORM_* of the source */
	uint64_t mem_bytes;
	uint64_t vcpus_online; /* bitmap: the vCPUs whose state follows */
	uint64_t tsc_khz;
	uint32_t flags; /* none defined: 0 */
	uint32_t pad;
	uint64_t reserved;
};

/* 16 bytes before each payload; the payload is padded with zeros to 8 bytes. */
struct mig_rec {
	uint32_t type;
	uint32_t instance; /* vCPU index, irqchip id, device number; else 0 */
	uint64_t len;	   /* payload bytes, without the padding */
};

enum mig_rec_type {
	MIG_REC_END = 1,
	MIG_REC_PAGES,	  /* u32 count, u32 0, u64 frame[count], then 4 KiB per non-zero frame */
	MIG_REC_REGS,	  /* struct kvm_regs */
	MIG_REC_SREGS,	  /* struct kvm_sregs */
	MIG_REC_XSAVE,	  /* struct kvm_xsave (KVM_GET_XSAVE2: 4 KiB or more) */
	MIG_REC_XCRS,	  /* struct kvm_xcrs */
	MIG_REC_MSRS,	  /* struct kvm_msrs with its entries */
	MIG_REC_LAPIC,	  /* struct kvm_lapic_state */
	MIG_REC_EVENTS,	  /* struct kvm_vcpu_events */
	MIG_REC_MP_STATE, /* struct kvm_mp_state */
	MIG_REC_IRQCHIP,  /* struct kvm_irqchip, instance = chip_id */
	MIG_REC_CLOCK,	  /* struct kvm_clock_data */
	MIG_REC_DEVICE,	  /* char name[16] (NUL-terminated), then the device's own state */
	MIG_REC_CONSOLE,  /* the console ring's bytes, oldest first */
	MIG_REC_VDEV,	  /* version 2: a disk or NIC: struct mig_vdev, then its kind's part */
	MIG_REC_VDEV_PLAN, /* version 3: struct mig_vdev_place[], the first record */
	MIG_REC_TYPE_MAX
};

const char *mig_rec_name(uint32_t type);

/*
 * A VDEV record (version 2): one disk or NIC (docs/devices.md), drained
 * first (no request in flight): its virtio-mmio transport (virtio_mmio.h)
 * as the driver left it, then dev_len bytes of its kind's own state
 * (struct mig_vbd or struct mig_vif). The instance is the device's index.
 */
#define MIG_VDEV_QUEUES	   8	/* VMMIO_MAX_QUEUES */
#define MIG_VDEV_QUEUE_MAX 1024 /* VIRTQ_MAX_SIZE */
#define MIG_VDEV_KIND_VBD  1	/* HVCTL_DEV_VBD */
#define MIG_VDEV_KIND_VIF  2	/* HVCTL_DEV_VIF */
#define MIG_VDEV_MAX	   32	/* VDEV records in one stream */

struct mig_vdev_queue {		       /* 48 bytes */
	uint64_t desc, driver, device; /* the queue's address registers */
	uint32_t num;		       /* QueueNum as written (a power of two up to 1024 once ready) */
	uint16_t last_avail, used_idx; /* the device's place in the rings */
	uint16_t signalled_used;
	uint8_t ready, signalled_used_valid, notify_enabled, broken; /* each 0 or 1 */
	uint32_t pad[2];
};

struct mig_vdev {
	uint32_t kind;	/* MIG_VDEV_KIND_* */
	uint32_t devid; /* the Xen devid (a vbd's virtual-device, a vif's handle) */
	uint64_t base;	/* the window's guest-physical address */
	uint32_t irq;	/* its IOAPIC pin */
	uint32_t device_id;
	uint32_t status; /* the virtio device status the driver set */
	uint32_t interrupt_status;
	uint64_t driver_features;
	uint32_t dev_features_sel, drv_features_sel, queue_sel, config_generation;
	uint8_t needs_reset, pad8[3];
	uint32_t nr_queues; /* 1 to MIG_VDEV_QUEUES: q[nr_queues..] are all zero */
	uint32_t dev_len;   /* the kind's part after this structure */
	uint32_t pad;
	struct mig_vdev_queue q[MIG_VDEV_QUEUES];
};

struct mig_vbd {
	uint64_t sectors;  /* the disk's size when saved: the target's must be the same */
	uint8_t readonly;  /* 0 or 1 */
	uint8_t writeback; /* the driver's cache mode (config writeback), 0 or 1 */
	uint8_t pad[2];
	char serial[20]; /* VIRTIO_BLK_ID_BYTES, printable ASCII, NUL-padded */
};

struct mig_vif {
	uint8_t mac[6]; /* unicast */
	uint16_t pad;
	uint32_t mtu;	     /* 68 to 65535 */
	uint32_t rate_usecs; /* rate=: the interval, 0 if no rate */
	uint64_t rate_bytes; /* bytes per interval, 0 if no rate */
	uint64_t rate_left;  /* what was left of the interval's budget (<= rate_bytes) */
};

/*
 * A VDEV_PLAN record (version 3): where each disk and NIC the stream will
 * carry a VDEV record for sits, sent first (before any memory) so that the
 * target can add its devices while the memory still flows; each VDEV
 * record must then be one of the plan's, and each of the plan's must come.
 */
struct mig_vdev_place {
	uint32_t kind;	/* MIG_VDEV_KIND_* */
	uint32_t devid; /* the Xen devid */
	uint64_t base;	/* the window's guest-physical address */
	uint32_t irq;	/* its IOAPIC pin */
	uint32_t pad;	/* 0 */
};

/* "vbd" or "vif", for messages. */
const char *mig_vdev_kind_name(uint32_t kind);

/* The checks the reader makes on a VDEV payload of len bytes (also for the
 * restoring device, which then checks it against itself): 0 or -EBADMSG
 * with why (at most whylen bytes). */
int mig_vdev_check(const void *p, size_t len, char *why, size_t whylen);
/* A VDEV_PLAN entry's own fields (kind, window, IRQ, padding): 0 or -EBADMSG with why. */
int mig_vdev_place_check(const struct mig_vdev_place *e, char *why, size_t whylen);

/* Where frame pfn lives in a RAM of mem_bytes (the offset in the memfd): 0, or -ERANGE. */
int mig_pfn_offset(uint64_t mem_bytes, uint64_t pfn, uint64_t *offset);
/* How many frames a RAM of mem_bytes has, and the n-th of them (n < count). */
uint64_t mig_nr_frames(uint64_t mem_bytes);
uint64_t mig_frame_pfn(uint64_t mem_bytes, uint64_t n);

/* ---- writing ---- */
/*
 * The header and records are held (copied) and go out with the next pages
 * or the end: the paused state (a few dozen small records) reaches the
 * receiver in one write, not one write and one wake-up of it per record.
 * Pages are written from where they are, without a copy.
 */
#define MIG_HOLD_MAX (256 * 1024) /* a record as large or larger goes out at once */

struct mig_writer {
	int fd;
	uint64_t bytes; /* written so far (what is held is not) */
	uint8_t *held;
	size_t held_len, held_cap;
	/* The fd is a pipe and the frames' data stays where it is while the
	 * reader may still read it (guest RAM): vmsplice'd, not copied into
	 * the pipe. A frame written again after is sent again by pre-copy. */
	int splice_pages;
};

void mig_writer_init(struct mig_writer *w, int fd);
/* What is held is dropped (a stream given up); mig_write_end does it too. */
void mig_writer_release(struct mig_writer *w);
int mig_write_header(struct mig_writer *w, const struct mig_header *h);
/* One record whose payload is a then b (b may be NULL). */
int mig_write_record(struct mig_writer *w, uint32_t type, uint32_t instance, const void *a, size_t alen,
		     const void *b, size_t blen);
/* count (<= MIG_PAGES_MAX) frames; data[i] is frame i's 4 KiB unless pfns[i] has MIG_PFN_ZERO. */
int mig_write_pages(struct mig_writer *w, const uint64_t *pfns, const void *const *data, unsigned count);
/* The END record, with all that is held, written; then as mig_writer_release. */
int mig_write_end(struct mig_writer *w);
/* What another writer holds (records it has only held: fd -1), put after w's; from is released. */
int mig_write_held(struct mig_writer *w, struct mig_writer *from);

/* ---- reading ---- */
struct mig_reader_ops {
	/* The header, checked: make ready for a domain of that shape. */
	int (*header)(void *opaque, const struct mig_header *h);
	/* Where frame pfn's data goes (4 KiB), NULL to refuse. Called for the
	 * frames of a PAGES record before their data is read. */
	void *(*page)(void *opaque, uint64_t pfn);
	/* Frame pfn is all zeros. */
	int (*zero_page)(void *opaque, uint64_t pfn);
	/* Any other record but END, checked; payload is r->len bytes. */
	int (*record)(void *opaque, const struct mig_rec *r, const void *payload);
	/* END, after the reader saw the state of every online vCPU, every irqchip and the clock. */
	int (*end)(void *opaque);
	/* Optional: [addr, addr+len) (pages page gave, adjacent) is about to
	 * be read into: a chance to back it in one go rather than fault by fault. */
	void (*fill_ahead)(void *opaque, void *addr, size_t len);
};

struct mig_source {
	int fd;		    /* -1: read buf */
	const uint8_t *buf; /* the whole stream */
	size_t len;
	uint64_t pos; /* bytes consumed */
	/* Optional, for an fd: called before each read (a restoring xenon-hv
	 * serves its control socket until the fd is readable); non-zero stops. */
	int (*wait)(void *arg, int fd);
	void *wait_arg;
	/* Optional, for an fd that is a pipe: the frames' data is spliced into
	 * sink_fd at (where page put it - sink_base), not copied through the
	 * mapping: a page of a shmem file written whole is never zeroed first,
	 * one it faults in is (a migration's target spent most of its time
	 * zeroing). sink_fd -1: none; splicing stops at the first EINVAL (not
	 * a pipe), and the rest is read as before. */
	int sink_fd;
	const uint8_t *sink_base;
	int spliced; /* 1: splice works, -1: it does not, 0: not tried yet */
	/* For an fd that is a regular file: 1 while frames are read with
	 * O_DIRECT where they are aligned (migstream.c), -1 never, 0 not
	 * tried yet; fl its file status flags without O_DIRECT. */
	int direct;
	int fl;
	uint64_t direct_bytes; /* of pos, how many were read O_DIRECT */
	/* What an O_DIRECT read took past the frames' data (the next record's
	 * header, in the same disk read): [ahead_off, ahead_len) of a buffer of
	 * MIG_READ_AHEAD bytes, the stream's next bytes, read before the fd. */
	uint32_t ahead_off, ahead_len;
};
#define MIG_READ_AHEAD 8192 /* a padded PAGES record of 512 frames: header, frame list and pad */

/* 1 while the source splices frames into its sink (not tried yet: likely). */
int mig_source_splicing(const struct mig_source *s);

void mig_source_fd(struct mig_source *s, int fd);
/*
 * For a save file, before the sandbox (mincore tells a process that may not
 * write the file that all of it is cached): its frames are read O_DIRECT
 * unless the page cache holds most of what is left of it (a file just
 * written), copied from there then. Call with the fd where the stream's
 * records start. Without it, an aligned file's frames are read O_DIRECT.
 */
void mig_source_plan_direct(struct mig_source *s);
void mig_source_buf(struct mig_source *s, const void *buf, size_t len);
/* Reads up to and including END; what a callback returns stops it (and is returned). */
int mig_read(struct mig_source *s, const struct mig_reader_ops *ops, void *opaque);
/* The same in two steps, for a reader that changes between them (a
 * restoring xenon-hv builds the domain from the header, then enters its
 * sandbox before it reads anything else); NULL: no memory. */
struct mig_reader *mig_reader_new(struct mig_source *s, const struct mig_reader_ops *ops, void *opaque);
int mig_read_header(struct mig_reader *r);
int mig_read_records(struct mig_reader *r); /* after the header, up to and including END */
void mig_reader_free(struct mig_reader *r);

#endif
