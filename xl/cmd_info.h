/* What xl info takes from xl/cmd_info_host.c. */
#ifndef XENON_XL_CMD_INFO_H
#define XENON_XL_CMD_INFO_H

/* The GNU build-id of this xl, in hex ("" when it has none). */
const char *xl_build_id(void);

/* xl info -n: Xen's cpu_topology, device topology and numa_info sections. */
void xl_print_topology(void);

#endif
