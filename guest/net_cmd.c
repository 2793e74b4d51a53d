/*
 * The network's shell commands: nics, ip, ping, net bench, net sink (net
 * beat is net_beat.c's). Each waits for the network by polling the NICs
 * (net_poll) and idling until the next interrupt, as the shell's own input
 * loop does.
 */
#include "kernel.h"
#include "net.h"

#define PING_PAYLOAD	56
#define PING_TIMEOUT_NS 1000000000ULL
#define PING_COUNT_MAX	1000
#define RESOLVE_NS	3000000000ULL
#define TX_STALL_NS	2000000000ULL
#define BENCH_SPORT	49152
#define BENCH_MIB_MAX	1024
#define MIB		(1024ULL * 1024)

/* Serve the NICs and the shell's other work, then idle until an interrupt
 * (or the next timer tick) unless there is more. */
static void net_wait_once(void)
{
	shell_poll(); /* net_poll() among the rest */
	shell_idle(false);
}

/* Wait for dst's MAC: 0, or the error (printed). */
int net_cmd_resolve(const char *cmd, uint32_t dst, const char *dst_s)
{
	uint64_t end = clock_ns() + RESOLVE_NS;
	uint8_t mac[ETH_ALEN];
	int rc;

	while ((rc = net_resolve(dst, mac)) == -EAGAIN && clock_ns() < end)
		net_wait_once();
	if (rc == -ENETUNREACH)
		printf("%s: %s: no NIC has a route to it (give one an address with ip)\n", cmd, dst_s);
	else if (rc)
		printf("%s: %s: no ARP reply within 3 s (host unreachable)\n", cmd, dst_s);
	return rc;
}

/* "1.234": milliseconds with microseconds */
static void fmt_ms(char *buf, size_t size, uint64_t ns)
{
	snprintf(buf, size, "%lu.%03lu", (unsigned long)(ns / 1000000), (unsigned long)(ns / 1000 % 1000));
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	*v = 0;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		*v = *v * 10 + (uint64_t)(*s - '0');
		if (*v > max)
			return -EINVAL;
	}
	return 0;
}

static void print_nic(const struct netdev *d)
{
	char mac[24], ip[16];

	net_fmt_mac(mac, sizeof(mac), d->mac);
	net_fmt_ip(ip, sizeof(ip), d->addr);
	if (d->addr)
		printf("%s: mac %s, mtu %u, inet %s/%u\n", d->name, mac, d->mtu, ip, d->prefix);
	else
		printf("%s: mac %s, mtu %u, no address\n", d->name, mac, d->mtu);
	printf("  rx %lu packets %lu bytes %lu dropped, tx %lu packets %lu bytes %lu errors\n",
	       (unsigned long)d->stats.rx_packets, (unsigned long)d->stats.rx_bytes,
	       (unsigned long)d->stats.rx_dropped, (unsigned long)d->stats.tx_packets,
	       (unsigned long)d->stats.tx_bytes, (unsigned long)d->stats.tx_errors);
}

static void print_sink(const struct net_sink *s)
{
	printf("udp sink %u: %lu packets, %lu bytes\n", s->port, (unsigned long)s->packets,
	       (unsigned long)s->bytes);
}

int cmd_nics(int argc, char **argv)
{
	const struct net_sink *s;
	struct netdev *d;
	unsigned int i;

	(void)argc, (void)argv;
	net_poll();
	for (i = 0; (d = netdev_at(i)); i++)
		print_nic(d);
	if (i == 0)
		printf("no NICs\n");
	for (i = 0; (s = net_sink_at(i)); i++)
		if (s->port)
			print_sink(s);
	return 0;
}

int cmd_ip(int argc, char **argv)
{
	struct netdev *d;
	uint32_t ip;
	uint8_t prefix;

	if (argc != 3) {
		printf("usage: ip NIC ADDRESS/PREFIX (e.g. ip eth0 10.0.0.2/24)\n");
		return -EINVAL;
	}
	d = netdev_find(argv[1]);
	if (!d) {
		printf("ip: %s: no such NIC (nics lists them)\n", argv[1]);
		return -ENOENT;
	}
	if (net_parse_cidr(argv[2], &ip, &prefix) || !ip) {
		printf("ip: %s: not an IPv4 address with a prefix length, as 10.0.0.2/24\n", argv[2]);
		return -EINVAL;
	}
	net_set_addr(d, ip, prefix);
	printf("%s: inet %s\n", d->name, argv[2]);
	return 0;
}

struct ping {
	uint32_t dst;
	uint16_t id;
	uint64_t count, sent, received;
	uint64_t sent_ns[NET_PING_HISTORY];
	bool answered[NET_PING_HISTORY];
	uint64_t min, max, sum;
};

static void ping_reply(const struct net_echo_reply *r, void *ctx)
{
	struct ping *p = ctx;
	uint64_t rtt, slot = r->seq % NET_PING_HISTORY;
	char ip[16], t[24];

	/* ours, sent, not already counted (a duplicate), and recent enough to be in the history */
	if (r->from != p->dst || r->id != p->id || !r->seq || r->seq > p->sent ||
	    p->sent - r->seq >= NET_PING_HISTORY || p->answered[slot])
		return;
	p->answered[slot] = true;
	rtt = clock_ns() - p->sent_ns[slot];
	p->received++;
	p->sum += rtt;
	p->min = p->received == 1 || rtt < p->min ? rtt : p->min;
	p->max = rtt > p->max ? rtt : p->max;
	net_fmt_ip(ip, sizeof(ip), r->from);
	fmt_ms(t, sizeof(t), rtt);
	printf("%lu bytes from %s: icmp_seq=%u time=%s ms\n", (unsigned long)(r->len + 8), ip, r->seq, t);
}

static void ping_summary(const struct ping *p, const char *dst)
{
	char mn[24], avg[24], mx[24];

	printf("--- %s ping statistics ---\n", dst);
	printf("%lu packets transmitted, %lu received, %lu%c packet loss\n", (unsigned long)p->sent,
	       (unsigned long)p->received,
	       (unsigned long)(p->sent ? (p->sent - p->received) * 100 / p->sent : 0), '%');
	if (!p->received)
		return;
	fmt_ms(mn, sizeof(mn), p->min);
	fmt_ms(avg, sizeof(avg), p->sum / p->received);
	fmt_ms(mx, sizeof(mx), p->max);
	printf("rtt min/avg/max = %s/%s/%s ms\n", mn, avg, mx);
}

/* Send echo request seq (waiting for ARP and for room in the NIC): 0 or -errno. */
static int ping_one(struct ping *p, const char *dst)
{
	uint16_t seq = (uint16_t)(p->sent + 1);
	uint64_t end;
	int rc;

	rc = net_cmd_resolve("ping", p->dst, dst);
	if (rc == -EAGAIN) {
		p->sent++; /* counted as sent and lost, as ping does */
		return 0;
	}
	if (rc)
		return rc;
	end = clock_ns() + TX_STALL_NS;
	p->answered[seq % NET_PING_HISTORY] = false;
	p->sent_ns[seq % NET_PING_HISTORY] = clock_ns();
	while ((rc = net_ping_send(p->dst, p->id, seq, PING_PAYLOAD)) == -ENOBUFS && clock_ns() < end)
		net_wait_once();
	if (rc)
		return rc;
	p->sent++;
	end = clock_ns() + PING_TIMEOUT_NS;
	while (!p->answered[seq % NET_PING_HISTORY] && clock_ns() < end)
		net_wait_once();
	return 0;
}

int cmd_ping(int argc, char **argv)
{
	static struct ping p;
	static uint16_t next_id = 0x4e58;
	uint64_t count = 4;
	int rc = 0;

	if (argc < 2 || argc > 3 || (argc == 3 && (parse_u64(argv[2], PING_COUNT_MAX, &count) || !count))) {
		printf("usage: ping ADDRESS [COUNT] (COUNT 1..%d, default 4)\n", PING_COUNT_MAX);
		return -EINVAL;
	}
	memset(&p, 0, sizeof(p));
	if (net_parse_ip(argv[1], &p.dst)) {
		printf("ping: %s: not an IPv4 address (a.b.c.d)\n", argv[1]);
		return -EINVAL;
	}
	p.id = next_id++;
	p.count = count;
	printf("PING %s: %d data bytes\n", argv[1], PING_PAYLOAD);
	net_set_echo_handler(ping_reply, &p);
	while (p.sent < p.count && !rc)
		rc = ping_one(&p, argv[1]);
	net_set_echo_handler(NULL, NULL);
	if (rc && rc != -ENETUNREACH)
		printf("ping: sending failed (%d)\n", rc);
	ping_summary(&p, argv[1]);
	return p.received ? 0 : -ETIMEDOUT;
}

/* Send one datagram, waiting for ARP and for room in the NIC; CMD names the command in errors. */
int net_cmd_send(const char *cmd, uint32_t dst, const char *dst_s, uint16_t port, const void *buf, size_t len)
{
	uint64_t end = clock_ns() + TX_STALL_NS;
	int rc;

	for (;;) {
		rc = net_udp_send(dst, BENCH_SPORT, port, buf, len);
		if (rc == -EAGAIN) { /* the ARP entry expired */
			rc = net_cmd_resolve(cmd, dst, dst_s);
			if (rc)
				return rc;
			continue;
		}
		if (rc != -ENOBUFS || clock_ns() >= end)
			break;
		net_poll(); /* reclaims what the NIC has sent */
	}
	if (rc == -ENOBUFS)
		printf("%s: the NIC sent nothing for 2 s\n", cmd);
	else if (rc)
		printf("%s: send failed (%d)\n", cmd, rc);
	return rc;
}

static void bench_report(const char *dst, uint64_t port, uint64_t bytes, uint64_t ns, uint64_t n, int size)
{
	uint64_t kib_s = ns ? bytes / 1024 * 1000000000ULL / ns : 0;
	char t[24];

	snprintf(t, sizeof(t), "%lu.%03lu", (unsigned long)(ns / 1000000000ULL),
		 (unsigned long)(ns / 1000000 % 1000));
	printf("net bench: %lu MiB to %s:%lu in %s s: %lu.%02lu MiB/s (%lu datagrams of up to %d bytes)\n",
	       (unsigned long)(bytes / MIB), dst, (unsigned long)port, t, (unsigned long)(kib_s / 1024),
	       (unsigned long)(kib_s % 1024 * 100 / 1024), (unsigned long)n, size);
}

/* net bench ADDR PORT MIB: UDP datagrams (a 4-byte sequence number, then a pattern). */
static int net_bench(int argc, char **argv)
{
	static uint8_t buf[NET_MTU_MAX];
	uint64_t port, mib, total, sent = 0, n = 0, t0;
	uint32_t dst;
	int size, rc;
	size_t i;

	if (argc != 5 || parse_u64(argv[3], 65535, &port) || !port ||
	    parse_u64(argv[4], BENCH_MIB_MAX, &mib) || !mib) {
		printf("usage: net bench ADDRESS PORT MIB (MIB 1..%d)\n", BENCH_MIB_MAX);
		return -EINVAL;
	}
	if (net_parse_ip(argv[2], &dst)) {
		printf("net bench: %s: not an IPv4 address (a.b.c.d)\n", argv[2]);
		return -EINVAL;
	}
	size = net_udp_max_payload(dst);
	if (size < 0 || (rc = net_cmd_resolve("net bench", dst, argv[2]))) {
		if (size < 0)
			printf("net bench: %s: no NIC has a route to it (give one an address with ip)\n",
			       argv[2]);
		return size < 0 ? size : rc;
	}
	for (i = 4; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	total = mib * MIB;
	t0 = clock_ns();
	while (sent < total) {
		size_t len = total - sent < (uint64_t)size ? total - sent : (size_t)size;
		uint32_t seq = net_htonl((uint32_t)n);

		memcpy(buf, &seq, 4); /* the sequence number, big-endian */
		rc = net_cmd_send("net bench", dst, argv[2], (uint16_t)port, buf, len);
		if (rc)
			return rc;
		sent += len;
		n++;
	}
	bench_report(argv[2], port, sent, clock_ns() - t0, n, size);
	return 0;
}

static int net_sink(int argc, char **argv)
{
	const struct net_sink *s;
	uint64_t port;
	unsigned int i;
	int rc;

	if (argc == 2) {
		for (i = 0; (s = net_sink_at(i)); i++)
			if (s->port)
				print_sink(s);
		return 0;
	}
	if (argc != 3 || parse_u64(argv[2], 65535, &port) || !port) {
		printf("usage: net sink [PORT] (PORT 1..65535)\n");
		return -EINVAL;
	}
	net_poll();
	s = net_sink_find((uint16_t)port);
	if (s) {
		print_sink(s);
		return 0;
	}
	rc = net_sink_open((uint16_t)port);
	if (rc) {
		printf("net sink: already %d sinks; no room for another\n", NET_MAX_SINKS);
		return rc;
	}
	printf("udp sink %lu: counting\n", (unsigned long)port);
	return 0;
}

int cmd_net(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return net_bench(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "sink"))
		return net_sink(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "beat"))
		return net_beat(argc, argv);
	printf("usage: net bench ADDRESS PORT MIB | net sink [PORT] | net beat ADDRESS PORT US SECONDS\n");
	return -EINVAL;
}
