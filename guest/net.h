/*
 * The guest's network: a tiny netdev interface that NIC drivers fill in, and
 * a small IPv4 stack on top (Ethernet, ARP, IPv4 without fragments, ICMP
 * echo, UDP send and a UDP sink). Everything runs in the shell's context:
 * drivers hand received frames to net_rx() from their poll function, which
 * net_poll() calls from the shell's idle loop; nothing runs in interrupts.
 *
 * net.c is pure C on these declarations and kernel.h's lib functions, so it
 * is also built for the host (tests/unit/guest_net-test, tests/fuzz/).
 */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* errno values kernel.h lacks (Linux's numbers) */
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef EAGAIN
#define EAGAIN 11
#endif
#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif
#ifndef ENETUNREACH
#define ENETUNREACH 101
#endif
#ifndef ENOBUFS
#define ENOBUFS 105
#endif

#define NET_MAX_NICS	 8
#define NET_NAME_MAX	 16
#define ETH_ALEN	 6
#define ETH_HLEN	 14
#define NET_MTU_MAX	 1500
#define NET_MTU_MIN	 68
#define NET_FRAME_MAX	 (ETH_HLEN + NET_MTU_MAX)
#define NET_ARP_ENTRIES	 16
#define NET_MAX_SINKS	 4
#define NET_PING_HISTORY 64

struct net_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped; /* dropped: malformed or not ours */
	uint64_t tx_packets, tx_bytes, tx_errors;
};

struct netdev;
struct netdev_ops {
	/* Queue one frame (ETH_HLEN..ETH_HLEN+mtu bytes, copied before it
	 * returns): 0, or -ENOBUFS when the device has no room right now. */
	int (*send)(struct netdev *dev, const void *frame, size_t len);
	/* Hand every received frame to net_rx() and reclaim sent buffers. */
	void (*poll)(struct netdev *dev);
	/* Optional, called with interrupts off before idling: would poll()
	 * find work now? (so that the shell does not sleep past a frame) */
	bool (*pending)(struct netdev *dev);
};

struct netdev {
	char name[NET_NAME_MAX];
	uint8_t mac[ETH_ALEN];
	uint16_t mtu;
	const struct netdev_ops *ops;
	void *priv;
	/* the stack's: one IPv4 address per NIC (0: none) */
	uint32_t addr;	/* host byte order */
	uint8_t prefix; /* 0..32 */
	struct net_stats stats;
};

/* Registration (drivers): 0, -ENOSPC (table full) or -EEXIST (name taken). */
int netdev_register(struct netdev *dev);
void netdev_unregister(struct netdev *dev);
struct netdev *netdev_find(const char *name);
struct netdev *netdev_at(unsigned int i); /* NULL past the last */

/* A received frame (untrusted: every length and offset is checked). */
void net_rx(struct netdev *dev, const void *frame, size_t len);
/* Poll every NIC (the shell's idle loop); is any NIC's work waiting? */
void net_poll(void);
bool net_pending(void);

/* Addresses, host byte order. "a.b.c.d" and "a.b.c.d/prefix": 0 or -EINVAL. */
int net_parse_ip(const char *s, uint32_t *ip);
int net_parse_cidr(const char *s, uint32_t *ip, uint8_t *prefix);
void net_fmt_ip(char *buf, size_t size, uint32_t ip);
void net_fmt_mac(char *buf, size_t size, const uint8_t *mac);
int net_set_addr(struct netdev *dev, uint32_t ip, uint8_t prefix);
/* The NIC whose subnet holds ip, or NULL. */
struct netdev *net_route(uint32_t ip);

/* ARP: 0 and the MAC if cached; else -EAGAIN after asking (at most once
 * per second per address), or -ENETUNREACH with no route. */
int net_resolve(uint32_t ip, uint8_t mac[ETH_ALEN]);
void net_arp_flush(void);

/* ICMP echo requests we send, and the replies we see to them. */
struct net_echo_reply {
	uint32_t from;
	uint16_t id, seq;
	size_t len; /* ICMP payload bytes */
};
typedef void (*net_echo_fn)(const struct net_echo_reply *r, void *ctx);
void net_set_echo_handler(net_echo_fn fn, void *ctx);
int net_ping_send(uint32_t dst, uint16_t id, uint16_t seq, size_t payload_len);

/* UDP: the largest payload to dst's NIC, and a send (0 or -errno). */
int net_udp_max_payload(uint32_t dst);
int net_udp_send(uint32_t dst, uint16_t sport, uint16_t dport, const void *data, size_t len);

/* UDP sinks: count what arrives on a port. */
struct net_sink {
	uint16_t port; /* 0: unused */
	uint64_t packets, bytes;
};
int net_sink_open(uint16_t port); /* 0, -EEXIST (already counting) or -ENOSPC */
const struct net_sink *net_sink_find(uint16_t port);
const struct net_sink *net_sink_at(unsigned int i); /* NULL past the table; port 0: unused */

/* Counters of the whole stack (besides each NIC's). */
struct net_counters {
	uint64_t arp_requests_answered, arp_replies_seen;
	uint64_t echo_requests_answered, echo_replies_seen;
	uint64_t udp_received, udp_no_port, bad_checksum, fragments;
};
extern struct net_counters net_counters;

/* Clock for ARP retries (ns since boot): time.c's clock_ns in the guest. */
uint64_t clock_ns(void);

/* Byte order (x86 is little-endian; the wire is big-endian). */
static inline uint16_t net_htons(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t net_htonl(uint32_t v)
{
	return __builtin_bswap32(v);
}
#define net_ntohs net_htons
#define net_ntohl net_htonl

/* The Internet checksum of len bytes, folded, not complemented, from sum. */
uint32_t net_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t net_csum_fold(uint32_t sum);

/* Net shell commands (net_cmd.c), for commands.c's table. */
int cmd_nics(int argc, char **argv);
int cmd_ip(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_net(int argc, char **argv);
/* For them: wait for DST's MAC; send one datagram, waiting for ARP and NIC room (errors printed, CMD first). */
int net_cmd_resolve(const char *cmd, uint32_t dst, const char *dst_s);
int net_cmd_send(const char *cmd, uint32_t dst, const char *dst_s, uint16_t port, const void *buf, size_t len);
int net_beat(int argc, char **argv); /* net_beat.c */

#endif
