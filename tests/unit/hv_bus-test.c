/* xenon-hv's device buses (hypervisor/bus.c) and IOAPIC line allocator (irq.c). */
#include <errno.h>
#include <string.h>

#include "hypervisor/bus.h"
#include "hypervisor/hv.h"
#include "log.h"
#include "unit.h"

/* A device that records its last access and reads back its offset. */
struct rec {
	unsigned region, size, writes, strings;
	uint64_t off, value;
};

static int rec_read(struct hv_dev *d, unsigned region, uint64_t off, void *data, unsigned size)
{
	struct rec *r = d->priv;

	r->region = region;
	r->off = off;
	r->size = size;
	memcpy(data, &off, size);
	return 0;
}

static int rec_write(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size)
{
	struct rec *r = d->priv;

	r->region = region;
	r->off = off;
	r->size = size;
	r->value = 0;
	memcpy(&r->value, data, size);
	r->writes++;
	return 0;
}

static int rec_string(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size,
		      unsigned count)
{
	struct rec *r = d->priv;

	(void)data;
	r->region = region;
	r->off = off;
	r->size = size * count;
	r->strings++;
	return 0;
}

static const struct hv_dev_ops rec_ops = {.name = "rec", .read = rec_read, .write = rec_write};
static const struct hv_dev_ops rec_string_ops = {
    .name = "rec-string", .read = rec_read, .write = rec_write, .write_string = rec_string};

static struct rec ra, rb;
static struct hv_dev da = {.ops = &rec_ops, .priv = &ra}, db = {.ops = &rec_string_ops, .priv = &rb};

static void test_register_refuses_overlaps(void)
{
	struct hv_bus b;
	struct hv_bus_range r;

	CHECK_INT(hv_bus_init(&b, HV_BUS_PIO), 0);
	CHECK_INT(hv_bus_register(&b, &da, 0, 0x100, 0x10, 0), 0);
	CHECK_INT(hv_bus_register(&b, &db, 0, 0x100, 0x10, 0), -EEXIST);
	CHECK_INT(hv_bus_register(&b, &db, 0, 0x10f, 1, 0), -EEXIST);
	CHECK_INT(hv_bus_register(&b, &db, 0, 0xf0, 0x11, 0), -EEXIST);
	CHECK_INT(hv_bus_register(&b, &db, 0, 0xf0, 0x100, 0), -EEXIST);      /* covers it whole */
	CHECK_INT(hv_bus_register(&b, &db, 0, 0x108, 2, 0), -EEXIST);	      /* inside it */
	CHECK_INT(hv_bus_register(&b, &db, 0, 0xf0, 0x10, 0), 0);	      /* just below */
	CHECK_INT(hv_bus_register(&b, &db, 1, 0x110, 0x10, 0), 0);	      /* just above */
	CHECK_INT(hv_bus_register(&b, &db, 2, 0x0, 0, 0), -EINVAL);	      /* empty */
	CHECK_INT(hv_bus_register(&b, &db, 2, UINT64_MAX, 2, 0), -EINVAL);    /* wraps */
	CHECK_INT(hv_bus_register(&b, &db, 2, 0x200, 1, HV_BUS_W8), -EINVAL); /* no 8-byte port I/O */
	CHECK_INT(hv_bus_register(&b, NULL, 2, 0x200, 1, 0), -EINVAL);
	CHECK_INT(b.nr, 3);
	CHECK_INT(hv_bus_lookup(&b, 0xef, &r), -ENOENT);
	CHECK_INT(hv_bus_lookup(&b, 0xf0, &r), 0);
	CHECK(r.dev == &db && r.base == 0xf0);
	CHECK_INT(hv_bus_lookup(&b, 0xff, &r), 0);
	CHECK(r.dev == &db);
	CHECK_INT(hv_bus_lookup(&b, 0x100, &r), 0);
	CHECK(r.dev == &da);
	CHECK_INT(hv_bus_lookup(&b, 0x10f, &r), 0);
	CHECK(r.dev == &da);
	CHECK_INT(hv_bus_lookup(&b, 0x11f, &r), 0);
	CHECK(r.dev == &db && r.region == 1);
	CHECK_INT(hv_bus_lookup(&b, 0x120, &r), -ENOENT);
	hv_bus_destroy(&b);
}

static void test_unregister(void)
{
	struct hv_bus b;
	struct hv_bus_range r;

	CHECK_INT(hv_bus_init(&b, HV_BUS_MMIO), 0);
	for (unsigned i = 0; i < 40; i++) /* past the first allocation, in reverse order */
		CHECK_INT(hv_bus_register(&b, i % 2 ? &da : &db, i, 0x10000 - 0x100 * i, 0x100, 0), 0);
	CHECK_INT(hv_bus_unregister(&b, &da, 0x10000 - 0x100), 0);
	CHECK_INT(hv_bus_unregister(&b, &da, 0x10000 - 0x100), -ENOENT);
	CHECK_INT(hv_bus_unregister(&b, &da, 0x10000), -ENOENT);     /* db's */
	CHECK_INT(hv_bus_unregister(&b, &db, 0x10000 + 1), -ENOENT); /* not its start */
	CHECK_INT(hv_bus_lookup(&b, 0x10000 - 0x80, &r), -ENOENT);
	CHECK_INT(hv_bus_unregister_dev(&b, &da), 19);
	CHECK_INT(b.nr, 20);
	for (unsigned i = 0; i + 1 < b.nr; i++)
		CHECK(b.ranges[i].base < b.ranges[i + 1].base && b.ranges[i].dev == &db);
	CHECK_INT(hv_bus_register(&b, &da, 7, 0x10000 - 0x100, 0x100, 0), 0); /* the hole is free */
	hv_bus_destroy(&b);
}

static void test_access_checks_width_and_bounds(void)
{
	struct hv_bus b;
	uint64_t v = 0;
	uint32_t w = 0x12345678;

	CHECK_INT(hv_bus_init(&b, HV_BUS_MMIO), 0);
	memset(&ra, 0, sizeof(ra));
	CHECK_INT(hv_bus_register(&b, &da, 3, 0xd0000000, 0x100, HV_BUS_W4), 0);
	CHECK_INT(hv_bus_access(&b, 0xd0000010, 0, &v, 4, 1), 0);
	CHECK_INT(ra.region, 3);
	CHECK_INT(ra.off, 0x10);
	CHECK_INT(v, 0x10);
	CHECK_INT(hv_bus_access(&b, 0xd00000fc, 1, &w, 4, 1), 0);
	CHECK_INT(ra.off, 0xfc);
	CHECK_INT(ra.value, 0x12345678);
	v = 0;
	CHECK_INT(hv_bus_access(&b, 0xd0000010, 0, &v, 2, 1), -ENOENT); /* width refused */
	CHECK_INT(v, 0xffff);
	v = 0;
	CHECK_INT(hv_bus_access(&b, 0xd00000fe, 0, &v, 4, 1), -ENOENT); /* runs past */
	CHECK_INT(v, 0xffffffff);
	CHECK_INT(hv_bus_access(&b, 0xd0000100, 0, &v, 8, 1), -ENOENT); /* nothing */
	CHECK(v == UINT64_MAX);
	CHECK_INT(hv_bus_access(&b, 0xd0000000, 0, &v, 3, 1), -ENOENT); /* not a width */
	CHECK_INT(ra.writes, 1);
	CHECK_INT(hv_bus_access(&b, 0xd0000000, 1, &w, 2, 1), -ENOENT); /* dropped */
	CHECK_INT(ra.writes, 1);
	CHECK(b.unhandled == 5);
	hv_bus_destroy(&b);
}

/* A range shorter than the access (a 1-byte doorbell written with outl): refused,
 * not handed to the device with a size that runs past it. */
static void test_access_wider_than_the_range(void)
{
	struct hv_bus b;
	uint32_t w = 1;

	CHECK_INT(hv_bus_init(&b, HV_BUS_PIO), 0);
	memset(&ra, 0, sizeof(ra));
	CHECK_INT(hv_bus_register(&b, &da, 0, 0x510, 1, HV_BUS_W1 | HV_BUS_W4), 0);
	CHECK_INT(hv_bus_access(&b, 0x510, 1, &w, 1, 1), 0);
	CHECK_INT(ra.writes, 1);
	CHECK_INT(hv_bus_access(&b, 0x510, 1, &w, 4, 1), -ENOENT);
	CHECK_INT(ra.writes, 1);
	CHECK(b.unhandled == 1);
	hv_bus_destroy(&b);
}

static void test_string_io(void)
{
	struct hv_bus b;
	uint8_t buf[8] = "abcdefg";

	CHECK_INT(hv_bus_init(&b, HV_BUS_PIO), 0);
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	CHECK_INT(hv_bus_register(&b, &da, 0, 0x60, 1, 0), 0);
	CHECK_INT(hv_bus_register(&b, &db, 0, 0x70, 1, 0), 0);
	CHECK_INT(hv_bus_access(&b, 0x60, 1, buf, 1, 7), 0); /* one write per item */
	CHECK_INT(ra.writes, 7);
	CHECK_INT(ra.value, 'g');
	CHECK_INT(hv_bus_access(&b, 0x70, 1, buf, 1, 7), 0); /* one call */
	CHECK_INT(rb.strings, 1);
	CHECK_INT(rb.size, 7);
	CHECK_INT(rb.writes, 0);
	memset(buf, 0xaa, sizeof(buf));
	CHECK_INT(hv_bus_access(&b, 0x60, 0, buf, 1, 4), 0); /* rep insb: offset 0 each time */
	CHECK(!memcmp(buf, "\0\0\0\0\xaa", 5));
	CHECK_INT(hv_bus_access(&b, 0x61, 0, buf, 1, 4), -ENOENT);
	CHECK(!memcmp(buf, "\xff\xff\xff\xff\xaa", 5));
	hv_bus_destroy(&b);
}

static void test_irq_allocator(void)
{
	struct hv_irqs irqs;
	int seen = 0;

	hv_irq_init(&irqs);
	CHECK_INT(hv_irq_claim(&irqs, 4, "uart"), 0);
	CHECK_INT(hv_irq_claim(&irqs, 4, "other"), -EBUSY);
	CHECK_INT(hv_irq_claim(&irqs, 24, "other"), -EINVAL);
	CHECK_INT(hv_irq_claim(&irqs, 16, "fixed"), 0);
	CHECK_INT(hv_irq_alloc(&irqs, "a"), 17); /* above the ISA lines first */
	for (int gsi; (gsi = hv_irq_alloc(&irqs, "many")) >= 0; seen++)
		CHECK(gsi != 0 && gsi != 1 && gsi != 2 && gsi != 4 && gsi != 8 && gsi != 16 && gsi != 17);
	CHECK_INT(seen, 15); /* 17 allocatable lines, two of them taken */
	CHECK_INT(hv_irq_alloc(&irqs, "late"), -ENOSPC);
	hv_irq_free(&irqs, 13);
	CHECK_INT(hv_irq_alloc(&irqs, "late"), 13);
	CHECK_INT(hv_irq_claim(&irqs, 0, "timer"), 0); /* a claim may take a legacy line */
}

int main(void)
{
	log_init("hv_bus-test");
	RUN(test_register_refuses_overlaps);
	RUN(test_unregister);
	RUN(test_access_checks_width_and_bounds);
	RUN(test_access_wider_than_the_range);
	RUN(test_string_io);
	RUN(test_irq_allocator);
	return unit_done();
}
