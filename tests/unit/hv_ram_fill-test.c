/*
 * A restore's RAM backed ahead of its stream (hypervisor/ram_fill.c): the
 * plan's arithmetic (where the threads back, what is given back when a run
 * of frames ends and at the stream's end), then the threads over a real
 * memfd: what they back shows in the file's allocated blocks, and what was
 * backed for nothing is gone again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/ram_fill.h"
#include "unit.h"

#define MIB (1UL << 20)
#define PAGE 4096UL

/* Every piece the plan hands out now, in order: their count; *end past the last. */
static unsigned take_all(struct ram_fill_plan *p, size_t *first, size_t *end)
{
	size_t from, len;
	unsigned n = 0;

	CHECK(ram_fill_plan_wanted(p));
	while ((len = ram_fill_plan_take(p, &from))) {
		if (!n)
			*first = from;
		CHECK(len <= RAM_FILL_CHUNK);
		CHECK(n == 0 || from == *end); /* pieces follow one another */
		*end = from + len;
		n++;
	}
	CHECK(!ram_fill_plan_wanted(p));
	return n;
}

static void test_short_runs_back_nothing(void)
{
	struct ram_fill_plan p;
	size_t from = 0, back;

	ram_fill_plan_init(&p, 64 * MIB, 3 * PAGE);
	for (size_t off = 8 * PAGE; off < 8 * PAGE + RAM_FILL_CHUNK - 2 * PAGE; off += 2 * PAGE) {
		back = ram_fill_plan_coming(&p, off, PAGE, &from);
		CHECK_INT(back, 0);
		CHECK(!ram_fill_plan_wanted(&p)); /* the threads are not woken */
		CHECK_INT(ram_fill_plan_take(&p, &from), 0);
	}
	/* scattered frames, as a live round sends them */
	CHECK_INT(ram_fill_plan_coming(&p, 40 * MIB, PAGE, &from), 0);
	CHECK_INT(ram_fill_plan_coming(&p, 2 * MIB, PAGE, &from), 0);
	CHECK_INT(ram_fill_plan_take(&p, &from), 0);
	CHECK_INT(ram_fill_plan_end(&p, &from), 0);
}

/*
 * A guest image's frames: a page in every 16 over 3 MiB (the rest zero
 * frames, gaps below RAM_FILL_GAP), one run spanning more than
 * RAM_FILL_CHUNK with far less data: nothing backed ahead of it, until as
 * much data as RAM_FILL_CHUNK has come, then as far ahead as the data.
 */
static void test_sparse_run_backs_nothing(void)
{
	struct ram_fill_plan p;
	size_t first = 0, end = 0, back = 0;

	ram_fill_plan_init(&p, 64 * MIB, 0);
	for (size_t off = MIB; off < 4 * MIB; off += 16 * PAGE) {
		CHECK_INT(ram_fill_plan_coming(&p, off, PAGE, &back), 0);
		CHECK(!ram_fill_plan_wanted(&p));
	}
	CHECK_INT(ram_fill_plan_end(&p, &back), 0);
	/* the same run goes on, dense: 2 MiB of data in it, 192 KiB of them the sparse part's */
	CHECK_INT(ram_fill_plan_coming(&p, 4 * MIB, RAM_FILL_CHUNK - 48 * PAGE - PAGE, &back), 0);
	CHECK(!ram_fill_plan_wanted(&p));
	CHECK_INT(ram_fill_plan_coming(&p, 6 * MIB - 49 * PAGE, PAGE, &back), 0);
	CHECK_INT(take_all(&p, &first, &end), 1);
	CHECK_INT(first, 6 * MIB - 48 * PAGE);
	CHECK_INT(end, first + RAM_FILL_CHUNK);
}

/* Ahead by as much data as the run holds (here all of it), then by RAM_FILL_AHEAD at most, never past RAM. */
static void test_ahead_grows_with_the_run(void)
{
	struct ram_fill_plan p;
	size_t first = 0, end = 0, back = 0;

	ram_fill_plan_init(&p, 64 * MIB, PAGE);
	CHECK_INT(ram_fill_plan_coming(&p, 0, 4 * MIB, &back), 0);
	CHECK_INT(take_all(&p, &first, &end), 2);
	CHECK_INT(first, 4 * MIB);
	CHECK_INT(end, 8 * MIB);
	/* a zero frame inside the run (a gap below RAM_FILL_GAP) does not end it */
	CHECK_INT(ram_fill_plan_coming(&p, 4 * MIB + PAGE, 28 * MIB - PAGE, &back), 0);
	CHECK_INT(take_all(&p, &first, &end), RAM_FILL_AHEAD / RAM_FILL_CHUNK);
	CHECK_INT(first, 32 * MIB);
	CHECK_INT(end, 32 * MIB + RAM_FILL_AHEAD);
	CHECK_INT(ram_fill_plan_coming(&p, 32 * MIB, 30 * MIB, &back), 0);
	CHECK_INT(take_all(&p, &first, &end), 1);
	CHECK_INT(end, 64 * MIB);
	CHECK_INT(ram_fill_plan_coming(&p, 62 * MIB, 2 * MIB, &back), 0);
	CHECK_INT(ram_fill_plan_take(&p, &first), 0);
	CHECK_INT(ram_fill_plan_end(&p, &back), 0); /* the run reached RAM's end: nothing past it */
}

/* The copy overtook the threads: they go on from where it is. */
static void test_copy_ahead_of_the_threads(void)
{
	struct ram_fill_plan p;
	size_t from = 0, back = 0;

	ram_fill_plan_init(&p, 64 * MIB, 0);
	ram_fill_plan_coming(&p, 0, 4 * MIB, &back);
	CHECK_INT(ram_fill_plan_take(&p, &from), RAM_FILL_CHUNK);
	CHECK_INT(from, 4 * MIB);
	ram_fill_plan_coming(&p, 4 * MIB, 6 * MIB, &back);
	CHECK_INT(ram_fill_plan_take(&p, &from), RAM_FILL_CHUNK);
	CHECK_INT(from, 10 * MIB);
}

/* A run that ends: what was taken past it and short of the next run comes back. */
static void test_run_ends(void)
{
	struct ram_fill_plan p;
	size_t first = 0, end = 0, back = 0;

	ram_fill_plan_init(&p, 256 * MIB, PAGE);
	ram_fill_plan_coming(&p, 0, 8 * MIB, &back);
	take_all(&p, &first, &end);
	CHECK_INT(end, 16 * MIB);
	/* the next frames 12 MiB on: [8, 12) was for nothing, [12, 16) is the new run's */
	CHECK_INT(p.gave, 0);
	CHECK_INT(ram_fill_plan_coming(&p, 12 * MIB, PAGE, &back), 4 * MIB);
	CHECK_INT(back, 8 * MIB);
	CHECK_INT(p.gave, 1); /* a thread still backing a piece there gives its part back */
	CHECK_INT(ram_fill_plan_take(&p, &first), 0); /* the new run is short yet */
	/* far off: the rest of the old lead comes back */
	CHECK_INT(ram_fill_plan_coming(&p, 100 * MIB, 4 * MIB, &back), 4 * MIB - PAGE);
	CHECK_INT(back, 12 * MIB + PAGE);
	take_all(&p, &first, &end);
	CHECK_INT(first, 104 * MIB);
	CHECK_INT(end, 108 * MIB);
	/* lower down (a new round): all of the lead past the last frame written */
	CHECK_INT(ram_fill_plan_coming(&p, 5 * MIB, PAGE, &back), 4 * MIB);
	CHECK_INT(back, 104 * MIB);
	CHECK_INT(p.gave, 3);
	CHECK_INT(ram_fill_plan_coming(&p, 90 * MIB, 3 * MIB, &back), 0);
	CHECK_INT(p.gave, 3);
	CHECK_INT(ram_fill_plan_take(&p, &first), RAM_FILL_CHUNK); /* a run again */
	CHECK_INT(first, 93 * MIB);
	CHECK_INT(ram_fill_plan_end(&p, &back), 0); /* below the last frame written */
}

/* A later round's run long enough to back ahead of, past round 0's last frame: its lead comes
 * back at the end. */
static void test_later_round_run(void)
{
	struct ram_fill_plan p;
	size_t first = 0, end = 0, back = 0;

	ram_fill_plan_init(&p, 256 * MIB, 0);
	ram_fill_plan_coming(&p, 0, 32 * MIB, &back);
	take_all(&p, &first, &end);
	CHECK_INT(end, 32 * MIB + RAM_FILL_AHEAD);
	CHECK_INT(ram_fill_plan_coming(&p, MIB, PAGE, &back), RAM_FILL_AHEAD);
	CHECK_INT(back, 32 * MIB);
	CHECK_INT(ram_fill_plan_coming(&p, 50 * MIB, 2 * MIB, &back), 0);
	take_all(&p, &first, &end);
	CHECK_INT(first, 52 * MIB);
	CHECK_INT(end, 54 * MIB);
	CHECK_INT(ram_fill_plan_end(&p, &back), 2 * MIB);
	CHECK_INT(back, 52 * MIB);
}

static void test_end_gives_back_the_lead(void)
{
	struct ram_fill_plan p;
	size_t first = 0, end = 0, back = 0;

	ram_fill_plan_init(&p, 256 * MIB, 0);
	ram_fill_plan_coming(&p, 10 * MIB, 6 * MIB, &back);
	take_all(&p, &first, &end);
	CHECK_INT(ram_fill_plan_end(&p, &back), 6 * MIB);
	CHECK_INT(back, 16 * MIB);
}

/* What xenon-hv wrote before the stream (the boot page) is never given back. */
static void test_written_before(void)
{
	struct ram_fill_plan p;
	size_t first = 0, end = 0, back = 0;

	ram_fill_plan_init(&p, 256 * MIB, 20 * MIB);
	ram_fill_plan_coming(&p, 0, 16 * MIB, &back);
	take_all(&p, &first, &end);
	CHECK_INT(end, 16 * MIB + RAM_FILL_AHEAD);
	CHECK_INT(ram_fill_plan_coming(&p, 100 * MIB, PAGE, &back), 16 * MIB + RAM_FILL_AHEAD - 20 * MIB);
	CHECK_INT(back, 20 * MIB);
}

/* ---- the threads, over a memfd ---- */

static size_t allocated(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (size_t)st.st_blocks * 512;
}

/* Wait (up to 30 s) for the threads to have backed at least want bytes of fd. */
static int wait_allocated(int fd, size_t want)
{
	for (int i = 0; i < 30000; i++) {
		struct timespec ms = {0, 1000000};

		if (allocated(fd) >= want)
			return 1;
		nanosleep(&ms, NULL);
	}
	printf("# %zu bytes allocated, waited for %zu\n", allocated(fd), want);
	return 0;
}

/* A RAM of size bytes in a new memfd (*fd), its threads started; NULL if not. */
static struct ram_fill *ram_with_fill(size_t size, int *fd, uint8_t **ram)
{
	struct ram_fill *f = NULL;

	*fd = memfd_create("ram-fill-test", MFD_CLOEXEC);
	CHECK(*fd >= 0 && ftruncate(*fd, (off_t)size) == 0);
	*ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	CHECK(*ram != MAP_FAILED);
	if (*fd >= 0 && *ram != MAP_FAILED)
		f = ram_fill_start(*ram, *fd, size, 0);
	CHECK(f != NULL);
	return f;
}

static void test_threads(void)
{
	const size_t size = 128 * MIB;
	int fd;
	uint8_t *ram;
	struct ram_fill *f = ram_with_fill(size, &fd, &ram);

	if (!f)
		return;
	/* a run of 8 MiB written: the threads back the 8 MiB after it */
	ram_fill_coming(f, ram, 8 * MIB);
	memset(ram, 0xa5, 8 * MIB);
	CHECK(wait_allocated(fd, 16 * MIB));
	CHECK(ram[12 * MIB] == 0 && ram[16 * MIB - 1] == 0); /* backed as zeros */
	/* the next frames far off: the 8 MiB backed for nothing are given back */
	ram_fill_coming(f, ram + 64 * MIB, PAGE);
	memset(ram + 64 * MIB, 0x5a, PAGE);
	CHECK_INT(allocated(fd), 8 * MIB + PAGE);
	ram_fill_end(f);
	ram_fill_wait(f);
	CHECK_INT(allocated(fd), 8 * MIB + PAGE);
	CHECK(ram[0] == (uint8_t)0xa5 && ram[8 * MIB - 1] == (uint8_t)0xa5 && ram[64 * MIB] == 0x5a);
	munmap(ram, size);
	close(fd);
}

/* At the stream's end the lead comes back, before ram_fill_end returns; what was written stays. */
static void test_threads_end(void)
{
	const size_t size = 64 * MIB;
	int fd;
	uint8_t *ram;
	struct ram_fill *f = ram_with_fill(size, &fd, &ram);

	if (!f)
		return;
	ram_fill_coming(f, ram + 4 * MIB, 4 * MIB);
	memset(ram + 4 * MIB, 1, 4 * MIB);
	CHECK(wait_allocated(fd, 8 * MIB));
	ram_fill_end(f);
	CHECK_INT(allocated(fd), 4 * MIB);
	ram_fill_wait(f);
	CHECK_INT(allocated(fd), 4 * MIB);
	CHECK(ram[4 * MIB] == 1 && ram[8 * MIB - 1] == 1);
	munmap(ram, size);
	close(fd);
}

int main(void)
{
	RUN(test_short_runs_back_nothing);
	RUN(test_sparse_run_backs_nothing);
	RUN(test_ahead_grows_with_the_run);
	RUN(test_copy_ahead_of_the_threads);
	RUN(test_run_ends);
	RUN(test_end_gives_back_the_lead);
	RUN(test_written_before);
	RUN(test_threads);
	RUN(test_later_round_run);
	RUN(test_threads_end);
	return unit_done();
}
