/*
 * A restore's RAM backed ahead of its stream (ram_fill.h). The plan is
 * plain arithmetic (tests/unit/hv_ram_fill-test.c); each thread takes a
 * piece of it under the lock, backs it with the lock released, and sleeps
 * while there is nothing to take.
 */
#include "hypervisor/hv.h"
#include "hypervisor/ram_fill.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it (EINVAL): then none is backed ahead */
#endif

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

void ram_fill_plan_init(struct ram_fill_plan *p, size_t size, size_t written_end)
{
	*p = (struct ram_fill_plan){.size = size, .written_end = written_end};
}

/* What the threads took in [written_end, limit): zeros, not needed. */
static size_t unneeded(const struct ram_fill_plan *p, size_t limit, size_t *give_back)
{
	size_t to = min_size(p->taken_max, limit);

	*give_back = p->written_end;
	return to > p->written_end ? to - p->written_end : 0;
}

size_t ram_fill_plan_coming(struct ram_fill_plan *p, size_t off, size_t len, size_t *give_back)
{
	size_t end = off + len, back = 0;

	if (p->run_end && off >= p->run_end && off <= p->run_end + RAM_FILL_GAP) {
		p->run_end = end;
		p->run_data += len;
	} else {
		/* A new run: what was taken past every frame written is not
		 * needed up to where this one starts, or at all if it starts
		 * lower down (a new round). */
		back = unneeded(p, off > p->written_end ? off : SIZE_MAX, give_back);
		if (off <= p->written_end)
			p->taken_max = p->written_end;
		p->gave += back > 0;
		p->run_end = end;
		p->run_data = len;
		p->taken = end;
	}
	if (end > p->written_end)
		p->written_end = end;
	return back;
}

/* The next piece to back, from *from (0: none). */
static size_t next_piece(const struct ram_fill_plan *p, size_t *from)
{
	size_t to;

	/* scattered frames (a live round's, an image's) tell nothing of what comes */
	if (p->run_data < RAM_FILL_CHUNK)
		return 0;
	to = min_size(p->run_end + min_size(p->run_data, RAM_FILL_AHEAD), p->size);
	*from = p->taken > p->run_end ? p->taken : p->run_end;
	return *from < to ? min_size(to - *from, RAM_FILL_CHUNK) : 0;
}

int ram_fill_plan_wanted(const struct ram_fill_plan *p)
{
	size_t from;

	return next_piece(p, &from) > 0;
}

size_t ram_fill_plan_take(struct ram_fill_plan *p, size_t *from)
{
	size_t len = next_piece(p, from);

	if (!len)
		return 0;
	p->taken = *from + len;
	if (p->taken > p->taken_max)
		p->taken_max = p->taken;
	return len;
}

size_t ram_fill_plan_end(const struct ram_fill_plan *p, size_t *give_back)
{
	return unneeded(p, SIZE_MAX, give_back);
}

/* ---- the threads ---- */

struct ram_fill {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t idle; /* busy fell to 0 */
	unsigned busy;	     /* threads backing a piece (the lock released) */
	struct ram_fill_plan plan;
	uint8_t *ram;
	int memfd;
	int stop, failed; /* failed: backing does not work here, the threads end */
	unsigned nr_threads;
	pthread_t threads[RAM_FILL_THREADS];
};

/* Only when the process has its filters (not in the unit tests). */
__attribute__((weak)) int hv_seccomp_enter(enum hv_thread_kind kind);

/* Pages backed for nothing (zeros, never written) back to the host. */
static void give_back(struct ram_fill *f, size_t from, size_t len)
{
	if (len && fallocate(f->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)len))
		log_warn("restore: giving back %zu bytes of RAM backed ahead", len);
}

/*
 * Lock held: [from, from + len) was backed while a give-back overtook it;
 * its part past every frame written and past the current run's lead goes
 * too. Only there: the reader writes only frames it announced, all below
 * written_end, but not every frame below it was announced, so a part
 * below it may hold one written since (ram_fill.h: what may stay).
 */
static void give_back_overtaken(struct ram_fill *f, size_t from, size_t len)
{
	const struct ram_fill_plan *p = &f->plan;
	size_t lo = p->written_end > p->taken ? p->written_end : p->taken;

	if (from > lo)
		lo = from;
	if (from + len > lo)
		give_back(f, lo, from + len - lo);
}

static void backing(struct ram_fill *f)
{
	while (!f->stop && !f->failed) {
		unsigned gave = f->plan.gave;
		size_t from, len = ram_fill_plan_take(&f->plan, &from);
		int err;

		if (!len) {
			pthread_cond_wait(&f->wake, &f->lock);
			continue;
		}
		f->busy++;
		pthread_mutex_unlock(&f->lock);
		/* Pages already there (the stream's, or backed before) are left as they are. */
		err = madvise(f->ram + from, len, MADV_POPULATE_WRITE) ? errno : 0;
		pthread_mutex_lock(&f->lock);
		if (gave != f->plan.gave)
			give_back_overtaken(f, from, len);
		if (!--f->busy)
			pthread_cond_broadcast(&f->idle);
		if (err && err != EINTR && !f->failed) {
			if (err != EINVAL)
				log_warnx("restore: backing RAM ahead of the stream: %s (left to the copy)",
					  strerror(err));
			f->failed = 1;
			pthread_cond_broadcast(&f->wake);
		}
	}
}

static void *fill_thread(void *arg)
{
	struct ram_fill *f = arg;
	/* said why if not: the copy then faults the pages in itself */
	int in = !hv_seccomp_enter || !hv_seccomp_enter(HV_THREAD_FILL);

	pthread_mutex_lock(&f->lock);
	if (in)
		backing(f);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct ram_fill *ram_fill_start(void *ram, int memfd, size_t size, size_t written_end)
{
	struct ram_fill *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->ram = ram;
	f->memfd = memfd;
	ram_fill_plan_init(&f->plan, size, written_end);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	pthread_cond_init(&f->idle, NULL);
	return f;
}

/* Lock held: the threads, at the first piece there is to back (an idle guest's stream has none). */
static void start_threads(struct ram_fill *f)
{
	int rc = 0;

	while (f->nr_threads < RAM_FILL_THREADS &&
	       !(rc = pthread_create(&f->threads[f->nr_threads], NULL, fill_thread, f)))
		f->nr_threads++;
	if (rc)
		log_warnx("restore: cannot start a thread that backs RAM ahead: %s", log_strerror(-rc));
	if (!f->nr_threads)
		f->failed = 1; /* the copy faults the pages in itself */
}

void ram_fill_coming(struct ram_fill *f, const void *addr, size_t len)
{
	size_t back_from = 0, back;

	pthread_mutex_lock(&f->lock);
	back = ram_fill_plan_coming(&f->plan, (size_t)((const uint8_t *)addr - f->ram), len, &back_from);
	/* No wake-ups without a piece to take: a live round's frames come one by one. */
	if (ram_fill_plan_wanted(&f->plan) && !f->failed) {
		if (!f->nr_threads)
			start_threads(f);
		pthread_cond_broadcast(&f->wake);
	}
	pthread_mutex_unlock(&f->lock);
	give_back(f, back_from, back);
}

void ram_fill_end(struct ram_fill *f)
{
	size_t from = 0, back = 0;

	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	if (!f->stop) {
		f->stop = 1;
		pthread_cond_broadcast(&f->wake);
		/* a piece being backed now: done (and given back if overtaken) before anything else writes RAM */
		while (f->busy)
			pthread_cond_wait(&f->idle, &f->lock);
		back = ram_fill_plan_end(&f->plan, &from);
	}
	pthread_mutex_unlock(&f->lock);
	give_back(f, from, back);
}

void ram_fill_wait(struct ram_fill *f)
{
	if (!f)
		return;
	ram_fill_end(f);
	for (unsigned i = 0; i < f->nr_threads; i++)
		pthread_join(f->threads[i], NULL);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->wake);
	pthread_cond_destroy(&f->idle);
	free(f);
}
