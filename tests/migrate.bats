#!/usr/bin/env bats
# Save and restore (man/xenon-migration.7): xenon-hv's save through the
# control socket (hvctl save) and xenon-hv --restore, with the real guest.
# A restored guest goes on where it stopped: its ticker continues without a
# boot banner and its clock never goes back. Failures leave the domain as it
# was and no partial file; a bad save file is refused before anything runs.
# Each test starts its own xenon-hv processes and ends only those.

load helpers

GUEST="$XENON_TOP/guest/xenon-guest.elf"
HV="$XENON_TOP/hypervisor/xenon-hv"
HVCTL="$XENON_TOP/hypervisor/hvctl"
STREAM_TEST="$XENON_TOP/tests/unit/hv_migstream-test"

setup() {
	[ -x "$HV" ] || { echo "hypervisor/xenon-hv is not built (make hypervisor/xenon-hv)" >&2; return 1; }
	[ -f "$GUEST" ] || { echo "guest/xenon-guest.elf is not built (make guest/xenon-guest.elf)" >&2; return 1; }
	mk_tmp
	SOCK="$T/ctl.sock"
	SOCK2="$T/ctl2.sock"
	HV_PID=
	HV2_PID=
	XSD_PID=
	NS=
	FEED=
	WFD=
}

local_teardown() {
	[ -z "${FEED:-}" ] || exec {FEED}>&-
	[ -z "${WFD:-}" ] || exec {WFD}>&-
	[ -n "${BATS_TEST_COMPLETED:-}" ] || { dump_threads "$HV_PID"; dump_threads "$HV2_PID"; }
	kill_pid "$HV_PID"
	kill_pid "$HV2_PID"
	kill_pid "$XSD_PID"
	if [ -n "$NS" ] && ip netns list | grep -qw -- "$NS"; then
		ip netns delete "$NS"
	fi
	true
}

# start_hv ARGS...: the source domain, console in $T/out, log in $T/err.
start_hv() {
	"$HV" --kernel "$GUEST" --control "$SOCK" "$@" >"$T/out" 2>"$T/err" </dev/null 3>&- &
	HV_PID=$!
	wait_for 10 test -S "$SOCK"
}

# restore_hv FILE ARGS...: the restored domain, console in $T/out2 (input from
# $RESTORE_IN, else none), log in $T/err2.
restore_hv() {
	local file=$1
	shift
	"$HV" --restore "$file" --control "$SOCK2" "$@" >"$T/out2" 2>"$T/err2" <"${RESTORE_IN:-/dev/null}" 3>&- &
	HV2_PID=$!
}

# wait_gone PIDVAR SECONDS: wait for that xenon-hv to end; its status in $HV_STATUS.
wait_gone() {
	local pid=${!1}
	wait_for "$2" eval "! kill -0 $pid 2>/dev/null" || return 1
	HV_STATUS=0
	wait "$pid" || HV_STATUS=$?
	printf -v "$1" ''
}

# The page count of the last "dirty:" status line in a console file.
pages_written() { grep -a "^dirty: " "$1" | tail -n 1 | awk '{ print $(NF - 2) }'; }
ticks_in() { grep -c '^tick ' "$1" || true; }
# The tick lines of a console file as "COUNT SECONDS".
tick_lines() { awk '{ sub(/\r$/, "") } /^tick [0-9]+ [0-9.]+ s$/ { print $2, $3 }' "$1"; }

# A running guest's ticker, with at least N ticks on the source console.
ticking_guest() {
	start_hv --vcpus 2 --cmdline 'run="ticker on"'
	wait_for 20 eval '[ "$(ticks_in "$T/out")" -ge '"$1"' ]'
}

@test "save, then restore: the ticker goes on from where it stopped, with no boot banner and a monotonic clock" {
	require_kvm
	ticking_guest 3
	run "$HVCTL" "$SOCK" save "$T/dom.save"
	[ "$status" -eq 0 ]
	[[ "$output" == "saved "*" bytes: "*" frames ("*" zero) in "*" ms" ]]
	wait_gone HV_PID 10
	[ "$HV_STATUS" -eq 5 ] # HV_EXIT_SAVED
	restore_hv "$T/dom.save"
	wait_for 20 eval '[ "$(ticks_in "$T/out2")" -ge 3 ]'
	not grep -q '^xenon-guest ' "$T/out2" # no boot banner: the guest did not start again
	# The counter and the clock go on from the last tick before the save. Checked across the seam,
	# the source's console followed by the target's: the save may stop the guest inside a line,
	# whose rest the restored guest prints. Every tick is the one after the one before, no
	# earlier in time, and at least 2 more come after the seam.
	cat "$T/out" "$T/out2" >"$T/both"
	before=$(tick_lines "$T/out" | wc -l)
	tick_lines "$T/both" | awk -v before="$before" '
		NR > 1 && ($1 != n + 1 || $2 < secs) { printf "tick %s at %s after tick %s at %s\n", $1, $2, n, secs; bad = 1 }
		{ n = $1; secs = $2 }
		END { if (NR < before + 2) { print NR " ticks in all, " before " before the save"; bad = 1 }; exit bad }'
	# Both vCPUs came back; the restored console still has what the guest printed before.
	run "$HVCTL" "$SOCK2" info
	[[ "$output" == *"state:     running"* ]]
	[[ "$output" == *"vcpu1:"* ]]
	run "$HVCTL" "$SOCK2" console
	[[ "$output" == *"xenon-guest "* ]]
	"$HVCTL" "$SOCK2" destroy
	wait_gone HV2_PID 10
}

# The MiB xenon-hv -v says its restore read with O_DIRECT ($T/err2).
direct_mib() { sed -n "s/.*restore: the stream's [0-9]* MiB read, \([0-9]*\) MiB of it with O_DIRECT.*/\1/p" "$T/err2"; }

@test "a save file out of the page cache is restored with O_DIRECT (where its file system has it), one in it from the cache" {
	require_kvm
	start_hv --memory 64 --cmdline 'run="mem fill; ticker on"'
	wait_for 30 eval '[ "$(ticks_in "$T/out")" -ge 1 ]'
	run "$HVCTL" "$SOCK" save "$T/dom.save"
	[ "$status" -eq 0 ]
	wait_gone HV_PID 10
	# O_DIRECT where the file system has it (the frames' data straight into RAM), else read as before
	if dd if=/dev/zero of="$T/probe" bs=4096 count=1 oflag=direct status=none 2>/dev/null; then direct=1; else direct=0; fi
	dd if="$T/dom.save" iflag=nocache count=0 status=none
	restore_hv "$T/dom.save" -v
	wait_for 20 eval '[ "$(ticks_in "$T/out2")" -ge 2 ]'
	echo "# O_DIRECT on this file system: $direct; read so: $(direct_mib) MiB" >&3
	if [ "$direct" = 1 ]; then [ "$(direct_mib)" -ge 32 ]; else [ "$(direct_mib)" = 0 ]; fi
	"$HVCTL" "$SOCK2" destroy
	wait_gone HV2_PID 10
	# all of the file in the page cache (as just after a save): copied from there
	cat "$T/dom.save" >/dev/null
	restore_hv "$T/dom.save" -v
	wait_for 20 eval '[ "$(ticks_in "$T/out2")" -ge 2 ]'
	[ "$(direct_mib)" = 0 ]
	"$HVCTL" "$SOCK2" destroy
	wait_gone HV2_PID 10
}

@test "save -c leaves the domain running, and its save file restores too" {
	require_kvm
	ticking_guest 2
	run "$HVCTL" "$SOCK" save -c "$T/dom.save"
	[ "$status" -eq 0 ]
	before=$(ticks_in "$T/out")
	wait_for 10 eval '[ "$(ticks_in "$T/out")" -gt '"$before"' ]'
	run "$HVCTL" "$SOCK" info
	[[ "$output" == *"state:     running"* ]]
	restore_hv "$T/dom.save" --paused
	wait_for 10 test -S "$SOCK2"
	run "$HVCTL" "$SOCK2" info
	[[ "$output" == *"state:     paused"* ]]
	"$HVCTL" "$SOCK2" unpause
	wait_for 20 eval '[ "$(ticks_in "$T/out2")" -ge 1 ]'
	not grep -q '^xenon-guest ' "$T/out2"
}

@test "a truncated or corrupt save file is refused with a clear error, leaving nothing behind" {
	require_kvm
	ticking_guest 1
	"$HVCTL" "$SOCK" save -c "$T/dom.save"
	size=$(stat -c %s "$T/dom.save")
	head -c $((size / 2)) "$T/dom.save" >"$T/half.save"
	restore_hv "$T/half.save"
	wait_gone HV2_PID 20
	[ "$HV_STATUS" -eq 1 ]
	grep -q "truncated" "$T/err2"
	[ ! -e "$SOCK2" ]
	# The END record (the last 16 bytes) given an instance: refused at that record, by number and offset.
	cp "$T/dom.save" "$T/bad.save"
	printf '\x01' | dd of="$T/bad.save" bs=1 seek=$((size - 12)) conv=notrunc status=none
	restore_hv "$T/bad.save"
	wait_gone HV2_PID 20
	[ "$HV_STATUS" -eq 1 ]
	grep -q "migration stream: record [0-9]* (end, instance 1) at byte" "$T/err2"
	[ ! -e "$SOCK2" ]
	[ ! -s "$T/out2" ] # the guest never ran
}

@test "a full disk during save leaves the domain running and no partial file" {
	require_kvm
	command -v unshare >/dev/null || skip "needs unshare (util-linux) for a private small tmpfs"
	ticking_guest 1
	mkdir "$T/full"
	# A 64 KiB tmpfs in a mount namespace of its own: gone with the command.
	run unshare -m sh -c 'mount -t tmpfs -o size=64k none "$1" &&
		"$2" "$3" save "$1/dom.save"; rc=$?; ls -A "$1"; exit $rc' sh "$T/full" "$HVCTL" "$SOCK"
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" != *"dom.save"* ]] # ls found no file left
	grep -q "save: writing the stream failed after .* bytes: No space left on device; domain .* runs on" "$T/err"
	before=$(ticks_in "$T/out")
	wait_for 10 eval '[ "$(ticks_in "$T/out")" -gt '"$before"' ]'
	run "$HVCTL" "$SOCK" info
	[[ "$output" == *"state:     running"* ]]
}

# in_ns CMD...: in the test's network namespace (disk_nic_guest makes it).
in_ns() { ip netns exec "$NS" "$@"; }
con2_has() { tr -d '\r' <"$T/out2" | grep -Eq -- "$1"; }
# sector_text IMG N: the text the guest wrote at sector N.
sector_text() { dd if="$1" bs=512 skip="$2" count=1 status=none | tr -d '\0'; }

# A guest with a disk (xvda, $T/disk.img) and a NIC (tap xtap0 in bridge xbr0 of
# namespace $NS) that wrote "before-save" at sector 3, saved to $T/dom.save.
saved_disk_nic_guest() {
	NS=xenon-test-$$-mig$BATS_TEST_NUMBER
	ip netns add "$NS"
	in_ns ip link set lo up
	in_ns ip link add xbr0 type bridge
	in_ns ip addr add 192.0.2.1/24 dev xbr0
	in_ns ip link set xbr0 up
	in_ns ip tuntap add dev xtap0 mode tap
	in_ns ip link set xtap0 master xbr0
	in_ns ip link set xtap0 up
	truncate -s 1M "$T/disk.img"
	in_ns "$HV" --kernel "$GUEST" --control "$SOCK" --memory 64 --disk "devid=51712,target=$T/disk.img" \
		--nic devid=0,tap=xtap0,mac=00:16:3e:00:00:05 \
		--cmdline 'run="ip eth0 192.0.2.2/24; blk write xvda 3 before-save"' \
		>"$T/out" 2>"$T/err" </dev/null 3>&- &
	HV_PID=$!
	wait_for 30 eval 'tr -d "\r" <"$T/out" | grep -q "^xvda: wrote 11 bytes at sector 3"'
	run "$HVCTL" "$SOCK" save "$T/dom.save"
	[ "$status" -eq 0 ]
	wait_gone HV_PID 10
	[ "$HV_STATUS" -eq 5 ]
}

# nic_added_disk_goes_on: the restored guest's NIC added, the domain unpaused;
# the disk reads back what it had and takes a new write.
nic_added_disk_goes_on() {
	run in_ns "$HVCTL" "$SOCK2" device-add vif devid=0 tap=xtap0 mac=00:16:3e:00:00:05
	[ "$status" -eq 0 ]
	"$HVCTL" "$SOCK2" unpause
	printf '%s\r' "blk read xvda 3" >&"$FEED"
	wait_for 20 con2_has '\|before-save'
	printf '%s\r' "blk write xvda 4 after-restore" >&"$FEED"
	wait_for 20 con2_has '^xvda: wrote 13 bytes at sector 4'
}

@test "a guest with a disk and a NIC is saved and restored: its data reads back, new writes persist, it answers ping" {
	require_kvm
	command -v python3 >/dev/null || skip "needs python3 (tests/net-peer)"
	saved_disk_nic_guest
	mkfifo "$T/in2"
	exec {FEED}<>"$T/in2"
	in_ns "$HV" --restore "$T/dom.save" --control "$SOCK2" --paused <"$T/in2" >"$T/out2" 2>"$T/err2" 3>&- &
	HV2_PID=$!
	wait_for 10 test -S "$SOCK2"
	# Unpausing before the saved disk and NIC are back is refused; so is a device it did not have.
	run "$HVCTL" "$SOCK2" unpause
	[ "$status" -ne 0 ]
	grep -q "its saved vbd 51712 has not been added" "$T/err2"
	truncate -s 1M "$T/other.img"
	run "$HVCTL" "$SOCK2" device-add vbd devid=51728 "target=$T/other.img"
	[ "$status" -ne 0 ]
	grep -q "vbd 51728 is not in the saved domain" "$T/err2"
	run in_ns "$HVCTL" "$SOCK2" device-add vbd devid=51712 "target=$T/disk.img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vbd 51712: mmio 0xd0000000 "* ]] # where it was: the guest goes on using it
	nic_added_disk_goes_on
	printf '%s\r' "ping 192.0.2.1 2" >&"$FEED"
	wait_for 30 con2_has '^2 packets transmitted, '
	con2_has '^2 packets transmitted, 2 received, 0% packet loss$'
	run in_ns "$XENON_TOP/tests/net-peer" ping 192.0.2.2 2
	[ "$status" -eq 0 ]
	not grep -q '^xenon-guest ' "$T/out2" # never booted again
	"$HVCTL" "$SOCK2" destroy
	wait_gone HV2_PID 10
	[ "$(sector_text "$T/disk.img" 3)" = "before-save" ]
	[ "$(sector_text "$T/disk.img" 4)" = "after-restore" ]
}

# restore_held ARGS...: the saved guest restored (paused, console input from
# $T/in2 through $FEED) from a pipe ($WFD) that has carried all of
# $T/dom.save but its END record (the last 16 bytes); end_stream sends it.
restore_held() {
	mkfifo "$T/stream" "$T/in2"
	exec {FEED}<>"$T/in2" {WFD}<>"$T/stream"
	in_ns "$HV" --restore "$T/stream" --control "$SOCK2" --paused "$@" <"$T/in2" >"$T/out2" 2>"$T/err2" 3>&- &
	HV2_PID=$!
	head -c $(($(stat -c %s "$T/dom.save") - 16)) "$T/dom.save" >&"$WFD"
}

end_stream() {
	tail -c 16 "$T/dom.save" >&"$WFD"
	exec {WFD}>&-
	WFD=
}

# xenon-migration(7), VDEV_PLAN; xenon-hv(8), --ready: what a migration's receiver does.
@test "the stream's plan lets a disk be added while the rest is still read; it takes its state at the end" {
	require_kvm
	saved_disk_nic_guest
	local incoming="$T/.ctl2.sock.incoming"
	restore_held --verbose --ready 9 9> >(cat >"$T/ready.out")
	# The first message says how many devices it takes now: the disk and the NIC.
	wait_for 10 test -s "$T/ready.out"
	[ "$(od -An -tx1 -N8 "$T/ready.out" | tr -d ' ')" = "7000000002000000" ]
	wait_for 10 test -S "$incoming"
	run in_ns "$HVCTL" "$incoming" device-add vbd devid=51712 "target=$T/disk.img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vbd 51712: mmio 0xd0000000 "* ]] # where the plan put it
	grep -q "restore: vbd 51712 added while the stream is read" "$T/err2"
	# Only devices, and only the plan's, until the stream has ended.
	run in_ns "$HVCTL" "$incoming" device-add vbd devid=51728 "target=$T/disk.img"
	[ "$status" -ne 0 ]
	grep -q "vbd 51728 is not in the saved domain" "$T/err2"
	run "$HVCTL" "$incoming" unpause
	[ "$status" -ne 0 ]
	[[ "$output" == *"Resource temporarily unavailable"* ]]
	[ ! -e "$SOCK2" ]
	end_stream
	wait_for 10 test -S "$SOCK2"
	grep -q "restore: vbd 51712 continues where it was saved" "$T/err2"
	run in_ns "$HVCTL" "$SOCK2" unpause # the NIC has not come
	[ "$status" -ne 0 ]
	nic_added_disk_goes_on
	"$HVCTL" "$SOCK2" destroy
	wait_gone HV2_PID 10
	[ "$(sector_text "$T/disk.img" 4)" = "after-restore" ]
}

@test "a disk added while the stream is read that is not the saved one: refused at the end, nothing left" {
	require_kvm
	saved_disk_nic_guest
	local incoming="$T/.ctl2.sock.incoming"
	truncate -s 2M "$T/other.img" # another size than the saved disk's
	restore_held
	wait_for 10 test -S "$incoming"
	run in_ns "$HVCTL" "$incoming" device-add vbd devid=51712 "target=$T/other.img"
	[ "$status" -eq 0 ] # placed now; its state comes with END
	end_stream
	wait_gone HV2_PID 10
	[ "$HV_STATUS" -eq 1 ]
	grep -q "restore: vbd 51712 refused its saved state (.*): the domain is not restored" "$T/err2"
	[ ! -e "$SOCK2" ]
	[ ! -e "$incoming" ]
}

# These need no KVM: the stream is refused at its header, before /dev/kvm is opened.
@test "--restore: a file that is no save file, a missing file and --kernel with it are refused" {
	echo "not a save file" >"$T/junk"
	run "$HV" --restore "$T/junk" --control "$SOCK2" --console "$T/out2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"header: not a Xenon migration stream or save file (no XENONMIG magic)"* ]]
	run "$HV" --restore "$T/missing" --control "$SOCK2" --console "$T/out2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--restore $T/missing: cannot open the saved domain: No such file or directory"* ]]
	run "$HV" --restore "$T/junk" --kernel "$GUEST" --control "$SOCK2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"give no --kernel"* ]]
	# A stream of another version is refused by its header too.
	"$STREAM_TEST" --seed "$T/seed"
	printf '\x05' | dd of="$T/seed" bs=1 seek=8 conv=notrunc status=none
	run "$HV" --restore "$T/seed" --control "$SOCK2" --console "$T/out2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"version 5 with a 64-byte header: this xenon-hv reads versions 1 to 4"* ]]
	[ ! -e "$SOCK2" ]
}

@test "a guest dirtying memory is saved and restored, and goes on dirtying it" {
	require_kvm
	mkfifo "$T/in"
	"$HV" --kernel "$GUEST" --control "$SOCK" --memory 96 --cmdline 'run="dirty 20 8; ticker on"' \
		<"$T/in" >"$T/out" 2>"$T/err" 3>&- &
	HV_PID=$!
	exec 5>"$T/in"
	wait_for 20 eval '[ "$(ticks_in "$T/out")" -ge 3 ]'
	grep -q "^dirty 20 MiB/s over 8 MiB" "$T/out"
	# Until the whole working set has been written once (2048 pages).
	wait_for 10 eval 'echo dirty >&5; sleep 0.2; [ "$(pages_written "$T/out")" -ge 2048 ]'
	run "$HVCTL" "$SOCK" save "$T/dom.save"
	[ "$status" -eq 0 ]
	exec 5>&-
	wait_gone HV_PID 10
	# 8 MiB of dirtied pages (not zero) are in the file.
	[ "$(stat -c %s "$T/dom.save")" -gt $((8 << 20)) ]
	mkfifo "$T/in2"
	"$HV" --restore "$T/dom.save" --control "$SOCK2" <"$T/in2" >"$T/out2" 2>"$T/err2" 3>&- &
	HV2_PID=$!
	exec 6>"$T/in2"
	wait_for 20 eval '[ "$(ticks_in "$T/out2")" -ge 3 ]'
	echo dirty >&6
	wait_for 10 grep -q "^dirty: 20 MiB/s over 8 MiB" "$T/out2"
	first=$(pages_written "$T/out2")
	# The restored guest goes on writing pages: ask again until the count has grown.
	wait_for 10 eval 'echo dirty >&6; sleep 0.2; [ "$(pages_written "$T/out2")" -gt '"$first"' ]'
	exec 6>&-
}

start_xenstored() {
	export XENSTORED_PATH="$T/xs.sock"
	"$XENON_TOP/xenstored/xenstored" -N -I -s "$XENSTORED_PATH" 2>"$T/xsd.err" 3>&- &
	XSD_PID=$!
	wait_for 10 test -S "$XENSTORED_PATH"
}

# home DOMID: /local/domain/DOMID, the domain's own, with its control/shutdown node.
home() {
	"$XENON_TOP/xenstored/xenstore-write" "/local/domain/$1" ""
	"$XENON_TOP/xenstored/xenstore-chmod" "/local/domain/$1" "n$1"
	"$XENON_TOP/xenstored/xenstore-write" "/local/domain/$1/control/shutdown" ""
}

@test "with the xenstore channel: restored as another domain, the guest's watches follow it" {
	require_kvm
	start_xenstored
	home 5
	home 9
	start_hv --domid 5 --xenstore="$XENSTORED_PATH" --cmdline 'run="ticker on"'
	wait_for 20 eval '[ "$(ticks_in "$T/out")" -ge 2 ]'
	run "$HVCTL" "$SOCK" save "$T/dom.save"
	[ "$status" -eq 0 ]
	wait_gone HV_PID 10
	restore_hv "$T/dom.save" --domid 9 --xenstore="$XENSTORED_PATH"
	wait_for 20 eval '[ "$(ticks_in "$T/out2")" -ge 2 ]'
	# The guest's watch on its control/shutdown now lives in domain 9's home.
	"$XENON_TOP/xenstored/xenstore-write" /local/domain/9/control/shutdown poweroff
	wait_gone HV2_PID 20
	[ "$HV_STATUS" -eq 0 ]
}

@test "a live save leaves KVM's dirty log on while the domain stays paused (a migration's source), off once it runs" {
	require_kvm
	start_hv --memory 64 --cmdline 'run="dirty 5 8; ticker on"'
	wait_for 20 eval '[ "$(ticks_in "$T/out")" -ge 3 ]'
	# -c: it runs on at once, without the log
	run "$HVCTL" "$SOCK" save -c -l "$T/a.save"
	[ "$status" -eq 0 ]
	run "$HVCTL" "$SOCK" info
	[[ "$output" == *"state:     running"* ]]
	[[ "$output" != *"dirty log"* ]]
	# -c -p: paused after the stream, as xl migrate's source, the log still on
	run "$HVCTL" "$SOCK" save -c -l -p "$T/b.save"
	[ "$status" -eq 0 ]
	run "$HVCTL" "$SOCK" info
	echo "$output"
	[[ "$output" == *"state:     paused"* ]]
	[[ "$output" == *"dirty log: on"* ]]
	# the migration failed, say: the source runs on, without it
	run "$HVCTL" "$SOCK" unpause
	[ "$status" -eq 0 ]
	run "$HVCTL" "$SOCK" info
	[[ "$output" == *"state:     running"* ]]
	[[ "$output" != *"dirty log"* ]]
	before=$(ticks_in "$T/out")
	wait_for 10 eval '[ "$(ticks_in "$T/out")" -gt '"$before"' ]'
}

@test "a live save (pre-copy) of a guest dirtying memory goes in rounds and restores" {
	require_kvm
	start_hv --memory 64 --cmdline 'run="dirty 5 8; ticker on"'
	wait_for 20 eval '[ "$(ticks_in "$T/out")" -ge 3 ]'
	run "$HVCTL" "$SOCK" save -l "$T/dom.save"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^saved\ [0-9]+\ bytes:\ [0-9]+\ frames\ \([0-9]+\ zero\)\ in\ [0-9]+\ ms,\ ([0-9]+)\ rounds,\ downtime ]]
	# round 0 while it runs, then at least the paused round of what it dirtied meanwhile
	[ "${BASH_REMATCH[1]}" -ge 2 ]
	wait_gone HV_PID 10
	[ "$HV_STATUS" -eq 5 ]
	last=$(tick_lines "$T/out" | tail -n 1)
	mkfifo "$T/in2"
	exec {FEED}<>"$T/in2"
	RESTORE_IN="$T/in2" restore_hv "$T/dom.save" -v
	wait_for 20 eval '[ "$(ticks_in "$T/out2")" -ge 2 ]'
	first=$(tick_lines "$T/out2" | head -n 1)
	[ "${first%% *}" -eq $((${last%% *} + 1)) ]
	not grep -q '^xenon-guest ' "$T/out2"
	# every page it dirtied holds its last write: none the rounds missed
	printf '%s\r' "dirty check" >&"$FEED"
	wait_for 20 con2_has '^dirty check: '
	# (on a failure, what the guest found, and how much the restore read O_DIRECT)
	con2_has '^dirty check: 2048 pages hold their last write' ||
		{ tr -d '\r' <"$T/out2" | grep -a '^dirty' >&3; grep -a 'O_DIRECT' "$T/err2" >&3; false; }
}
