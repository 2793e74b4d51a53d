/* The hypervisor's message ring: see msgring.h. */
#include "msgring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

static uint8_t *ring_byte(void *img, uint64_t off)
{
	struct msgring_hdr *h = img;

	return (uint8_t *)img + HDR_LEN + off % h->size;
}

/* The oldest lines out until need more bytes fit; a ring without a '\n' (broken) is emptied. */
static void make_room(struct msgring_hdr *h, size_t need)
{
	while (h->head - h->tail + need > h->size) {
		while (h->tail < h->head && *ring_byte(h, h->tail) != '\n')
			h->tail++;
		if (h->tail < h->head)
			h->tail++; /* past the '\n': the next line's first byte */
	}
}

void msgring_put(void *img, const char *msg, size_t len)
{
	struct msgring_hdr *h = img;

	if (len > MSGRING_LINE_MAX - 1)
		len = MSGRING_LINE_MAX - 1;
	make_room(h, len + 1);
	for (size_t i = 0; i < len; i++) {
		char c = msg[i];

		*ring_byte(img, h->head++) = c >= ' ' && c <= '~' ? c : '?';
	}
	*ring_byte(img, h->head++) = '\n';
}

size_t msgring_text(const void *img, char *out)
{
	const struct msgring_hdr *h = img;
	size_t n = (size_t)(h->head - h->tail);

	for (size_t i = 0; i < n; i++) {
		char c = (char)*ring_byte((void *)img, h->tail + i);

		out[i] = (c >= ' ' && c <= '~') || c == '\n' ? c : '?'; /* the file's writers are not trusted */
	}
	out[n] = '\0';
	return n;
}

void msgring_clear(void *img)
{
	struct msgring_hdr *h = img;

	h->tail = h->head;
}

/* ---- the file ---- */

static int full_pread(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t got = pread(fd, (char *)buf + done, len - done, (off_t)done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EBADMSG;
		done += (size_t)got;
	}
	return 0;
}

static int full_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	for (size_t done = 0; done < len;) {
		ssize_t put = pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return -errno;
		done += (size_t)put;
	}
	return 0;
}

/* The ring's data, then its header: a writer cut off between leaves the old head and tail. */
static int write_back(int fd, const void *img, uint32_t size)
{
	int rc = full_pwrite(fd, (const char *)img + HDR_LEN, size, HDR_LEN);

	return rc ? rc : full_pwrite(fd, img, HDR_LEN, 0);
}

/* The whole file (locked by the caller) in *img, checked: 0, -EBADMSG, -errno. */
static int load(int fd, void **img)
{
	struct stat st;
	const char *why;
	int rc;

	*img = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < HDR_LEN || (uint64_t)st.st_size > HDR_LEN + MSGRING_SIZE_MAX)
		return -EBADMSG;
	*img = malloc((size_t)st.st_size);
	if (!*img)
		return -ENOMEM;
	rc = full_pread(fd, *img, (size_t)st.st_size);
	if (!rc)
		rc = msgring_check(*img, (uint64_t)st.st_size, &why);
	if (rc) {
		free(*img);
		*img = NULL;
	}
	return rc;
}

/* A new empty ring in fd (locked by the caller), in *img. */
static int start_again(int fd, void **img)
{
	*img = malloc(HDR_LEN + MSGRING_SIZE);
	if (!*img)
		return -ENOMEM;
	msgring_init(*img, MSGRING_SIZE);
	if (ftruncate(fd, HDR_LEN + MSGRING_SIZE) < 0)
		return -errno;
	return write_back(fd, *img, MSGRING_SIZE);
}

int msgring_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), rc = 0;
	struct stat st;
	void *img = NULL;

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EBADMSG;
	else if (st.st_size == 0)
		rc = start_again(fd, &img);
	free(img);
	flock(fd, LOCK_UN);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int msgring_log(int fd, const char *msg)
{
	void *img = NULL;
	int rc;

	if (flock(fd, LOCK_EX) < 0)
		return -errno;
	rc = load(fd, &img);
	if (rc == -EBADMSG) {
		free(img);
		rc = start_again(fd, &img);
	}
	if (!rc) {
		msgring_put(img, msg, strlen(msg));
		rc = write_back(fd, img, ((struct msgring_hdr *)img)->size);
	}
	free(img);
	flock(fd, LOCK_UN);
	return rc;
}

int msgring_read(int fd, bool clear, char **text)
{
	void *img = NULL;
	int rc;

	*text = NULL;
	if (flock(fd, clear ? LOCK_EX : LOCK_SH) < 0)
		return -errno;
	rc = load(fd, &img);
	if (!rc) {
		*text = malloc(((struct msgring_hdr *)img)->size + 1);
		rc = *text ? 0 : -ENOMEM;
	}
	if (!rc) {
		msgring_text(img, *text);
		if (clear) {
			msgring_clear(img);
			rc = full_pwrite(fd, img, HDR_LEN, 0);
		}
	}
	free(img);
	flock(fd, LOCK_UN);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
