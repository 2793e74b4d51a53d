#!/usr/bin/env bats
# What dom0 takes from where (docs/xenstore-trust.md), on any host: the
# domains here run tests/fake-hv/fake-hv as their xenon-hv (a real process
# with a real console pty and control socket, no guest), with a private
# xenstored, so no KVM is needed. A guest owns its xenstore home; a dom0
# write into /local/domain/<id>/... stands for what the guest can write.

load helpers

setup() {
	xl_env_start
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	cat > "$T/f.cfg" <<-EOF
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
	EOF
	printf 'root:$6$not-a-real-hash:19000:0:99999:7:::\n' > "$T/shadow"
}

local_teardown() {
	xl_env_stop
}

hv_pid_of() { xenstore-read "/libxl/$1/hv-pid"; }

# The console: what `xl console` prints with no input (the kept output).
console_out() { timeout 30 xl console "$1" < /dev/null 2>&1; }

@test "xl console opens the pty xenon-hv reports, never the path the guest wrote in console/tty" {
	xl create "$T/f.cfg"
	console_out f1 | grep -q "fake-hv: domain f1 (1) up"
	for hostile in "$T/shadow" /dev/null /dev/zero "$T" "../../../$T/shadow" /dev/pts/ptmx \
		"/dev/pts/0/../../..$T/shadow" "$(printf 'x%.0s' $(seq 3000))"; do
		xenstore-write /local/domain/1/console/tty "$hostile"
		run console_out f1
		[ "$status" -eq 0 ]
		[[ "$output" == *"fake-hv: domain f1 (1) up"* ]]
		[[ "$output" != *"not-a-real-hash"* ]]
	done
	xenstore-rm /local/domain/1/console/tty
	console_out f1 | grep -q "fake-hv: domain f1 (1) up"
	xl destroy f1
	nothing_left
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
