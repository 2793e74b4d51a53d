/*
 * A restore's RAM backed ahead of its stream (ram_fill.c): RAM_FILL_THREADS
 * threads fault in (MADV_POPULATE_WRITE) the guest RAM just past the frames
 * the stream is writing, so that the first touch of fresh host memory
 * overlaps the copy instead of stalling it. On a host that is itself a VM
 * that touch is the outer hypervisor's page fault: measured here, 0.3 to
 * 2.7 s per GiB for one thread, while the copy into memory already there
 * takes 0.3 s; a migration's target spent nearly all its time in it. The
 * faults of several threads overlap (the outer host resolves them in
 * parallel, more of them than there are CPUs): 4 threads brought a full
 * 1 GiB guest's migration from 2.0-2.9 s to 1.3-1.5 s on 2 CPUs. On a
 * host of its own the threads zero the pages on other CPUs than the
 * copy's.
 *
 * Where to back is a guess from what came: the stream's current run of
 * data frames (each after the last, gaps below RAM_FILL_GAP), backed ahead
 * by as much data as the run holds, at most RAM_FILL_AHEAD, once it holds
 * RAM_FILL_CHUNK of data. Its data, not its span: a live round's scattered
 * frames, or a small guest image whose pages are mostly zeros, can span
 * 2 MiB with gaps below RAM_FILL_GAP, and backing ahead of them cost an
 * idle guest's migration 3-30 ms more downtime on a host whose fresh memory
 * faults slowly (the stream's end waits for the pieces being backed). What
 * was taken for nothing is given back (hole punched: those pages are zeros
 * either way), so that an idle guest's holes do not become resident: when
 * a run ends, what lies past every frame written and short of the next run
 * (all of it if that starts lower down: a new round), and at the stream's
 * end. The lead is kept short (RAM_FILL_AHEAD) because giving it back
 * costs time (0.6 ms for 8 MiB here), in a migration's downtime when the
 * round after round 0 is the paused one. The threads start at the first
 * run long enough (none for an idle guest) and are joined only before the
 * domain first runs (ram_fill_wait), not in that window. A thread whose
 * piece a give-back overtook (it was still backing it) gives back its part
 * past every frame written and past the current lead itself, under the
 * lock (the reader writes only what it announced, all of it below that).
 * At the stream's end the reader waits for pieces being backed (one
 * RAM_FILL_CHUNK per thread at most, none unless a run was still being
 * backed ahead of), then gives back the rest: nothing is punched once the
 * devices load their state. What may stay: a piece a thread was backing
 * between a run that ended and the next one further on (below the new
 * run, so it cannot tell it from frames announced since; at most
 * RAM_FILL_CHUNK per thread and run, zeros).
 */
#ifndef XENON_HV_RAM_FILL_H
#define XENON_HV_RAM_FILL_H

#include <stddef.h>

#define RAM_FILL_AHEAD (8u << 20)
#define RAM_FILL_CHUNK (2u << 20)
#define RAM_FILL_GAP   (1u << 20)
#define RAM_FILL_THREADS 4

/* The plan, in byte offsets into RAM: the threads' and the reader's shared state (under its lock). */
struct ram_fill_plan {
	size_t size;		   /* RAM's */
	size_t run_end;		   /* past the current run of data frames */
	size_t run_data;	   /* the bytes of frames in it (its zero frames are gaps) */
	size_t written_end;	   /* past every frame written so far */
	size_t taken;		   /* the threads have taken [run_end, taken) to back */
	size_t taken_max;	   /* the furthest any run's lead was taken to */
	unsigned gave;		   /* give-backs so far: a thread whose piece one overtook gives its part back */
};

void ram_fill_plan_init(struct ram_fill_plan *p, size_t size, size_t written_end);
/*
 * Frames [off, off + len) are about to be written. Returns the length of a
 * range that was backed for nothing and may be given back, from *give_back
 * (0: none).
 */
size_t ram_fill_plan_coming(struct ram_fill_plan *p, size_t off, size_t len, size_t *give_back);
/* 1 if a thread has a piece to take now. */
int ram_fill_plan_wanted(const struct ram_fill_plan *p);
/* A thread's next piece to back, from *from, taken (0: none now). */
size_t ram_fill_plan_take(struct ram_fill_plan *p, size_t *from);
/* At the stream's end: what was taken past every frame written, from *give_back. */
size_t ram_fill_plan_end(const struct ram_fill_plan *p, size_t *give_back);

struct ram_fill;
/* Ready to back ram (size bytes of the file memfd), nothing written past
 * written_end yet; the threads start when there is something to back (if
 * they cannot, the copy faults pages in as before). NULL: no memory. */
struct ram_fill *ram_fill_start(void *ram, int memfd, size_t size, size_t written_end);
/* Frames at [addr, addr + len) of ram are about to be written. */
void ram_fill_coming(struct ram_fill *f, const void *addr, size_t len);
/* The stream's end: the threads told to stop, the pieces they are backing
 * done, what was taken past the last frame written given back (before
 * anything else writes RAM). */
void ram_fill_end(struct ram_fill *f);
/* Before the domain runs: the threads done (after ram_fill_end); f freed. NULL: nothing. */
void ram_fill_wait(struct ram_fill *f); /* (ends them first if need be) */

#endif
