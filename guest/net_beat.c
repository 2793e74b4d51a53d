/*
 * net beat ADDRESS PORT US SECONDS: a heartbeat that shows from outside when
 * the guest runs (bench/migrate times a migration's downtime with it: the
 * host sees the last datagram before the guest stops and the first after it
 * runs again). One small UDP datagram every US microseconds for SECONDS
 * seconds, in the foreground and busy, never idle, so that the spacing is
 * the beat's and not the timer tick's; between beats the shell's background
 * work (dirty, the ticker, toolstack requests) goes on. Each datagram holds
 * a 64-bit sequence number and the guest's clock in ns, big-endian. A beat
 * that fell behind (the guest was stopped) starts again from now rather
 * than sending the missed ones at once.
 */
#include "kernel.h"
#include "net.h"

#define BEAT_US_MIN	 10
#define BEAT_US_MAX	 1000000
#define BEAT_SECONDS_MAX 3600

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int beat_args(int argc, char **argv, uint32_t *dst, uint64_t *port, uint64_t *us, uint64_t *secs)
{
	if (argc != 6 || parse_dec_u64(argv[3], port) || !*port || *port > 65535 ||
	    parse_dec_u64(argv[4], us) || *us < BEAT_US_MIN || *us > BEAT_US_MAX ||
	    parse_dec_u64(argv[5], secs) || !*secs || *secs > BEAT_SECONDS_MAX) {
		printf("usage: net beat ADDRESS PORT US SECONDS (US %d..%d, SECONDS 1..%d)\n", BEAT_US_MIN,
		       BEAT_US_MAX, BEAT_SECONDS_MAX);
		return -EINVAL;
	}
	if (net_parse_ip(argv[2], dst)) {
		printf("net beat: %s: not an IPv4 address (a.b.c.d)\n", argv[2]);
		return -EINVAL;
	}
	return 0;
}

int net_beat(int argc, char **argv)
{
	uint64_t port, us, secs, n = 0, now, next, end;
	uint8_t msg[16];
	uint32_t dst;
	int rc;

	rc = beat_args(argc, argv, &dst, &port, &us, &secs);
	if (rc || (rc = net_cmd_resolve("net beat", dst, argv[2])))
		return rc;
	next = clock_ns();
	end = next + secs * 1000000000ULL;
	while ((now = clock_ns()) < end) {
		if (now < next) {
			shell_poll();
			continue;
		}
		put_be64(msg, n++);
		put_be64(msg + 8, now);
		rc = net_cmd_send("net beat", dst, argv[2], (uint16_t)port, msg, sizeof(msg));
		if (rc)
			return rc;
		next = now - next > us * 1000 ? now + us * 1000 : next + us * 1000;
	}
	printf("net beat: %lu datagrams to %s:%lu, one every %lu us\n", (unsigned long)n, argv[2],
	       (unsigned long)port, (unsigned long)us);
	return 0;
}
