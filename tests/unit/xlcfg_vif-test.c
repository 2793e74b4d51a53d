/* Unit tests of vif specs (xl-network-configuration(5), libxl/libxl_nic.c). */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "libxl/libxl_types.h"

static libxl_device_nic nic;
static char err[256];

static int parse(const char *spec)
{
	libxl_device_nic_dispose(&nic);
	libxl_device_nic_init(&nic);
	err[0] = 0;
	return libxl_nic_parse_spec(spec, &nic, err, sizeof(err));
}

static const char *mac(void)
{
	static char buf[LIBXL_MAC_FMTLEN + 1];

	libxl_mac_to_string(nic.mac, buf);
	return buf;
}

static void test_keys(void)
{
	CHECK_INT(
	    parse("mac=00:16:3E:01:02:03, bridge=xenbr1,ip=10.0.0.2 10.0.0.3,script=vif-route,"
		  "vifname=web0,model=e1000,type=ioemu,gatewaydev=eth1,backend=netdom,mtu=9000,devid=7"),
	    0);
	CHECK_STR(mac(), "00:16:3e:01:02:03");
	CHECK_STR(nic.bridge, "xenbr1");
	CHECK_STR(nic.ip, "10.0.0.2 10.0.0.3");
	CHECK_STR(nic.script, "vif-route");
	CHECK_STR(nic.ifname, "web0");
	CHECK_STR(nic.model, "e1000");
	CHECK_INT(nic.nictype, LIBXL_NIC_TYPE_VIF_IOEMU);
	CHECK_STR(nic.gatewaydev, "eth1");
	CHECK_STR(nic.backend_domname, "netdom");
	CHECK_INT(nic.mtu, 9000);
	CHECK_INT(nic.devid, 7);
	/* netdev= is gatewaydev's other name; a later value replaces an earlier; accel= is ignored */
	CHECK_INT(parse("netdev=eth2,bridge=br0,bridge=br1,accel=whatever"), 0);
	CHECK_STR(nic.gatewaydev, "eth2");
	CHECK_STR(nic.bridge, "br1");
	/* an empty spec is a vif with every default */
	CHECK_INT(parse(""), 0);
	CHECK(libxl_mac_is_default(nic.mac));
	CHECK(nic.bridge == NULL);
	/* short octets, '-' separators, as Xen reads them */
	CHECK_INT(parse("mac=0-16-3e-a-b-c"), 0);
	CHECK_STR(mac(), "00:16:3e:0a:0b:0c");
}

static void test_bad_macs(void)
{
	static const char *const bad[] = {
	    "mac=00:16:3e:01:02",
	    "mac=00:16:3e:01:02:03:04",
	    "mac=00:16:3e:01:02:zz",
	    "mac=000:16:3e:01:02:03",
	    "mac=",
	    "mac=00:16:3e:01:02:03x",
	    "mac=00::3e:01:02:03",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse(bad[i]), -EINVAL);
		CHECK(strstr(err, "invalid MAC address") != NULL);
	}
	CHECK_INT(parse("mac=01:16:3e:01:02:03"), -EINVAL);
	CHECK(strstr(err, "multicast") != NULL);
}

static void test_rate(void)
{
	CHECK_INT(parse("rate=10Mb/s"), 0);
	CHECK_INT(nic.rate_interval_usecs, 50000);
	CHECK_INT(nic.rate_bytes_per_interval, 62500); /* 1250000 B/s for 50 ms */
	CHECK_INT(parse("rate=1MB/s@20ms"), 0);
	CHECK_INT(nic.rate_interval_usecs, 20000);
	CHECK_INT(nic.rate_bytes_per_interval, 20000);
	CHECK_INT(parse("rate=100KB/s@1s"), 0);
	CHECK_INT(nic.rate_interval_usecs, 1000000);
	CHECK_INT(nic.rate_bytes_per_interval, 100000);
	CHECK_INT(parse("rate=32b/s@250ms"), 0);
	CHECK_INT(nic.rate_interval_usecs, 250000);
	CHECK_INT(nic.rate_bytes_per_interval, 1);
	/* under a byte per interval would be no limit at all: refused */
	CHECK_INT(parse("rate=8b/s@250us"), -EINVAL);
	CHECK(strstr(err, "less than one byte per interval") != NULL);
	CHECK_INT(parse("rate=10Mbit"), -EINVAL);
	CHECK(strstr(err, "invalid rate \"10Mbit\"") != NULL);
	CHECK_INT(parse("rate=0MB/s"), -EINVAL);
	CHECK_INT(parse("rate=1MB/s@5h"), -EINVAL);
	CHECK(strstr(err, "invalid replenishment interval \"5h\"") != NULL);
	CHECK_INT(parse("rate=@10ms"), -EINVAL);
	CHECK(strstr(err, "no rate given") != NULL);
}

static void test_errors(void)
{
	CHECK_INT(parse("bridge=br0,colour=red"), -EINVAL);
	CHECK_STR(err, "invalid vif specification 'bridge=br0,colour=red': unknown parameter \"colour\" "
		       "(see xl-network-configuration(5))");
	CHECK_INT(parse("xenbr0"), -EINVAL);
	CHECK_STR(err, "invalid vif specification 'xenbr0': \"xenbr0\" is not a key=value setting");
	CHECK_INT(parse("type=tap"), -EINVAL);
	CHECK_INT(parse("mtu=big"), -EINVAL);
	CHECK_INT(parse("mtu=70000"), -EINVAL);
	CHECK_INT(parse("devid=0x10"), -EINVAL);
	CHECK_STR(err,
		  "invalid vif specification 'devid=0x10': devid must be a decimal number, not \"0x10\"");
}

static void test_random_mac(void)
{
	libxl_mac a, b;
	int i, same = 0;

	for (i = 0; i < 8; i++) {
		libxl_nic_random_mac(a);
		libxl_nic_random_mac(b);
		CHECK(a[0] == 0x00 && a[1] == 0x16 && a[2] == 0x3e);
		CHECK((a[3] & 0x80) == 0);
		same += !memcmp(a, b, sizeof(a));
	}
	CHECK(same < 8);
}

int main(void)
{
	libxl_device_nic_init(&nic);
	RUN(test_keys);
	RUN(test_bad_macs);
	RUN(test_rate);
	RUN(test_errors);
	RUN(test_random_mac);
	libxl_device_nic_dispose(&nic);
	return unit_done();
}
