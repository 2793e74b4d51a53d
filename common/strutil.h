/* Small string helpers shared by the toolstack programs. */
#ifndef XENON_STRUTIL_H
#define XENON_STRUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse an unsigned integer in base 10, or base 16 with a 0x prefix, that
 * must fill the whole string and be <= max. Returns 0 or -EINVAL / -ERANGE.
 */
int parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Parse a size with an optional K/M/G/T suffix (powers of 1024) into bytes. */
int parse_size(const char *s, uint64_t *bytes);

/* snprintf that reports truncation as -ENAMETOOLONG instead of hiding it;
 * returns the length written. */
int str_printf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int str_vprintf(char *buf, size_t len, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * Each comma-separated word of list ("user,mount") as bit 1 << i, i its
 * index in names[n], ORed into *bits. -E2BIG when list is too long (256
 * bytes), -EINVAL for a word not in names (copied into bad, badlen bytes).
 */
int str_word_bits(const char *list, const char *const *names, unsigned n, uint32_t *bits, char *bad,
		  size_t badlen);

/* The value of one hexadecimal digit, or -1. */
int hex_digit_value(char c);

/* The state letter ('R', 'S', 'Z'...) of a /proc/.../stat line, or 0. */
char proc_stat_state_letter(const char *stat_line);
/* The state letter of the stat file at path (/proc/<pid>/stat,
 * /proc/self/task/<tid>/stat); 0 when it cannot be read or parsed. */
char proc_stat_state(const char *path);
/* The same, path relative to dirfd (AT_FDCWD: as proc_stat_state). */
char proc_stat_state_at(int dirfd, const char *path);
/*
 * When process pid started: field 22 of /proc/<pid>/stat (clock ticks
 * since boot), set by the kernel, which the process cannot change.
 * -ESRCH when there is no such process.
 */
int proc_stat_start_time(int pid, uint64_t *start);

/*
 * Give each of fds 0, 1 and 2 that is closed /dev/null, first thing in
 * main(): otherwise the next file the program opens takes that number, and
 * code meaning standard input or output acts on it (xenon-hv started with
 * stdin closed read the guest's console input from whatever came first).
 */
int stdio_guard(void);

#endif
