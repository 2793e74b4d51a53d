/*
 * The hypervisor's message ring (`xl dmesg`, Xen's console ring): the
 * warnings every domain's xenon-hv gives about its guest and itself
 * (a crash and its registers, a hostile request refused...), one line each,
 * in one file per toolstack (<run_dir>/dmesg, libxl_dmesg.c), newest kept:
 * when a line does not fit, the oldest whole lines go.
 *
 * The file is a struct msgring_hdr then hdr.size bytes of ring; the text is
 * the bytes [tail, head) (offsets since the ring was made, taken modulo
 * size), whole lines of printable ASCII, each ended by '\n'. Writers and
 * readers hold flock() on it (exclusive to write or clear) and work on a copy
 * of the whole file in memory (msgring_put, msgring_text: no I/O, so that the
 * unit test and the fuzzer drive them), written back data first, header
 * last. A writer (xenon-hv, sandboxed) holds only the file's descriptor,
 * opened by libxl; a reader checks every header it reads (msgring_check),
 * and a writer that finds one broken starts the ring again, empty.
 */
#ifndef XENON_MSGRING_H
#define XENON_MSGRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSGRING_MAGIC	 "XENONMSG"
#define MSGRING_VERSION	 1
#define MSGRING_SIZE	 (64u << 10) /* the ring's bytes in a file made here */
#define MSGRING_SIZE_MAX (1u << 20)  /* the most a reader takes */
#define MSGRING_LINE_MAX 512	     /* a longer line is cut there, '\n' included */

struct msgring_hdr {
	char magic[8];
	uint32_t version;
	uint32_t size; /* bytes of ring after the header */
	uint64_t head; /* bytes ever put */
	uint64_t tail; /* the first byte of the oldest line kept (head after a clear) */
	uint8_t reserved[32];
};

/* 0 if a file of file_len bytes starting with h is a ring; else -EBADMSG and *why. */
int msgring_check(const struct msgring_hdr *h, uint64_t file_len, const char **why);
/* An empty ring of size bytes over img (sizeof(struct msgring_hdr) + size bytes). */
void msgring_init(void *img, uint32_t size);
/*
 * Adds msg (len bytes, no '\n' needed) as one line to the ring img (checked),
 * each byte outside printable ASCII as '?', cut to MSGRING_LINE_MAX.
 */
void msgring_put(void *img, const char *msg, size_t len);
/*
 * The ring's text (img checked) into out (at least size bytes + 1, NUL-ended),
 * any byte but printable ASCII and '\n' as '?' (a writer may have put it); its length.
 */
size_t msgring_text(const void *img, char *out);
/* Empties the ring: what was read is not shown again. */
void msgring_clear(void *img);

/* The files. Each returns 0 or a negative errno (-EBADMSG: not a ring). */
/* Opens (O_CLOEXEC, read-write) path, made (mode 0600) with an empty ring if absent or empty. */
int msgring_open(const char *path);
/* One line into the ring file fd (a broken ring is started again). */
int msgring_log(int fd, const char *msg);
/* The text of the ring file fd, NUL-ended, in *text (malloc'd); emptied after if clear. */
int msgring_read(int fd, bool clear, char **text);

#endif
