#include "strutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_prefix(const char *s, uint64_t *out, char **end)
{
	int base = 10;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	}
	errno = 0;
	*out = strtoull(s, end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end == s)
		return -EINVAL;
	return 0;
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	char *end;
	int rc = parse_prefix(s, &v, &end);

	if (rc < 0)
		return rc;
	if (*end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v;
	char *end;
	unsigned shift = 0;
	int rc = parse_prefix(s, &v, &end);

	if (rc < 0)
		return rc;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && !((end[1] == 'B' || end[1] == 'b') && !end[2]))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

int str_vprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

int str_printf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char proc_stat_state_letter(const char *line)
{
	/* "pid (comm) S ...": comm may hold spaces and parentheses. */
	const char *end = strrchr(line, ')');

	if (!end || end[1] != ' ' || !end[2] || end[2] == ' ' || end[2] == '\n')
		return 0;
	return end[2];
}

char proc_stat_state(const char *path)
{
	return proc_stat_state_at(AT_FDCWD, path);
}

char proc_stat_state_at(int dirfd, const char *path)
{
	char line[512];
	ssize_t n;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	line[n] = '\0';
	return proc_stat_state_letter(line);
}

int proc_stat_start_time(int pid, uint64_t *start)
{
	char path[64], line[1024], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	line[n] = '\0';
	/* "pid (comm) state ...": comm may hold ')' and spaces; field 3 (state) follows the last ')'. */
	p = strrchr(line, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	return end == p + 1 || errno ? -EIO : 0;
}

int stdio_guard(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		null = open("/dev/null", O_RDWR); /* the lowest free number: fd */
		if (null < 0)
			return -errno;
		if (null != fd) { /* cannot happen while fd is free; be safe */
			close(null);
			return -EBADF;
		}
	}
	return 0;
}

int str_word_bits(const char *list, const char *const *names, unsigned n, uint32_t *bits, char *bad,
		  size_t badlen)
{
	char buf[256], *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, list);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		unsigned i;

		for (i = 0; i < n && strcmp(w, names[i]); i++)
			;
		if (i == n) {
			snprintf(bad, badlen, "%s", w);
			return -EINVAL;
		}
		*bits |= 1U << i;
	}
	return 0;
}
