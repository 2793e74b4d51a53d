/*
 * A page allocator for device memory (virtqueues, I/O buffers): the RAM
 * above the kernel image, first fit over a bitmap, contiguous and zeroed.
 * Virtual = physical below 4 GiB (both loaders map it 1:1), so a page's
 * address is also what a device is given. Thread context only (the shell's
 * vCPU), like the drivers that use it.
 */
#include "kernel.h"
#include "virtio.h"

#define PAGE_SIZE 4096UL
#define MAX_PAGES (1UL << 18) /* 1 GiB of pages at most */
#define MAP_LIMIT 0x100000000ULL
#define WORD_BITS 64

extern char __bss_end[];

static uint64_t bitmap[MAX_PAGES / WORD_BITS]; /* 1 = in use */
/* The balloon's pages (in use, given back to the host), and the pages
 * `mem fill` wrote its pattern over that nobody has taken since. */
static uint64_t ballooned[MAX_PAGES / WORD_BITS];
static uint64_t filled[MAX_PAGES / WORD_BITS];
static uintptr_t pool_base;
static unsigned long pool_pages, pool_free;

static bool bit_get(unsigned long i)
{
	return bitmap[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

static void map_set(uint64_t *map, unsigned long i, unsigned long n, bool v)
{
	for (; n; n--, i++) {
		if (v)
			map[i / WORD_BITS] |= 1ULL << (i % WORD_BITS);
		else
			map[i / WORD_BITS] &= ~(1ULL << (i % WORD_BITS));
	}
}

static void bits_set(unsigned long i, unsigned long n, bool v)
{
	map_set(bitmap, i, n, v);
	if (v)
		map_set(filled, i, n, false);
}

static uintptr_t page_up(uintptr_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* The RAM region holding the kernel, from the end of the image (and of the command line). */
void mem_init(void)
{
	struct xenon_boot_info *bi = boot.info;
	uintptr_t start = page_up((uintptr_t)__bss_end), cl = (uintptr_t)boot.cmdline;
	uint64_t end = 0;
	uint32_t i;

	if (cl >= start && cl < start + 0x100000)
		start = page_up(cl + strlen(boot.cmdline) + 1);
	for (i = 0; i < bi->nr_memmap && i < XENON_MAX_MEMMAP; i++) {
		const struct xenon_memmap_entry *e = &bi->memmap[i];

		if (e->type == XENON_MEM_RAM && e->addr <= start && e->addr + e->size > start)
			end = e->addr + e->size;
	}
	if (!end && !bi->nr_memmap && bi->mem_bytes > start)
		end = bi->mem_bytes; /* no map: RAM from 0 */
	if (end > MAP_LIMIT)
		end = MAP_LIMIT;
	pool_base = start;
	pool_pages = end > start ? (unsigned long)((end - start) / PAGE_SIZE) : 0;
	if (pool_pages > MAX_PAGES)
		pool_pages = MAX_PAGES;
	pool_free = pool_pages;
}

void *page_alloc(unsigned int n)
{
	unsigned long i, run = 0;

	if (!n || n > pool_free)
		return NULL;
	for (i = 0; i < pool_pages; i++) {
		run = bit_get(i) ? 0 : run + 1;
		if (run == n) {
			unsigned long first = i + 1 - n;
			void *p = (void *)(pool_base + first * PAGE_SIZE);

			bits_set(first, n, true);
			pool_free -= n;
			memset(p, 0, n * PAGE_SIZE);
			return p;
		}
	}
	return NULL;
}

void page_free(void *p, unsigned int n)
{
	uintptr_t a = (uintptr_t)p;
	unsigned long first;

	if (!p || a < pool_base || (a - pool_base) % PAGE_SIZE)
		return;
	first = (a - pool_base) / PAGE_SIZE;
	if (first + n > pool_pages)
		return;
	bits_set(first, n, false);
	pool_free += n;
}

unsigned long mem_free_pages(void)
{
	return pool_free;
}

unsigned long mem_pool_pages(void)
{
	return pool_pages;
}

/* Up to n free pages for the balloon, from the top of the pool down: their addresses into addrs. */
unsigned long mem_balloon_take(uint64_t *addrs, unsigned long n)
{
	unsigned long got = 0, i = pool_pages;

	while (i > 0 && got < n) {
		i--;
		if (i % WORD_BITS == WORD_BITS - 1 && bitmap[i / WORD_BITS] == ~0ULL) {
			i -= WORD_BITS - 1; /* a whole word in use */
			continue;
		}
		if (bit_get(i))
			continue;
		bits_set(i, 1, true);
		map_set(ballooned, i, 1, true);
		pool_free--;
		addrs[got++] = pool_base + i * PAGE_SIZE;
	}
	return got;
}

/* Up to n of the balloon's pages, lowest first, into addrs (they stay the balloon's). */
unsigned long mem_balloon_list(uint64_t *addrs, unsigned long n)
{
	unsigned long got = 0, i;

	for (i = 0; i < pool_pages && got < n; i++) {
		if (i % WORD_BITS == 0 && !ballooned[i / WORD_BITS]) {
			i += WORD_BITS - 1;
			continue;
		}
		if (ballooned[i / WORD_BITS] >> (i % WORD_BITS) & 1)
			addrs[got++] = pool_base + i * PAGE_SIZE;
	}
	return got;
}

/* A balloon page is free again (given back: reclaimed, or never released). */
void mem_balloon_put(uint64_t addr)
{
	unsigned long i = (unsigned long)((addr - pool_base) / PAGE_SIZE);

	if (addr < pool_base || i >= pool_pages || !(ballooned[i / WORD_BITS] >> (i % WORD_BITS) & 1))
		return;
	map_set(ballooned, i, 1, false);
	page_free((void *)(uintptr_t)addr, 1);
}

/* The pattern `mem fill` writes: every 8-byte word holds its own address, scrambled. */
static uint64_t pattern(const uint64_t *w)
{
	return (uint64_t)(uintptr_t)w * 0x9e3779b97f4a7c15ULL ^ 0xa5a5a5a5a5a5a5a5ULL;
}

unsigned long mem_fill(void)
{
	unsigned long i, n = 0;

	for (i = 0; i < pool_pages; i++) {
		uint64_t *w = (uint64_t *)(pool_base + i * PAGE_SIZE);

		if (bit_get(i))
			continue;
		for (unsigned j = 0; j < PAGE_SIZE / 8; j++)
			w[j] = pattern(&w[j]);
		map_set(filled, i, 1, true);
		n++;
	}
	return n;
}

/* Pages filled and not taken since that still hold the pattern: *bad (and its first, *first_bad) if not. */
unsigned long mem_check(unsigned long *bad, uint64_t *first_bad)
{
	unsigned long i, n = 0;

	*bad = 0;
	for (i = 0; i < pool_pages; i++) {
		const uint64_t *w = (const uint64_t *)(pool_base + i * PAGE_SIZE);
		unsigned j;

		if (!(filled[i / WORD_BITS] >> (i % WORD_BITS) & 1))
			continue;
		for (j = 0; j < PAGE_SIZE / 8 && w[j] == pattern(&w[j]); j++)
			;
		if (j < PAGE_SIZE / 8 && !(*bad)++)
			*first_bad = (uint64_t)(uintptr_t)&w[j];
		n++;
	}
	return n;
}
