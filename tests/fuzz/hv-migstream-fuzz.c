/*
 * libFuzzer target: the migration stream reader (hypervisor/migstream.c),
 * as xenon-hv --restore and a migration receiver meet it. Pages go into a
 * RAM of exactly the size the header announces (ASan sees any write past
 * it); a stream the reader accepts must have given every online vCPU's
 * state, each irqchip and the clock exactly once, and ended once; a disk's
 * or NIC's VDEV record it passed on holds only values the format allows.
 * Seeds: tests/fuzz/hv-migstream-fuzz/ (hv_migstream-test --seed FILE).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/migstream.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_MEM (8ULL << 20)

struct state {
	uint8_t *ram;
	uint64_t mem, online;
	unsigned ends;
	unsigned counts[MIG_REC_TYPE_MAX][MIG_MAX_VCPUS];
};

static int on_header(void *o, const struct mig_header *h)
{
	struct state *s = o;

	if (h->mem_bytes > FUZZ_MAX_MEM)
		return -EFBIG;
	s->ram = malloc(h->mem_bytes);
	s->mem = h->mem_bytes;
	s->online = h->vcpus_online;
	return s->ram ? 0 : -ENOMEM;
}

static void *on_page(void *o, uint64_t pfn)
{
	struct state *s = o;
	uint64_t off;

	if (mig_pfn_offset(s->mem, pfn, &off) || off + MIG_PAGE_SIZE > s->mem)
		abort(); /* the reader must have refused the frame */
	return s->ram + off;
}

static int on_zero(void *o, uint64_t pfn)
{
	memset(on_page(o, pfn), 0, MIG_PAGE_SIZE);
	return 0;
}

volatile uint8_t payload_sum; /* reading every payload byte: ASan checks it is there */

static int on_record(void *o, const struct mig_rec *r, const void *p)
{
	struct state *s = o;

	if (r->type <= MIG_REC_PAGES || r->type >= MIG_REC_TYPE_MAX || r->len > MIG_MAX_RECORD)
		abort();
	for (uint64_t i = 0; i < r->len; i++) /* the whole payload is readable */
		payload_sum += ((const uint8_t *)p)[i];
	if (r->instance < MIG_MAX_VCPUS)
		s->counts[r->type][r->instance]++;
	if (r->type == MIG_REC_VDEV) { /* what xenon-hv keeps for its devices: checked whole */
		struct mig_vdev v;
		char why[160];

		if (mig_vdev_check(p, r->len, why, sizeof(why)) || r->instance >= MIG_VDEV_MAX)
			abort();
		memcpy(&v, p, sizeof(v));
		if (v.nr_queues > MIG_VDEV_QUEUES || sizeof(v) + v.dev_len != r->len)
			abort();
		for (unsigned q = 0; q < MIG_VDEV_QUEUES; q++)
			if (v.q[q].ready && (!v.q[q].num || v.q[q].num > MIG_VDEV_QUEUE_MAX))
				abort();
	}
	return 0;
}

static int on_end(void *o)
{
	((struct state *)o)->ends++;
	return 0;
}

/* A range the reader is about to fill: whole frames inside RAM. */
static void on_fill_ahead(void *o, void *addr, size_t len)
{
	struct state *s = o;

	if ((uint8_t *)addr < s->ram || (uint8_t *)addr + len > s->ram + s->mem || !len || len % MIG_PAGE_SIZE)
		abort();
}

static const struct mig_reader_ops ops = {on_header, on_page, on_zero, on_record, on_end, on_fill_ahead};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct state *s = calloc(1, sizeof(*s));
	struct mig_source src;
	int rc;

	if (!null) {
		null = fopen("/dev/null", "w");
		log_set_file(null); /* refusals are the normal case here */
	}
	if (!s)
		return 0;
	mig_source_buf(&src, data, size);
	rc = mig_read(&src, &ops, s);
	if (rc == 0) {
		if (s->ends != 1 || src.pos > size)
			abort();
		for (unsigned v = 0; v < MIG_MAX_VCPUS; v++)
			for (uint32_t t = MIG_REC_REGS; t <= MIG_REC_MP_STATE; t++)
				if (s->counts[t][v] != !!(s->online & (1ULL << v)))
					abort();
		for (unsigned c = 0; c < MIG_IRQCHIPS; c++)
			if (s->counts[MIG_REC_IRQCHIP][c] != 1)
				abort();
		if (s->counts[MIG_REC_CLOCK][0] != 1)
			abort();
	} else if (s->ends) {
		abort();
	}
	free(s->ram);
	free(s);
	return 0;
}
