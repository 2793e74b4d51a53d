/*
 * libFuzzer target: the split virtqueue over a guest RAM the input fills.
 *
 * Input: an 8-byte header (queue size, features, ring addresses), a byte n
 * and n bytes of device and driver steps, then the contents of two RAM
 * regions (2 KiB at gpa 0, 2 KiB at gpa 0x10000, a gap between them; what
 * the input does not fill is zero). Each region is
 * its own exact-size malloc, so ASan reports any access outside guest RAM;
 * the device side reads every readable byte and writes every writable byte
 * of each chain it pops, so a host pointer or length that lied would show.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/virtq.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGION	 2048
#define HIGH_GPA 0x10000
#define HDR	 8
#define MAX_BUFS 64

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned next_byte(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static unsigned next16(struct input *in)
{
	unsigned lo = next_byte(in);

	return lo | next_byte(in) << 8;
}

/* Fill a region from the input (the rest stays zero). */
static void fill(uint8_t *r, struct input *in)
{
	size_t n = in->left < REGION ? in->left : REGION;

	memcpy(r, in->p, n);
	in->p += n;
	in->left -= n;
}

static volatile uint8_t sink;

/* What a device does with a chain: read it all, write it all. */
static void use_chain(const struct virtq_buf *bufs, const struct virtq_chain *c)
{
	uint8_t sum = 0, tmp[64];

	for (unsigned i = 0; i < c->n; i++) {
		if (bufs[i].writable) {
			memset(bufs[i].host, 0xa5, bufs[i].len);
		} else {
			for (uint32_t j = 0; j < bufs[i].len; j++)
				sum += bufs[i].host[j];
		}
	}
	sink = sum;
	/* The copy helpers: never past either part of the chain. */
	if (virtq_copy_from(bufs, c, c->readable_len / 2, tmp, sizeof(tmp)) > c->readable_len ||
	    virtq_copy_to(bufs, c, c->writable_len / 3, tmp, sizeof(tmp)) > c->writable_len)
		abort();
}

struct held {
	struct virtq_chain c[VIRTQ_MAX_SIZE];
	unsigned n;
};

static int pop_one(struct virtq *vq, struct held *h, bool push_now, unsigned cap)
{
	struct virtq_buf bufs[MAX_BUFS];
	struct virtq_chain c;
	int rc = virtq_pop(vq, bufs, cap, &c);

	if (rc <= 0)
		return rc;
	if (c.n > cap || c.n_readable > c.n || c.head >= vq->size)
		abort();
	use_chain(bufs, &c);
	if (push_now) {
		if (virtq_push(vq, &c, c.writable_len) < 0)
			abort();
		virtq_should_notify(vq);
	} else if (h->n < VIRTQ_MAX_SIZE) {
		h->c[h->n++] = c;
	}
	return rc;
}

/* The driver rewrites a byte of its RAM between two device steps. */
static void driver_write(uint8_t *low, uint8_t *high, struct input *in)
{
	unsigned off = next16(in);
	uint8_t v = next_byte(in);

	if (off & 0x8000)
		high[off % REGION] = v;
	else
		low[off % REGION] = v;
}

static void push_held(struct virtq *vq, struct held *h)
{
	while (h->n) {
		h->n--;
		if (virtq_push(vq, &h->c[h->n], h->c[h->n].writable_len / 2) < 0 && !virtq_is_broken(vq))
			abort();
	}
	virtq_should_notify(vq);
}

static void run_steps(struct virtq *vq, uint8_t *low, uint8_t *high, struct input *in, unsigned cap)
{
	static struct held h;
	int rc = 0;

	h.n = 0;
	while (rc >= 0 && in->left) {
		unsigned op = next_byte(in);

		switch (op & 7) {
		case 0:
		case 1:
		case 2:
			rc = pop_one(vq, &h, true, cap);
			break;
		case 3:
			rc = pop_one(vq, &h, false, cap);
			break;
		case 4:
			push_held(vq, &h);
			break;
		case 5:
			virtq_disable_notify(vq);
			break;
		case 6:
			virtq_enable_notify(vq);
			break;
		default:
			driver_write(low, high, in);
			break;
		}
	}
	/* Then drain whatever is left. */
	for (unsigned i = 0; i < 2u * VIRTQ_MAX_SIZE && rc > 0; i++)
		rc = pop_one(vq, &h, true, cap);
	push_held(vq, &h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct input in = {data, size}, steps;
	struct virtq_cfg cfg;
	struct gmem mem = {0};
	struct virtq vq = {0};
	uint8_t *low, *high;
	unsigned flags, cap;

	if (!null) {
		null = fopen("/dev/null", "w");
		log_set_file(null); /* broken queues are the normal case here */
	}
	if (size < HDR)
		return 0;
	cfg.size = 1u << (next_byte(&in) % 8); /* 1 .. 128 */
	flags = next_byte(&in);
	cfg.event_idx = flags & 1;
	cfg.indirect = flags & 2;
	cap = (flags & 4) ? 1 + (flags >> 3) % 8 : MAX_BUFS;
	/* Ring addresses: 16-bit offsets, bit 15 picks the high region. */
	cfg.desc = next16(&in);
	cfg.avail = next16(&in);
	cfg.used = next16(&in);
	cfg.desc = (cfg.desc & 0x8000 ? HIGH_GPA : 0) + (cfg.desc & 0x7fff);
	cfg.avail = (cfg.avail & 0x8000 ? HIGH_GPA : 0) + (cfg.avail & 0x7fff);
	cfg.used = (cfg.used & 0x8000 ? HIGH_GPA : 0) + (cfg.used & 0x7fff);

	steps.left = next_byte(&in);
	if (steps.left > in.left)
		steps.left = in.left;
	steps.p = in.p;
	in.p += steps.left;
	in.left -= steps.left;

	low = malloc(REGION);
	high = malloc(REGION);
	if (!low || !high)
		abort();
	memset(low, 0, REGION);
	memset(high, 0, REGION);
	fill(low, &in);
	fill(high, &in);
	if (gmem_add(&mem, 0, REGION, low) || gmem_add(&mem, HIGH_GPA, REGION, high))
		abort();
	virtq_reset(&vq);
	if (virtq_enable(&vq, &mem, &cfg) == 0)
		run_steps(&vq, low, high, &steps, cap);
	free(low);
	free(high);
	return 0;
}
