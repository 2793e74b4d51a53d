/*
 * Taps for vifs: /dev/net/tun, TUNSETIFF and the vnet header set up once;
 * the MTU, and for one created here the host-side MAC of a Xen vif, as
 * libxl's taps get them (hvctl_tap_configure).
 */
#include "hypervisor/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hypervisor/hvctl.h"
#include "log.h"

int tap_name_check(const char *name)
{
	size_t len = strnlen(name, IFNAMSIZ);

	if (!len || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
		return -EINVAL;
	return 0;
}

static const char *attach_hint(int rc)
{
	switch (rc) {
	case -EBUSY:
		return ": another process holds it (another domain's vif?)";
	case -EINVAL:
		return ": an interface of that name exists and is not a tap";
	case -EPERM:
		return ": xenon-hv needs CAP_NET_ADMIN, or a tap made for its user";
	default:
		return "";
	}
}

/* TUNSETIFF: attach to name, creating it if needed. */
static int attach(struct tap *t, const char *name)
{
	struct ifreq ifr = {0};

	t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0) {
		int rc = -errno;

		log_warn("tap %s: cannot open /dev/net/tun%s", name,
			 rc == -ENOENT ? " (load the tun module: modprobe tun)" : "");
		return rc;
	}
	t->created = !if_nametoindex(name);
	strcpy(ifr.ifr_name, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		int rc = -errno;

		log_warn("tap %s: cannot %s it (TUNSETIFF)%s", name, t->created ? "create" : "attach to",
			 attach_hint(rc));
		return rc;
	}
	strcpy(t->name, name);
	return 0;
}

static int setup(struct tap *t)
{
	int hdr = TAP_VNET_HDR_LEN, le = 1;

	int rc;

	t->offload = -1;
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		rc = -errno;
		log_warn("tap %s: cannot set its virtio-net header size (TUNSETVNETHDRSZ)", t->name);
		return rc;
	}
	/* virtio 1.x headers are little-endian on any host (a little-endian
	 * host's kernel may not know the ioctl: it is little-endian already). */
	if (ioctl(t->fd, TUNSETVNETLE, &le) < 0 &&
	    (errno != EINVAL || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)) {
		rc = -errno;
		log_warn("tap %s: cannot make its virtio-net header little-endian (TUNSETVNETLE)", t->name);
		return rc;
	}
	return tap_set_offload(t, 0);
}

/* name as far as a log line shows it: printable ASCII, the rest as '?'. */
static const char *printable(const char *name, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && name[i]; i++)
		buf[i] = name[i] > ' ' && name[i] < 0x7f ? name[i] : '?';
	buf[i] = 0;
	return buf;
}

int tap_open(struct tap *t, const char *name, unsigned mtu)
{
	char shown[2 * IFNAMSIZ];
	int rc;

	*t = (struct tap){.fd = -1};
	if (tap_name_check(name)) {
		log_warnx("tap \"%s\": not a usable interface name: give 1 to %d characters of "
			  "A-Z a-z 0-9 _ . -",
			  printable(name, shown, sizeof(shown)), IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (mtu < TAP_MTU_MIN || mtu > TAP_MTU_MAX) {
		log_warnx("tap %s: MTU %u is outside %d .. %d", name, mtu, TAP_MTU_MIN, TAP_MTU_MAX);
		return -EINVAL;
	}
	rc = attach(t, name);
	if (!rc)
		rc = setup(t);
	if (!rc)
		rc = hvctl_tap_configure(name, mtu, t->created);
	if (rc)
		tap_close(t);
	return rc;
}

int tap_adopt(struct tap *t, int fd, const char *name)
{
	struct ifreq ifr = {0};
	int fl, rc;

	*t = (struct tap){.fd = -1};
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		rc = -errno;
		log_warnx("tap %s: the file descriptor passed is not an attached tap (TUNGETIFF: %s)", name,
			  log_strerror(rc));
		return rc == -EBADFD || rc == -ENOTTY ? -EINVAL : rc;
	}
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN | IFF_NO_PI | IFF_VNET_HDR)) != (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) ||
	    strcmp(ifr.ifr_name, name)) {
		log_warnx("tap %s: the file descriptor passed is %s with flags %#x, not the tap %s with "
			  "IFF_TAP | IFF_NO_PI | IFF_VNET_HDR",
			  name, ifr.ifr_name, (unsigned)ifr.ifr_flags & 0xffff, name);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	t->fd = fd;
	strcpy(t->name, ifr.ifr_name);
	rc = setup(t);
	if (rc)
		t->fd = -1; /* still the caller's */
	return rc;
}

int tap_set_offload(struct tap *t, unsigned tun_flags)
{
	if (t->offload == (int)tun_flags)
		return 0;
	t->offload = -1; /* not known if it fails */
	if (ioctl(t->fd, TUNSETOFFLOAD, tun_flags) < 0) {
		int rc = -errno;

		log_warn("tap %s: cannot set its offloads to %#x (TUNSETOFFLOAD)", t->name, tun_flags);
		return rc;
	}
	t->offload = (int)tun_flags;
	return 0;
}

void tap_close(struct tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
