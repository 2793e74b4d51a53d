#!/usr/bin/env bats
# What dom0 takes from where (docs/xenstore-trust.md), on any host: the
# domains here run tests/fake-hv/fake-hv as their xenon-hv (a real process
# with a real console pty and control socket, no guest), with a private
# xenstored, so no KVM is needed. A guest owns its xenstore home; a dom0
# write into /local/domain/<id>/... stands for what the guest can write.

load helpers

setup() {
	fakehv_env_start
	printf 'root:$6$not-a-real-hash:19000:0:99999:7:::\n' > "$T/shadow"
}

local_teardown() {
	kill_pid "${FIFO_READER:-}"
	kill_pid "${VICTIM:-}"
	xl_env_stop
}

# A FIFO with a reader (cat) blocked until someone opens it for writing:
# while the reader runs, nobody has opened $T/fifo.
fifo_watch() {
	mkfifo "$T/fifo"
	cat "$T/fifo" > /dev/null 3>&- &
	FIFO_READER=$!
}
fifo_never_opened() { kill -0 "$FIFO_READER" 2> /dev/null; }

# Every node of domain $1's home that the guest can write, with hostile
# values: host paths, links, a FIFO, huge and negative numbers, format
# strings, control bytes, a value as long as xenstored takes.
hostile_values() {
	printf '%s\n' "$T/shadow" "$T/fifo" /dev/zero /dev/pts/ptmx "../../..$T/shadow" \
		18446744073709551616 -1 0x7fffffff 1e999 '%s%n%x%p' "$(printf '\x1b]52;c;Zm9v\x07\x01\xff')" \
		"$(printf 'y%.0s' $(seq 2000))"
}
hostile_nodes() {
	printf '%s\n' console/tty console/type console/output console/limit console/extra \
		control/shutdown control/feature-poweroff control/feature-reboot control/feature-suspend \
		control/sysrq data/x drivers/x feature/x attr/x error/x
}
hostile_writes() {
	local node value
	while IFS= read -r node; do
		while IFS= read -r value; do
			xenstore-write "/local/domain/$1/$node" "$value" 2> /dev/null || true
		done < <(hostile_values)
	done < <(hostile_nodes)
	# and the last word each node keeps: a host file, or 1 to claim a feature
	while IFS= read -r node; do
		xenstore-write "/local/domain/$1/$node" "$T/fifo"
	done < <(hostile_nodes)
	xenstore-write "/local/domain/$1/control/feature-poweroff" 1
	xenstore-write "/local/domain/$1/control/feature-reboot" 1
}

# After hostile_writes: dom0 still lists, shows, attaches, pauses, asks and
# destroys, and has opened none of the paths. $1: domid, $2: name, $3: text
# the console must show.
dom0_still_sane() {
	run timeout 60 xl list
	[ "$status" -eq 0 ]
	[[ "$output" == *"$2 "* ]]
	run timeout 60 xl list -l "$2"
	[ "$status" -eq 0 ]
	[[ "$output" == *"\"domid\": $1,"* ]]
	[ "${output:0:1}" = "[" ]
	[ "${output: -1}" = "]" ]
	run console_out "$2"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$3"* ]]
	[[ "$output" != *"not-a-real-hash"* ]]
	run timeout 60 xl pause "$2"
	[ "$status" -eq 0 ]
	run timeout 60 xl unpause "$2"
	[ "$status" -eq 0 ]
	# It "advertises" feature-poweroff: asked through control/shutdown only
	# (a real guest may obey and be gone before the destroy).
	run timeout 60 xl shutdown "$2"
	[ "$status" -eq 0 ]
	fifo_never_opened
	run timeout 60 xl destroy "$2"
	[ "$status" -eq 0 ] || [[ "$output" == *"does not exist"* ]]
	fifo_never_opened
	wait_for 10 nothing_left
}

tty_node_is() { [ "$(xenstore-read "/local/domain/$1/console/tty" 2> /dev/null)" = "$2" ]; }

# The console: what `xl console` prints with no input (the kept output).
console_out() { timeout 30 xl console "$1" < /dev/null 2>&1; }

@test "xl console opens the pty xenon-hv reports, never the path the guest wrote in console/tty" {
	xl create "$T/f.cfg"
	console_out f1 | grep -q "fake-hv: domain f1 (1) up"
	fifo_watch
	for hostile in "$T/shadow" "$T/fifo" /dev/null /dev/zero "$T" "../../../$T/shadow" /dev/pts/ptmx \
		"/dev/pts/0/../../..$T/shadow" "$(printf 'x%.0s' $(seq 3000))"; do
		xenstore-write /local/domain/1/console/tty "$hostile"
		run console_out f1
		[ "$status" -eq 0 ]
		[[ "$output" == *"fake-hv: domain f1 (1) up"* ]]
		[[ "$output" != *"not-a-real-hash"* ]]
	done
	fifo_never_opened
	xenstore-rm /local/domain/1/console/tty
	console_out f1 | grep -q "fake-hv: domain f1 (1) up"
	xl destroy f1
	nothing_left
}

# Another terminal (root's, say): a pty whose master this process holds,
# with a line typed on it not read yet. Its name in $T/victim.pty.
victim_pty_start() {
	python3 -c 'import os, pty, signal, sys
m, s = pty.openpty()
os.write(m, b"root-typed-secret\n")
open(sys.argv[1] + ".new", "w").write(os.ttyname(s))
os.rename(sys.argv[1] + ".new", sys.argv[1])
signal.pause()' "$T/victim.pty" 3>&- &
	VICTIM=$!
	wait_for 10 test -s "$T/victim.pty"
}
# Bytes waiting to be read on pty $1 (a reader would have taken them).
pty_queued() {
	python3 -c 'import fcntl, os, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
print(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0])' "$1"
}

@test "xl console refuses a pty its xenon-hv names but does not hold, and leaves that terminal untouched" {
	victim_pty_start
	pty=$(cat "$T/victim.pty")
	FAKE_HV_CONSOLE_PTY=$pty xl create "$T/f.cfg"
	run console_out f1
	[ "$status" -ne 0 ]
	[[ "$output" == *"console: domain 1's xenon-hv named as its console a pty that is not its own"* ]]
	[[ "$output" == *"nothing was opened"*"xl destroy 1"* ]]
	[[ "$output" != *"root-typed-secret"* ]]
	# not put in raw mode, and the line typed there still waits for its reader
	stty -F "$pty" -a | grep -qw icanon
	[ "$(pty_queued "$pty")" -eq 18 ]
	xl destroy f1
	nothing_left
}

@test "xl console says so when the output xenon-hv kept cannot be read" {
	FAKE_HV_NO_RING=1 xl create "$T/f.cfg"
	run console_out f1
	[ "$status" -eq 0 ]
	[[ "$output" == *"console: domain 1's recent output could not be read ("*"): only what it prints from now on follows"* ]]
	[[ "$output" != *"fake-hv: domain f1 (1) up"* ]]
	xl destroy f1
	nothing_left
}

@test "hostile values in every guest-writable node the toolstack knows: dom0 acts on none (fake xenon-hv)" {
	fifo_watch
	xl create "$T/f.cfg"
	hostile_writes 1
	dom0_still_sane 1 f1 "fake-hv: domain f1 (1) up"
}

@test "a real guest writes hostile nodes (xs-write in its shell): dom0 acts on none" {
	require_kvm
	unset XENON_HV
	fifo_watch
	xl create "$T/f.cfg"
	wait_for 10 console_has f1 "xenon> "
	# what the guest itself can do: console/tty is its own
	pty=$(hvctl "$XENON_RUNDIR/domains/1.sock" info | awk '$1 == "console:" { print $2 }')
	[[ $pty == /dev/pts/* ]]
	printf 'xs-write console/tty %s\r' "$T/shadow" > "$pty"
	wait_for 10 tty_node_is 1 "$T/shadow"
	hostile_writes 1
	dom0_still_sane 1 f1 "xenon> "
}

@test "xl console of a domain whose xenon-hv is gone says it is not running, whatever console/tty says" {
	xl create "$T/f.cfg" 'on_poweroff="preserve"'
	xl shutdown f1
	wait_for 10 state_is_shut f1
	xenstore-write /local/domain/1/console/tty "$T/shadow"
	run console_out f1
	[ "$status" -eq 1 ]
	[[ "$output" == *"not running"* ]]
	[[ "$output" != *"not-a-real-hash"* ]]
	xl destroy f1
	nothing_left
}

state_is_shut() { [ "$(state_of "$1")" = "---s--" ]; }

# save_file_is FILE NAME: FILE is xl's header, the configuration of domain
# NAME (its JSON, as long as the header says) and fake-hv's stand-in stream.
save_file_is() {
	local len
	head -c 29 "$1" | grep -q "Xenon saved domain, xl format"
	len=$(od -An -tu4 -j36 -N4 "$1" | tr -d ' ')
	[ "$(tail -c +41 "$1" | head -c "$len" | jq -r .c_info.name)" = "$2" ]
	[ "$(tail -c +$((41 + len)) "$1")" = "fake-hv stream of $2" ]
}

@test "xl save: a xenon-hv that seeks, pwrites or fallocates on its stream cannot rewrite the file's configuration" {
	# what it would put there instead: a domain restore would build as root
	printf 'name = "forged"\nkernel = "%s"\nmemory = 32\n' "$T/shadow" > "$T/forged.cfg"
	FAKE_HV_SAVE=forge FAKE_HV_FORGE_JSON=$(xl create -n "$T/forged.cfg") xl create "$T/f.cfg"
	run xl save -c --json f1 "$T/f1-c.save"
	[ "$status" -eq 0 ]
	[[ "$output" == "{\"domain\": \"f1\", \"domid\": 1, \"file\": \"$T/f1-c.save\", \"bytes\": 21, \"frames\": 1, "* ]]
	save_file_is "$T/f1-c.save" f1
	xl save f1 "$T/f1.save"
	save_file_is "$T/f1.save" f1
	nothing_left
	# restore builds the domain from xl's configuration (fake-hv cannot restore it: it fails after)
	run xl restore -d -e "$T/f1.save"
	[[ "$output" == *'"name": "f1"'* ]]
	[[ "$output" != *forged* ]]
	wait_for 10 nothing_left
}

@test "xl save: a stream longer than xenon-hv reports fails the save, the domain runs on, no file is left" {
	FAKE_HV_SAVE=long xl create "$T/f.cfg"
	run xl save -c f1 "$T/f1.save"
	[ "$status" -eq 1 ]
	[[ "$output" == *"xenon-hv reported a stream of 21 bytes, but 26 came"* ]]
	[[ "$output" == *"the domain runs on, the file is removed"* ]]
	[ ! -e "$T/f1.save" ]
	state=$(state_of f1)
	[ -n "$state" ]
	[[ $state != *p* ]] # running: xl unpaused it
	xl destroy f1
	nothing_left
}
