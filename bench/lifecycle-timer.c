/*
 * bench/lifecycle's stopwatch.
 *
 *   lifecycle-timer first-line NAME CFG
 *       runs `xl create -c CFG` with its stdout on a pipe and prints the
 *       milliseconds from fork to the guest's first console line
 *       ("xenon-guest ..."), then detaches (closes its input) and runs
 *       `xl destroy NAME`, and the milliseconds that took.
 *   lifecycle-timer cycles N NAME CFG
 *       N times in a row: `xl create CFG` then `xl destroy NAME`; prints one
 *       line per cycle: the milliseconds of the whole cycle.
 * Exit status 1 if any xl command failed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long a guest may take to print (BENCH_FIRST_LINE_MS: more in an emulated machine). */
static int first_line_timeout_ms(void)
{
	const char *s = getenv("BENCH_FIRST_LINE_MS");

	return s && atoi(s) > 0 ? atoi(s) : 5000;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int destroy(const char *name)
{
	char *argv[] = {"xl", "destroy", (char *)name, NULL};

	return run(argv);
}

static int first_line(const char *name, const char *cfg)
{
	char *argv[] = {"xl", "create", "-c", (char *)cfg, NULL};
	int out[2], in[2], status, found = 0;
	char buf[8192];
	size_t used = 0;
	double t0, ms = -1;
	ssize_t n;
	pid_t pid;

	if (pipe(out) || pipe(in))
		return 1;
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	for (;;) {
		struct pollfd p = {out[0], POLLIN, 0};

		/* A guest that never prints must not hang the benchmark. */
		if (found || used >= sizeof(buf) - 1 || poll(&p, 1, first_line_timeout_ms()) <= 0)
			break;
		n = read(out[0], buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		char *line = strstr(buf, "xenon-guest");
		if (line && strchr(line, '\n')) {
			ms = now_ms() - t0;
			found = 1;
		}
	}
	close(in[1]); /* end of input: xl console detaches */
	close(out[0]);
	waitpid(pid, &status, 0);
	if (!found) {
		char *console[] = {"xl", "console", (char *)name, NULL};

		fprintf(stderr,
			"lifecycle-timer: no first console line from %s within %d ms; "
			"its console so far:\n",
			name, first_line_timeout_ms());
		dup2(2, 1);
		dup2(open("/dev/null", O_RDONLY), 0);
		run(console);
	}
	t0 = now_ms();
	if (destroy(name) != 0 || !found)
		return 1;
	printf("%.3f %.3f\n", ms, now_ms() - t0);
	return 0;
}

static int cycles(int n, const char *name, const char *cfg)
{
	char *create[] = {"xl", "create", (char *)cfg, NULL};
	int i;

	for (i = 0; i < n; i++) {
		double t0 = now_ms();

		if (run(create) != 0 || destroy(name) != 0) {
			fprintf(stderr, "lifecycle-timer: cycle %d failed\n", i);
			return 1;
		}
		printf("%.3f\n", now_ms() - t0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "first-line"))
		return first_line(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "cycles"))
		return cycles(atoi(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: lifecycle-timer first-line NAME CFG | cycles N NAME CFG\n");
	return 1;
}
