/* libxenstore's helpers that need no connection (xenstore_lib.h). */
#include <xenstore.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iov.h"
#include "xs.h"

/* Environment variable name, else the default. */
static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

const char *xs_daemon_rootdir(void)
{
	return env_or("XENSTORED_ROOTDIR", "/var/lib/xenstored");
}

const char *xs_daemon_rundir(void)
{
	return env_or("XENSTORED_RUNDIR", "/run/xenstored");
}

const char *xs_daemon_socket(void)
{
	return xsc_socket_path();
}

const char *xs_daemon_socket_ro(void)
{
	return xsc_socket_path();
}

const char *xs_domain_dev(void)
{
	return "/dev/xen/xenbus";
}

const char *xs_daemon_tdb(void)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/tdb", xs_daemon_rootdir());
	return buf;
}

/* The wire letters, indexed by XS_PERM_READ | XS_PERM_WRITE. */
static const char perm_letters[4] = {'n', 'r', 'w', 'b'};

bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings)
{
	const char *p = strings;

	for (unsigned i = 0; i < num; i++) {
		const char *l = memchr(perm_letters, *p, sizeof(perm_letters));
		char *end;

		if (!*p || !l) {
			errno = EINVAL;
			return false;
		}
		perms[i].perms = (enum xs_perm_type)(l - perm_letters);
		perms[i].id = strtoul(p + 1, &end, 0);
		p = end + strlen(end) + 1;
	}
	return true;
}

bool xs_perm_to_string(const struct xs_permissions *perm, char *buffer, size_t buf_len)
{
	unsigned access = perm->perms & ~(unsigned)(XS_PERM_ENOENT_OK | XS_PERM_OWNER | XS_PERM_IGNORE);

	if (access > (XS_PERM_READ | XS_PERM_WRITE) ||
	    (size_t)snprintf(buffer, buf_len, "%c%u", perm_letters[access], perm->id) >= buf_len) {
		errno = EINVAL;
		return false;
	}
	return true;
}

unsigned int xs_count_strings(const char *strings, unsigned int len)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < len; i++)
		n += !strings[i];
	return n;
}

bool xs_path_is_subpath(const char *parent, const char *child)
{
	size_t pl = strlen(parent), cl = strlen(child);

	if (cl < pl || memcmp(child, parent, pl))
		return false;
	return cl == pl || child[pl] == '/';
}

bool xs_write_all(int fd, const void *data, unsigned int len)
{
	return fd_write_all(fd, data, len) == 0;
}
