/*
 * Unit tests of the journal: replay after a restart, a torn tail, a
 * snapshot, and a crash between writing the snapshot and starting the new
 * journal (the old journal must then be ignored, not replayed twice).
 */
#include <errno.h>
#include <stdbool.h>
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
#include "xenstored/journal_rec.h"
#include "xenstored/xenstored.h"
#include "xs_harness.h"

static char dir[64];
static const struct xs_perm p0 = {0, XS_PERM_NONE};

static struct journal_config config(void)
{
	return (struct journal_config){.dir = dir, .fsync = JOURNAL_FSYNC_NEVER, .compact_bytes = 1u << 30};
}

/* Start (or restart) from what is on disk; accept: --accept-data-loss. */
static int open_store_with(bool accept)
{
	struct journal_config c = config();

	c.accept_loss = accept;

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

static int open_store(void)
{
	return open_store_with(false);
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

/* ---- damage (issue 8): nothing acknowledged is thrown away unsaid ---- */

static void state_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* The whole of a state file (static buffer), its size in *len; NULL if absent. */
static const char *slurp(const char *name, size_t *len)
{
	static char data[1 << 20];
	char path[128];
	int fd;
	ssize_t n;

	state_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, data, sizeof(data));
	close(fd);
	*len = n > 0 ? (size_t)n : 0;
	return data;
}

static void spit(const char *name, const void *data, size_t len)
{
	char path[128];
	int fd;

	state_path(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static bool exists(const char *name)
{
	char path[128];

	state_path(path, sizeof(path), name);
	return !access(path, F_OK);
}

static void fresh_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
	CHECK(!system(cmd));
}

/* n writes /d/k<i> = v<i>, each acknowledged (its own flush). */
static void acked_writes(int n)
{
	char k[32], v[32];

	for (int i = 1; i <= n; i++) {
		snprintf(k, sizeof(k), "/d/k%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		if (i == 1)
			put("/d", "");
		put(k, v);
		CHECK_INT(journal_flush(), 0);
	}
}

/* A start that must refuse, changing nothing on disk. */
static void check_refused(void)
{
	size_t before, after;
	char *copy;
	const char *data = slurp("journal", &before);

	copy = malloc(before + 1);
	memcpy(copy, data, before);
	CHECK_INT(open_store(), -EUCLEAN);
	journal_close();
	data = slurp("journal", &after);
	CHECK(after == before && !memcmp(copy, data, before));
	CHECK(!exists("journal.damaged-1"));
	free(copy);
}

/* A journal of n acknowledged writes with byte at XORed with x, on disk and
 * returned (malloc'd, *len bytes). */
static char *journal_with_damaged_byte(unsigned n, size_t at, char x, size_t *len)
{
	const char *data;
	char *copy;

	fresh_dir();
	CHECK_INT(open_store(), 0);
	acked_writes(n);
	journal_close();
	data = slurp("journal", len);
	copy = malloc(*len);
	memcpy(copy, data, *len);
	copy[at] ^= x;
	spit("journal", copy, *len);
	return copy;
}

static void test_damaged_header_refuses_then_keeps_file(void)
{
	size_t len;
	char *copy = journal_with_damaged_byte(200, 3, 0x20, &len); /* one damaged byte in the magic */
	const char *data;

	check_refused();
	/* accepted: the journal is kept whole under another name, never overwritten */
	CHECK_INT(open_store_with(true), 0);
	journal_close();
	data = slurp("journal.damaged-1", &len);
	CHECK(data && !memcmp(data, copy, len));
	free(copy);
	CHECK_INT(open_store(), 0); /* and the new state starts cleanly */
	journal_close();
}

/* The magic's version byte damaged into the other version's ("XSJRNL02" ->
 * "XSJRNL01", whose header has no checksum): the records that follow are
 * version 2's, readable, so this is damage, not a torn tail to cut. */
static void test_version_byte_flipped_refuses(void)
{
	size_t len;
	char *copy = journal_with_damaged_byte(20, 7, '2' ^ '1', &len);

	CHECK(!memcmp(copy, "XSJRNL01", 8));
	check_refused();
	free(copy);
}

static void test_truncated_header_refuses(void)
{
	size_t len;
	const char *data;

	fresh_dir();
	CHECK_INT(open_store(), 0);
	acked_writes(50);
	journal_close();
	data = slurp("journal", &len);
	spit("journal", data + 10, len - 10); /* the first 10 bytes gone */
	check_refused();
}

static void test_snapshot_moved_away_refuses(void)
{
	char a[128], b[128];

	fresh_dir();
	CHECK_INT(open_store(), 0);
	acked_writes(20);
	CHECK_INT(journal_compact(), 0);
	put("/after", "1");
	journal_close();
	state_path(a, sizeof(a), "snapshot");
	state_path(b, sizeof(b), "moved");
	CHECK(!rename(a, b));
	check_refused();
	/* accepted: what the journal holds comes back; the journal is kept */
	CHECK_INT(open_store_with(true), 0);
	CHECK_STR(get("/after"), "1");
	CHECK_STR(get("/d/k20"), "(none)");
	journal_close();
	CHECK(exists("journal.damaged-1"));
}

static void test_damage_mid_body(void)
{
	size_t len;
	char *copy;
	const char *data;

	fresh_dir();
	CHECK_INT(open_store(), 0);
	acked_writes(300);
	journal_close();
	data = slurp("journal", &len);
	copy = malloc(len);
	memcpy(copy, data, len);
	copy[len / 2] ^= 1;
	spit("journal", copy, len);
	check_refused();
	CHECK_INT(open_store_with(true), 0);
	/* everything before the damage is back: k1 .. some k, then nothing */
	CHECK_STR(get("/d/k1"), "v1");
	CHECK_STR(get("/d/k100"), "v100");
	CHECK_STR(get("/d/k300"), "(none)");
	journal_close();
	data = slurp("journal.damaged-1", &len);
	CHECK(data && !memcmp(data, copy, len)); /* kept whole, the part after the damage too */
	free(copy);
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/d/k100"), "v100");
	journal_close();
}

/* A transaction's five writes reach the file in one flush: a torn tail brings back all or none. */
static void test_torn_transaction_all_or_none(void)
{
	size_t len;
	char *copy;
	const char *data;

	fresh_dir();
	CHECK_INT(open_store(), 0);
	put("/before", "1");
	journal_flush();
	for (int i = 1; i <= 5; i++) {
		char k[16];

		snprintf(k, sizeof(k), "/tx%d", i);
		put(k, "x");
	}
	journal_flush();
	journal_close();
	data = slurp("journal", &len);
	copy = malloc(len);
	memcpy(copy, data, len);
	for (size_t cut = 1; cut < 40; cut++) { /* the power went at any of these bytes */
		spit("journal", copy, len - cut);
		CHECK_INT(open_store(), 0);
		CHECK_STR(get("/before"), "1");
		int n = 0;
		for (int i = 1; i <= 5; i++) {
			char k[16];

			snprintf(k, sizeof(k), "/tx%d", i);
			n += strcmp(get(k), "(none)") != 0;
		}
		CHECK_INT(n, 0);
		journal_close();
	}
	spit("journal", copy, len);
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/tx5"), "x");
	journal_close();
	free(copy);
}

/* A version 1 journal (CRC32 of the body, no commit records) is read and rewritten as version 2. */
static void test_version1_journal(void)
{
	uint8_t f[256], *r;
	size_t len = 16;
	const char *data;
	uint32_t vlen = 3, np = 1, blen, crc;

	fresh_dir();
	memcpy(f, "XSJRNL01", 8);
	memset(f + 8, 0, 8);
	const char *paths[] = {"/", "/v1"};
	for (int i = 0; i < 2; i++) {
		r = f + len + JREC_HDR;
		r[0] = JREC_SET;
		memcpy(r + 1, &vlen, 4);
		memcpy(r + 5, &np, 4);
		memset(r + 9, 0, 5); /* dom0, none */
		strcpy((char *)r + 14, paths[i]);
		memcpy(r + 15 + strlen(paths[i]), "old", 3);
		blen = 15 + strlen(paths[i]) + 3;
		crc = jrec_crc(1, r, blen);
		memcpy(f + len, &blen, 4);
		memcpy(f + len + 4, &crc, 4);
		len += JREC_HDR + blen;
	}
	spit("journal", f, len);
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/v1"), "old");
	journal_close();
	data = slurp("journal", &len);
	CHECK(data && !memcmp(data, "XSJRNL02", 8));
	CHECK_INT(open_store(), 0);
	CHECK_STR(get("/v1"), "old");
	journal_close();
}

/* RELEASE's journal record ends the SET_TARGET too: replay and snapshot agree. */
static void test_release_journals_no_target(void)
{
	struct conn *d0;

	for (int compact = 0; compact < 2; compact++) {
		CHECK_INT(open_store(), 0);
		d0 = mkconn();
		RQ(d0, XS_INTRODUCE, 0,
		   "21\0"
		   "0\0"
		   "0");
		CHECK_STR(RQ(d0, XS_SET_TARGET, 0,
			     "21\0"
			     "20"),
			  "OK");
		CHECK_STR(RQ(d0, XS_RELEASE, 0, "21"), "OK");
		freeconn(d0);
		journal_flush();
		if (compact)
			CHECK_INT(journal_compact(), 0);
		journal_close();
		CHECK_INT(open_store(), 0);
		CHECK_INT(domain_target(21), -1);
		CHECK(!domain_find(21) || !domain_find(21)->introduced);
		journal_close();
	}
}

int main(void)
{
	char cmd[128];

	if (!getenv("XS_TEST_VERBOSE"))
		log_set_file(fopen("/dev/null", "w")); /* the warnings are expected here */
	snprintf(dir, sizeof(dir), "/tmp/xs-journal-test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_restart_replays);
	RUN(test_torn_tail);
	RUN(test_snapshot_and_stale_journal);
	RUN(test_one_daemon_per_directory);
	RUN(test_damaged_header_refuses_then_keeps_file);
	RUN(test_version_byte_flipped_refuses);
	RUN(test_truncated_header_refuses);
	RUN(test_snapshot_moved_away_refuses);
	RUN(test_damage_mid_body);
	RUN(test_torn_transaction_all_or_none);
	RUN(test_version1_journal);
	RUN(test_release_journals_no_target);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return unit_done();
}
