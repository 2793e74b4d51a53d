/* The append-only journal and its snapshot (journal.h). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "domain.h"
#include "journal_rec.h"
#include "journal_recover.h"
#include "iov.h"
#include "log.h"
#include "ratelimit.h"

static struct journal_config cfg;
static struct store *jstore;
static int jfd = -1, lock_fd = -1;
static uint64_t jseq, jsize, snap_size;
static int batch_rc;		 /* a failed flush in this batch (CONTROL journal sync) */
static uint64_t new_journal_seq; /* a compaction could not start its new journal */
static bool replaying, unsynced, write_failed, rec_lost;
static struct timespec last_sync;
static struct log_rate sync_rate = LOG_RATE("journal: fdatasync"), cut_rate = LOG_RATE("journal: cannot cut");
static char *buf;
static size_t buf_len, buf_cap;

bool journal_enabled(void)
{
	return jfd >= 0;
}

uint64_t journal_size(void)
{
	return jsize + buf_len;
}

static int buf_reserve(size_t more)
{
	char *b = buf_grow(buf, &buf_cap, buf_len + more, 65536);

	if (!b)
		return -ENOMEM;
	buf = b;
	return 0;
}

/* Append one record made of parts to the buffer. */
static void rec_put(uint8_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	size_t body = 1 + alen + blen;
	uint8_t *p;

	if (buf_reserve(JREC_HDR + body)) {
		rec_lost = true; /* journal_flush fails the batch */
		return;
	}
	p = (uint8_t *)buf + buf_len;
	p[JREC_HDR] = type;
	if (alen)
		memcpy(p + JREC_HDR + 1, a, alen);
	if (blen)
		memcpy(p + JREC_HDR + 1 + alen, b, blen);
	jrec_frame(p, body);
	buf_len += JREC_HDR + body;
}

/* SET body: u32 vlen, u32 nperms, nperms * (u32 id, u8 perm), path NUL, value. */
static void rec_set(const struct node *n)
{
	uint8_t head[8 + 5 * XS_NODE_PERMS_MAX + 4096];
	size_t off = 8, plen = strlen(n->path) + 1;
	uint32_t np = n->nperms;

	if (np > XS_NODE_PERMS_MAX || plen > 4096) {
		static struct log_rate big_rate = LOG_RATE("too large to journal");

		log_rate(&big_rate, LOG_WARNX, "journal: node %s too large to journal", n->path);
		rec_lost = true;
		return;
	}
	memcpy(head, &n->vlen, 4);
	memcpy(head + 4, &np, 4);
	for (uint32_t i = 0; i < np; i++, off += 5) {
		memcpy(head + off, &n->perms[i].id, 4);
		head[off + 4] = n->perms[i].perm;
	}
	memcpy(head + off, n->path, plen);
	rec_put(JREC_SET, head, off + plen, n->value, n->vlen);
}

void journal_set(const struct node *n)
{
	if (jfd >= 0 && !replaying)
		rec_set(n);
}

void journal_del(const char *path)
{
	if (jfd >= 0 && !replaying)
		rec_put(JREC_DEL, path, strlen(path) + 1, NULL, 0);
}

static void rec_domain(uint32_t domid, bool introduced, int64_t target)
{
	uint8_t b[13];

	memcpy(b, &domid, 4);
	b[4] = introduced;
	memcpy(b + 5, &target, 8);
	rec_put(JREC_DOMAIN, b, sizeof(b), NULL, 0);
}

void journal_domain(uint32_t domid, bool introduced, int64_t target)
{
	if (jfd >= 0 && !replaying)
		rec_domain(domid, introduced, target);
}

static int compact_now(void);

/* ---- files ---- */

static char *state_path(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", cfg.dir, name) < 0)
		return NULL;
	return p;
}

static void sync_dir(void)
{
	int fd = open(cfg.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Write name atomically: name.tmp, fsync, rename. */
static int write_atomic(const char *name, const void *data, size_t len)
{
	char *path = state_path(name), *tmp = NULL;
	int fd, rc;

	if (!path || asprintf(&tmp, "%s.tmp", path) < 0) {
		free(path);
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rc = fd < 0 ? -errno : fd_write_all(fd, data, len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		log_warnx("cannot write %s: %s", tmp, log_strerror(rc));
		unlink(tmp);
	}
	free(tmp);
	free(path);
	return rc;
}

static int open_journal_append(void)
{
	char *path = state_path("journal");
	int fd;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;

		log_warn("cannot open %s", path);
		free(path);
		return rc;
	}
	free(path);
	if (jfd >= 0)
		close(jfd);
	jfd = fd;
	return 0;
}

static int new_journal(uint64_t seq)
{
	uint8_t hdr[JFILE_HDR];
	int rc;

	jfile_header(hdr, JFILE_JOURNAL, seq);
	rc = write_atomic("journal", hdr, sizeof(hdr));
	if (rc)
		return rc;
	sync_dir();
	jseq = seq;
	jsize = JFILE_HDR;
	return open_journal_append();
}

/* One daemon per state directory: a lock held (on an open fd) for the daemon's life. */
static int lock_state_dir(void)
{
	char *path = state_path("lock");
	int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		int rc = errno == EWOULDBLOCK ? -EBUSY : -errno;

		if (rc == -EBUSY)
			log_warnx("state directory %s is in use by another xenstored; give this one "
				  "its own --state-dir",
				  cfg.dir);
		if (fd >= 0)
			close(fd);
		free(path);
		return rc;
	}
	free(path);
	lock_fd = fd; /* held until journal_close or the process ends */
	return 0;
}

/*
 * Load the state directory and open the journal to append to: continue the
 * journal recovered, or start a new one (none, or older than the snapshot),
 * or, after a loss the operator accepted (or from version 1 files), write
 * what was recovered into a fresh snapshot and journal.
 */
static int load_state(bool at_start)
{
	struct journal_recover_opts o = {.accept_loss = cfg.accept_loss, .at_start = at_start};
	struct jrecovered r = {0};
	int rc;

	replaying = true;
	rc = journal_recover(cfg.dir, jstore, &o, &r);
	replaying = false;
	if (rc)
		return rc;
	snap_size = r.snap_size;
	jseq = r.seq;
	if (at_start && r.compact)
		return compact_now();
	if (r.jsize) {
		jsize = r.jsize;
		return open_journal_append();
	}
	rc = new_journal(r.seq);
	/* a reload after a compaction: journal_flush retries (and fails) until it exists */
	if (rc && jfd >= 0) {
		new_journal_seq = r.seq;
		rc = 0;
	}
	return rc;
}

int journal_open(const struct journal_config *c, struct store *s)
{
	int rc;

	cfg = *c;
	jstore = s;
	if (!cfg.dir)
		return 0;
	if (mkdir(cfg.dir, 0700) && errno != EEXIST) {
		rc = -errno;
		log_warn("cannot create state directory %s", cfg.dir);
		return rc;
	}
	rc = lock_state_dir();
	if (!rc)
		rc = load_state(true);
	clock_gettime(CLOCK_MONOTONIC, &last_sync);
	return rc;
}

void journal_close(void)
{
	if (jfd >= 0) {
		journal_flush();
		if (unsynced)
			fdatasync(jfd);
		close(jfd);
		jfd = -1;
	}
	free(buf);
	buf = NULL;
	buf_len = buf_cap = 0;
	unsynced = false;
	snap_size = 0;
	if (lock_fd >= 0) /* last: the state is complete on disk */
		close(lock_fd);
	lock_fd = -1;
}

/* ---- writing ---- */

static int do_sync(void)
{
	int rc = fdatasync(jfd) ? -errno : 0;

	if (rc)
		log_rate(&sync_rate, LOG_WARN, "journal: fdatasync");
	unsynced = false;
	clock_gettime(CLOCK_MONOTONIC, &last_sync);
	return rc;
}

/* The batch could not be made durable: cut it off the file, forget it. */
static int flush_failed(int rc)
{
	/* cut a partial record, so later ones are not stranded behind it */
	if (ftruncate(jfd, jsize))
		log_rate(&cut_rate, LOG_WARN, "journal: cannot cut a partial write");
	if (!write_failed)
		log_warnx("journal: write failed (%s): changes are refused until it works again",
			  log_strerror(rc));
	write_failed = true;
	batch_rc = rc;
	rec_lost = false;
	buf_len = 0;
	return rc;
}

int journal_flush(void)
{
	int rc;

	if (jfd < 0 || (!buf_len && !rec_lost))
		return 0;
	if (new_journal_seq) {
		rc = new_journal(new_journal_seq);
		if (rc)
			return flush_failed(rc);
		new_journal_seq = 0;
	}
	if (buf_len)
		rec_put(JREC_COMMIT, NULL, 0, NULL, 0); /* replay takes the batch whole or not at all */
	rc = rec_lost ? -ENOMEM : fd_write_all(jfd, buf, buf_len);
	if (!rc && cfg.fsync == JOURNAL_FSYNC_ALWAYS)
		rc = do_sync();
	if (rc)
		return flush_failed(rc);
	if (write_failed)
		log_info("journal: writing again");
	write_failed = false;
	jsize += buf_len;
	buf_len = 0;
	unsynced = cfg.fsync != JOURNAL_FSYNC_ALWAYS;
	if (jsize > cfg.compact_bytes && jsize > 4 * snap_size)
		journal_compact();
	return 0;
}

int journal_end_batch(void)
{
	int rc = journal_flush();

	if (!rc)
		rc = batch_rc;
	batch_rc = 0;
	return rc;
}

/*
 * Roll the store back to what the state directory holds: after a failed
 * journal write, the changes made since the last good write are undone by
 * emptying the store and replaying snapshot and journal again (the root
 * stays: it cannot be removed, and is rewritten by the replay).
 */
int journal_reload(void)
{
	int rc;

	if (jfd < 0)
		return -ENOTCONN;
	rc = load_state(false);
	if (rc)
		log_warnx("journal: cannot reload the state directory %s: %s", cfg.dir, log_strerror(rc));
	return rc;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

int journal_timeout(void)
{
	long left;

	if (jfd < 0 || !unsynced || cfg.fsync != JOURNAL_FSYNC_PERIODIC)
		return -1;
	left = (long)cfg.fsync_interval_ms - ms_since(&last_sync);
	return left < 0 ? 0 : (int)left;
}

void journal_tick(void)
{
	if (journal_timeout() == 0)
		do_sync();
}

static int snap_node(void *arg, struct node *n)
{
	(void)arg;
	rec_set(n);
	return 0;
}

static void snap_domain(void *arg, struct domain *d)
{
	(void)arg;
	if (d->introduced || d->target >= 0)
		rec_domain(d->domid, d->introduced, d->target);
}

/* Write the store as a snapshot (sequence jseq + 1), then a new journal. */
static int compact_now(void)
{
	struct node *root;
	uint64_t seq = jseq + 1;
	uint8_t end = 0;
	int rc;

	if (buf_reserve(JFILE_HDR))
		return -ENOMEM;
	jfile_header((uint8_t *)buf, JFILE_SNAPSHOT, seq);
	buf_len = JFILE_HDR;
	root = store_lookup(jstore, "/");
	if (root)
		store_walk(jstore, root, snap_node, NULL);
	domain_foreach(snap_domain, NULL);
	rec_put(JREC_END, &end, 1, NULL, 0);
	/* a snapshot that misses a node must never replace the old one */
	rc = rec_lost ? -ENOMEM : write_atomic("snapshot", buf, buf_len);
	rec_lost = false;
	if (!rc)
		snap_size = buf_len;
	buf_len = 0;
	if (rc)
		return rc;
	sync_dir();
	/*
	 * From here the old journal is older than the snapshot and would be
	 * skipped at start: until a new one exists, nothing more is
	 * acknowledged (journal_flush retries it).
	 */
	new_journal_seq = seq;
	rc = new_journal(seq);
	if (!rc)
		new_journal_seq = 0;
	log_info("journal compacted into a snapshot of %llu bytes", (unsigned long long)snap_size);
	return rc;
}

int journal_compact(void)
{
	if (jfd < 0)
		return -ENOTCONN;
	if (journal_flush())
		return -EIO;
	return compact_now();
}
