/* Helpers the lifecycle commands share: context, domain lookup. */
#include "xl/cmd_util.h"
#include "xl/cfg_domain.h"
#include "xl/xl.h"
#include "xl/xl_conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* xl's logger: libxl's messages printed as xl's own ("xl: ..."). */
static void xl_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval, const char *context,
			const char *fmt, va_list ap)
{
	(void)lg;
	(void)level;
	(void)context;
	if (errnoval >= 0)
		errno = errnoval;
	log_vmsg(errnoval >= 0, fmt, ap);
}

static xentoollog_logger xl_logger = {.vmessage = xl_vmessage};

int xl_add_override(char **extra, const char *arg)
{
	size_t old = *extra ? strlen(*extra) : 0, n = strlen(arg);
	char *grown = realloc(*extra, old + n + 2);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + old, arg, n);
	grown[old + n] = '\n';
	grown[old + n + 1] = 0;
	*extra = grown;
	return 0;
}

int xl_print_config(const char *cmd, const libxl_domain_config *cfg, FILE *fh)
{
	char *json;
	int rc;

	if (xl_conf.output_format == XL_OUTPUT_SXP) {
		rc = xl_print_sxp(-1, cfg, fh);
		if (rc == -EINVAL) {
			log_warnx("%s: SXP cannot show a %s guest; set output_format=\"json\" in %s", cmd,
				  libxl_domain_type_to_string(cfg->c_info.type),
				  xl_conf.path ? xl_conf.path : "xl.conf");
			return 1;
		}
	} else {
		rc = libxl_domain_config_to_json(cfg, &json);
		if (rc < 0) {
			log_warnx("%s: cannot print the configuration as JSON: %s", cmd, log_strerror(rc));
			return 1;
		}
		fputs(json, fh);
		free(json);
	}
	if (rc == 0 && fflush(fh) != 0)
		rc = -errno;
	if (rc < 0) {
		log_warnx("%s: writing the configuration: %s", cmd, log_strerror(rc));
		return 1;
	}
	return 0;
}

void xl_print_bitmap(const libxl_bitmap *map, unsigned nbits)
{
	unsigned i = 0, first, n = 0, count = 0;

	for (unsigned b = 0; b < nbits; b++)
		count += libxl_bitmap_test(map, b);
	if (count == 0 || count == nbits) {
		fputs(count ? "all" : "none", stdout);
		return;
	}
	while (i < nbits) {
		if (!libxl_bitmap_test(map, i)) {
			i++;
			continue;
		}
		for (first = i; i < nbits && libxl_bitmap_test(map, i); i++)
			;
		printf("%s%u", n++ ? "," : "", first);
		if (i - 1 > first)
			printf("-%u", i - 1);
	}
}

/* xl.conf's paths and device times, where it gives them; libxl takes the
 * environment's, else its own defaults, for the others. */
libxl_ctx *xl_ctx_open(void)
{
	libxl_ctx_settings s = {
	    .xenstored_path = xl_conf.xenstored_socket,
	    .run_dir = xl_conf.run_dir,
	    .log_dir = xl_conf.log_dir,
	    .hv_path = xl_conf.xenon_hv,
	    .script_dir = xl_conf.hotplug_script_dir,
	    .dump_dir = xl_conf.dump_dir,
	    .device_timeout_ms = (int)xl_conf.device_timeout_ms,
	    .hotplug_timeout_ms = (int)xl_conf.hotplug_timeout_ms,
	};
	libxl_ctx *ctx;

	/* libxl says why it cannot connect, through xl's logger. */
	return libxl_ctx_alloc_settings(&ctx, LIBXL_VERSION, 0, &xl_logger, &s) < 0 ? NULL : ctx;
}

bool xl_names_host(const char *q)
{
	return !strcmp(q, "0") || !strcmp(q, "Domain-0");
}

int xl_find_domain(libxl_ctx *ctx, const char *cmd, const char *q, uint32_t *domid)
{
	int rc;

	if (xl_names_host(q)) {
		*domid = LIBXL_DOMID_HOST;
		return 0;
	}
	rc = libxl_domain_qualifier_to_domid(ctx, q, domid);

	if (rc == -ENOENT)
		log_warnx("%s: domain '%s' does not exist; 'xl list' shows the domains", cmd, q);
	else if (rc < 0)
		log_warnx("%s: cannot look up domain '%s': %s", cmd, q, log_strerror(rc));
	return rc;
}

int xl_find_guest(libxl_ctx *ctx, const char *cmd, const char *q, uint32_t *domid, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	int rc = xl_find_domain(ctx, cmd, q, domid);

	if (rc < 0 || *domid != LIBXL_DOMID_HOST)
		return rc;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", cmd, why);
	return -EINVAL;
}

void xl_uptime_string(uint64_t up, int short_mode, char *buf, unsigned len)
{
	unsigned sec = up % 60, min = (up / 60) % 60, hour = (up / 3600) % 24;
	unsigned long long day = up / 86400;
	char days[48] = "";

	if (day)
		snprintf(days, sizeof(days), "%llu day%s, ", day, day > 1 ? "s" : "");
	if (short_mode)
		snprintf(buf, len, "%s%2u:%02u", days, hour, min);
	else
		snprintf(buf, len, "%s%2u:%02u:%02u", days, hour, min, sec);
}

bool xl_too_many_args(int argc, char **argv, const char *cmd, int max)
{
	if (argc - optind <= max)
		return false;
	xl_usage_error(cmd, "unexpected argument '%s'", argv[optind + max]);
	return true;
}

void xl_say_not_answering(const char *cmd, const char *dom)
{
	log_warnx("%s: domain '%s' does not answer: its xenon-hv is stopped or hung (see 'xl list -l %s'); "
		  "'xl destroy %s' ends it",
		  cmd, dom, dom, dom);
}

int xl_domain_op(const char *cmd, const char *q, int (*op)(libxl_ctx *ctx, uint32_t domid),
		 const char *failed)
{
	libxl_ctx *ctx;
	uint32_t domid;
	int rc;

	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, cmd, q, &domid, "Domain-0 is the host: it cannot be %s here", failed);
	if (rc == 0) {
		rc = op(ctx, domid);
		if (rc == -ESRCH)
			log_warnx("%s: domain '%s' is not running (it has shut down); "
				  "'xl destroy %s' removes it",
				  cmd, q, q);
		else if (rc == -ETIMEDOUT)
			xl_say_not_answering(cmd, q);
		else if (rc < 0)
			log_warnx("%s: domain '%s' could not be %s: %s", cmd, q, failed, log_strerror(rc));
	}
	libxl_ctx_free(ctx);
	return rc < 0 ? 1 : 0;
}

int xl_plain_args(int argc, char **argv, const char *cmd, int nargs)
{
	int opt;

	SWITCH_FOREACH_OPT(opt, "", NULL, cmd, nargs)
	{
	default:
		break;
	}
	return xl_too_many_args(argc, argv, cmd, nargs) ? 1 : -1;
}

int xl_simple_domain_command(int argc, char **argv, const char *cmd,
			     int (*op)(libxl_ctx *ctx, uint32_t domid), const char *failed)
{
	int status = xl_plain_args(argc, argv, cmd, 1);

	if (status >= 0)
		return status;
	return xl_domain_op(cmd, argv[optind], op, failed);
}

const char *xl_lockfile(void)
{
	return xl_conf.lockfile && *xl_conf.lockfile ? xl_conf.lockfile : XL_LOCK_FILE;
}

int xl_lock_take(int *lock)
{
	int rc = libxl_lock_acquire(xl_lockfile(), lock);

	if (rc < 0)
		log_warnx("cannot take the xl lock %s: %s (xl.conf lockfile= sets another)", xl_lockfile(),
			  log_strerror(rc));
	return rc;
}
