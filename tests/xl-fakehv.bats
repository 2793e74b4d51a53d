#!/usr/bin/env bats
# xl's lifecycle where xenon-hv misbehaves or vanishes, on any host: the
# domains run tests/fake-hv/fake-hv as their xenon-hv (a real process with a
# console pty and a control socket that answers as xenon-hv does, no guest,
# no KVM), against a private xenstored that traces every message to
# $T/trace. Processes are ended by the pids this test started or libxl
# recorded for it.

load helpers

setup() {
	mk_tmp
	export XENSTORED_PATH=$T/xs.sock XENON_RUNDIR=$T/run XENON_LOGDIR=$T/log
	export XL_CONF=$T/xl.conf XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	printf 'lockfile = "%s"\n' "$T/xl.lock" > "$XL_CONF"
	xenstored -N -I -s "$XENSTORED_PATH" -T "$T/trace" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
	cat > "$T/f.cfg" <<-EOF
		name = "f1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
	EOF
}

# A process this test stopped is let go on before it is ended.
local_teardown() {
	local pid
	for pid in ${STOPPED_PIDS:-}; do kill -CONT "$pid" 2> /dev/null || true; done
	[ -z "${XS_PID:-}" ] || kill -CONT "$XS_PID" 2> /dev/null || true
	kill_pid "${OTHER_PID:-}"
	# what a failed destroy left in the domain's cgroup (only those: a pid gone is no longer ours)
	if [ -n "${CG_PATH:-}" ] && [ -f "$CG_PATH/cgroup.procs" ]; then
		for pid in $(cat "$CG_PATH/cgroup.procs"); do kill -9 "$pid" 2> /dev/null || true; done
	fi
	xl_env_stop
}

# The transaction ids of the trace's RM requests of path $1 (exactly that node).
rm_txs() {
	grep -F " RM req " "$T/trace" | grep -F "\"$1\\x00\"" | grep '^IN ' |
		sed -n 's/.* tx \([0-9]*\) .*/\1/p'
}

@test "destroy removes /local/domain/<id>, /vm/<uuid> and /libxl/<id> in one transaction" {
	xl create "$T/f.cfg"
	uuid=$(xenstore-read /libxl/1/uuid)
	xl destroy f1
	nothing_left
	local_tx=$(rm_txs /local/domain/1)
	vm_tx=$(rm_txs "/vm/$uuid")
	libxl_tx=$(rm_txs /libxl/1)
	[ -n "$local_tx" ]
	[ -n "$vm_tx" ]
	[ -n "$libxl_tx" ]
	# Never outside a transaction (tx 0), and one transaction held all three.
	[ -z "$(printf '%s\n' $local_tx $vm_tx $libxl_tx | grep -x 0)" ]
	common=$(comm -12 <(printf '%s\n' $local_tx | sort -u) <(printf '%s\n' $vm_tx | sort -u) |
		comm -12 - <(printf '%s\n' $libxl_tx | sort -u))
	[ -n "$common" ]
}

@test "destroy of a stopped xenon-hv ends in bounded time: it is killed and everything removed" {
	xl create "$T/f.cfg"
	hv=$(xenstore-read /libxl/1/hv-pid)
	kill -STOP "$hv"
	STOPPED_PIDS=$hv
	run timeout 120 xl destroy f1
	[ "$status" -eq 0 ]
	[[ "$output" == *"did not take the destroy request"* ]]
	wait_for 10 pid_gone "$hv"
	nothing_left
}

# The processes in domain $1's cgroup (its xenon-hv and what it started).
cgroup_pids() { cat "$CG_PATH/cgroup.procs"; }
all_gone() {
	local pid
	for pid in "$@"; do pid_gone "$pid" || return 1; done
}

# A taken-over xenon-hv (FAKE_HV_UNKILLABLE): its command line overwritten,
# DESTROY refused, SIGTERM ignored, a child left in its cgroup. $1: the
# xl.conf line of its PID namespace (with one, the child ends with it).
destroy_unkillable() {
	printf '%s\n' "$1" >> "$XL_CONF"
	FAKE_HV_UNKILLABLE=1 xl create "$T/f.cfg"
	hv=$(xenstore-read /libxl/1/hv-pid)
	CG_PATH=$(xenstore-read /libxl/1/cgroup)
	[ -n "$CG_PATH" ] || skip "no cgroup for the domain on this host"
	CG_PIDS=$(cgroup_pids)
	[ "$(echo $CG_PIDS | wc -w)" -ge 2 ] # xenon-hv and its child
	not grep -q -- --control "/proc/$hv/cmdline"
	run timeout 120 xl destroy f1
	[ "$status" -eq 0 ]
	[[ "$output" == *"did not take the destroy request"* ]]
	wait_for 10 all_gone $CG_PIDS
	nothing_left
	no_domain_cgroups
}

@test "destroy kills a xenon-hv that overwrote its command line and refuses to end, and all it left" {
	destroy_unkillable "sandbox.pid = 1"
}

@test "destroy kills what a xenon-hv without a PID namespace left in its cgroup" {
	destroy_unkillable "sandbox.pid = 0"
}

@test "create with a xenon-hv that never answers (FAKE_HV_MUTE) fails in bounded time, leaving nothing" {
	# Not `run`: a monitor stuck for ever would hold its output pipe open.
	status=0
	FAKE_HV_MUTE=1 timeout 120 xl create "$T/f.cfg" > "$T/create.out" 2>&1 || status=$?
	[ "$status" -eq 1 ]
	grep -q "did not answer\|timed out" "$T/create.out"
	nothing_left
}

@test "a xenon-hv that fails at start: xl create shows its message and where its log (kept) is" {
	printf '#!/bin/sh\necho "xenon-hv: cannot open /dev/kvm: test says no" >&2\nexit 1\n' > "$T/bad-hv"
	chmod +x "$T/bad-hv"
	XENON_HV=$T/bad-hv run timeout 60 xl create "$T/f.cfg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot open /dev/kvm: test says no"* ]]
	[[ $output == *"the domain did not start: see $T/log/xenon-hv-f1.log"* ]]
	grep -q "cannot open /dev/kvm: test says no" "$T/log/xenon-hv-f1.log"
	# the monitor's own log got nothing: it is not left behind
	[ ! -e "$T/log/xl-f1.log" ]
	nothing_left
}

@test "with a stopped xenon-hv, list, pause, console and shutdown return and say it does not answer" {
	xl create "$T/f.cfg"
	hv=$(xenstore-read /libxl/1/hv-pid)
	kill -STOP "$hv"
	STOPPED_PIDS=$hv
	run timeout 120 xl list
	[ "$status" -eq 0 ]
	[[ "$output" == *f1* ]]
	run timeout 120 xl list -l f1
	[ "$status" -eq 0 ]
	[[ "$output" == *"does not answer"* ]]
	for cmd in pause unpause shutdown console; do
		run timeout 120 xl $cmd f1 < /dev/null
		[ "$status" -eq 1 ]
		[[ "$output" == *"does not answer"* ]]
	done
	run timeout 120 xl destroy f1
	[ "$status" -eq 0 ]
	nothing_left
}

@test "with xenstored stopped, xl list gives up with a message instead of hanging" {
	kill -STOP "$XS_PID"
	run timeout 120 xl list
	kill -CONT "$XS_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"timed out"* ]]
}

state_is() { [ "$(state_of "$1")" = "$2" ]; }

@test "a domain whose xenon-hv and monitor were killed is ---scd (crashed, dying) with a status; destroy removes it" {
	xl create "$T/f.cfg"
	hv=$(xenstore-read /libxl/1/hv-pid)
	mon=$(xenstore-read /libxl/1/monitor-pid)
	kill -9 "$mon"
	wait_for 10 pid_gone "$mon"
	kill -9 "$hv"
	wait_for 10 pid_gone "$hv"
	# its control socket is still there: nobody removed it
	[ -S "$XENON_RUNDIR/domains/1.sock" ]
	wait_for 10 state_is f1 ---scd
	run xl list -l f1
	[ "$status" -eq 0 ]
	[[ "$output" == *'"state": "dying"'* ]]
	[[ "$output" == *'"shutdown_reason": "crash"'* ]]
	[[ "$output" == *"xenon-hv (pid $hv) is gone and so is its monitor (pid $mon)"* ]]
	run xl list -v
	[[ "$output" == *"---scd"* ]]
	# its node affinity cannot be told: "-", the host's line still "all"
	run xl list -n
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "Domain-0 "*" all" ]]
	[[ ${lines[2]} == "f1 "*"---scd "*" -" ]]
	run timeout 120 xl destroy f1
	[ "$status" -eq 0 ]
	nothing_left
}

@test "a running domain has no status in list -l; a pid that another process took is not taken for xenon-hv" {
	xl create "$T/f.cfg"
	run xl list -l f1
	[[ "$output" == *'"status": null'* ]]
	hv=$(xenstore-read /libxl/1/hv-pid)
	mon=$(xenstore-read /libxl/1/monitor-pid)
	kill -9 "$mon"
	wait_for 10 pid_gone "$mon"
	kill -9 "$hv"
	wait_for 10 pid_gone "$hv"
	# An unrelated process (this test's sleep) now has the recorded pids.
	sleep 1000 3>&- &
	OTHER_PID=$!
	xenstore-write /libxl/1/hv-pid "$OTHER_PID" /libxl/1/monitor-pid "$OTHER_PID"
	wait_for 10 state_is f1 ---s?-
	xenstore-write /libxl/1/monitor-pid "$mon"
	wait_for 10 state_is f1 ---scd
	run timeout 120 xl destroy f1
	[ "$status" -eq 0 ]
	# destroy did not kill it for xenon-hv
	kill -0 "$OTHER_PID"
	nothing_left
}

@test "xl.conf's run_dir, log_dir and xenon_hv are libxl's settings, over the environment" {
	mkdir "$T/bin"
	ln -s "$XENON_HV" "$T/bin/conf-hv"
	cat >> "$XL_CONF" <<-EOF
		run_dir = "$T/conf-run"
		log_dir = "$T/conf-log"
		xenon_hv = "$T/bin/conf-hv"
	EOF
	export XENON_HV=/nonexistent/xenon-hv
	xl create "$T/f.cfg"
	[ -S "$T/conf-run/domains/1.sock" ]
	[ ! -e "$T/run" ]
	[ -s "$T/conf-log/xl-f1.log" ]
	[ ! -e "$T/log" ]
	# the xenon-hv xl.conf names runs the domain
	tr '\0' ' ' < "/proc/$(xenstore-read /libxl/1/hv-pid)/cmdline" | grep -q -- "--control $T/conf-run/domains/1.sock"
	[ "$(readlink "/proc/$(xenstore-read /libxl/1/hv-pid)/exe")" = "$(readlink -f "$XENON_TOP/tests/fake-hv/fake-hv")" ]
	[ "$(xl list f1 | awk '$1 == "f1" { print $2 }')" = 1 ]
	xl destroy f1
	[ ! -e "$T/conf-run/domains/1.sock" ]
	nothing_left
}

@test "xl.conf: a relative run_dir or a zero device timeout is refused with the file and line" {
	printf 'run_dir = "run"\n' >> "$XL_CONF"
	run xl list
	[ "$status" -ne 0 ]
	[[ "$output" == *"$XL_CONF:2:"*"'run_dir' must be an absolute path, not \"run\""* ]]
	printf 'lockfile = "%s"\ndevice_timeout_ms = 0\n' "$T/xl.lock" > "$XL_CONF"
	run xl list
	[ "$status" -ne 0 ]
	[[ "$output" == *"$XL_CONF:2:"*"'device_timeout_ms' must be at least 1"* ]]
}

# The arguments libxl gave the domain's (fake) xenon-hv, one a line.
hv_args() {
	tr '\0' '\n' < "/proc/$(xenstore-read "/libxl/$(xl domid f1)/hv-pid")/cmdline"
}

# The ids of domain f1's (fake) xenon-hv in each PID namespace it is in, the host's first.
hv_nspid() { nspid_of "$(xenstore-read "/libxl/$(xl domid f1)/hv-pid")"; }

@test "sandbox: libxl gives xenon-hv uid and gid sandbox_uid_base + domid; xl.conf turns measures off with a warning" {
	xl create "$T/f.cfg"
	hv_args | grep -A1 -x -- --uid | tail -1 | grep -qx $((1879048192 + 1))
	hv_args | grep -A1 -x -- --gid | tail -1 | grep -qx $((1879048192 + 1))
	hv_args | not grep -q -- '--no-sandbox\|--uid-shared'
	# a PID namespace of its own, whose pid 1 it is; libxl keeps its host pid
	hv=$(xenstore-read /libxl/1/hv-pid)
	[ "$(hv_nspid)" = "$hv 1" ]
	[ "$(readlink "/proc/$hv/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
	xl list -l f1 | tr -d ' \n' | grep -q '"sandbox":{"measures":\["pid"\]'
	hvctl "$XENON_RUNDIR/domains/1.sock" info | grep -qx "pid: *$hv"
	# the VM keeper (xenon-hv(8) NOTES): outside that namespace, not libxl's
	# child, holding only its socket (fd 3 in xenon-hv); it ends with the domain
	keeper=$(xenstore-read /libxl/1/keeper-pid)
	hv_args | grep -A1 -x -- --keeper | tail -1 | grep -qx 3
	wait_for 10 grep -qx xenon-vm-keeper "/proc/$keeper/comm"
	[ "$(nspid_of "$keeper")" = "$keeper" ]
	[ "$(ls "/proc/$keeper/fd" | wc -l)" = 1 ]
	xl destroy f1
	wait_for 10 pid_gone "$keeper"
	printf 'sandbox_uid_base = 2000000\nsandbox.seccomp = 0\nsandbox.mount = 0\n' >> "$XL_CONF"
	run xl create "$T/f.cfg"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING: xenon-hv's sandbox is partly off (mount,seccomp)"* ]]
	hv_args | grep -A1 -x -- --uid | tail -1 | grep -qx $((2000000 + $(xl domid f1)))
	hv_args | grep -qx -- --no-sandbox=mount,seccomp
	[ "$(hv_nspid | wc -w)" = 2 ]
	xl destroy f1
	printf 'sandbox.pid = 0\n' >> "$XL_CONF"
	run xl create "$T/f.cfg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING: xenon-hv's sandbox is partly off (mount,seccomp,pid)"* ]]
	hv_args | grep -qx -- --no-sandbox=mount,seccomp,pid
	[ "$(hv_nspid)" = "$(xenstore-read "/libxl/$(xl domid f1)/hv-pid")" ]
	hv_args | not grep -qx -- --keeper
	not xenstore-read "/libxl/$(xl domid f1)/keeper-pid"
	xl list -l f1 | tr -d ' \n' | grep -q '"sandbox":{"measures":\[\]'
	xl destroy f1
	printf 'sandbox = 0\n' >> "$XL_CONF"
	xl create "$T/f.cfg"
	hv_args | grep -qx -- --no-sandbox=user,mount,ipc,rlimits,nnp,seccomp,pid
	xl destroy f1
	nothing_left
}

@test "sandbox: a shared user is looked up (uid, gid, --uid-shared); a missing one or root is a clear error" {
	printf 'sandbox_shared_user = "nobody"\n' >> "$XL_CONF"
	xl create "$T/f.cfg"
	hv_args | grep -A1 -x -- --uid | tail -1 | grep -qx "$(id -u nobody)"
	hv_args | grep -A1 -x -- --gid | tail -1 | grep -qx "$(id -g nobody)"
	hv_args | grep -qx -- --uid-shared
	xl destroy f1
	conf() { printf 'lockfile = "%s"\n%s\n' "$T/xl.lock" "$1" > "$XL_CONF"; }
	conf 'sandbox_shared_user = "xenon-no-such-user"'
	run xl create "$T/f.cfg"
	[ "$status" -ne 0 ]
	[[ "$output" == *'sandbox_shared_user "xenon-no-such-user": no such user: create it (useradd --system'* ]]
	conf 'sandbox_shared_user = "root"'
	run xl create "$T/f.cfg"
	[ "$status" -ne 0 ]
	[[ "$output" == *'sandbox_shared_user "root" is root'* ]]
	conf 'sandbox.chroot = 0'
	run xl create "$T/f.cfg"
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown 'sandbox.chroot'"* ]]
	nothing_left
}

@test "a xenon-hv killed by its seccomp filter: the monitor reports a crash naming the system call" {
	export FAKE_HV_SECCOMP=1
	xl create "$T/f.cfg" 'on_crash="preserve"'
	hv=$(xenstore-read /libxl/1/hv-pid)
	xl shutdown f1
	wait_for 10 pid_gone "$hv"
	wait_for 10 grep -q 'seccomp filter forbids' "$T/log/xl-f1.log"
	cat "$T/log/xl-f1.log"
	grep -q "domain 1 crashed: xenon-hv made a system call its seccomp filter forbids: the vCPU thread made a forbidden system call: socket (41)" "$T/log/xl-f1.log"
	wait_for 10 eval 'xl list -l f1 | grep -q "\"state\": \"crashed\""'
	xl destroy f1
	nothing_left
}

@test "a xenon-hv that answers garbage (taken over): shown crashed, every command returns with a message, destroy leaves nothing" {
	for mode in packet payload; do
		FAKE_HV_GARBAGE=$mode xl create "$T/f.cfg"
		id=$(xl domid f1)
		hv=$(xenstore-read "/libxl/$id/hv-pid")
		[ "$(state_of f1)" != "---sc-" ]
		kill -USR1 "$hv" # from now on its every reply is garbage of that kind
		wait_for 10 eval '[ "$(state_of f1)" = "---sc-" ]'
		run xl list -l f1
		[ "$status" -eq 0 ]
		[[ $output == *"xenon-hv (pid $hv) broke its control protocol"*"treated as crashed"* ]]
		[[ $output == *'"shutdown_reason": "crash"'* ]]
		run timeout 60 xentop -b -i 1
		[ "$status" -eq 0 ]
		[[ $(echo "$output" | awk '$1 == "f1" { print $2 }') == *c* ]]
		# Each returns on its own with a message; none dies of a signal or hangs.
		for cmd in "vcpu-list f1" "pause f1" "unpause f1" "mem-set f1 16" "vcpu-pin f1 0 0"; do
			run timeout 60 xl $cmd < /dev/null
			echo "$mode: xl $cmd: $status: $output"
			[ "$status" -eq 1 ]
			[[ $output == *"Protocol error"* ]]
		done
		run timeout 120 xl destroy f1
		[ "$status" -eq 0 ]
		wait_for 10 pid_gone "$hv"
		nothing_left
	done
}

@test "a control socket held by another process than the recorded xenon-hv is refused" {
	xl create "$T/f.cfg"
	hv=$(xenstore-read /libxl/1/hv-pid)
	sleep 1000 3>&- &
	OTHER_PID=$!
	xenstore-write /libxl/1/hv-pid "$OTHER_PID"
	run timeout 60 xl pause f1
	[ "$status" -eq 1 ]
	[[ $output == *"domain 1: its control socket is held by pid $hv, not by its xenon-hv (pid $OTHER_PID): refused"* ]]
	# xentop's statistics too (a connection of its own): none from that socket, so
	# not shown running or blocked (the other process's answers would say so)
	run timeout 60 xentop -b -i 1
	[ "$status" -eq 0 ]
	state=$(awk '$1 == "f1" { print $2 }' <<< "$output")
	[ -n "$state" ]
	[[ $state != *r* && $state != *b* ]]
	xenstore-write /libxl/1/hv-pid "$hv"
	xl pause f1
	[ "$(state_of f1)" = "--p---" ]
	xl destroy f1
	nothing_left
}
