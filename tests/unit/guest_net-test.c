/*
 * The guest's IPv4 stack (guest/net.c) built for the host: frames go in
 * through net_rx and out through a fake NIC that keeps what is sent.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "net.h"
#include "unit.h"

#define OUR_IP	 0x0a000002 /* 10.0.0.2 */
#define PEER_IP	 0x0a000001 /* 10.0.0.1 */
#define MAX_SENT 8

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
static const uint8_t peer_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint8_t sent[MAX_SENT][NET_FRAME_MAX];
static size_t sent_len[MAX_SENT];
static unsigned int nr_sent;
static int send_rc;
static uint64_t now_ns = 1000;

uint64_t clock_ns(void)
{
	return now_ns;
}

static int fake_send(struct netdev *dev, const void *frame, size_t len)
{
	(void)dev;
	if (send_rc)
		return send_rc;
	CHECK(len <= NET_FRAME_MAX);
	if (nr_sent < MAX_SENT && len <= NET_FRAME_MAX) {
		memcpy(sent[nr_sent], frame, len);
		sent_len[nr_sent++] = len;
	}
	return 0;
}

static void fake_poll(struct netdev *dev)
{
	(void)dev;
}

static const struct netdev_ops fake_ops = {fake_send, fake_poll, NULL};
static struct netdev nic;

static void reset(void)
{
	if (netdev_find("eth0"))
		netdev_unregister(&nic);
	memset(&nic, 0, sizeof(nic));
	strcpy(nic.name, "eth0");
	memcpy(nic.mac, our_mac, 6);
	nic.mtu = 1500;
	nic.ops = &fake_ops;
	CHECK_INT(netdev_register(&nic), 0);
	CHECK_INT(net_set_addr(&nic, OUR_IP, 24), 0);
	net_arp_flush();
	memset(&net_counters, 0, sizeof(net_counters));
	nr_sent = 0;
	send_rc = 0;
	now_ns += 100ULL * 1000000000;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static size_t eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, type);
	return 14;
}

static size_t arp(uint8_t *f, uint16_t op, uint32_t spa, uint32_t tpa)
{
	size_t n = eth(f, op == 1 ? bcast : our_mac, 0x0806);

	put16(f + n, 1);
	put16(f + n + 2, 0x0800);
	f[n + 4] = 6;
	f[n + 5] = 4;
	put16(f + n + 6, op);
	memcpy(f + n + 8, peer_mac, 6);
	put32(f + n + 14, spa);
	memset(f + n + 18, 0, 6);
	put32(f + n + 24, tpa);
	return n + 28;
}

/* An IPv4 frame from the peer with len payload bytes already at f + 34. */
static size_t ip(uint8_t *f, uint8_t proto, uint32_t dst, size_t len)
{
	uint8_t *h = f + eth(f, our_mac, 0x0800);

	memset(h, 0, 20);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(20 + len));
	h[8] = 64;
	h[9] = proto;
	put32(h + 12, PEER_IP);
	put32(h + 16, dst);
	put16(h + 10, (uint16_t)~net_csum_fold(net_csum_add(0, h, 20)));
	return 34 + len;
}

static size_t echo_request(uint8_t *f, uint16_t id, uint16_t seq, size_t payload)
{
	uint8_t *ic = f + 34;
	size_t i;

	ic[0] = 8;
	ic[1] = 0;
	put16(ic + 2, 0);
	put16(ic + 4, id);
	put16(ic + 6, seq);
	for (i = 0; i < payload; i++)
		ic[8 + i] = (uint8_t)(i * 7);
	put16(ic + 2, (uint16_t)~net_csum_fold(net_csum_add(0, ic, 8 + payload)));
	return ip(f, 1, OUR_IP, 8 + payload);
}

static size_t udp(uint8_t *f, uint16_t dport, size_t payload, bool with_csum)
{
	uint8_t *u = f + 34;
	uint32_t sum;
	size_t i;

	put16(u, 40000);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + payload));
	put16(u + 6, 0);
	for (i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)i;
	if (with_csum) {
		sum = (PEER_IP >> 16) + (PEER_IP & 0xffff) + (OUR_IP >> 16) + (OUR_IP & 0xffff) + 17 +
		      (uint32_t)(8 + payload);
		put16(u + 6, (uint16_t)~net_csum_fold(net_csum_add(sum, u, 8 + payload)));
	}
	return ip(f, 17, OUR_IP, 8 + payload);
}

/* The IPv4 header at f + 14 is well formed and sums to 0xffff. */
static void check_ip_hdr(const uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst)
{
	CHECK_INT(f[14], 0x45);
	CHECK_INT(f[14 + 9], proto);
	CHECK_INT(get32(f + 14 + 12), src);
	CHECK_INT(get32(f + 14 + 16), dst);
	CHECK_INT(net_csum_fold(net_csum_add(0, f + 14, 20)), 0xffff);
}

static void test_parse(void)
{
	uint32_t a;
	uint8_t p;
	char buf[20];

	CHECK_INT(net_parse_ip("10.0.0.2", &a), 0);
	CHECK_INT(a, OUR_IP);
	CHECK_INT(net_parse_ip("255.255.255.255", &a), 0);
	CHECK_INT(a, 0xffffffff);
	CHECK_INT(net_parse_ip("256.0.0.1", &a), -EINVAL);
	CHECK_INT(net_parse_ip("1.2.3", &a), -EINVAL);
	CHECK_INT(net_parse_ip("1.2.3.4.5", &a), -EINVAL);
	CHECK_INT(net_parse_ip("1.2.3.4 ", &a), -EINVAL);
	CHECK_INT(net_parse_ip("1..3.4", &a), -EINVAL);
	CHECK_INT(net_parse_ip("0001.2.3.4", &a), -EINVAL);
	CHECK_INT(net_parse_ip("", &a), -EINVAL);
	CHECK_INT(net_parse_cidr("192.168.7.9/21", &a, &p), 0);
	CHECK_INT(a, 0xc0a80709);
	CHECK_INT(p, 21);
	CHECK_INT(net_parse_cidr("10.0.0.2", &a, &p), -EINVAL);
	CHECK_INT(net_parse_cidr("10.0.0.2/33", &a, &p), -EINVAL);
	CHECK_INT(net_parse_cidr("10.0.0.2/", &a, &p), -EINVAL);
	CHECK_INT(net_parse_cidr("10.0.0.2/24x", &a, &p), -EINVAL);
	net_fmt_ip(buf, sizeof(buf), 0xc0a80709);
	CHECK_STR(buf, "192.168.7.9");
}

static void test_checksum(void)
{
	/* RFC 1071's example: the sum of these words is 0xddf2 once folded */
	const uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	const uint8_t odd[] = {0x01, 0x02, 0x03};

	CHECK_INT(net_csum_fold(net_csum_add(0, words, sizeof(words))), 0xddf2);
	CHECK_INT(net_csum_fold(net_csum_add(0, odd, sizeof(odd))), 0x0402);
}

static void test_registry(void)
{
	static struct netdev more[NET_MAX_NICS];
	struct netdev dup;
	unsigned int i;
	int rc = 0;

	reset();
	dup = nic;
	CHECK_INT(netdev_register(&dup), -EEXIST);
	for (i = 0; i < NET_MAX_NICS && !rc; i++) {
		more[i] = nic;
		snprintf(more[i].name, sizeof(more[i].name), "x%u", i);
		rc = netdev_register(&more[i]);
	}
	CHECK_INT(rc, -ENOSPC);
	CHECK_INT(i, NET_MAX_NICS);
	for (i = 0; i < NET_MAX_NICS; i++)
		netdev_unregister(&more[i]);
	CHECK(netdev_at(0) == &nic);
	CHECK(netdev_at(1) == NULL);
	CHECK(netdev_find("x0") == NULL);
}

static void test_arp_reply(void)
{
	uint8_t f[64], mac[6];

	reset();
	net_rx(&nic, f, arp(f, 1, PEER_IP, OUR_IP));
	CHECK_INT(nr_sent, 1);
	CHECK_INT(sent_len[0], 60); /* padded to the shortest frame */
	CHECK(!memcmp(sent[0], peer_mac, 6));
	CHECK(!memcmp(sent[0] + 6, our_mac, 6));
	CHECK_INT(get16(sent[0] + 12), 0x0806);
	CHECK_INT(get16(sent[0] + 14 + 6), 2);
	CHECK(!memcmp(sent[0] + 14 + 8, our_mac, 6));
	CHECK_INT(get32(sent[0] + 14 + 14), OUR_IP);
	CHECK(!memcmp(sent[0] + 14 + 18, peer_mac, 6));
	CHECK_INT(get32(sent[0] + 14 + 24), PEER_IP);
	CHECK_INT(net_counters.arp_requests_answered, 1);
	/* the asker is learnt */
	CHECK_INT(net_resolve(PEER_IP, mac), 0);
	CHECK(!memcmp(mac, peer_mac, 6));
	/* a request for someone else's address: no answer, nothing learnt */
	reset();
	net_rx(&nic, f, arp(f, 1, PEER_IP, OUR_IP + 5));
	CHECK_INT(nr_sent, 0);
	/* a truncated one */
	net_rx(&nic, f, arp(f, 1, PEER_IP, OUR_IP) - 1);
	CHECK_INT(nr_sent, 0);
	CHECK_INT(nic.stats.rx_dropped, 1);
}

static void test_resolve(void)
{
	uint8_t f[64], mac[6];

	reset();
	CHECK_INT(net_resolve(0x0b000001, mac), -ENETUNREACH);
	CHECK_INT(net_resolve(PEER_IP, mac), -EAGAIN);
	CHECK_INT(nr_sent, 1);
	CHECK(!memcmp(sent[0], bcast, 6));
	CHECK_INT(get16(sent[0] + 14 + 6), 1);
	CHECK_INT(get32(sent[0] + 14 + 24), PEER_IP);
	/* no second request within a second */
	CHECK_INT(net_resolve(PEER_IP, mac), -EAGAIN);
	CHECK_INT(nr_sent, 1);
	now_ns += 1000000001;
	CHECK_INT(net_resolve(PEER_IP, mac), -EAGAIN);
	CHECK_INT(nr_sent, 2);
	/* an unasked-for reply from a third address is not learnt */
	net_rx(&nic, f, arp(f, 2, PEER_IP + 7, OUR_IP));
	net_rx(&nic, f, arp(f, 2, PEER_IP, OUR_IP));
	CHECK_INT(net_resolve(PEER_IP, mac), 0);
	CHECK(!memcmp(mac, peer_mac, 6));
	CHECK_INT(net_counters.arp_replies_seen, 2);
	/* an address change forgets what was learnt */
	net_set_addr(&nic, OUR_IP, 24);
	CHECK_INT(net_resolve(PEER_IP, mac), -EAGAIN);
}

static void test_echo(void)
{
	uint8_t f[1600];
	size_t n;

	reset();
	n = echo_request(f, 0x1234, 7, 56);
	net_rx(&nic, f, n);
	CHECK_INT(nr_sent, 1);
	CHECK_INT(sent_len[0], n);
	CHECK(!memcmp(sent[0], peer_mac, 6));
	check_ip_hdr(sent[0], 1, OUR_IP, PEER_IP);
	CHECK_INT(sent[0][34], 0); /* echo reply */
	CHECK_INT(get16(sent[0] + 34 + 4), 0x1234);
	CHECK_INT(get16(sent[0] + 34 + 6), 7);
	CHECK(!memcmp(sent[0] + 42, f + 42, 56));
	CHECK_INT(net_csum_fold(net_csum_add(0, sent[0] + 34, 64)), 0xffff);
	CHECK_INT(net_counters.echo_requests_answered, 1);
	/* Ethernet padding after the IP packet is not echoed */
	memset(f + n, 0xee, 10);
	net_rx(&nic, f, n + 10);
	CHECK_INT(nr_sent, 2);
	CHECK_INT(sent_len[1], n);
	/* a bad ICMP checksum, a bad IP checksum, a truncated packet: no reply */
	n = echo_request(f, 1, 1, 56);
	f[40] ^= 1;
	net_rx(&nic, f, n);
	n = echo_request(f, 1, 1, 56);
	f[14 + 10] ^= 1;
	net_rx(&nic, f, n);
	n = echo_request(f, 1, 1, 56);
	net_rx(&nic, f, n - 1);
	CHECK_INT(nr_sent, 2);
	CHECK_INT(net_counters.bad_checksum, 2);
	/* too large to answer within our MTU */
	nic.mtu = 100;
	net_rx(&nic, f, echo_request(f, 1, 1, 200));
	CHECK_INT(nr_sent, 2);
	/* a fragment */
	nic.mtu = 1500;
	n = echo_request(f, 1, 1, 56);
	f[14 + 6] = 0x20; /* MF */
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, (uint16_t)~net_csum_fold(net_csum_add(0, f + 14, 20)));
	net_rx(&nic, f, n);
	CHECK_INT(nr_sent, 2);
	CHECK_INT(net_counters.fragments, 1);
	/* not ours: another MAC, another address */
	n = echo_request(f, 1, 1, 56);
	f[0] ^= 2;
	net_rx(&nic, f, n);
	CHECK_INT(nr_sent, 2);
}

static int replies;
static struct net_echo_reply last_reply;

static void on_reply(const struct net_echo_reply *r, void *ctx)
{
	CHECK(ctx == &replies);
	replies++;
	last_reply = *r;
}

static void test_ping(void)
{
	uint8_t f[256], mac[6];
	size_t n;

	reset();
	CHECK_INT(net_ping_send(PEER_IP, 9, 1, 56), -EAGAIN); /* ARP first */
	net_rx(&nic, f, arp(f, 2, PEER_IP, OUR_IP));
	CHECK_INT(net_resolve(PEER_IP, mac), 0);
	nr_sent = 0;
	CHECK_INT(net_ping_send(PEER_IP, 9, 1, 56), 0);
	CHECK_INT(nr_sent, 1);
	CHECK_INT(sent_len[0], 98);
	check_ip_hdr(sent[0], 1, OUR_IP, PEER_IP);
	CHECK_INT(sent[0][34], 8);
	CHECK_INT(net_csum_fold(net_csum_add(0, sent[0] + 34, 64)), 0xffff);
	/* the peer's reply reaches the handler */
	net_set_echo_handler(on_reply, &replies);
	n = echo_request(f, 9, 1, 56);
	f[34] = 0;
	put16(f + 36, 0);
	put16(f + 36, (uint16_t)~net_csum_fold(net_csum_add(0, f + 34, 64)));
	net_rx(&nic, f, n);
	CHECK_INT(replies, 1);
	CHECK_INT(last_reply.from, PEER_IP);
	CHECK_INT(last_reply.id, 9);
	CHECK_INT(last_reply.seq, 1);
	CHECK_INT(last_reply.len, 56);
	net_set_echo_handler(NULL, NULL);
	CHECK_INT(net_ping_send(0x0b000001, 9, 1, 56), -ENETUNREACH);
}

static void test_udp_sink(void)
{
	uint8_t f[1600];
	const struct net_sink *s;
	size_t n;

	reset();
	CHECK_INT(net_sink_open(5000), 0);
	CHECK_INT(net_sink_open(5000), -EEXIST);
	CHECK_INT(net_sink_open(0), -EINVAL);
	net_rx(&nic, f, udp(f, 5000, 1000, true));
	net_rx(&nic, f, udp(f, 5000, 24, false)); /* no checksum: allowed in IPv4 */
	net_rx(&nic, f, udp(f, 5001, 24, true));
	n = udp(f, 5000, 100, true);
	f[60] ^= 0x40;
	net_rx(&nic, f, n);
	n = udp(f, 5000, 100, true);
	put16(f + 34 + 4, 200); /* longer than the packet */
	net_rx(&nic, f, n);
	s = net_sink_find(5000);
	CHECK(s != NULL);
	if (s) {
		CHECK_INT(s->packets, 2);
		CHECK_INT(s->bytes, 1024);
	}
	CHECK_INT(net_counters.udp_no_port, 1);
	CHECK_INT(net_counters.bad_checksum, 1);
	CHECK_INT(nr_sent, 0);
}

static void test_udp_send(void)
{
	uint8_t f[64], mac[6], data[1472];
	uint32_t sum;
	size_t i;

	reset();
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	CHECK_INT(net_udp_max_payload(PEER_IP), 1472);
	CHECK_INT(net_udp_max_payload(0x0b000001), -ENETUNREACH);
	net_rx(&nic, f, arp(f, 1, PEER_IP, OUR_IP));
	CHECK_INT(net_resolve(PEER_IP, mac), 0);
	nr_sent = 0;
	CHECK_INT(net_udp_send(PEER_IP, 1234, 5001, data, sizeof(data)), 0);
	CHECK_INT(net_udp_send(PEER_IP, 1234, 5001, data, sizeof(data) + 1), -EMSGSIZE);
	CHECK_INT(nr_sent, 1);
	CHECK_INT(sent_len[0], 1514);
	check_ip_hdr(sent[0], 17, OUR_IP, PEER_IP);
	CHECK_INT(get16(sent[0] + 14 + 2), 1500);
	CHECK_INT(get16(sent[0] + 34), 1234);
	CHECK_INT(get16(sent[0] + 36), 5001);
	CHECK_INT(get16(sent[0] + 38), 1480);
	sum = (OUR_IP >> 16) + (OUR_IP & 0xffff) + (PEER_IP >> 16) + (PEER_IP & 0xffff) + 17 + 1480;
	CHECK_INT(net_csum_fold(net_csum_add(sum, sent[0] + 34, 1480)), 0xffff);
	CHECK(!memcmp(sent[0] + 42, data, sizeof(data)));
	CHECK_INT(nic.stats.tx_packets, 2); /* the ARP reply and this */
	/* a full NIC: -ENOBUFS, for the caller to retry */
	send_rc = -ENOBUFS;
	CHECK_INT(net_udp_send(PEER_IP, 1234, 5001, data, 10), -ENOBUFS);
	CHECK_INT(nic.stats.tx_errors, 0);
	/* to the subnet's broadcast: no ARP needed */
	send_rc = 0;
	net_arp_flush();
	CHECK_INT(net_udp_send(0x0a0000ff, 1, 2, data, 10), 0);
	CHECK(!memcmp(sent[1], bcast, 6));
}

int main(void)
{
	RUN(test_parse);
	RUN(test_checksum);
	RUN(test_registry);
	RUN(test_arp_reply);
	RUN(test_resolve);
	RUN(test_echo);
	RUN(test_ping);
	RUN(test_udp_sink);
	RUN(test_udp_send);
	return unit_done();
}
