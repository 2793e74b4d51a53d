#!/usr/bin/env bats
# The guest kernel's disks (guest/virtio_blk.c, guest/devices.c): found on
# the command line (virtio_mmio.device=, which QEMU microvm appends and
# xenon-hv writes for --disk) or in xenstore, and driven through the shell's
# disks and blk commands. Under QEMU microvm with TCG (runs anywhere) and
# under xenon-hv (needs /dev/kvm: tests/nested-kvm tests/guest-devices.bats).
# What a guest writes is checked in the image file after it has powered off.

load helpers

ELF="$XENON_TOP/guest/xenon-guest.elf"
HV="$XENON_TOP/hypervisor/xenon-hv"

setup() {
	[ -f "$ELF" ] || skip "guest/xenon-guest.elf is not built (make guest/xenon-guest.elf)"
	mk_tmp
	XSD_PID=
	GUEST_PID=
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

# qemu SCRIPT DRIVE...: the guest under QEMU microvm (TCG: no KVM needed),
# one virtio-blk-device per DRIVE (QEMU -drive options after file=), run=SCRIPT.
# QEMU exits 1 when the guest powers off (isa-debug-exit: (0 << 1) | 1).
qemu() {
	local script=$1 d i=0 args=()
	shift
	for d in "$@"; do
		args+=(-drive "id=d$i,if=none,format=raw,file=$d" -device "virtio-blk-device,drive=d$i")
		i=$((i + 1))
	done
	timeout 120 qemu-system-x86_64 -accel tcg -M microvm,acpi=off -m 64 -nodefaults -no-user-config \
		-nographic -serial stdio -kernel "$ELF" -append "run=\"$script\"" \
		-global virtio-mmio.force-legacy=false -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		"${args[@]}" </dev/null 2>&1 | tr -d '\r'
	return "${PIPESTATUS[0]}"
}

@test "qemu: a disk from the command line is xvda, with its size and mode" {
	img a.img 4
	run qemu "disks; poweroff" "$T/a.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"xvda: virtio-blk, 8192 sectors (4 MiB), read-write, at 0x"* ]]
	echo "$output" | grep -Eq '^xvda +4 MiB +8192 sectors +rw +virtio-mmio 0x[0-9a-f]+ irq [0-9]+ .*command line$'
}

@test "qemu: text the guest writes is in the image after it powers off, and reads back" {
	img a.img 4
	run qemu "blk write xvda 3 written by the guest; blk read xvda 3; poweroff" "$T/a.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"xvda: wrote 20 bytes at sector 3 (1 sector)"* ]]
	# the hexdump of sector 3 (byte 0x600) shows the text
	echo "$output" | grep -Eq '^00000600  77 72 69 74 74 65 6e 20 62 79 20 74 68 65 20 67  \|written by the g\|$'
	[ "$(sector_text "$T/a.img" 3)" = "written by the guest" ]
	[ -z "$(sector_text "$T/a.img" 2)" ]
	[ -z "$(sector_text "$T/a.img" 4)" ]
}

@test "qemu: the guest reads what the host put in the image" {
	img a.img 1 "from the host $$"
	run qemu "blk read xvda 0; poweroff" "$T/a.img"
	[ "$status" -eq 1 ]
	local hex
	hex=$(printf 'from the host %s' "$$" | head -c 16 | od -An -tx1 | tr -s ' ' | sed 's/^ //')
	echo "$output" | grep -q "^00000000  $hex "
}

@test "qemu: a read-only disk refuses writes with a clear message and stays as it was" {
	img a.img 1 "untouched"
	run qemu "disks; blk write xvda 0 overwritten; blk bench xvda 1; poweroff" "$T/a.img,readonly=on"
	[ "$status" -eq 1 ]
	echo "$output" | grep -Eq '^xvda .* ro '
	[[ "$output" == *"xvda: read-only disk: writes are refused"* ]]
	[[ "$output" == *"xvda: read-only disk: write pass skipped"* ]]
	echo "$output" | grep -Eq '^xvda: read 1 MiB in [0-9]+ ms: [0-9]+\.[0-9] MiB/s$'
	[ "$(sector_text "$T/a.img" 0)" = "untouched" ]
}

@test "qemu: two disks are xvda and xvdb, each written on its own" {
	img a.img 1
	img b.img 2
	run qemu "disks; blk write xvda 0 to a; blk write xvdb 1 to b; poweroff" "$T/a.img" "$T/b.img"
	[ "$status" -eq 1 ]
	echo "$output" | grep -Eq '^xvda +1 MiB +2048 sectors'
	echo "$output" | grep -Eq '^xvdb +2 MiB +4096 sectors'
	[ "$(sector_text "$T/a.img" 0)" = "to a" ]
	[ -z "$(sector_text "$T/a.img" 1)" ]
	[ "$(sector_text "$T/b.img" 1)" = "to b" ]
	[ -z "$(sector_text "$T/b.img" 0)" ]
}

@test "qemu: sectors beyond the end, an unknown disk and bad arguments are errors" {
	img a.img 1
	run qemu "blk read xvda 2048; blk write xvda 2048 x; blk read xvda 2047 2; blk read xvdq 0; blk read xvda x; blk; poweroff" "$T/a.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"xvda: sectors 2048..2048 are beyond the end of the disk (2048 sectors, 0..2047)"* ]]
	[ "$(grep -c 'sectors 2048..2048 are beyond the end' <<<"$output")" -eq 2 ]
	[[ "$output" == *"xvda: sectors 2047..2048 are beyond the end of the disk"* ]]
	[[ "$output" == *"blk: no disk called 'xvdq'; 'disks' lists them"* ]]
	[[ "$output" == *"usage: blk read DISK SECTOR [COUNT]"* ]]
	[[ "$output" == *"usage: blk read DISK SECTOR [COUNT] | blk write"* ]]
	[ "$(stat -c %s "$T/a.img")" -eq 1048576 ]
	[ -z "$(tr -d '\0' <"$T/a.img")" ]
}

@test "qemu: blk bench writes, reads back and checks the data, and gives both rates" {
	img a.img 8
	run qemu "blk bench xvda 4 8; disks; poweroff" "$T/a.img"
	[ "$status" -eq 1 ]
	echo "$output" | grep -Eq '^xvda: write 4 MiB in [0-9]+ ms: [0-9]+\.[0-9] MiB/s$'
	echo "$output" | grep -Eq '^xvda: read 4 MiB in [0-9]+ ms: [0-9]+\.[0-9] MiB/s$'
	[[ "$output" == *"xvda: the data read back is what was written"* ]]
	# completions came by interrupt (the count is in the disks line)
	echo "$output" | grep -Eq '^xvda .*\(([1-9][0-9]*) interrupts\)'
	# the pattern: "XENON" and each sector's number, in every sector of the first 4 MiB
	[ "$(dd if="$T/a.img" bs=512 skip=8191 count=1 status=none | head -c 8 | od -An -tx8 | tr -d ' ')" = \
		"$(printf '%016x' $((0x58454e4f4e000000 ^ 8191)))" ]
	[ -z "$(dd if="$T/a.img" bs=1M skip=4 status=none | tr -d '\0')" ]
	run qemu "blk bench xvda 9; poweroff" "$T/a.img"
	[[ "$output" == *"xvda: has only 8 MiB; ask for at most that"* ]]
}

@test "qemu: blk iops does MIB*256 random 4 KiB reads at the queue depth asked; bad sizes and depths are refused" {
	img a.img 8
	run qemu "blk iops xvda 2 4; blk iops xvda 1; blk iops xvda 9; blk iops xvda 1 0; poweroff" "$T/a.img"
	[ "$status" -eq 1 ]
	echo "$output" | grep -Eq '^xvda: random 4 KiB reads at queue depth 4: 512 in [0-9]+ ms: [0-9]+ IOPS$'
	echo "$output" | grep -Eq '^xvda: random 4 KiB reads at queue depth 1: 256 in [0-9]+ ms: [0-9]+ IOPS$'
	[[ "$output" == *"xvda: has only 8 MiB; ask for at most that"* ]]
	[[ "$output" == *"usage: blk iops DISK MIB [QDEPTH]"* ]]
}

@test "qemu: a bad virtio_mmio.device= word is reported and the rest still boots" {
	run timeout 60 qemu-system-x86_64 -accel tcg -M microvm,acpi=off,auto-kernel-cmdline=off -m 64 \
		-nodefaults -no-user-config -nographic -serial stdio -kernel "$ELF" \
		-append 'virtio_mmio.device=4K@0xfeb00e00 virtio_mmio.device=0@0x1000:5 virtio_mmio.device=4K@0xfeb00000:5 run="disks; poweroff"' \
		-global virtio-mmio.force-legacy=false -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"devices: ignoring 'virtio_mmio.device=4K@0xfeb00e00' on the command line: no :<irq> after the base"* ]]
	[[ "$output" == *"devices: ignoring 'virtio_mmio.device=0@0x1000:5' on the command line: the size is 0 or over 1 MiB"* ]]
	# microvm's first transport, with no device plugged into it
	[[ "$output" == *"devices: virtio-mmio window 0xfeb00000 (irq 5) from the command line: no device behind the window (device id 0)"* ]]
	[[ "$output" == *"no disks"* ]]
}

@test "qemu: a legacy (version 1) virtio-mmio device is named and left alone" {
	img a.img 1
	run timeout 60 qemu-system-x86_64 -accel tcg -M microvm,acpi=off -m 64 -nodefaults -no-user-config \
		-nographic -serial stdio -kernel "$ELF" -append 'run="disks; poweroff"' \
		-drive "id=d0,if=none,format=raw,file=$T/a.img" -device virtio-blk-device,drive=d0 \
		-global virtio-mmio.force-legacy=true -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"a legacy (version 1) virtio-mmio device; only version 2 is driven"* ]]
	[[ "$output" == *"no disks"* ]]
}

# ---- under xenon-hv (--disk; --xenstore with a real xenstored) ----

need_hv() {
	require_kvm
	[ -x "$HV" ] || skip "hypervisor/xenon-hv is not built"
}

# hv ARGS...: the guest under xenon-hv, console on stdout; it exits 0 on poweroff.
hv() {
	timeout 120 "$HV" --kernel "$ELF" --memory 64 --control "$T/ctl.sock" "$@" </dev/null 2>&1 | tr -d '\r'
	return "${PIPESTATUS[0]}"
}

@test "xenon-hv: --disk devices are xvda and xvdb; writes land in the image, a read-only one refuses them" {
	need_hv
	img a.img 4
	img b.img 1 "read-only text"
	run hv --disk "devid=51712,target=$T/a.img" --disk "devid=51728,target=$T/b.img,ro" \
		--cmdline 'run="disks; blk write xvda 5 written under xenon-hv; blk read xvda 5; blk read xvdb 0; blk write xvdb 0 no; blk read xvda 8192; poweroff"'
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq '^xvda +4 MiB +8192 sectors +rw +virtio-mmio 0xd0000000 irq [0-9]+ .*command line$'
	echo "$output" | grep -Eq '^xvdb +1 MiB +2048 sectors +ro '
	echo "$output" | grep -q '^00000a00  77 72 69 74 74 65 6e 20 75 6e 64 65 72 20 78 65  |written under xe|$'
	echo "$output" | grep -q '^00000000  72 65 61 64 2d 6f 6e 6c 79 20 74 65 78 74 00 00  |read-only text..|$'
	[[ "$output" == *"xvdb: read-only disk: writes are refused"* ]]
	[[ "$output" == *"xvda: sectors 8192..8192 are beyond the end of the disk (8192 sectors, 0..8191)"* ]]
	[ "$(sector_text "$T/a.img" 5)" = "written under xenon-hv" ]
	[ "$(sector_text "$T/b.img" 0)" = "read-only text" ]
}

@test "xenon-hv: blk bench moves data through the device with several requests in flight" {
	need_hv
	img a.img 16
	run hv --disk "devid=51712,target=$T/a.img" --cmdline 'run="blk bench xvda 8 16; disks; poweroff"'
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq '^xvda: write 8 MiB in [0-9]+ ms: [0-9]+\.[0-9] MiB/s$'
	echo "$output" | grep -Eq '^xvda: read 8 MiB in [0-9]+ ms: [0-9]+\.[0-9] MiB/s$'
	[[ "$output" == *"xvda: the data read back is what was written"* ]]
	echo "$output" | grep -Eq '^xvda .*\(([1-9][0-9]*) interrupts\)'
	[ "$(dd if="$T/a.img" bs=512 skip=16383 count=1 status=none | head -c 8 | od -An -tx8 | tr -d ' ')" = \
		"$(printf '%016x' $((0x58454e4f4e000000 ^ 16383)))" ]
}

# vbd_nodes DEVID BASE IRQ: the backend and frontend nodes of a disk (as libxl writes them).
vbd_nodes() {
	local be=/local/domain/0/backend/vbd/5/$1 fe=/local/domain/5/device/vbd/$1
	XS write "$be/frontend" "$fe" "$be/frontend-id" 5 "$be/online" 1 "$be/state" 2 "$be/mode" w \
		"$be/virtio-mmio-base" "$2" "$be/virtio-mmio-irq" "$3"
	XS write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 "$fe/virtual-device" "$1" \
		"$fe/device-type" disk "$fe/virtio-mmio-base" "$2" "$fe/virtio-mmio-irq" "$3"
}

fe_state() { XS read "/local/domain/5/device/vbd/$1/state" 2>/dev/null; }
# fe_state_is DEVID STATE: for wait_for, which must read the node anew each time
fe_state_is() { [ "$(fe_state "$1")" = "$2" ]; }

start_interactive() {
	mkfifo "$T/in"
	"$HV" --kernel "$ELF" --memory 64 --domid 5 --control "$T/ctl.sock" --xenstore="$XENSTORED_PATH" "$@" \
		<"$T/in" >"$T/out" 2>&1 3>&- &
	GUEST_PID=$!
	exec {FEED}>"$T/in"
	wait_for 20 grep -q '^xenon> ' "$T/out"
}

send() { printf '%s\r' "$1" >&"$FEED"; }
console_has() { tr -d '\r' <"$T/out" | grep -Eq "$1"; }
# console_count_is REGEX N: N lines of the console match (for wait_for: read anew each time).
console_count_is() { [ "$(tr -d '\r' <"$T/out" | grep -Ec -- "$1")" = "$2" ]; }

local_teardown() {
	# a test that failed or timed out: what was the guest's process doing?
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		dump_threads "${GUEST_PID:-}"
		dump_guest "$T/out" "${FEED:-}" 5
	fi
	[ -z "${FEED:-}" ] || exec {FEED}>&-
	kill_pid "$GUEST_PID"
	kill_pid "$XSD_PID"
}

@test "xenon-hv + xenstore: a vbd node names the disk, the guest connects (4), closes on the backend's 5 (6), resets it" {
	need_hv
	start_guest_xenstored vbd
	img a.img 2
	# xenon-hv's first window and pin: 0xd0000000, 16 (the command line has it too: it is skipped)
	vbd_nodes 51728 0xd0000000 16
	# a node the guest cannot use: it says so in the node
	vbd_nodes 51744 nonsense 17
	start_interactive --disk "devid=51728,target=$T/a.img"
	wait_for 20 fe_state_is 51728 4
	wait_for 20 fe_state_is 51744 6
	[[ "$(XS read /local/domain/5/device/vbd/51744/error)" == *"virtio-mmio-base is not a hex address"* ]]
	send "disks"
	wait_for 20 console_has '^xvdb +2 MiB +4096 sectors +rw +virtio-mmio 0xd0000000 irq 16 .*xenstore device/vbd/51728$'
	not console_has '^xvda '
	send "blk write xvdb 7 through xenstore"
	wait_for 20 console_has '^xvdb: wrote 16 bytes at sector 7'
	"$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-list | grep -Eq '^vbd +51728 .* driver-ok '
	# the backend closes: the guest lets go, resets the device and says Closed
	XS write /local/domain/0/backend/vbd/5/51728/state 5
	wait_for 20 fe_state_is 51728 6
	wait_for 20 console_has '^devices: xvdb: closed by the backend'
	"$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-list | grep -Eq '^vbd +51728 .* reset '
	send "disks"
	wait_for 20 console_has '^no disks'
	send "poweroff"
	wait_for 20 pid_gone "$GUEST_PID"
	[ "$(sector_text "$T/a.img" 7)" = "through xenstore" ]
}

@test "xenon-hv + xenstore: a disk added at run time is found through the watch on device/, used and removed, twice" {
	need_hv
	start_guest_xenstored vbd
	img a.img 1
	start_interactive
	send "disks"
	wait_for 20 console_has '^no disks'
	local round base irq
	for round in 1 2; do
		run "$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-add vbd devid=51712 "target=$T/a.img"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$(grep '^vbd 51712: ' <<<"$output")" =~ ^vbd\ 51712:\ mmio\ (0x[0-9a-f]+)\ size\ 0x[0-9a-f]+\ irq\ ([0-9]+)$ ]]
		base=${BASH_REMATCH[1]} irq=${BASH_REMATCH[2]}
		vbd_nodes 51712 "$base" "$irq"
		wait_for 20 fe_state_is 51712 4
		wait_for 20 console_count_is '^xvda: virtio-blk, 2048 sectors \(1 MiB\), read-write, at ' "$round"
		console_has "^xvda: virtio-blk, 2048 sectors \\(1 MiB\\), read-write, at $base irq $irq\$"
		send "blk write xvda 1 hot-added-$round"
		wait_for 20 console_count_is '^xvda: wrote 11 bytes at sector 1' "$round"
		XS write /local/domain/0/backend/vbd/5/51712/state 5
		wait_for 20 fe_state_is 51712 6
		"$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-remove vbd 51712
		XS rm /local/domain/5/device/vbd/51712 /local/domain/0/backend/vbd/5/51712
		send "blk read xvda 1"
		wait_for 20 console_count_is "^blk: no disk called 'xvda'" "$round"
		[ "$(sector_text "$T/a.img" 1)" = "hot-added-$round" ]
	done
	send "poweroff"
	wait_for 20 pid_gone "$GUEST_PID"
}

@test "xenon-hv + xenstore: a disk removed without a close (forced) is dropped and the guest goes on" {
	need_hv
	start_guest_xenstored vbd
	img a.img 1
	img b.img 1
	start_interactive --disk "devid=51712,target=$T/a.img"
	# the command-line disk has no node: write it now, as a hot-add would
	vbd_nodes 51712 0xd0000000 16
	send "disks"
	wait_for 20 console_has '^xvda .*command line$'
	# xenstore's node for a window the command line gave already is refused, and says why
	wait_for 20 fe_state_is 51712 6
	[[ "$(XS read /local/domain/5/device/vbd/51712/error)" == *"already in use by another device"* ]]
	XS rm /local/domain/5/device/vbd/51712 /local/domain/0/backend/vbd/5/51712
	# a hot-added one, then removed under the guest's feet
	run "$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-add vbd devid=51728 "target=$T/b.img" ro
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(grep '^vbd 51728: ' <<<"$output")" =~ mmio\ (0x[0-9a-f]+)\ size\ 0x[0-9a-f]+\ irq\ ([0-9]+)$ ]]
	vbd_nodes 51728 "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	wait_for 20 fe_state_is 51728 4
	"$XENON_TOP/hypervisor/hvctl" "$T/ctl.sock" device-remove vbd 51728
	XS rm /local/domain/5/device/vbd/51728 /local/domain/0/backend/vbd/5/51728
	wait_for 20 console_has '^devices: xvdb: its (backend|xenstore node) went away'
	send "disks"
	wait_for 20 eval '[ "$(tr -d "\r" <"$T/out" | grep -Ec "^xvda +1 MiB")" -ge 2 ]'
	not console_has '^xvdb +[0-9]'
	send "echo still here"
	wait_for 20 console_has '^still here'
	# the node is not written back by the guest
	run XS exists /local/domain/5/device/vbd/51728
	[ "$status" -ne 0 ]
	send "poweroff"
	wait_for 20 pid_gone "$GUEST_PID"
}
