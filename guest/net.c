/*
 * The guest's IPv4 stack: Ethernet, ARP (answers for our addresses, a small
 * cache, resolution), IPv4 (header checksum; fragments are dropped), ICMP
 * echo (answered; replies to ours go to the echo handler), UDP send and
 * UDP sinks that count what arrives on a port.
 *
 * Frames from the network are untrusted: every header is checked against
 * the bytes actually received before it is read, and a reply is never
 * larger than the NIC's MTU. Single-threaded: the shell's context only.
 */
#include "kernel.h"
#include "net.h"

#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_ZLEN	60 /* shortest frame, without the FCS */
#define ARP_LEN		28
#define ARP_REQUEST	1
#define ARP_REPLY	2
#define IP_HLEN		20
#define IP_PROTO_ICMP	1
#define IP_PROTO_UDP	17
#define IP_DF		0x4000
#define IP_FRAG_MASK	0x3fff /* MF and the offset */
#define IP_TTL		64
#define ICMP_HLEN	8
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO	8
#define UDP_HLEN	8
#define ARP_RETRY_NS	1000000000ULL
#define ARP_VALID_NS	(60 * 1000000000ULL)

struct eth_hdr {
	uint8_t dst[ETH_ALEN], src[ETH_ALEN];
	uint16_t type;
} __attribute__((packed));

struct arp_pkt {
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op;
	uint8_t sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
} __attribute__((packed));

struct ip_hdr {
	uint8_t ver_ihl, tos;
	uint16_t tot_len, id, frag_off;
	uint8_t ttl, proto;
	uint16_t csum;
	uint32_t saddr, daddr;
} __attribute__((packed));

struct icmp_hdr {
	uint8_t type, code;
	uint16_t csum, id, seq;
} __attribute__((packed));

struct udp_hdr {
	uint16_t sport, dport, len, csum;
} __attribute__((packed));

_Static_assert(sizeof(struct eth_hdr) == ETH_HLEN, "ethernet header");
_Static_assert(sizeof(struct arp_pkt) == ARP_LEN, "arp packet");
_Static_assert(sizeof(struct ip_hdr) == IP_HLEN, "ip header");

enum arp_state { ARP_FREE, ARP_PENDING, ARP_VALID };
struct arp_entry {
	enum arp_state state;
	struct netdev *dev;
	uint32_t ip;
	uint8_t mac[ETH_ALEN];
	uint64_t when; /* asked (pending) or learnt (valid) */
};

static const uint8_t eth_broadcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct netdev *nics[NET_MAX_NICS];
static unsigned int nr_nics;
static struct arp_entry arp_cache[NET_ARP_ENTRIES];
static struct net_sink sinks[NET_MAX_SINKS];
static net_echo_fn echo_fn;
static void *echo_ctx;
static uint16_t ip_next_id = 1;
static uint8_t txbuf[NET_FRAME_MAX] __attribute__((aligned(8)));
struct net_counters net_counters;

/* ---- checksums, addresses -------------------------------------------- */

uint32_t net_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len > 1; len -= 2, p += 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The checksum field's value (network order) for data that sums to sum. */
static uint16_t csum_field(uint32_t sum)
{
	return net_htons((uint16_t)~net_csum_fold(sum));
}

static uint32_t pseudo_sum(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t len)
{
	return (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) + proto + len;
}

static int parse_dec(const char **s, uint32_t max, uint32_t *v)
{
	const char *p = *s;

	*v = 0;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		*v = *v * 10 + (uint32_t)(*p - '0');
		if (*v > max || p - *s >= 3)
			return -EINVAL;
	}
	*s = p;
	return 0;
}

static int parse_ip_prefix(const char **s, uint32_t *ip)
{
	uint32_t part;
	int i;

	*ip = 0;
	for (i = 0; i < 4; i++) {
		if (i && *(*s)++ != '.')
			return -EINVAL;
		if (parse_dec(s, 255, &part))
			return -EINVAL;
		*ip = *ip << 8 | part;
	}
	return 0;
}

int net_parse_ip(const char *s, uint32_t *ip)
{
	if (parse_ip_prefix(&s, ip) || *s)
		return -EINVAL;
	return 0;
}

int net_parse_cidr(const char *s, uint32_t *ip, uint8_t *prefix)
{
	uint32_t p;

	if (parse_ip_prefix(&s, ip) || *s++ != '/' || parse_dec(&s, 32, &p) || *s)
		return -EINVAL;
	*prefix = (uint8_t)p;
	return 0;
}

void net_fmt_ip(char *buf, size_t size, uint32_t ip)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

void net_fmt_mac(char *buf, size_t size, const uint8_t *m)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static uint32_t prefix_mask(uint8_t prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/* The largest IPv4 packet we send on dev (its MTU, at most what txbuf holds). */
static size_t dev_mtu(const struct netdev *dev)
{
	return dev->mtu < NET_MTU_MAX ? dev->mtu : NET_MTU_MAX;
}

static bool is_our_broadcast(const struct netdev *dev, uint32_t ip)
{
	return ip == 0xffffffff ||
	       (dev->addr && dev->prefix < 31 && ip == (dev->addr | ~prefix_mask(dev->prefix)));
}

/* ---- the NIC table ------------------------------------------------------ */

struct netdev *netdev_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_nics; i++)
		if (!strcmp(nics[i]->name, name))
			return nics[i];
	return NULL;
}

struct netdev *netdev_at(unsigned int i)
{
	return i < nr_nics ? nics[i] : NULL;
}

int netdev_register(struct netdev *dev)
{
	if (netdev_find(dev->name))
		return -EEXIST;
	if (nr_nics == NET_MAX_NICS)
		return -ENOSPC;
	if (dev->mtu > NET_MTU_MAX)
		dev->mtu = NET_MTU_MAX;
	if (dev->mtu < NET_MTU_MIN)
		return -EINVAL;
	nics[nr_nics++] = dev;
	return 0;
}

static void arp_forget(const struct netdev *dev)
{
	unsigned int i;

	for (i = 0; i < NET_ARP_ENTRIES; i++)
		if (arp_cache[i].dev == dev)
			arp_cache[i].state = ARP_FREE, arp_cache[i].dev = NULL;
}

void netdev_unregister(struct netdev *dev)
{
	unsigned int i;

	for (i = 0; i < nr_nics; i++) {
		if (nics[i] != dev)
			continue;
		arp_forget(dev);
		for (; i + 1 < nr_nics; i++)
			nics[i] = nics[i + 1];
		nr_nics--;
		return;
	}
}

int net_set_addr(struct netdev *dev, uint32_t ip, uint8_t prefix)
{
	if (prefix > 32)
		return -EINVAL;
	arp_forget(dev);
	dev->addr = ip;
	dev->prefix = prefix;
	return 0;
}

struct netdev *net_route(uint32_t ip)
{
	unsigned int i;

	for (i = 0; i < nr_nics; i++) {
		uint32_t mask = prefix_mask(nics[i]->prefix);

		if (nics[i]->addr && (ip & mask) == (nics[i]->addr & mask))
			return nics[i];
	}
	return NULL;
}

void net_poll(void)
{
	unsigned int i;

	for (i = 0; i < nr_nics; i++)
		nics[i]->ops->poll(nics[i]);
}

bool net_pending(void)
{
	unsigned int i;

	for (i = 0; i < nr_nics; i++)
		if (nics[i]->ops->pending && nics[i]->ops->pending(nics[i]))
			return true;
	return false;
}

/* ---- sending ------------------------------------------------------------ */

/* Send txbuf, whose payload (len bytes after the Ethernet header) is filled. */
static int eth_send(struct netdev *dev, const uint8_t *dst, uint16_t type, size_t len)
{
	struct eth_hdr *eh = (struct eth_hdr *)txbuf;
	size_t n = ETH_HLEN + len;
	int rc;

	memcpy(eh->dst, dst, ETH_ALEN);
	memcpy(eh->src, dev->mac, ETH_ALEN);
	eh->type = net_htons(type);
	if (n < ETH_ZLEN) {
		memset(txbuf + n, 0, ETH_ZLEN - n);
		n = ETH_ZLEN;
	}
	rc = dev->ops->send(dev, txbuf, n);
	if (!rc) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += n;
	} else if (rc != -ENOBUFS) {
		dev->stats.tx_errors++;
	}
	return rc;
}

/* A reply the stack sends on its own: a full device drops it, counted. */
static void eth_send_reply(struct netdev *dev, const uint8_t *dst, uint16_t type, size_t len)
{
	if (eth_send(dev, dst, type, len) == -ENOBUFS)
		dev->stats.tx_errors++;
}

/* Fill txbuf's IPv4 header for len payload bytes; the caller checked the MTU. */
static void ip_fill(struct netdev *dev, uint32_t dst, uint8_t proto, size_t len)
{
	struct ip_hdr *ih = (struct ip_hdr *)(txbuf + ETH_HLEN);

	ih->ver_ihl = 0x45;
	ih->tos = 0;
	ih->tot_len = net_htons((uint16_t)(IP_HLEN + len));
	ih->id = net_htons(ip_next_id++);
	ih->frag_off = net_htons(IP_DF);
	ih->ttl = IP_TTL;
	ih->proto = proto;
	ih->csum = 0;
	ih->saddr = net_htonl(dev->addr);
	ih->daddr = net_htonl(dst);
	ih->csum = csum_field(net_csum_add(0, ih, IP_HLEN));
}

static void arp_fill(struct netdev *dev, uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	struct arp_pkt *a = (struct arp_pkt *)(txbuf + ETH_HLEN);
	uint32_t spa = net_htonl(dev->addr);

	tpa = net_htonl(tpa);
	a->htype = net_htons(1);
	a->ptype = net_htons(ETH_P_IP);
	a->hlen = ETH_ALEN;
	a->plen = 4;
	a->op = net_htons(op);
	memcpy(a->sha, dev->mac, ETH_ALEN);
	memcpy(a->spa, &spa, 4);
	memcpy(a->tha, tha, ETH_ALEN);
	memcpy(a->tpa, &tpa, 4);
}

static struct arp_entry *arp_lookup(const struct netdev *dev, uint32_t ip)
{
	unsigned int i;

	for (i = 0; i < NET_ARP_ENTRIES; i++)
		if (arp_cache[i].state != ARP_FREE && arp_cache[i].dev == dev && arp_cache[i].ip == ip)
			return &arp_cache[i];
	return NULL;
}

/* A free entry, or else the oldest one. */
static struct arp_entry *arp_slot(void)
{
	struct arp_entry *e = &arp_cache[0];
	unsigned int i;

	for (i = 0; i < NET_ARP_ENTRIES; i++) {
		if (arp_cache[i].state == ARP_FREE)
			return &arp_cache[i];
		if (arp_cache[i].when < e->when)
			e = &arp_cache[i];
	}
	return e;
}

void net_arp_flush(void)
{
	memset(arp_cache, 0, sizeof(arp_cache));
}

int net_resolve(uint32_t ip, uint8_t mac[ETH_ALEN])
{
	struct netdev *dev = net_route(ip);
	uint64_t now = clock_ns();
	struct arp_entry *e;

	if (!dev)
		return -ENETUNREACH;
	e = arp_lookup(dev, ip);
	if (e && e->state == ARP_VALID && now - e->when < ARP_VALID_NS) {
		memcpy(mac, e->mac, ETH_ALEN);
		return 0;
	}
	if (e && e->state == ARP_PENDING && now - e->when < ARP_RETRY_NS)
		return -EAGAIN;
	if (!e) {
		e = arp_slot();
		e->dev = dev;
		e->ip = ip;
	}
	e->state = ARP_PENDING;
	e->when = now;
	arp_fill(dev, ARP_REQUEST, (const uint8_t[ETH_ALEN]){0}, ip);
	eth_send_reply(dev, eth_broadcast, ETH_P_ARP, ARP_LEN);
	return -EAGAIN;
}

/* Route, resolve and check the size of an IPv4 packet of len payload bytes. */
static int ip_prepare(uint32_t dst, size_t len, struct netdev **devp, uint8_t mac[ETH_ALEN])
{
	struct netdev *dev = net_route(dst);
	int rc;

	if (!dev)
		return -ENETUNREACH;
	if (IP_HLEN + len > dev_mtu(dev))
		return -EMSGSIZE;
	if (is_our_broadcast(dev, dst))
		memcpy(mac, eth_broadcast, ETH_ALEN);
	else if ((rc = net_resolve(dst, mac)))
		return rc;
	*devp = dev;
	return 0;
}

int net_udp_max_payload(uint32_t dst)
{
	struct netdev *dev = net_route(dst);

	return dev ? (int)dev_mtu(dev) - IP_HLEN - UDP_HLEN : -ENETUNREACH;
}

int net_udp_send(uint32_t dst, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	struct udp_hdr *uh = (struct udp_hdr *)(txbuf + ETH_HLEN + IP_HLEN);
	uint8_t mac[ETH_ALEN];
	struct netdev *dev;
	uint16_t ulen = (uint16_t)(UDP_HLEN + len);
	uint32_t sum;
	int rc;

	if (len > NET_MTU_MAX)
		return -EMSGSIZE;
	rc = ip_prepare(dst, UDP_HLEN + len, &dev, mac);
	if (rc)
		return rc;
	uh->sport = net_htons(sport);
	uh->dport = net_htons(dport);
	uh->len = net_htons(ulen);
	uh->csum = 0;
	memcpy(uh + 1, data, len);
	sum = net_csum_add(pseudo_sum(dev->addr, dst, IP_PROTO_UDP, ulen), uh, ulen);
	uh->csum = csum_field(sum);
	if (!uh->csum)
		uh->csum = 0xffff; /* 0 would mean "no checksum" */
	ip_fill(dev, dst, IP_PROTO_UDP, ulen);
	return eth_send(dev, mac, ETH_P_IP, IP_HLEN + ulen);
}

void net_set_echo_handler(net_echo_fn fn, void *ctx)
{
	echo_fn = fn;
	echo_ctx = ctx;
}

int net_ping_send(uint32_t dst, uint16_t id, uint16_t seq, size_t payload_len)
{
	struct icmp_hdr *ic = (struct icmp_hdr *)(txbuf + ETH_HLEN + IP_HLEN);
	uint8_t *payload = (uint8_t *)(ic + 1);
	uint8_t mac[ETH_ALEN];
	struct netdev *dev;
	size_t i;
	int rc;

	if (payload_len > NET_MTU_MAX)
		return -EMSGSIZE;
	rc = ip_prepare(dst, ICMP_HLEN + payload_len, &dev, mac);
	if (rc)
		return rc;
	ic->type = ICMP_ECHO;
	ic->code = 0;
	ic->csum = 0;
	ic->id = net_htons(id);
	ic->seq = net_htons(seq);
	for (i = 0; i < payload_len; i++)
		payload[i] = (uint8_t)i;
	ic->csum = csum_field(net_csum_add(0, ic, ICMP_HLEN + payload_len));
	ip_fill(dev, dst, IP_PROTO_ICMP, ICMP_HLEN + payload_len);
	return eth_send(dev, mac, ETH_P_IP, IP_HLEN + ICMP_HLEN + payload_len);
}

/* ---- sinks --------------------------------------------------------------- */

const struct net_sink *net_sink_find(uint16_t port)
{
	unsigned int i;

	for (i = 0; port && i < NET_MAX_SINKS; i++)
		if (sinks[i].port == port)
			return &sinks[i];
	return NULL;
}

const struct net_sink *net_sink_at(unsigned int i)
{
	return i < NET_MAX_SINKS ? &sinks[i] : NULL;
}

int net_sink_open(uint16_t port)
{
	unsigned int i;

	if (!port)
		return -EINVAL;
	if (net_sink_find(port))
		return -EEXIST;
	for (i = 0; i < NET_MAX_SINKS; i++) {
		if (!sinks[i].port) {
			sinks[i].port = port;
			sinks[i].packets = sinks[i].bytes = 0;
			return 0;
		}
	}
	return -ENOSPC;
}

/* ---- receiving ------------------------------------------------------------ */

static void arp_rx(struct netdev *dev, const uint8_t *p, size_t len)
{
	const struct arp_pkt *a = (const struct arp_pkt *)p;
	struct arp_entry *e;
	uint32_t spa, tpa;

	if (len < ARP_LEN || net_ntohs(a->htype) != 1 || net_ntohs(a->ptype) != ETH_P_IP ||
	    a->hlen != ETH_ALEN || a->plen != 4) {
		dev->stats.rx_dropped++;
		return;
	}
	memcpy(&spa, a->spa, 4);
	memcpy(&tpa, a->tpa, 4);
	spa = net_ntohl(spa);
	tpa = net_ntohl(tpa);
	if (!spa || (a->sha[0] & 1))
		return; /* a probe, or a multicast "sender": nothing to learn or answer */
	e = arp_lookup(dev, spa);
	if (!e && dev->addr && tpa == dev->addr) {
		e = arp_slot();
		e->dev = dev;
		e->ip = spa;
	}
	if (e) {
		e->state = ARP_VALID;
		e->when = clock_ns();
		memcpy(e->mac, a->sha, ETH_ALEN);
	}
	if (net_ntohs(a->op) == ARP_REPLY)
		net_counters.arp_replies_seen++;
	if (net_ntohs(a->op) != ARP_REQUEST || !dev->addr || tpa != dev->addr)
		return;
	net_counters.arp_requests_answered++;
	arp_fill(dev, ARP_REPLY, a->sha, spa);
	eth_send_reply(dev, a->sha, ETH_P_ARP, ARP_LEN);
}

static void icmp_rx(struct netdev *dev, const uint8_t *src_mac, const struct ip_hdr *ih, const uint8_t *p,
		    size_t len)
{
	const struct icmp_hdr *ic = (const struct icmp_hdr *)p;
	struct icmp_hdr *out = (struct icmp_hdr *)(txbuf + ETH_HLEN + IP_HLEN);
	uint32_t src = net_ntohl(ih->saddr);

	if (len < ICMP_HLEN || net_csum_fold(net_csum_add(0, p, len)) != 0xffff) {
		net_counters.bad_checksum += len >= ICMP_HLEN;
		dev->stats.rx_dropped++;
		return;
	}
	if (ic->type == ICMP_ECHO_REPLY && ic->code == 0) {
		struct net_echo_reply r = {src, net_ntohs(ic->id), net_ntohs(ic->seq), len - ICMP_HLEN};

		net_counters.echo_replies_seen++;
		if (echo_fn)
			echo_fn(&r, echo_ctx);
		return;
	}
	/* echo requests to our own address only (not broadcasts), and no larger than we may send */
	if (ic->type != ICMP_ECHO || ic->code != 0 || net_ntohl(ih->daddr) != dev->addr ||
	    IP_HLEN + len > dev_mtu(dev) || !src || (src_mac[0] & 1))
		return;
	memcpy(out, p, len);
	out->type = ICMP_ECHO_REPLY;
	out->csum = 0;
	out->csum = csum_field(net_csum_add(0, out, len));
	ip_fill(dev, src, IP_PROTO_ICMP, len);
	net_counters.echo_requests_answered++;
	eth_send_reply(dev, src_mac, ETH_P_IP, IP_HLEN + len);
}

static void udp_rx(struct netdev *dev, const struct ip_hdr *ih, const uint8_t *p, size_t len)
{
	const struct udp_hdr *uh = (const struct udp_hdr *)p;
	uint16_t ulen;
	unsigned int i;

	if (len < UDP_HLEN || (ulen = net_ntohs(uh->len)) < UDP_HLEN || ulen > len) {
		dev->stats.rx_dropped++;
		return;
	}
	if (uh->csum) {
		uint32_t sum = pseudo_sum(net_ntohl(ih->saddr), net_ntohl(ih->daddr), IP_PROTO_UDP, ulen);

		if (net_csum_fold(net_csum_add(sum, p, ulen)) != 0xffff) {
			net_counters.bad_checksum++;
			dev->stats.rx_dropped++;
			return;
		}
	}
	net_counters.udp_received++;
	for (i = 0; i < NET_MAX_SINKS; i++) {
		if (sinks[i].port && sinks[i].port == net_ntohs(uh->dport)) {
			sinks[i].packets++;
			sinks[i].bytes += ulen - UDP_HLEN;
			return;
		}
	}
	net_counters.udp_no_port++;
}

static void ip_rx(struct netdev *dev, const uint8_t *src_mac, const uint8_t *p, size_t len)
{
	const struct ip_hdr *ih = (const struct ip_hdr *)p;
	size_t hl, tot;
	uint32_t dst;

	if (len < IP_HLEN || (ih->ver_ihl >> 4) != 4 || (hl = (size_t)(ih->ver_ihl & 0xf) * 4) < IP_HLEN ||
	    hl > len || (tot = net_ntohs(ih->tot_len)) < hl || tot > len) {
		dev->stats.rx_dropped++;
		return;
	}
	if (net_csum_fold(net_csum_add(0, p, hl)) != 0xffff) {
		net_counters.bad_checksum++;
		dev->stats.rx_dropped++;
		return;
	}
	if (net_ntohs(ih->frag_off) & IP_FRAG_MASK) {
		net_counters.fragments++;
		dev->stats.rx_dropped++;
		return;
	}
	dst = net_ntohl(ih->daddr);
	if (!dev->addr || (dst != dev->addr && !is_our_broadcast(dev, dst)))
		return; /* not for us (tot bounds the payload: Ethernet may pad) */
	if (ih->proto == IP_PROTO_ICMP)
		icmp_rx(dev, src_mac, ih, p + hl, tot - hl);
	else if (ih->proto == IP_PROTO_UDP)
		udp_rx(dev, ih, p + hl, tot - hl);
}

void net_rx(struct netdev *dev, const void *frame, size_t len)
{
	const struct eth_hdr *eh = frame;
	const uint8_t *p = frame;

	dev->stats.rx_packets++;
	dev->stats.rx_bytes += len;
	if (len < ETH_HLEN) {
		dev->stats.rx_dropped++;
		return;
	}
	if (memcmp(eh->dst, dev->mac, ETH_ALEN) && memcmp(eh->dst, eth_broadcast, ETH_ALEN))
		return; /* someone else's (a bridge floods until it learns) */
	if (net_ntohs(eh->type) == ETH_P_ARP)
		arp_rx(dev, p + ETH_HLEN, len - ETH_HLEN);
	else if (net_ntohs(eh->type) == ETH_P_IP)
		ip_rx(dev, eh->src, p + ETH_HLEN, len - ETH_HLEN);
}
