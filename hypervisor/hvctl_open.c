/*
 * What a privileged control client (libxl, hvctl) opens for a device before
 * it sends HVCTL_DEVICE_ADD (hvctl.h, HVCTL_DEVF_FDS): a sandboxed xenon-hv
 * has no view of the host's files and no CAP_NET_ADMIN, so the disk's file
 * and the vif's tap are opened here and passed over the control socket.
 * xenon-hv checks what it receives as it checks what it opens itself.
 */
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

void hvctl_fds_close(int *fds, unsigned nfds)
{
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

static int open_vbd(const struct hvctl_device_spec *spec, int *fds, unsigned *nfds)
{
	int ro = spec->flags & HVCTL_DEVF_READONLY;
	int flags = (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY;
	int fd = open(spec->target, flags), rc;

	if (fd < 0) {
		rc = -errno;
		if ((rc == -EROFS || rc == -EACCES) && !ro)
			log_warnx("vbd %u: cannot open %s for writing: %s (attach it read-only with ro)",
				  spec->devid, spec->target, log_strerror(rc));
		else
			log_warnx("vbd %u: cannot open %s: %s", spec->devid, spec->target, log_strerror(rc));
		return rc;
	}
	fds[(*nfds)++] = fd;
	/* O_DIRECT where the file takes it: xenon-hv tries it and falls back by itself. */
	if (!(spec->flags & HVCTL_DEVF_NO_DIRECT)) {
		fd = open(spec->target, flags | O_DIRECT);
		if (fd >= 0)
			fds[(*nfds)++] = fd;
	}
	return 0;
}

static const char *tap_hint(int rc)
{
	switch (rc) {
	case -EBUSY:
		return ": another process holds it (another domain's vif?)";
	case -EINVAL:
		return ": an interface of that name exists and is not a tap";
	case -EPERM:
		return ": needs CAP_NET_ADMIN (run as root)";
	default:
		return "";
	}
}

/* ioctl on an interface by name through a throwaway socket. */
static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}

static int set_mtu(const char *name, unsigned mtu)
{
	struct ifreq ifr = {0};
	int rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = if_ioctl(SIOCGIFMTU, &ifr);
	if (rc || (unsigned)ifr.ifr_mtu == mtu)
		return rc;
	ifr.ifr_mtu = (int)mtu;
	return if_ioctl(SIOCSIFMTU, &ifr);
}

static int set_host_mac(const char *name)
{
	static const unsigned char mac[] = HVCTL_TAP_HOST_MAC;
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, sizeof(mac));
	return if_ioctl(SIOCSIFHWADDR, &ifr);
}

int hvctl_tap_configure(const char *name, unsigned mtu, bool created)
{
	int rc = set_mtu(name, mtu);

	if (rc)
		log_warnx("tap %s: cannot set its MTU to %u: %s", name, mtu, log_strerror(rc));
	else if (created && (rc = set_host_mac(name)))
		log_warnx("tap %s: cannot set its MAC to fe:ff:ff:ff:ff:ff: %s", name, log_strerror(rc));
	return rc;
}

static int open_vif(const struct hvctl_device_spec *spec, int *fds, unsigned *nfds)
{
	struct ifreq ifr = {0};
	unsigned mtu = spec->mtu ? spec->mtu : 1500;
	const char *name = spec->target;
	int fd, rc, created;

	if (strlen(name) >= IFNAMSIZ) {
		log_warnx("tap %s: name too long (at most %d characters)", name, IFNAMSIZ - 1);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		log_warn("tap %s: cannot open /dev/net/tun%s", name,
			 rc == -ENOENT ? " (load the tun module: modprobe tun)" : "");
		return rc;
	}
	created = !if_nametoindex(name);
	strcpy(ifr.ifr_name, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	rc = ioctl(fd, TUNSETIFF, &ifr) < 0 ? -errno : 0;
	if (rc)
		log_warnx("tap %s: cannot %s it (TUNSETIFF)%s", name, created ? "create" : "attach to",
			  tap_hint(rc));
	else
		rc = hvctl_tap_configure(name, mtu, created);
	if (rc) {
		close(fd);
		return rc;
	}
	fds[(*nfds)++] = fd;
	return 0;
}

int hvctl_device_open(struct hvctl_device_spec *spec, int *fds, unsigned *nfds)
{
	int rc;

	*nfds = 0;
	if (!memchr(spec->target, '\0', sizeof(spec->target)) || !spec->target[0])
		return -EINVAL;
	if (spec->kind == HVCTL_DEV_VBD)
		rc = open_vbd(spec, fds, nfds);
	else if (spec->kind == HVCTL_DEV_VIF)
		rc = open_vif(spec, fds, nfds);
	else
		return -EINVAL;
	if (rc) {
		hvctl_fds_close(fds, *nfds);
		*nfds = 0;
		return rc;
	}
	spec->flags |= HVCTL_DEVF_FDS;
	return 0;
}
