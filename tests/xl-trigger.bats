#!/usr/bin/env bats
# xl trigger and xl button-press (issue 14): power presses the domain's power
# button through its xenon-hv (the guest powers off, whether or not it reads
# control/shutdown); the triggers Xenon cannot deliver yet are refused with
# the reason, the domain untouched. With tests/fake-hv (which powers off on
# the button) here; with the real xenon-hv and guest where KVM is.

load helpers

setup() {
	xl_env_start
	cat > "$T/f.cfg" <<-EOF2
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
	EOF2
}

local_teardown() {
	xl_env_stop
}

gone() { ! xl domid f1 > /dev/null 2>&1; }

@test "button-press power and trigger power: the domain powers off and is removed" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/f.cfg"
	xl button-press f1 power
	wait_for 10 gone
	wait_for 10 nothing_left
	xl create "$T/f.cfg"
	xl trigger f1 power
	wait_for 10 gone
	wait_for 10 nothing_left
}

@test "sleep, nmi, init, reset, s3resume are refused with the reason; the domain runs on" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/f.cfg"
	for t in sleep s3resume; do
		run xl trigger f1 $t
		[ "$status" -eq 1 ]
		[[ $output == *"no sleep state"* ]]
	done
	run xl button-press f1 sleep
	[ "$status" -eq 1 ]
	[[ $output == *"no sleep state"* ]]
	for t in nmi init reset; do
		run xl trigger f1 $t 0
		[ "$status" -eq 1 ]
		[[ $output == *"trigger $t is not supported yet"* ]]
	done
	run xl trigger f1 bogus
	[ "$status" -eq 1 ]
	[[ $output == *"unknown trigger 'bogus'"* ]]
	run xl trigger f1 nmi x
	[ "$status" -eq 1 ]
	run xl button-press f1 reset
	[ "$status" -eq 1 ]
	[[ $output == *"unknown button 'reset'"* ]]
	run xl trigger Domain-0 power
	[ "$status" -eq 1 ]
	[ "$(state_of f1)" = "-b----" ] || [ "$(state_of f1)" = "r-----" ]
}

@test "real guest: button-press power makes the guest power off" {
	require_kvm
	xl create "$T/f.cfg"
	wait_for 20 console_has f1 "xenon-guest"
	xl button-press f1 power
	wait_for 20 gone
	wait_for 10 nothing_left
}
