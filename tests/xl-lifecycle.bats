#!/usr/bin/env bats
# xl's domain lifecycle with real parts: a private xenstored on a temporary
# socket (XENSTORED_PATH), private XENON_RUNDIR / XENON_LOGDIR / xl.conf
# lockfile, the real xenon-hv and the project's guest.

load helpers

setup() {
	xl_env_start
	KERNEL=$XENON_TOP/guest/xenon-guest.elf
	cat > "$T/lc.cfg" <<-EOF
		name = "lc1"
		kernel = "$KERNEL"
		memory = 32
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "restart"
		on_crash = "destroy"
	EOF
}

# The watchers a test started, then what xl_env_start made.
local_teardown() {
	local pid
	for pid in ${WATCH_PIDS:-} ${CON_PID:-}; do kill_pid "$pid"; done
	[ -z "${CON_IN:-}" ] || exec {CON_IN}>&-
	[ -z "${STOPPED_KEEPER:-}" ] || kill -CONT "$STOPPED_KEEPER" 2> /dev/null || true
	xl_env_stop
	[ -z "${DEBUGFS_MOUNTED:-}" ] || umount /sys/kernel/debug
}

domid_of() { xl domid "$1"; }

feature_poweroff() { [ "$(xenstore-read "/local/domain/$1/control/feature-poweroff" 2> /dev/null)" = 1 ]; }

# Nothing of domain $1 (a domid) remains: nodes, socket, processes.
nothing_left_of() {
	! xenstore-exists "/local/domain/$1" 2> /dev/null &&
		! xenstore-exists "/libxl/$1" 2> /dev/null &&
		[ ! -e "$XENON_RUNDIR/domains/$1.sock" ]
}

state_is() { [ "$(state_of "$1")" = "$2" ]; }

domid_is() { [ "$(xl domid "$1" 2> /dev/null)" = "$2" ]; }

@test "create boots the guest, list shows it running with Xen's columns" {
	require_kvm
	run xl create "$T/lc.cfg"
	[ "$status" -eq 0 ]
	wait_for 5 console_has lc1 "xenon-guest .*: 1 vCPUs, 32 MiB"
	run xl list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Name                                        ID   Mem VCPUs"* ]]
	[[ "${lines[0]}" == *"State"*"Time(s)" ]]
	[[ "${lines[1]}" =~ ^Domain-0\ +0\ +[0-9]+\ +[0-9]+\ +r-----\ + ]]
	[[ "${lines[2]}" =~ ^lc1\ +1\ +32\ +1\ +(r-|-b)----\ + ]] # booting, or idle at its prompt
	[ -S "$XENON_RUNDIR/domains/1.sock" ]
	[ -s "$XENON_LOGDIR/xl-lc1.log" ] || [ -f "$XENON_LOGDIR/xl-lc1.log" ]
	# xenon-hv in its sandbox, in a PID namespace of its own whose pid 1 it is
	hv=$(xenstore-read /libxl/1/hv-pid)
	[ "$(nspid_of "$hv")" = "$hv 1" ]
	xl list -l lc1 | tr -d ' \n' | grep -q '"measures":\["user","mount","ipc","rlimits","nnp","seccomp","pid"\]'
	xl destroy lc1
	nothing_left
}

# The KVM debugfs directories of process $1's VMs ("<pid>-<fd>", while each VM exists).
vm_debugfs() { ls -d /sys/kernel/debug/kvm/"$1"-* 2> /dev/null; }

@test "destroy: the VM's tear-down runs in the keeper, outside xenon-hv's PID namespace, after the domain has gone" {
	require_kvm
	if ! mountpoint -q /sys/kernel/debug; then
		mount -t debugfs debugfs /sys/kernel/debug
		DEBUGFS_MOUNTED=1
	fi
	xl create "$T/lc.cfg"
	wait_for 20 console_has lc1 "xenon-guest .*: 1 vCPUs, 32 MiB"
	hv=$(xenstore-read /libxl/1/hv-pid)
	keeper=$(xenstore-read /libxl/1/keeper-pid)
	[ -n "$(vm_debugfs "$hv")" ] # KVM names the VM by its maker's host pid
	# Stopped, the keeper cannot let go of what xenon-hv hands it: the VM
	# outlives xenon-hv, whose end (and the namespace's) destroy saw at once.
	kill -STOP "$keeper"
	STOPPED_KEEPER=$keeper
	xl destroy lc1
	nothing_left
	pid_gone "$hv"
	[ -n "$(vm_debugfs "$hv")" ]
	kill -CONT "$keeper"
	STOPPED_KEEPER=
	wait_for 20 pid_gone "$keeper"
	wait_for 20 eval '[ -z "$(vm_debugfs "$hv")" ]'
}

@test "the xenstore layout is Xen's, with Xen's permissions" {
	require_kvm
	xl create "$T/lc.cfg"
	[ "$(xenstore-read /local/domain/1/name)" = lc1 ]
	[ "$(xenstore-read /local/domain/1/domid)" = 1 ]
	[ "$(xenstore-read /local/domain/1/memory/static-max)" = 32768 ]
	[ "$(xenstore-read /local/domain/1/memory/target)" = 32768 ]
	[[ "$(xenstore-read /local/domain/1/console/tty)" == /dev/pts/* ]]
	vm=$(xenstore-read /local/domain/1/vm)
	[[ "$vm" == /vm/* ]]
	[ "$(xenstore-read "$vm/name")" = lc1 ]
	[ "$(xenstore-read "$vm/uuid")" = "${vm#/vm/}" ]
	# owner dom0, readable by the domain; control/shutdown is the domain's own;
	# the toolstack's /libxl/<id> is dom0's alone
	[[ "$(xenstore-ls -p /local/domain | grep '^1 = ')" == *"(n0,r1)" ]]
	[[ "$(xenstore-ls -p /local/domain/1 | grep '^name = ')" == *"(n0,r1)" ]]
	[[ "$(xenstore-ls -p /local/domain/1/control | grep '^shutdown = ')" == *"(n1)" ]]
	[[ "$(xenstore-ls -p /local/domain/1 | grep '^data = ')" == *"(n1)" ]]
	[[ "$(xenstore-ls -p /local/domain/1 | grep '^console = ')" == *"(n1,r0)" ]]
	[[ "$(xenstore-ls -p /libxl | grep '^1 = ')" == *"(n0)" ]]
	[[ "$(xenstore-ls -p /vm | grep "^${vm#/vm/} = ")" == *"(n0,r1)" ]]
	# the configuration is stored as JSON
	run xenstore-read /libxl/1/config
	[[ "$output" == *'"name": "lc1"'* ]]
	[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ]
	xl destroy lc1
	nothing_left
}

@test "pause and unpause change the state letters" {
	require_kvm
	xl create "$T/lc.cfg"
	run xl pause lc1
	[ "$status" -eq 0 ]
	[ "$(state_of lc1)" = "--p---" ]
	run xl unpause 1
	[ "$status" -eq 0 ]
	[[ "$(state_of lc1)" == @(r-|-b)---- ]]
	wait_for 10 state_is lc1 -b----
	xl destroy lc1
	nothing_left
}

live_state_is() { xl list -l lc1 | grep -q "\"state\": \"$1\""; }
# Both views at once: the busy spell must not end between two waits (a CI
# run saw r----- and then, 10 s on, no "running": the loops were over).
busy_in_both() { state_is lc1 r----- && live_state_is running; }

@test "an idle guest is blocked (-b----), a busy one running (r-----), a paused one --p---" {
	require_kvm
	xl create "$T/lc.cfg"
	wait_for 10 console_has lc1 "xenon> "
	wait_for 10 state_is lc1 -b----
	wait_for 10 live_state_is blocked
	# About four seconds of integer loop (each bench-loop is about 0.3 s),
	# typed in one write: a guest_cmd each (two processes each to find the
	# pty) took longer than the loops in a loaded nested machine, so the
	# busy spell was over before it was looked at (a flake, in 3 of 5 runs).
	guest_cmd lc1 "$(printf 'bench-loop\r%.0s' $(seq 11))bench-loop"
	wait_for 10 busy_in_both
	xl pause lc1
	[ "$(state_of lc1)" = "--p---" ]
	live_state_is paused
	xl unpause lc1
	wait_for 30 eval '[ "$(console_text lc1 | grep -c "^loop: ")" -eq 12 ]'
	wait_for 10 state_is lc1 -b----
	xl destroy lc1
	nothing_left
}

@test "create -p starts paused" {
	require_kvm
	xl create -p "$T/lc.cfg"
	[ "$(state_of lc1)" = "--p---" ]
	xl unpause lc1
	wait_for 5 console_has lc1 "xenon-guest"
	xl destroy lc1
	nothing_left
}

@test "shutdown -w waits until the domain and everything of it are gone" {
	require_kvm
	xl create "$T/lc.cfg"
	wait_for 5 console_has lc1 "xenon> "
	run xl shutdown -w lc1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Domain 1 has been destroyed"* ]]
	run xl list lc1
	[ "$status" -eq 1 ]
	nothing_left
	grep -q "powered off" "$XENON_LOGDIR/xl-lc1.log"
}

@test "reboot gives a new domid with the same name (on_reboot=restart)" {
	require_kvm
	xl create "$T/lc.cfg"
	wait_for 5 console_has lc1 "xenon> "
	run xl reboot -w lc1
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 5 xl domid lc1
	[ "$(xl domid lc1)" = 2 ]
	nothing_left_of 1
	wait_for 5 console_has lc1 "xenon-guest"
	[ "$(xenstore-read /local/domain/2/name)" = lc1 ]
	xl destroy lc1
	nothing_left
}

@test "the guest's own reboot restarts it; 'on_reboot="destroy"' ends it" {
	require_kvm
	xl create "$T/lc.cfg"
	wait_for 5 console_has lc1 "xenon> "
	guest_cmd lc1 reboot
	wait_for 5 domid_is lc1 2
	wait_for 5 console_has lc1 "xenon> "
	xl destroy lc1
	xl create "$T/lc.cfg" 'on_reboot="destroy"'
	wait_for 5 console_has lc1 "xenon> "
	id=$(xl domid lc1)
	guest_cmd lc1 reboot
	wait_for 5 nothing_left
}

@test "on_crash=preserve keeps the crashed domain listed until xl destroy" {
	require_kvm
	xl create "$T/lc.cfg" 'on_crash="preserve"'
	wait_for 5 console_has lc1 "xenon> "
	guest_cmd lc1 crash
	wait_for 5 state_is lc1 ---sc-
	run hv_running_here
	[ "$status" -ne 0 ]
	run xl list -l lc1
	[[ "$output" == *'"state": "crashed"'* ]]
	[[ "$output" == *'"shutdown_reason": "crash"'* ]]
	run xl pause lc1
	[ "$status" -eq 1 ]
	[[ "$output" == *"not running"* ]]
	run xl destroy lc1
	[ "$status" -eq 0 ]
	nothing_left
}

@test "on_crash=destroy removes the crashed domain" {
	require_kvm
	xl create "$T/lc.cfg"
	wait_for 5 console_has lc1 "xenon> "
	guest_cmd lc1 crash
	wait_for 5 nothing_left
	grep -q "crashed" "$XENON_LOGDIR/xl-lc1.log"
}

@test "destroy ends xenon-hv and the monitor and removes every node" {
	require_kvm
	xl create "$T/lc.cfg"
	hv=$(xenstore-read /libxl/1/hv-pid)
	mon=$(xenstore-read /libxl/1/monitor-pid)
	kill -0 "$hv"
	kill -0 "$mon"
	run xl destroy 1
	[ "$status" -eq 0 ]
	pid_gone "$hv"
	pid_gone "$mon"
	nothing_left
	run xl destroy lc1
	[ "$status" -eq 1 ]
	[[ "$output" == *"domain 'lc1' does not exist"* ]]
}

@test "the monitor and xenon-hv keep none of xl create's descriptors but stdio" {
	# a caller's pipe held for the domain's life would keep the caller
	# (a script's $(...), sshd, a test runner) waiting for its EOF
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/lc.cfg" 7> "$T/held"
	hv=$(xenstore-read /libxl/1/hv-pid)
	mon=$(xenstore-read /libxl/1/monitor-pid)
	[ -z "$(find "/proc/$mon/fd" "/proc/$hv/fd" -lname "$T/held")" ]
	# stdio they do hold until the domain is up, then the log's
	[ -n "$(find "/proc/$mon/fd" -lname "$XENON_LOGDIR/xl-lc1.log")" ]
	xl destroy lc1
	nothing_left
}

@test "domid, domname and rename" {
	require_kvm
	xl create "$T/lc.cfg"
	[ "$(xl domid lc1)" = 1 ]
	[ "$(xl domname 1)" = lc1 ]
	run xl rename lc1 web.01
	[ "$status" -eq 0 ]
	[ "$(xl domname 1)" = web.01 ]
	[ "$(xenstore-read "$(xenstore-read /local/domain/1/vm)/name")" = web.01 ]
	run xl rename web.01 "not valid"
	[ "$status" -eq 1 ]
	run xl rename web.01 Domain-0
	[ "$status" -eq 1 ]
	[[ "$output" == *"already in use"* ]]
	run xl domid nosuch
	[ "$status" -eq 1 ]
	run xl domname 77
	[ "$status" -eq 1 ]
	xl destroy web.01
	nothing_left
}

@test "two domains get increasing domids; a name is used once" {
	require_kvm
	xl create "$T/lc.cfg"
	run xl create "$T/lc.cfg"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'lc1' is already in use by domain 1"* ]]
	xl create "$T/lc.cfg" 'name="lc2"'
	[ "$(xl domid lc2)" = 2 ]
	xl destroy lc1
	xl create "$T/lc.cfg" 'name="lc3"'
	[ "$(xl domid lc3)" = 3 ]
	run xl list
	[ "${#lines[@]}" -eq 4 ]
	xl destroy lc2
	xl destroy lc3
	nothing_left
}

@test "list -l prints the configuration and the live state as JSON" {
	require_kvm
	xl create "$T/lc.cfg"
	run xl list -l
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "[" ]]
	[[ "$output" == *'"domid": 1'* ]]
	[[ "$output" == *'"state": "running"'* || "$output" == *'"state": "blocked"'* ]]
	[[ "$output" == *'"cpu_time": '* ]]
	[[ "$output" == *'"c_info": {'* ]]
	[[ "$output" == *'"name": "lc1"'* ]]
	[[ "$output" == *'"max_memkb": 32768'* ]]
	xl destroy lc1
}

@test "a bad kernel path fails and leaves nothing behind" {
	run xl create "$T/lc.cfg" 'kernel="/nonexistent/kernel.elf"'
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/kernel.elf"* ]]
	nothing_left
	[ ! -e "$XENON_LOGDIR/xl-lc1.log" ]
}

@test "xenon-hv failing to start leaves nothing behind but its log, which xl names" {
	run xl create "$T/lc.cfg" memory=1
	[ "$status" -eq 1 ]
	[[ "$output" == *"xenon-hv"*"exited with status 1"* ]]
	[[ "$output" == *"too little memory"* ]]
	[[ "$output" == *"the domain did not start: see $XENON_LOGDIR/xenon-hv-lc1.log"* ]]
	nothing_left
	[ ! -e "$XENON_LOGDIR/xl-lc1.log" ]
	grep -q "too little memory" "$XENON_LOGDIR/xenon-hv-lc1.log"
	rm "$XENON_LOGDIR/xenon-hv-lc1.log"
	XENON_HV=$T/no-such-hv run xl create "$T/lc.cfg"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot run $T/no-such-hv"* ]]
	nothing_left
}

@test "without xenstored, commands say where they looked" {
	kill_pid "$XS_PID"
	XS_PID=
	run xl list
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot connect to xenstored at $XENSTORED_PATH"* ]]
	run xl create "$T/lc.cfg"
	[ "$status" -eq 1 ]
	[ ! -e "$XENON_LOGDIR/xl-lc1.log" ]
	not hv_running_here
}

@test "create -e: no on_* handling, the ended domain stays shut down" {
	require_kvm
	xl create -e "$T/lc.cfg"
	wait_for 5 console_has lc1 "xenon> "
	guest_cmd lc1 poweroff
	wait_for 5 state_is lc1 ---s--
	xl destroy lc1
	nothing_left
}

@test "info reports the host and the KVM platform; uptime lists domains" {
	require_kvm
	run xl info
	[ "$status" -eq 0 ]
	[[ "$output" == *"nr_cpus                : $(nproc)"* ]]
	[[ "$output" =~ kvm_platform\ +:\ (pvm|vtx) ]]
	[[ "$output" == *"total_memory           : "* ]]
	[[ "$output" == *"xen_version            : "* ]]
	xl create "$T/lc.cfg"
	run xl uptime
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^Name\ +ID\ Uptime$ ]]
	[[ "${lines[1]}" == Domain-0* ]]
	[[ "${lines[2]}" =~ ^lc1\ +1\ +\ ?0:00:0[0-9]$ ]]
	xl destroy lc1
}

@test "shutdown -a and a guest that acts on control/shutdown" {
	require_kvm
	xl create "$T/lc.cfg"
	xl create "$T/lc.cfg" 'name="lc2"'
	wait_for 5 console_has lc1 "xenon> "
	wait_for 5 console_has lc2 "xenon> "
	run xl shutdown -a -w
	echo "$output"
	[ "$status" -eq 0 ]
	nothing_left
}

@test "a guest cannot read /local/domain/0 or another domain's nodes" {
	require_kvm
	xl create "$T/lc.cfg"
	xl create "$T/lc.cfg" 'name="lc2"'
	# the guest's xenstore channel works: it advertises feature-poweroff
	wait_for 10 feature_poweroff 1
	guest_cmd lc1 "xs-read /local/domain/1/name"
	wait_for 5 console_has lc1 "^lc1"
	guest_cmd lc1 "xs-read /local/domain/0/name"
	guest_cmd lc1 "xs-read /local/domain/2/name"
	guest_cmd lc1 "xs-read /libxl/1/config"
	guest_cmd lc1 "echo done-reading"
	wait_for 5 console_has lc1 "^done-reading"
	run console_text lc1
	[[ "$output" != *"Domain-0"* ]]
	[[ "$output" != *$'\n'lc2* ]]
	[[ "$output" == *EACCES* ]]
	xl destroy lc1
	xl destroy lc2
	nothing_left
}

@test "shutdown asks through control/shutdown when the guest advertises feature-poweroff" {
	require_kvm
	xl create "$T/lc.cfg"
	# the guest's xenstore channel works: it advertises feature-poweroff
	wait_for 10 feature_poweroff 1
	# paused, the guest cannot act yet: the request waits in xenstore
	xl pause lc1
	run xl shutdown lc1
	[ "$status" -eq 0 ]
	[ "$(xenstore-read /local/domain/1/control/shutdown)" = poweroff ]
	state_is lc1 --p---
	xl unpause lc1
	wait_for 5 nothing_left
}

@test "console of a domain that is not running says so" {
	require_kvm
	xl create "$T/lc.cfg" 'on_poweroff="preserve"'
	wait_for 5 console_has lc1 "xenon> "
	guest_cmd lc1 poweroff
	wait_for 5 state_is lc1 ---s--
	run xl console lc1 < /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"not running"* ]]
	run xl shutdown lc1
	[ "$status" -eq 1 ]
	[[ "$output" == *"not running"* ]]
	xl destroy lc1
	nothing_left
}

@test "concurrent creates get distinct domids and all run" {
	require_kvm
	xl create "$T/lc.cfg" 'name="c1"' 3>&- &
	p1=$!
	xl create "$T/lc.cfg" 'name="c2"' 3>&- &
	p2=$!
	xl create "$T/lc.cfg" 'name="c3"' 3>&- &
	p3=$!
	wait "$p1"
	wait "$p2"
	wait "$p3"
	ids=$(for n in c1 c2 c3; do xl domid "$n"; done | sort -n | tr '\n' ' ')
	[ "$ids" = "1 2 3 " ]
	for n in c1 c2 c3; do wait_for 5 console_has "$n" "xenon-guest"; done
	for n in c1 c2 c3; do xl destroy "$n"; done
	nothing_left
}

# The UUID domain $1 (a domid) has, by every place that names it; fails
# when they disagree.
uuid_of() {
	local u vm
	u=$(xenstore-read "/libxl/$1/uuid")
	vm=$(xenstore-read "/local/domain/$1/vm")
	[ "$vm" = "/vm/$u" ]
	[ "$(xenstore-read "$vm/uuid")" = "$u" ]
	xl vm-list | grep -Eq "^$u +$1 "
	xl list -l "$1" | grep -q "\"uuid\": \"$u\""
	echo "$u"
}

@test "on_reboot=rename-restart keeps the old domain under another name and a new UUID, as Xen" {
	require_kvm
	cfg_uuid=3f2a6c1e-8d4b-4e7a-9c25-0b1d2e3f4a5b
	# a long command line: the stored JSON takes several nodes (config-1...)
	pad=$(printf 'p%.0s' $(seq 1600))
	xl create "$T/lc.cfg" 'on_reboot="rename-restart"' "uuid=\"$cfg_uuid\"" "extra=\"pad=$pad\""
	xenstore-exists /libxl/1/config-1
	[ "$(uuid_of 1)" = "$cfg_uuid" ]
	wait_for 5 console_has lc1 "xenon> "
	guest_cmd lc1 reboot
	wait_for 5 domid_is lc1 2
	# Xen's name: <name>-<UTC date>T<hour><minute>Z
	old=$(xl domname 1)
	[[ "$old" =~ ^lc1-20[0-9]{6}T[0-9]{4}Z$ ]]
	state_is "$old" ---sr-
	# Xen's UUIDs: the kept domain a new one, the restarted the config's
	kept=$(uuid_of 1)
	[ "$kept" != "$cfg_uuid" ]
	[ "$(uuid_of 2)" = "$cfg_uuid" ]
	xl list -l 1 | grep -q "pad=$pad"
	[ "$(xenstore-read "/vm/$kept/name")" = "$old" ]
	[ "$(xenstore-read "/vm/$cfg_uuid/name")" = lc1 ]
	# /vm/<uuid> moved with its permissions (owner dom0, readable by the domain)
	[ "$(xenstore-ls -p "/vm/$kept" | grep -c '(n0,r1)')" -ge 3 ]
	[ "$(xenstore-list /vm | sort)" = "$(printf '%s\n' "$kept" "$cfg_uuid" | sort)" ]
	# a second one in the same minute gets its domid added
	wait_for 5 console_has lc1 "xenon> "
	guest_cmd lc1 reboot
	wait_for 5 domid_is lc1 3
	[[ "$(xl domname 2)" =~ ^lc1-20[0-9]{6}T[0-9]{4}Z(-2)?$ ]]
	[ "$(xl domname 2)" != "$old" ]
	kept2=$(uuid_of 2)
	[ "$kept2" != "$cfg_uuid" ]
	[ "$kept2" != "$kept" ]
	[ "$(uuid_of 3)" = "$cfg_uuid" ]
	[ "$(uuid_of 1)" = "$kept" ]
	xl destroy 1
	xl destroy 2
	xl destroy lc1
	nothing_left
}

@test "create introduces the domain and destroy releases it (@introduceDomain, @releaseDomain)" {
	require_kvm
	# the first event of a watch is its registration; the second the real one
	xenstore-watch -n 2 @introduceDomain > "$T/intro" 3>&- &
	w1=$!
	xenstore-watch -n 2 @releaseDomain > "$T/release" 3>&- &
	w2=$!
	WATCH_PIDS="$w1 $w2"
	wait_for 5 test -s "$T/intro"
	wait_for 5 test -s "$T/release"
	xl create "$T/lc.cfg"
	wait "$w1"
	[ "$(wc -l < "$T/intro")" -eq 2 ]
	[ ! -s "$T/release" ] || [ "$(wc -l < "$T/release")" -eq 1 ]
	xl destroy lc1
	wait "$w2"
	[ "$(wc -l < "$T/release")" -eq 2 ]
	nothing_left
}

@test "a domain whose monitor and xenon-hv were killed shows as crashed and dying (---scd); destroy removes it" {
	require_kvm
	xl create "$T/lc.cfg"
	hv=$(xenstore-read /libxl/1/hv-pid)
	mon=$(xenstore-read /libxl/1/monitor-pid)
	kill -9 "$mon"
	kill_pid "$hv"
	wait_for 5 state_is lc1 "---scd"
	run xl list -l lc1
	[[ "$output" == *"xenon-hv (pid $hv) is gone and so is its monitor (pid $mon)"* ]]
	xl destroy lc1
	nothing_left
}

@test "create -F is the monitor in the foreground and returns when the domain has gone" {
	require_kvm
	xl create -F "$T/lc.cfg" > "$T/fg.out" 2>&1 3>&- &
	fg=$!
	WATCH_PIDS=$fg
	wait_for 5 console_has lc1 "xenon> "
	[ "$(xenstore-read /libxl/1/monitor-pid)" = "$fg" ]
	xl shutdown lc1
	wait "$fg"
	grep -q "Waiting for domain lc1 (domid 1) to die" "$T/fg.out"
	grep -q "powered off" "$T/fg.out"
	nothing_left
}

@test "create -c attaches the console; ^] detaches and the domain keeps running" {
	require_kvm
	# the console shows what the guest prints; we type once the guest's
	# prompt is there and leave with ^] (0x1d) once it has answered
	mkfifo "$T/con.in"
	xl create -c "$T/lc.cfg" < "$T/con.in" > "$T/con.out" 2>&1 3>&- &
	CON_PID=$!
	exec {CON_IN}> "$T/con.in"
	wait_for 10 grep -q 'xenon> ' "$T/con.out"
	printf 'echo attached-ok\r' >&"$CON_IN"
	wait_for 10 grep -q '^attached-ok' "$T/con.out"
	printf '\035' >&"$CON_IN"
	status=0
	wait "$CON_PID" || status=$?
	CON_PID=
	exec {CON_IN}>&-
	CON_IN=
	[ "$status" -eq 0 ]
	grep -q "xenon-guest.*1 vCPUs, 32 MiB" "$T/con.out" || { od -c "$T/con.out" | head -20; false; }
	[[ "$(state_of lc1)" == @(r-|-b)---- ]]
	xl destroy lc1
	nothing_left
}

@test "list -v adds the UUID and reason code; unknown domains are errors" {
	require_kvm
	xl create "$T/lc.cfg"
	uuid=$(xenstore-read /libxl/1/uuid)
	run xl list -v lc1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"UUID"*"Reason-Code"* ]]
	[[ "${lines[1]}" =~ ^lc1\ +1\ .*\ $uuid\ +-\  ]]
	run xl list lc1 nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"domain 'nosuch' does not exist"* ]]
	xl destroy lc1
}

@test "two renames to the same name at once: exactly one wins, every round" {
	require_kvm
	xl create "$T/lc.cfg"
	xl create "$T/lc.cfg" 'name="lc2"'
	local round a b ra rb
	for round in $(seq 12); do
		# both wait spinning on the same go file, so they start together
		(until [ -e "$T/go$round" ]; do :; done; exec xl rename lc1 "race$round") & a=$!
		(until [ -e "$T/go$round" ]; do :; done; exec xl rename lc2 "race$round") & b=$!
		WATCH_PIDS="$a $b" # teardown ends them if the test stops here
		touch "$T/go$round"
		ra=0 rb=0
		wait "$a" || ra=$?
		wait "$b" || rb=$?
		# one rename succeeded, the other was refused: the name is taken
		[ $((ra == 0)) -ne $((rb == 0)) ]
		[ "$(xl list | grep -c "^race$round ")" -eq 1 ]
		# put the winner's name back for the next round
		if [ "$ra" -eq 0 ]; then xl rename "race$round" lc1; else xl rename "race$round" lc2; fi
	done
}
