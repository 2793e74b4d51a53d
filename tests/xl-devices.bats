#!/usr/bin/env bats
# Disks and NICs through xl and libxl (docs/devices.md): block-attach /
# block-detach / block-list, network-attach / network-detach / network-list,
# disk= and vif= at create, the hotplug scripts with Xen's environment, and
# every bad input leaving nothing behind. The domains run
# tests/fake-hv/fake-hv (no KVM): it answers the device calls as xenon-hv,
# makes the taps, and plays the guest's frontends in xenstore
# (FAKE_HV_FRONTEND=connect|mute|stuck|error). Everything runs in a network
# namespace of the test's own (bridge, taps); loop devices are the test's
# own images'; processes are ended by the pids libxl recorded. The last
# tests boot the real guest under xenon-hv (require_kvm).

load helpers

BE=/local/domain/0/backend

setup() {
	mk_tmp
	export XENSTORED_PATH=$T/xs.sock XENON_RUNDIR=$T/run XENON_LOGDIR=$T/log
	export XL_CONF=$T/xl.conf XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	export XENON_SCRIPTDIR=$XENON_TOP/hotplug XENON_DEVICE_TIMEOUT_MS=2000
	printf 'lockfile = "%s"\n' "$T/xl.lock" > "$XL_CONF"
	xenstored -N -I -s "$XENSTORED_PATH" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
	NS=xenon-test-$$-$BATS_TEST_NUMBER
	ip netns add "$NS"
	ip -n "$NS" link add xenbr0 type bridge
	ip -n "$NS" link set xenbr0 up
	truncate -s 8M "$T/a.img" "$T/b.img"
	cat > "$T/f.cfg" <<-EOF
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
	EOF
}

local_teardown() {
	local loop file
	xl_env_stop
	while read -r loop file; do
		[[ $file == "$T"/* ]] && losetup -d "$loop"
	done < <(losetup -n -O NAME,BACK-FILE 2> /dev/null)
	[ -z "${NS:-}" ] || ip netns delete "$NS"
}

# xl inside the test's namespace (taps and bridges live there).
xln() { ip netns exec "$NS" xl "$@"; }

# fe_state_is DOMID KIND DEVID STATE: the guest's frontend state now (for wait_for).
fe_state_is() { [ "$(xenstore-read "/local/domain/$1/device/$2/$3/state" 2> /dev/null)" = "$4" ]; }
be_state_is() { [ "$(xenstore-read "$BE/$2/$1/$3/state" 2> /dev/null)" = "$4" ]; }

loops_of() { losetup -n -O NAME -j "$1" | wc -l; }

taps() { ip -n "$NS" -o link show | awk -F': ' '$2 ~ /^vif/ { sub(/@.*/, "", $2); print $2 }'; }

# No device of any domain is left: backend and frontend nodes, loop
# devices of the test's images, taps. Waited for: a loop device detached
# while still open (its holder ending just then) is cleared on the last
# close by a kernel work queue, a moment later on a loaded host.
no_devices() {
	[ -z "$(xenstore-list $BE/vbd 2> /dev/null)" ] &&
		[ -z "$(xenstore-list $BE/vif 2> /dev/null)" ] &&
		[ "$(loops_of "$T/a.img")" = 0 ] && [ "$(loops_of "$T/b.img")" = 0 ] &&
		[ -z "$(taps)" ]
}

# devices_gone: no_devices, waited for (a loop device a destroyed domain held
# is cleared by a kernel work queue after its last close: later under load;
# one CI run under a CPU hog needed more than 10 s); what is left is named.
devices_gone() {
	wait_for 30 no_devices && return 0
	echo "left: vbd '$(xenstore-list $BE/vbd 2>/dev/null)' vif '$(xenstore-list $BE/vif 2>/dev/null)'" \
		"loops $(loops_of "$T/a.img")+$(loops_of "$T/b.img") taps '$(taps)'" >&2
	return 1
}

# A domain's frontend device directory holds nothing of kind $2.
no_frontend() { [ -z "$(xenstore-list "/local/domain/$1/device/$2" 2> /dev/null)" ]; }

start_f1() { xln create "$T/f.cfg"; }

# ---- disks -----------------------------------------------------------------

@test "block-attach of a file (qdisk): both nodes as docs/devices.md, the guest connects; block-detach removes them" {
	start_f1
	xln block-attach f1 "$T/a.img,raw,xvdb,rw"
	b=$BE/vbd/1/51728
	f=/local/domain/1/device/vbd/51728
	[ "$(xenstore-read $b/type)" = file ]
	[ "$(xenstore-read $b/params)" = "$T/a.img" ]
	[ "$(xenstore-read $b/mode)" = w ]
	[ "$(xenstore-read $b/dev)" = xvdb ]
	[ "$(xenstore-read $b/frontend)" = $f ]
	[ "$(xenstore-read $b/frontend-id)" = 1 ]
	[ "$(xenstore-read $b/state)" = 4 ]
	not xenstore-exists $b/script
	[ "$(xenstore-read $f/backend)" = $b ]
	[ "$(xenstore-read $f/virtual-device)" = 51728 ]
	[ "$(xenstore-read $f/state)" = 4 ]
	[ "$(xenstore-read $f/virtio-mmio-base)" = "$(xenstore-read $b/virtio-mmio-base)" ]
	# Xen's permissions: the backend is dom0's, readable by the domain; the frontend the domain's
	[[ "$(xenstore-ls -p $BE/vbd/1 | head -1)" == *"(n0,r1)" ]]
	[[ "$(xenstore-ls -p /local/domain/1/device/vbd | head -1)" == *"(n1,r0)" ]]
	run xl block-list f1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Vdev  BE  handle state irq    mmio-base  BE-path                       " ]
	read -r vdev be handle state irq base path <<< "${lines[1]}"
	[ "$vdev $be $handle $state $path" = "51728 0 1 4 $b" ]
	[ "$irq" = "$(xenstore-read $b/virtio-mmio-irq)" ]
	[ "$base" = "$(xenstore-read $b/virtio-mmio-base)" ]
	xln block-detach f1 xvdb
	not xenstore-exists $b
	no_frontend 1 vbd
	run xl block-list f1
	[ "${#lines[@]}" -eq 1 ]
}

@test "script=block and backendtype=phy: a loop device backs the disk (read-only for access r), removed on detach and on destroy" {
	start_f1
	xln block-attach f1 "vdev=xvdb,access=rw,script=block,target=$T/a.img"
	loop=$(xenstore-read $BE/vbd/1/51728/node)
	[ "$(xenstore-read $BE/vbd/1/51728/physical-device-path)" = "$loop" ]
	[ "$(xenstore-read $BE/vbd/1/51728/type)" = phy ]
	[ "$(xenstore-read $BE/vbd/1/51728/script)" = "$XENON_TOP/hotplug/block" ]
	[ "$(losetup -n -O NAME -j "$T/a.img")" = "$loop" ]
	xln block-detach f1 51728
	[ "$(loops_of "$T/a.img")" = 0 ]
	xln block-attach f1 "vdev=xvdc,access=r,backendtype=phy,target=$T/b.img"
	loop=$(xenstore-read $BE/vbd/1/51744/node)
	[ "$(cat "/sys/block/${loop#/dev/}/ro")" = 1 ]
	xln destroy f1
	nothing_left
	devices_gone
}

@test "disk= and vif= at create: added before the guest runs, generated MAC kept in the config; destroy leaves nothing" {
	cat >> "$T/f.cfg" <<-EOF
		disk = [ "$T/a.img,raw,xvda,rw", "vdev=xvdb,script=block,target=$T/b.img" ]
		vif = [ "bridge=xenbr0", "mac=00:16:3e:01:02:03,bridge=xenbr0" ]
	EOF
	start_f1
	[ "$(state_of f1)" != "--p---" ]
	[ "$(xenstore-read $BE/vbd/1/51712/type)" = file ]
	[ "$(xenstore-read $BE/vbd/1/51728/type)" = phy ]
	[ "$(loops_of "$T/b.img")" = 1 ]
	[ "$(taps | sort | tr '\n' ' ')" = "vif1.0 vif1.1 " ]
	[ "$(ip -n "$NS" -o link show dev vif1.0 | sed -n 's/.* master \([^ ]*\) .*/\1/p')" = xenbr0 ]
	mac=$(xenstore-read $BE/vif/1/0/mac)
	[[ $mac == 00:16:3e:* ]]
	[ "$(xenstore-read $BE/vif/1/1/mac)" = 00:16:3e:01:02:03 ]
	# the generated MAC is the stored config's, so that a restart keeps it
	xl list -l f1 | grep -q "\"mac\": \"$mac\""
	# the guest (fake-hv's) connects once the domain runs, and the backends
	# follow it to Connected, as Xen's backend drivers do (the monitor does)
	wait_for 60 fe_state_is 1 vif 1 4
	wait_for 60 be_state_is 1 vif 1 4
	wait_for 60 be_state_is 1 vbd 51712 4
	wait_for 60 be_state_is 1 vbd 51728 4
	xln destroy f1
	nothing_left
	devices_gone
}

@test "create -p: devices are added and the domain stays paused; the guest connects them when unpaused" {
	echo "disk = [ \"$T/a.img,raw,xvda,rw\" ]" >> "$T/f.cfg"
	xln create -p "$T/f.cfg"
	[ "$(state_of f1)" = "--p---" ]
	[ "$(xenstore-read /local/domain/1/device/vbd/51712/state)" = 1 ]
	[ "$(xenstore-read $BE/vbd/1/51712/state)" = 2 ]
	xln unpause f1
	wait_for 60 fe_state_is 1 vbd 51712 4
	wait_for 60 be_state_is 1 vbd 51712 4
}

@test "xl list -l shows each disk and NIC with its live state" {
	echo "disk = [ \"$T/a.img,raw,xvda,rw\" ]" >> "$T/f.cfg"
	echo 'vif = [ "bridge=xenbr0" ]' >> "$T/f.cfg"
	start_f1
	wait_for 60 fe_state_is 1 vbd 51712 4
	xl list -l f1 > "$T/list.json"
	python3 - "$T/list.json" <<-'EOF'
		import json, sys
		d = json.load(open(sys.argv[1]))[0]["devices"]
		disk = d["disks"][0]
		assert disk["disk"]["vdev"] == "xvda", disk
		assert disk["info"]["state"] == 4 and disk["info"]["devid"] == 51712, disk
		assert disk["info"]["mmio_base"] == 0xd0000000 and disk["info"]["irq"] >= 0, disk
		nic = d["nics"][0]
		assert nic["info"]["vifname"] == "vif1.0" and nic["info"]["devid"] == 0, nic
	EOF
}

@test "hot-plugged devices are kept in the stored configuration and come back after a reboot; detached ones do not" {
	start_f1
	xln block-attach f1 "vdev=xvdb,script=block,target=$T/a.img"
	xln network-attach f1 bridge=xenbr0 mac=00:16:3e:00:00:09
	xln block-attach f1 "$T/b.img,raw,xvdc,rw"
	xln block-detach f1 xvdc
	xl list -l f1 > "$T/list.json"
	python3 - "$T/list.json" <<-'EOF'
		import json, sys
		c = json.load(open(sys.argv[1]))[0]["config"]
		assert [d["vdev"] for d in c["disks"]] == ["xvdb"], c["disks"]
		assert [n["mac"] for n in c["nics"]] == ["00:16:3e:00:00:09"], c["nics"]
	EOF
	xln reboot -F f1
	trap "cat $XENON_LOGDIR/xl-f1.log >&3" ERR
	wait_for 60 fe_state_is 2 vbd 51728 4
	[ "$(xenstore-read $BE/vif/2/0/mac)" = 00:16:3e:00:00:09 ]
	not xenstore-exists $BE/vbd/2/51744
	not xenstore-exists $BE/vbd/1
	[ "$(loops_of "$T/a.img")" = 1 ]
	[ "$(taps)" = vif2.0 ]
}

# ---- NICs ------------------------------------------------------------------

@test "network-attach: the tap joins the bridge (vif-bridge); network-list; network-detach by MAC and by devid" {
	start_f1
	xln network-attach f1 bridge=xenbr0 mac=00:16:3e:0a:0b:0c
	xln network-attach f1 bridge=xenbr0 mtu=1400 rate=10Mb/s@20ms
	[ "$(taps | sort | tr '\n' ' ')" = "vif1.0 vif1.1 " ]
	ip -n "$NS" -o link show dev vif1.1 | grep -q "mtu 1400 .*master xenbr0"
	# a Xen vif's host-side MAC: the bridge never takes it as its own address
	ip -n "$NS" -o link show dev vif1.0 | grep -q "link/ether fe:ff:ff:ff:ff:ff "
	[ "$(xenstore-read $BE/vif/1/0/script)" = "$XENON_TOP/hotplug/vif-bridge" ]
	[ "$(xenstore-read $BE/vif/1/0/hotplug-status)" = connected ]
	[ "$(xenstore-read /local/domain/1/device/vif/0/mac)" = 00:16:3e:0a:0b:0c ]
	# rate= as Xen's libxl writes it (bytes, microseconds); xenon-hv applies it
	[ "$(xenstore-read $BE/vif/1/1/rate)" = 25000,20000 ]
	"$XENON_TOP/hypervisor/hvctl" "$XENON_RUNDIR/domains/1.sock" device-list | grep -Eq '^vif +1 .* rate 25000@20000\)$'
	not xenstore-exists $BE/vif/1/0/rate
	run xl network-list f1
	[ "${lines[0]}" = "Idx BE Mac Addr.         handle state irq    mmio-base   BE-path                       " ]
	read -r idx be mac handle state irq base path <<< "${lines[1]}"
	[ "$idx $be $mac $handle $state $path" = "0 0 00:16:3e:0a:0b:0c 0 4 $BE/vif/1/0" ]
	[ "$base" = "$(xenstore-read $BE/vif/1/0/virtio-mmio-base)" ]
	xln network-detach f1 00:16:3e:0a:0b:0c
	[ "$(taps)" = vif1.1 ]
	xln network-detach f1 1
	devices_gone
	no_frontend 1 vif
}

@test "network-attach takes xl.conf's vif.default.bridge and vif.default.script, as a vif= line does" {
	ip -n "$NS" link add xenbr1 type bridge
	cat > "$T/vif-counted" <<-'EOF'
		#!/bin/bash
		echo "$1 $vif" >> "${0%/*}/calls"
		exec "$XENON_TOP/hotplug/vif-bridge" "$@"
	EOF
	chmod +x "$T/vif-counted"
	printf 'vif.default.bridge = "xenbr1"\nvif.default.script = "%s"\n' "$T/vif-counted" >> "$XL_CONF"
	start_f1
	xln network-attach f1
	[ "$(ip -n "$NS" -o link show dev vif1.0 | sed -n 's/.* master \([^ ]*\) .*/\1/p')" = xenbr1 ]
	[ "$(xenstore-read $BE/vif/1/0/bridge)" = xenbr1 ]
	[ "$(cat "$T/calls")" = "online vif1.0" ]
}

@test "run_hotplug_scripts=0 in xl.conf: attach says once that it is not honoured, and the scripts still run" {
	printf 'run_hotplug_scripts = 0\n' >> "$XL_CONF"
	start_f1
	run xln network-attach f1 bridge=xenbr0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'run_hotplug_scripts=0 is not supported' <<<"$output")" = 1 ]
	[ "$(xenstore-read $BE/vif/1/0/hotplug-status)" = connected ]
	ip -n "$NS" -o link show dev vif1.0 | grep -q "master xenbr0"
	run xln block-attach f1 "$T/a.img,raw,xvdb,rw"
	[ "$status" -eq 0 ]
	[[ "$output" == *"run_hotplug_scripts=0 is not supported"* ]]
}

@test "a vif script of the user's runs with Xen's environment: online, then offline" {
	cat > "$T/my-vif" <<-'EOF'
		#!/bin/bash
		{ echo "cmd=$1"; env | grep -E '^(XENBUS_PATH|XENBUS_TYPE|XENBUS_BASE_PATH|vif|script|netdev)=' | sort; } >> "${0%/*}/env.$1"
		xenstore-write "$XENBUS_PATH/hotplug-status" connected
	EOF
	chmod +x "$T/my-vif"
	start_f1
	xln network-attach f1 "script=$T/my-vif" gatewaydev=eth9
	cat > "$T/want" <<-EOF
		cmd=online
		XENBUS_BASE_PATH=$BE
		XENBUS_PATH=$BE/vif/1/0
		XENBUS_TYPE=vif
		netdev=eth9
		script=$T/my-vif
		vif=vif1.0
	EOF
	diff "$T/want" "$T/env.online"
	xln network-detach f1 0
	sed 's/^cmd=online/cmd=offline/' "$T/want" | diff - "$T/env.offline"
	devices_gone
}

@test "a block script of the user's (script=) gets add and remove with Xen's environment and params" {
	cat > "$T/block-mine" <<-'EOF'
		#!/bin/bash
		{ echo "cmd=$1"; env | grep -E '^(XENBUS_PATH|XENBUS_TYPE|XENBUS_BASE_PATH|script)=' | sort
		  echo "params=$(xenstore-read "$XENBUS_PATH/params")"; } >> "${0%/*}/env.$1"
		[ "$1" = add ] || exit 0
		xenstore-write "$XENBUS_PATH/physical-device-path" "${0%/*}/a.img" "$XENBUS_PATH/hotplug-status" connected
	EOF
	chmod +x "$T/block-mine"
	start_f1
	xln block-attach f1 "vdev=xvdb,script=$T/block-mine,target=iqn.2001-04.com.example:disk1"
	cat > "$T/want" <<-EOF
		cmd=add
		XENBUS_BASE_PATH=$BE
		XENBUS_PATH=$BE/vbd/1/51728
		XENBUS_TYPE=vbd
		script=$T/block-mine
		params=iqn.2001-04.com.example:disk1
	EOF
	diff "$T/want" "$T/env.add"
	xln block-detach f1 xvdb
	sed 's/^cmd=add/cmd=remove/' "$T/want" | diff - "$T/env.remove"
}

# ---- bad input: a clear error, status 1, nothing left ----------------------

@test "block-attach of a missing image, a directory, a qcow2 format, a bad vdev: refused, nothing left" {
	start_f1
	run xln block-attach f1 "$T/none.img,raw,xvdb,rw"
	[ "$status" -eq 1 ]
	[[ "$output" == *"disk xvdb: target $T/none.img does not exist"* ]]
	mkdir "$T/dir"
	run xln block-attach f1 "$T/dir,raw,xvdb,rw"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/dir is a directory"* ]]
	run xln block-attach f1 "$T/a.img,qcow2,xvdb,rw"
	[ "$status" -eq 1 ]
	[[ "$output" == *"format qcow2 is not supported"*"convert"* ]]
	run xln block-attach f1 "$T/a.img,raw,xvd0,rw"
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid vdev"* ]]
	devices_gone
	no_frontend 1 vbd
}

@test "a duplicate vdev is refused and the disk already there is untouched" {
	start_f1
	xln block-attach f1 "vdev=xvdb,script=block,target=$T/a.img"
	run xln block-attach f1 "$T/b.img,raw,xvdb,rw"
	[ "$status" -eq 1 ]
	[[ "$output" == *"already has a disk with device number 51728 (xvdb)"* ]]
	[ "$(xenstore-read $BE/vbd/1/51728/params)" = "$T/a.img" ]
	[ "$(xenstore-read $BE/vbd/1/51728/state)" = 4 ]
	[ "$(loops_of "$T/a.img")" = 1 ]
	[ "$(loops_of "$T/b.img")" = 0 ]
}

@test "an image written by one domain is refused to another (xenon-hv's lock); read-only it is shared" {
	start_f1
	sed 's/"f1"/"f2"/' "$T/f.cfg" > "$T/f2.cfg"
	xln create "$T/f2.cfg"
	xln block-attach f1 "$T/a.img,raw,xvdb,rw"
	run xln block-attach f2 "$T/a.img,raw,xvdb,rw"
	[ "$status" -eq 1 ]
	[[ "$output" == *"disk xvdb: $T/a.img is in use"* ]]
	not xenstore-exists $BE/vbd/2/51728
	xln block-attach f1 "$T/b.img,raw,xvdc,r"
	xln block-attach f2 "$T/b.img,raw,xvdc,r"
}

@test "bad and duplicate MACs, a missing bridge, a bad vifname: refused, no tap or node left" {
	start_f1
	run xln network-attach f1 mac=01:16:3e:00:00:01
	[ "$status" -eq 1 ]
	[[ "$output" == *"multicast"* ]]
	run xln network-attach f1 mac=00:16:3e:00:zz:01
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid MAC address"* ]]
	xln network-attach f1 mac=00:16:3e:00:00:01 bridge=xenbr0
	run xln network-attach f1 mac=00:16:3e:00:00:01 bridge=xenbr0
	[ "$status" -eq 1 ]
	[[ "$output" == *"MAC 00:16:3e:00:00:01 is already used"* ]]
	run xln network-attach f1 bridge=nobr0
	[ "$status" -eq 1 ]
	[[ "$output" == *"vif-bridge online failed"*"bridge nobr0 for vif1.1 does not exist"* ]]
	run xln network-attach f1 vifname=no/slash
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a valid interface name"* ]]
	[ "$(taps)" = vif1.0 ]
	[ "$(xenstore-list $BE/vif/1)" = 0 ]
	no_frontend 1 vif || [ "$(xenstore-list /local/domain/1/device/vif)" = 0 ]
}

@test "a failing script: its hotplug-error is quoted, remove runs, nothing left; a hanging one is killed with its children" {
	cat > "$T/block-bad" <<-'EOF'
		#!/bin/bash
		echo "$1" >> "${0%/*}/calls"
		[ "$1" = add ] || exit 0
		xenstore-write "$XENBUS_PATH/hotplug-error" "the LUN is offline" "$XENBUS_PATH/hotplug-status" error
		exit 1
	EOF
	cat > "$T/block-hang" <<-'EOF'
		#!/bin/bash
		[ "$1" = add ] || exit 0
		sleep 1000 3>&- &
		echo $! > "${0%/*}/child.pid"
		wait
	EOF
	chmod +x "$T/block-bad" "$T/block-hang"
	start_f1
	run xln block-attach f1 "vdev=xvdb,script=$T/block-bad,target=x"
	[ "$status" -eq 1 ]
	[[ "$output" == *"disk xvdb: hotplug script $T/block-bad add failed (status 1): the LUN is offline"* ]]
	[ "$(cat "$T/calls" | tr '\n' ' ')" = "add remove " ]
	XENON_HOTPLUG_TIMEOUT_MS=1000 run xln block-attach f1 "vdev=xvdb,script=$T/block-hang,target=x"
	[ "$status" -eq 1 ]
	[[ "$output" == *"block-hang add did not finish within 1000 ms: killed"* ]]
	local child
	child=$(cat "$T/child.pid")
	wait_for 5 pid_gone "$child"
	run xln block-attach f1 "vdev=xvdb,script=$T/none,target=x"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hotplug script $T/none not found"* ]]
	devices_gone
	no_frontend 1 vbd
}

@test "a guest that never connects (FAKE_HV_FRONTEND=mute): block-attach says so in bounded time and undoes everything" {
	FAKE_HV_FRONTEND=mute start_f1
	run xln network-attach f1 bridge=xenbr0
	[ "$status" -eq 1 ]
	[[ "$output" == *"the guest did not connect nic 0 within 2000 ms (its frontend state is 1)"* ]]
	run xln block-attach f1 "vdev=xvdb,script=block,target=$T/a.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the guest did not connect disk xvdb"* ]]
	devices_gone
	no_frontend 1 vbd
	no_frontend 1 vif
}

@test "a guest's frontend state is untrusted: anything but one digit 1..6 is not Connected" {
	FAKE_HV_FRONTEND=mute start_f1
	xln block-attach f1 "$T/a.img,raw,xvdb,rw" > "$T/out" 2>&1 3>&- &
	pid=$!
	wait_for 5 xenstore-exists /local/domain/1/device/vbd/51728/state
	xenstore-write /local/domain/1/device/vbd/51728/state "4 "
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 1 ]
	grep -q "did not connect disk xvdb" "$T/out"
	devices_gone
}

@test "a guest that refuses a device (FAKE_HV_FRONTEND=error): its error is quoted and the device removed" {
	FAKE_HV_FRONTEND=error start_f1
	run xln block-attach f1 "$T/a.img,raw,xvdb,rw"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the guest could not use disk xvdb (it said: fake-hv: this guest cannot drive the device)"* ]]
	devices_gone
}

@test "a guest that never lets go (FAKE_HV_FRONTEND=stuck): detach fails and changes nothing; -f removes it" {
	FAKE_HV_FRONTEND=stuck start_f1
	xln block-attach f1 "vdev=xvdb,script=block,target=$T/a.img"
	xln network-attach f1 bridge=xenbr0
	run xln block-detach f1 xvdb
	[ "$status" -eq 1 ]
	[[ "$output" == *"the guest did not release disk xvdb within 2000 ms"*"use -f"* ]]
	[ "$(xenstore-read $BE/vbd/1/51728/state)" = 4 ]
	[ "$(loops_of "$T/a.img")" = 1 ]
	run xln network-detach f1 0
	[ "$status" -eq 1 ]
	[ "$(taps)" = vif1.0 ]
	run xln block-detach -f f1 xvdb
	[ "$status" -eq 0 ]
	[[ "$output" == *"forced"* ]]
	xln network-detach -f f1 0
	devices_gone
}

@test "create with a bad device fails, names the device, and leaves no domain, loop device or tap" {
	cat >> "$T/f.cfg" <<-EOF
		vif = [ "bridge=xenbr0" ]
		disk = [ "vdev=xvda,script=block,target=$T/a.img", "$T/missing.img,raw,xvdb,rw" ]
	EOF
	run xln create "$T/f.cfg"
	[ "$status" -eq 1 ]
	[[ "$output" == *"disk xvdb: target $T/missing.img does not exist"* ]]
	[[ "$output" == *"domain 'f1' was not created"* ]]
	nothing_left
	devices_gone
}

@test "a domain that powers off: its monitor runs the scripts and removes every device" {
	cat >> "$T/f.cfg" <<-EOF
		disk = [ "vdev=xvda,script=block,target=$T/a.img" ]
		vif = [ "bridge=xenbr0" ]
	EOF
	start_f1
	[ "$(loops_of "$T/a.img")" = 1 ]
	xln shutdown -F f1
	wait_for 60 nothing_left
	wait_for 60 no_devices
}

@test "a teardown left half-done by a process that died is taken over by the next destroy" {
	echo "disk = [ \"vdev=xvda,script=block,target=$T/a.img\" ]" >> "$T/f.cfg"
	start_f1
	true 3>&- &
	dead=$!
	wait "$dead"
	xenstore-write $BE/vbd/1/51712/libxl-teardown "$dead"
	xln destroy f1
	nothing_left
	devices_gone
}

# ---- a real guest (nested runs) ---------------------------------------------

@test "real guest: disk= and vif= connect; block and network attach / detach with the guest's own handshake, twice" {
	require_kvm
	unset XENON_HV
	export XENON_DEVICE_TIMEOUT_MS=30000
	cat >> "$T/f.cfg" <<-EOF
		disk = [ "$T/a.img,raw,xvda,rw" ]
		vif = [ "bridge=xenbr0" ]
	EOF
	start_f1
	wait_for 60 fe_state_is 1 vbd 51712 4
	wait_for 60 fe_state_is 1 vif 0 4
	local round
	for round in 1 2; do
		xln block-attach f1 "vdev=xvdb,script=block,target=$T/b.img"
		[ "$(xl block-list f1 | awk '$1 == 51728 { print $4 }')" = 4 ]
		[ "$(loops_of "$T/b.img")" = 1 ]
		xln block-detach f1 xvdb
		[ "$(loops_of "$T/b.img")" = 0 ]
		xln network-attach f1 bridge=xenbr0 mac=00:16:3e:00:00:42
		[ "$(xl network-list f1 | awk '$1 == 1 { print $3, $5 }')" = "00:16:3e:00:00:42 4" ]
		[ "$(taps | sort | tr '\n' ' ')" = "vif1.0 vif1.1 " ]
		xln network-detach f1 00:16:3e:00:00:42
		[ "$(taps)" = vif1.0 ]
	done
	xln destroy f1
	nothing_left
	devices_gone
}
