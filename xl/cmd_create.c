/*
 * xl create [-c] [-p] [-q] [-F] [-e] [-d] [-f FILE] [FILE] [key=value...]
 *
 * Reads the config file (key=value arguments override it), then either
 * prints the configuration as JSON (the global -N, or -n: a dry run that
 * needs no daemon) or hands it to xl_create_domain().
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

/* Arguments after the options: key=value overrides, or the file name. */
static int collect_args(int argc, char **argv, struct xl_create_opts *o)
{
	for (; optind < argc; optind++) {
		if (strchr(argv[optind], '=')) {
			if (xl_add_override(&o->extra_config, argv[optind]) < 0) {
				log_warnx("create: out of memory");
				return -ENOMEM;
			}
		} else if (argv[optind][0] == '-' && argv[optind][1]) {
			/* As Xen's xl: options end at the first other argument. */
			log_warnx("create: option '%s' comes too late: options go before the config file or "
				  "right after it; usage: xl create [options] <ConfigFile> [options] [vars]",
				  argv[optind]);
			return -EINVAL;
		} else if (!o->config_file) {
			o->config_file = argv[optind];
		} else {
			log_warnx("create: more than one config file given ('%s' and '%s'); "
				  "settings are key=value",
				  o->config_file, argv[optind]);
			return -EINVAL;
		}
	}
	if (!o->config_file && !o->extra_config) {
		log_warnx("create: no config file given; usage: xl create [options] <ConfigFile> [vars]");
		return -EINVAL;
	}
	return 0;
}

static int create_with(struct xl_create_opts *o, bool dryrun)
{
	libxl_domain_config cfg;
	char err[CFG_ERR_MAX];
	int rc;

	if (!o->quiet && o->config_file)
		fprintf(stderr, "Parsing config from %s\n", o->config_file);
	libxl_domain_config_init(&cfg);
	rc = xl_load_domain_config(o->config_file, o->extra_config, &xl_conf, &cfg, !dryrun, err);
	if (rc < 0) {
		log_warnx("%s", err);
		libxl_domain_config_dispose(&cfg);
		return 1;
	}
	/* As Xen's xl: -d shows the configuration (on stderr) before creating. */
	if (dryrun)
		rc = xl_print_config("create", &cfg, stdout);
	else if (o->debug && xl_print_config("create", &cfg, stderr) != 0)
		rc = 1;
	else if (cfg.c_info.type != LIBXL_DOMAIN_TYPE_PV) {
		log_warnx("create: %s: type \"%s\" is not supported yet: Xenon runs PV guests only; "
			  "set type = \"pv\"",
			  o->config_file ? o->config_file : "command line",
			  libxl_domain_type_to_string(cfg.c_info.type));
		rc = 1;
	} else {
		rc = xl_create_domain(o, &cfg);
	}
	libxl_domain_config_dispose(&cfg);
	return rc ? 1 : 0;
}

int main_create(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dryrun", no_argument, NULL, 'n'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"defconfig", required_argument, NULL, 'f'},
	    {"vncviewer", no_argument, NULL, 'V'},
	    {"vncviewer-autopass", no_argument, NULL, 'A'},
	    {"ignore-global-affinity-masks", no_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	struct xl_create_opts o = {.daemonize = true, .monitor = true};
	bool dryrun = xl_dryrun;
	int opt, rc;

	/* FILE may come first, before the options, as in Xen. */
	if (argc > 1 && argv[1][0] != '-' && !strchr(argv[1], '=')) {
		o.config_file = argv[1];
		argc--;
		argv++;
	}
	SWITCH_FOREACH_OPT(opt, "Fnqf:pcdeVAi", opts, "create", 0)
	{
	case 'f':
		o.config_file = optarg;
		break;
	case 'p':
		o.paused = true;
		break;
	case 'c':
		o.console = true;
		break;
	case 'd':
		o.debug = true;
		break;
	case 'F':
		o.daemonize = false;
		break;
	case 'e':
		o.daemonize = o.monitor = false;
		break;
	case 'n':
		dryrun = true;
		break;
	case 'q':
		o.quiet = true;
		break;
	case 'i':
		break; /* Xenon has no global affinity masks to ignore */
	case 'V':
	case 'A':
		log_warnx("create: -%c: Xenon guests have no VNC display; use -c for the console", opt);
		free(o.extra_config);
		return 1;
	}
	rc = collect_args(argc, argv, &o);
	if (rc == 0)
		rc = create_with(&o, dryrun);
	else
		rc = 1;
	free(o.extra_config);
	return rc;
}
