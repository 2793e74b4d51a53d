/*
 * bench/xentop-timer N: take N samples of every domain with
 * libxl_domain_stats_sample (as xentop and xenon-exporter do) and print
 * the domains seen, the median, 95th percentile and largest wall time of one
 * sample in ms, and the CPU time (user + system) this process spent per
 * sample in ms: the caller's own cost, whatever the machine's load.
 * Built and run by bench/xentop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "libxl/libxl.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100, domains = 0;
	double *ms = calloc(n > 0 ? (size_t)n : 1, sizeof(*ms));
	libxl_stats_sample s;
	libxl_ctx *ctx;

	if (n <= 0 || !ms || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, NULL) < 0) {
		fprintf(stderr, "usage: xentop-timer N (with xenstored running)\n");
		return 1;
	}
	double cpu0;

	libxl_stats_sample_init(&s);
	cpu0 = cpu_ms();
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();

		if (libxl_domain_stats_sample(ctx, LIBXL_STATS_HOST, 0, &s) < 0) {
			fprintf(stderr, "xentop-timer: a sample failed\n");
			return 1;
		}
		ms[i] = now_ms() - t0;
		domains = s.num_domains;
	}
	cpu0 = (cpu_ms() - cpu0) / n;
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("%d %.3f %.3f %.3f %.3f\n", domains, ms[n / 2], ms[n * 95 / 100], ms[n - 1], cpu0);
	libxl_stats_sample_dispose(&s);
	libxl_ctx_free(ctx);
	return 0;
}
