/*
 * libFuzzer target for xenstored's journal and snapshot reader: nothing
 * acknowledged before a damage point may be lost.
 *
 * The input is a script: a header picks the damage (which file, where,
 * what: a flipped byte, a truncation, zeroes, or bytes of the input), and
 * the rest are operations run through the real journal writer (writes and
 * removals of a few nodes, flushes, compactions). After each flush (an
 * acknowledgement) the journal's size and the store's contents are kept.
 * Then the damage is applied and the state directory loaded twice:
 *
 *   - without --accept-data-loss: it either starts, with the state of an
 *     acknowledgement at or after the last one wholly before the damage
 *     (and with everything if a whole group follows the damage: only a
 *     torn tail may be cut), or refuses (-EUCLEAN) and changes no file;
 *   - with it: it starts, with such a state; a damaged file set aside
 *     holds exactly the damaged bytes; and a restart gives the same state.
 *
 * A damaged snapshot holding everything (its journal empty) must give back
 * every node whose record lies wholly before the damage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xenstored/domain.h"
#include "xenstored/journal.h"
#include "xenstored/journal_rec.h"
#include "xenstored/xenstored.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ACKS 64

struct buf {
	char *p;
	size_t len, cap;
};

static char dir[64];
static struct buf acks[MAX_ACKS]; /* the store at each acknowledgement */
static size_t ack_end[MAX_ACKS];  /* the journal's size then */
static int nacks;

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static int dump_node(void *arg, struct node *n)
{
	struct buf *b = arg;

	buf_add(b, n->path, strlen(n->path) + 1);
	buf_add(b, &n->vlen, 4);
	buf_add(b, n->value, n->vlen);
	buf_add(b, &n->nperms, 4);
	for (uint32_t i = 0; i < n->nperms; i++) {
		buf_add(b, &n->perms[i].id, 4);
		buf_add(b, &n->perms[i].perm, 1);
	}
	return 0;
}

static void dump(struct buf *b)
{
	struct node *root = store_lookup(xs_store, "/");

	b->len = 0;
	if (root)
		store_walk(xs_store, root, dump_node, b);
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static bool read_all(const char *name, uint8_t **data, size_t *len)
{
	char path[128];
	struct stat st;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !(*data = malloc(st.st_size + 1)) || read(fd, *data, st.st_size) != st.st_size)
		abort();
	*len = st.st_size;
	close(fd);
	return true;
}

static void write_all(const char *name, const uint8_t *data, size_t len)
{
	char path[128];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
	close(fd);
}

static void clear_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
}

static void remove_dir(void)
{
	clear_dir();
	rmdir(dir);
}

static int open_store(bool accept)
{
	struct journal_config c = {
	    .dir = dir, .fsync = JOURNAL_FSYNC_NEVER, .compact_bytes = 1ull << 40, .accept_loss = accept};
	int rc;

	if (xs_store)
		store_free(xs_store);
	domain_reset_all();
	xenstored_new_store();
	rc = journal_open(&c, xs_store);
	if (!rc)
		rc = xenstored_init_store();
	if (!rc)
		rc = journal_flush();
	return rc;
}

static void ack(void)
{
	if (journal_flush() || nacks == MAX_ACKS || journal_size() == ack_end[nacks - 1])
		return;
	ack_end[nacks] = journal_size();
	dump(&acks[nacks++]);
}

/* Run the operations; returns whether a compaction happened. */
static bool run_ops(const uint8_t *p, size_t n)
{
	static const struct xs_perm perm = {0, XS_PERM_READ};
	bool compacted = false;

	for (size_t i = 0; i + 1 < n && nacks < MAX_ACKS; i += 2) {
		char path[32], value[16];
		struct node *node;

		snprintf(path, sizeof(path), "/f/%u/%u", (p[i + 1] >> 4) & 3, p[i + 1] & 7);
		snprintf(value, sizeof(value), "%.*s", p[i] >> 4, "0123456789abcdef");
		switch (p[i] & 7) {
		case 0:
		case 1:
		case 2: /* write (with its parents) */
			if (!store_lookup(xs_store, "/f"))
				store_create(xs_store, "/f", &perm, 1, "", 0, NULL);
			path[4] = 0;
			if (!store_lookup(xs_store, path))
				store_create(xs_store, path, &perm, 1, "", 0, NULL);
			path[4] = '/';
			node = store_lookup(xs_store, path);
			if (node)
				store_set_value(xs_store, node, value, strlen(value));
			else
				store_create(xs_store, path, &perm, 1, value, strlen(value), NULL);
			break;
		case 3: /* remove */
			node = store_lookup(xs_store, p[i + 1] & 8 ? "/f" : path);
			if (node)
				store_remove(xs_store, node);
			break;
		case 4:
		case 5:
		case 6: /* acknowledge */
			ack();
			break;
		case 7:
			if (!journal_compact()) {
				compacted = true;
				nacks = 0; /* the journal starts again */
				ack_end[nacks] = journal_size();
				dump(&acks[nacks++]);
			}
			break;
		}
	}
	ack();
	return compacted;
}

/* Is the store the state of an acknowledgement at or after the last one before off? */
static bool state_ok(size_t off)
{
	static struct buf now;
	int k = 0;

	for (int i = 0; i < nacks; i++)
		if (ack_end[i] <= off)
			k = i;
	if (off == SIZE_MAX)
		k = nacks - 1; /* everything */
	dump(&now);
	for (int i = k; i < nacks; i++)
		if (acks[i].len == now.len && !memcmp(acks[i].p, now.p, now.len))
			return true;
	return false;
}

/* Every node a SET record wholly before off names is in the store. */
static bool snapshot_prefix_ok(const uint8_t *p, size_t len, size_t off)
{
	size_t at = JFILE_HDR;
	uint32_t blen, np;

	while (at + JREC_HDR < len) {
		memcpy(&blen, p + at, 4);
		if (at + JREC_HDR + blen > off || at + JREC_HDR + blen > len)
			break;
		if (p[at + JREC_HDR] == JREC_SET) {
			memcpy(&np, p + at + JREC_HDR + 5, 4);
			if (!store_lookup(xs_store, (const char *)p + at + JREC_HDR + 9 + 5 * np))
				return false;
		}
		at += JREC_HDR + blen;
	}
	return true;
}

/*
 * Does a whole acknowledged group follow the damage? Then the damage is no
 * torn tail, and a start without --accept-data-loss may lose nothing.
 */
static bool readable_after(int kind, size_t off, uint8_t n)
{
	size_t end = kind == 0 ? off + 1 : kind == 1 ? SIZE_MAX : off + n % 32 + 1;

	return nacks >= 2 && end <= ack_end[nacks - 2];
}

static void damage(uint8_t *p, size_t *len, size_t off, const uint8_t *hdr, const uint8_t *extra,
		   size_t nextra)
{
	size_t n = hdr[3] % 32 + 1;

	switch (hdr[0] & 3) {
	case 0: /* one byte */
		if (off < *len)
			p[off] ^= hdr[3] | 1;
		break;
	case 1: /* truncation */
		*len = off;
		break;
	case 2: /* zeroes (a page the crash never wrote) */
		for (size_t i = off; i < *len && i < off + n; i++)
			p[i] = 0;
		break;
	case 3: /* other bytes */
		for (size_t i = 0; off + i < *len && i < nextra && i < n; i++)
			p[off + i] = extra[i];
		break;
	}
}

static bool same_file(const char *name, const uint8_t *p, size_t len)
{
	uint8_t *q;
	size_t qlen;
	bool same;

	if (!read_all(name, &q, &qlen))
		return false;
	same = qlen == len && !memcmp(p, q, len);
	free(q);
	return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *target;
	char aside[64], path[128];
	uint8_t *file;
	size_t len, off;
	bool snap, compacted;
	int rc;

	if (!dir[0]) {
		log_set_file(fopen("/dev/null", "w"));
		snprintf(dir, sizeof(dir), "%s/xs-journal-fuzz.XXXXXX",
			 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir); /* libFuzzer ends with exit() */
	}
	if (size < 4)
		return 0;
	clear_dir();
	nacks = 0;
	if (open_store(false))
		abort();
	ack_end[0] = journal_size();
	dump(&acks[nacks++]);
	compacted = run_ops(data + 4, size - 4);
	journal_close();
	snap = compacted && (data[0] & 4);
	target = snap ? "snapshot" : "journal";
	if (!read_all(target, &file, &len))
		abort();
	off = ((size_t)data[1] << 8 | data[2]) % (len + 1);
	damage(file, &len, off, data, data + 4, size - 4);
	write_all(target, file, len);

	rc = open_store(false);
	if (rc && rc != -EUCLEAN)
		abort();
	if (!rc && !snap && !state_ok(off))
		abort(); /* started, but lost something acknowledged before the damage */
	if (!rc && !snap && readable_after(data[0] & 3, off, data[3]) && !state_ok(SIZE_MAX))
		abort(); /* started without a word, losing what follows the damage */
	journal_close();
	if (rc && !same_file(target, file, len))
		abort(); /* refused, but changed the file */

	if (open_store(true))
		abort();
	if (!snap && !state_ok(off))
		abort(); /* lost more than what the damage took */
	if (snap && nacks == 1 && !snapshot_prefix_ok(file, len, off))
		abort();
	journal_close();
	snprintf(aside, sizeof(aside), "%s.damaged-1", target);
	path_of(path, sizeof(path), aside);
	if (!access(path, F_OK) && !same_file(aside, file, len))
		abort(); /* the damaged file was not kept as it was */
	if (open_store(false))
		abort(); /* what was recovered starts cleanly */
	journal_close();
	free(file);
	return 0;
}
