#!/usr/bin/env bats
# xl migrate and xl migrate-receive (xl(1)) between two "hosts" on one
# machine: host A is xl_env_start's private xenstored and run directory, host
# B another pair under $T/b; -s names a script that runs the receiver with
# B's environment in place of ssh. The guest has no devices, so no network
# namespace is needed.

load helpers

setup() {
	xl_env_start
	B=$T/b
	mkdir -p "$B"
	printf 'lockfile = "%s"\ncgroup_parent = ""\n' "$B/xl.lock" >"$B/xl.conf"
	XENSTORED_PATH=$B/xs.sock xenstored -N -I -s "$B/xs.sock" 2>"$B/xenstored.log" 3>&- &
	XSB_PID=$!
	wait_for 5 test -S "$B/xs.sock"
	# "<sshcommand> <host> xl migrate-receive ...": the host is ignored.
	cat >"$T/to-b" <<-EOF2
		#!/bin/sh
		shift
		export XENSTORED_PATH=$B/xs.sock XENON_RUNDIR=$B/run XENON_LOGDIR=$B/log XL_CONF=$B/xl.conf
		exec "\$@"
	EOF2
	# The same, but the connection is cut after 64 KiB of the stream.
	cat >"$T/cut-b" <<-EOF2
		#!/bin/sh
		shift
		export XENSTORED_PATH=$B/xs.sock XENON_RUNDIR=$B/run XENON_LOGDIR=$B/log XL_CONF=$B/xl.conf
		head -c 65536 | "\$@"
	EOF2
	chmod +x "$T/to-b" "$T/cut-b"
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
	(
		export XENSTORED_PATH=$B/xs.sock XENON_RUNDIR=$B/run XENON_LOGDIR=$B/log XL_CONF=$B/xl.conf
		XS_PID=$XSB_PID
		xl_env_stop
	)
	xl_env_stop
}

# CMD...: run on host B.
on_b() { XENSTORED_PATH=$B/xs.sock XENON_RUNDIR=$B/run XENON_LOGDIR=$B/log XL_CONF=$B/xl.conf "$@"; }
ticks_of() { console_text "$1" | grep -ac '^tick ' || true; }
last_tick() { console_text "$1" | awk '{ sub(/\r$/, "") } /^tick [0-9]+ / { n = $2 } END { print n + 0 }'; }
# The tick counts on the console go up by one each, and there is one banner.
ticks_continue() {
	console_text "$1" | awk '{ sub(/\r$/, "") } /^xenon-guest / { b++ }
		/^tick [0-9]+ / { if (n && $2 != n + 1) bad = 1; n = $2 } END { exit (bad || b != 1) }'
}

running_guest() {
	xl create "$T/mg.cfg"
	wait_for 20 eval '[ "$(ticks_of mg1)" -ge 2 ]'
}

@test "xl migrate moves a running guest to the other host, where it goes on" {
	require_kvm
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$T/to-b" mg1 hostb
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Migrated domain mg1 ($old) to hostb: "*" rounds, "*" frames ("*" zero), "*" bytes, total "*" ms, downtime "*" ms"* ]]
	# Gone here, running there under its own name, not paused.
	wait_for 10 nothing_left
	[[ "$(on_b xl list mg1 | awk '$1 == "mg1" { print $5 }')" != *p* ]]
	before=$(on_b last_tick mg1)
	wait_for 20 eval '[ "$(on_b last_tick mg1)" -gt '"$before"' ]'
	on_b ticks_continue mg1
	[ -z "$(on_b xl list | awk '$1 ~ /--incoming$/')" ]
}

@test "xl migrate with the connection cut leaves the source running and nothing on the target" {
	require_kvm
	running_guest
	old=$(xl domid mg1)
	run xl migrate -s "$T/cut-b" --max-downtime 50 mg1 hostb
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"domain mg1 ($old) was not migrated; it runs on here"* ]]
	[ "$(xl domid mg1)" = "$old" ]
	[[ "$(state_of mg1)" != *p* ]]
	before=$(last_tick mg1)
	wait_for 10 eval '[ "$(last_tick mg1)" -gt '"$before"' ]'
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
