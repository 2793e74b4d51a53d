/*
 * cfg_vsnd.c: xl.cfg(5)'s vsnd key (virtual sound cards, which Xenon does
 * not provide yet), read as Xen's xl reads it for `xl -N create`:
 *
 *   vsnd = [ [ 'card, short-name=NAME, long-name=NAME, backend=DOM, PARAMS',
 *              'pcm, name=NAME, PARAMS',
 *              'stream, unique-id=ID, type=p|c, PARAMS', ... ], ... ]
 *
 * One inner list per card; "pcm" starts a PCM device of the card, "stream"
 * a stream of the last PCM device (making one if there is none). PARAMS
 * (sample-rates=R;R..., sample-formats=F;F..., channels-min=N,
 * channels-max=N, buffer-size=N) apply to what the item is about.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xl/cfg_devices_other.h"

struct vsnd_ctx {
	const struct cfg_value *item; /* the string being read */
	char *err;
	libxl_device_vsnd *vsnd;
};

/* Append one zeroed element to *arr (count *n); NULL: no memory. */
static void *grow(void **arr, int *n, size_t size)
{
	char *p = realloc(*arr, size * ((size_t)*n + 1));

	if (!p)
		return NULL;
	*arr = p;
	p += size * (size_t)(*n)++;
	memset(p, 0, size);
	return p;
}

static int bad(struct vsnd_ctx *c, const char *k, const char *v, const char *expected)
{
	return cfg_error(c->err, &c->item->loc, "vsnd: invalid %s=%s in \"%s\": %s", k, v, c->item->text,
			 expected);
}

static int num(struct vsnd_ctx *c, const char *k, const char *v, uint32_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 0);
	if (!*v || *end || errno || *v == '-' || n > UINT32_MAX)
		return bad(c, k, v, "expected a number from 0 to 4294967295");
	*out = (uint32_t)n;
	return 0;
}

/* sample-rates=R;R... and sample-formats=F;F... */
static int list(struct vsnd_ctx *c, libxl_vsnd_params *p, const char *k, const char *v, bool rates)
{
	char *copy = strdup(v), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ";", &save); tok && rc == 0; tok = strtok_r(NULL, ";", &save)) {
		if (rates) {
			uint32_t *r = grow((void **)&p->sample_rates, &p->num_sample_rates, sizeof(*r));

			rc = r ? num(c, k, tok, r) : -ENOMEM;
		} else {
			libxl_vsnd_pcm_format *f =
			    grow((void **)&p->sample_formats, &p->num_sample_formats, sizeof(*f));

			if (!f)
				rc = -ENOMEM;
			else if (libxl_vsnd_pcm_format_from_string(tok, f) < 0)
				rc = bad(c, k, v,
					 "expected formats such as s16_le;u8 (Xen's vsnd_pcm_format)");
		}
	}
	free(copy);
	return rc;
}

/* 1: k is not one of PARAMS. */
static int params_kv(struct vsnd_ctx *c, libxl_vsnd_params *p, const char *k, const char *v)
{
	if (!strcmp(k, "sample-rates"))
		return list(c, p, k, v, true);
	if (!strcmp(k, "sample-formats"))
		return list(c, p, k, v, false);
	if (!strcmp(k, "channels-min"))
		return num(c, k, v, &p->channels_min);
	if (!strcmp(k, "channels-max"))
		return num(c, k, v, &p->channels_max);
	if (!strcmp(k, "buffer-size"))
		return num(c, k, v, &p->buffer_size);
	return 1;
}

static int set_str(const char *v, char **field)
{
	free(*field);
	*field = strdup(v);
	return *field ? 0 : -ENOMEM;
}

enum vsnd_item { CARD, PCM, STREAM };

static int item_kv(struct vsnd_ctx *c, enum vsnd_item what, const char *k, const char *v)
{
	libxl_device_vsnd *vsnd = c->vsnd;
	libxl_vsnd_pcm *pcm = what != CARD ? &vsnd->pcms[vsnd->num_pcms - 1] : NULL;
	libxl_vsnd_stream *st = what == STREAM ? &pcm->streams[pcm->num_streams - 1] : NULL;
	int rc = params_kv(c, what == CARD ? &vsnd->params : what == PCM ? &pcm->params : &st->params, k, v);

	if (rc <= 0)
		return rc;
	if (what == CARD && !strcmp(k, "backend"))
		return set_str(v, &vsnd->backend_domname);
	if (what == CARD && !strcmp(k, "short-name"))
		return set_str(v, &vsnd->short_name);
	if (what == CARD && !strcmp(k, "long-name"))
		return set_str(v, &vsnd->long_name);
	if (what == PCM && !strcmp(k, "name"))
		return set_str(v, &pcm->name);
	if (what == STREAM && !strcmp(k, "unique-id"))
		return set_str(v, &st->unique_id);
	if (what == STREAM && !strcmp(k, "type"))
		return libxl_vsnd_stream_type_from_string(v, &st->type) < 0 ? bad(c, k, v, "expected p or c")
									    : 0;
	return cfg_error(c->err, &c->item->loc, "vsnd: unknown key '%s' for a %s in \"%s\"", k,
			 what == CARD  ? "card"
			 : what == PCM ? "pcm"
				       : "stream",
			 c->item->text);
}

/* The first word says what the item is about, and makes a pcm or stream. */
static int item_start(struct vsnd_ctx *c, const char *word, enum vsnd_item *what)
{
	libxl_device_vsnd *vsnd = c->vsnd;
	libxl_vsnd_pcm *pcm;

	if (!strcasecmp(word, "card")) {
		*what = CARD;
		return 0;
	}
	if (strcasecmp(word, "pcm") && strcasecmp(word, "stream"))
		return cfg_error(c->err, &c->item->loc,
				 "vsnd: \"%s\" must start with card, pcm or stream, not '%s'", c->item->text,
				 word);
	*what = strcasecmp(word, "pcm") ? STREAM : PCM;
	if (*what == PCM || vsnd->num_pcms == 0) {
		pcm = grow((void **)&vsnd->pcms, &vsnd->num_pcms, sizeof(*pcm));
		if (!pcm)
			return -ENOMEM;
		libxl_vsnd_pcm_init(pcm);
	}
	if (*what == STREAM) {
		pcm = &vsnd->pcms[vsnd->num_pcms - 1];
		libxl_vsnd_stream *st = grow((void **)&pcm->streams, &pcm->num_streams, sizeof(*st));

		if (!st)
			return -ENOMEM;
		libxl_vsnd_stream_init(st);
	}
	return 0;
}

static int vsnd_item(struct vsnd_ctx *c)
{
	char *copy = strdup(c->item->text), *save = NULL, *tok, *eq;
	enum vsnd_item what = CARD;
	bool first = true;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save), first = false) {
		while (*tok == ' ')
			tok++;
		if (first) {
			rc = item_start(c, tok, &what);
			continue;
		}
		if (!(eq = strchr(tok, '='))) {
			rc = cfg_error(c->err, &c->item->loc, "vsnd: '%s' in \"%s\" is not key=value", tok,
				       c->item->text);
			break;
		}
		*eq = 0;
		rc = item_kv(c, what, tok, eq + 1);
	}
	free(copy);
	return rc;
}

int xl_cfg_vsnd(const struct cfg *cfg, libxl_domain_config *d, char *err)
{
	const struct cfg_setting *s = cfg_find(cfg, "vsnd");
	struct vsnd_ctx c = {.err = err};
	const struct cfg_value *card;
	size_t i, j;
	int rc = 0;

	if (!s)
		return 0;
	if (s->value->kind != CFG_LIST)
		return cfg_error(err, &s->value->loc,
				 "'vsnd' must be a list of cards, as in vsnd = [ [ 'card, ...', "
				 "'pcm, ...' ] ]");
	for (i = 0; i < s->value->count && rc == 0; i++) {
		card = s->value->items[i];
		if (card->kind != CFG_LIST)
			return cfg_error(err, &card->loc,
					 "each card of 'vsnd' is a list, as in [ 'card, ...', 'pcm, ...' ]");
		c.vsnd = grow((void **)&d->vsnds, &d->num_vsnds, sizeof(*c.vsnd));
		if (!c.vsnd)
			return -ENOMEM;
		libxl_device_vsnd_init(c.vsnd);
		c.vsnd->devid = d->num_vsnds - 1;
		for (j = 0; j < card->count && rc == 0; j++) {
			c.item = card->items[j];
			if (c.item->kind != CFG_STRING)
				return cfg_error(err, &c.item->loc,
						 "each item of a vsnd card must be a quoted string");
			rc = vsnd_item(&c);
		}
	}
	return rc;
}
