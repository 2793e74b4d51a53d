#!/usr/bin/env bats
# xl save and xl restore (xl(1), xenon-migration(7)), with a private
# xenstored and run directory: the restored guest goes on where it stopped
# (its ticker continues, no second boot banner) under a new domid, its
# xenstore watches follow it; save -c leaves it running; a bad save file and
# a full disk leave nothing behind and the domain as it was.

load helpers

setup() {
	xl_env_start
	cat >"$T/sv.cfg" <<-EOF
		name = "sv1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vcpus = 1
		cmdline = 'run="ticker on"'
		on_poweroff = "destroy"
	EOF
}

local_teardown() {
	exec 5>&- # a restore's stream a test feeds (its end closed, the restore ends)
	xl_env_stop
	if [ -n "${NS:-}" ] && ip netns list | grep -qw -- "$NS"; then
		ip netns delete "$NS"
	fi
	true
}

ticks_of() { console_text "$1" | grep -ac '^tick ' || true; }
# The count of the last tick on the console.
last_tick() { console_text "$1" | awk '{ sub(/\r$/, "") } /^tick [0-9]+ / { n = $2 } END { print n + 0 }'; }
gone() { ! xenstore-exists "/local/domain/$1" 2>/dev/null && [ ! -e "$XENON_RUNDIR/domains/$1.sock" ]; }

running_guest() {
	xl create "$T/sv.cfg"
	wait_for 20 eval '[ "$(ticks_of sv1)" -ge 2 ]'
}

@test "xl save ends the domain, xl restore brings it back going on where it stopped" {
	require_kvm
	running_guest
	old=$(xl domid sv1)
	run xl save sv1 "$T/sv1.save"
	[ "$status" -eq 0 ]
	[[ "$output" == "Saved domain sv1 ($old) to $T/sv1.save: 1 round, "*" frames ("*" zero), "*" bytes, total "*" ms, downtime "*" ms" ]]
	# paused from the start until the file is synced: the total is the downtime (it was the stream's part alone)
	total=${output##*, total }
	down=${output##*, downtime }
	[ "${total%% ms, *}" = "${down% ms}" ]
	wait_for 10 gone "$old"
	[ -z "$(xl list | awk '$1 == "sv1"')" ]
	head -c 29 "$T/sv1.save" | grep -q "Xenon saved domain, xl format"
	run xl restore "$T/sv1.save"
	[ "$status" -eq 0 ]
	new=$(xl domid sv1)
	[ "$new" != "$old" ]
	before=$(last_tick sv1)
	wait_for 20 eval '[ "$(last_tick sv1)" -gt '"$before"' ]'
	# One boot banner: the ring came along, and the guest did not boot again.
	[ "$(console_text sv1 | grep -ac '^xenon-guest ')" -eq 1 ]
	# Natively: on PVM its vCPU registered its VIF page again (xenon-boot.h).
	runs_natively sv1
	# Its xenstore watch on control/shutdown moved to the new domid's home.
	xenstore-write "/local/domain/$new/control/shutdown" poweroff
	wait_for 20 gone "$new"
	wait_for 10 nothing_left
}

# xl restore of the save file through a FIFO fed its first half (fd 5);
# sets id (the new domain's) and hv (its xenon-hv) once that xenon-hv has
# entered its sandbox, and rpid (xl restore).
restore_half_fed() {
	xl save sv1 "$T/sv1.save"
	wait_for 10 nothing_left
	half=$(($(stat -c %s "$T/sv1.save") / 2))
	mkfifo "$T/stream"
	xl restore "$T/stream" >"$T/restore.out" 2>&1 &
	rpid=$!
	exec 5>"$T/stream"
	head -c "$half" "$T/sv1.save" >&5
	wait_for 20 eval '[ -n "$(xenstore-read "/libxl/$(xenstore-list /libxl | head -1)/hv-pid" 2>/dev/null)" ]'
	id=$(xenstore-list /libxl)
	hv=$(xenstore-read "/libxl/$id/hv-pid")
	wait_for 20 grep -q "^Seccomp:[[:space:]]*2" "/proc/$hv/status"
}

# The receiver is root only for the stream's header: it builds the domain from
# it, enters its sandbox and then reads the rest; its control socket keeps a
# hidden name until the domain is there.
@test "xl restore reads the saved stream inside xenon-hv's sandbox; its socket appears only at the end" {
	require_kvm
	running_guest
	restore_half_fed
	grep "^Uid:" "/proc/$hv/status" | awk '{ exit !($2 != 0 && $3 != 0) }'
	grep -q "^CapEff:[[:space:]]*0000000000000000" "/proc/$hv/status"
	grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$hv/status"
	# Half of the stream read: not there yet for the toolstack.
	[ -S "$XENON_RUNDIR/domains/.$id.sock.incoming" ]
	[ ! -e "$XENON_RUNDIR/domains/$id.sock" ]
	tail -c +"$((half + 1))" "$T/sv1.save" >&5
	exec 5>&-
	wait "$rpid" || { cat "$T/restore.out"; false; }
	[ "$(xl domid sv1)" = "$id" ]
	[ -S "$XENON_RUNDIR/domains/$id.sock" ]
	[ ! -e "$XENON_RUNDIR/domains/.$id.sock.incoming" ]
	before=$(last_tick sv1)
	wait_for 20 eval '[ "$(last_tick sv1)" -gt '"$before"' ]'
	xl destroy sv1
	wait_for 10 nothing_left
}

# The same stream cut after the sandbox was entered: refused, the hidden socket gone with the rest.
@test "xl restore of a stream that ends inside the sandbox leaves nothing behind" {
	require_kvm
	running_guest
	restore_half_fed
	exec 5>&-
	rc=0
	wait "$rpid" || rc=$?
	cat "$T/restore.out"
	[ "$rc" -ne 0 ]
	grep -q "truncated or the sender stopped" "$T/restore.out"
	wait_for 10 nothing_left
}

# Root but filtered (sandbox.user = 0): the socket is renamed by the unlinker, which the filter leaves out.
@test "xl restore with the sandbox's user measure off: the socket is still published, and removed at the end" {
	require_kvm
	printf 'sandbox.user = 0\n' >> "$XL_CONF"
	running_guest
	xl save sv1 "$T/sv1.save"
	wait_for 10 nothing_left
	xl restore "$T/sv1.save"
	id=$(xl domid sv1)
	hv=$(xenstore-read "/libxl/$id/hv-pid")
	grep -q "^Seccomp:[[:space:]]*2" "/proc/$hv/status"
	grep "^Uid:" "/proc/$hv/status" | awk '{ exit !($2 == 0) }'
	[ -S "$XENON_RUNDIR/domains/$id.sock" ]
	before=$(last_tick sv1)
	wait_for 20 eval '[ "$(last_tick sv1)" -gt '"$before"' ]'
	xl destroy sv1
	wait_for 10 nothing_left
}

@test "xl save -c --json leaves the domain running and says what it did" {
	require_kvm
	running_guest
	run xl save -c --json sv1 "$T/sv1.save"
	[ "$status" -eq 0 ]
	[[ "$output" == "{\"domain\": \"sv1\", \"domid\": "*", \"bytes\": "*", \"rounds\": 1, \"total_ms\": "*", \"downtime_ms\": "*"}" ]]
	# the downtime goes on until the domain runs again, past the synced file
	python3 -c 'import json, sys; j = json.loads(sys.argv[1]); sys.exit(not 0 < j["total_ms"] <= j["downtime_ms"])' "$output"
	before=$(last_tick sv1)
	wait_for 10 eval '[ "$(last_tick sv1)" -gt '"$before"' ]'
	[[ "$(state_of sv1)" != *p* ]]
}

@test "xl restore refuses a truncated or foreign file and leaves nothing behind" {
	require_kvm
	running_guest
	xl save sv1 "$T/sv1.save"
	wait_for 10 nothing_left
	size=$(stat -c %s "$T/sv1.save")
	head -c $((size - 5000)) "$T/sv1.save" >"$T/cut.save"
	run xl restore "$T/cut.save"
	[ "$status" -ne 0 ]
	wait_for 10 nothing_left
	echo "not a save file" >"$T/junk.save"
	run xl restore "$T/junk.save"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/junk.save is not a Xenon save file (made by xl save)"* ]]
	nothing_left
}

@test "xl save onto a full disk leaves the domain running and no file" {
	require_kvm
	command -v unshare >/dev/null || skip "needs unshare (util-linux) for a private small tmpfs"
	running_guest
	mkdir "$T/full"
	run unshare -m sh -c 'mount -t tmpfs -o size=64k none "$1" &&
		{ xl save sv1 "$1/sv1.save"; rc=$?; [ -e "$1/sv1.save" ] || echo no-file-left; exit $rc; }' sh "$T/full"
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device; the domain runs on, the file is removed"* ]]
	[[ "$output" == *no-file-left* ]]
	before=$(last_tick sv1)
	wait_for 10 eval '[ "$(last_tick sv1)" -gt '"$before"' ]'
	[[ "$(state_of sv1)" != *p* ]]
}

# ---- a guest with a disk and a NIC (docs/devices.md, xenon-migration(7) VDEV) ----

# guest_type DOM LINE: a line typed on the domain's console (its pty).
guest_type() {
	local tty
	tty=$(hvctl "$XENON_RUNDIR/domains/$(xl domid "$1").sock" info | awk '$1 == "console:" { print $2 }')
	[[ $tty == /dev/pts/* ]] && printf '%s\r' "$2" >"$tty"
}
node_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
sector_text() { dd if="$1" bs=512 skip="$2" count=1 status=none | tr -d '\0'; }

@test "xl save and restore of a guest with a disk and a NIC: it goes on using both, its nodes are Connected again" {
	require_kvm
	command -v python3 >/dev/null || skip "needs python3 (tests/net-peer)"
	export XENON_SCRIPTDIR=$XENON_TOP/hotplug
	NS=xenon-test-$$-sv$BATS_TEST_NUMBER
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add xenbr0 type bridge
	ip -n "$NS" addr add 192.0.2.1/24 dev xenbr0
	ip -n "$NS" link set xenbr0 up
	truncate -s 1M "$T/d.img"
	cat >"$T/dv.cfg" <<-EOF
		name = "dv1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		disk = [ "$T/d.img,raw,xvda,rw" ]
		vif = [ "bridge=xenbr0,mac=00:16:3e:00:00:07" ]
		cmdline = 'run="ip eth0 192.0.2.2/24; blk write xvda 3 before-save"'
		on_poweroff = "destroy"
	EOF
	ip netns exec "$NS" xl create "$T/dv.cfg"
	wait_for 30 console_has dv1 "^xvda: wrote 11 bytes at sector 3"
	# save -c: the domain runs on, its disk and NIC serve it again
	ip netns exec "$NS" xl save -c dv1 "$T/dv-c.save"
	run ip netns exec "$NS" "$XENON_TOP/tests/net-peer" ping 192.0.2.2 1
	[ "$status" -eq 0 ]
	guest_type dv1 "blk write xvda 5 after-save-c"
	wait_for 20 console_has dv1 "^xvda: wrote 12 bytes at sector 5"
	old=$(xl domid dv1)
	run ip netns exec "$NS" xl save dv1 "$T/dv.save"
	[ "$status" -eq 0 ]
	wait_for 10 gone "$old"
	# restore -p with a configuration lacking the NIC: refused at once, not
	# at the unpause, and nothing is left
	grep -v '^vif' "$T/dv.cfg" >"$T/dv-novif.cfg"
	run ip netns exec "$NS" xl restore -p "$T/dv-novif.cfg" "$T/dv.save"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"domain 'dv1' was not restored: the saved domain had 1 disk(s) or NIC(s) that its configuration lacks"* ]]
	wait_for 10 nothing_left
	run ip netns exec "$NS" xl restore "$T/dv.save"
	echo "$output"
	[ "$status" -eq 0 ]
	new=$(xl domid dv1)
	# libxl wrote both nodes of each device again under the new domid, Connected.
	for n in "/local/domain/$new/device/vbd/51712" "/local/domain/0/backend/vbd/$new/51712" \
		"/local/domain/$new/device/vif/0" "/local/domain/0/backend/vif/$new/0"; do
		node_is "$n/state" 4
	done
	guest_type dv1 "blk read xvda 3"
	wait_for 20 console_has dv1 '|before-save'
	guest_type dv1 "blk write xvda 4 after-restore"
	wait_for 20 console_has dv1 "^xvda: wrote 13 bytes at sector 4"
	run ip netns exec "$NS" "$XENON_TOP/tests/net-peer" ping 192.0.2.2 2
	[ "$status" -eq 0 ]
	# The guest's watch moved to its new backend; it never probed its devices again.
	console_has dv1 "^devices: xvda: its backend is now /local/domain/0/backend/vbd/$new/51712"
	[ "$(console_text dv1 | grep -ac '^xvda: virtio-blk')" -eq 1 ]
	ip netns exec "$NS" xl destroy dv1
	wait_for 20 nothing_left
	[ "$(sector_text "$T/d.img" 3)" = "before-save" ]
	[ "$(sector_text "$T/d.img" 4)" = "after-restore" ]
	[ "$(sector_text "$T/d.img" 5)" = "after-save-c" ]
}
