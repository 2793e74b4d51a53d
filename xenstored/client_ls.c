/*
 * xenstore-ls: the tree below a path, as Xen's client prints it (indented
 * names, quoted escaped values, dotted leaders to the permissions with -p,
 * full paths with -f), or as JSON with -j (beyond Xen):
 *   { "<name>": { "value": "...", "perms": ["n0"], "children": { ... } } }
 * ("perms" with -p only, "children" when there are any; with -f the object
 * is flat, keyed by full path).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "client.h"
#include "log.h"

#define TAG_LEN	    8 /* strlen(" = \"...\"") */
#define LS_PATH_MAX 4096

struct ls {
	struct client *c;
	int max_width, desired_width;
	yajl_gen g;
};

static void child_path(char *buf, const char *path, const char *name)
{
	size_t l = strlen(path);

	snprintf(buf, LS_PATH_MAX, "%s%s%s", path, l && path[l - 1] == '/' ? "" : "/", name);
}

static void print_perms(struct ls *ls, const char *path, const char *name)
{
	FILE *out = ls->c->out;
	struct xs_permissions *perms;
	char buf[XS_PERM_STRING_MAX];
	unsigned int n;

	if (!(perms = xs_get_permissions(ls->c->xs, XBT_NULL, path, &n))) {
		log_warn("\ncould not access permissions for %s", name);
		return;
	}
	fputs("  (", out);
	for (unsigned i = 0; i < n; i++)
		if (xs_perm_to_string(&perms[i], buf, sizeof(buf)))
			fprintf(out, "%s%s", i ? "," : "", buf);
	fputc(')', out);
	free(perms);
}

/* One line: indent or full path, name, value, leaders, permissions. */
static void print_line(struct ls *ls, const char *path, const char *name, int depth)
{
	FILE *out = ls->c->out;
	int w = 0;
	char *val, *esc;
	unsigned int len;

	if (ls->c->full) {
		fputs(path, out);
	} else {
		for (; w < depth; w++)
			fputc(' ', out);
		w += fprintf(out, "%.*s", ls->max_width - TAG_LEN - w, name);
	}
	if (!(val = xs_read(ls->c->xs, XBT_NULL, path, &len))) {
		fputs(":\n", out);
	} else {
		esc = value_escape(val, len);
		if (ls->max_width < (int)(w + len + TAG_LEN)) {
			fprintf(out, " = \"%.*s\\...\"", ls->max_width - TAG_LEN - w, esc);
		} else {
			w += fprintf(out, " = \"%s\"", esc);
			if (ls->c->prefix) {
				fputc(' ', out);
				for (w++; w < ls->desired_width && w < ls->max_width; w++)
					fputc(w & 1 ? '.' : ' ', out);
			}
		}
		free(esc);
		free(val);
	}
	if (ls->c->prefix)
		print_perms(ls, path, name);
	fputc('\n', out);
}

static void json_string(yajl_gen g, const char *s, size_t len)
{
	if (yajl_gen_string(g, (const unsigned char *)s, len) == yajl_gen_invalid_string) {
		char *esc = value_escape(s, len);

		yajl_gen_string(g, (const unsigned char *)esc, strlen(esc));
		free(esc);
	}
}

static int ls_tree(struct ls *ls, const char *path, int depth);

/* One node as a JSON object; its children nest unless -f. */
static int json_node(struct ls *ls, const char *path, const char *name, int depth)
{
	yajl_gen g = ls->g;
	struct xs_permissions *perms;
	char *val, **kids, buf[XS_PERM_STRING_MAX];
	unsigned int len, n;
	int rc = 0;

	json_string(g, ls->c->full ? path : name, strlen(ls->c->full ? path : name));
	yajl_gen_map_open(g);
	if ((val = xs_read(ls->c->xs, XBT_NULL, path, &len))) {
		json_string(g, "value", 5);
		json_string(g, val, len);
		free(val);
	}
	if (ls->c->prefix && (perms = xs_get_permissions(ls->c->xs, XBT_NULL, path, &n))) {
		json_string(g, "perms", 5);
		yajl_gen_array_open(g);
		for (unsigned i = 0; i < n; i++)
			if (xs_perm_to_string(&perms[i], buf, sizeof(buf)))
				json_string(g, buf, strlen(buf));
		yajl_gen_array_close(g);
		free(perms);
	}
	if (!ls->c->full && (kids = xs_directory(ls->c->xs, XBT_NULL, path, &n))) {
		free(kids);
		if (n) { /* leaves get no "children" */
			json_string(g, "children", 8);
			yajl_gen_map_open(g);
			rc = ls_tree(ls, path, depth + 1);
			yajl_gen_map_close(g);
		}
	}
	yajl_gen_map_close(g);
	if (ls->c->full && !rc)
		rc = ls_tree(ls, path, depth + 1);
	return rc;
}

static int ls_tree(struct ls *ls, const char *path, int depth)
{
	char **kids, child[LS_PATH_MAX];
	unsigned int n;
	int rc = 0;

	if (!(kids = xs_directory(ls->c->xs, XBT_NULL, path, &n))) {
		log_warnx("xs_directory (%s): %s", path, strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < n && !rc; i++) {
		child_path(child, path, kids[i]);
		if (ls->g) {
			rc = json_node(ls, child, kids[i], depth);
		} else {
			print_line(ls, child, kids[i], depth);
			rc = ls_tree(ls, child, depth + 1);
		}
	}
	free(kids);
	return rc;
}

int mode_ls(struct client *c)
{
	struct ls ls = {.c = c, .max_width = 80, .desired_width = 60};
	struct winsize ws;
	char *root = "/";
	char **paths = c->argc ? c->argv : &root;
	int n = c->argc ? c->argc : 1, rc = 0;

	if (c->full) {
		ls.max_width = INT_MAX / 2;
		ls.desired_width = 0;
	} else if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
		ls.max_width = ws.ws_col - 2;
	}
	if (c->json) {
		ls.g = yajl_gen_alloc(NULL);
		if (!ls.g)
			return 1;
		yajl_gen_config(ls.g, yajl_gen_beautify, 1);
		yajl_gen_config(ls.g, yajl_gen_validate_utf8, 1);
		yajl_gen_map_open(ls.g);
	}
	for (int i = 0; i < n && !rc; i++)
		rc = ls_tree(&ls, paths[i], 0);
	if (ls.g) {
		const unsigned char *buf;
		size_t len;

		yajl_gen_map_close(ls.g);
		if (!rc && yajl_gen_get_buf(ls.g, &buf, &len) == yajl_gen_status_ok)
			fwrite(buf, 1, len, c->out);
		yajl_gen_free(ls.g);
	}
	return rc;
}
