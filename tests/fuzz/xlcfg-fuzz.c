/*
 * libFuzzer target for xl's config files: the lexer and parser, then the
 * mapping to libxl_domain_config (disk and vif specs included), the JSON
 * of whatever parses, and that JSON read back (it must print the same).
 * Seeds: tests/fuzz/xlcfg-fuzz/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xl/cfg_domain.h"
#include "xl/cfg_parse.h"
#include "xl/xl_conf.h"

/* What the JSON says reads back into the same configuration. */
static void check_round_trip(const char *json)
{
	libxl_domain_config again;
	char *json2 = NULL, err[256];

	libxl_domain_config_init(&again);
	if (libxl_domain_config_from_json(&again, json, err, sizeof(err)) != 0 ||
	    libxl_domain_config_to_json(&again, &json2) != 0 || strcmp(json, json2))
		abort();
	free(json2);
	libxl_domain_config_dispose(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct xl_conf conf;
	struct cfg cfg;
	libxl_domain_config d;
	char err[CFG_ERR_MAX], *json = NULL;

	if (!quiet) {
		log_init("xlcfg-fuzz");
		log_set_file(fopen("/dev/null", "w")); /* the cmdline= warning */
		quiet = 1;
	}
	cfg_init(&cfg);
	xl_conf_init(&conf);
	libxl_domain_config_init(&d);
	if (cfg_parse(&cfg, "fuzz.cfg", (const char *)data, size, err) == 0 &&
	    xl_cfg_to_domain_config(&cfg, &conf, &d, err) == 0 && libxl_domain_config_to_json(&d, &json) == 0) {
		check_round_trip(json);
		free(json);
	}
	/* Every error message names its source. */
	if (err[0] && strncmp(err, "fuzz.cfg", 8))
		abort();
	libxl_domain_config_dispose(&d);
	xl_conf_free(&conf);
	cfg_dispose(&cfg);
	return 0;
}
