/*
 * The hypervisor's message ring (`xl dmesg`, Xen's console ring): the
 * warnings every domain's xenon-hv gives about its guest and itself
 * (a crash and its registers, a hostile request refused...), one line each,
 * in one file per toolstack (<run_dir>/dmesg, libxl_dmesg.c), newest kept:
 * when a line does not fit, the oldest whole lines go.
 *
 * The file is a struct msgring_hdr then hdr.size bytes of ring; the text is
 * the bytes [tail, head) (offsets since the ring was made, taken modulo
 * size), whole lines of printable ASCII, each ended by '\n'. libxl makes the
 * file (msgring_create) and hands it to each xenon-hv, which maps it shared
 * and closes it before its sandbox (msgring_map): it then writes with plain
 * memory stores, no system call a seccomp filter must allow, and cannot
 * change the file's length under the others' mappings. Writers and readers
 * take the header's lock word (compare-and-swap, a holder's stamp; one held
 * over a second is stale and taken over; a writer that cannot have it soon
 * drops its line rather than stall a vCPU). A xenon-hv is not trusted: each
 * writer works on a checked copy of the header (a broken one starts the
 * ring again, empty) and a reader on a checked copy of the whole file; the
 * text comes out printable whatever the file holds.
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
	uint32_t lock; /* 0: free; else its holder's stamp (CLOCK_MONOTONIC ms, never 0) */
	uint8_t reserved[28];
};

/* ---- a ring in memory: img is the header then size bytes (as in the file) ---- */

/* 0 if a file of file_len bytes starting with h is a ring; else -EBADMSG and *why. */
int msgring_check(const struct msgring_hdr *h, uint64_t file_len, const char **why);
/* An empty ring of size bytes over img. */
void msgring_init(void *img, uint32_t size);
/*
 * Adds msg (len bytes, no '\n' needed) as one line to the ring img of size
 * bytes (any header: a broken one, or another size, starts it again), each
 * byte outside printable ASCII as '?', cut to MSGRING_LINE_MAX. Reads the
 * header once: another writer changing it meanwhile cannot move the writes
 * out of img.
 */
void msgring_put(void *img, uint32_t size, const char *msg, size_t len);
/*
 * The text of img (checked: a private copy) into out (at least its size +
 * 1 bytes), NUL-ended, any byte but printable ASCII and '\n' as '?'; its
 * length.
 */
size_t msgring_text(const void *img, char *out);

/* ---- the file: each returns 0 (or an fd) or a negative errno ---- */

/*
 * Opens path (O_CLOEXEC, read-write), made (mode 0600) with an empty ring if
 * absent; one of another length (damaged) is replaced by a new one (the
 * xenon-hv that mapped the old keep writing there).
 */
int msgring_create(const char *path);

struct msgring_map {
	void *img; /* NULL: not mapped */
	uint32_t size;
};
/* Maps the ring file fd (shared; the fd may be closed after). -EBADMSG: not of a ring's length. */
int msgring_map(int fd, struct msgring_map *m);
void msgring_unmap(struct msgring_map *m);
/* One line into the mapped ring; -EBUSY if its lock was not had soon (the line dropped). */
int msgring_log(struct msgring_map *m, const char *msg);
/* The same for "(XEN) [<local date time.ms>] " and fmt's text, as every writer's lines begin. */
int msgring_logf(struct msgring_map *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text of the mapped ring (malloc'd, NUL-ended) in *text; emptied after if clear. -EBADMSG: damaged. */
int msgring_read(struct msgring_map *m, bool clear, char **text);

#endif
