/*
 * libFuzzer target: the xenstore channel's tracking (hypervisor/xs_track.c):
 * a saved state from a stream (xs_track_load: whatever it accepts saves back
 * byte for byte and its watches can be walked), and guest request bytes and
 * xenstored reply bytes split anywhere (xs_track_req/_rsp).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/xs_track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xs_track t;
	static uint8_t out[65536];
	size_t half = size / 2;

	if (xs_track_load(&t, data, size) == 0) {
		long n = xs_track_save(&t, out, sizeof(out));

		if (n != (long)size || memcmp(out, data, size))
			abort();
		for (unsigned i = 0; i < t.nr_watches; i++) {
			const char *p, *k;

			xs_track_watch(&t, i, &p, &k);
			if (p < t.watches || k + strlen(k) >= t.watches + t.watches_len)
				abort();
		}
	}
	xs_track_init(&t);
	for (size_t i = 0; i < half; i += 1 + data[i] % 37) /* pieces of varying size */
		xs_track_req(&t, data + i, (i + 1 + data[i] % 37 < half ? 1 + data[i] % 37 : half - i));
	xs_track_rsp(&t, data + half, size - half);
	if (t.req_have > sizeof(t.req) || t.watches_len > sizeof(t.watches) ||
	    t.nr_watches > XS_TRACK_MAX_WATCHES)
		abort();
	return 0;
}
