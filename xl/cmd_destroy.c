/*
 * xl destroy <Domain>: end the domain at once (no shutdown request) and
 * remove all of it: xenon-hv, its socket, its xenstore nodes. Also removes
 * a domain kept shut down by on_*=preserve.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

int main_destroy(int argc, char **argv)
{
	return xl_simple_domain_command(argc, argv, "destroy", libxl_domain_destroy, "destroyed");
}
