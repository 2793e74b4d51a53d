#!/usr/bin/env bats
# The hotplug scripts (hotplug/block, vif-bridge, vif-route) run as libxl
# runs them: Xen's environment (XENBUS_PATH, XENBUS_TYPE, XENBUS_BASE_PATH,
# vif, the command as $1) against a real private xenstored, on real loop
# devices and real taps and bridges inside a network namespace this test
# makes. Teardown removes exactly what a test made: its loop devices (those
# backed by files in its scratch directory), its namespace, its xenstored.

load helpers

BACKEND=/local/domain/0/backend

setup() {
	mk_tmp
	export XENSTORED_PATH=$T/xs.sock XENON_RUNDIR=$T/run
	xenstored -N -I -s "$XENSTORED_PATH" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
	NS=
}

local_teardown() {
	local loop file
	[ -z "${MNT:-}" ] || umount "$MNT"
	# every loop device backed by a file of this test's scratch directory
	while read -r loop file; do
		[[ $file == "$T"/* ]] && losetup -d "$loop"
	done < <(losetup -n -O NAME,BACK-FILE 2> /dev/null)
	[ -z "$NS" ] || ip netns delete "$NS"
	kill_pid "${XS_PID:-}"
}

# image NAME [MiB]: a raw image file of this test.
image() {
	truncate -s "${2:-4}M" "$T/$1"
	echo "$T/$1"
}

# vbd DOMID DEVID TARGET MODE: the backend node libxl writes before the script.
vbd() {
	local be=$BACKEND/vbd/$1/$2
	xenstore-write "$be/params" "$3" "$be/mode" "$4" "$be/frontend-id" "$1" \
		"$be/type" phy "$be/state" 2
	echo "$be"
}

# block COMMAND BACKEND-PATH: the script as libxl runs it.
block() {
	XENBUS_PATH=$2 XENBUS_TYPE=vbd XENBUS_BASE_PATH=$BACKEND "$XENON_TOP/hotplug/block" "$1"
}

loops_of() { losetup -n -O NAME -j "$1" | wc -l; }

hex_mm() { stat -L -c '%t:%T' "$1"; }

@test "block: a file gets a loop device, read-write, recorded as Xen records it; remove detaches it" {
	img=$(image disk.img)
	be=$(vbd 3 51712 "$img" w)
	run block add "$be"
	[ "$status" -eq 0 ]
	[ "$(xenstore-read "$be/hotplug-status")" = connected ]
	loop=$(xenstore-read "$be/node")
	[ "$(xenstore-read "$be/physical-device-path")" = "$loop" ]
	[ "$(xenstore-read "$be/physical-device")" = "$(hex_mm "$loop")" ]
	[ "$(losetup -n -O BACK-FILE "$loop")" = "$img" ]
	[ "$(cat "/sys/block/${loop#/dev/}/ro")" = 0 ]
	run block remove "$be"
	[ "$status" -eq 0 ]
	[ "$(loops_of "$img")" = 0 ]
	not xenstore-exists "$be/node"
}

@test "block: mode r gives a read-only loop device; a second add of the same vbd does nothing" {
	img=$(image ro.img)
	be=$(vbd 3 51728 "$img" r)
	block add "$be"
	loop=$(xenstore-read "$be/node")
	[ "$(cat "/sys/block/${loop#/dev/}/ro")" = 1 ]
	block add "$be"
	[ "$(loops_of "$img")" = 1 ]
	block remove "$be"
	[ "$(loops_of "$img")" = 0 ]
}

@test "block: a host block device is used as it is and left attached on remove" {
	img=$(image backing.img)
	dev=$(losetup -f --show "$img")
	be=$(vbd 3 51744 "$dev" w)
	block add "$be"
	[ "$(xenstore-read "$be/physical-device")" = "$(hex_mm "$dev")" ]
	[ "$(xenstore-read "$be/physical-device-path")" = "$dev" ]
	not xenstore-exists "$be/node"
	block remove "$be"
	[ "$(loops_of "$img")" = 1 ]
}

@test "block: Xen's sharing check: one writer, or any number of readers, across domains" {
	img=$(image shared.img)
	block add "$(vbd 3 51712 "$img" w)"
	# another domain may not have it, read-write or read-only
	for mode in w r; do
		be=$(vbd 4 51712 "$img" "$mode")
		run block add "$be"
		[ "$status" -eq 1 ]
		[[ "$output" == *"domain 3 has it attached w"* ]]
		[ "$(xenstore-read "$be/hotplug-status")" = error ]
		[[ "$(xenstore-read "$be/hotplug-error")" == *"$img"*"domain 3"* ]]
		[ "$(loops_of "$img")" = 1 ]
		xenstore-rm "$be"
	done
	block remove "$BACKEND/vbd/3/51712"
	xenstore-rm "$BACKEND/vbd/3/51712" # as libxl does after a detach
	# readers share
	block add "$(vbd 3 51712 "$img" r)"
	block add "$(vbd 4 51712 "$img" r)"
	[ "$(loops_of "$img")" = 2 ]
}

@test "block: a device the host has mounted read-write is refused" {
	img=$(image mounted.img 8)
	mkfs.ext2 -q "$img"
	mkdir "$T/mnt"
	mount -o loop "$img" "$T/mnt"
	MNT=$T/mnt
	dev=$(losetup -n -O NAME -j "$img")
	be=$(vbd 3 51712 "$dev" r)
	run block add "$be"
	umount "$MNT"
	MNT=
	[ "$status" -eq 1 ]
	[[ "$output" == *"is mounted on the host"* ]]
}

@test "block: bad targets and modes are errors that name the target and leave nothing" {
	img=$(image locked.img)
	chmod 0444 "$img"
	mkdir "$T/dir"
	for spec in "$T/missing.img:w:does not exist" "$T/dir:w:neither a block device nor a regular file" \
		"$img:w:is not writable" "$img:x:is not r, w or !"; do
		IFS=: read -r target mode message <<< "$spec"
		be=$(vbd 5 51712 "$target" "$mode")
		run block add "$be"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$message"* ]]
		[ "$(xenstore-read "$be/hotplug-status")" = error ]
		[[ "$(xenstore-read "$be/hotplug-error")" == *"$message"* ]]
		xenstore-rm "$be"
	done
	[ "$(loops_of "$img")" = 0 ]
	run env -u XENBUS_PATH "$XENON_TOP/hotplug/block" add
	[ "$status" -eq 1 ]
	[[ "$output" == *"XENBUS_PATH is not set"* ]]
}

# ---- vifs, in a network namespace of the test's own ----

netns_start() {
	NS=xenon-hotplug-$$-$BATS_TEST_NUMBER
	ip netns add "$NS"
	ip -n "$NS" link add xenbr0 type bridge
	ip -n "$NS" link set xenbr0 up
	ip -n "$NS" tuntap add dev vif3.0 mode tap
}

# vif SCRIPT COMMAND: run a vif script inside the namespace for vif3.0.
vif() {
	ip netns exec "$NS" env vif=vif3.0 XENBUS_PATH="$BACKEND/vif/3/0" XENBUS_TYPE=vif \
		XENBUS_BASE_PATH=$BACKEND "$XENON_TOP/hotplug/$1" "$2"
}

master_of() { ip -n "$NS" -o link show dev "$1" | sed -n 's/.* master \([^ ]*\) .*/\1/p'; }

@test "vif-bridge: online puts the vif on its bridge and up, with the MTU asked; offline takes it off" {
	netns_start
	xenstore-write "$BACKEND/vif/3/0/bridge" xenbr0 "$BACKEND/vif/3/0/mtu" 1400
	run vif vif-bridge online
	[ "$status" -eq 0 ]
	[ "$(master_of vif3.0)" = xenbr0 ]
	ip -n "$NS" -o link show dev vif3.0 | grep -q '[<,]UP[,>]'
	ip -n "$NS" -o link show dev vif3.0 | grep -q 'mtu 1400 '
	[ "$(xenstore-read "$BACKEND/vif/3/0/hotplug-status")" = connected ]
	run vif vif-bridge offline
	[ "$status" -eq 0 ]
	[ -z "$(master_of vif3.0)" ]
}

@test "vif-bridge: with no bridge named, the host's first bridge is used" {
	netns_start
	xenstore-write "$BACKEND/vif/3/0/frontend-id" 3
	vif vif-bridge online
	[ "$(master_of vif3.0)" = xenbr0 ]
}

@test "vif-bridge: a missing bridge is an error that names it" {
	netns_start
	xenstore-write "$BACKEND/vif/3/0/bridge" nosuchbr
	run vif vif-bridge online
	[ "$status" -eq 1 ]
	[[ "$output" == *"bridge nosuchbr for vif3.0 does not exist"* ]]
	[ "$(xenstore-read "$BACKEND/vif/3/0/hotplug-status")" = error ]
	[[ "$(xenstore-read "$BACKEND/vif/3/0/hotplug-error")" == *nosuchbr* ]]
	[ -z "$(master_of vif3.0)" ]
}

@test "vif-route: the guest's addresses are routed to the vif with proxy ARP; offline removes the routes" {
	netns_start
	xenstore-write "$BACKEND/vif/3/0/ip" "192.0.2.10 192.0.2.11"
	run vif vif-route online
	[ "$status" -eq 0 ]
	ip -n "$NS" route show 192.0.2.10 | grep -q 'dev vif3.0'
	ip -n "$NS" route show 192.0.2.11 | grep -q 'dev vif3.0'
	[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv4/conf/vif3.0/proxy_arp)" = 1 ]
	vif vif-route offline
	[ -z "$(ip -n "$NS" route show 192.0.2.10)" ]
	xenstore-write "$BACKEND/vif/3/0/ip" "192.0.2.10; rm -rf /"
	run vif vif-route online
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not an IPv4 address"* ]]
}

@test "the hotplug scripts pass shellcheck" {
	run shellcheck -x -s bash "$XENON_TOP"/hotplug/block "$XENON_TOP"/hotplug/vif-bridge \
		"$XENON_TOP"/hotplug/vif-route "$XENON_TOP"/hotplug/hotplug-common.sh
	echo "$output"
	[ "$status" -eq 0 ]
}
