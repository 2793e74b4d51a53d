/*
 * libxentoollog (libxl/toollog/xtl.c): the stdio logger's lines (context,
 * level, errno, the minimum level, pid and date), its progress lines (one
 * a step, or redrawn in place), the flags it refuses, xtl_log keeping
 * errno, and a logger of one's own made with XTL_NEW_LOGGER.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libxl/xentoollog.h"
#include "unit.h"

static char *text;
static size_t text_len;

/* A logger writing into memory (text), cleared first. */
static FILE *stream(void)
{
	free(text);
	text = NULL;
	return open_memstream(&text, &text_len);
}

static void test_message_lines(void)
{
	FILE *f = stream();
	xentoollog_logger_stdiostream *lg = xtl_createlogger_stdiostream(f, XTL_INFO, 0);
	xentoollog_logger *l = (xentoollog_logger *)lg;

	CHECK(lg != NULL);
	errno = EAGAIN;
	xtl_log(l, XTL_ERROR, ENOENT, "libxl", "cannot open %s", "a.cfg");
	CHECK_INT(errno, EAGAIN); /* kept */
	xtl_log(l, XTL_DEBUG, -1, "libxl", "not shown: under the minimum");
	xtl_log(l, XTL_WARN, -1, NULL, "no context");
	xtl_stdiostream_set_minlevel(lg, XTL_DEBUG);
	xtl_log(l, XTL_DEBUG, -1, "xl", "shown now");
	fflush(f);
	CHECK_STR(text, "libxl: error: cannot open a.cfg: No such file or directory\n"
			"warning: no context\n"
			"xl: debug: shown now\n");
	xtl_logger_destroy(l);
	xtl_logger_destroy(NULL);
	fclose(f);
}

static void test_pid_and_date(void)
{
	FILE *f = stream();
	xentoollog_logger_stdiostream *lg =
	    xtl_createlogger_stdiostream(f, XTL_INFO, XTL_STDIOSTREAM_SHOW_PID);
	char want[64], zone[16];
	int y, mo, d, h, mi, s, n = 0;
	long pid;

	xtl_log((xentoollog_logger *)lg, XTL_INFO, -1, "c", "one");
	fflush(f);
	snprintf(want, sizeof(want), "[%ld] c: info: one\n", (long)getpid());
	CHECK_STR(text, want);
	xtl_stdiostream_adjust_flags(lg, XTL_STDIOSTREAM_SHOW_DATE, XTL_STDIOSTREAM_SHOW_PID);
	xtl_log((xentoollog_logger *)lg, XTL_INFO, -1, "c", "two");
	fflush(f);
	CHECK(sscanf(text + strlen(want), "%4d-%2d-%2d %2d:%2d:%2d %15s c: info: two%n", &y, &mo, &d, &h, &mi,
		     &s, zone, &n) == 7);
	CHECK(n > 0 && y >= 2020 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60);
	/* both set and cleared: set wins */
	xtl_stdiostream_adjust_flags(lg, XTL_STDIOSTREAM_SHOW_PID,
				     XTL_STDIOSTREAM_SHOW_PID | XTL_STDIOSTREAM_SHOW_DATE);
	xtl_log((xentoollog_logger *)lg, XTL_INFO, -1, "c", "three");
	fflush(f);
	CHECK(sscanf(strrchr(text, '['), "[%ld] c: info: three", &pid) == 1 && pid == (long)getpid());
	xtl_logger_destroy((xentoollog_logger *)lg);
	fclose(f);
}

static void test_progress_lines(void)
{
	FILE *f = stream();
	xentoollog_logger_stdiostream *lg = xtl_createlogger_stdiostream(f, XTL_PROGRESS, 0);
	xentoollog_logger *l = (xentoollog_logger *)lg;

	xtl_progress(l, "xl", "saving", 0, 200);   /* 0%: the same as before, not shown */
	xtl_progress(l, "xl", "saving", 100, 200); /* 50% */
	xtl_progress(l, "xl", "saving", 104, 200); /* 52%: a small step is detail, under the minimum */
	xtl_progress(l, "xl", "saving", 200, 200); /* 100% */
	xtl_progress(l, "xl", "loading", 0, 0);	   /* a new task: back to 0% */
	xtl_stdiostream_adjust_flags(lg, XTL_STDIOSTREAM_HIDE_PROGRESS, 0);
	xtl_progress(l, "xl", "saving", 100, 200);
	fflush(f);
	CHECK_STR(text, "xl: progress: saving: 100/200   50%\n"
			"xl: progress: saving: 200/200  100%\n"
			"xl: progress: loading: 0/0    0%\n");
	xtl_logger_destroy(l);
	fclose(f);
}

/* Redrawn in place: each step over the last, a message first erases it. */
static void test_progress_in_place(void)
{
	FILE *f = stream();
	xentoollog_logger_stdiostream *lg =
	    xtl_createlogger_stdiostream(f, XTL_PROGRESS, XTL_STDIOSTREAM_PROGRESS_USE_CR);
	xentoollog_logger *l = (xentoollog_logger *)lg;

	xtl_progress(l, NULL, "copy", 10, 100);
	xtl_log(l, XTL_ERROR, -1, "x", "y");
	xtl_progress(l, NULL, "copy", 100, 100);
	fflush(f);
	CHECK_STR(text, "\rcopy: 10/100   10%"
			"\r                  \r"
			"x: error: y\n"
			"\rcopy: 100/100  100%\n");
	xtl_logger_destroy(l);
	fclose(f);
}

static void test_refused_flags(void)
{
	errno = 0;
	CHECK(!xtl_createlogger_stdiostream(
	    stderr, XTL_INFO, XTL_STDIOSTREAM_PROGRESS_USE_CR | XTL_STDIOSTREAM_PROGRESS_NO_CR));
	CHECK_INT(errno, EINVAL);
	CHECK_STR(xtl_level_to_string(XTL_WARN), "warning");
	CHECK_STR(xtl_level_to_string(XTL_CRITICAL), "critical");
	CHECK_STR(xtl_level_to_string((xentoollog_level)99), "invalid");
}

/* A consumer of one's own, Xen's way. */
typedef struct {
	xentoollog_logger vtable;
	int messages, destroyed;
} xentoollog_logger_counting;

static int counting_freed;

static void counting_vmessage(xentoollog_logger *l, xentoollog_level level, int errnoval, const char *context,
			      const char *format, va_list al)
{
	(void)level, (void)errnoval, (void)context, (void)format, (void)al;
	((xentoollog_logger_counting *)l)->messages++;
}

static void counting_progress(xentoollog_logger *l, const char *context, const char *doing_what, int percent,
			      unsigned long done, unsigned long total)
{
	(void)l, (void)context, (void)doing_what, (void)percent, (void)done, (void)total;
}

static void counting_destroy(xentoollog_logger *l)
{
	counting_freed++;
	free(l);
}

static void test_new_logger_macro(void)
{
	xentoollog_logger_counting buf = {.messages = 0};
	xentoollog_logger_counting *c = XTL_NEW_LOGGER(counting, buf);

	CHECK(c != NULL && c->vtable.vmessage == counting_vmessage);
	xtl_log(&c->vtable, XTL_INFO, -1, "t", "one");
	xtl_log(&c->vtable, XTL_INFO, -1, "t", "two");
	CHECK_INT(c->messages, 2);
	xtl_logger_destroy(&c->vtable);
	CHECK_INT(counting_freed, 1);
}

int main(void)
{
	RUN(test_message_lines);
	RUN(test_pid_and_date);
	RUN(test_progress_lines);
	RUN(test_progress_in_place);
	RUN(test_refused_flags);
	RUN(test_new_logger_macro);
	free(text);
	return unit_done();
}
