/*
 * cfg_lex.c: the lexer of the xl.cfg grammar (see cfg_parse.h). It turns
 * the text into tokens with their line and column, unquoting strings and
 * checking numbers as it goes.
 */
#include "xl/cfg_lex.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lex_init(struct lexer *lx, const char *source, const char *text, size_t len, char *err)
{
	memset(lx, 0, sizeof(*lx));
	lx->source = source;
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->col = 1;
	lx->err = err;
}

static int peekc(const struct lexer *lx, size_t ahead)
{
	return lx->p + ahead < lx->end ? (unsigned char)lx->p[ahead] : -1;
}

/* Can the character ahead go on a NAME (or a number run into letters)? */
static bool name_char(const struct lexer *lx, size_t ahead)
{
	int c = peekc(lx, ahead);

	return isalnum(c) || c == '_' || c == '.';
}

static void advance(struct lexer *lx, size_t n)
{
	while (n-- && lx->p < lx->end) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
		lx->p++;
	}
}

static int __attribute__((format(printf, 4, 5)))
lex_error(struct lexer *lx, int line, int col, const char *fmt, ...)
{
	struct cfg_loc loc = {lx->source, line, col};
	char msg[CFG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_error(lx->err, &loc, "%s", msg);
}

/* Describe a character for a message: 'x', or a code for control bytes. */
static const char *char_desc(int c, char *buf, size_t len)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", (unsigned)c & 0xff);
	return buf;
}

static void skip_blanks_and_comments(struct lexer *lx)
{
	for (;;) {
		int c = peekc(lx, 0);

		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			advance(lx, 1);
		} else if (c == '#') {
			while (peekc(lx, 0) != -1 && peekc(lx, 0) != '\n')
				advance(lx, 1);
		} else {
			return;
		}
	}
}

static int lex_name(struct lexer *lx, struct token *tok)
{
	size_t n = 0;

	while (name_char(lx, n))
		n++;
	tok->type = TOK_NAME;
	tok->text = strndup(lx->p, n);
	if (!tok->text)
		return -ENOMEM;
	advance(lx, n);
	return 0;
}

/* Decimal, 0x hex or 0-prefixed octal; a letter or digit right after is an error. */
static int lex_number(struct lexer *lx, struct token *tok)
{
	size_t n = 0;
	int line = lx->line, col = lx->col;
	char buf[80];

	if (peekc(lx, 0) == '0' && (peekc(lx, 1) == 'x' || peekc(lx, 1) == 'X')) {
		n = 2;
		while (isxdigit(peekc(lx, n)))
			n++;
		if (n == 2)
			return lex_error(lx, line, col, "expected hex digits after '0x'");
	} else if (peekc(lx, 0) == '0') {
		n = 1;
		while (peekc(lx, n) >= '0' && peekc(lx, n) <= '7')
			n++;
	} else {
		while (isdigit(peekc(lx, n)))
			n++;
	}
	if (name_char(lx, n)) {
		size_t m = n;

		while (name_char(lx, m))
			m++;
		snprintf(buf, sizeof(buf), "%.*s", (int)(m < 40 ? m : 40), lx->p);
		return lex_error(lx, line, col,
				 "invalid number '%s' (numbers are decimal, 0x hex or 0-prefixed octal;"
				 " quote text)",
				 buf);
	}
	tok->type = TOK_NUMBER;
	tok->text = strndup(lx->p, n);
	if (!tok->text)
		return -ENOMEM;
	advance(lx, n);
	return 0;
}

/* Value of up to max digits of base at q; *used gets how many were read. */
static int escape_number(const char *q, const char *end, int base, int max, int *used)
{
	int v = 0, n = 0;

	while (n < max && q + n < end) {
		int c = (unsigned char)q[n], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
		n++;
	}
	*used = n;
	return v;
}

static const char simple_escapes[] = "\"\"''\\\\a\ab\bf\fn\nr\rt\tv\v";

/* One escape sequence after a backslash at lx->p; appends to out. */
static int lex_escape(struct lexer *lx, char *out, size_t *o)
{
	int line = lx->line, col = lx->col, c = peekc(lx, 1), used = 0, v;
	const char *s;
	char desc[16];

	for (s = simple_escapes; c > 0 && *s; s += 2) {
		if (*s == c) {
			out[(*o)++] = s[1];
			advance(lx, 2);
			return 0;
		}
	}
	if (c == 'x') {
		v = escape_number(lx->p + 2, lx->end, 16, 2, &used);
		if (!used)
			return lex_error(lx, line, col, "expected hex digits after '\\x' in string");
		advance(lx, 2 + used);
	} else if (c >= '0' && c <= '7') {
		v = escape_number(lx->p + 1, lx->end, 8, 3, &used);
		if (v > 0xff)
			return lex_error(lx, line, col, "octal escape out of range (max \\377)");
		advance(lx, 1 + used);
	} else {
		if (c == -1 || c == '\n')
			return lex_error(lx, line, col,
					 "unterminated string: expected the closing quote on the same line");
		if (c >= 0x20 && c < 0x7f)
			return lex_error(lx, line, col,
					 "invalid escape '\\%c' in string (write \\\\ for a backslash)", c);
		return lex_error(lx, line, col, "invalid escape in string: backslash before %s",
				 char_desc(c, desc, sizeof(desc)));
	}
	if (v == 0)
		return lex_error(lx, line, col, "a string cannot hold a NUL character (\\0)");
	out[(*o)++] = (char)v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (of n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || (c >= 0xd800 && c <= 0xdfff) ||
	    c > 0x10ffff)
		return 0;
	return len;
}

/* Strings end up in JSON and xenstore: they must be UTF-8. */
static int check_utf8(struct lexer *lx, const char *s, size_t n, int line, int col)
{
	size_t i = 0, len;

	while (i < n) {
		len = utf8_len((const unsigned char *)s + i, n - i);
		if (!len)
			return lex_error(lx, line, col, "invalid UTF-8 in string (byte 0x%02x at offset %zu)",
					 (unsigned char)s[i], i);
		i += len;
	}
	return 0;
}

static int lex_string(struct lexer *lx, struct token *tok)
{
	int quote = peekc(lx, 0), line = lx->line, col = lx->col, rc;
	char *out = malloc((size_t)(lx->end - lx->p) + 1);
	size_t o = 0;

	if (!out)
		return -ENOMEM;
	advance(lx, 1);
	for (;;) {
		int c = peekc(lx, 0);

		if (c == quote) {
			advance(lx, 1);
			break;
		}
		if (c == -1 || c == '\n') {
			free(out);
			return lex_error(lx, line, col,
					 "unterminated string: expected a closing %s on the same line",
					 quote == '"' ? "'\"'" : "\"'\"");
		}
		if (c == '\\') {
			rc = lex_escape(lx, out, &o);
			if (rc < 0) {
				free(out);
				return rc;
			}
			continue;
		}
		if (c == 0) {
			free(out);
			return lex_error(lx, lx->line, lx->col, "a string cannot hold a NUL byte");
		}
		out[o++] = (char)c;
		advance(lx, 1);
	}
	out[o] = 0;
	rc = check_utf8(lx, out, o, line, col);
	if (rc < 0) {
		free(out);
		return rc;
	}
	tok->type = TOK_STRING;
	tok->text = out;
	return 0;
}

static int lex_punct(struct lexer *lx, struct token *tok)
{
	static const struct {
		const char *text;
		enum token_type type;
	} puncts[] = {
	    {"+=", TOK_PLUSEQ}, {"=", TOK_EQ},	      {"[", TOK_LBRACKET}, {"]", TOK_RBRACKET},
	    {",", TOK_COMMA},	{";", TOK_SEMICOLON}, {"\n", TOK_NEWLINE},
	};
	size_t i, n;
	char desc[16];

	for (i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
		n = strlen(puncts[i].text);
		if ((size_t)(lx->end - lx->p) >= n && !memcmp(lx->p, puncts[i].text, n)) {
			tok->type = puncts[i].type;
			advance(lx, n);
			return 0;
		}
	}
	/* As Xen's xl, hint at old configs written in Python. */
	return lex_error(lx, lx->line, lx->col, "unexpected character %s%s",
			 char_desc(peekc(lx, 0), desc, sizeof(desc)),
			 strchr("+-.():", peekc(lx, 0)) && peekc(lx, 0) > 0
			     ? " (xl config files are not Python: see xl.cfg(5))"
			     : "");
}

int lex_next(struct lexer *lx, struct token *tok)
{
	int c;

	free(tok->text);
	memset(tok, 0, sizeof(*tok));
	skip_blanks_and_comments(lx);
	tok->line = lx->line;
	tok->col = lx->col;
	c = peekc(lx, 0);
	if (c == -1) {
		tok->type = TOK_EOF;
		return 0;
	}
	if (isalpha(c) || c == '_')
		return lex_name(lx, tok);
	if (isdigit(c))
		return lex_number(lx, tok);
	if (c == '"' || c == '\'')
		return lex_string(lx, tok);
	return lex_punct(lx, tok);
}

const char *token_desc(const struct token *tok, char *buf, size_t len)
{
	switch (tok->type) {
	case TOK_EOF:
		return "end of file";
	case TOK_NEWLINE:
		return "end of line";
	case TOK_EQ:
		return "'='";
	case TOK_PLUSEQ:
		return "'+='";
	case TOK_LBRACKET:
		return "'['";
	case TOK_RBRACKET:
		return "']'";
	case TOK_COMMA:
		return "','";
	case TOK_SEMICOLON:
		return "';'";
	case TOK_NAME:
		snprintf(buf, len, "'%.40s'", tok->text);
		return buf;
	case TOK_NUMBER:
		snprintf(buf, len, "number %.40s", tok->text);
		return buf;
	case TOK_STRING:
		snprintf(buf, len, "string \"%.40s\"", tok->text);
		return buf;
	}
	return "?";
}
