/*
 * A bus of address ranges (bus.h): a sorted array searched by bisection.
 * Registrations are rare (start, hot-add), lookups happen on every exit;
 * a few dozen ranges at most, so an array beats a tree.
 */
#include "hypervisor/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char *const space_names[HV_BUS_NR] = {
    [HV_BUS_PIO] = "I/O port",
    [HV_BUS_MMIO] = "MMIO",
};
static const unsigned space_widths[HV_BUS_NR] = {
    [HV_BUS_PIO] = HV_BUS_W1 | HV_BUS_W2 | HV_BUS_W4,
    [HV_BUS_MMIO] = HV_BUS_W1 | HV_BUS_W2 | HV_BUS_W4 | HV_BUS_W8,
};

int hv_bus_init(struct hv_bus *b, enum hv_bus_space space)
{
	memset(b, 0, sizeof(*b));
	if ((unsigned)space >= HV_BUS_NR)
		return -EINVAL;
	b->space = space;
	pthread_rwlock_init(&b->lock, NULL);
	pthread_mutex_init(&b->log_lock, NULL);
	return 0;
}

void hv_bus_destroy(struct hv_bus *b)
{
	free(b->ranges);
	b->ranges = NULL;
	b->nr = b->cap = 0;
	pthread_rwlock_destroy(&b->lock);
	pthread_mutex_destroy(&b->log_lock);
}

/* The index of the first range whose end lies above addr (nr if none). */
static unsigned first_ending_above(const struct hv_bus *b, uint64_t addr)
{
	unsigned lo = 0, hi = b->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct hv_bus_range *r = &b->ranges[mid];

		if (addr >= r->base && addr - r->base >= r->len)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct hv_bus_range *find(const struct hv_bus *b, uint64_t addr)
{
	unsigned i = first_ending_above(b, addr);

	if (i < b->nr && addr >= b->ranges[i].base && addr - b->ranges[i].base < b->ranges[i].len)
		return &b->ranges[i];
	return NULL;
}

static int grow(struct hv_bus *b)
{
	unsigned cap = b->cap ? 2 * b->cap : 8;
	struct hv_bus_range *r;

	if (b->nr < b->cap)
		return 0;
	r = realloc(b->ranges, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	b->ranges = r;
	b->cap = cap;
	return 0;
}

int hv_bus_register(struct hv_bus *b, struct hv_dev *dev, unsigned region, uint64_t base, uint64_t len,
		    unsigned widths)
{
	unsigned i;
	int rc;

	if (!dev || !len || base + len - 1 < base || (widths & ~space_widths[b->space]))
		return -EINVAL;
	pthread_rwlock_wrlock(&b->lock);
	i = first_ending_above(b, base);
	/* Ranges before i end at or below base; range i is the only one that may reach into ours. */
	if (i < b->nr && b->ranges[i].base <= base + len - 1) {
		rc = -EEXIST;
	} else if (!(rc = grow(b))) {
		memmove(&b->ranges[i + 1], &b->ranges[i], (b->nr - i) * sizeof(b->ranges[0]));
		b->ranges[i] = (struct hv_bus_range){
		    .base = base,
		    .len = len,
		    .dev = dev,
		    .region = region,
		    .widths = widths ? widths : space_widths[b->space],
		};
		b->nr++;
	}
	pthread_rwlock_unlock(&b->lock);
	if (rc)
		log_debug("%s: %s range %#llx+%#llx refused: %s", dev->ops ? dev->ops->name : "?",
			  space_names[b->space], (unsigned long long)base, (unsigned long long)len,
			  log_strerror(rc));
	return rc;
}

static void remove_at(struct hv_bus *b, unsigned i)
{
	memmove(&b->ranges[i], &b->ranges[i + 1], (b->nr - i - 1) * sizeof(b->ranges[0]));
	b->nr--;
}

int hv_bus_unregister(struct hv_bus *b, struct hv_dev *dev, uint64_t base)
{
	const struct hv_bus_range *r;
	int rc = -ENOENT;

	pthread_rwlock_wrlock(&b->lock);
	r = find(b, base);
	if (r && r->base == base && r->dev == dev) {
		remove_at(b, r - b->ranges);
		rc = 0;
	}
	pthread_rwlock_unlock(&b->lock);
	return rc;
}

unsigned hv_bus_unregister_dev(struct hv_bus *b, struct hv_dev *dev)
{
	unsigned gone = 0;

	pthread_rwlock_wrlock(&b->lock);
	for (unsigned i = b->nr; i-- > 0;)
		if (b->ranges[i].dev == dev) {
			remove_at(b, i);
			gone++;
		}
	pthread_rwlock_unlock(&b->lock);
	return gone;
}

int hv_bus_lookup(struct hv_bus *b, uint64_t addr, struct hv_bus_range *out)
{
	const struct hv_bus_range *r;

	pthread_rwlock_rdlock(&b->lock);
	r = find(b, addr);
	if (r)
		*out = *r;
	pthread_rwlock_unlock(&b->lock);
	return r ? 0 : -ENOENT;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A guest probing for hardware can exit here thousands of times a second. */
static void unhandled(struct hv_bus *b, uint64_t addr, int is_write, void *data, unsigned size,
		      unsigned count, const char *why)
{
	uint64_t now = now_ns();
	int say;

	if (!is_write)
		memset(data, 0xff, (size_t)size * count);
	pthread_mutex_lock(&b->log_lock);
	b->unhandled++;
	if (now - b->log_window_ns >= 1000000000ULL) {
		b->log_window_ns = now;
		b->log_count = 0;
	}
	say = b->log_count++ < HV_BUS_LOG_BURST;
	pthread_mutex_unlock(&b->log_lock);
	if (say)
		log_debug("guest %s %s %#llx (size %u): %s", is_write ? "wrote" : "read",
			  space_names[b->space], (unsigned long long)addr, size, why);
}

/* Under the read lock. */
static int dispatch(const struct hv_bus_range *r, uint64_t off, int is_write, uint8_t *data, unsigned size,
		    unsigned count)
{
	const struct hv_dev_ops *ops = r->dev->ops;
	int rc = 0;

	if (is_write && count > 1 && ops->write_string)
		return ops->write_string(r->dev, r->region, off, data, size, count);
	for (unsigned i = 0; i < count; i++, data += size) {
		if (is_write)
			rc = ops->write ? ops->write(r->dev, r->region, off, data, size) : 0;
		else if (ops->read)
			rc = ops->read(r->dev, r->region, off, data, size);
		else
			memset(data, 0xff, size);
	}
	return rc;
}

int hv_bus_access(struct hv_bus *b, uint64_t addr, int is_write, void *data, unsigned size, unsigned count)
{
	const struct hv_bus_range *r;
	const char *why = NULL;
	int rc = -ENOENT;

	if (!size || size > 8 || (size & (size - 1)) || !count) {
		unhandled(b, addr, is_write, data, size <= 8 ? size : 0, count, "bad width");
		return -ENOENT;
	}
	pthread_rwlock_rdlock(&b->lock);
	r = find(b, addr);
	if (!r)
		why = "nothing there";
	else if (!(r->widths & size))
		why = "width refused by the device";
	else if (size > r->len || addr - r->base > r->len - size) /* len - size would wrap */
		why = "runs past the device's range";
	else
		rc = dispatch(r, addr - r->base, is_write, data, size, count);
	pthread_rwlock_unlock(&b->lock);
	if (why)
		unhandled(b, addr, is_write, data, size, count, why);
	return rc;
}
