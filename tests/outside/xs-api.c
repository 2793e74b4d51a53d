/*
 * A program written against Xen's documented libxenstore API (xenstore.h,
 * docs/misc/xenstore.txt) and nothing of Xenon's: tests/libs.bats builds it
 * with `pkg-config --cflags --libs xenstore` against an installed
 * libxenstore (shared and static) and runs it against a real xenstored.
 * Prints one "ok <what>" line per check; exits 1 at the first failure.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#define CHECK(what, cond)                                                                                    \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "FAIL %s (errno %d: %s)\n", what, errno, strerror(errno));           \
			exit(1);                                                                             \
		}                                                                                            \
		printf("ok %s\n", what);                                                                     \
	} while (0)

static void read_write_directory(struct xs_handle *h)
{
	unsigned int len, num;
	char *v, **names;

	CHECK("mkdir", xs_mkdir(h, XBT_NULL, "/outside"));
	CHECK("write", xs_write(h, XBT_NULL, "/outside/a", "hello", 5));
	CHECK("write 2", xs_write(h, XBT_NULL, "/outside/b", "", 0));
	v = xs_read(h, XBT_NULL, "/outside/a", &len);
	CHECK("read", v && len == 5 && !strcmp(v, "hello"));
	free(v);
	errno = 0;
	v = xs_read(h, XBT_NULL, "/outside/missing", &len);
	CHECK("read of a missing node is NULL with errno ENOENT", !v && errno == ENOENT);
	names = xs_directory(h, XBT_NULL, "/outside", &num);
	CHECK("directory", names && num == 2 && !strcmp(names[0], "a") && !strcmp(names[1], "b"));
	free(names);
	CHECK("rm", xs_rm(h, XBT_NULL, "/outside/b"));
	CHECK("rm of a missing node fails with ENOENT",
	      !xs_rm(h, XBT_NULL, "/outside/b/c") && errno == ENOENT);
}

static void permissions(struct xs_handle *h)
{
	struct xs_permissions set[] = {{0, XS_PERM_NONE}, {5, XS_PERM_READ}, {7, XS_PERM_READ | XS_PERM_WRITE}};
	struct xs_permissions *got;
	unsigned int num;

	CHECK("set_permissions", xs_set_permissions(h, XBT_NULL, "/outside/a", set, 3));
	got = xs_get_permissions(h, XBT_NULL, "/outside/a", &num);
	CHECK("get_permissions gives them back", got && num == 3 && got[0].id == 0 &&
						     got[0].perms == XS_PERM_NONE && got[1].id == 5 &&
						     got[1].perms == XS_PERM_READ && got[2].id == 7 &&
						     got[2].perms == (XS_PERM_READ | XS_PERM_WRITE));
	free(got);
}

/* Wait on xs_fileno(), then drain with xs_check_watch() until EAGAIN, as
 * xenstore.h tells callers to; true if path came with token. */
static bool saw_event(struct xs_handle *h, const char *path, const char *token)
{
	struct pollfd pfd = {.fd = xs_fileno(h), .events = POLLIN};
	bool seen = false;
	char **vec;

	if (pfd.fd < 0 || poll(&pfd, 1, 5000) != 1)
		return false;
	while ((vec = xs_check_watch(h))) {
		seen |= !strcmp(vec[XS_WATCH_PATH], path) && !strcmp(vec[XS_WATCH_TOKEN], token);
		free(vec);
	}
	return seen && errno == EAGAIN;
}

static void watches(struct xs_handle *h)
{
	unsigned int num;
	char **vec;

	CHECK("watch", xs_watch(h, "/outside", "tok"));
	vec = xs_read_watch(h, &num);
	CHECK("read_watch: the event at registration", vec && num == 2 &&
							  !strcmp(vec[XS_WATCH_PATH], "/outside") &&
							  !strcmp(vec[XS_WATCH_TOKEN], "tok"));
	free(vec);
	CHECK("check_watch with nothing pending: NULL, EAGAIN", !xs_check_watch(h) && errno == EAGAIN);
	CHECK("write under the watch", xs_write(h, XBT_NULL, "/outside/w", "1", 1));
	CHECK("fileno polls readable and check_watch gives the change", saw_event(h, "/outside/w", "tok"));
	CHECK("unwatch", xs_unwatch(h, "/outside", "tok"));
	CHECK("unwatch again fails", !xs_unwatch(h, "/outside", "tok"));
}

/* One thread waits in xs_read_watch() while another makes requests on the
 * same handle, as Xen's library allows. */
static void *watcher(void *arg)
{
	struct xs_handle *h = arg;
	unsigned int num;
	char **vec;

	while ((vec = xs_read_watch(h, &num))) {
		bool done = !strcmp(vec[XS_WATCH_PATH], "/outside/thr/done") && !strcmp(vec[XS_WATCH_TOKEN], "thr");

		free(vec);
		if (done)
			return h;
	}
	return NULL;
}

static void threads(struct xs_handle *h)
{
	pthread_t t;
	char path[64];
	void *ret = NULL;
	bool writes = true;

	CHECK("watch for the thread", xs_watch(h, "/outside/thr", "thr"));
	CHECK("a thread waits in read_watch", !pthread_create(&t, NULL, watcher, h));
	for (int i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/outside/thr/%d", i);
		writes &= xs_write(h, XBT_NULL, path, "x", 1);
		free(xs_read(h, XBT_NULL, path, NULL));
	}
	CHECK("requests on the same handle meanwhile", writes);
	CHECK("the last write", xs_write(h, XBT_NULL, "/outside/thr/done", "1", 1));
	CHECK("the waiting thread sees it", !pthread_join(t, &ret) && ret == h);
	CHECK("unwatch for the thread", xs_unwatch(h, "/outside/thr", "thr"));
}

/* Add one to /outside/counter in a transaction, retried on EAGAIN; the
 * first attempt meets a change by other (made after it read). */
static void transaction(struct xs_handle *h, struct xs_handle *other)
{
	int attempts = 0;
	bool done = false;

	CHECK("counter", xs_write(h, XBT_NULL, "/outside/counter", "0", 1));
	while (!done && attempts < 5) {
		xs_transaction_t t = xs_transaction_start(h);
		char *v, buf[16];

		CHECK("transaction_start", t != XBT_NULL);
		attempts++;
		v = xs_read(h, t, "/outside/counter", NULL);
		CHECK("read in the transaction", v);
		if (attempts == 1)
			CHECK("a change by another connection meanwhile",
			      xs_write(other, XBT_NULL, "/outside/counter", "10", 2));
		snprintf(buf, sizeof(buf), "%d", atoi(v) + 1);
		free(v);
		CHECK("write in the transaction", xs_write(h, t, "/outside/counter", buf, strlen(buf)));
		done = xs_transaction_end(h, t, false);
		if (!done)
			CHECK("a conflicting commit fails with EAGAIN", errno == EAGAIN);
	}
	char *v = xs_read(h, XBT_NULL, "/outside/counter", NULL);
	CHECK("the retried transaction commits on the second attempt", done && attempts == 2 && !strcmp(v, "11"));
	free(v);
}

int main(void)
{
	struct xs_handle *h = xs_open(0), *other = xs_open(XS_OPEN_SOCKETONLY);
	char *path;

	CHECK("open", h && other);
	read_write_directory(h);
	permissions(h);
	watches(h);
	transaction(h, other);
	threads(h);
	path = xs_get_domain_path(h, 3);
	CHECK("get_domain_path", path && !strcmp(path, "/local/domain/3"));
	free(path);
	CHECK("path_is_subpath", xs_path_is_subpath("/a", "/a/b") && !xs_path_is_subpath("/a", "/ab"));
	CHECK("rm the tree", xs_rm(h, XBT_NULL, "/outside"));
	xs_close(other);
	xs_close(h);
	return 0;
}
