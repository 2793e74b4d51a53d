/*
 * libFuzzer target: the guest console's last lines as xenon-hv logs them
 * after a crash (hv_console_tail_lines, hypervisor/console.c): whatever the
 * guest wrote, at most max_lines lines come out (the first byte), each
 * non-empty, printable ASCII only and at most HV_CONSOLE_LOG_LINE_MAX long.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/hv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned emitted;

static void check_line(void *arg, const char *line)
{
	size_t n = strlen(line);

	(void)arg;
	if (n == 0 || n > HV_CONSOLE_LOG_LINE_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (line[i] < ' ' || line[i] > '~')
			abort();
	emitted++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned max;

	if (size < 1)
		return 0;
	max = data[0] % 32;
	emitted = 0;
	if (hv_console_tail_lines(data + 1, size - 1, max, check_line, NULL) != emitted || emitted > max)
		abort();
	return 0;
}
