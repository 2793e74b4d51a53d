#!/usr/bin/env bats
# xl migrate and xl migrate-receive (xl(1)) between two "hosts" on one
# machine (tests/migrate-hosts.bash): network namespaces A and B, each with
# its own xenstored, run directory, xl.conf and bridge, joined by a veth
# pair. The sender runs in A; the receiver reaches B through a script that
# enters B's namespace (-s, in place of ssh), or over real ssh to an sshd the
# test starts in B. Every failure before "go" leaves the source running and
# nothing on either side; a report lost after it leaves the source paused.

bats_require_minimum_version 1.5.0

load helpers
load migrate-hosts

setup() {
	hosts_start
	# The same as $T/to-b, but the connection is cut after 64 KiB of the stream.
	cat >"$T/cut-b" <<-EOF2
		#!/bin/sh
		shift
		head -c 65536 | exec env $(host_env b) ip netns exec $NS_PREFIX-b "\$@"
	EOF2
	chmod +x "$T/cut-b"
	cat >"$T/mg.cfg" <<-EOF2
		name = "mg1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vcpus = 1
		cmdline = 'run="ticker on"'
		on_poweroff = "destroy"
	EOF2
}

local_teardown() {
	kill_pid "${MIG_PID:-}"
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$T/ssh/sshd.log" ]; then
		sed 's/^/# sshd: /' "$T/ssh/sshd.log" >&2
	fi
	# a failed test shows where each guest still running had got to (a
	# nested guest once stopped, its xenon-hv silent: tests/nested-kvm), then
	# what each host's xenon-hvs and monitors logged (a domain once vanished
	# from B after a migration that succeeded; nothing said why). Short and
	# in that order: what CI keeps of a failure is its first few lines.
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${HOSTS_DIR:-}" ]; then
		on_a guests_state >&2
		on_b guests_state >&2
		on_a logs_tail 10 >&2
		on_b logs_tail 10 >&2
	fi
	hosts_stop
	pool_restore
}

# loops_backing IMAGE N: exactly N loop devices back IMAGE.
loops_backing() { [ "$(losetup -n -O NAME -j "$1" | wc -l)" -eq "$2" ]; }

ticks_of() { console_text "$1" | grep -ac '^tick ' || true; }

running_guest() {
	xl create "$T/mg.cfg"
	wait_for 20 eval '[ "$(ticks_of mg1)" -ge 2 ]'
}

# mg_nic: mg1 gets a NIC on A's xenbr0 at $GUEST_ADDR (pings_guest); its
# devices must work again when a failed migration leaves it running on A.
mg_nic() {
	echo 'vif = [ "bridge=xenbr0,mac=00:16:3e:4d:49:47" ]' >>"$T/mg.cfg"
	sed -i "s|run=\"ticker on\"|run=\"ip eth0 $GUEST_ADDR/24; ticker on\"|" "$T/mg.cfg"
}

# migrated_to_b OUTPUT OLD_DOMID: the summary line, nothing left on A, and on
# B the guest runs under its own name, unpaused, its ticker going on from
# where it was (no second banner, a monotonic clock); no --incoming copy.
migrated_to_b() {
	[[ "$1" == *"Migrated domain mg1 ($2) to "*": "*" rounds, "*" frames ("*" zero), "*" bytes, total "*" ms, downtime "*" ms"* ]]
	wait_for 10 nothing_left
	[[ "$(on_b state_of mg1)" != *p* ]]
	on_b ticking_more mg1
	on_b ticks_continue mg1
	[ -z "$(on_b xl list | awk '$1 ~ /--(incoming|migratedaway)$/')" ]
}

# source_runs_on OLD_DOMID: mg1 still runs on A as it was, and B is empty.
source_runs_on() {
	[ "$(xl domid mg1)" = "$1" ]
	[[ "$(state_of mg1)" != *p* ]]
	ticking_more mg1
	# (on a failure, the console it judged: a nested run once failed here)
	ticks_continue mg1 || { console_text mg1 | tail -40; false; }
	wait_for 10 on_b nothing_left
}

# stamp OUTPUT WHO TEXT: the CLOCK_MONOTONIC stamp of WHO's --debug line TEXT.
stamp() { grep -F "$3" <<<"$1" | sed -n "s/^$2: \[\([0-9.]*\)\] .*/\1/p" | head -n 1; }

# debug_phases OUTPUT: xl migrate --debug's lines, each side's in the
# handshake's order, the receiver unpausing before the sender hears it
# runs, and the downtime ending at that report: the summary's downtime is
# that line's time since the pause; the destroy of the source comes after;
# the source's last pause comes after the receiver has built its copy.
debug_phases() {
	local down at
	down=$(sed -n 's/^Migrated domain .*, downtime \([0-9.]*\) ms$/\1/p' <<<"$1")
	at=$(sed -n 's/^migrate: .* reports the domain running (pause + \([0-9.]*\) ms)$/\1/p' <<<"$1")
	[ -n "$down" ]
	[ -n "$at" ]
	awk -v d="$down" -v a="$at" 'BEGIN { exit !(d > 0 && a - d >= -0.06 && a - d < 0.5) }'
	sed -n 's/^\(migrate[a-z-]*\): \[[0-9.]*\] \(.*\)/\1: \2/p' <<<"$1" | sed 's/ (pause + .*//' >"$T/phases"
	grep '^migrate:' "$T/phases" | diff -u - <(printf 'migrate: %s\n' "the receiver is ready" "stream sent" \
		"source renamed --migratedaway" "the receiver has the domain" "told the receiver to go" \
		"the receiver reports the domain running" "the receiver has ended" "the source copy is destroyed")
	grep '^migrate-receive:' "$T/phases" | diff -u - <(printf 'migrate-receive: %s\n' \
		"header and configuration read" "said it has built the domain" "domain built, paused" \
		"said it has the domain" "told to go" \
		"renamed 'mg1'" "unpaused" "said the domain runs")
	# one clock on this machine: what caused what came first
	awk -v u="$(stamp "$1" migrate-receive unpaused)" -v r="$(stamp "$1" migrate 'reports the domain running')" \
		-v n="$(stamp "$1" migrate 'source renamed')" -v g="$(stamp "$1" migrate-receive 'told to go')" \
		'BEGIN { exit !(u > 0 && u <= r && n > 0 && n <= g) }'
	# the gate: the source paused for the last round only after the receiver had built its copy
	awk -v b="$(stamp "$1" migrate-receive 'said it has built the domain')" -v s="$(stamp "$1" migrate 'stream sent')" \
		-v p="$(sed -n 's/^migrate: .* stream sent (pause + \([0-9.]*\) ms)$/\1/p' <<<"$1")" \
		'BEGIN { exit !(b > 0 && s > 0 && p != "" && b <= s - p / 1000) }'
}

@test "xl migrate moves a running guest to the other host, where it goes on" {
	require_kvm
	running_guest
	old=$(xl domid mg1)
	run xl migrate --debug -s "$T/to-b" mg1 hostb
	echo "$output"
	[ "$status" -eq 0 ]
	migrated_to_b "$output" "$old"
	debug_phases "$output"
}

@test "xl migrate into a host whose domains take RAM from its hugetlb pool: the guest goes on there, its memory whole" {
	require_kvm
	pool_grow 32
	echo 'memory_pool = "hugetlb"' >>"$HOSTS_DIR/b/xl.conf"
	running_guest
	old=$(xl domid mg1)
	guest_cmd mg1 "mem fill"
	wait_for 60 guest_says mg1 "mem fill: [0-9]* MiB filled"
	free=$(pool_free)
	not from_pool mg1
	run xl migrate -s "$T/to-b" mg1 hostb
	[ "$status" -eq 0 ]
	migrated_to_b "$output" "$old"
	on_b from_pool mg1
	pool_is $((free - 16))
	on_b guest_cmd mg1 "mem check"
	wait_for 60 on_b guest_says mg1 "mem check: [0-9]* MiB checked, all pages hold the pattern"
	not on_b console_has mg1 "mem check: FAILED"
}

@test "xl migrate of a guest dirtying memory: live rounds, and on B every page holds its last write" {
	require_kvm
	# The receiver's word that it has built its copy reaches the sender 200 ms
	# late: the source waits for it in live rounds (one each 20 ms at most).
	cat >"$T/slow-b" <<-EOF2
		#!/bin/bash
		shift
		env $(host_env b) ip netns exec $NS_PREFIX-b "\$@" | { IFS= read -r l; printf '%s\n' "\$l"; sleep 0.2; exec cat; }
	EOF2
	chmod +x "$T/slow-b"
	sed -i 's/run="ticker on"/run="dirty 200 8; ticker on"/' "$T/mg.cfg"
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$T/slow-b" mg1 hostb
	echo "$output"
	[ "$status" -eq 0 ]
	migrated_to_b "$output" "$old"
	[[ "$output" =~ :\ ([0-9]+)\ rounds, ]]
	[ "${BASH_REMATCH[1]}" -ge 4 ] # round 0, live rounds, the paused one
	on_b guest_type mg1 "dirty check"
	wait_for 20 on_b console_has mg1 "^dirty check: "
	on_b console_has mg1 "^dirty check: 2048 pages hold their last write"
}

# ram_allocated NAME: MiB of the domain's RAM file its xenon-hv has backed (the pid libxl recorded).
ram_allocated() {
	local pid f
	pid=$(xenstore-read "/libxl/$(xl domid "$1")/hv-pid")
	for f in /proc/"$pid"/fd/*; do
		if [[ "$(readlink "$f")" == "/memfd:xenon-guest-ram"* ]]; then
			echo $(($(stat -L -c %b "$f") / 2048))
			return 0
		fi
	done
	return 1
}

# dirtied NAME PAGES: the guest's dirty has written at least PAGES pages (it is asked).
dirtied() {
	guest_type "$1" dirty
	[ "$(console_text "$1" | grep -a '^dirty: ' | tail -n 1 | awk '{ print $(NF - 2) }')" -ge "$2" ]
}

@test "xl migrate: the target's RAM holds what the stream wrote, no more (RAM backed ahead of it and not written is given back)" {
	require_kvm
	# 48 MiB written once in a 256 MiB guest, then left: a run of frames
	# that ends inside RAM, which the target backs ahead of as it comes.
	sed -i 's/^memory = 32/memory = 256/; s/run="ticker on"/run="dirty 100000 48; ticker on"/' "$T/mg.cfg"
	running_guest
	wait_for 20 dirtied mg1 $((48 * 256))
	guest_type mg1 "dirty off"
	wait_for 10 console_has mg1 "^dirty off"
	on_a=$(ram_allocated mg1)
	old=$(xl domid mg1)
	run xl migrate -s "$T/to-b" mg1 hostb
	echo "$output"
	[ "$status" -eq 0 ]
	migrated_to_b "$output" "$old"
	on_b=$(on_b ram_allocated mg1)
	echo "RAM backed: A $on_a MiB, B $on_b MiB"
	[ "$on_a" -ge 48 ]
	[ "$on_b" -ge 48 ]
	# zero frames are not written on B (1 MiB: the two round down apart)
	[ "$on_b" -le $((on_a + 1)) ]
}

@test "xl migrate over real ssh (sshd in the target's namespace, keys made by the test)" {
	require_kvm
	sshd_start
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$SSH" mg1 "$ADDR_B"
	echo "$output"
	[ "$status" -eq 0 ]
	migrated_to_b "$output" "$old"
	grep -q "Accepted publickey for root from $ADDR_A" "$T/ssh/sshd.log"
}

@test "ssh to host B: only the test's key from A gets in, and lands in B's environment" {
	sshd_start
	# (stderr apart: root's shell start-up files may say things there)
	run --separate-stderr ip netns exec "$NS_PREFIX-a" $SSH "$ADDR_B" 'echo "$XENSTORED_PATH"; xl list'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T/b/xs.sock" ]
	[[ "${lines[2]}" == "Domain-0 "* ]]
	grep -q "Accepted publickey for root from $ADDR_A" "$T/ssh/sshd.log"
	# another key, and the right key from elsewhere than A, are refused
	ssh-keygen -q -t ed25519 -N '' -f "$T/other_key"
	run ip netns exec "$NS_PREFIX-a" ${SSH/ssh\/user_key/other_key} "$ADDR_B" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"Permission denied (publickey)"* ]]
	run ip netns exec "$NS_PREFIX-b" $SSH "$ADDR_B" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"Permission denied (publickey)"* ]]
}

@test "xl migrate with the connection cut leaves the source running and nothing on the target" {
	require_kvm
	mg_nic
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$T/cut-b" --max-downtime 50 mg1 hostb
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"domain mg1 ($old) was not migrated; it runs on here"* ]]
	source_runs_on "$old"
	pings_guest
}

# As Xen's xl: once the receiver is told to go, a report that never comes
# leaves the domain's state undefined (the target's copy may run): the
# source is not run again on a guess; it stays paused, --migratedaway.
@test "the receiver's report lost after 'go': the source stays paused as --migratedaway, xl says to check both hosts" {
	require_kvm
	# The receiver's words up to and with "received" (and its status byte)
	# reach the sender, no more (dd: head would hold them in its buffer).
	n=$(printf '%s%s%s' "xl migration receiver ready, send binary domain data." \
		"xl migration receiver has built the domain, send the rest." \
		"xl migration receiver has received the domain." | wc -c)
	cat >"$T/mute-b" <<-EOF2
		#!/bin/sh
		shift
		env $(host_env b) ip netns exec $NS_PREFIX-b "\$@" | dd bs=1 count=$((n + 4)) status=none
	EOF2
	chmod +x "$T/mute-b"
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$T/mute-b" mg1 hostb
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"failed during its final handshake"* ]]
	[[ "$output" == *"stays here, paused, as 'mg1--migratedaway'"* ]]
	[[ "$output" != *"it runs on here"* ]]
	# A: the source, paused, under its away name; B: the copy it was told to run
	[ "$(xl domid mg1--migratedaway)" = "$old" ]
	[[ "$(state_of mg1--migratedaway)" == *p* ]]
	[[ "$(on_b state_of mg1)" != *p* ]]
	on_b ticking_more mg1
}

@test "a failure the receiver reports after 'go' (the name is taken there): its copy goes, the source runs on" {
	require_kvm
	on_b xl create "$T/mg.cfg" # B has a domain mg1 of its own: the copy cannot take the name
	b_old=$(on_b xl domid mg1)
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$T/to-b" mg1 hostb
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"migrate-receive: cannot rename domain "*" to 'mg1': "* ]]
	[[ "$output" == *"the receiver reports failure"* ]]
	[[ "$output" == *"domain mg1 ($old) was not migrated; it runs on here"* ]]
	[[ "$output" != *"final handshake"* ]]
	[ "$(xl domid mg1)" = "$old" ]
	[[ "$(state_of mg1)" != *p* ]]
	ticking_more mg1
	[ "$(on_b xl domid mg1)" = "$b_old" ]
	wait_for 10 eval '[ -z "$(on_b xl list | awk '"'"'$1 ~ /--(incoming|migratedaway)$/'"'"')" ]'
}

# A "go" not from the sender: as the source's xenon-hv (which writes its
# stream into the same channel, and may be the guest's) could write it. It
# has no token (it never sees the one said before the stream); here a proxy
# on the channel changes the sender's. The receiver does not run its copy.
@test "a 'go' without the sender's token is not obeyed: the receiver's copy goes, the source runs on" {
	require_kvm
	cat >"$T/forge-go" <<-'EOF2'
		import os
		go = b"domain is yours, you are cleared to unpause.\n"
		left = -1  # token bytes still to change, once go was seen
		while True:
		    d = os.read(0, 1 << 20)
		    if not d:
		        break
		    if left < 0 and d.startswith(go):  # the sender writes it alone, long after the stream
		        os.write(1, d[:len(go)])
		        d, left = d[len(go):], 32  # the token follows, in this read or the next
		    if left > 0 and d:
		        n = min(left, len(d))
		        d, left = b"0" * n + d[n:], left - n
		    os.write(1, d)
	EOF2
	cat >"$T/forge-b" <<-EOF2
		#!/bin/sh
		shift
		python3 -u "$T/forge-go" | exec env $(host_env b) ip netns exec $NS_PREFIX-b "\$@"
	EOF2
	chmod +x "$T/forge-b"
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$T/forge-b" mg1 hostb
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"came without the sender's token"*"not obeyed"* ]]
	[[ "$output" == *"domain mg1 ($old) was not migrated; it runs on here"* ]]
	[[ "$output" != *"final handshake"* ]]
	source_runs_on "$old"
}

# incoming_on_b: the receiver has begun building its copy (mg1--incoming exists on host B).
incoming_on_b() {
	local d
	for d in $(on_b xenstore-list /local/domain 2>/dev/null); do
		[ "$(on_b xenstore-read "/local/domain/$d/name" 2>/dev/null)" != mg1--incoming ] || return 0
	done
	return 1
}

@test "a receiver killed in the middle of the stream: its copy and xenon-hv go, the source runs on" {
	require_kvm
	# As to-b, with fds 0 to 2 only (as sshd), 64 KiB of the stream, then a
	# pause in which the test kills the receiver by its pid, then the rest.
	cat >"$T/kill-b" <<-EOF2
		#!/bin/sh
		shift
		exec 3<&0 # an asynchronous list's own stdin would be /dev/null
		{ head -c 65536; sleep 3; cat; } <&3 | env $(host_env b) ip netns exec $NS_PREFIX-b "\$@" 3<&- &
		echo \$! >"$T/receiver.pid"
		exec >/dev/null # only the receiver answers the sender (sh's wait waits for cat too)
		wait
	EOF2
	chmod +x "$T/kill-b"
	mg_nic
	running_guest
	old=$(xl domid mg1)
	xl migrate -s "$T/kill-b" mg1 hostb >"$T/mig.out" 2>&1 &
	MIG_PID=$!
	wait_for 20 test -s "$T/receiver.pid"
	wait_for 20 incoming_on_b
	kill "$(cat "$T/receiver.pid")" || { cat "$T/mig.out" "$T"/b/log/*; false; }
	wait_for 30 eval '! kill -0 $MIG_PID 2>/dev/null' || {
		cat "$T/mig.out" "$T"/b/log/*
		ps -eo pid,ppid,stat,args | grep -E 'xl|xenon-hv|head|sleep|cat' >&2
		false
	}
	rc=0
	wait "$MIG_PID" || rc=$?
	MIG_PID=
	cat "$T/mig.out"
	[ "$rc" -eq 1 ]
	grep -q "connection to the receiver lost" "$T/mig.out"
	grep -q "domain mg1 ($old) was not migrated; it runs on here" "$T/mig.out"
	# The receiver's monitor destroyed the paused copy: nothing is left on B.
	source_runs_on "$old"
	pings_guest
	grep -q "the migration receiver ended before it took domain 'mg1--incoming'" "$T"/b/log/xl-mg1--incoming.log
}

@test "migrate-receive with only fds 0 to 2 open (as sshd starts it) hands its stream to xenon-hv" {
	# The sender's token, xl's header and configuration, then a stream xenon-hv refuses at its header.
	python3 -c '
import json, struct, sys
j = json.dumps({"c_info": {"name": "mg1", "type": "pv"}, "b_info": {"max_memkb": 32768, "target_memkb": 32768}}).encode()
sys.stdout.buffer.write(b"xl migration sender\x27s token: " + b"5a" * 16 + b"\n" +
    b"Xenon saved domain, xl format\n \0" + struct.pack("<II", 1, len(j)) + j + b"NOTASTREAM" * 10)' >"$T/junk.stream"
	run on_b xl migrate-receive <"$T/junk.stream" 3<&-
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"header: not a Xenon migration stream or save file"* ]]
	wait_for 10 on_b nothing_left
}

@test "xl migrate refuses Domain-0 and a bad --max-downtime, and says why" {
	run xl migrate -s "$T/to-b" 0 hostb
	[ "$status" -eq 1 ]
	[[ "$output" == *"Domain-0 is the host: it cannot be migrated"* ]]
	run xl migrate --max-downtime 0 mg1 hostb
	[ "$status" -eq 1 ]
	[[ "$output" == *"--max-downtime '0': give milliseconds, 1 to 60000"* ]]
}

@test "the two hosts: each its own namespace, bridge and xenstored; the veth joins them" {
	[ "$(on_a printenv XENSTORED_PATH)" != "$(on_b printenv XENSTORED_PATH)" ]
	ip -n "$NS_PREFIX-a" -o link show dev xenbr0 | grep -q 'state UP\|,UP'
	ip -n "$NS_PREFIX-b" -o link show dev xenbr0 | grep -q 'state UP\|,UP'
	# B answers on the veth: a connection to a closed port is refused (not timed out)
	run ip netns exec "$NS_PREFIX-a" bash -c "exec 3<>/dev/tcp/$ADDR_B/9"
	[[ "$output" == *"Connection refused"* ]]
	on_b xenstore-write /hostb-only yes
	run xenstore-read /hostb-only
	[ "$status" -ne 0 ]
	# the -s script lands in B's namespace with B's settings
	run "$T/to-b" hostb sh -c 'ip -o addr show dev veth-b >/dev/null && echo "$XENSTORED_PATH"'
	[ "$output" = "$T/b/xs.sock" ]
}

# ---- a guest with a disk and a NIC ---------------------------------------------

@test "xl migrate of a guest with a disk and a NIC: on B its ticker goes on, its disk data is intact, it answers ping on B's bridge" {
	require_kvm
	dev_guest dv1
	pings_guest
	run xl migrate -s "$T/to-b" dv1 hostb
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10 nothing_left
	[ -z "$(vif_taps)" ]
	on_b ticking_more dv1
	on_b ticks_continue dv1
	on_b pings_guest
	[ "$(on_b vif_taps)" = "vif$(on_b xl domid dv1).0" ]
	on_b guest_type dv1 "blk read xvda 3"
	wait_for 20 on_b console_has dv1 '|written-on-a'
	on_b guest_type dv1 "blk write xvda 4 written-on-b"
	wait_for 20 on_b console_has dv1 "^xvda: wrote 12 bytes at sector 4"
	on_b xl destroy dv1
	wait_for 20 on_b nothing_left
	[ "$(sector_text "$T/dv1.img" 3)" = written-on-a ]
	[ "$(sector_text "$T/dv1.img" 4)" = written-on-b ]
	wait_for 10 loops_backing "$T/dv1.img" 0
}

@test "xl migrate: the receiver runs a disk's hotplug script (losetup) before the source pauses, not in the downtime" {
	require_kvm
	# a block script that notes when it adds (CLOCK_MONOTONIC, as --debug's)
	cat >"$T/stamp-block" <<-EOF
		#!/bin/sh
		[ "\$1" != add ] || python3 -c 'import time; print(time.monotonic())' >>"$T/block-adds"
		exec "$XENON_TOP/hotplug/block" "\$@"
	EOF
	chmod +x "$T/stamp-block"
	dev_guest dv1 "script=$T/stamp-block,"
	loops_backing "$T/dv1.img" 1
	run xl migrate --debug -s "$T/to-b" dv1 hostb
	local added sent after
	added=$(tail -n 1 "$T/block-adds" 2>/dev/null || true)
	sent=$(stamp "$output" migrate 'stream sent')
	after=$(sed -n 's/^migrate: .* stream sent (pause + \([0-9.]*\) ms)$/\1/p' <<<"$output")
	# first: what CI keeps of a failure's output is its beginning
	echo "B's script added at $added; stream sent at $sent, $after ms after the pause;" \
		"$(grep -o '[0-9]* rounds' <<<"$output")"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10 nothing_left
	[ "$(wc -l <"$T/block-adds")" -eq 2 ] # A's create, B's receive
	awk -v a="$added" -v s="$sent" -v p="$after" 'BEGIN { exit !(a > 0 && s > 0 && p != "" && a < s - p / 1000) }'
	on_b guest_type dv1 "blk read xvda 3"
	wait_for 20 on_b console_has dv1 '|written-on-a'
	on_b xl destroy dv1
	wait_for 20 on_b nothing_left
	wait_for 10 loops_backing "$T/dv1.img" 0
}

@test "xl migrate to a host without the guest's bridge: refused there, the source runs on, nothing left on B" {
	require_kvm
	dev_guest dv1
	old=$(xl domid dv1)
	ip -n "$NS_PREFIX-b" link delete xenbr0
	run xl migrate -s "$T/to-b" dv1 hostb
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bridge xenbr0 for vif"*"does not exist"* ]]
	[[ "$output" == *"domain dv1 ($old) was not migrated; it runs on here"* ]]
	[ "$(xl domid dv1)" = "$old" ]
	[[ "$(state_of dv1)" != *p* ]]
	ticking_more dv1
	wait_for 10 on_b nothing_left
	[ -z "$(on_b vif_taps)" ]
	# each xenon-hv opens the image file itself (no loop device), and B's is gone
	wait_for 10 loops_backing "$T/dv1.img" 0
	# the source's disk and NIC serve it again (their I/O threads had
	# ended at once when started again: issue 12)
	pings_guest
	guest_type dv1 "blk read xvda 3"
	wait_for 20 console_has dv1 '|written-on-a'
}

@test "xl migrate -C with a NIC the domain lacks: the receiver says which, at once; the source runs on" {
	require_kvm
	dev_guest dv1
	old=$(xl domid dv1)
	# its own configuration and a second NIC after the disk and NIC it has
	sed 's/^\(\s*vif = \[ "[^"]*"\)/\1, "bridge=xenbr0,mac=00:16:3e:4d:49:48"/' "$T/dv1.cfg" >"$T/dv1-extra.cfg"
	grep -q '"bridge=xenbr0,mac=00:16:3e:4d:49:48"' "$T/dv1-extra.cfg"
	run xl migrate -C "$T/dv1-extra.cfg" -s "$T/to-b" dv1 hostb
	echo "$output"
	[ "$status" -eq 1 ]
	# refused by B's xenon-hv (ENODEV: its log names the NIC), not left waiting
	# for the stream's end until the request timed out
	[[ "$output" == *"nic 1: xenon-hv could not take its tap "*": No such device"* ]]
	grep -q "vif 1 is not in the saved domain" "$T"/b/log/*dv1*.log
	[[ "$output" == *"domain dv1 ($old) was not migrated; it runs on here"* ]]
	[ "$(xl domid dv1)" = "$old" ]
	[[ "$(state_of dv1)" != *p* ]]
	wait_for 10 on_b nothing_left
	[ -z "$(on_b vif_taps)" ]
	pings_guest
}
