/*
 * A vif's tap (docs/devices.md): created by xenon-hv with the name it is
 * given, or opened if it exists; always IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
 * with the 12-byte virtio 1.x header (struct virtio_net_hdr_v1), little-endian.
 * A tap xenon-hv created is not persistent: it goes away when closed; one
 * that existed before stays.
 */
#ifndef XENON_HV_TAP_H
#define XENON_HV_TAP_H

#include <net/if.h>
#include <stdbool.h>

#define TAP_VNET_HDR_LEN 12

struct tap {
	int fd; /* non-blocking, close-on-exec; -1 when closed */
	char name[IFNAMSIZ];
	bool created; /* by us: goes away with fd */
	int offload;  /* the TUN_F_* flags last set; -1: not known */
};

/* A name the kernel takes and a shell can quote: 1 to IFNAMSIZ - 1 bytes of
 * [A-Za-z0-9_.-], not "." or "..". 0 or -EINVAL. */
int tap_name_check(const char *name);
/* Create or open the tap name; mtu (68 .. TAP_MTU_MAX) set on it if it
 * differs. 0, or -errno with a log line that says what to do (nothing left
 * behind). */
#define TAP_MTU_MIN 68
#define TAP_MTU_MAX 65521 /* 65535 - the Ethernet header, the kernel's tap limit */
int tap_open(struct tap *t, const char *name, unsigned mtu);
/* Take the tap fd a privileged caller made (TUNSETIFF done) for name: checked
 * to be that tap with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, made non-blocking,
 * its vnet header set up. On success t owns fd; on failure the caller does. */
int tap_adopt(struct tap *t, int fd, const char *name);
/* What the kernel may hand us: TUN_F_* (linux/if_tun.h) bits. Only when
 * they change: TUNSETOFFLOAD takes the host's rtnl lock and tells every
 * netlink listener, and a guest may reset its NIC in a loop. */
int tap_set_offload(struct tap *t, unsigned tun_flags);
void tap_close(struct tap *t);

#endif
