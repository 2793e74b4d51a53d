/*
 * xl save and xl restore, as Xen's: the save file is xl's header, the
 * domain's configuration (JSON, so that restore needs no config file) and
 * then xenon-hv's stream (xenon-migration(7)).
 *
 *   header: "Xenon saved domain, xl format\n \0 \r" (32 bytes), u32 version 1,
 *           u32 length of the JSON that follows (at most 1 MiB), little-endian;
 *           the JSON ends with spaces up to a multiple of 4 KiB of the file.
 *
 * save pauses the domain, writes the file and syncs it, and only then
 * destroys the domain (or, with -c, lets it run on; with -p leaves it
 * paused): a failure anywhere (a full disk) leaves the domain running as it
 * was and removes the file. One summary line (or --json) says what it took.
 */
#include "xl/cfg_domain.h"
#include "xl/cmd_save.h"
#include "xl/cmd_util.h"
#include "xl/xl.h"
#include "xl/xl_conf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iov.h"
#include "log.h"

#define SAVE_MAGIC    "Xenon saved domain, xl format\n \0 \r"
#define SAVE_MAGIC_SZ 32
#define SAVE_VERSION  1
#define SAVE_JSON_MAX (1 << 20)
/* The stream starts at a multiple of this in a save file (the JSON padded
 * with spaces), so that restore can read its frames with O_DIRECT. */
#define SAVE_ALIGN 4096

struct save_header {
	char magic[SAVE_MAGIC_SZ];
	uint32_t version;
	uint32_t json_len;
};

int xl_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The configuration to store: the given file's, else the domain's own. */
int xl_save_config_json(libxl_ctx *ctx, uint32_t domid, const char *cfg_file, char **json)
{
	libxl_domain_config cfg;
	char err[CFG_ERR_MAX];
	int rc;

	if (!cfg_file)
		return libxl_retrieve_domain_configuration_json(ctx, domid, json);
	libxl_domain_config_init(&cfg);
	rc = xl_load_domain_config(cfg_file, NULL, &xl_conf, &cfg, false, err);
	if (rc < 0)
		log_warnx("%s", err);
	else
		rc = libxl_domain_config_to_json(&cfg, json);
	libxl_domain_config_dispose(&cfg);
	return rc;
}

int xl_save_header_write(int fd, const char *json, bool align)
{
	static char spaces[SAVE_ALIGN];
	size_t len = strlen(json), end = sizeof(struct save_header) + len;
	/* (not past what restore reads: an unaligned stream is read as before) */
	size_t pad =
	    align && len + SAVE_ALIGN <= SAVE_JSON_MAX ? (SAVE_ALIGN - end % SAVE_ALIGN) % SAVE_ALIGN : 0;
	struct save_header h = {.version = SAVE_VERSION, .json_len = (uint32_t)(len + pad)};
	int rc;

	memcpy(h.magic, SAVE_MAGIC, SAVE_MAGIC_SZ);
	memset(spaces, ' ', pad);
	if ((rc = fd_write_all(fd, &h, sizeof(h))) < 0 || (rc = fd_write_all(fd, json, len)) < 0)
		return rc;
	return pad ? fd_write_all(fd, spaces, pad) : 0;
}

static int write_file(libxl_ctx *ctx, uint32_t domid, int fd, const char *json, libxl_save_stats *st)
{
	int rc;

	if ((rc = xl_save_header_write(fd, json, true)) < 0)
		return rc;
	rc = libxl_domain_save(ctx, domid, fd, LIBXL_SAVE_CONTINUE, st);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	return rc;
}

/* total_ns: the whole save, synced (xenon-hv's st->total_ns is its stream's part, without the sync). */
static void summary(const char *name, uint32_t domid, const char *file, const libxl_save_stats *st,
		    uint64_t total_ns, uint64_t downtime_ns, bool json)
{
	if (json)
		printf("{\"domain\": \"%s\", \"domid\": %u, \"file\": \"%s\", \"bytes\": %llu, \"frames\": "
		       "%llu, "
		       "\"zero_frames\": %llu, \"rounds\": 1, \"total_ms\": %.3f, \"downtime_ms\": %.3f}\n",
		       name, domid, file, (unsigned long long)st->bytes, (unsigned long long)st->frames,
		       (unsigned long long)st->zero_frames, total_ns / 1e6, downtime_ns / 1e6);
	else
		printf("Saved domain %s (%u) to %s: 1 round, %llu frames (%llu zero), %llu bytes, "
		       "total %.1f ms, downtime %.1f ms\n",
		       name, domid, file, (unsigned long long)st->frames, (unsigned long long)st->zero_frames,
		       (unsigned long long)st->bytes, total_ns / 1e6, downtime_ns / 1e6);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Paused, saved, synced; then destroyed, or resumed (-c), or left paused
 * (-p). The downtime runs from just before the pause (the guest's last
 * instruction is within the pause request) to the end of the save (synced,
 * closed: the domain's state is all in the file) or, with -c, to the
 * return of the unpause; the destroy that follows a save is not counted.
 */
static int save_domain(libxl_ctx *ctx, uint32_t domid, const char *file, const char *cfg_file, bool keep,
		       bool paused, bool json_out)
{
	libxl_save_stats st = {0};
	char *json = NULL, *name = libxl_domid_to_name(ctx, domid);
	uint64_t paused_at = 0, total_ns = 0, down_ns = 0;
	int fd = -1, rc = xl_save_config_json(ctx, domid, cfg_file, &json);

	if (rc == 0) {
		paused_at = now_ns();
		rc = libxl_domain_pause(ctx, domid);
		if (rc < 0)
			log_warnx("save: cannot pause domain %u: %s", domid, log_strerror(rc));
	}
	if (rc == 0) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		rc = fd < 0 ? -errno : write_file(ctx, domid, fd, json, &st);
		if (fd >= 0 && close(fd) < 0 && rc == 0)
			rc = -errno;
		total_ns = now_ns() - paused_at;
		if (rc < 0) {
			log_warnx("save: domain %u to %s: %s; the domain runs on%s", domid, file,
				  log_strerror(rc), fd >= 0 ? ", the file is removed" : "");
			if (fd >= 0)
				unlink(file);
		}
		down_ns = total_ns;
		if ((rc < 0 || keep) && !paused) {
			libxl_domain_unpause(ctx, domid);
			down_ns = now_ns() - paused_at;
		}
		if (rc == 0 && !keep && (rc = libxl_domain_destroy(ctx, domid)) < 0)
			log_warnx("save: domain %u is saved in %s but could not be destroyed: %s", domid,
				  file, log_strerror(rc));
	}
	if (rc == 0)
		summary(name ? name : "?", domid, file, &st, total_ns, down_ns, json_out);
	free(name);
	free(json);
	return rc;
}

int main_save(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	bool keep = false, paused = false, json = false;
	libxl_ctx *ctx;
	uint32_t domid;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "cp", opts, "save", 2)
	{
	case 'c':
		keep = true;
		break;
	case 'p':
		keep = paused = true;
		break;
	case 'j':
		json = true;
		break;
	}
	if (argc - optind > 3) {
		log_warnx(
		    "save: too many arguments (xl save [-c] [-p] <Domain> <CheckpointFile> [<ConfigFile>])");
		return 1;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, "save", argv[optind], &domid, "cannot be saved");
	if (rc == 0)
		rc = save_domain(ctx, domid, argv[optind + 1], argc - optind == 3 ? argv[optind + 2] : NULL,
				 keep, paused, json);
	libxl_ctx_free(ctx);
	return rc < 0 ? 1 : 0;
}

/* The header and the configuration; fd is left at the stream. */
int xl_save_header_read(int fd, const char *file, char **json)
{
	struct save_header h;
	if (xl_read_all(fd, &h, sizeof(h)) < 0 || memcmp(h.magic, SAVE_MAGIC, SAVE_MAGIC_SZ)) {
		log_warnx("restore: %s is not a Xenon save file (made by xl save)", file);
		return -EINVAL;
	}
	if (h.version != SAVE_VERSION || !h.json_len || h.json_len > SAVE_JSON_MAX) {
		log_warnx("restore: %s: version %u with %u bytes of configuration: this xl reads version %d "
			  "(up to %d bytes)",
			  file, h.version, h.json_len, SAVE_VERSION, SAVE_JSON_MAX);
		return -EINVAL;
	}
	*json = calloc(1, h.json_len + 1);
	if (!*json)
		return -ENOMEM;
	if (xl_read_all(fd, *json, h.json_len) < 0) {
		log_warnx("restore: %s is truncated inside its configuration", file);
		return -EINVAL;
	}
	return 0;
}

int xl_restore_config(const char *file, const char *cfg_file, const char *json, libxl_domain_config *cfg)
{
	char err[CFG_ERR_MAX];
	int rc;

	if (cfg_file) {
		rc = xl_load_domain_config(cfg_file, NULL, &xl_conf, cfg, true, err);
		if (rc < 0)
			log_warnx("%s", err);
		return rc;
	}
	rc = libxl_domain_config_from_json(cfg, json, err, sizeof(err));
	if (rc < 0)
		log_warnx("restore: %s: the stored configuration is not valid: %s", file, err);
	return rc;
}

int main_restore(int argc, char **argv)
{
	struct xl_create_opts o = {.daemonize = true, .monitor = true, .restore = true};
	const char *file, *cfg_file = NULL;
	libxl_domain_config cfg;
	char *json = NULL;
	int opt, fd, rc;

	static const struct option none[] = {{NULL, 0, NULL, 0}};

	SWITCH_FOREACH_OPT(opt, "FpedV", none, "restore", 1)
	{
	case 'p':
		o.paused = true;
		break;
	case 'e':
		o.daemonize = o.monitor = false;
		break;
	case 'F':
		o.daemonize = false;
		break;
	case 'd':
		o.debug = true;
		break;
	case 'V':
		log_warnx("restore: -V: Xenon guests have no VNC display");
		return 1;
	}
	if (argc - optind > 2) {
		log_warnx(
		    "restore: too many arguments (xl restore [options] [<ConfigFile>] <CheckpointFile>)");
		return 1;
	}
	if (argc - optind == 2)
		cfg_file = argv[optind++];
	file = argv[optind];
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("restore: cannot open %s", file);
		return 1;
	}
	libxl_domain_config_init(&cfg);
	rc = xl_save_header_read(fd, file, &json);
	if (rc == 0)
		rc = xl_restore_config(file, cfg_file, json, &cfg);
	if (rc == 0 && o.debug) {
		char *shown = NULL;

		if (libxl_domain_config_to_json(&cfg, &shown) == 0)
			fprintf(stderr, "%s\n", shown);
		free(shown);
	}
	o.restore_fd = fd;
	if (rc == 0)
		rc = xl_create_domain(&o, &cfg) ? -EIO : 0;
	close(fd);
	free(json);
	libxl_domain_config_dispose(&cfg);
	return rc < 0 ? 1 : 0;
}
