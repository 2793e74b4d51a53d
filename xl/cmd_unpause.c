/* xl unpause <Domain>: let a paused domain run again. */
#include "xl/cmd_util.h"
#include "xl/xl.h"

int main_unpause(int argc, char **argv)
{
	return xl_simple_domain_command(argc, argv, "unpause", libxl_domain_unpause, "unpaused");
}
