/*
 * What the bench programs (sandbox-setup, seccomp-cost) share: a measure
 * taken in a fresh child process (one that entered a sandbox or a seccomp
 * filter cannot leave it), and the median of samples.
 *   bench_child(fn, arg)      fn(arg) in a child: its result (>= 0), or -1
 *                             if the child failed (fn < 0, killed, ...)
 *   bench_median(v, n)        v[0..n) sorted (v[0] is the minimum): the median
 */
#ifndef XENON_BENCH_CHILD_H
#define XENON_BENCH_CHILD_H

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static double bench_child(double (*fn)(const void *arg), const void *arg)
{
	int pfd[2], status;
	double v = -1;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		v = fn(arg);
		_exit(v >= 0 && write(pfd[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid < 0 || read(pfd[0], &v, sizeof(v)) != sizeof(v))
		v = -1;
	close(pfd[0]);
	if (pid > 0 && (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)))
		v = -1;
	return v;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
