#!/usr/bin/env bats
# The guest's network (guest/virtio_net.c, net.c, net_cmd.c): the guest on a
# virtio-net NIC whose tap is bridged, inside a network namespace this test
# makes, to a host side at 192.0.2.1/24 (the guest is 192.0.2.2). The host
# side's traffic comes from tests/net-peer, run in the namespace too; no
# packet leaves it. Teardown ends the processes the test started and
# deletes the namespace (its bridge and tap with it).
#
# Under QEMU microvm with TCG (no KVM needed), and under xenon-hv's --nic
# with KVM (tests/nested-kvm tests/guest-net.bats).

load helpers

ELF="$XENON_TOP/guest/xenon-guest.elf"
HV="$XENON_TOP/hypervisor/xenon-hv"
PEER="$XENON_TOP/tests/net-peer"
HOST_IP=192.0.2.1
GUEST_IP=192.0.2.2

setup() {
	[ -f "$ELF" ] || skip "guest/xenon-guest.elf is not built (make guest/xenon-guest.elf)"
	mk_tmp
	NS=
	GUEST_PID=
	RECV_PID=
	XSD_PID=
	FEED=
}

local_teardown() {
	# a test that failed or timed out: what was the guest's process doing?
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		dump_threads "${GUEST_PID:-}"
		dump_guest "$T/out" "${FEED:-}" 5
	fi
	[ -z "${FEED:-}" ] || exec {FEED}>&-
	kill_pid "$GUEST_PID"
	kill_pid "$RECV_PID"
	kill_pid "$XSD_PID"
	if [ -n "$NS" ] && ip netns list | grep -qw -- "$NS"; then
		ip netns delete "$NS"
	fi
	true
}

in_ns() { ip netns exec "$NS" "$@"; }

# netns_start: the namespace, a bridge with the host's address, and a tap
# (xtap0) on it for the guest's NIC.
netns_start() {
	command -v python3 >/dev/null || skip "needs python3 (tests/net-peer)"
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, bridge, tap)"
	NS=xenon-test-$$-net$BATS_TEST_NUMBER
	ip netns add "$NS"
	in_ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
	in_ns ip link set lo up
	in_ns ip link add xbr0 type bridge
	in_ns ip addr add "$HOST_IP/24" dev xbr0
	in_ns ip link set xbr0 up
	in_ns ip tuntap add dev xtap0 mode tap
	in_ns ip link set xtap0 master xbr0
	in_ns ip link set xtap0 up
}

# start_guest_qemu RUN: the guest under QEMU TCG in the namespace on xtap0,
# run="RUN" at boot, console input from a FIFO (send), output in $T/out.
start_guest_qemu() {
	mkfifo "$T/in"
	exec {FEED}<>"$T/in"
	ip netns exec "$NS" qemu-system-x86_64 -accel tcg -M microvm,acpi=off,auto-kernel-cmdline=on -m 64 \
		-nodefaults -no-user-config -nographic -serial stdio -kernel "$ELF" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -global virtio-mmio.force-legacy=false \
		-netdev tap,id=n0,ifname=xtap0,script=no,downscript=no -device virtio-net-device,netdev=n0 \
		-append "run=\"$1\"" <"$T/in" >"$T/out" 2>&1 3>&- &
	GUEST_PID=$!
	wait_for 30 console_has '^xenon> ' || { cat "$T/out"; return 1; }
}

# start_guest_hv RUN: the same under xenon-hv, the NIC given with --nic.
start_guest_hv() {
	mkfifo "$T/in"
	exec {FEED}<>"$T/in"
	ip netns exec "$NS" "$HV" --kernel "$ELF" --memory 64 --control "$T/ctl.sock" --nic devid=0,tap=xtap0 \
		--cmdline "run=\"$1\"" <"$T/in" >"$T/out" 2>&1 3>&- &
	GUEST_PID=$!
	wait_for 30 console_has '^xenon> ' || { cat "$T/out"; return 1; }
}

send() {
	printf '%s\r' "$1" >&"$FEED"
}

console_has() {
	tr -d '\r' <"$T/out" | grep -Eq -- "$1"
}

console_count() {
	tr -d '\r' <"$T/out" | grep -Ec -- "$1" || true
}
# console_count_is REGEX N: for wait_for, which must count anew each time.
console_count_is() { [ "$(console_count "$1")" = "$2" ]; }

# guest_up: the boot script (ip eth0 ...) has run and the prompt is back.
guest_up() {
	wait_for 30 console_has "^eth0: inet $GUEST_IP/24$" || { cat "$T/out"; return 1; }
}

# The guest and the host ping each other; the guest's counters say so.
ping_both_ways() {
	send "ping $HOST_IP 3"
	wait_for 30 console_has '^3 packets transmitted, ' || { cat "$T/out"; return 1; }
	tr -d '\r' <"$T/out"
	console_has '^3 packets transmitted, 3 received, 0% packet loss$'
	[ "$(console_count "^64 bytes from $HOST_IP: icmp_seq=[123] time=[0-9]+\.[0-9]{3} ms$")" -eq 3 ]
	console_has '^rtt min/avg/max = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$'
	run in_ns "$PEER" ping "$GUEST_IP" 3
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[2]}" = "reply seq=3 bytes=56" ]
	send "nics"
	wait_for 10 console_has '^  rx [1-9][0-9]* packets [0-9]+ bytes 0 dropped, tx [1-9][0-9]* packets [0-9]+ bytes 0 errors$'
}

@test "qemu TCG: the guest pings the host and answers the host's pings over virtio-net" {
	netns_start
	start_guest_qemu "ip eth0 $GUEST_IP/24"
	guest_up
	ping_both_ways
	send "poweroff"
	wait_for 10 pid_gone "$GUEST_PID"
}

@test "qemu TCG: nics shows the NIC's MAC and MTU; an address without an answer is lost pings" {
	netns_start
	start_guest_qemu "nics; ip eth0 $GUEST_IP/24; nics"
	guest_up
	wait_for 10 console_has "^eth0: mac 52:54:00:12:34:56, mtu 1500, inet $GUEST_IP/24$"
	console_has '^eth0: mac 52:54:00:12:34:56, mtu 1500, no address$'
	send "ip eth0 192.0.2.2"
	wait_for 10 console_has '^ip: 192.0.2.2: not an IPv4 address with a prefix length, as 10.0.0.2/24$'
	send "ip eth1 192.0.2.2/24"
	wait_for 10 console_has '^ip: eth1: no such NIC \(nics lists them\)$'
	# nobody has 192.0.2.99: no ARP answer, the echo is counted lost
	send "ping 192.0.2.99 1"
	wait_for 30 console_has '^1 packets transmitted, ' || { cat "$T/out"; false; }
	console_has '^ping: 192.0.2.99: no ARP reply within 3 s \(host unreachable\)$'
	console_has '^1 packets transmitted, 0 received, 100% packet loss$'
	# outside every NIC's subnet
	send "ping 198.51.100.1 1"
	wait_for 10 console_has '^ping: 198.51.100.1: no NIC has a route to it'
}

@test "qemu TCG: UDP from the host is counted by the guest's sink, and only on its port" {
	netns_start
	start_guest_qemu "ip eth0 $GUEST_IP/24; net sink 5000"
	guest_up
	wait_for 10 console_has '^udp sink 5000: counting$'
	# to another port first: in order on the one tap, so it has been seen
	# by the time the 50 to port 5000 have
	in_ns "$PEER" send "$GUEST_IP" 5001 5 100
	in_ns "$PEER" send "$GUEST_IP" 5000 50 700
	# each `net sink 5000` prints the count so far; wait for all 50
	for _ in $(seq 50); do
		send "net sink 5000"
		if wait_for 1 console_has '^udp sink 5000: 50 packets, 35000 bytes$'; then
			break
		fi
	done
	console_has '^udp sink 5000: 50 packets, 35000 bytes$' || { cat "$T/out"; false; }
	run console_has '^udp sink 5000: 5[1-9] packets'
	[ "$status" -ne 0 ]
	send "nics"
	wait_for 10 console_has '^udp sink 5000: 50 packets, 35000 bytes$'
}

@test "qemu TCG: net bench sends UDP that a receiver on the host gets intact" {
	netns_start
	start_guest_qemu "ip eth0 $GUEST_IP/24"
	guest_up
	ip netns exec "$NS" "$PEER" recv "$HOST_IP" 5001 "$T/ready" >"$T/recv" 3>&- &
	RECV_PID=$!
	wait_for 10 test -e "$T/ready"
	send "net bench $HOST_IP 5001 4"
	wait_for 60 console_has '^net bench: ' || { cat "$T/out"; false; }
	tr -d '\r' <"$T/out" | grep '^net bench: '
	console_has "^net bench: 4 MiB to $HOST_IP:5001 in [0-9]+\.[0-9]{3} s: [0-9]+\.[0-9]{2} MiB/s \(2850 datagrams of up to 1472 bytes\)$"
	wait_for 40 pid_gone "$RECV_PID"
	RECV_PID=
	cat "$T/recv"
	local n bad maxseq
	read -r _ n _ _ _ bad _ maxseq <"$T/recv"
	# the host may drop some under load (UDP), but what arrives is intact
	[ "$n" -gt 0 ]
	[ "$n" -le 2850 ]
	[ "$bad" -eq 0 ]
	[ "$maxseq" -le 2849 ]
}

@test "guest: network commands refuse bad input with a message (no NIC needed)" {
	# shellcheck disable=SC2016
	run timeout 60 qemu-system-x86_64 -accel tcg -M microvm,acpi=off -m 64 -nodefaults -no-user-config \
		-nographic -serial stdio -kernel "$ELF" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-append 'run="nics; ip eth0 10.0.0.2/24; ip; ping 1.2.3; ping 10.0.0.1 0; net bench 10.0.0.1 0 1; net sink 0; net; net beat 10.0.0.1 5000 9 1; net beat 10.0.0.1 5000 100 0; net beat 10.0.0.1 5000 100 1 x; net beat 10.0.0.1.1 5000 100 1; net beat 10.0.0.1 5000 100 1; poweroff"' \
		</dev/null
	output=$(echo "$output" | tr -d '\r')
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *$'\nno NICs\n'* ]]
	[[ "$output" == *"ip: eth0: no such NIC (nics lists them)"* ]]
	[[ "$output" == *"usage: ip NIC ADDRESS/PREFIX"* ]]
	[[ "$output" == *"ping: 1.2.3: not an IPv4 address (a.b.c.d)"* ]]
	[[ "$output" == *"usage: ping ADDRESS [COUNT] (COUNT 1..1000, default 4)"* ]]
	[[ "$output" == *"usage: net bench ADDRESS PORT MIB"* ]]
	[[ "$output" == *"usage: net sink [PORT] (PORT 1..65535)"* ]]
	[[ "$output" == *"usage: net bench ADDRESS PORT MIB | net sink [PORT] | net beat ADDRESS PORT US SECONDS"* ]]
	[ "$(grep -c '^usage: net beat ADDRESS PORT US SECONDS (US 10..1000000, SECONDS 1..3600)$' <<<"$output")" -eq 3 ]
	[[ "$output" == *"net beat: 10.0.0.1.1: not an IPv4 address (a.b.c.d)"* ]]
	[[ "$output" == *"net beat: 10.0.0.1: no NIC has a route to it (give one an address with ip)"* ]]
}

@test "xenon-hv: the guest pings the host and answers the host's pings over --nic" {
	require_kvm
	[ -x "$HV" ] || skip "hypervisor/xenon-hv is not built"
	netns_start
	start_guest_hv "ip eth0 $GUEST_IP/24"
	guest_up
	ping_both_ways
	send "poweroff"
	wait_for 10 pid_gone "$GUEST_PID"
}

# ---- a NIC from xenstore, added and closed while the guest runs ----

# vif_nodes DEVID MAC BASE IRQ: the backend and frontend nodes of a NIC (as libxl writes them).
vif_nodes() {
	local be=/local/domain/0/backend/vif/5/$1 fe=/local/domain/5/device/vif/$1
	XS write "$be/frontend" "$fe" "$be/frontend-id" 5 "$be/online" 1 "$be/state" 2 "$be/mac" "$2" \
		"$be/handle" "$1" "$be/type" vif "$be/virtio-mmio-base" "$3" "$be/virtio-mmio-irq" "$4"
	XS write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 "$fe/handle" "$1" "$fe/mac" "$2" \
		"$fe/virtio-mmio-base" "$3" "$fe/virtio-mmio-irq" "$4"
}

fe_state() { XS read "/local/domain/5/device/vif/$1/state" 2>/dev/null; }
# fe_state_is DEVID STATE: for wait_for, which must read the node anew each time
fe_state_is() { [ "$(fe_state "$1")" = "$2" ]; }

@test "xenon-hv + xenstore: a vif added at run time is eth<devid>, pings both ways, and lets go on the backend's 5; twice" {
	require_kvm
	[ -x "$HV" ] || skip "hypervisor/xenon-hv is not built"
	netns_start
	start_guest_xenstored vif
	mkfifo "$T/in"
	exec {FEED}<>"$T/in"
	ip netns exec "$NS" "$HV" --kernel "$ELF" --memory 64 --domid 5 --control "$T/ctl.sock" \
		--xenstore="$XENSTORED_PATH" <"$T/in" >"$T/out" 2>&1 3>&- &
	GUEST_PID=$!
	wait_for 30 console_has '^xenon> ' || { cat "$T/out"; false; }
	send "nics"
	wait_for 20 console_has '^no NICs$'
	local round
	for round in 1 2; do
		run "$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-add vif devid=3 tap=xvif3 mac=00:16:3e:00:00:03
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$(grep '^vif 3: ' <<<"$output")" =~ ^vif\ 3:\ mmio\ (0x[0-9a-f]+)\ size\ 0x[0-9a-f]+\ irq\ ([0-9]+)$ ]]
		in_ns ip link set xvif3 master xbr0 up
		vif_nodes 3 00:16:3e:00:00:03 "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		wait_for 20 fe_state_is 3 4
		send "ip eth3 $GUEST_IP/24"
		wait_for 20 console_count_is "^eth3: inet $GUEST_IP/24$" "$round"
		send "ping $HOST_IP 2"
		wait_for 30 console_count_is '^2 packets transmitted, ' "$round"
		[ "$(console_count '^2 packets transmitted, 2 received, 0% packet loss$')" = "$round" ]
		run in_ns "$PEER" ping "$GUEST_IP" 2
		echo "$output"
		[ "$status" -eq 0 ]
		send "nics"
		wait_for 20 console_count_is "^eth3: mac 00:16:3e:00:00:03, mtu 1500, inet $GUEST_IP/24$" "$round"
		# the backend closes: the driver lets go, the device is reset, the frontend says Closed
		XS write /local/domain/0/backend/vif/5/3/state 5
		wait_for 20 fe_state_is 3 6
		"$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-list | grep -Eq '^vif +3 .* reset '
		send "nics"
		wait_for 20 console_count_is '^no NICs$' $((round + 1))
		send "ping $HOST_IP 1"
		wait_for 20 console_count_is "^ping: $HOST_IP: no NIC has a route to it" "$round"
		"$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-remove vif 3
		XS rm /local/domain/5/device/vif/3 /local/domain/0/backend/vif/5/3
		not in_ns ip link show xvif3 2>/dev/null
	done
	send "poweroff"
	wait_for 20 pid_gone "$GUEST_PID"
}
