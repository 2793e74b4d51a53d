/* The save file's header (xl/cmd_save.c), shared by xl save, restore and migrate. */
#ifndef XENON_XL_CMD_SAVE_H
#define XENON_XL_CMD_SAVE_H

#include "libxl/libxl.h"

/* len bytes, or -EPIPE at an early end. */
int xl_read_all(int fd, void *buf, size_t len);
/* The configuration to send: cfg_file's, else the domain's own, as JSON. */
int xl_save_config_json(libxl_ctx *ctx, uint32_t domid, const char *cfg_file, char **json);
/* xl's header and the configuration; the stream follows, at a multiple of 4 KiB
 * with align (the JSON padded with spaces: restore reads the frames O_DIRECT). */
int xl_save_header_write(int fd, const char *json, bool align);
/* Read and check them (file: for messages); fd is left at the stream. */
int xl_save_header_read(int fd, const char *file, char **json);
/* The configuration to build: cfg_file's, else the stored JSON. */
int xl_restore_config(const char *file, const char *cfg_file, const char *json, libxl_domain_config *cfg);

#endif
