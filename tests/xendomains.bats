#!/usr/bin/env bats
# xendomains(8) (systemd/xendomains.in): start creates the configs of the
# auto folder that are not running, stop saves or shuts down and destroys
# what is left, status tells. With a private xenstored, run dir and xl.conf
# (xl_env_start); the domains run tests/fake-hv/fake-hv, except the save
# and restore test, which needs a real xenon-hv (KVM).

load helpers

setup() {
	xl_env_start
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	mkdir "$T/auto"
	for n in a1 a2; do auto_config "$n" > "$T/auto/$n.cfg"; done
	sed "s|@SYSCONFDIR@|$T|; s|@XENDIR@|$T|; s|@XENSTATE@|$T|; s|@SBINDIR@/xl|xl|" \
		"$XENON_TOP/systemd/xendomains.in" > "$T/xendomains"
	chmod +x "$T/xendomains"
	cat > "$T/defaults" <<-EOF
		XENDOMAINS_AUTO=$T/auto
		XENDOMAINS_SAVE=
		XENDOMAINS_SHUTDOWN=
		XENDOMAINS_STOP_MAXWAIT=10
	EOF
	export XENDOMAINS_CONFIG=$T/defaults
}

local_teardown() {
	xl_env_stop
}

auto_config() {
	printf 'name = "%s"\nkernel = "%s"\nmemory = 32\n' "$1" "$XENON_TOP/guest/xenon-guest.elf"
}

guests() { xl list | awk 'NR > 1 && $2 != 0 { print $1 }' | sort | tr '\n' ' '; }

@test "xendomains start, stop, start: the two auto domains run, are stopped, run again" {
	run "$T/xendomains" start
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(guests)" = "a1 a2 " ]
	run "$T/xendomains" status
	[ "$status" -eq 0 ]
	[[ $output == *"a1: running"* && $output == *"a2: running"* ]]
	run "$T/xendomains" stop
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(guests)" ]
	wait_for 10 nothing_left
	run "$T/xendomains" status
	[ "$status" -eq 3 ]
	[[ $output == *"a1: not running"* ]]
	run "$T/xendomains" start
	[ "$status" -eq 0 ]
	[ "$(guests)" = "a1 a2 " ]
}

@test "xendomains start leaves a running domain as it is and starts the others" {
	xl create "$T/auto/a1.cfg"
	id=$(xl domid a1)
	run "$T/xendomains" start
	[ "$status" -eq 0 ]
	[[ $output == *"a1 is already running"* ]]
	[ "$(xl domid a1)" = "$id" ]
	[ "$(guests)" = "a1 a2 " ]
}

@test "a broken config in the auto folder is reported and the others still start" {
	printf 'name = "b0"\nmemory = "lots"\n' > "$T/auto/0-broken.cfg"
	touch "$T/auto/a1.cfg~"
	run "$T/xendomains" start
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot start $T/auto/0-broken.cfg"* ]]
	[ "$(guests)" = "a1 a2 " ]
}

@test "xendomains stop destroys a domain that does not shut down within the wait" {
	"$T/xendomains" start
	# a1's xenon-hv stopped: it cannot answer the shutdown.
	pid=$(xenstore-read "/libxl/$(xl domid a1)/hv-pid")
	kill -STOP "$pid"
	printf 'XENDOMAINS_STOP_MAXWAIT=1\n' >> "$T/defaults"
	run "$T/xendomains" stop
	kill -CONT "$pid" 2> /dev/null || true
	echo "$output"
	[[ $output == *"a1 did not stop within 1s: destroying it"* ]]
	[ -z "$(guests)" ]
}

@test "xendomains with a bad setting or a bad command says what and fails" {
	run "$T/xendomains" frobnicate
	[ "$status" -eq 2 ]
	[[ $output == usage:* ]]
	XENDOMAINS_CONFIG=$T/none run "$T/xendomains" start
	[ "$status" -eq 6 ]
	[[ $output == *"cannot read $T/none"* ]]
	printf 'XENDOMAINS_STOP_MAXWAIT=soon\n' >> "$T/defaults"
	run "$T/xendomains" start
	[ "$status" -eq 6 ]
	[[ $output == *"XENDOMAINS_STOP_MAXWAIT=soon in $T/defaults"* ]]
	[ -z "$(guests)" ]
}

@test "xendomains stop saves the domains, start restores them going on where they were" {
	require_kvm
	unset XENON_HV
	mkdir "$T/save"
	printf 'cmdline = '\''run="ticker on"'\''\n' >> "$T/auto/a1.cfg"
	printf 'XENDOMAINS_SAVE=%s\n' "$T/save" >> "$T/defaults"
	rm "$T/auto/a2.cfg"
	"$T/xendomains" start
	ticks() { console_text a1 | awk '{ sub(/\r$/, "") } /^tick [0-9]+ / { n = $2 } END { print n + 0 }'; }
	wait_for 20 eval '[ "$(ticks)" -ge 2 ]'
	run "$T/xendomains" stop
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$T/save/a1" ]
	[ -z "$(guests)" ]
	run "$T/xendomains" start
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"restored a1"* ]]
	[ ! -e "$T/save/a1" ]
	before=$(ticks)
	[ "$before" -ge 2 ]
	wait_for 20 eval '[ "$(ticks)" -gt '"$before"' ]'
	# Restored, not booted again: one boot banner.
	[ "$(console_text a1 | grep -ac '^xenon-guest ')" -eq 1 ]
}
