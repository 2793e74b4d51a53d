/*
 * xl getenforce, setenforce <1|0|Enforcing|Permissive>, loadpolicy <file>:
 * Xen's FLASK (XSM) commands. Xenon has no XSM: they answer as Xen's xl
 * does on a hypervisor built without it ("Flask XSM Disabled"), with a
 * non-zero status, so that a script asking finds the answer it knows. The
 * guests' isolation is xenon-hv's sandbox instead (xenon-hv(8)).
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

int main_getenforce(int argc, char **argv)
{
	int status = xl_plain_args(argc, argv, "getenforce", 0);

	if (status >= 0)
		return status;
	printf("Flask XSM Disabled\n");
	return 1;
}

int main_setenforce(int argc, char **argv)
{
	static const char *const modes[] = {"0", "1", "permissive", "enforcing"};
	int status = xl_plain_args(argc, argv, "setenforce", 1);
	bool known = false;

	if (status >= 0)
		return status;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		known |= !strcasecmp(argv[optind], modes[i]);
	if (!known) {
		xl_usage_error("setenforce", "'%s' is no mode: give 1 or Enforcing, 0 or Permissive", argv[optind]);
		return 1;
	}
	fprintf(stderr, "Flask XSM disabled\n");
	return 1;
}

int main_loadpolicy(int argc, char **argv)
{
	int status = xl_plain_args(argc, argv, "loadpolicy", 1), fd;

	if (status >= 0)
		return status;
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("loadpolicy: cannot open the policy file '%s'", argv[optind]);
		return 1;
	}
	close(fd);
	fprintf(stderr, "Flask XSM disabled\n");
	return 1;
}
