#include "fdclose.h"
#include "unit.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define NFD 12

/*
 * In a child: fds 3 .. 3 + NFD - 1 open (/dev/null), then
 * fd_close_except(from, keep); the child tells which are open after,
 * one byte per fd ('1' open, '0' closed), through a pipe on fd 100.
 */
static void run_case(unsigned from, const int *keep_in, int n, char *open_after)
{
	int p[2], keep[8], status;
	pid_t pid;

	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		char out[NFD];

		close(p[0]);
		/* the pipe's write end far above the fds looked at */
		if (dup2(p[1], 100) < 0)
			_exit(2);
		close_range(3, 99, 0);
		for (int i = 0; i < NFD; i++)
			if (open("/dev/null", O_RDONLY) != 3 + i)
				_exit(4);
		for (int i = 0; i < n; i++)
			keep[i] = keep_in[i];
		keep[n] = 100;
		fd_close_except(from, keep, n + 1);
		for (int i = 0; i < NFD; i++)
			out[i] = fcntl(3 + i, F_GETFD) >= 0 ? '1' : '0';
		_exit(write(100, out, NFD) == NFD ? 0 : 3);
	}
	close(p[1]);
	CHECK(read(p[0], open_after, NFD) == NFD);
	open_after[NFD] = '\0';
	close(p[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_keeps_only_the_listed(void)
{
	char open_after[NFD + 1];
	/* unsorted, with a negative one and a duplicate */
	const int keep[] = {9, -1, 4, 12, 4};

	run_case(3, keep, 5, open_after);
	/* fds 3..14: 4, 9 and 12 stay */
	CHECK_STR(open_after, "010000100100");
}

static void test_below_from_is_left_alone(void)
{
	char open_after[NFD + 1];
	const int keep[] = {7};

	run_case(6, keep, 1, open_after);
	/* 3, 4, 5 are below from; 7 is kept */
	CHECK_STR(open_after, "111010000000");
}

static void test_nothing_kept(void)
{
	char open_after[NFD + 1];

	run_case(3, NULL, 0, open_after);
	CHECK_STR(open_after, "000000000000");
}

int main(void)
{
	RUN(test_keeps_only_the_listed);
	RUN(test_below_from_is_left_alone);
	RUN(test_nothing_kept);
	return unit_done();
}
