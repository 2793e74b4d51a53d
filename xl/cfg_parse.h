/*
 * cfg_parse.h: the xl.cfg(5) / xl.conf(5) file grammar, parsed into a small
 * tree of settings.
 *
 *   file     := { [ setting ] ( NEWLINE | ';' ) }
 *   setting  := NAME ( '=' | '+=' ) value
 *   value    := NUMBER | STRING | '[' { NEWLINE } [ value { ',' value } [ ',' ] ] ']'
 *               (newlines allowed anywhere inside a list)
 *   NAME     := [A-Za-z_][A-Za-z0-9_.]*
 *   NUMBER   := decimal | 0x hex | 0-prefixed octal
 *   STRING   := '...' or "..." on one line, with C escapes
 *   '#' starts a comment to the end of the line.
 *
 * A later `key = value` replaces an earlier one; `key += value` appends to
 * an earlier string or list of the same kind. Every error message starts
 * with "source:line:column: " and says what was expected.
 */
#ifndef XENON_XL_CFG_PARSE_H
#define XENON_XL_CFG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_ERR_MAX   512
#define CFG_MAX_DEPTH 32 /* lists nested deeper than this are refused */

struct cfg_loc {
	const char *source; /* file name (owned by the struct cfg) */
	int line, col;	    /* from 1 */
};

enum cfg_kind {
	CFG_STRING,
	CFG_NUMBER,
	CFG_LIST,
};

struct cfg_value {
	enum cfg_kind kind;
	char *text;		  /* STRING: unquoted text; NUMBER: as written */
	struct cfg_value **items; /* LIST */
	size_t count;
	struct cfg_loc loc;
};

struct cfg_setting {
	char *name;
	struct cfg_value *value;
	struct cfg_loc loc; /* where it was (last) set */
	struct cfg_setting *next;
};

struct cfg {
	struct cfg_setting *settings; /* in order of first appearance */
	char **sources;
	size_t n_sources;
};

void cfg_init(struct cfg *cfg);
void cfg_dispose(struct cfg *cfg);

/*
 * Parse text (len bytes, NUL bytes are an error) from source (a file name,
 * or "command line") into cfg, on top of what it holds already. On error
 * returns -EINVAL (-ENOMEM) and writes "source:line:col: message" to err;
 * cfg then holds the settings before the error.
 */
int cfg_parse(struct cfg *cfg, const char *source, const char *text, size_t len, char *err);

/* Read and parse a file; -errno with a message in err when unreadable. */
int cfg_parse_file(struct cfg *cfg, const char *path, char *err);

const struct cfg_setting *cfg_find(const struct cfg *cfg, const char *name);

/* Format "source:line:col: ..." into err (CFG_ERR_MAX bytes); returns -EINVAL. */
int cfg_error(char *err, const struct cfg_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The number a value holds: a NUMBER, or a STRING that reads as one (as Xen
 * accepts memory = "512"). -EINVAL / -ERANGE (> max), message in err.
 */
int cfg_value_u64(const struct cfg_value *v, const char *name, uint64_t max, uint64_t *out, char *err);

/* A string (a NUMBER reads as its text, as in Xen). -EINVAL for a list. */
int cfg_value_string(const struct cfg_value *v, const char *name, const char **out, char *err);

/* cfg_value_string, copied into *field (the old value freed); -ENOMEM. */
int cfg_value_strdup(const struct cfg_value *v, const char *name, char **field, char *err);

/* Human name of a kind ("a number", "a string", "a list") for messages. */
const char *cfg_kind_name(enum cfg_kind kind);

#endif
