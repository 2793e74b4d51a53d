/* Value escaping as Xen's clients do it (client.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "strutil.h"

char *value_escape(const char *val, size_t len)
{
	char *out = malloc(len * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = val[i];

		if (ch >= ' ' && ch <= '~' && ch != '\\') {
			*o++ = ch;
			continue;
		}
		switch (ch) {
		case '\t':
			o += sprintf(o, "\\t");
			break;
		case '\n':
			o += sprintf(o, "\\n");
			break;
		case '\r':
			o += sprintf(o, "\\r");
			break;
		case '\\':
			o += sprintf(o, "\\\\");
			break;
		default:
			o += sprintf(o, ch < 8 ? "\\%03o" : "\\x%02x", ch);
		}
	}
	*o = 0;
	return out;
}

size_t value_unescape(const char *in, char *out)
{
	char *o = out;

	while (*in) {
		char c = *in++;
		int n, v;

		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = *in;
		if (!c) { /* a trailing backslash stands for a NUL, as in Xen's */
			*o++ = 0;
			break;
		}
		in++;
		switch (c) {
		case 't':
			*o++ = '\t';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'x':
			for (v = 0, n = 0; n < 2 && hex_digit_value(*in) >= 0; n++)
				v = v * 16 + hex_digit_value(*in++);
			*o++ = v;
			break;
		default:
			if (c >= '0' && c <= '7') {
				for (v = c - '0', n = 1; n < 3 && *in >= '0' && *in <= '7'; n++)
					v = v * 8 + (*in++ - '0');
				*o++ = v;
			} else {
				*o++ = c;
			}
		}
	}
	return o - out;
}
