/* xl pause <Domain>: stop the domain's vCPUs (it stays in memory). */
#include "xl/cmd_util.h"
#include "xl/xl.h"

int main_pause(int argc, char **argv)
{
	return xl_simple_domain_command(argc, argv, "pause", libxl_domain_pause, "paused");
}
