/*
 * The checks of a VDEV record's payload (a disk's or NIC's virtio state) and
 * of a VDEV_PLAN entry (migstream.h): the stream's reader makes them, and a
 * restoring device again against itself. Nothing in them is trusted.
 */
#include "hypervisor/migstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VDEV_WINDOW_BASE  0xd0000000ULL /* HV_VIRTIO_MMIO_BASE, windows 0x1000 apart */
#define VDEV_WINDOWS	  256
#define VDEV_IRQ_PINS	  24
#define VDEV_STATUS_KNOWN (1 | 2 | 4 | 8 | 128) /* ACKNOWLEDGE DRIVER DRIVER_OK FEATURES_OK FAILED */

__attribute__((format(printf, 3, 4))) static int vdev_bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

static int flag(uint8_t v)
{
	return v <= 1;
}

/* A driver sets status bits in order (virtio 3.1.1): each needs the one before. */
static int status_ok(uint32_t st)
{
	return !(st & ~VDEV_STATUS_KNOWN) && (!(st & 2) || (st & 1)) && (!(st & 8) || (st & 2)) &&
	       (!(st & 4) || (st & 8));
}

static int check_queue(const struct mig_vdev *v, unsigned i, char *why, size_t whylen)
{
	const struct mig_vdev_queue *q = &v->q[i];

	if (i >= v->nr_queues)
		return all_zero(q, sizeof(*q))
			   ? 0
			   : vdev_bad(why, whylen, "queue %u of %u is not zero", i, v->nr_queues);
	if (!flag(q->ready) || !flag(q->signalled_used_valid) || !flag(q->notify_enabled) ||
	    !flag(q->broken) || q->pad[0] || q->pad[1])
		return vdev_bad(why, whylen, "queue %u: a flag other than 0 or 1, or padding set", i);
	if (!q->ready)
		return q->last_avail || q->used_idx || q->signalled_used || q->signalled_used_valid ||
			       !q->notify_enabled || q->broken
			   ? vdev_bad(why, whylen, "queue %u is not ready but has ring state", i)
			   : 0;
	if (!(v->status & 8))
		return vdev_bad(why, whylen, "queue %u is ready before FEATURES_OK", i);
	if (!q->num || q->num > MIG_VDEV_QUEUE_MAX || (q->num & (q->num - 1)))
		return vdev_bad(why, whylen, "queue %u: size %u (a power of two up to %d)", i, q->num,
				MIG_VDEV_QUEUE_MAX);
	if (q->desc % 16 || q->driver % 2 || q->device % 4)
		return vdev_bad(why, whylen, "queue %u: rings %#llx %#llx %#llx misaligned", i,
				(unsigned long long)q->desc, (unsigned long long)q->driver,
				(unsigned long long)q->device);
	return 0;
}

static int check_vbd(const struct mig_vbd *b, char *why, size_t whylen)
{
	size_t n = strnlen(b->serial, sizeof(b->serial));

	if (!flag(b->readonly) || !flag(b->writeback) || b->pad[0] || b->pad[1])
		return vdev_bad(why, whylen, "vbd: readonly or writeback not 0 or 1, or padding set");
	for (size_t i = 0; i < sizeof(b->serial); i++)
		if (i < n ? (b->serial[i] < 0x20 || b->serial[i] > 0x7e) : b->serial[i] != 0)
			return vdev_bad(why, whylen,
					"vbd: serial byte %zu is not printable ASCII or NUL padding", i);
	return 0;
}

static int check_vif(const struct mig_vif *f, char *why, size_t whylen)
{
	if ((f->mac[0] & 1) || all_zero(f->mac, sizeof(f->mac)) || f->pad)
		return vdev_bad(why, whylen, "vif: MAC %02x:%02x:%02x:%02x:%02x:%02x is not unicast",
				f->mac[0], f->mac[1], f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
	if (f->mtu < 68 || f->mtu > 65535)
		return vdev_bad(why, whylen, "vif: MTU %u (68 to 65535)", f->mtu);
	if (!f->rate_bytes != !f->rate_usecs || f->rate_left > f->rate_bytes)
		return vdev_bad(why, whylen, "vif: rate %llu bytes per %u us with %llu left",
				(unsigned long long)f->rate_bytes, f->rate_usecs,
				(unsigned long long)f->rate_left);
	return 0;
}

const char *mig_vdev_kind_name(uint32_t kind)
{
	return kind == MIG_VDEV_KIND_VBD ? "vbd" : "vif";
}

static int check_kind(uint32_t kind, char *why, size_t whylen)
{
	if (kind != MIG_VDEV_KIND_VBD && kind != MIG_VDEV_KIND_VIF)
		return vdev_bad(why, whylen, "unknown kind %u (vbd %d, vif %d)", kind, MIG_VDEV_KIND_VBD,
				MIG_VDEV_KIND_VIF);
	return 0;
}

static int check_window(uint64_t base, uint32_t irq, char *why, size_t whylen)
{
	if (base < VDEV_WINDOW_BASE || base >= VDEV_WINDOW_BASE + VDEV_WINDOWS * 0x1000ULL || base % 0x1000)
		return vdev_bad(why, whylen, "window %#llx is not one of xenon-hv's",
				(unsigned long long)base);
	if (irq >= VDEV_IRQ_PINS)
		return vdev_bad(why, whylen, "IRQ %u (0 to %d)", irq, VDEV_IRQ_PINS - 1);
	return 0;
}

static int check_transport(const struct mig_vdev *v, char *why, size_t whylen)
{
	if (check_window(v->base, v->irq, why, whylen))
		return -EBADMSG;
	if (!status_ok(v->status))
		return vdev_bad(why, whylen, "device status %#x is not one a driver can set", v->status);
	if ((v->status & 8) && !(v->driver_features & (1ULL << 32)))
		return vdev_bad(why, whylen, "FEATURES_OK without VERSION_1");
	if (v->interrupt_status & ~3U || !flag(v->needs_reset) || !all_zero(v->pad8, sizeof(v->pad8)) ||
	    v->pad)
		return vdev_bad(why, whylen, "interrupt status %#x, needs_reset %u or padding wrong",
				v->interrupt_status, v->needs_reset);
	if (!v->nr_queues || v->nr_queues > MIG_VDEV_QUEUES)
		return vdev_bad(why, whylen, "%u queues (1 to %d)", v->nr_queues, MIG_VDEV_QUEUES);
	for (unsigned i = 0; i < MIG_VDEV_QUEUES; i++) {
		int rc = check_queue(v, i, why, whylen);

		if (rc)
			return rc;
	}
	return 0;
}

int mig_vdev_check(const void *p, size_t len, char *why, size_t whylen)
{
	struct mig_vdev v;
	size_t want;

	if (len < sizeof(v))
		return vdev_bad(why, whylen, "%zu bytes, less than the %zu of its transport", len, sizeof(v));
	memcpy(&v, p, sizeof(v));
	if (check_kind(v.kind, why, whylen))
		return -EBADMSG;
	want = v.kind == MIG_VDEV_KIND_VBD ? sizeof(struct mig_vbd) : sizeof(struct mig_vif);
	if (v.dev_len != want || len != sizeof(v) + want)
		return vdev_bad(why, whylen, "%s part of %u bytes in %zu: it is %zu",
				mig_vdev_kind_name(v.kind), v.dev_len, len, want);
	if (v.device_id != (v.kind == MIG_VDEV_KIND_VBD ? 2U : 1U))
		return vdev_bad(why, whylen, "virtio device id %u for a %s", v.device_id,
				mig_vdev_kind_name(v.kind));
	if (check_transport(&v, why, whylen))
		return -EBADMSG;
	if (v.kind == MIG_VDEV_KIND_VBD) {
		struct mig_vbd b;

		memcpy(&b, (const uint8_t *)p + sizeof(v), sizeof(b));
		return check_vbd(&b, why, whylen);
	}
	struct mig_vif f;

	memcpy(&f, (const uint8_t *)p + sizeof(v), sizeof(f));
	return check_vif(&f, why, whylen);
}

int mig_vdev_place_check(const struct mig_vdev_place *e, char *why, size_t whylen)
{
	if (check_kind(e->kind, why, whylen) || check_window(e->base, e->irq, why, whylen))
		return -EBADMSG;
	return e->pad ? vdev_bad(why, whylen, "padding set") : 0;
}
