#include "strutil.h"
#include "unit.h"

#include <errno.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <unistd.h>

static void test_parse_u64_decimal_and_hex(void)
{
	uint64_t v = 0;

	CHECK_INT(parse_u64("42", 100, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(parse_u64("0x1f", 100, &v), 0);
	CHECK_INT(v, 31);
	CHECK_INT(parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	CHECK(v == UINT64_MAX);
}

static void test_parse_u64_rejects_junk(void)
{
	uint64_t v = 7;

	CHECK_INT(parse_u64("", 100, &v), -EINVAL);
	CHECK_INT(parse_u64("12x", 100, &v), -EINVAL);
	CHECK_INT(parse_u64("-1", 100, &v), -EINVAL);
	CHECK_INT(parse_u64(" 1", 100, &v), -EINVAL);
	CHECK_INT(parse_u64("0x", 100, &v), -EINVAL);
	CHECK_INT(parse_u64("101", 100, &v), -ERANGE);
	CHECK_INT(parse_u64("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	CHECK_INT(v, 7);
}

static void test_parse_size_suffixes(void)
{
	uint64_t b = 0;

	CHECK_INT(parse_size("512", &b), 0);
	CHECK_INT(b, 512);
	CHECK_INT(parse_size("4k", &b), 0);
	CHECK_INT(b, 4096);
	CHECK_INT(parse_size("2M", &b), 0);
	CHECK_INT(b, 2 << 20);
	CHECK_INT(parse_size("1GB", &b), 0);
	CHECK_INT(b, 1 << 30);
	CHECK_INT(parse_size("1Q", &b), -EINVAL);
	CHECK_INT(parse_size("1MBx", &b), -EINVAL);
	CHECK_INT(parse_size("0xffffffffffffffffK", &b), -ERANGE);
}

static void test_str_printf_truncation(void)
{
	char buf[8];

	CHECK_INT(str_printf(buf, sizeof(buf), "%s", "short"), 5);
	CHECK_STR(buf, "short");
	CHECK_INT(str_printf(buf, sizeof(buf), "%s", "much too long"), -ENAMETOOLONG);
}

static void test_str_word_bits(void)
{
	static const char *const names[] = {"user", "mount", "ipc"};
	char bad[8], longer[300];
	uint32_t bits = 0;

	CHECK_INT(str_word_bits("ipc,user", names, 3, &bits, bad, sizeof(bad)), 0);
	CHECK_INT(bits, 5);
	CHECK_INT(str_word_bits(",,mount,", names, 3, &bits, bad, sizeof(bad)), 0);
	CHECK_INT(bits, 7);
	bits = 0;
	CHECK_INT(str_word_bits("user,chrootjail", names, 3, &bits, bad, sizeof(bad)), -EINVAL);
	CHECK(!strcmp(bad, "chrootj")); /* cut to its buffer */
	CHECK_INT(str_word_bits("", names, 3, &bits, bad, sizeof(bad)), 0);
	memset(longer, 'u', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	CHECK_INT(str_word_bits(longer, names, 3, &bits, bad, sizeof(bad)), -E2BIG);
}

static void test_hex_digit_value(void)
{
	CHECK_INT(hex_digit_value('0'), 0);
	CHECK_INT(hex_digit_value('9'), 9);
	CHECK_INT(hex_digit_value('a'), 10);
	CHECK_INT(hex_digit_value('F'), 15);
	CHECK_INT(hex_digit_value('g'), -1);
	CHECK_INT(hex_digit_value('\0'), -1);
}

/*
 * A process's start time (what tells xenon-hv from a process that took its
 * pid, whatever its command line): the kernel's, not moved by a name that
 * holds ") " and numbers; none for a pid that does not exist.
 */
static void test_pid_start_time(void)
{
	char saved[17] = "";
	uint64_t start = 0, again = 1;

	CHECK_INT(proc_stat_start_time(getpid(), &start), 0);
	CHECK(start > 0);
	prctl(PR_GET_NAME, saved);
	prctl(PR_SET_NAME, "x) R 1 2 3 4 5");
	CHECK_INT(proc_stat_start_time(getpid(), &again), 0);
	prctl(PR_SET_NAME, saved);
	CHECK(again == start);
	CHECK_INT(proc_stat_start_time(INT32_MAX, &again), -ESRCH);
}

int main(void)
{
	RUN(test_parse_u64_decimal_and_hex);
	RUN(test_parse_u64_rejects_junk);
	RUN(test_parse_size_suffixes);
	RUN(test_str_printf_truncation);
	RUN(test_str_word_bits);
	RUN(test_hex_digit_value);
	RUN(test_pid_start_time);
	return unit_done();
}
