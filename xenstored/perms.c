/* Path validation and permission checks (perms.h). */
#include "perms.h"
#include "xs_wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '/' || c == '_' || c == '@';
}

bool path_is_valid(const char *p)
{
	size_t len = strlen(p);

	if (p[0] != '/' || len > XS_ABS_PATH_MAX)
		return false;
	if (len > 1 && p[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!path_char_ok(p[i]))
			return false;
		if (p[i] == '/' && p[i + 1] == '/')
			return false;
	}
	return true;
}

int path_domain_home(uint32_t domid, char *out, size_t len)
{
	int n = snprintf(out, len, "/local/domain/%u", domid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool special_ok(const char *p)
{
	for (const char *c = p + 1; *c; c++)
		if (!path_char_ok(*c))
			return false;
	return p[1] && strlen(p) <= XS_REL_PATH_MAX;
}

int path_resolve(uint32_t domid, const char *in, bool allow_special, char *out, size_t len)
{
	int n;

	if (!in[0])
		return -EINVAL;
	if (in[0] == '@') {
		if (!allow_special || !special_ok(in))
			return -EINVAL;
		n = snprintf(out, len, "%s", in);
		return n < 0 || (size_t)n >= len ? -EINVAL : 0;
	}
	if (in[0] == '/') {
		n = snprintf(out, len, "%s", in);
	} else {
		if (strlen(in) > XS_REL_PATH_MAX)
			return -EINVAL;
		n = snprintf(out, len, "/local/domain/%u/%s", domid, in);
	}
	if (n < 0 || (size_t)n >= len)
		return -EINVAL;
	return path_is_valid(out) ? 0 : -EINVAL;
}

const char *path_relative_to(const char *abs, const char *home)
{
	size_t hl = strlen(home);

	if (!strncmp(abs, home, hl) && abs[hl] == '/')
		return abs + hl + 1;
	return abs;
}

int perm_parse(const char *s, struct xs_perm *p)
{
	char *end;
	unsigned long id;

	switch (s[0]) {
	case 'n':
		p->perm = XS_PERM_NONE;
		break;
	case 'r':
		p->perm = XS_PERM_READ;
		break;
	case 'w':
		p->perm = XS_PERM_WRITE;
		break;
	case 'b':
		p->perm = XS_PERM_BOTH;
		break;
	default:
		return -EINVAL;
	}
	if (s[1] < '0' || s[1] > '9')
		return -EINVAL;
	errno = 0;
	id = strtoul(s + 1, &end, 10);
	if (errno || *end || id > 65535)
		return -EINVAL;
	p->id = id;
	return 0;
}

int perm_format(const struct xs_perm *p, char *buf, size_t len)
{
	static const char letters[] = "nrwb";
	int n = snprintf(buf, len, "%c%u", letters[p->perm & 3], p->id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

int perms_parse_list(const char *buf, size_t len, struct xs_perm *out, unsigned max, unsigned *count)
{
	unsigned n = 0;
	size_t off = 0;

	while (off < len) {
		const char *s = buf + off;
		size_t l = strnlen(s, len - off);

		if (l == len - off) /* not NUL-terminated */
			return -EINVAL;
		if (n >= max)
			return -ENOSPC;
		if (perm_parse(s, &out[n++]))
			return -EINVAL;
		off += l + 1;
	}
	if (!n)
		return -EINVAL;
	*count = n;
	return 0;
}

bool perm_owns(const struct xs_who *who, const struct node *n)
{
	uint32_t owner = n->perms[0].id;

	return who->priv || owner == who->domid || (who->target >= 0 && owner == who->target);
}

unsigned perm_access(const struct xs_who *who, const struct xs_perm *perms, uint32_t nperms)
{
	if (who->priv)
		return XS_PERM_BOTH;
	if (perms[0].id == who->domid || (who->target >= 0 && perms[0].id == who->target))
		return XS_PERM_BOTH;
	for (uint32_t i = 1; i < nperms; i++)
		if (perms[i].id == who->domid)
			return perms[i].perm;
	if (who->target >= 0)
		for (uint32_t i = 1; i < nperms; i++)
			if (perms[i].id == who->target)
				return perms[i].perm;
	return perms[0].perm;
}
