#!/usr/bin/env bats
# xl trigger, xl button-press and xl sysrq (issue 14): power presses the
# domain's power button through its xenon-hv (the guest powers off, whether or
# not it reads control/shutdown); nmi, init and reset go to xenon-hv
# (HVCTL_VCPU_TRIGGER); sleep and s3resume are refused with the reason, the
# domain untouched; sysrq writes control/sysrq, which the guest reads. With tests/fake-hv (which powers off on
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

@test "sleep and s3resume are refused with the reason; bad triggers and vCPUs too; the domain runs on" {
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
	run xl trigger f1 bogus
	[ "$status" -eq 1 ]
	[[ $output == *"unknown trigger 'bogus'"* ]]
	run xl trigger f1 nmi x
	[ "$status" -eq 1 ]
	run xl trigger f1 nmi 1
	[ "$status" -eq 1 ]
	[[ $output == *"there is no vCPU 1"* ]]
	run xl trigger f1 init 0
	[ "$status" -eq 1 ]
	[[ $output == *"vCPU 0 is the boot vCPU"* ]]
	run xl button-press f1 reset
	[ "$status" -eq 1 ]
	[[ $output == *"unknown button 'reset'"* ]]
	run xl trigger Domain-0 power
	[ "$status" -eq 1 ]
	[ "$(state_of f1)" = "-b----" ] || [ "$(state_of f1)" = "r-----" ]
}

vcpu1_offline() { xl vcpu-list f1 | awk 'NR > 1 && $3 == 1 { print $4, $5 }' | grep -qx -- '- --p'; }

@test "trigger nmi reaches xenon-hv, init takes a secondary vCPU offline, reset reboots (fake-hv)" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/f.cfg" 'vcpus=2'
	xl trigger f1 nmi
	xl trigger f1 nmi 1
	console_has f1 "fake-hv: NMI to vCPU 0"
	console_has f1 "fake-hv: NMI to vCPU 1"
	not vcpu1_offline
	xl trigger f1 init 1
	vcpu1_offline
	run xl trigger f1 nmi 1
	[ "$status" -eq 1 ]
	[[ $output == *"vCPU 1 is offline"* ]]
	xl trigger f1 reset
	# Up again as domain 2, with its pids in xenstore (monitor-pid comes last) for the teardown to stop.
	wait_for 10 sh -c '[ "$(xl domid f1 2> /dev/null)" = 2 ] && xenstore-read /libxl/2/monitor-pid > /dev/null 2>&1'
}

@test "sysrq writes the letter to control/sysrq; anything but one letter is refused" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/f.cfg"
	xl sysrq f1 t
	[ "$(xenstore-read /local/domain/1/control/sysrq)" = t ]
	for bad in tt "" " "; do
		run xl sysrq f1 "$bad"
		[ "$status" -eq 1 ]
		[[ $output == *"is not one sysrq letter"* ]]
	done
	run xl sysrq Domain-0 h
	[ "$status" -eq 1 ]
	run xl sysrq nosuch h
	[ "$status" -eq 1 ]
	[ "$(xenstore-read /local/domain/1/control/sysrq)" = t ]
}

@test "real guest: sysrq h and t, trigger nmi to each vCPU, init, then reset restarts it" {
	require_kvm
	xl create "$T/f.cfg" 'vcpus=2'
	wait_for 30 console_has f1 "xenon-guest.*2 vCPUs"
	xl sysrq f1 h
	wait_for 20 console_has f1 "sysrq: keys: h (help) t "
	[ -z "$(xenstore-read /local/domain/1/control/sysrq)" ]
	xl sysrq f1 q
	wait_for 20 console_has f1 "sysrq: q: not a key this kernel knows"
	xl trigger f1 nmi 0
	wait_for 20 console_has f1 "NMI on vCPU 0 (1 so far)"
	xl trigger f1 nmi 1
	wait_for 20 console_has f1 "NMI on vCPU 1 (1 so far)"
	xl sysrq f1 t
	wait_for 20 console_has f1 "sysrq: cpu 1: online, [0-9]* interrupts, 1 NMIs"
	xl trigger f1 init 1
	wait_for 10 vcpu1_offline
	# the guest finds it stopped when it takes it down, and starts it again
	xl vcpu-set f1 1
	wait_for 20 console_has f1 "vCPU 1 had stopped already"
	xl vcpu-set f1 2
	wait_for 20 console_has f1 "vCPU 1 is online"
	not vcpu1_offline
	xl trigger f1 reset
	wait_for 30 sh -c '[ "$(xl domid f1 2> /dev/null)" = 2 ]'
	grep -q "domain 'f1' (1) rebooted" "$XENON_LOGDIR/xl-f1.log"
	xl destroy f1
	wait_for 10 nothing_left
}

@test "real guest: button-press power makes the guest power off" {
	require_kvm
	xl create "$T/f.cfg"
	wait_for 20 console_has f1 "xenon-guest"
	xl button-press f1 power
	wait_for 20 gone
	wait_for 10 nothing_left
}
