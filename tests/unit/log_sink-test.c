/* common/log.c's sink: what log_warn ... log_debug hand it, and its restoring. */
#include "log.h"
#include "unit.h"

#include <errno.h>

static struct {
	int calls;
	enum log_level level;
	int errnoval;
	char msg[128];
	void *arg;
} got;

static void sink(void *arg, enum log_level level, int errnoval, const char *fmt, va_list ap)
{
	got.calls++;
	got.arg = arg;
	got.level = level;
	got.errnoval = errnoval;
	vsnprintf(got.msg, sizeof(got.msg), fmt, ap);
}

static void test_sink_gets_level_errno_and_message(void)
{
	int token;
	log_sink_fn *old_fn = sink;
	void *old_arg = &token;

	log_set_sink(sink, &token, &old_fn, &old_arg);
	CHECK(old_fn == NULL && old_arg == NULL);
	errno = EIO;
	log_warn("disk %d", 7);
	CHECK_INT(got.level, LOGL_WARN);
	CHECK_INT(got.errnoval, EIO);
	CHECK_STR(got.msg, "disk 7");
	CHECK(got.arg == &token);
	CHECK_INT(errno, EIO);
	log_warnx("no errno");
	CHECK_INT(got.errnoval, -1);
	log_set_verbosity(0);
	log_info("hidden");
	log_debug("hidden");
	CHECK_INT(got.calls, 2);
	log_set_verbosity(2);
	log_debug("shown %s", "now");
	CHECK_INT(got.level, LOGL_DEBUG);
	CHECK_STR(got.msg, "shown now");
	log_set_verbosity(0);
	log_set_sink(NULL, NULL, &old_fn, &old_arg);
	CHECK(old_fn == sink && old_arg == &token);
}

int main(void)
{
	RUN(test_sink_gets_level_errno_and_message);
	return unit_done();
}
