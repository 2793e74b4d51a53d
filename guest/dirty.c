/*
 * dirty MIB_PER_S [MIB]: keep writing a working set of MIB MiB (default 16)
 * at MIB_PER_S MiB/s, in the background: the shell, the ticker and every
 * other command go on meanwhile. Each 4 KiB page written counts as 4 KiB
 * dirtied (one 64-bit store of a new generation number per page, the pages
 * in turn), which is what live migration has to send again. "dirty 0" or
 * "dirty off" stops and frees the working set; "dirty" alone says what it
 * is doing; "dirty check" that every page held its last write when it
 * came to be written again (a migration that lost one leaves an older
 * generation there, found within a pass) and holds it now. For migration
 * tests and bench/migrate.
 */
#include "kernel.h"
#include "shell.h"
#include "virtio.h"

#define DIRTY_MAX_MIB  4096
#define DIRTY_MAX_RATE 100000 /* MiB/s */

static struct {
	uint64_t *buf;
	unsigned pages, next;
	uint64_t rate;	   /* bytes per second, 0: stopped */
	uint64_t last_ns;  /* when the pages due so far were written */
	uint64_t credit;   /* bytes due but not yet a whole page */
	uint64_t written;  /* pages written since started */
	uint64_t gen;
	uint64_t lost;	   /* pages that held an older generation than their last write */
	unsigned lost_page;
	uint64_t lost_got, lost_want; /* the first of them */
} d;

/* Page i is about to be written with want + 1: it must hold want, its last write. */
static void dirty_verify(unsigned i, uint64_t want)
{
	uint64_t got = d.buf[(uint64_t)i * 512];

	if (!want || got == want || d.lost++)
		return;
	d.lost_page = i;
	d.lost_got = got;
	d.lost_want = want;
}

static int parse_num(const char *s, uint64_t *v)
{
	*v = 0;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || *v > 1000000000ULL)
			return -EINVAL;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return 0;
}

/* From shell_poll: the pages due since the last call (at most the whole set at once). */
void dirty_poll(void)
{
	uint64_t now, due;

	if (!d.rate)
		return;
	now = clock_ns();
	d.credit += (now - d.last_ns) * d.rate / 1000000000ULL;
	d.last_ns = now;
	due = d.credit / 4096;
	if (due > d.pages)
		due = d.pages;
	d.credit -= due * 4096;
	while (due--) {
		if (!d.next)
			d.gen++;
		dirty_verify(d.next, d.gen - 1);
		d.buf[(uint64_t)d.next * 512] = d.gen;
		d.next = (d.next + 1) % d.pages;
		d.written++;
	}
}

static void dirty_stop(void)
{
	if (d.buf)
		page_free(d.buf, d.pages);
	d.buf = NULL;
	d.rate = d.pages = d.next = 0;
}

/* Pages before next hold gen, the rest gen - 1 (none written yet on the first pass); after a whole pass, all gen. */
static int dirty_check(void)
{
	unsigned bad = 0, first = 0;
	uint64_t got = 0, want = 0;

	for (unsigned i = 0; d.gen && i < d.pages; i++) {
		uint64_t w = i < d.next || !d.next ? d.gen : d.gen - 1;

		if (!w)
			break; /* the first pass has not come here yet */
		if (d.buf[(uint64_t)i * 512] != w && !bad++) {
			first = i;
			got = d.buf[(uint64_t)i * 512];
			want = w;
		}
	}
	if (d.lost)
		printf("dirty check: %lu pages had lost their last write when written again, the first page %u "
		       "(generation %lu, not %lu)\n",
		       (unsigned long)d.lost, d.lost_page, (unsigned long)d.lost_got, (unsigned long)d.lost_want);
	if (bad)
		printf("dirty check: %u pages wrong, the first page %u (generation %lu, not %lu)\n", bad, first,
		       (unsigned long)got, (unsigned long)want);
	if (!d.lost && !bad)
		printf("dirty check: %u pages hold their last write (generation %lu), none lost one\n", d.pages,
		       (unsigned long)d.gen);
	return bad || d.lost ? -EIO : 0;
}

int cmd_dirty(int argc, char **argv)
{
	uint64_t rate = 0, mib = 16;

	if (argc == 2 && !strcmp(argv[1], "check"))
		return dirty_check();
	if (argc == 1) {
		printf("dirty: %lu MiB/s over %lu MiB, %lu pages written\n", (unsigned long)(d.rate >> 20),
		       (unsigned long)d.pages / 256, (unsigned long)d.written);
		return 0;
	}
	if (argc > 3 || (strcmp(argv[1], "off") && parse_num(argv[1], &rate)) ||
	    (argc == 3 && parse_num(argv[2], &mib)) || rate > DIRTY_MAX_RATE || !mib || mib > DIRTY_MAX_MIB) {
		printf("usage: dirty MIB_PER_S [MIB] (at most %d MiB/s over 1 to %d MiB; 0 or off stops)\n",
		       DIRTY_MAX_RATE, DIRTY_MAX_MIB);
		return -EINVAL;
	}
	dirty_stop();
	if (!strcmp(argv[1], "off") || !rate) {
		printf("dirty off\n");
		return 0;
	}
	d.buf = page_alloc((unsigned)(mib * 256));
	if (!d.buf) {
		printf("dirty: no room for %lu MiB (%lu MiB free)\n", (unsigned long)mib,
		       mem_free_pages() / 256);
		return -ENOMEM;
	}
	d.pages = (unsigned)(mib * 256);
	d.rate = rate << 20;
	d.last_ns = clock_ns();
	d.credit = d.written = d.lost = d.gen = d.next = 0;
	printf("dirty %lu MiB/s over %lu MiB\n", (unsigned long)rate, (unsigned long)mib);
	return 0;
}
