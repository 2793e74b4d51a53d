/*
 * libFuzzer target: the guest's receive path (guest/net.c's net_rx), whose
 * frames come from the network and are untrusted.
 *
 * Input: a byte that picks the NIC's MTU and prefix, then frames, each a
 * 2-byte length (big-endian) and that many bytes (the last one takes what
 * is left). Each frame is its own exact-size malloc, so ASan reports a read
 * past what was received; every frame the stack sends back must fit the
 * NIC's MTU. Between frames the stack also resolves and sends, so the ARP
 * cache's learnt entries are used.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t now_ns;
static struct netdev nic;
static bool ready;

uint64_t clock_ns(void)
{
	return now_ns;
}

static int fuzz_send(struct netdev *dev, const void *frame, size_t len)
{
	const uint8_t *p = frame;
	volatile uint8_t sum = 0;
	size_t i;

	if (len < ETH_HLEN || len > (size_t)ETH_HLEN + dev->mtu || len > NET_FRAME_MAX)
		abort(); /* a frame larger than the NIC takes */
	for (i = 0; i < len; i++)
		sum ^= p[i]; /* every byte must be readable */
	(void)sum;
	return (p[len - 1] & 7) == 7 ? -ENOBUFS : 0; /* sometimes the NIC is full */
}

static void fuzz_poll(struct netdev *dev)
{
	(void)dev;
}

static const struct netdev_ops ops = {fuzz_send, fuzz_poll, NULL};

static void on_reply(const struct net_echo_reply *r, void *ctx)
{
	(void)ctx;
	if (r->len > NET_FRAME_MAX)
		abort();
}

static void setup(uint8_t cfg)
{
	if (!ready) {
		strcpy(nic.name, "eth0");
		memcpy(nic.mac, (const uint8_t[]){0x52, 0x54, 0, 0, 0, 2}, ETH_ALEN);
		nic.ops = &ops;
		nic.mtu = 1500;
		if (netdev_register(&nic))
			abort();
		net_sink_open(5000);
		net_set_echo_handler(on_reply, NULL);
		ready = true;
	}
	nic.mtu = (uint16_t)(NET_MTU_MIN + (cfg & 0xf) * 100);
	net_set_addr(&nic, 0x0a000002, (uint8_t)(cfg >> 4) * 2); /* 10.0.0.2/0..30 */
	net_arp_flush();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t payload[NET_MTU_MAX];
	uint8_t mac[ETH_ALEN];

	if (!size)
		return 0;
	setup(*data++);
	size--;
	while (size) {
		size_t len = size >= 2 ? (size_t)data[0] << 8 | data[1] : size;
		uint8_t *frame;

		if (size >= 2)
			data += 2, size -= 2;
		if (len > size)
			len = size;
		frame = malloc(len ? len : 1);
		if (!frame)
			return 0;
		memcpy(frame, data, len);
		net_rx(&nic, frame, len);
		free(frame);
		data += len;
		size -= len;
		now_ns += 300000000; /* ARP retries and expiry come into play */
		net_resolve(0x0a000001, mac);
		net_udp_send(0x0a000001, 1, 2, payload, len % (nic.mtu + 1));
		net_ping_send(0x0a000001, 1, 1, len % nic.mtu);
	}
	return 0;
}
