/*
 * xl config-update <Domain> [ConfigFile] [-f FILE] [-d] [key=value...]:
 * Xen's (deprecated there too, and so it warns as Xen's does). The file,
 * with the key=value lines after it, is read and checked as xl create reads
 * it, then kept for the domain's next restart (on_reboot=restart and the
 * like): nothing changes now. -d prints it (JSON or SXP, xl.conf's
 * output_format) on stderr; the global -N prints it on stdout and keeps
 * nothing. The domain keeps its name and UUID.
 */
#include "xl/cfg_domain.h"
#include "xl/cmd_util.h"
#include "xl/xl.h"
#include "xl/xl_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define CMD "config-update"

struct update_args {
	const char *dom, *file;
	char *extra; /* key=value lines */
	bool debug;
};

/* After the options: key=value lines, or the file when none was given yet. */
static int collect(int argc, char **argv, struct update_args *a)
{
	for (; optind < argc; optind++) {
		if (strchr(argv[optind], '=')) {
			if (xl_add_override(&a->extra, argv[optind]) < 0) {
				log_warnx(CMD ": out of memory");
				return -ENOMEM;
			}
		} else if (!a->file) {
			a->file = argv[optind];
		} else {
			xl_usage_error(CMD, "more than one config file given ('%s' and '%s')", a->file,
				       argv[optind]);
			return -EINVAL;
		}
	}
	if (!a->file) {
		xl_usage_error(CMD, "no config file given: the domain's new configuration is read from one");
		return -EINVAL;
	}
	return 0;
}

static int update(const struct update_args *a)
{
	libxl_domain_config cfg;
	char err[CFG_ERR_MAX];
	libxl_ctx *ctx = xl_ctx_open();
	uint32_t domid;
	int rc = ctx ? 0 : -EIO;

	if (rc == 0)
		rc = xl_find_guest(ctx, CMD, a->dom, &domid,
				   "Domain-0 is the host: it has no configuration to update");
	libxl_domain_config_init(&cfg);
	if (rc == 0 && (rc = xl_load_domain_config(a->file, a->extra, &xl_conf, &cfg, !xl_dryrun, err)) < 0)
		log_warnx("%s", err);
	if (rc == 0 && (xl_dryrun || a->debug))
		rc = xl_print_config(CMD, &cfg, xl_dryrun ? stdout : stderr) ? -EIO : 0;
	if (rc == 0 && !xl_dryrun) {
		fprintf(stderr, "setting dom%u configuration\n", domid);
		rc = libxl_domain_config_update(ctx, domid, &cfg);
	}
	libxl_domain_config_dispose(&cfg);
	if (ctx)
		libxl_ctx_free(ctx);
	return rc;
}

int main_config_update(int argc, char **argv)
{
	static const struct option opts[] = {{"defconfig", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	struct update_args a = {0};
	int opt, rc;

	/* As Xen's: the domain first, then the file may come before the options. */
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
			return xl_help(CMD);
		xl_usage_error(CMD, argc < 2 ? "no domain given" : "the domain comes first, before the options");
		return 1;
	}
	fprintf(stderr, "WARNING: xl now has better capability to manage domain configuration, "
			"avoid using this command when possible\n");
	a.dom = argv[1];
	argc--;
	argv++;
	if (argc > 1 && argv[1][0] != '-' && !strchr(argv[1], '=')) {
		a.file = argv[1];
		argc--;
		argv++;
	}
	SWITCH_FOREACH_OPT(opt, "df:", opts, CMD, 0)
	{
	case 'd':
		a.debug = true;
		break;
	case 'f':
		a.file = optarg;
		break;
	}
	rc = collect(argc, argv, &a);
	if (rc == 0)
		rc = update(&a);
	free(a.extra);
	return rc < 0 ? 1 : 0;
}
