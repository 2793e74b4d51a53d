/*
 * libFuzzer target for xenstored's message handling: the input is the byte
 * stream a client sends (headers, payloads, split anywhere), fed through
 * conn_feed into the real handlers. The first byte picks the connection's
 * identity (dom0, or a domain after CONTROL become), the second where the
 * stream is split. Each run starts from
 * a fresh store. A longer run: tests/fuzz-run xenstored/xs-msg-fuzz SECONDS.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/domain.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"
#include "xenstored/xenstored.h"

/* Feed bytes as a client that reads every reply: input held back resumes. */
static void feed(struct conn *c, const char *p, size_t n)
{
	conn_feed(c, p, n);
	while (!c->closing) {
		c->out_off = c->out_len; /* the client read everything */
		if (!c->stash_len)
			break;
		conn_resume(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn *c = calloc(1, sizeof(*c)), *other = calloc(1, sizeof(*other));

	if (!c || !other)
		abort();
	xenstored_new_store();
	xenstored_init_store();
	tx_reset_ids();
	c->fd = other->fd = -1;
	c->who.priv = other->who.priv = true;
	c->who.target = other->who.target = -1;
	if (size && (data[0] & 1)) {
		c->who.priv = false;
		c->who.domid = data[0] >> 1;
	}
	/* a second connection watching everything */
	static const char watch[] = {XS_WATCH, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, '/', 0, 't', 0};
	conn_feed(other, watch, sizeof(watch));
	/* data[1] picks where the stream (from data[2]) is split in two reads */
	if (size > 2) {
		size_t split = data[1] % (size - 2) + 1;

		feed(c, (const char *)data + 2, split);
		feed(c, (const char *)data + 2 + split, size - 2 - split);
	}
	watch_remove_all(c);
	tx_end_all(c);
	watch_remove_all(other);
	tx_end_all(other);
	free(c->out);
	free(c->stash);
	free(other->out);
	free(other->stash);
	free(c);
	free(other);
	store_free(xs_store);
	xs_store = NULL;
	domain_reset_all();
	return 0;
}
