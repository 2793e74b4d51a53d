/*
 * bench/boot's stopwatch: run a command with its stdout on a pipe and print
 * "FIRST_LINE_MS EXIT_MS GONE_MS STATUS": milliseconds from fork to the first
 * newline the command writes, to its exit (reaped), and to the exit of every
 * process it left behind (we are their subreaper; xenon-hv's teardown
 * reaper, for one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	double t0, exited, first = -1;
	char buf[4096];
	ssize_t n;
	int p[2], status;
	pid_t pid;

	if (argc < 2 || pipe(p)) {
		fprintf(stderr, "usage: boot-timer COMMAND [ARGS...]\n");
		return 1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("boot-timer: fork");
		return 1;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		if (first < 0 && memchr(buf, '\n', n))
			first = now_ms() - t0;
	waitpid(pid, &status, 0);
	exited = now_ms() - t0;
	while (wait(NULL) > 0 || errno == EINTR)
		;
	printf("%.3f %.3f %.3f %d\n", first, exited, now_ms() - t0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}
