/* Unit tests of the xl.cfg lexer and parser (xl/cfg_parse.c, xl/cfg_lex.c). */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "xl/cfg_parse.h"

static struct cfg cfg;
static char err[CFG_ERR_MAX];

static int parse(const char *text)
{
	cfg_dispose(&cfg);
	cfg_init(&cfg);
	return cfg_parse(&cfg, "t.cfg", text, strlen(text), err);
}

static const struct cfg_value *val(const char *name)
{
	const struct cfg_setting *s = cfg_find(&cfg, name);

	return s ? s->value : NULL;
}

static const char *str(const char *name)
{
	const struct cfg_value *v = val(name);

	return v && v->kind != CFG_LIST ? v->text : NULL;
}

static void test_settings_and_separators(void)
{
	CHECK_INT(parse("name = \"a\"\nmemory=64; vcpus = 2 ;\n\n# c\n  kernel='k' # tail\n"), 0);
	CHECK_STR(str("name"), "a");
	CHECK_STR(str("memory"), "64");
	CHECK_INT(val("memory")->kind, CFG_NUMBER);
	CHECK_STR(str("vcpus"), "2");
	CHECK_STR(str("kernel"), "k");
	CHECK_INT(val("kernel")->kind, CFG_STRING);
	CHECK_INT(val("kernel")->loc.line, 5);
	CHECK_INT(val("kernel")->loc.col, 10);
	CHECK(val("nothing") == NULL);
	/* no final newline, names with dots */
	CHECK_INT(parse("vif.default.bridge = \"br0\""), 0);
	CHECK_STR(str("vif.default.bridge"), "br0");
	CHECK_INT(parse(""), 0);
	CHECK(cfg.settings == NULL);
}

static void test_numbers(void)
{
	uint64_t n = 0;

	CHECK_INT(parse("a = 0x40\nb = 010\nc = 0\nd = 123"), 0);
	CHECK_INT(cfg_value_u64(val("a"), "a", 1000, &n, err), 0);
	CHECK_INT(n, 64);
	CHECK_INT(cfg_value_u64(val("b"), "b", 1000, &n, err), 0);
	CHECK_INT(n, 8);
	CHECK_INT(cfg_value_u64(val("c"), "c", 1000, &n, err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(cfg_value_u64(val("d"), "d", 100, &n, err), -ERANGE);
	CHECK_STR(err, "t.cfg:4:5: 'd' = 123 is too large (at most 100)");
	/* a quoted number is a number, as in Xen; text is not */
	CHECK_INT(parse("memory = \"512\"\nm2 = \"lots\"\nm3 = [1]"), 0);
	CHECK_INT(cfg_value_u64(val("memory"), "memory", UINT64_MAX, &n, err), 0);
	CHECK_INT(n, 512);
	CHECK_INT(cfg_value_u64(val("m2"), "m2", UINT64_MAX, &n, err), -EINVAL);
	CHECK_STR(err, "t.cfg:2:6: 'm2' must be a number, not the string \"lots\"");
	CHECK_INT(cfg_value_u64(val("m3"), "m3", UINT64_MAX, &n, err), -EINVAL);
	CHECK_STR(err, "t.cfg:3:6: 'm3' must be a number, not a list");
	CHECK_INT(parse("x = 18446744073709551616"), 0);
	CHECK_INT(cfg_value_u64(val("x"), "x", UINT64_MAX, &n, err), -ERANGE);
}

static void test_bad_numbers(void)
{
	CHECK_INT(parse("a = 08"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:5: invalid number '08' (numbers are decimal, 0x hex or 0-prefixed octal; "
		       "quote text)");
	CHECK_INT(parse("\n  a = 12abc\n"), -EINVAL);
	CHECK_STR(err, "t.cfg:2:7: invalid number '12abc' (numbers are decimal, 0x hex or 0-prefixed octal; "
		       "quote text)");
	CHECK_INT(parse("a = 0x"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:5: expected hex digits after '0x'");
}

static void test_strings(void)
{
	CHECK_INT(parse("a = \"x\\ty\\n\\\\\\\"\\x41\\101\\'\"\nb = 'it''s'\nc = ''\nd = 'a\"b'"), -EINVAL);
	/* 'it''s' is two strings in a row: an error after the first */
	CHECK_STR(err, "t.cfg:2:9: expected end of line or ';' after the value of 'b', found string \"s\"");
	CHECK_INT(parse("a = \"x\\ty\\n\\\\\\\"\\x41\\101\\'\"\nc = ''\nd = 'a\"b'\ne = \"\\x4a\\x4B\\7\""),
		  0);
	CHECK_STR(str("a"), "x\ty\n\\\"AA'");
	CHECK_STR(str("c"), "");
	CHECK_STR(str("d"), "a\"b");
	CHECK_STR(str("e"), "JK\a");
}

static void test_bad_strings(void)
{
	CHECK_INT(parse("name = \"abc\nx = 1"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:8: unterminated string: expected a closing '\"' on the same line");
	CHECK_INT(parse("name = 'abc"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:8: unterminated string: expected a closing \"'\" on the same line");
	CHECK_INT(parse("a = \"\\q\""), -EINVAL);
	CHECK_STR(err, "t.cfg:1:6: invalid escape '\\q' in string (write \\\\ for a backslash)");
	CHECK_INT(parse("a = \"\\0\""), -EINVAL);
	CHECK_STR(err, "t.cfg:1:6: a string cannot hold a NUL character (\\0)");
	CHECK_INT(parse("a = \"\\xg\""), -EINVAL);
	CHECK_STR(err, "t.cfg:1:6: expected hex digits after '\\x' in string");
	CHECK_INT(parse("a = \"\\777\""), -EINVAL);
	CHECK_STR(err, "t.cfg:1:6: octal escape out of range (max \\377)");
	CHECK_INT(cfg_parse(&cfg, "t.cfg", "a = \"x\0y\"", 9, err), -EINVAL);
	CHECK_STR(err, "t.cfg:1:7: a string cannot hold a NUL byte");
	/* strings go into JSON and xenstore: UTF-8 only */
	CHECK_INT(parse("a = \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), 0);
	CHECK_STR(str("a"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK_INT(parse("a = \"/u/\x8e\""), -EINVAL);
	CHECK_STR(err, "t.cfg:1:5: invalid UTF-8 in string (byte 0x8e at offset 3)");
	CHECK_INT(parse("a = 'x\xc0\xafy'"), -EINVAL);	 /* overlong '/' */
	CHECK_INT(parse("a = '\xed\xa0\x80'"), -EINVAL); /* a surrogate */
	CHECK_INT(parse("a = \"\\xff\""), -EINVAL);	 /* by escape too */
}

static void test_lists(void)
{
	const struct cfg_value *v;

	CHECK_INT(parse("disk = [ 'a',\n  'b', # two\n\n  [ 1, [], ],\n]\n"), 0);
	v = val("disk");
	CHECK(v && v->kind == CFG_LIST);
	if (!v || v->count != 3)
		return;
	CHECK_STR(v->items[0]->text, "a");
	CHECK_STR(v->items[1]->text, "b");
	CHECK_INT(v->items[1]->loc.line, 2);
	CHECK_INT(v->items[2]->kind, CFG_LIST);
	CHECK_INT(v->items[2]->count, 2);
	CHECK_INT(v->items[2]->items[1]->kind, CFG_LIST);
	CHECK_INT(v->items[2]->items[1]->count, 0);
	CHECK_INT(parse("e = []"), 0);
	CHECK_INT(val("e")->count, 0);
	CHECK_INT(parse("e = [\n]"), 0);
	CHECK_INT(val("e")->count, 0);
}

static void test_bad_lists(void)
{
	CHECK_INT(parse("a = [ , ]"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:7: expected a value for 'a' (a number, a \"string\" or a [list]), found ','");
	CHECK_INT(parse("a = [ 1 2 ]"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:9: expected ',' or ']' in the list of 'a' opened at line 1 column 5, "
		       "found number 2");
	CHECK_INT(parse("a = [ 1,\n 2\n"), -EINVAL);
	CHECK_STR(err, "t.cfg:3:1: expected ',' or ']' in the list of 'a' opened at line 1 column 5, "
		       "found end of file");
	CHECK_INT(parse("a = [ 1,, ]"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:9: expected a value for 'a' (a number, a \"string\" or a [list]), found ','");
	CHECK_INT(parse("a = ]"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:5: expected a value for 'a' (a number, a \"string\" or a [list]), found ']'");
}

static void test_depth_limit(void)
{
	char text[200] = "a = ";
	int i;

	for (i = 0; i < CFG_MAX_DEPTH + 1; i++)
		strcat(text, "[");
	CHECK_INT(parse(text), -EINVAL);
	CHECK(strstr(err, "lists nested too deeply") != NULL);
	text[4 + CFG_MAX_DEPTH] = 0;
	for (i = 0; i < CFG_MAX_DEPTH; i++)
		strcat(text, "]");
	CHECK_INT(parse(text), 0);
}

static void test_syntax_errors(void)
{
	CHECK_INT(parse("name \"x\""), -EINVAL);
	CHECK_STR(err, "t.cfg:1:6: expected '=' or '+=' after 'name', found string \"x\"");
	CHECK_INT(parse("memory = 64 128"), -EINVAL);
	CHECK_STR(err,
		  "t.cfg:1:13: expected end of line or ';' after the value of 'memory', found number 128");
	CHECK_INT(parse("= 3"), -EINVAL);
	CHECK_STR(err, "t.cfg:1:1: expected a setting name (as in 'memory = 512'), found '='");
	CHECK_INT(parse("a = 1\n  @"), -EINVAL);
	CHECK_STR(err, "t.cfg:2:3: unexpected character '@'");
	CHECK_INT(parse("a =\n1"), -EINVAL);
	CHECK_STR(
	    err,
	    "t.cfg:1:4: expected a value for 'a' (a number, a \"string\" or a [list]), found end of line");
	CHECK_INT(parse("x = 1\ny = 2\nz"), -EINVAL);
	CHECK_STR(err, "t.cfg:3:2: expected '=' or '+=' after 'z', found end of file");
	/* what came before the error is kept */
	CHECK_STR(str("y"), "2");
}

static void test_replace_and_append(void)
{
	const struct cfg_value *v;

	CHECK_INT(parse("memory = 64\nmemory = 128\nextra = 'a'\nextra += ' b'\nd = ['x']\nd += ['y', 'z']\n"
			"new += 'n'"),
		  0);
	CHECK_STR(str("memory"), "128");
	CHECK_INT(cfg_find(&cfg, "memory")->loc.line, 2);
	CHECK_STR(str("extra"), "a b");
	v = val("d");
	CHECK_INT(v->count, 3);
	CHECK_STR(v->items[2]->text, "z");
	CHECK_STR(str("new"), "n");
	CHECK_INT(parse("d = ['x']\nd += 'y'"), -EINVAL);
	CHECK_STR(err, "t.cfg:2:6: '+=' cannot add a string to a list ('d' was set at line 1)");
	CHECK_INT(parse("m = 1\nm += 2"), -EINVAL);
	CHECK_STR(err, "t.cfg:2:6: '+=' cannot be used with numbers ('m' was set at line 1)");
}

static void test_two_sources(void)
{
	const char *over = "memory=256\nname='other'\n";

	CHECK_INT(parse("name = 'a'\nmemory = 64\n"), 0);
	CHECK_INT(cfg_parse(&cfg, "command line", over, strlen(over), err), 0);
	CHECK_STR(str("memory"), "256");
	CHECK_STR(cfg_find(&cfg, "name")->loc.source, "command line");
	CHECK_INT(cfg_parse(&cfg, "command line", "vcpus", 5, err), -EINVAL);
	CHECK_STR(err, "command line:1:6: expected '=' or '+=' after 'vcpus', found end of file");
}

static void test_parse_file(void)
{
	CHECK_INT(cfg_parse_file(&cfg, "/nonexistent/x.cfg", err), -ENOENT);
	CHECK_STR(err, "/nonexistent/x.cfg: cannot open the configuration file: No such file or directory");
	CHECK_INT(cfg_parse_file(&cfg, "/", err), -EISDIR);
}

int main(void)
{
	cfg_init(&cfg);
	RUN(test_settings_and_separators);
	RUN(test_numbers);
	RUN(test_bad_numbers);
	RUN(test_strings);
	RUN(test_bad_strings);
	RUN(test_lists);
	RUN(test_bad_lists);
	RUN(test_depth_limit);
	RUN(test_syntax_errors);
	RUN(test_replace_and_append);
	RUN(test_two_sources);
	RUN(test_parse_file);
	cfg_dispose(&cfg);
	return unit_done();
}
