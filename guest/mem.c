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
static uintptr_t pool_base;
static unsigned long pool_pages, pool_free;

static bool bit_get(unsigned long i)
{
	return bitmap[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

static void bits_set(unsigned long i, unsigned long n, bool v)
{
	for (; n; n--, i++) {
		if (v)
			bitmap[i / WORD_BITS] |= 1ULL << (i % WORD_BITS);
		else
			bitmap[i / WORD_BITS] &= ~(1ULL << (i % WORD_BITS));
	}
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
