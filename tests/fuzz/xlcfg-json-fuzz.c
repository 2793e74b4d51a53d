/*
 * libFuzzer target: a domain's configuration as JSON
 * (libxl_domain_config_from_json), the form in which xl restore reads it
 * from a save file and xl migrate-receive from the sending host (over ssh:
 * a peer's data). Whatever parses must print (to_json) and read back to
 * the same text. Seeds: tests/fuzz/xlcfg-json-fuzz/ (`xl -N create` of
 * some tests/fuzz/xlcfg-fuzz/ configs).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/libxl_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cfg's JSON, read back, printed again: the same text. */
static void round_trip(libxl_domain_config *cfg)
{
	libxl_domain_config again;
	char *json = NULL, *json2 = NULL, err[256];

	if (libxl_domain_config_to_json(cfg, &json) != 0)
		abort();
	libxl_domain_config_init(&again);
	if (libxl_domain_config_from_json(&again, json, err, sizeof(err)) != 0 ||
	    libxl_domain_config_to_json(&again, &json2) != 0 || strcmp(json, json2))
		abort();
	free(json);
	free(json2);
	libxl_domain_config_dispose(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	libxl_domain_config cfg;
	char *text = malloc(size + 1), err[256];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	libxl_domain_config_init(&cfg);
	if (libxl_domain_config_from_json(&cfg, text, err, sizeof(err)) == 0)
		round_trip(&cfg);
	else if (!memchr(err, '\0', sizeof(err)))
		abort(); /* the error message must be a string */
	libxl_domain_config_dispose(&cfg);
	free(text);
	return 0;
}
