/*
 * Unit tests of the journal: replay after a restart, a torn tail, a
 * snapshot, and a crash between writing the snapshot and starting the new
 * journal (the old journal must then be ignored, not replayed twice).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"
#include "xenstored/domain.h"
#include "xenstored/journal.h"
#include "xenstored/xenstored.h"

static char dir[64];
static const struct xs_perm p0 = {0, XS_PERM_NONE};

static struct journal_config config(void)
{
	return (struct journal_config){.dir = dir, .fsync = JOURNAL_FSYNC_NEVER, .compact_bytes = 1u << 30};
}

/* Start (or restart) from what is on disk. */
static int open_store(void)
{
	struct journal_config c = config();

	if (xs_store)
		store_free(xs_store);
	domain_reset_all();
	xenstored_new_store();
	int rc = journal_open(&c, xs_store);
	if (!rc)
		rc = xenstored_init_store();
	journal_flush();
	return rc;
}

static void put(const char *path, const char *value)
{
	struct node *n = store_lookup(xs_store, path);

	if (n)
		CHECK_INT(store_set_value(xs_store, n, value, strlen(value)), 0);
	else
		CHECK_INT(store_create(xs_store, path, &p0, 1, value, strlen(value), NULL), 0);
}

static const char *get(const char *path)
{
	static char buf[256];
	struct node *n = store_lookup(xs_store, path);

	if (!n)
		return "(none)";
	snprintf(buf, sizeof(buf), "%.*s", (int)n->vlen, n->value);
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	char a[128], b[128], data[1 << 16];
	int in, out;
	ssize_t n;

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	in = open(a, O_RDONLY);
	out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(in >= 0 && out >= 0);
	while ((n = read(in, data, sizeof(data))) > 0)
		CHECK(write(out, data, n) == n);
	close(in);
	close(out);
}

static void test_restart_replays(void)
{
	CHECK_INT(open_store(), 0);
	put("/a", "1");
	put("/a/b", "2");
	put("/a", "3");
	store_remove(xs_store, store_lookup(xs_store, "/a/b"));
	journal_domain(4, true, 9);
	journal_close();
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/a"), "3");
	CHECK_STR(get("/a/b"), "(none)");
	CHECK_STR(get("/tool/xenstored"), "");
	CHECK(domain_find(4) && domain_find(4)->introduced && domain_find(4)->target == 9);
	journal_close();
}

static void test_torn_tail(void)
{
	char path[128];
	int fd;

	CHECK_INT(open_store(), 0);
	put("/torn", "kept");
	journal_close();
	snprintf(path, sizeof(path), "%s/journal", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(write(fd, "\x30\0\0\0\x11\x22", 6) == 6); /* a record cut short */
	close(fd);
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/torn"), "kept");
	put("/after", "ok"); /* appended after the cut, readable next time */
	journal_close();
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/after"), "ok");
	journal_close();
}

static void test_snapshot_and_stale_journal(void)
{
	CHECK_INT(open_store(), 0);
	put("/s", "1");
	journal_flush();
	copy_file("journal", "journal.old"); /* as it was before compaction */
	CHECK_INT(journal_compact(), 0);
	put("/s", "2");
	journal_close();
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/s"), "2");
	journal_close();
	/* a crash after the snapshot was renamed but before the new journal:
	 * the old journal (older sequence) must be ignored */
	copy_file("journal.old", "journal");
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/s"), "1");
	CHECK_STR(get("/a"), "3");
	journal_close();
}

static void test_one_daemon_per_directory(void)
{
	struct journal_config c = config();
	struct store *other = store_new(NULL, NULL);

	CHECK_INT(open_store(), 0);
	/* the lock is per open file: a second open in this process conflicts too */
	CHECK_INT(journal_open(&c, other), -EBUSY);
	journal_close();
	store_free(other);
}

int main(void)
{
	char cmd[128];

	log_set_file(fopen("/dev/null", "w")); /* the warnings are expected here */
	snprintf(dir, sizeof(dir), "/tmp/xs-journal-test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_restart_replays);
	RUN(test_torn_tail);
	RUN(test_snapshot_and_stale_journal);
	RUN(test_one_daemon_per_directory);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return unit_done();
}
