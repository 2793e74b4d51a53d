/* cfg_lex.h: tokens of the xl.cfg grammar (internal to the parser). */
#ifndef XENON_XL_CFG_LEX_H
#define XENON_XL_CFG_LEX_H

#include <stddef.h>

#include "xl/cfg_parse.h"

enum token_type {
	TOK_EOF,
	TOK_NEWLINE,
	TOK_NAME,
	TOK_NUMBER,
	TOK_STRING,
	TOK_EQ,
	TOK_PLUSEQ,
	TOK_LBRACKET,
	TOK_RBRACKET,
	TOK_COMMA,
	TOK_SEMICOLON,
};

struct token {
	enum token_type type;
	char *text; /* NAME, NUMBER, STRING (unquoted); malloc'd */
	int line, col;
};

struct lexer {
	const char *source;
	const char *p, *end;
	int line, col;
	char *err; /* CFG_ERR_MAX bytes */
};

void lex_init(struct lexer *lx, const char *source, const char *text, size_t len, char *err);
/* The next token into tok (freeing its previous text); -EINVAL with err set. */
int lex_next(struct lexer *lx, struct token *tok);
/* "end of line", "'='", "number 12", ... for messages. */
const char *token_desc(const struct token *tok, char *buf, size_t len);

#endif
