#include "msgring.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HDR sizeof(struct msgring_hdr)
#define SMALL (2 * MSGRING_LINE_MAX)

static char text[MSGRING_SIZE_MAX + 1];

static void *small_ring(void)
{
	void *img = malloc(HDR + SMALL);

	msgring_init(img, SMALL);
	return img;
}

static void test_lines_come_out_in_order(void)
{
	void *img = small_ring();
	const char *why = NULL;

	msgring_put(img, "first", 5);
	msgring_put(img, "second", 6);
	CHECK_INT(msgring_check(img, HDR + SMALL, &why), 0);
	CHECK_INT(msgring_text(img, text), 13);
	CHECK_STR(text, "first\nsecond\n");
	free(img);
}

/* The ring full: the oldest whole lines go, never part of one. */
static void test_oldest_whole_lines_go(void)
{
	void *img = small_ring();
	char line[64], *p;
	int n = 0, last = -1;

	for (int i = 0; i < 200; i++) {
		int len = snprintf(line, sizeof(line), "line %d of two hundred", i);

		msgring_put(img, line, (size_t)len);
	}
	CHECK(msgring_text(img, text) <= SMALL);
	for (p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
		int i = -1;

		CHECK(sscanf(p, "line %d of two hundred", &i) == 1);
		CHECK(strlen(p) == (size_t)snprintf(line, sizeof(line), "line %d of two hundred", i));
		CHECK(last < 0 || i == last + 1);
		last = i;
		n++;
	}
	CHECK_INT(last, 199);
	CHECK(n > 20); /* about SMALL / 24 lines kept */
	free(img);
}

static void test_long_line_cut_and_made_printable(void)
{
	void *img = small_ring();
	char big[2 * MSGRING_LINE_MAX];

	memset(big, 'x', sizeof(big));
	memcpy(big, "a\tb\033[2J\n\xff", 9);
	msgring_put(img, big, sizeof(big));
	CHECK_INT(msgring_text(img, text), MSGRING_LINE_MAX);
	CHECK(strncmp(text, "a?b?[2J??x", 10) == 0);
	CHECK(text[MSGRING_LINE_MAX - 1] == '\n');
	CHECK(strchr(text, '\n') == text + MSGRING_LINE_MAX - 1);
	free(img);
}

static void test_clear_shows_only_what_comes_after(void)
{
	void *img = small_ring();

	msgring_put(img, "old", 3);
	msgring_clear(img);
	CHECK_INT(msgring_text(img, text), 0);
	msgring_put(img, "new", 3);
	CHECK_STR(text, "");
	msgring_text(img, text);
	CHECK_STR(text, "new\n");
	free(img);
}

static void test_check_refuses_broken_headers(void)
{
	struct msgring_hdr h, good;
	const char *why = NULL;

	msgring_init(text, SMALL);
	memcpy(&good, text, HDR);
	CHECK_INT(msgring_check(&good, HDR + SMALL, &why), 0);
	h = good, h.magic[0] = 'Y';
	CHECK_INT(msgring_check(&h, HDR + SMALL, &why), -EBADMSG);
	h = good, h.version = 2;
	CHECK_INT(msgring_check(&h, HDR + SMALL, &why), -EBADMSG);
	h = good, h.size = MSGRING_LINE_MAX; /* a line must fit twice */
	CHECK_INT(msgring_check(&h, HDR + MSGRING_LINE_MAX, &why), -EBADMSG);
	h = good, h.size = MSGRING_SIZE_MAX + 1;
	CHECK_INT(msgring_check(&h, HDR + MSGRING_SIZE_MAX + 1, &why), -EBADMSG);
	CHECK_INT(msgring_check(&good, HDR + SMALL - 1, &why), -EBADMSG);
	h = good, h.head = 5, h.tail = 6;
	CHECK_INT(msgring_check(&h, HDR + SMALL, &why), -EBADMSG);
	h = good, h.head = SMALL + 7, h.tail = 6;
	CHECK_INT(msgring_check(&h, HDR + SMALL, &why), -EBADMSG);
	CHECK_STR(why, "its head and tail do not match");
	h = good, h.head = UINT64_MAX, h.tail = UINT64_MAX - SMALL;
	CHECK_INT(msgring_check(&h, HDR + SMALL, &why), 0);
}

/* A full ring without a '\n' (a writer's bytes, not lines) is emptied for the next line. */
static void test_ring_without_lines_is_emptied(void)
{
	void *img = small_ring();
	struct msgring_hdr *h = img;

	memset((char *)img + HDR, 'z', SMALL);
	h->head = SMALL;
	msgring_put(img, "fresh", 5);
	msgring_text(img, text);
	CHECK_STR(text, "fresh\n");
	free(img);
}

static char path[64];

static int new_file(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/msgring-test.XXXXXX");
	fd = mkstemp(path);
	close(fd);
	unlink(path);
	return msgring_open(path);
}

static void test_file_logged_read_and_cleared(void)
{
	int fd = new_file();
	char *t = NULL;

	CHECK(fd >= 0);
	CHECK_INT(lseek(fd, 0, SEEK_END), HDR + MSGRING_SIZE);
	CHECK_INT(msgring_log(fd, "one"), 0);
	CHECK_INT(msgring_log(fd, "two"), 0);
	CHECK_INT(msgring_read(fd, false, &t), 0);
	CHECK_STR(t, "one\ntwo\n");
	free(t);
	CHECK_INT(msgring_read(fd, true, &t), 0);
	CHECK_STR(t, "one\ntwo\n");
	free(t);
	CHECK_INT(msgring_read(fd, false, &t), 0);
	CHECK_STR(t, "");
	free(t);
	close(fd);
	fd = msgring_open(path); /* opened again: kept */
	CHECK_INT(msgring_log(fd, "three"), 0);
	CHECK_INT(msgring_read(fd, false, &t), 0);
	CHECK_STR(t, "three\n");
	free(t);
	close(fd);
	unlink(path);
}

static void test_damaged_file_refused_then_started_again(void)
{
	int fd = new_file();
	char *t = NULL;

	CHECK_INT(msgring_log(fd, "before"), 0);
	CHECK_INT(pwrite(fd, "garbage!", 8, 0), 8);
	CHECK_INT(msgring_read(fd, false, &t), -EBADMSG);
	CHECK(t == NULL);
	CHECK_INT(ftruncate(fd, 10), 0);
	CHECK_INT(msgring_read(fd, false, &t), -EBADMSG);
	CHECK_INT(msgring_log(fd, "after"), 0);
	CHECK_INT(msgring_read(fd, false, &t), 0);
	CHECK_STR(t, "after\n");
	free(t);
	close(fd);
	unlink(path);
}

/* Two writers at once (each its own open file, as two xenon-hv): every line whole, none lost. */
static void test_writers_at_once_lose_nothing(void)
{
	int fd = new_file(), seen[2][300] = {{0}}, bad = 0;
	char *t = NULL, *p;
	pid_t pids[2];

	close(fd);
	for (int w = 0; w < 2; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			int mine = msgring_open(path);
			char line[64];

			for (int i = 0; i < 300; i++) {
				snprintf(line, sizeof(line), "writer %d line %d", w, i);
				if (mine < 0 || msgring_log(mine, line))
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < 2; w++) {
		int status = -1;

		waitpid(pids[w], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	fd = msgring_open(path);
	CHECK_INT(msgring_read(fd, false, &t), 0);
	for (p = t ? strtok(t, "\n") : NULL; p; p = strtok(NULL, "\n")) {
		int w = -1, i = -1;

		if (sscanf(p, "writer %d line %d", &w, &i) != 2 || w < 0 || w > 1 || i < 0 || i >= 300)
			bad++;
		else
			seen[w][i]++;
	}
	CHECK_INT(bad, 0);
	for (int w = 0; w < 2; w++)
		for (int i = 0; i < 300; i++)
			CHECK_INT(seen[w][i], 1);
	free(t);
	close(fd);
	unlink(path);
}

int main(void)
{
	RUN(test_lines_come_out_in_order);
	RUN(test_oldest_whole_lines_go);
	RUN(test_long_line_cut_and_made_printable);
	RUN(test_clear_shows_only_what_comes_after);
	RUN(test_check_refuses_broken_headers);
	RUN(test_ring_without_lines_is_emptied);
	RUN(test_file_logged_read_and_cleared);
	RUN(test_damaged_file_refused_then_started_again);
	RUN(test_writers_at_once_lose_nothing);
	return unit_done();
}
