/*
 * Batch mode (-b, and -j): a sample every delay seconds, printed to stdout
 * in Xen's layout (or as JSON lines), until the iterations are done or a
 * signal asks to stop.
 */
#include "xentop/xentop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

volatile int xt_stop_signal;

static void on_stop(int sig)
{
	xt_stop_signal = sig;
}

void xt_catch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

uint64_t xt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void xt_sleep_until(uint64_t next_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(next_ns / 1000000000ull),
			      .tv_nsec = (long)(next_ns % 1000000000ull)};

	/* A stop signal interrupts the sleep (no SA_RESTART). */
	while (!xt_stop_signal && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int xt_run_batch(struct xt_state *st)
{
	uint64_t period = (uint64_t)(st->o.delay_s * 1e9), next = xt_now_ns();
	long done = 0;
	int rc;

	while (!xt_stop_signal) {
		rc = xt_sample(st);
		if (rc < 0) {
			fprintf(stderr, "xentop: cannot take a sample of the domains: %s\n", strerror(-rc));
			return 1;
		}
		if (st->o.json)
			rc = xt_print_json(st);
		else
			xt_render_table(st);
		if (fflush(stdout) == EOF || rc < 0)
			return 1; /* stdout closed (a pipe's reader has gone) */
		if (st->o.iterations && ++done >= st->o.iterations)
			break;
		next += period;
		xt_sleep_until(next);
	}
	return 0;
}
