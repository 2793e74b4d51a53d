/* The hypervisor's message ring: see msgring.h. */
#include "msgring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HDR_LEN sizeof(struct msgring_hdr)

int msgring_check(const struct msgring_hdr *h, uint64_t file_len, const char **why)
{
	if (memcmp(h->magic, MSGRING_MAGIC, sizeof(h->magic)))
		*why = "not a message ring (no magic)";
	else if (h->version != MSGRING_VERSION)
		*why = "a message ring of another version";
	else if (h->size < 2 * MSGRING_LINE_MAX || h->size > MSGRING_SIZE_MAX)
		*why = "its size is out of range";
	else if (file_len != HDR_LEN + (uint64_t)h->size)
		*why = "its length is not its header's";
	else if (h->tail > h->head || h->head - h->tail > h->size)
		*why = "its head and tail do not match";
	else
		return 0;
	return -EBADMSG;
}

void msgring_init(void *img, uint32_t size)
{
	struct msgring_hdr *h = img;

	memset(img, 0, HDR_LEN + size);
	memcpy(h->magic, MSGRING_MAGIC, sizeof(h->magic));
	h->version = MSGRING_VERSION;
	h->size = size;
}

/* The oldest lines out of h until need more bytes fit; a ring without a '\n' (broken) is emptied. */
static void make_room(struct msgring_hdr *h, const uint8_t *data, size_t need)
{
	while (h->head - h->tail + need > h->size) {
		while (h->tail < h->head && data[h->tail % h->size] != '\n')
			h->tail++;
		if (h->tail < h->head)
			h->tail++; /* past the '\n': the next line's first byte */
	}
}

void msgring_put(void *img, uint32_t size, const char *msg, size_t len)
{
	struct msgring_hdr h, *shared = img;
	uint8_t *data = (uint8_t *)img + HDR_LEN;
	const char *why;

	memcpy(&h, img, HDR_LEN); /* once: all that follows is bounded by the copy's checked size */
	if (h.size != size || msgring_check(&h, HDR_LEN + (uint64_t)size, &why)) {
		memcpy(shared->magic, MSGRING_MAGIC, sizeof(shared->magic));
		shared->version = MSGRING_VERSION;
		shared->size = size;
		h.size = size;
		h.head = h.tail = 0;
	}
	if (len > MSGRING_LINE_MAX - 1)
		len = MSGRING_LINE_MAX - 1;
	make_room(&h, data, len + 1);
	for (size_t i = 0; i < len; i++) {
		char c = msg[i];

		data[h.head++ % size] = c >= ' ' && c <= '~' ? c : '?';
	}
	data[h.head++ % size] = '\n';
	shared->tail = h.tail;
	shared->head = h.head; /* last: a writer cut off before leaves the lines as they were */
}

size_t msgring_text(const void *img, char *out)
{
	const struct msgring_hdr *h = img;
	const uint8_t *data = (const uint8_t *)img + HDR_LEN;
	size_t n = (size_t)(h->head - h->tail);

	for (size_t i = 0; i < n; i++) {
		char c = (char)data[(h->tail + i) % h->size];

		out[i] =
		    (c >= ' ' && c <= '~') || c == '\n' ? c : '?'; /* the file's writers are not trusted */
	}
	out[n] = '\0';
	return n;
}

/* ---- the lock word ---- */

#define LOCK_STALE_MS  1000
#define WRITER_WAIT_MS 20
#define READER_WAIT_MS 2000

static uint32_t stamp(void)
{
	struct timespec ts;
	uint32_t ms;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms = (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
	return ms ? ms : 1;
}

/* The lock within wait_ms (a stale one taken over): 0 and *mine, or -EBUSY. */
static int lock(struct msgring_hdr *h, unsigned wait_ms, uint32_t *mine)
{
	const struct timespec pause = {0, 100 * 1000};

	for (unsigned i = 0; i <= wait_ms * 10; i++) {
		uint32_t cur = 0, now = stamp();

		if (__atomic_compare_exchange_n(&h->lock, &cur, now, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED) ||
		    (now - cur > LOCK_STALE_MS &&
		     __atomic_compare_exchange_n(&h->lock, &cur, now, false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))) {
			*mine = now;
			return 0;
		}
		nanosleep(&pause, NULL);
	}
	return -EBUSY;
}

static void unlock(struct msgring_hdr *h, uint32_t mine)
{
	/* unless a waiter took it over as stale meanwhile */
	__atomic_compare_exchange_n(&h->lock, &mine, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* ---- the file ---- */

#define FILE_LEN (HDR_LEN + MSGRING_SIZE)

/* A new ring in the empty file fd (locked). */
static int fill_new(int fd)
{
	struct msgring_hdr h = {.version = MSGRING_VERSION, .size = MSGRING_SIZE};

	memcpy(h.magic, MSGRING_MAGIC, sizeof(h.magic));
	if (ftruncate(fd, FILE_LEN) < 0 || pwrite(fd, &h, HDR_LEN, 0) != (ssize_t)HDR_LEN)
		return -errno;
	return 0;
}

/* fd made a ring if empty: 0; -ESTALE if of another length (replace it); else -errno. */
static int made(int fd)
{
	struct stat st;
	int rc = 0;

	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EINVAL;
	else if (st.st_size == 0)
		rc = fill_new(fd);
	else if (st.st_size != (off_t)FILE_LEN)
		rc = -ESTALE;
	flock(fd, LOCK_UN);
	return rc;
}

int msgring_create(const char *path)
{
	for (int tries = 0; tries < 2; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), rc;

		if (fd < 0)
			return -errno;
		rc = made(fd);
		if (!rc)
			return fd;
		close(fd);
		if (rc != -ESTALE)
			return rc;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	return -EBADMSG;
}

int msgring_map(int fd, struct msgring_map *m)
{
	struct stat st;
	void *p;

	m->img = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)(HDR_LEN + 2 * MSGRING_LINE_MAX) ||
	    st.st_size > (off_t)(HDR_LEN + MSGRING_SIZE_MAX))
		return -EBADMSG;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->img = p;
	m->size = (uint32_t)(st.st_size - (off_t)HDR_LEN);
	return 0;
}

void msgring_unmap(struct msgring_map *m)
{
	if (m->img)
		munmap(m->img, HDR_LEN + m->size);
	m->img = NULL;
}

int msgring_log(struct msgring_map *m, const char *msg)
{
	uint32_t mine;
	int rc;

	if (!m->img)
		return -EBADF;
	rc = lock(m->img, WRITER_WAIT_MS, &mine);
	if (rc)
		return rc;
	msgring_put(m->img, m->size, msg, strlen(msg));
	unlock(m->img, mine);
	return 0;
}

int msgring_logf(struct msgring_map *m, const char *fmt, ...)
{
	char line[MSGRING_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "(XEN) [%Y-%m-%d %H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03u] ", (unsigned)(ts.tv_nsec / 1000000) % 1000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap); /* cut as the ring would */
	va_end(ap);
	return msgring_log(m, line);
}

int msgring_read(struct msgring_map *m, bool clear, char **text)
{
	struct msgring_hdr *shared = m->img;
	uint8_t *copy;
	const char *why;
	uint32_t mine;
	int rc;

	*text = NULL;
	if (!m->img)
		return -EBADF;
	copy = malloc(HDR_LEN + m->size);
	*text = malloc(m->size + 1);
	rc = copy && *text ? lock(m->img, READER_WAIT_MS, &mine) : -ENOMEM;
	if (!rc) {
		memcpy(copy, m->img, HDR_LEN + m->size);
		rc = msgring_check((struct msgring_hdr *)copy, HDR_LEN + (uint64_t)m->size, &why);
		if (!rc && clear)
			shared->tail = ((struct msgring_hdr *)copy)->head;
		unlock(m->img, mine);
	}
	if (!rc)
		msgring_text(copy, *text);
	free(copy);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
