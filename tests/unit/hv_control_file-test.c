/*
 * The control socket's file (hypervisor/control_file.c): a restore's hidden
 * name, published by a rename that never replaces another xenon-hv's
 * socket; a live socket refused, a dead one's replaced; the unlinker
 * renames when asked and removes whichever name the file has when
 * xenon-hv's end closes, however xenon-hv ended.
 */
#include "hypervisor/control_file.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

static char dir[64], path[128], hidden[128];

static void fresh_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hv-ctlfile.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/7.sock", dir);
	snprintf(hidden, sizeof(hidden), "%s/.7.sock.incoming", dir);
}

static void drop_dir(void)
{
	unlink(path);
	unlink(hidden);
	rmdir(dir);
}

static int exists(const char *p)
{
	return !access(p, F_OK);
}

static int listening_socket(void)
{
	return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
}

/* 0 if something accepts connections at p, else -errno. */
static int try_connect(const char *p)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int rc;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p);
	rc = connect(s, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0;
	close(s);
	return rc;
}

/* Another xenon-hv's live socket at p (its fd returned). */
static int other_live(const char *p)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int s = listening_socket();

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) || listen(s, 1))
		abort();
	return s;
}

static void test_incoming_name(void)
{
	char buf[128];

	CHECK_STR(hvctl_incoming_socket("/run/xenon/domains/3.sock", buf, sizeof(buf)),
		  "/run/xenon/domains/.3.sock.incoming");
	CHECK_STR(hvctl_incoming_socket("x.sock", buf, sizeof(buf)), ".x.sock.incoming");
	CHECK(hvctl_incoming_socket("/run/xenon/domains/3.sock", buf, 30) == NULL);
}

/* Hidden while restoring: nobody can connect by the socket's name; then it is renamed into place. */
static void test_hidden_then_published(void)
{
	struct ctl_file f;
	int s = listening_socket();

	fresh_dir();
	CHECK_INT(ctl_file_bind(&f, s, path, 1), 0);
	CHECK(listen(s, 1) == 0);
	CHECK(exists(hidden));
	CHECK_INT(try_connect(path), -ENOENT);
	CHECK_INT(ctl_file_publish(&f), 0);
	CHECK(!exists(hidden));
	CHECK_INT(try_connect(path), 0);
	CHECK_INT(ctl_file_publish(&f), 0); /* once is enough */
	ctl_file_remove(&f);
	CHECK(!exists(path) && !exists(hidden));
	close(s);
	drop_dir();
}

/* The name it will take belongs to a running domain: refused at once, that file left alone. */
static void test_live_name_refused(void)
{
	struct ctl_file f;
	int other, s = listening_socket();

	fresh_dir();
	other = other_live(path);
	CHECK_INT(ctl_file_bind(&f, s, path, 1), -EADDRINUSE);
	CHECK(!exists(hidden));
	ctl_file_remove(&f); /* nothing of ours: the other's stays */
	CHECK_INT(try_connect(path), 0);
	/* And the same for another restore of that domain still hidden. */
	close(other);
	unlink(path);
	other = other_live(hidden);
	CHECK_INT(ctl_file_bind(&f, s, path, 1), -EADDRINUSE);
	ctl_file_remove(&f);
	CHECK_INT(try_connect(hidden), 0);
	close(other);
	close(s);
	drop_dir();
}

/* A dead xenon-hv's file under the name is removed when the restore starts. */
static void test_stale_name_replaced(void)
{
	struct ctl_file f;
	int s = listening_socket();

	fresh_dir();
	close(other_live(path)); /* the file stays, nobody listens */
	CHECK_INT(ctl_file_bind(&f, s, path, 1), 0);
	CHECK(!exists(path));
	CHECK(listen(s, 1) == 0);
	CHECK_INT(ctl_file_publish(&f), 0);
	CHECK_INT(try_connect(path), 0);
	ctl_file_remove(&f);
	close(s);
	drop_dir();
}

/* A socket made under the name meanwhile is never replaced. */
static void test_publish_never_replaces(void)
{
	struct ctl_file f;
	int other, s = listening_socket();

	fresh_dir();
	CHECK_INT(ctl_file_bind(&f, s, path, 1), 0);
	other = other_live(path);
	CHECK_INT(ctl_file_publish(&f), -EEXIST);
	ctl_file_remove(&f);
	CHECK(!exists(hidden));
	CHECK_INT(try_connect(path), 0);
	close(other);
	close(s);
	drop_dir();
}

/* A fresh directory, s bound under the hidden name, listening, with its unlinker. */
static void hidden_with_unlinker(struct ctl_file *f, int s)
{
	fresh_dir();
	CHECK_INT(ctl_file_bind(f, s, path, 1), 0);
	CHECK(listen(s, 1) == 0);
	CHECK_INT(ctl_file_unlinker(f), 0);
	CHECK(f->unlinker > 0);
}

static void test_unlinker_publishes_and_removes(void)
{
	struct ctl_file f;
	int s = listening_socket();

	hidden_with_unlinker(&f, s);
	CHECK_INT(ctl_file_publish(&f), 0);
	CHECK(!exists(hidden));
	CHECK_INT(try_connect(path), 0);
	ctl_file_remove(&f); /* waits for the unlinker */
	CHECK(!exists(path) && !exists(hidden));
	close(s);
	/* Its refusal comes back as ours. */
	CHECK_INT(ctl_file_bind(&f, s = listening_socket(), path, 1), 0);
	CHECK_INT(ctl_file_unlinker(&f), 0);
	close(other_live(path));
	CHECK_INT(ctl_file_publish(&f), -EEXIST);
	ctl_file_remove(&f);
	CHECK(!exists(hidden) && exists(path)); /* not ours: left */
	close(s);
	drop_dir();
}

/* Asked first, answered later (a restore settles its devices meanwhile): once, whatever the asks. */
static void test_unlinker_asked_ahead(void)
{
	struct ctl_file f;
	int s = listening_socket();

	hidden_with_unlinker(&f, s);
	CHECK_INT(ctl_file_publish_ask(&f), 0);
	CHECK_INT(ctl_file_publish_ask(&f), 0); /* not asked twice: one answer to read */
	CHECK_INT(ctl_file_publish(&f), 0);
	CHECK(f.published && !f.asked);
	CHECK(!exists(hidden));
	CHECK_INT(try_connect(path), 0);
	CHECK_INT(ctl_file_publish_ask(&f), 0); /* published: nothing to ask */
	CHECK(!f.asked);
	ctl_file_remove(&f);
	CHECK(!exists(path) && !exists(hidden));
	close(s);
	drop_dir();
}

/*
 * xenon-hv killed in the middle of a restore: its unlinker sees EOF and
 * removes the hidden file. (We are the subreaper, so the orphaned unlinker
 * is ours to wait for.)
 */
static void test_unlinker_after_a_kill(void)
{
	int pfd[2], status;
	pid_t hv, unl = 0;

	fresh_dir();
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	CHECK(pipe(pfd) == 0);
	hv = fork();
	if (hv == 0) {
		struct ctl_file f;

		close(pfd[0]);
		if (ctl_file_bind(&f, listening_socket(), path, 1) || ctl_file_unlinker(&f) ||
		    write(pfd[1], &f.unlinker, sizeof(f.unlinker)) != sizeof(f.unlinker))
			_exit(1);
		raise(SIGKILL);
	}
	close(pfd[1]);
	CHECK(read(pfd[0], &unl, sizeof(unl)) == sizeof(unl));
	close(pfd[0]);
	CHECK(waitpid(hv, &status, 0) == hv && WIFSIGNALED(status));
	CHECK(unl > 0 && waitpid(unl, &status, 0) == unl && WIFEXITED(status));
	CHECK(!exists(hidden) && !exists(path));
	drop_dir();
}

int main(void)
{
	RUN(test_incoming_name);
	RUN(test_hidden_then_published);
	RUN(test_live_name_refused);
	RUN(test_stale_name_replaced);
	RUN(test_publish_never_replaces);
	RUN(test_unlinker_publishes_and_removes);
	RUN(test_unlinker_asked_ahead);
	RUN(test_unlinker_after_a_kill);
	return unit_done();
}
