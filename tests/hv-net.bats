#!/usr/bin/env bats
# xenon-hv's virtio-net (hypervisor/virtio_net.c, tap.c; docs/devices.md):
# everything in a network namespace this test makes and deletes.
#
# Without KVM: tests/unit/hv_net-test plays the guest's driver against the
# device over a real tap. With KVM (tests/nested-kvm tests/hv-net.bats): the
# project's guest on a --nic, bridged to the host side of the namespace.

load helpers

NET_TEST=$XENON_TOP/tests/unit/hv_net-test

setup() {
	mk_tmp
	NS=xenon-test-$$-net$BATS_TEST_NUMBER
	HV_PID=
}

local_teardown() {
	kill_pid "${HV_PID:-}"
	ip netns list | grep -qw -- "$NS" && ip netns delete "$NS"
	true
}

# in_ns COMMAND...: run inside the test's namespace.
in_ns() { ip netns exec "$NS" "$@"; }

netns_start() {
	ip netns add "$NS"
	in_ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
	in_ns ip link set lo up
}

@test "virtio-net: the guest's frames reach an existing tap and the tap's reach the guest" {
	[ -x "$NET_TEST" ] || skip "tests/unit/hv_net-test is not built (make tests/unit/hv_net-test)"
	netns_start
	in_ns ip tuntap add dev xtap0 mode tap
	run in_ns "$NET_TEST" xtap0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok 8 - test_tx_csum_offload"* ]]
	[[ "$output" != *"not ok"* ]]
	# A tap that existed before stays when the device lets it go.
	in_ns ip link show dev xtap0
}

@test "virtio-net: an interface of the name that is not a tap is refused with a message" {
	[ -x "$NET_TEST" ] || skip "tests/unit/hv_net-test is not built (make tests/unit/hv_net-test)"
	netns_start
	in_ns ip tuntap add dev xtap0 mode tun
	run in_ns "$NET_TEST" xtap0
	[ "$status" -eq 1 ] # failed checks, not a crash
	[[ "$output" == *"tap xtap0: cannot attach to it (TUNSETIFF): an interface of that name exists and is not a tap"* ]]
	in_ns ip link show dev xtap0 # not ours: left as it was
}
