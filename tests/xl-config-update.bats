#!/usr/bin/env bats
# xl config-update (Xen's, deprecated there too): a configuration kept for
# the domain's next restart, nothing changed now. With tests/fake-hv, whose
# `trigger reset` ends it as a guest reboot does (HV_EXIT_REBOOT): the
# monitor restarts the domain, with the updated configuration.

load helpers

setup() {
	xl_env_start
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	cat > "$T/f.cfg" <<-EOF2
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vcpus = 1
	EOF2
	sed 's/^memory = 32/memory = 48/' "$T/f.cfg" > "$T/new.cfg"
}

local_teardown() {
	xl_env_stop
}

mem_of() { xl list "$1" | awk -v n="$1" '$1 == n { print $3 }'; }
vcpus_of() { xl list "$1" | awk -v n="$1" '$1 == n { print $4 }'; }
uuid_of() { xl list -v "$1" | awk -v n="$1" '$1 == n { print $7 }'; }
# Up again as domain $1, with its pids in xenstore (monitor-pid comes last) for the teardown to stop.
restarted_as() { [ "$(xl domid f1 2> /dev/null)" = "$1" ] && xenstore-read "/libxl/$1/monitor-pid" > /dev/null 2>&1; }

@test "config-update keeps a configuration for the next restart: nothing changes now, the restart takes it with the name and UUID" {
	xl create "$T/f.cfg"
	uuid=$(uuid_of f1)
	run xl config-update f1 "$T/new.cfg" vcpus=2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "WARNING: xl now has better capability to manage domain configuration, avoid using this command when possible" ]
	[ "${lines[1]}" = "setting dom1 configuration" ]
	# nothing changes now: the domain, and the configuration it runs with
	[ "$(mem_of f1)" = 32 ]
	[ "$(vcpus_of f1)" = 1 ]
	xl list -l f1 | grep -q '"target_memkb": 32768'
	xl trigger f1 reset
	wait_for 10 restarted_as 2
	[ "$(mem_of f1)" = 48 ]
	[ "$(vcpus_of f1)" = 2 ]
	[ "$(uuid_of f1)" = "$uuid" ]
	xl list -l f1 | grep -q '"target_memkb": 49152'
	# taken once: the restarted domain runs with it, nothing is left over
	run xenstore-exists /libxl/2/config-update
	[ "$status" -ne 0 ]
}

@test "config-update -f with a file whose name differs: the domain keeps its own name; -d prints the configuration" {
	xl create "$T/f.cfg"
	run xl config-update f1 -d -f "$T/new.cfg" 'name="other"'
	[ "$status" -eq 0 ]
	[[ $output == *'"target_memkb": 49152'* ]]
	xl trigger f1 reset
	wait_for 10 restarted_as 2
	[ "$(mem_of f1)" = 48 ]
	run xl domid other
	[ "$status" -ne 0 ]
}

@test "config-update refuses a bad file, Domain-0, no domain and no file, keeping nothing; -N keeps nothing either" {
	xl create "$T/f.cfg"
	printf 'memory = \n' > "$T/bad.cfg"
	run xl config-update f1 "$T/bad.cfg"
	[ "$status" -eq 1 ]
	[[ $output == *"bad.cfg:1:"* ]]
	run xl config-update f1 "$T/f.cfg" memory=64 maxmem=48
	[ "$status" -eq 1 ]
	[[ $output == *"maxmem (48 MiB) is smaller than memory (64 MiB)"* ]]
	# what libxl checks before it makes a domain (here, not only at the restart)
	run xl config-update f1 "$T/f.cfg" 'kernel="/nonexistent"'
	[ "$status" -eq 1 ]
	[[ $output == *'kernel="/nonexistent" cannot be read'* ]]
	run xl config-update f1 "$T/f.cfg" cpu_weight=70000
	[ "$status" -eq 1 ]
	[[ $output == *"weight 70000 is out of range"* ]]
	run xl config-update f1 "$T/nosuch.cfg"
	[ "$status" -eq 1 ]
	run xl config-update Domain-0 "$T/new.cfg"
	[ "$status" -eq 1 ]
	[[ $output == *"Domain-0 is the host: it has no configuration to update"* ]]
	run xl config-update nosuch "$T/new.cfg"
	[ "$status" -eq 1 ]
	run xl config-update f1
	[ "$status" -eq 1 ]
	[[ $output == *"no config file given"* ]]
	run xl config-update
	[ "$status" -eq 1 ]
	run xl -N config-update f1 "$T/new.cfg"
	[ "$status" -eq 0 ]
	[[ $output == *'"target_memkb": 49152'* ]]
	run xenstore-exists /libxl/1/config-update
	[ "$status" -ne 0 ]
	# and so the restart takes the configuration it ran with
	xl trigger f1 reset
	wait_for 10 restarted_as 2
	[ "$(mem_of f1)" = 32 ]
}
