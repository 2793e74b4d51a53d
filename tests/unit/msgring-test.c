#include "msgring.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HDR   sizeof(struct msgring_hdr)
#define SMALL (2 * MSGRING_LINE_MAX)

static char text[MSGRING_SIZE_MAX + 1];

static void *small_ring(void)
{
	void *img = malloc(HDR + SMALL);

	msgring_init(img, SMALL);
	return img;
}

static void put(void *img, const char *s)
{
	msgring_put(img, SMALL, s, strlen(s));
}

static void test_lines_come_out_in_order(void)
{
	void *img = small_ring();
	const char *why = NULL;

	put(img, "first");
	put(img, "second");
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
		snprintf(line, sizeof(line), "line %d of two hundred", i);
		put(img, line);
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
	msgring_put(img, SMALL, big, sizeof(big));
	CHECK_INT(msgring_text(img, text), MSGRING_LINE_MAX);
	CHECK(strncmp(text, "a?b?[2J??x", 10) == 0);
	CHECK(strchr(text, '\n') == text + MSGRING_LINE_MAX - 1);
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

/*
 * A writer takes a broken header (another size, head past the ring) for an
 * empty ring, and a full one without a '\n' (bytes, not lines) is emptied.
 */
static void test_broken_rings_start_again(void)
{
	void *img = small_ring();
	struct msgring_hdr *h = img;

	put(img, "lost");
	h->size = MSGRING_SIZE_MAX; /* as a hostile writer could: not the mapping's */
	h->head = UINT64_MAX;
	put(img, "kept");
	msgring_text(img, text);
	CHECK_STR(text, "kept\n");
	CHECK_INT(h->size, SMALL);
	memset((char *)img + HDR, 'z', SMALL);
	h->tail = 0, h->head = SMALL;
	put(img, "fresh");
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
	return msgring_create(path);
}

static void test_file_logged_read_and_cleared(void)
{
	struct msgring_map m, again;
	int fd = new_file();
	struct stat st;
	char *t = NULL;

	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)(HDR + MSGRING_SIZE) &&
	      (st.st_mode & 0777) == 0600);
	CHECK_INT(msgring_map(fd, &m), 0);
	close(fd);
	CHECK_INT(msgring_log(&m, "one"), 0);
	CHECK_INT(msgring_log(&m, "two"), 0);
	CHECK_INT(msgring_read(&m, false, &t), 0);
	CHECK_STR(t, "one\ntwo\n");
	free(t);
	CHECK_INT(msgring_read(&m, true, &t), 0);
	CHECK_STR(t, "one\ntwo\n");
	free(t);
	CHECK_INT(msgring_read(&m, false, &t), 0);
	CHECK_STR(t, "");
	free(t);
	fd = msgring_create(path); /* made again: kept, and the same file */
	CHECK_INT(msgring_map(fd, &again), 0);
	close(fd);
	CHECK_INT(msgring_log(&again, "three"), 0);
	CHECK_INT(msgring_read(&m, false, &t), 0);
	CHECK_STR(t, "three\n");
	free(t);
	msgring_unmap(&again);
	msgring_unmap(&m);
	unlink(path);
}

static void test_damaged_file_refused_then_replaced(void)
{
	struct msgring_map m;
	int fd = new_file();
	char *t = NULL;

	CHECK_INT(msgring_map(fd, &m), 0);
	CHECK_INT(msgring_log(&m, "before"), 0);
	CHECK_INT(pwrite(fd, "garbage!", 8, 0), 8);
	CHECK_INT(msgring_read(&m, false, &t), -EBADMSG);
	CHECK(t == NULL);
	CHECK_INT(msgring_log(&m, "after"), 0); /* a writer starts it again */
	CHECK_INT(msgring_read(&m, false, &t), 0);
	CHECK_STR(t, "after\n");
	free(t);
	msgring_unmap(&m);
	CHECK_INT(ftruncate(fd, 10), 0); /* no longer a ring's length: cannot be mapped, is replaced */
	CHECK_INT(msgring_map(fd, &m), -EBADMSG);
	close(fd);
	fd = msgring_create(path);
	CHECK_INT(lseek(fd, 0, SEEK_END), HDR + MSGRING_SIZE);
	CHECK_INT(msgring_map(fd, &m), 0);
	CHECK_INT(msgring_read(&m, false, &t), 0);
	CHECK_STR(t, "");
	free(t);
	msgring_unmap(&m);
	close(fd);
	unlink(path);
}

/* logf: Xen's prefix and the time, then the text. */
static void test_logf_stamps_lines(void)
{
	struct msgring_map m;
	int fd = new_file(), y, mo, d, h, mi, sec, ms, n = 0;
	char *t = NULL, word[16] = "";

	CHECK_INT(msgring_map(fd, &m), 0);
	close(fd);
	CHECK_INT(msgring_logf(&m, "d%u: %s", 7u, "said"), 0);
	CHECK_INT(msgring_read(&m, false, &t), 0);
	CHECK(t && sscanf(t, "(XEN) [%4d-%2d-%2d %2d:%2d:%2d.%3d] d7: %15s%n", &y, &mo, &d, &h, &mi, &sec,
			  &ms, word, &n) == 8);
	CHECK_STR(word, "said");
	CHECK(t && n == 40 && !strcmp(t + n, "\n"));
	free(t);
	msgring_unmap(&m);
	unlink(path);
}

/* A lock held (a writer stopped inside) makes a writer drop its line; one held over a second is taken over.
 */
static void test_held_lock_drops_stale_lock_taken(void)
{
	struct msgring_map m;
	struct msgring_hdr *h;
	struct timespec ts;
	int fd = new_file();
	char *t = NULL;
	uint32_t now;

	CHECK_INT(msgring_map(fd, &m), 0);
	close(fd);
	h = m.img;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	h->lock = now;
	CHECK_INT(msgring_log(&m, "dropped"), -EBUSY);
	h->lock = now - 5000;
	CHECK_INT(msgring_log(&m, "taken over"), 0);
	CHECK_INT(h->lock, 0);
	CHECK_INT(msgring_read(&m, false, &t), 0);
	CHECK_STR(t, "taken over\n");
	free(t);
	msgring_unmap(&m);
	unlink(path);
}

/* Two writers at once (two processes, as two xenon-hv): every line whole, none lost. */
static void test_writers_at_once_lose_nothing(void)
{
	int fd = new_file(), seen[2][300] = {{0}}, bad = 0;
	struct msgring_map m;
	char *t = NULL, *p;
	pid_t pids[2];

	close(fd);
	for (int w = 0; w < 2; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			struct msgring_map mine;
			int f = msgring_create(path);
			char line[64];

			if (f < 0 || msgring_map(f, &mine))
				_exit(1);
			close(f);
			for (int i = 0; i < 300; i++) {
				snprintf(line, sizeof(line), "writer %d line %d", w, i);
				while (msgring_log(&mine, line) == -EBUSY)
					;
			}
			_exit(0);
		}
	}
	for (int w = 0; w < 2; w++) {
		int status = -1;

		waitpid(pids[w], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	fd = msgring_create(path);
	CHECK_INT(msgring_map(fd, &m), 0);
	close(fd);
	CHECK_INT(msgring_read(&m, false, &t), 0);
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
	msgring_unmap(&m);
	unlink(path);
}

int main(void)
{
	RUN(test_lines_come_out_in_order);
	RUN(test_oldest_whole_lines_go);
	RUN(test_long_line_cut_and_made_printable);
	RUN(test_check_refuses_broken_headers);
	RUN(test_broken_rings_start_again);
	RUN(test_file_logged_read_and_cleared);
	RUN(test_damaged_file_refused_then_replaced);
	RUN(test_logf_stamps_lines);
	RUN(test_held_lock_drops_stale_lock_taken);
	RUN(test_writers_at_once_lose_nothing);
	return unit_done();
}
