#!/usr/bin/env bats
# xenon-hv's NICs: virtio-net on a tap (hypervisor/virtio_net.c, tap.c;
# docs/devices.md). (tests/hv-devices.bats has the disks and the --nic
# argument checks.) Everything happens in a network namespace the test makes;
# teardown ends the xenon-hv it started and deletes the namespace, and with it
# every tap and bridge in it.
#
# Without KVM: tests/unit/hv_net-test plays the guest's driver against the
# device over a real tap. With KVM (tests/nested-kvm tests/hv-net.bats): the
# project's guest on --nic or a NIC added at run time.

load helpers

GUEST="$XENON_TOP/guest/xenon-guest.elf"
HV="$XENON_TOP/hypervisor/xenon-hv"
HVCTL="$XENON_TOP/hypervisor/hvctl"
NET_TEST="$XENON_TOP/tests/unit/hv_net-test"
PEER="$XENON_TOP/tests/net-peer"

setup() {
	mk_tmp
	SOCK="$T/ctl.sock"
	NS=xenon-test-$$-net$BATS_TEST_NUMBER
	HV_PID=
}

local_teardown() {
	# a test that failed or timed out: what was the guest's process doing?
	[ -n "${BATS_TEST_COMPLETED:-}" ] || dump_threads "${HV_PID:-}"
	kill_pid "${HV_PID:-}"
	if ip netns list | grep -qw -- "$NS"; then ip netns delete "$NS"; fi
	true
}

# built FILE...: each is there, or the test fails saying what to build.
built() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || { echo "${f#"$XENON_TOP"/} is not built (make ${f#"$XENON_TOP"/})" >&2; return 1; }
	done
}

in_ns() { ip netns exec "$NS" "$@"; }

# netns_start: the namespace, IPv6 off (no stray frames on the taps), lo up.
netns_start() {
	ip netns add "$NS"
	in_ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
	in_ns ip link set lo up
}

# bridge_start: a bridge xbr0 with the host's side, 10.0.0.1/24.
bridge_start() {
	in_ns ip link add xbr0 type bridge
	in_ns ip addr add 10.0.0.1/24 dev xbr0
	in_ns ip link set xbr0 up
}

# start_hv ARGS...: xenon-hv inside the namespace, console in $T/out, log in
# $T/err. Not through in_ns: a function in the background is a subshell, and
# $! would be its pid; ip netns exec execs xenon-hv, so $! is xenon-hv's.
start_hv() {
	ip netns exec "$NS" "$HV" --kernel "$GUEST" --control "$SOCK" "$@" >"$T/out" 2>"$T/err" </dev/null 3>&- &
	HV_PID=$!
	wait_for 10 test -S "$SOCK" || { cat "$T/err"; return 1; }
	[ "$(cat "/proc/$HV_PID/comm")" = xenon-hv ] # the pid teardown ends
}

tap_exists() { in_ns ip link show dev "$1" >/dev/null 2>&1; }
tap_gone() { ! tap_exists "$1"; }

console_has() { tr -d '\r' <"$T/out" | grep -Eq -- "$1"; }

# dev_stat KIND DEVID NAME: one statistic from hvctl device-list.
dev_stat() {
	"$HVCTL" "$SOCK" device-list | awk -v k="$1" -v d="$2" -v n="$3" '
		$1 == k && $2 == d { row = 1; next }
		row { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == n) print kv[2] }; exit }'
}

# ---- the device against a real tap, the test playing the guest (no KVM) ----

@test "virtio-net: the guest's frames reach an existing tap and the tap's reach the guest; bad chains counted" {
	built "$NET_TEST"
	netns_start
	in_ns ip tuntap add dev xtap0 mode tap
	run in_ns "$NET_TEST" xtap0
	echo "$output"
	[ "$status" -eq 0 ]
	grep -Eq '^ok [0-9]+ - test_rx_guest_csum$' <<<"$output" # the last one ran
	[[ "$output" != *"not ok"* ]]
	tap_exists xtap0 # it existed before: the device left it in place
}

@test "virtio-net: an interface of the name that is not a tap is refused with a message" {
	built "$NET_TEST"
	netns_start
	in_ns ip tuntap add dev xtap0 mode tun
	run in_ns "$NET_TEST" xtap0
	[ "$status" -eq 1 ] # failed checks, not a crash
	[[ "$output" == *"tap xtap0: cannot attach to it (TUNSETIFF): an interface of that name exists and is not a tap"* ]]
	tap_exists xtap0 # not ours: left as it was
}

# ---- the guest and the control socket (KVM) ----

@test "--nic: xenon-hv makes the tap; the guest pings the host over a bridge and answers; device-list counts it; the tap goes at exit" {
	require_kvm
	built "$HV" "$HVCTL" "$GUEST" "$PEER"
	netns_start
	bridge_start
	start_hv --paused --nic devid=0,tap=xvif0,mac=00:16:3e:00:00:02,mtu=1400 \
		--cmdline 'run="ip eth0 10.0.0.2/24; ping 10.0.0.1 3"'
	tap_exists xvif0
	in_ns ip -o link show dev xvif0 | grep -q ' mtu 1400 '
	in_ns ip link set xvif0 master xbr0 up
	"$HVCTL" "$SOCK" unpause
	wait_for 60 console_has '^3 packets transmitted, ' || { cat "$T/out" "$T/err"; return 1; }
	console_has '^3 packets transmitted, 3 received, 0% packet loss'
	run in_ns "$PEER" ping 10.0.0.2 2
	echo "$output"
	[ "$status" -eq 0 ]
	run "$HVCTL" "$SOCK" device-list
	echo "$output"
	echo "$output" | grep -Eq "^vif +0 +[0-9]+ +0xd0000000 +driver-ok +xvif0 \(00:16:3e:00:00:02 mtu 1400\)$"
	# out: an ARP request, 3 echo requests, 2 replies; in: an ARP reply, 3 replies, 2 requests
	[ "$(dev_stat vif 0 tx_packets)" -ge 6 ]
	[ "$(dev_stat vif 0 rx_packets)" -ge 6 ]
	[ "$(dev_stat vif 0 tx_bytes)" -ge $((6 * 42)) ]
	[ "$(dev_stat vif 0 tx_errors)" -eq 0 ]
	[ "$(dev_stat vif 0 rx_errors)" -eq 0 ]
	[ "$(dev_stat vif 0 rx_drops)" -eq 0 ]
	"$HVCTL" "$SOCK" destroy
	wait_for 10 pid_gone "$HV_PID"
	tap_gone xvif0
}

@test "device-add vif makes a tap at run time, device-remove takes it away; an existing tap stays; a held one is refused" {
	require_kvm
	built "$HV" "$HVCTL" "$GUEST"
	netns_start
	in_ns ip tuntap add dev xkeep0 mode tap
	start_hv --paused
	run "$HVCTL" "$SOCK" device-add vif devid=0 tap=xvif0 mac=00:16:3e:00:00:05
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^vif\ 0:\ mmio\ 0xd0000000\ size\ 0x200\ irq\ [0-9]+$ ]]
	tap_exists xvif0
	run "$HVCTL" "$SOCK" device-add vif devid=1 tap=xkeep0
	[ "$status" -eq 0 ]
	run "$HVCTL" "$SOCK" device-list
	echo "$output"
	echo "$output" | grep -Eq "^vif +0 +[0-9]+ +0xd0000000 +reset +xvif0 \(00:16:3e:00:00:05 mtu 1500\)$"
	echo "$output" | grep -Eq "^vif +1 +[0-9]+ +0xd0001000 +reset +xkeep0 \(00:16:3e:[0-9a-f:]{8} mtu 1500\)$"
	echo "$output" | grep -Eq "^ +tx_bytes=0 tx_packets=0 tx_errors=0 tx_drops=0 rx_bytes=0 rx_packets=0 rx_errors=0 rx_drops=0$"
	# the same tap twice: the first holds it
	run "$HVCTL" "$SOCK" device-add vif devid=2 tap=xvif0
	[ "$status" -eq 1 ]
	# hvctl makes the tap (in xenon-hv's network namespace) and passes it
	[[ "$output" == *"tap xvif0: cannot attach to it (TUNSETIFF): another process holds it"* ]]
	run "$HVCTL" "$SOCK" device-remove vif 0
	[ "$status" -eq 0 ]
	tap_gone xvif0
	run "$HVCTL" "$SOCK" device-remove vif 1
	[ "$status" -eq 0 ]
	tap_exists xkeep0
	run "$HVCTL" "$SOCK" device-list
	[ "${#lines[@]}" -eq 1 ]
}
