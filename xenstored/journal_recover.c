/*
 * Loading the state directory (journal_recover.h): read the snapshot and the
 * journal, decide what can be replayed, say exactly what was recovered and
 * what was not, and never lose what cannot be read. A torn journal tail (a
 * write cut short by a crash) is normal: it is cut and said. Any other
 * damage, or a journal that does not continue the snapshot, would lose
 * acknowledged changes: the daemon refuses to start, changing nothing on
 * disk, unless the operator accepts the loss (--accept-data-loss). Then the
 * damaged files are kept under new names (hard links, never deleted) and
 * what was readable is written into a fresh snapshot.
 */
#include "journal_recover.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "journal_rec.h"
#include "log.h"

struct jfile {
	const char *name; /* "snapshot", "journal" */
	enum jfile_kind kind;
	char *path;
	uint8_t *data;
	size_t len;
	bool present;
	struct jscan scan;
	size_t use; /* replay [scan.hdr, use); 0: nothing */
	bool lossy; /* part of it is lost */
};

static int read_whole(const char *path, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !(*data = malloc(st.st_size + 1))) {
		int rc = errno ? -errno : -ENOMEM;

		close(fd);
		return rc;
	}
	n = read(fd, *data, st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*data);
		*data = NULL;
		return -EIO;
	}
	*len = n;
	return 0;
}

static int jfile_load(struct jfile *f, const char *dir)
{
	int rc;

	if (asprintf(&f->path, "%s/%s", dir, f->name) < 0) {
		f->path = NULL;
		return -ENOMEM;
	}
	rc = read_whole(f->path, &f->data, &f->len);
	if (rc == -ENOENT)
		return 0;
	if (rc) { /* never start afresh over a file we could not read */
		log_warnx("cannot read %s: %s; nothing was changed", f->path, log_strerror(rc));
		return rc;
	}
	f->present = true;
	jscan(f->data, f->len, f->kind, &f->scan);
	return 0;
}

static void jfile_free(struct jfile *f)
{
	free(f->path);
	free(f->data);
}

/* What of f is lost, said once: where, why, and what is readable around it. */
static void say_damage(const struct jfile *f, const char *consequence)
{
	const struct jscan *s = &f->scan;

	if (s->state == JSCAN_NO_HEADER) {
		log_warnx("%s (%zu bytes) has no readable header; %zu intact records in it cannot be "
			  "placed: %s",
			  f->path, f->len, s->after, consequence);
		return;
	}
	log_warnx("%s is damaged at offset %zu (%s): readable before it: %zu %s (%zu changes, bytes "
		  "%zu-%zu); from offset %zu to the end: %zu bytes, among them %zu intact records "
		  "(from offset %zu) that cannot be replayed without what the damage took: %s",
		  f->path, s->bad, s->why, s->groups, f->kind == JFILE_JOURNAL ? "commits" : "records",
		  s->records, s->hdr, s->good, s->good, f->len - s->good, s->after,
		  s->after ? s->after_at : s->bad, consequence);
}

/* Decide what of the snapshot is used; true if something is lost. */
static bool plan_snapshot(struct jfile *sn, bool accept)
{
	const char *lost = accept ? "lost (accepted)" : "would be lost";

	if (!sn->present || sn->scan.state == JSCAN_CLEAN) {
		sn->use = sn->present ? sn->len : 0;
		return false;
	}
	sn->lossy = true;
	sn->use = sn->scan.state == JSCAN_NO_HEADER ? 0 : sn->scan.good;
	say_damage(sn, lost);
	return true;
}

/* Decide what of the journal is used, given the snapshot; true if something is lost. */
static bool plan_journal(struct jfile *jn, const struct jfile *sn, bool accept)
{
	const struct jscan *j = &jn->scan;
	bool snap_seq_known = sn->present && sn->scan.state != JSCAN_NO_HEADER;
	uint64_t sseq = snap_seq_known ? sn->scan.seq : 0;
	const char *lost = accept ? "lost (accepted)" : "would be lost";

	if (!jn->present) {
		if (sn->present)
			log_warnx("%s is missing: starting a new one after the snapshot", jn->path);
		return false;
	}
	if (j->state == JSCAN_NO_HEADER) {
		jn->lossy = true;
		say_damage(jn, lost);
		return true;
	}
	if (j->seq < sseq) { /* a crash between writing a snapshot and its new journal */
		log_warnx("%s (sequence %llu) is older than the snapshot (sequence %llu), which holds "
			  "its changes: starting a new journal",
			  jn->path, (unsigned long long)j->seq, (unsigned long long)sseq);
		return false;
	}
	jn->use = j->good;
	if (j->seq > sseq || (sn->present && !snap_seq_known)) {
		jn->lossy = true;
		log_warnx("%s (sequence %llu) continues a snapshot of sequence %llu, but %s: the changes "
			  "that snapshot held %s",
			  jn->path, (unsigned long long)j->seq, (unsigned long long)j->seq,
			  !sn->present	   ? "there is no snapshot"
			  : snap_seq_known ? "the snapshot is older"
					   : "the snapshot's header is unreadable",
			  lost);
	}
	if (j->state == JSCAN_DAMAGED) {
		jn->lossy = true;
		say_damage(jn, lost);
	}
	return jn->lossy;
}

/* Empty the store (the root stays) and forget what replay set on domains. */
static void forget_domain(void *arg, struct domain *d)
{
	(void)arg;
	d->introduced = false;
	d->target = -1;
}

static int store_clear(struct store *st)
{
	struct node *root = store_lookup(st, "/");
	char path[4096];
	int rc = 0;

	while (root && root->nkids && !rc) {
		snprintf(path, sizeof(path), "/%s", root->kids);
		struct node *n = store_lookup(st, path);
		rc = n ? store_remove(st, n) : -EIO;
	}
	domain_foreach(forget_domain, NULL);
	return rc;
}

/*
 * Replay what the plans allow. A record that passes its checksum but does
 * not apply cuts its file there (said; a loss like any other): the store is
 * emptied and replayed again up to that group, so no group is half applied.
 */
static int replay(struct store *st, struct jfile *f[2], bool *loss, bool accept)
{
	for (int pass = 0; pass < 3; pass++) {
		int rc = store_clear(st);
		size_t bad;
		int i;

		for (i = 0; i < 2 && !rc; i++)
			if (f[i]->use && japply(st, f[i]->data, f[i]->use, &f[i]->scan, &bad)) {
				log_warnx("%s: the record group at offset %zu passes its checksum but does "
					  "not apply: it and what follows %s",
					  f[i]->path, bad, accept ? "are lost (accepted)" : "would be lost");
				f[i]->use = bad > f[i]->scan.hdr ? bad : 0;
				f[i]->lossy = *loss = true;
				break;
			}
		if (rc || i == 2)
			return rc;
	}
	return -EIO;
}

/* Keep a damaged file under a new name (a hard link; the name is then reused). */
static int set_aside(struct jfile *f)
{
	char *aside = NULL;
	int rc = -EEXIST;

	for (int n = 1; n < 1000 && rc == -EEXIST; n++) {
		free(aside);
		if (asprintf(&aside, "%s.damaged-%d", f->path, n) < 0)
			return -ENOMEM;
		rc = link(f->path, aside) ? -errno : 0;
	}
	if (rc)
		log_warnx("cannot keep %s as %s: %s; nothing was changed", f->path, aside, log_strerror(rc));
	else
		log_warnx("%s is kept as %s", f->path, aside);
	free(aside);
	return rc;
}

/* Cut a torn journal tail, saying what it held. */
static void cut_torn(struct jfile *jn)
{
	const struct jscan *j = &jn->scan;

	log_warnx("%s: cut a torn tail of %zu bytes at offset %zu (a write cut short by a crash: %zu "
		  "whole records of an unfinished commit, then %s); kept: %zu commits (%zu changes)",
		  jn->path, jn->len - j->good, j->good, j->uncommitted, j->why, j->groups, j->records);
	if (truncate(jn->path, j->good))
		log_warn("cannot truncate %s", jn->path);
}

/* The state directory, from one of its files' paths (for messages). */
static const char *dir_of(const char *path)
{
	static char dir[4096];
	const char *slash = strrchr(path, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	return dir;
}

static int finish(struct jfile *sn, struct jfile *jn, bool loss, const struct journal_recover_opts *o,
		  struct jrecovered *r)
{
	uint64_t sseq = sn->present && sn->scan.state != JSCAN_NO_HEADER ? sn->scan.seq : 0;
	bool journal_ok = jn->present && jn->scan.state != JSCAN_NO_HEADER && jn->scan.seq >= sseq;

	r->seq = journal_ok && jn->scan.seq > sseq ? jn->scan.seq : sseq;
	r->snap_size = sn->use ? sn->len : 0;
	r->jsize = journal_ok ? jn->use : 0;
	r->compact = loss || (sn->present && sn->scan.version == 1) || (journal_ok && jn->scan.version == 1);
	if (journal_ok && !jn->lossy && jn->scan.state == JSCAN_TORN)
		cut_torn(jn);
	if (!o->at_start)
		return 0;
	if (loss && ((sn->lossy && set_aside(sn)) || (jn->lossy && set_aside(jn))))
		return -EIO;
	if (r->compact && !loss)
		log_warnx("%s: version 1 state files; rewriting them as version 2 (a fresh snapshot "
			  "and journal)",
			  dir_of(jn->path));
	if (loss)
		log_warnx("recovered: %zu changes from the snapshot and %zu from the journal; they go "
			  "into a fresh snapshot, and a new journal starts",
			  sn->use ? sn->scan.records : 0, jn->use ? jn->scan.records : 0);
	return 0;
}

int journal_recover(const char *dir, struct store *st, const struct journal_recover_opts *o,
		    struct jrecovered *r)
{
	struct jfile sn = {.name = "snapshot", .kind = JFILE_SNAPSHOT};
	struct jfile jn = {.name = "journal", .kind = JFILE_JOURNAL};
	struct jfile *both[2] = {&sn, &jn};
	bool loss;
	int rc = jfile_load(&sn, dir);

	if (!rc)
		rc = jfile_load(&jn, dir);
	if (rc)
		goto out;
	loss = plan_snapshot(&sn, o->accept_loss);
	loss |= plan_journal(&jn, &sn, o->accept_loss);
	if (!loss || o->accept_loss)
		rc = replay(st, both, &loss, o->accept_loss);
	if (!rc && loss && !o->accept_loss) {
		log_warnx("refusing to start: acknowledged changes in %s would be lost; nothing was "
			  "changed on disk. Restore the files from a backup, or start with "
			  "--accept-data-loss to keep what is readable (the damaged files are kept)",
			  dir);
		rc = -EUCLEAN;
	}
	if (!rc)
		rc = finish(&sn, &jn, loss, o, r);
out:
	jfile_free(&sn);
	jfile_free(&jn);
	return rc;
}
