/*
 * virtio_mmio.device= arguments of the command line: see mmio_arg.h.
 * No library calls, so the same file builds for the guest and the fuzzer.
 */
#include "mmio_arg.h"

#define ERR_INVAL (-22)

/* A C integer (decimal, 0x hex, 0 octal) from s[*i..len); 0, or -1 if none or too big. */
static int parse_num(const char *s, size_t len, size_t *i, uint64_t *v)
{
	unsigned int radix = 10, digits = 0;

	*v = 0;
	if (*i + 1 < len && s[*i] == '0' && (s[*i + 1] == 'x' || s[*i + 1] == 'X')) {
		radix = 16;
		*i += 2;
	} else if (*i < len && s[*i] == '0') {
		radix = 8;
	}
	for (; *i < len; (*i)++, digits++) {
		char c = s[*i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			break;
		if (d >= radix)
			break;
		if (*v > (UINT64_MAX - d) / radix)
			return -1;
		*v = *v * radix + d;
	}
	return digits ? 0 : -1;
}

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return ERR_INVAL;
}

static int size_suffix(const char *s, size_t len, size_t *i, uint64_t *size)
{
	static const struct {
		char c;
		unsigned int shift;
	} sfx[] = {{'K', 10}, {'k', 10}, {'M', 20}, {'m', 20}, {'G', 30}, {'g', 30}};
	size_t k;

	if (*i >= len)
		return 0;
	for (k = 0; k < sizeof(sfx) / sizeof(sfx[0]); k++) {
		if (s[*i] != sfx[k].c)
			continue;
		if (*size > MMIO_ARG_MAX_SIZE)
			return -1;
		*size <<= sfx[k].shift;
		(*i)++;
		return 0;
	}
	return 0;
}

int mmio_arg_parse(const char *s, size_t len, struct mmio_arg *arg, const char **why)
{
	uint64_t irq, id;
	size_t i = 0;

	if (parse_num(s, len, &i, &arg->size) || size_suffix(s, len, &i, &arg->size))
		return fail(why, "the size is not a number (<size>@<base>:<irq>, e.g. 4K@0xd0000000:5)");
	if (!arg->size || arg->size > MMIO_ARG_MAX_SIZE)
		return fail(why, "the size is 0 or over 1 MiB");
	if (i >= len || s[i++] != '@' || parse_num(s, len, &i, &arg->base))
		return fail(why, "no @<base> after the size");
	if (arg->base >= MMIO_ARG_LIMIT || arg->size > MMIO_ARG_LIMIT - arg->base)
		return fail(why, "the window does not end below 4 GiB");
	if (i >= len || s[i++] != ':' || parse_num(s, len, &i, &irq))
		return fail(why, "no :<irq> after the base");
	if (irq > 255)
		return fail(why, "the irq is over 255");
	arg->irq = (uint32_t)irq;
	if (i < len && s[i] == ':' && (i++, parse_num(s, len, &i, &id)))
		return fail(why, "the platform device id after the irq is not a number");
	if (i != len)
		return fail(why, "unexpected text after the irq");
	return 0;
}

/* The word starting at start: up to a space outside double quotes. */
static size_t word_end(const char *cmdline, size_t start)
{
	size_t i = start;
	int quoted = 0;

	for (; cmdline[i]; i++) {
		if (cmdline[i] == '"')
			quoted = !quoted;
		else if (cmdline[i] == ' ' && !quoted)
			break;
	}
	return i;
}

int mmio_arg_next(const char *cmdline, size_t *pos, struct mmio_arg *arg, const char **why, const char **word,
		  size_t *word_len)
{
	static const char prefix[] = MMIO_ARG_PREFIX;
	const size_t plen = sizeof(prefix) - 1;
	size_t i = *pos;

	while (cmdline[i]) {
		size_t start, end, k;

		while (cmdline[i] == ' ')
			i++;
		start = i;
		end = word_end(cmdline, start);
		i = end;
		if (end - start < plen)
			continue;
		for (k = 0; k < plen && cmdline[start + k] == prefix[k]; k++)
			;
		if (k < plen)
			continue;
		*pos = end;
		*word = cmdline + start;
		*word_len = end - start;
		return mmio_arg_parse(cmdline + start + plen, end - start - plen, arg, why) ? ERR_INVAL : 1;
	}
	*pos = i;
	return 0;
}
