/*
 * Split virtqueues (virtio 1.x, 2.7) over guest memory the guest may rewrite
 * at any moment, from another vCPU, while we read it. Rules kept here:
 *  - the rings' geometry (size, three host pointers) is checked once, at
 *    virtq_enable, and never recomputed from guest memory afterwards;
 *  - every 16-bit index read from a ring is reduced or checked against the
 *    queue size before use; each descriptor is read once into a local copy
 *    and only the copy is checked and used (no double fetch);
 *  - the avail idx is read with acquire ordering (the ring entries and
 *    descriptors it publishes are read after it); the used idx is published
 *    with release ordering (after the used element it covers);
 *  - any rule broken by the driver breaks the queue until reset.
 */
#include "hypervisor/virtq.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* ---- guest memory ---- */

int gmem_add(struct gmem *m, uint64_t gpa, uint64_t size, void *host)
{
	if (m->nr >= GMEM_MAX_REGIONS || !size || !host)
		return -EINVAL;
	if (size > UINT64_MAX - gpa) /* the end must be representable */
		return -EINVAL;
	if (((uintptr_t)host - gpa) & 15)
		return -EINVAL;
	for (unsigned i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->r[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EEXIST;
	}
	m->r[m->nr++] = (struct gmem_region){.gpa = gpa, .size = size, .host = host};
	return 0;
}

void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->r[i];
		uint64_t off;

		if (gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		/* Written so that nothing can wrap: off <= size, then len <= size - off. */
		if (off > r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

void gmem_track(struct gmem *m, uint64_t *bits, const uint8_t *base)
{
	m->dirty_base = base;
	__atomic_store_n(&m->dirty, bits, __ATOMIC_RELEASE);
}

void gmem_mark(const struct gmem *m, const void *host, uint64_t len)
{
	uint64_t *bits = __atomic_load_n(&m->dirty, __ATOMIC_ACQUIRE);
	uint64_t first, last;

	if (!bits || !len)
		return;
	first = (uint64_t)((const uint8_t *)host - m->dirty_base) / 4096;
	last = (uint64_t)((const uint8_t *)host + len - 1 - m->dirty_base) / 4096;
	for (uint64_t f = first; f <= last; f++)
		__atomic_fetch_or(&bits[f / 64], 1ULL << (f % 64), __ATOMIC_RELAXED);
}

/* ---- accessors of guest memory (little-endian, naturally aligned) ---- */

static uint16_t ld16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static uint16_t ld16_acquire(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE));
}

static void st16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void st16_release(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELEASE);
}

static void st32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, htole32(v), __ATOMIC_RELAXED);
}

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Copy one descriptor out of guest memory exactly once. The main table is
 * 16-byte aligned; an indirect table need not be, so it is copied a byte at
 * a time through a volatile pointer (the compiler may not re-read it). */
static void read_desc(const uint8_t *p, struct vdesc *d)
{
	uint8_t raw[VIRTQ_DESC_SIZE];

	if (((uintptr_t)p & 7) == 0) {
		uint64_t a = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
		uint64_t b = __atomic_load_n((const uint64_t *)(p + 8), __ATOMIC_RELAXED);

		memcpy(raw, &a, 8);
		memcpy(raw + 8, &b, 8);
	} else {
		const volatile uint8_t *v = p;

		for (unsigned i = 0; i < sizeof(raw); i++)
			raw[i] = v[i];
	}
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/* Field addresses inside the rings (i already reduced below size). */
static uint8_t *avail_idx_p(struct virtq *vq)
{
	return vq->avail + 2;
}

static uint8_t *avail_ring_p(struct virtq *vq, unsigned i)
{
	return vq->avail + 4 + 2 * i;
}

static uint8_t *used_event_p(struct virtq *vq)
{
	return vq->avail + 4 + 2 * (unsigned)vq->size;
}

static uint8_t *used_idx_p(struct virtq *vq)
{
	return vq->used + 2;
}

static uint8_t *used_elem_p(struct virtq *vq, unsigned i)
{
	return vq->used + 4 + 8 * i;
}

static uint8_t *avail_event_p(struct virtq *vq)
{
	return vq->used + 4 + 8 * (unsigned)vq->size;
}

/* ---- state ---- */

/* The driver broke a rule: the queue stays broken until reset. The owner
 * (on_broken) logs it, rate-limited: a hostile guest can break and reset a
 * queue in a loop; without an owner it is logged at info level. */
__attribute__((format(printf, 2, 3))) static int vq_break(struct virtq *vq, const char *fmt, ...)
{
	va_list ap;

	if (!vq->broken) {
		va_start(ap, fmt);
		vsnprintf(vq->why, sizeof(vq->why), fmt, ap);
		va_end(ap);
		vq->broken = true;
		if (!vq->on_broken)
			log_info("virtqueue %u: %s; the queue is broken until the device is reset", vq->index,
				 vq->why);
		else
			vq->on_broken(vq->opaque, vq);
	}
	return -EIO;
}

void virtq_reset(struct virtq *vq)
{
	void (*on_broken)(void *, struct virtq *) = vq->on_broken;
	void *opaque = vq->opaque;
	unsigned index = vq->index;

	memset(vq, 0, sizeof(*vq));
	vq->on_broken = on_broken;
	vq->opaque = opaque;
	vq->index = index;
	vq->notify_enabled = true;
}

int virtq_check_cfg(const struct gmem *mem, const struct virtq_cfg *cfg)
{
	uint16_t n = cfg->size;

	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return -EINVAL;
	if (cfg->desc % VIRTQ_DESC_ALIGN || cfg->avail % VIRTQ_AVAIL_ALIGN || cfg->used % VIRTQ_USED_ALIGN)
		return -EINVAL;
	if (!gmem_ptr(mem, cfg->desc, VIRTQ_DESC_BYTES(n)) ||
	    !gmem_ptr(mem, cfg->avail, VIRTQ_AVAIL_BYTES(n)) ||
	    !gmem_ptr(mem, cfg->used, VIRTQ_USED_BYTES(n)))
		return -EFAULT;
	return 0;
}

int virtq_enable(struct virtq *vq, const struct gmem *mem, const struct virtq_cfg *cfg)
{
	int rc = virtq_check_cfg(mem, cfg);

	if (rc < 0)
		return rc;
	virtq_reset(vq);
	vq->mem = mem;
	vq->size = cfg->size;
	vq->event_idx = cfg->event_idx;
	vq->indirect = cfg->indirect;
	vq->desc = gmem_ptr(mem, cfg->desc, VIRTQ_DESC_BYTES(cfg->size));
	vq->avail = gmem_ptr(mem, cfg->avail, VIRTQ_AVAIL_BYTES(cfg->size));
	vq->used = gmem_ptr(mem, cfg->used, VIRTQ_USED_BYTES(cfg->size));
	vq->ready = true;
	return 0;
}

/* How many chains the driver has made available beyond ours; the idx may
 * not run ahead of last_avail by more than the queue size. */
static int avail_pending(struct virtq *vq)
{
	uint16_t idx = ld16_acquire(avail_idx_p(vq));
	uint16_t pending = idx - vq->last_avail;

	if (pending > vq->size)
		return vq_break(vq, "avail idx %u is %u ahead of %u, more than the queue size %u", idx,
				pending, vq->last_avail, vq->size);
	return pending;
}

bool virtq_has_avail(struct virtq *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	return avail_pending(vq) > 0;
}

/* ---- popping a chain ---- */

/* The table being walked: the main one, then perhaps one indirect table. */
struct walk {
	const uint8_t *table;
	unsigned entries;
	unsigned seen; /* descriptors read from this table: loop detection */
	bool in_indirect;
};

static int add_buf(struct virtq *vq, const struct vdesc *d, struct virtq_buf *bufs, unsigned cap,
		   struct virtq_chain *c)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	uint8_t *host;

	if (c->n >= vq->size)
		return vq_break(vq, "chain %u is longer than the queue size %u", c->head, vq->size);
	if (c->n >= cap)
		return vq_break(vq, "chain %u has more than the %u buffers the device takes", c->head, cap);
	if (!writable && c->n != c->n_readable)
		return vq_break(vq, "chain %u has a device-readable buffer after a writable one", c->head);
	if ((uint64_t)c->readable_len + c->writable_len + d->len > UINT32_MAX)
		return vq_break(vq, "chain %u is longer than 4 GiB in total", c->head);
	host = gmem_ptr(vq->mem, d->addr, d->len);
	if (!host)
		return vq_break(vq, "chain %u: buffer [%#llx, +%u) is not inside guest RAM", c->head,
				(unsigned long long)d->addr, d->len);
	bufs[c->n++] = (struct virtq_buf){.gpa = d->addr, .len = d->len, .writable = writable, .host = host};
	if (writable) {
		gmem_mark(vq->mem, host, d->len); /* the device writes it before the chain goes back */
		c->writable_len += d->len;
	} else {
		c->n_readable++;
		c->readable_len += d->len;
	}
	return 0;
}

/* Switch the walk to the indirect table d describes. */
static int enter_indirect(struct virtq *vq, const struct vdesc *d, struct walk *w, uint16_t head)
{
	const uint8_t *table;

	if (!vq->indirect)
		return vq_break(vq, "chain %u: indirect descriptor without VIRTIO_F_INDIRECT_DESC", head);
	if (w->in_indirect)
		return vq_break(vq, "chain %u: indirect descriptor inside an indirect table", head);
	if (d->flags & VIRTQ_DESC_F_NEXT)
		return vq_break(vq, "chain %u: descriptor with both NEXT and INDIRECT", head);
	if (!d->len || d->len % VIRTQ_DESC_SIZE || d->len / VIRTQ_DESC_SIZE > vq->size)
		return vq_break(vq,
				"chain %u: indirect table of %u bytes (a multiple of 16, at most %u entries)",
				head, d->len, vq->size);
	table = gmem_ptr(vq->mem, d->addr, d->len);
	if (!table)
		return vq_break(vq, "chain %u: indirect table [%#llx, +%u) is not inside guest RAM", head,
				(unsigned long long)d->addr, d->len);
	/* The WRITE flag of the descriptor that points to the table is ignored (2.7.5.3.2). */
	*w = (struct walk){.table = table, .entries = d->len / VIRTQ_DESC_SIZE, .in_indirect = true};
	return 0;
}

static int walk_chain(struct virtq *vq, uint16_t head, struct virtq_buf *bufs, unsigned cap,
		      struct virtq_chain *c)
{
	struct walk w = {.table = vq->desc, .entries = vq->size};
	unsigned i = head;
	struct vdesc d;
	int rc;

	*c = (struct virtq_chain){.head = head};
	for (;;) {
		if (i >= w.entries)
			return vq_break(vq, "chain %u: descriptor index %u outside a table of %u", head, i,
					w.entries);
		/* A chain can visit each entry of a table once; more is a loop. */
		if (++w.seen > w.entries)
			return vq_break(vq, "chain %u loops", head);
		read_desc(w.table + (size_t)VIRTQ_DESC_SIZE * i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			rc = enter_indirect(vq, &d, &w, head);
			if (rc < 0)
				return rc;
			i = 0;
			continue;
		}
		rc = add_buf(vq, &d, bufs, cap, c);
		if (rc < 0)
			return rc;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int virtq_pop(struct virtq *vq, struct virtq_buf *bufs, unsigned cap, struct virtq_chain *c)
{
	uint16_t head;
	int pending, rc;

	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;
	pending = avail_pending(vq);
	if (pending <= 0)
		return pending;
	/* Every chain holds a descriptor: no more than size can be out at once. */
	if (vq->inflight >= vq->size)
		return vq_break(vq, "more chains made available than the %u descriptors", vq->size);
	head = ld16(avail_ring_p(vq, vq->last_avail & (vq->size - 1)));
	if (head >= vq->size)
		return vq_break(vq, "head index %u outside a queue of %u", head, vq->size);
	rc = walk_chain(vq, head, bufs, cap, c);
	if (rc < 0)
		return rc;
	vq->last_avail++;
	vq->inflight++;
	if (vq->event_idx && vq->notify_enabled)
		st16(avail_event_p(vq), vq->last_avail);
	return 1;
}

/* ---- returning chains and notifications ---- */

int virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written)
{
	uint8_t *elem;

	if (!vq->ready || vq->broken)
		return -EIO;
	if (c->head >= vq->size || !vq->inflight || written > c->writable_len)
		return -EINVAL;
	elem = used_elem_p(vq, vq->used_idx & (vq->size - 1));
	st32(elem, c->head);
	st32(elem + 4, written);
	vq->used_idx++;
	vq->inflight--;
	/* The element must be visible before the idx that publishes it. */
	st16_release(used_idx_p(vq), vq->used_idx);
	return 0;
}

void virtq_mark_written(const struct virtq *vq, const struct virtq_chain *c, const struct virtq_buf *bufs,
			uint32_t len)
{
	if (!__atomic_load_n(&vq->mem->dirty, __ATOMIC_ACQUIRE))
		return; /* no live save: nothing to mark */
	for (unsigned i = c->n_readable; i < c->n && len; i++) {
		uint32_t l = bufs[i].len < len ? bufs[i].len : len;

		gmem_mark(vq->mem, bufs[i].host, l);
		len -= l;
	}
}

int virtq_unpop(struct virtq *vq, unsigned n)
{
	if (n > vq->inflight)
		return -EINVAL;
	vq->last_avail -= n;
	vq->inflight -= n;
	return 0;
}

/* vring_need_event of the spec (2.7.10): has new_idx passed event since old? */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool virtq_should_notify(struct virtq *vq)
{
	uint16_t old;
	bool valid;

	if (!vq->ready || vq->broken)
		return false;
	/* Our used idx store must be ordered before reading the driver's
	 * suppression fields, or both sides may skip the notification. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(ld16(vq->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	/* With EVENT_IDX the flags' low bit is ignored (2.7.7.2). */
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = true;
	return !valid || need_event(ld16(used_event_p(vq)), vq->used_idx, old);
}

void virtq_disable_notify(struct virtq *vq)
{
	vq->notify_enabled = false;
	if (vq->ready && !vq->event_idx)
		st16(vq->used, VIRTQ_USED_F_NO_NOTIFY);
	/* With EVENT_IDX, avail_event simply stops moving. */
}

bool virtq_enable_notify(struct virtq *vq)
{
	vq->notify_enabled = true;
	if (!vq->ready || vq->broken)
		return false;
	if (vq->event_idx)
		st16(avail_event_p(vq), vq->last_avail);
	else
		st16(vq->used, 0);
	/* Publish the above before looking at the avail idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return avail_pending(vq) > 0;
}

/* ---- copying through a chain ---- */

/* Walk bufs[first, last) from byte off, copying up to len bytes either way. */
static size_t chain_copy(const struct virtq_buf *bufs, unsigned first, unsigned last, size_t off, uint8_t *p,
			 size_t len, bool to_guest)
{
	size_t done = 0;

	for (unsigned i = first; i < last && done < len; i++) {
		size_t n;

		if (off >= bufs[i].len) {
			off -= bufs[i].len;
			continue;
		}
		n = bufs[i].len - off;
		if (n > len - done)
			n = len - done;
		if (to_guest)
			memcpy(bufs[i].host + off, p + done, n);
		else
			memcpy(p + done, bufs[i].host + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t virtq_copy_from(const struct virtq_buf *bufs, const struct virtq_chain *c, size_t off, void *dst,
		       size_t len)
{
	return chain_copy(bufs, 0, c->n_readable, off, dst, len, false);
}

size_t virtq_copy_to(const struct virtq_buf *bufs, const struct virtq_chain *c, size_t off, const void *src,
		     size_t len)
{
	return chain_copy(bufs, c->n_readable, c->n, off, (uint8_t *)src, len, true);
}
