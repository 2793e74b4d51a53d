/*
 * xl top [xentop options]: runs xentop(1), as Xen's xl does. The xentop run
 * is $XENON_XENTOP if set, else the one installed beside xl, else the first
 * on $PATH. Options after "top" go to xentop (beyond Xen, whose xl top
 * takes none).
 */
#include "xl/xl.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* xentop in the directory of xl's own executable, if there is one. */
static int beside_xl(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	if ((size_t)snprintf(buf, len, "%s/xentop", dirname(self)) >= len)
		return -ENAMETOOLONG;
	return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}

int main_top(int argc, char **argv)
{
	const char *env = getenv("XENON_XENTOP");
	char path[PATH_MAX];

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return xl_help("top") ? 1 : 0;
	argv[0] = "xentop";
	if (env && *env)
		execv(env, argv);
	else if (beside_xl(path, sizeof(path)) == 0)
		execv(path, argv);
	else
		execvp("xentop", argv);
	log_warn("top: cannot run xentop%s%s (install it, or set XENON_XENTOP)", env && *env ? " " : "",
		 env && *env ? env : "");
	return 1;
}
