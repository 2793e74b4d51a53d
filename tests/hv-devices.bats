#!/usr/bin/env bats
# xenon-hv's disks and NICs (docs/devices.md): --disk/--nic at start and
# hvctl device-add/remove/list on the control socket. Argument errors run
# anywhere (xenon-hv checks them, and opens a disk's target, before it
# touches /dev/kvm); the rest boots the guest and needs KVM
# (tests/nested-kvm tests/hv-devices.bats). Each test starts its own
# xenon-hv with a private control socket and ends only that process.
# Sections: common helpers; vbd (virtio-blk). The vif tests are in tests/hv-net.bats.

load helpers

GUEST="$XENON_TOP/guest/xenon-guest.elf"
HV="$XENON_TOP/hypervisor/xenon-hv"
HVCTL="$XENON_TOP/hypervisor/hvctl"

setup() {
	[ -x "$HV" ] || { echo "hypervisor/xenon-hv is not built (make hypervisor/xenon-hv)" >&2; return 1; }
	[ -x "$HVCTL" ] || { echo "hypervisor/hvctl is not built (make hypervisor/hvctl)" >&2; return 1; }
	[ -f "$GUEST" ] || { echo "guest/xenon-guest.elf is not built (make guest/xenon-guest.elf)" >&2; return 1; }
	mk_tmp
	SOCK="$T/ctl.sock"
	HV_PID=
	LOCK_PID=
	LOOPS=()
}

local_teardown() {
	# a test that failed or timed out: what was the guest's process doing?
	[ -n "${BATS_TEST_COMPLETED:-}" ] || dump_threads "${HV_PID:-}"
	local l
	kill_pid "$HV_PID"
	kill_pid "$LOCK_PID"
	for l in "${LOOPS[@]}"; do
		losetup -d "$l" || true
	done
}

# loop_dev IMG [-r]: a loop device over IMG (detached in teardown), in $LOOP.
loop_dev() {
	command -v losetup >/dev/null && [ "$(id -u)" -eq 0 ] || skip "needs root and losetup for a loop device"
	LOOP=$(losetup -f --show "$@") || skip "no loop device available"
	LOOPS+=("$LOOP")
}

# ---- common ----------------------------------------------------------------

# start_hv ARGS...: xenon-hv in the background, console in $T/out, log in $T/err.
start_hv() {
	"$HV" --kernel "$GUEST" --control "$SOCK" "$@" >"$T/out" 2>"$T/err" </dev/null 3>&- &
	HV_PID=$!
	wait_for 10 test -S "$SOCK"
}

# hv_refuses MESSAGE ARGS...: xenon-hv exits 1 with MESSAGE and leaves nothing.
hv_refuses() {
	local msg=$1
	shift
	run "$HV" --kernel "$GUEST" --control "$SOCK" "$@"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$msg"* ]]
	[ ! -e "$SOCK" ]
}

# img NAME MIB [TEXT]: a raw image of MIB MiB in $T, TEXT at its start.
img() {
	printf '%s' "${3:-}" >"$T/$1"
	truncate -s "$2M" "$T/$1"
}

# sector_text IMG SECTOR: the sector's bytes up to the first NUL.
sector_text() {
	dd if="$1" bs=512 skip="$2" count=1 status=none | tr -d '\0'
}

# dev_stat KIND DEVID NAME: one statistic from hvctl device-list.
dev_stat() {
	"$HVCTL" "$SOCK" device-list | awk -v k="$1" -v d="$2" -v n="$3" '
		$1 == k && $2 == d { row = 1; next }
		row { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == n) print kv[2] }; exit }'
}

console_has() {
	tr -d '\r' <"$T/out" | grep -q -- "$1"
}

# ---- vbd: argument errors (no KVM needed) ----------------------------------

@test "vbd: a bad --disk names the argument and what is wrong, status 1, nothing left" {
	img a.img 1
	hv_refuses "--disk devid=1: needs devid=N and target=PATH" --disk devid=1
	hv_refuses "--disk target=$T/a.img,devid=x: devid 'x': give a number" --disk "target=$T/a.img,devid=x"
	hv_refuses "unknown key 'size' (a vbd takes devid, target, ro, serial, direct)" \
		--disk "devid=1,target=$T/a.img,size=4"
	hv_refuses "serial '012345678901234567890': at most 20 characters" \
		--disk "devid=1,target=$T/a.img,serial=012345678901234567890"
	hv_refuses "direct 'sometimes': say on or off" --disk "devid=1,target=$T/a.img,direct=sometimes"
	hv_refuses "--disk devid=1,target=$T/a.img: devid 1 is given twice" \
		--disk "devid=1,target=$T/a.img" --disk "devid=1,target=$T/a.img"
	hv_refuses "--nic devid=0: needs devid=N and tap=NAME" --nic devid=0
}

@test "vbd: a missing file, a directory and a tiny file are refused before the domain is built" {
	printf 'x' >"$T/tiny"
	hv_refuses "--disk devid=51712,target=$T/none.img: cannot open $T/none.img: No such file or directory" \
		--disk "devid=51712,target=$T/none.img"
	hv_refuses "$T is a directory: give a raw image file or a block device" --disk "devid=51712,target=$T"
	hv_refuses "$T/tiny is smaller than one 512-byte sector" --disk "devid=51712,target=$T/tiny"
}

@test "vbd: qcow2 and vhd images are refused with the qemu-img command that converts them" {
	printf 'QFI\373\0\0\0\3' >"$T/disk.qcow2"
	truncate -s 1M "$T/disk.qcow2"
	truncate -s 1M "$T/disk.vhd"
	printf 'conectix' | dd of="$T/disk.vhd" bs=512 seek=2047 conv=notrunc status=none
	hv_refuses "$T/disk.qcow2 is a qcow2 image; xenon-hv takes raw disks only: convert it (qemu-img convert -O raw $T/disk.qcow2 IMAGE.raw)" \
		--disk "devid=51712,target=$T/disk.qcow2"
	hv_refuses "$T/disk.vhd is a vhd image" --disk "devid=51712,target=$T/disk.vhd"
}

@test "vbd: a relative target is taken from the current directory" {
	printf 'QFI\373' >"$T/rel.qcow2"
	truncate -s 1M "$T/rel.qcow2"
	cd "$T"
	hv_refuses "$T/rel.qcow2 is a qcow2 image" --disk "devid=51712,target=rel.qcow2"
}

@test "vbd: a read-only host block device needs ro; a qcow2 image on a block device is refused too" {
	img a.img 1
	loop_dev -r "$T/a.img"
	hv_refuses "--disk devid=51712,target=$LOOP: cannot open $LOOP for writing: Read-only file system (attach it read-only with ro)" \
		--disk "devid=51712,target=$LOOP"
	printf 'QFI\373' >"$T/q.img"
	truncate -s 1M "$T/q.img"
	loop_dev "$T/q.img"
	hv_refuses "$LOOP is a qcow2 image" --disk "devid=51712,target=$LOOP,ro"
}

@test "vbd: an image another program has locked for writing (flock, as every xenon-hv locks its disks) is refused" {
	img a.img 1
	flock -x "$T/a.img" sleep 60 3>&- &
	LOCK_PID=$!
	wait_for 5 eval '! flock -n -s "$T/a.img" true'
	hv_refuses "$T/a.img is attached elsewhere (a disk of this or another xenon-hv): detach it there, or attach every one read-only (ro)" \
		--disk "devid=51712,target=$T/a.img"
	hv_refuses "$T/a.img is attached for writing elsewhere" --disk "devid=51712,target=$T/a.img,ro"
}

# ---- vbd: the guest and the control socket (KVM) -----------------------------

@test "vbd: a host block device (a loop device): its size, and the guest's writes reach the image" {
	require_kvm
	img a.img 3
	loop_dev "$T/a.img"
	start_hv --disk "devid=51712,target=$LOOP" --cmdline 'run="blk write xvda 6143 at the very end; disks"'
	wait_for 30 console_has '^xvda '
	run "$HVCTL" "$SOCK" device-list
	echo "$output"
	echo "$output" | grep -Eq "^vbd +51712 .* $LOOP \(6144 sectors\)$"
	wait_for 10 eval '[ "$(dev_stat vbd 51712 wr_reqs)" -ge 1 ]'
	kill_pid "$HV_PID"
	HV_PID=
	[ "$(sector_text "$T/a.img" 6143)" = "at the very end" ]
}

@test "vbd: the guest writes through xenon-hv's disk; the host finds the text in the image; statistics count it" {
	require_kvm
	img a.img 4
	start_hv --disk "devid=51712,target=$T/a.img,serial=XENON-A" \
		--cmdline 'run="blk write xvda 3 hello from the guest; blk read xvda 3; disks"'
	wait_for 30 console_has '^xvda '
	[ "$(sector_text "$T/a.img" 3)" = "hello from the guest" ]
	run "$HVCTL" "$SOCK" device-list
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq "^vbd +51712 +[0-9]+ +0xd0000000 +driver-ok +$T/a.img \(8192 sectors\)$"
	[ "$(dev_stat vbd 51712 wr_reqs)" -ge 1 ]
	[ "$(dev_stat vbd 51712 wr_sectors)" -ge 1 ]
	[ "$(dev_stat vbd 51712 rd_reqs)" -ge 1 ]
	[ "$(dev_stat vbd 51712 errors)" -eq 0 ]
	# The guest found it on its command line (virtio_mmio.device=), at the window and line xenon-hv gave.
	irq=$("$HVCTL" "$SOCK" device-list | awk '$1 == "vbd" { print $3 }')
	tr -d '\r' <"$T/out" | grep -Eq "^xvda .*virtio-mmio 0xd0000000 irq $irq .*command line$"
}

@test "vbd: device-add, device-list and device-remove on a running domain; duplicates and unknowns are errors" {
	require_kvm
	img a.img 2
	img b.img 1
	start_hv --paused
	run "$HVCTL" "$SOCK" device-list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ] # the header only
	run "$HVCTL" "$SOCK" device-add vbd devid=51712 target="$T/a.img"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^vbd\ 51712:\ mmio\ 0xd0000000\ size\ 0x200\ irq\ [0-9]+$ ]]
	run "$HVCTL" "$SOCK" device-add vbd devid=51728 target="$T/b.img" ro
	[ "$status" -eq 0 ]
	[[ "$output" == "vbd 51728: mmio 0xd0001000 "* ]]
	run "$HVCTL" "$SOCK" device-list
	echo "$output"
	echo "$output" | grep -Eq "^vbd +51712 +[0-9]+ +0xd0000000 +reset +$T/a.img \(4096 sectors\)$"
	echo "$output" | grep -Eq "^vbd +51728 +[0-9]+ +0xd0001000 +reset +$T/b.img \(2048 sectors, ro\)$"
	echo "$output" | grep -Eq "^ +rd_reqs=0 rd_sectors=0 wr_reqs=0 wr_sectors=0 flush_reqs=0 discard_reqs=0 errors=0 oo_reqs=0$"
	run "$HVCTL" "$SOCK" device-add vbd devid=51712 target="$T/b.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"device-add: File exists"* ]]
	run "$HVCTL" "$SOCK" device-add vbd devid=51744 target="$T/none.img"
	[ "$status" -eq 1 ]
	# hvctl opens the target (a sandboxed xenon-hv cannot) and says why it failed
	[[ "$output" == *"vbd 51744: cannot open $T/none.img: No such file or directory"* ]]
	run "$HVCTL" "$SOCK" device-add vbd devid=51760 target="$T/a.img" ro
	[ "$status" -eq 1 ]
	[[ "$output" == *"device-add: Device or resource busy"* ]]
	grep -q "vbd 51760: $T/a.img is attached for writing elsewhere" "$T/err"
	run "$HVCTL" "$SOCK" device-remove vbd 51712
	[ "$status" -eq 0 ]
	run "$HVCTL" "$SOCK" device-remove vbd 51712
	[ "$status" -eq 1 ]
	[[ "$output" == *"device-remove: No such file or directory"* ]]
	run "$HVCTL" "$SOCK" device-list
	[ "${#lines[@]}" -eq 3 ] # header, b.img and its statistics
	[[ "$output" == *"0xd0001000"* && "$output" != *"$T/a.img"* ]]
	# The freed window is the next one given.
	run "$HVCTL" "$SOCK" device-add vbd devid=51712 target="$T/a.img"
	[[ "$output" == "vbd 51712: mmio 0xd0000000 "* ]]
}

@test "vbd: hvctl device-add and device-remove check their arguments" {
	require_kvm
	start_hv --paused
	run "$HVCTL" "$SOCK" device-add disk devid=1 target=/x
	[ "$status" -eq 1 ]
	[[ "$output" == *"device-add disk: say vbd or vif"* ]]
	run "$HVCTL" "$SOCK" device-add vbd devid=1
	[ "$status" -eq 1 ]
	[[ "$output" == *"device-add vbd: needs devid=N and target=PATH"* ]]
	run "$HVCTL" "$SOCK" device-add vbd devid=1 target=/x colour=blue
	[[ "$output" == *"unknown key 'colour'"* ]]
	run "$HVCTL" "$SOCK" device-remove vbd xvda
	[ "$status" -eq 1 ]
	[[ "$output" == *"say vbd or vif, then the devid"* ]]
	run "$HVCTL" "$SOCK" device-list
	[ "${#lines[@]}" -eq 1 ]
}

# vif (virtio-net): tests/hv-net.bats.
