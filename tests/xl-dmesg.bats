#!/usr/bin/env bats
# xl dmesg [-c] (Xen's hypervisor message buffer): the warnings of every
# domain's xenon-hv, kept in the toolstack's ring ($XENON_RUNDIR/dmesg,
# common/msgring.h) after the domain is gone, each line "(XEN) [time]
# d<domid>: ...", and xl debug-keys, which dumps the host's state there.
# With the real xenon-hv and guest where KVM is (fake-hv otherwise); the
# ring's own rules (whole lines, eviction, locking, damage) in
# tests/unit/msgring-test and the msgring-fuzz fuzzer.

load helpers

setup() {
	xl_env_start
	cat > "$T/crash.cfg" <<-EOF2
		name = "c1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		on_crash = "destroy"
		cmdline = 'run="crash ud"'
	EOF2
}

local_teardown() {
	xl_env_stop
}

# crash NAME: a domain NAME whose guest crashes as it boots, until it is gone; its domid in DOMID
# (taken while it is paused: it may be gone as soon as it runs).
crash() {
	xl create -p "$T/crash.cfg" "name=\"$1\""
	DOMID=$(xl domid "$1")
	xl unpause "$1"
	wait_for 10 eval "! xl domid $1 > /dev/null 2>&1"
	wait_for 10 nothing_left
}

# The lines of domain $1 in xl dmesg's output $2.
lines_of() { grep -E "^\(XEN\) \[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\.[0-9]{3}\] d$1: " <<< "$2"; }

@test "dmesg: a crashed domain's crash, registers and last console lines stay after it is gone, under its domid" {
	require_kvm
	crash c1
	[ -n "$DOMID" ]
	run xl dmesg
	[ "$status" -eq 0 ]
	lines_of "$DOMID" "$output" | grep -q "d$DOMID: domain $DOMID (c1) crashed: "
	lines_of "$DOMID" "$output" | grep -q "vCPU 0: rip=[0-9a-f]\{16\} rsp="
	lines_of "$DOMID" "$output" | grep -q "console: crashing on purpose (ud)"
	# every line is one of the ring's, and made of printable characters
	[ "$(grep -c . <<< "$output")" -eq "$(grep -c '^(XEN) \[' <<< "$output")" ]
	not env LC_ALL=C grep -q '[^[:print:]]' <<< "$output"
	# the ring: root's alone
	[ "$(stat -c %a "$XENON_RUNDIR/dmesg")" = 600 ]
}

@test "dmesg: two domains' lines in the order they came; -c prints them and empties the ring" {
	require_kvm
	crash c1
	first=$DOMID
	crash c2
	second=$DOMID
	[ "$first" != "$second" ]
	run xl dmesg -c
	[ "$status" -eq 0 ]
	lines_of "$first" "$output" | grep -q "(c1) crashed"
	lines_of "$second" "$output" | grep -q "(c2) crashed"
	last_first=$(grep -n "d$first: " <<< "$output" | tail -n 1 | cut -d: -f1)
	first_second=$(grep -n "d$second: " <<< "$output" | head -n 1 | cut -d: -f1)
	[ "$last_first" -lt "$first_second" ]
	run xl dmesg
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	crash c3
	run xl dmesg
	[ "$status" -eq 0 ]
	lines_of "$DOMID" "$output" | grep -q "(c3) crashed"
	not grep -q "(c1) crashed" <<< "$output"
}

@test "dmesg: a damaged ring is refused with the reason; the next domain's warnings start it again" {
	require_kvm
	crash c1
	printf 'garbage!' | dd of="$XENON_RUNDIR/dmesg" conv=notrunc status=none
	run xl dmesg
	[ "$status" -eq 1 ]
	[[ $output == *"the message ring $XENON_RUNDIR/dmesg is damaged: the next message starts it again"* ]]
	crash c2
	run xl dmesg
	[ "$status" -eq 0 ]
	lines_of "$DOMID" "$output" | grep -q "(c2) crashed"
	not grep -q "(c1) crashed" <<< "$output"
	# of another length: refused the same, then replaced by the next domain's
	truncate -s 100 "$XENON_RUNDIR/dmesg"
	run xl dmesg
	[ "$status" -eq 1 ]
	[[ $output == *"is damaged"* ]]
	crash c3
	run xl dmesg
	[ "$status" -eq 0 ]
	lines_of "$DOMID" "$output" | grep -q "(c3) crashed"
}

@test "dmesg on a host that never ran a domain: nothing, status 0; arguments are refused" {
	run xl dmesg
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e "$XENON_RUNDIR/dmesg" ]
	run xl dmesg -c extra
	[ "$status" -eq 1 ]
	[[ $output == *"unexpected argument 'extra'"* ]]
	run xl dmesg -x
	[ "$status" -eq 1 ]
}

@test "dmesg: a domain runs when its ring cannot be made, and says why" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	mkdir -p "$XENON_RUNDIR"
	mkfifo "$XENON_RUNDIR/dmesg"
	cat > "$T/f.cfg" <<-EOF2
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
	EOF2
	run xl create "$T/f.cfg"
	[ "$status" -eq 0 ]
	[[ $output == *"domain 'f1': no message ring $XENON_RUNDIR/dmesg"*"xl dmesg will not show its xenon-hv's warnings"* ]]
	xl domid f1
}

@test "debug-keys: h lists the keys, q each domain with its vCPUs and disks, m the memory, r the CPUs (fake-hv)" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	truncate -s 8M "$T/a.img"
	cat > "$T/f.cfg" <<-EOF2
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vcpus = 2
		disk = [ "$T/a.img,raw,xvda,rw" ]
	EOF2
	xl create "$T/f.cfg"
	id=$(xl domid f1)
	xl debug-keys hqmr
	run xl dmesg
	[ "$status" -eq 0 ]
	# in the order pressed
	pressed=$(grep -o "'.' pressed" <<< "$output" | tr -d "'" | cut -c1 | tr -d '\n')
	[ "$pressed" = hqmr ]
	for k in '*' h m q r; do grep -qF "]  key '$k' (ascii '$(printf %02x "'$k")') => " <<< "$output"; done
	lines_of "$id" "$output" | grep -q "d$id: f1: state [-rbp]\{6\}, memory 32768 KiB of 32768, vCPUs 2 online of 2, "
	lines_of "$id" "$output" | grep -q "d$id: vCPU 0: "
	lines_of "$id" "$output" | grep -q "d$id: vCPU 1: "
	lines_of "$id" "$output" | grep -q "d$id: vbd xvda: $T/a.img, raw, rw"
	grep -q "Physical memory: [0-9]* KiB, free for domains [0-9]* KiB" <<< "$output"
	lines_of "$id" "$output" | grep -q "d$id: memory 32768 KiB, max 32768 KiB"
	grep -q "CPU 0: " <<< "$output"
	# each vCPU under one CPU (fake-hv's may share one)
	[ "$(grep '^(XEN) \[.*\] CPU [0-9]*:' <<< "$output" | grep -o "d${id}v[01]" | sort | uniq -c | awk '$1 == 1' | wc -l)" -eq 2 ]
}

@test "debug-keys: a key that is none of them is refused and nothing is dumped" {
	run xl debug-keys qz
	[ "$status" -eq 1 ]
	[[ $output == *"'z' (ascii '7a') is not a debug key here (key 'h' lists them)"* ]]
	run xl dmesg
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run xl debug-keys
	[ "$status" -eq 1 ]
	run xl debug-keys q r
	[ "$status" -eq 1 ]
}

@test "dmesg: how a xenon-hv ended when it could not say so itself: a forbidden system call, a signal (fake-hv)" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	cat > "$T/f.cfg" <<-EOF2
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
	EOF2
	FAKE_HV_SECCOMP=1 xl create "$T/f.cfg"
	id=$(xl domid f1)
	xl shutdown f1
	wait_for 10 eval "xl dmesg | grep -q 'seccomp filter forbids'"
	run xl dmesg
	lines_of "$id" "$output" | grep -q "d$id: xenon-hv made a system call its seccomp filter forbids: the vCPU thread made a forbidden system call: socket (41)"
	wait_for 10 nothing_left
	xl create "$T/f.cfg"
	id=$(xl domid f1)
	hv=$(xenstore-read "/libxl/$id/hv-pid")
	kill -KILL "$hv"
	wait_for 10 eval "xl dmesg | grep -q 'd$id: xenon-hv was ended by signal'"
	run xl dmesg
	lines_of "$id" "$output" | grep -q "d$id: xenon-hv was ended by signal 9 (Killed): the domain is gone"
	wait_for 10 nothing_left
}

@test "xenon-hv --dmesg: a descriptor that is not a ring's file is refused before anything starts" {
	run "$XENON_TOP/hypervisor/xenon-hv" --kernel "$XENON_TOP/guest/xenon-guest.elf" --dmesg 3 3< /dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"--dmesg 3: not an open file (libxl passes the host's message ring"* ]]
	truncate -s 100 "$T/short"
	run "$XENON_TOP/hypervisor/xenon-hv" --kernel "$XENON_TOP/guest/xenon-guest.elf" --dmesg 3 3<> "$T/short"
	[ "$status" -eq 1 ]
	[[ $output == *"--dmesg 3: not a message ring"* ]]
	[ "$(stat -c %s "$T/short")" -eq 100 ]
}
