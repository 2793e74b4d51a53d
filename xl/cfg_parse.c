/*
 * cfg_parse.c: the recursive-descent parser of the xl.cfg grammar and the
 * settings it builds (see cfg_parse.h for the grammar).
 */
#include "xl/cfg_parse.h"
#include "xl/cfg_lex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct parser {
	struct lexer lx;
	struct token tok;
	struct cfg *cfg;
	const char *source;
	const char *name; /* the setting being parsed, for messages */
	char *err;
};

int cfg_error(char *err, const struct cfg_loc *loc, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (loc && loc->source)
		n = snprintf(err, CFG_ERR_MAX, "%s:%d:%d: ", loc->source, loc->line, loc->col);
	if (n < 0 || n >= CFG_ERR_MAX)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err + n, CFG_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *cfg_kind_name(enum cfg_kind kind)
{
	switch (kind) {
	case CFG_STRING:
		return "a string";
	case CFG_NUMBER:
		return "a number";
	case CFG_LIST:
		return "a list";
	}
	return "a value";
}

/* ---- values ------------------------------------------------------------ */

static void value_free(struct cfg_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->count; i++)
		value_free(v->items[i]);
	free(v->items);
	free(v->text);
	free(v);
}

static struct cfg_value *value_new(enum cfg_kind kind, const struct cfg_loc *loc)
{
	struct cfg_value *v = calloc(1, sizeof(*v));

	if (v) {
		v->kind = kind;
		v->loc = *loc;
	}
	return v;
}

static int list_append(struct cfg_value *list, struct cfg_value *item)
{
	struct cfg_value **items = realloc(list->items, (list->count + 1) * sizeof(*items));

	if (!items)
		return -ENOMEM;
	list->items = items;
	items[list->count++] = item;
	return 0;
}

/* ---- the parser --------------------------------------------------------- */

static int next(struct parser *ps)
{
	return lex_next(&ps->lx, &ps->tok);
}

static struct cfg_loc tok_loc(const struct parser *ps)
{
	return (struct cfg_loc){ps->source, ps->tok.line, ps->tok.col};
}

/* "expected WHAT, found <the current token>" at the current token. */
static int expected(struct parser *ps, const char *what)
{
	struct cfg_loc loc = tok_loc(ps);
	char buf[64];

	return cfg_error(ps->err, &loc, "expected %s, found %s", what,
			 token_desc(&ps->tok, buf, sizeof(buf)));
}

static int skip_newlines(struct parser *ps)
{
	int rc = 0;

	while (rc == 0 && ps->tok.type == TOK_NEWLINE)
		rc = next(ps);
	return rc;
}

static int parse_value(struct parser *ps, int depth, struct cfg_value **out);

static int parse_list_items(struct parser *ps, int depth, struct cfg_value *list)
{
	struct cfg_value *item;
	char what[160];
	int rc;

	snprintf(what, sizeof(what), "',' or ']' in the list of '%s' opened at line %d column %d", ps->name,
		 list->loc.line, list->loc.col);
	for (;;) {
		if ((rc = skip_newlines(ps)) < 0)
			return rc;
		if (ps->tok.type == TOK_RBRACKET)
			return next(ps);
		if ((rc = parse_value(ps, depth + 1, &item)) < 0)
			return rc;
		if ((rc = list_append(list, item)) < 0) {
			value_free(item);
			return rc;
		}
		if ((rc = skip_newlines(ps)) < 0)
			return rc;
		if (ps->tok.type == TOK_COMMA) {
			if ((rc = next(ps)) < 0)
				return rc;
			continue;
		}
		if (ps->tok.type != TOK_RBRACKET)
			return expected(ps, what);
	}
}

static int parse_value(struct parser *ps, int depth, struct cfg_value **out)
{
	struct cfg_loc loc = tok_loc(ps);
	struct cfg_value *v;
	char what[160];
	int rc;

	if (ps->tok.type == TOK_NUMBER || ps->tok.type == TOK_STRING) {
		v = value_new(ps->tok.type == TOK_NUMBER ? CFG_NUMBER : CFG_STRING, &loc);
		if (!v)
			return -ENOMEM;
		v->text = ps->tok.text;
		ps->tok.text = NULL;
		rc = next(ps);
		if (rc < 0) {
			value_free(v);
			return rc;
		}
		*out = v;
		return 0;
	}
	if (ps->tok.type != TOK_LBRACKET) {
		snprintf(what, sizeof(what), "a value for '%s' (a number, a \"string\" or a [list])",
			 ps->name);
		return expected(ps, what);
	}
	if (depth >= CFG_MAX_DEPTH)
		return cfg_error(ps->err, &loc, "lists nested too deeply (more than %d levels)",
				 CFG_MAX_DEPTH);
	v = value_new(CFG_LIST, &loc);
	if (!v)
		return -ENOMEM;
	rc = next(ps);
	if (rc == 0)
		rc = parse_list_items(ps, depth, v);
	if (rc < 0) {
		value_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

static struct cfg_setting *find_setting(const struct cfg *cfg, const char *name)
{
	struct cfg_setting *s;

	for (s = cfg->settings; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

const struct cfg_setting *cfg_find(const struct cfg *cfg, const char *name)
{
	return find_setting(cfg, name);
}

/* name += v: join v onto the earlier value (consumes v on success). */
static int append_value(struct cfg_setting *old, struct cfg_value *v, char *err)
{
	struct cfg_value *prev = old->value;
	size_t i;
	char *joined;

	if (prev->kind == CFG_NUMBER || v->kind == CFG_NUMBER)
		return cfg_error(err, &v->loc, "'+=' cannot be used with numbers ('%s' was set at line %d)",
				 old->name, old->loc.line);
	if (prev->kind != v->kind)
		return cfg_error(err, &v->loc, "'+=' cannot add %s to %s ('%s' was set at line %d)",
				 cfg_kind_name(v->kind), cfg_kind_name(prev->kind), old->name, old->loc.line);
	if (v->kind == CFG_STRING) {
		if (asprintf(&joined, "%s%s", prev->text, v->text) < 0)
			return -ENOMEM;
		free(prev->text);
		prev->text = joined;
	} else {
		for (i = 0; i < v->count; i++) {
			if (list_append(prev, v->items[i]) < 0)
				return -ENOMEM;
			v->items[i] = NULL;
		}
		v->count = 0;
	}
	value_free(v);
	return 0;
}

/* Store name = v (or +=); consumes name and v on success. */
static int store(struct parser *ps, char *name, bool append, struct cfg_value *v, struct cfg_loc loc)
{
	struct cfg_setting *s = find_setting(ps->cfg, name), **tail;
	int rc;

	if (s && append) {
		rc = append_value(s, v, ps->err);
		if (rc < 0)
			return rc;
		free(name);
		s->loc = loc;
		return 0;
	}
	if (s) {
		value_free(s->value);
		s->value = v;
		s->loc = loc;
		free(name);
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->name = name;
	s->value = v;
	s->loc = loc;
	for (tail = &ps->cfg->settings; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	return 0;
}

static int parse_setting(struct parser *ps)
{
	struct cfg_loc loc = tok_loc(ps);
	struct cfg_value *v = NULL;
	char what[160], *name = ps->tok.text;
	bool append;
	int rc;

	ps->tok.text = NULL;
	ps->name = name;
	if ((rc = next(ps)) < 0)
		goto fail;
	if (ps->tok.type != TOK_EQ && ps->tok.type != TOK_PLUSEQ) {
		snprintf(what, sizeof(what), "'=' or '+=' after '%s'", name);
		rc = expected(ps, what);
		goto fail;
	}
	append = ps->tok.type == TOK_PLUSEQ;
	if ((rc = next(ps)) < 0 || (rc = parse_value(ps, 0, &v)) < 0)
		goto fail;
	if (ps->tok.type != TOK_NEWLINE && ps->tok.type != TOK_SEMICOLON && ps->tok.type != TOK_EOF) {
		snprintf(what, sizeof(what), "end of line or ';' after the value of '%s'", name);
		rc = expected(ps, what);
		goto fail;
	}
	if ((rc = store(ps, name, append, v, loc)) < 0)
		goto fail;
	return 0;
fail:
	value_free(v);
	free(name);
	return rc;
}

static int parse_file(struct parser *ps)
{
	int rc = next(ps);

	while (rc == 0) {
		switch (ps->tok.type) {
		case TOK_EOF:
			return 0;
		case TOK_NEWLINE:
		case TOK_SEMICOLON:
			rc = next(ps);
			break;
		case TOK_NAME:
			rc = parse_setting(ps);
			break;
		default:
			rc = expected(ps, "a setting name (as in 'memory = 512')");
		}
	}
	return rc;
}

/* Keep a copy of source for the lifetime of cfg (locations point at it). */
static const char *keep_source(struct cfg *cfg, const char *source)
{
	char **grown = realloc(cfg->sources, (cfg->n_sources + 1) * sizeof(*grown));
	char *copy;

	if (!grown)
		return NULL;
	cfg->sources = grown;
	copy = strdup(source);
	if (copy)
		grown[cfg->n_sources++] = copy;
	return copy;
}

int cfg_parse(struct cfg *cfg, const char *source, const char *text, size_t len, char *err)
{
	struct parser ps = {.cfg = cfg, .err = err};
	int rc;

	err[0] = 0;
	ps.source = keep_source(cfg, source);
	if (ps.source) {
		lex_init(&ps.lx, ps.source, text, len, err);
		rc = parse_file(&ps);
		free(ps.tok.text);
	} else {
		rc = -ENOMEM;
	}
	if (rc == -ENOMEM && !err[0])
		snprintf(err, CFG_ERR_MAX, "%s: out of memory", source);
	return rc;
}

void cfg_init(struct cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

void cfg_dispose(struct cfg *cfg)
{
	struct cfg_setting *s, *n;
	size_t i;

	for (s = cfg->settings; s; s = n) {
		n = s->next;
		value_free(s->value);
		free(s->name);
		free(s);
	}
	for (i = 0; i < cfg->n_sources; i++)
		free(cfg->sources[i]);
	free(cfg->sources);
	memset(cfg, 0, sizeof(*cfg));
}

#define CFG_MAX_FILE (4u << 20) /* a config file is small; refuse anything huge */

static int read_all(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *grown;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap >= CFG_MAX_FILE) {
				free(buf);
				return -EFBIG;
			}
			cap *= 2;
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

int cfg_parse_file(struct cfg *cfg, const char *path, char *err)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, CFG_ERR_MAX, "%s: cannot open the configuration file: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		rc = -EISDIR;
	else
		rc = read_all(fd, &text, &len);
	close(fd);
	if (rc < 0) {
		snprintf(err, CFG_ERR_MAX, "%s: cannot read the configuration file: %s", path, strerror(-rc));
		return rc;
	}
	rc = cfg_parse(cfg, path, text, len, err);
	free(text);
	return rc;
}

/* ---- typed access ------------------------------------------------------ */

/* Strictly a whole number: decimal, 0x hex or 0-prefixed octal; no sign or blanks. */
static int text_to_u64(const char *s, uint64_t *out)
{
	const char *digits = s, *valid = "0123456789";
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
		valid = "0123456789abcdefABCDEF";
	} else if (s[0] == '0') {
		base = 8;
		valid = "01234567";
	}
	if (!*digits || !strchr(valid, *digits))
		return -EINVAL;
	errno = 0;
	*out = strtoull(digits, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	return 0;
}

int cfg_value_u64(const struct cfg_value *v, const char *name, uint64_t max, uint64_t *out, char *err)
{
	uint64_t n;
	int rc;

	if (v->kind == CFG_LIST)
		return cfg_error(err, &v->loc, "'%s' must be a number, not a list", name);
	rc = text_to_u64(v->text, &n);
	if (rc == -EINVAL && v->kind == CFG_STRING)
		return cfg_error(err, &v->loc, "'%s' must be a number, not the string \"%.60s\"", name,
				 v->text);
	if (rc == -EINVAL)
		return cfg_error(err, &v->loc, "'%s' must be a number, not %.60s", name, v->text);
	if (rc == -ERANGE || n > max) {
		cfg_error(err, &v->loc, "'%s' = %.40s is too large (at most %llu)", name, v->text,
			  (unsigned long long)max);
		return -ERANGE;
	}
	*out = n;
	return 0;
}

int cfg_value_string(const struct cfg_value *v, const char *name, const char **out, char *err)
{
	if (v->kind == CFG_LIST)
		return cfg_error(err, &v->loc, "'%s' must be a single value, not a list", name);
	*out = v->text;
	return 0;
}

int cfg_value_strdup(const struct cfg_value *v, const char *name, char **field, char *err)
{
	const char *text = NULL;
	char *copy;
	int rc = cfg_value_string(v, name, &text, err);

	if (rc < 0)
		return rc;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}
