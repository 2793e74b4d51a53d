#!/usr/bin/env bats
# vCPUs as their threads run them (issue 14): xl vcpu-list (Xen's columns),
# xl vcpu-pin and cpus= / cpus_soft= at create, shown in the threads' own
# /proc/<pid>/task/<tid>/status Cpus_allowed_list. With tests/fake-hv (one
# sleeping thread per vCPU) on any host with two CPUs or more; with the real
# xenon-hv and the guest (which starts its second vCPU itself, after the
# pinning) where KVM is (tests/nested-kvm tests/xl-vcpu.bats).

load helpers

setup() {
	xl_env_start
	KERNEL=$XENON_TOP/guest/xenon-guest.elf
	cat > "$T/f.cfg" <<-EOF2
		name = "f1"
		kernel = "$KERNEL"
		memory = 32
		vcpus = 2
	EOF2
	NCPUS=$(getconf _NPROCESSORS_CONF)
}

local_teardown() {
	xl_env_stop
}

fake() { export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv; }

need_cpus() {
	[ "$NCPUS" -ge "$1" ] || skip "needs $1 host CPUs, this host has $NCPUS"
}

# The thread id of vCPU $2 of domain $1, as its xenon-hv names it.
tid_of() {
	hvctl "$XENON_RUNDIR/domains/$1.sock" vcpus | awk -v v="$2" '$1 == "vcpu" && $2 == v":" { print $4 }'
}

# The CPUs the thread of vCPU $2 of domain $1 may run on.
allowed() {
	local hv tid
	hv=$(xenstore-read "/libxl/$1/hv-pid")
	tid=$(tid_of "$1" "$2")
	[ -n "$tid" ] && [ "$tid" != 0 ] || return 1
	awk '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$hv/task/$tid/status"
}

allowed_is() { [ "$(allowed "$1" "$2")" = "$3" ]; }

# The affinity column of vCPU $2 of domain $1 in xl vcpu-list.
affinity_of() {
	xl vcpu-list "$1" | awk -v v="$2" 'NR > 1 && $3 == v { sub(/.*  /, ""); print }'
}

@test "vcpu-list prints Xen's columns: one line per vCPU, online, blocked, affinity all / all" {
	fake
	xl create "$T/f.cfg"
	run xl vcpu-list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)" ]
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[1]} =~ ^f1\ +1\ +0\ +[0-9]+\ +-b-\ +0\.0\ \ all\ /\ all$ ]]
	[[ ${lines[2]} =~ ^f1\ +1\ +1\ +[0-9]+\ +-b-\ +0\.0\ \ all\ /\ all$ ]]
	run xl vcpu-list f1 Domain-0
	[ "$status" -eq 1 ]
	[[ $output == *"Domain-0 is the host"* ]]
	run xl vcpu-list nosuch
	[ "$status" -eq 1 ]
}

@test "cpus= at create pins every vCPU thread (a string for all, a list one by one, ^ exclusions)" {
	fake
	need_cpus 2
	xl create "$T/f.cfg" 'cpus="0-1,^0"'
	allowed_is 1 0 1
	allowed_is 1 1 1
	[ "$(affinity_of f1 0)" = "1 / all" ]
	xl destroy f1
	xl create "$T/f.cfg" 'cpus=["0", "1"]' 'cpus_soft="all"'
	allowed_is 2 0 0
	allowed_is 2 1 1
	[ "$(affinity_of f1 1)" = "1 / all" ]
}

@test "cpus=\"node:0\" pins to the CPUs of NUMA node 0" {
	fake
	[ -r /sys/devices/system/node/node0/cpulist ] || skip "this host shows no NUMA node in sysfs"
	xl create "$T/f.cfg" 'cpus="node:0"'
	allowed_is 1 0 "$(cat /sys/devices/system/node/node0/cpulist)"
}

@test "list -n: Xen's NODE Affinity column, the nodes of the CPUs the vCPUs may run on" {
	fake
	xl create "$T/f.cfg"
	run xl list -n
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'Name%42s   Mem VCPUs\tState\tTime(s) NODE Affinity' ID)" ]
	[[ ${lines[1]} == "Domain-0 "*" all" ]]
	[[ ${lines[2]} == "f1 "*" all" ]]
	# pinned to node 0's CPUs: node 0 alone where the host has more nodes (all on one)
	if [ ! -r /sys/devices/system/node/node0/cpulist ]; then
		echo "# this host shows no NUMA node in sysfs: no node:0 pinning" >&3
		return 0
	fi
	xl vcpu-pin f1 all node:0
	nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)
	want=0
	[ "$nodes" -gt 1 ] || want=all
	echo "# $nodes NUMA node(s): node:0 is \"$want\"" >&3
	[[ $(xl list -n f1 | tail -n 1) == "f1 "*" $want" ]]
}

@test "vcpu-pin: one vCPU or all, hard and soft (the thread gets hard ∩ soft), - keeps one" {
	fake
	need_cpus 2
	xl create "$T/f.cfg"
	xl vcpu-pin f1 0 0
	allowed_is 1 0 0
	allowed_is 1 1 "0-$((NCPUS - 1))"
	xl vcpu-pin f1 all 1
	allowed_is 1 0 1
	allowed_is 1 1 1
	xl vcpu-pin f1 1 all 0
	allowed_is 1 1 0
	[ "$(affinity_of f1 1)" = "all / 0" ]
	# soft sharing no CPU with hard: hard alone
	xl vcpu-pin f1 1 1 -
	allowed_is 1 1 1
	[ "$(affinity_of f1 1)" = "1 / 0" ]
	xl vcpu-pin --force f1 1 - all
	allowed_is 1 1 1
	[ "$(affinity_of f1 1)" = "1 / all" ]
}

@test "vcpu-pin refuses a CPU the host lacks, no CPU, a vCPU out of range, and changes nothing" {
	fake
	need_cpus 2
	xl create "$T/f.cfg" 'cpus="1"'
	run xl vcpu-pin f1 0 "$NCPUS"
	[ "$status" -eq 1 ]
	[[ $output == *"names CPU $NCPUS, which this host does not have"* ]]
	run xl vcpu-pin f1 all "0-1,^0,^1"
	[ "$status" -eq 1 ]
	[[ $output == *"names no CPU"* ]]
	run xl vcpu-pin f1 2 0
	[ "$status" -eq 1 ]
	[[ $output == *"there is no vCPU 2"* ]]
	run xl vcpu-pin f1 x 0
	[ "$status" -eq 1 ]
	run xl vcpu-pin f1 0 "9999999"
	[ "$status" -eq 1 ]
	run xl vcpu-pin Domain-0 0 0
	[ "$status" -eq 1 ]
	allowed_is 1 0 1
	allowed_is 1 1 1
	[ "$(affinity_of f1 0)" = "1 / all" ]
}

@test "a create whose cpus= names a CPU the host lacks fails, leaving nothing" {
	fake
	run xl create "$T/f.cfg" "cpus=\"$NCPUS\""
	[ "$status" -eq 1 ]
	[[ $output == *"names CPU $NCPUS, which this host does not have"* ]]
	nothing_left
}

@test "a xenon-hv naming a thread not its own is refused (FAKE_HV_FOREIGN_TID)" {
	fake
	FAKE_HV_FOREIGN_TID=1 xl create "$T/f.cfg"
	run xl vcpu-list f1
	[ "$status" -eq 1 ]
	[[ $output == *"which is not one of its own"* ]]
}

@test "real xenon-hv: cpus= pins the vCPU threads, the second one too when the guest starts it; vcpu-pin moves them" {
	require_kvm
	need_cpus 2
	xl create "$T/f.cfg" 'cpus=["1", "0"]'
	wait_for 20 console_has f1 "2 vCPUs"
	wait_for 20 allowed_is 1 1 0
	allowed_is 1 0 1
	xl vcpu-pin f1 all 1
	allowed_is 1 0 1
	allowed_is 1 1 1
	# A halted vCPU's thread moves to CPU 1 at once (xenon-hv wakes it; vCPU 1 has no timer that
	# would), as Xen moves a blocked vCPU: the CPU column follows, also on a loaded host.
	wait_for 10 eval '[[ $(xl vcpu-list f1 | sed -n 2p) =~ ^f1\ +1\ +0\ +1\ +.*\ \ 1\ /\ all$ ]]'
	wait_for 10 eval '[[ $(xl vcpu-list f1 | sed -n 3p) =~ ^f1\ +1\ +1\ +1\ +.*\ \ 1\ /\ all$ ]]'
	xl destroy f1
	nothing_left
}

# cpu/<n>/availability of domain $1 (a domid), vCPUs 0 to $2 - 1, as one line.
availability() {
	local i out=
	for ((i = 0; i < $2; i++)); do out+="$(xenstore-read "/local/domain/$1/cpu/$i/availability") "; done
	echo "${out% }"
}

availability_is() { [ "$(availability "$1" "$2")" = "$3" ]; }

# The State column of vCPU $2 of domain $1 in xl vcpu-list, and its CPU column.
vcpu_state() { xl vcpu-list "$1" | awk -v v="$2" 'NR > 1 && $3 == v { print $4, $5 }'; }

vcpu_offline() { [ "$(vcpu_state "$1" "$2")" = "- --p" ]; }

vcpu_online() { [[ $(vcpu_state "$1" "$2") =~ ^[0-9]+\ [r-][b-]-$ ]]; }

@test "maxvcpus above vcpus: vcpu-set writes cpu/<n>/availability and the stored configuration; bad counts change nothing" {
	fake
	xl create "$T/f.cfg" 'vcpus=1' 'maxvcpus=3'
	availability_is 1 3 "online offline offline"
	xl vcpu-set f1 3
	availability_is 1 3 "online online online"
	xl vcpu-set f1 2
	availability_is 1 3 "online online offline"
	xl list -l f1 | tr -d ' \t\n' | grep -qF '"avail_vcpus":[0,1]'
	run xl vcpu-set f1 4
	[ "$status" -eq 1 ]
	[[ $output == *"built with maxvcpus=3: vCPU 3 cannot be brought online"* ]]
	for n in 0 -1 x 2x ""; do
		run xl vcpu-set f1 "$n"
		[ "$status" -eq 1 ]
		[[ $output == *"is not a vCPU count"* ]]
	done
	run xl vcpu-set Domain-0 1
	[ "$status" -eq 1 ]
	run xl vcpu-set nosuch 1
	[ "$status" -eq 1 ]
	availability_is 1 3 "online online offline"
	run xl save f1 "$T/f1.save"
	[ "$status" -eq 1 ]
	[[ $output == *"has 2 of its 3 vCPUs online, and a saved stream cannot carry offline vCPUs yet"* ]]
	[ "$(state_of f1)" = "-b----" ] || [ "$(state_of f1)" = "r-----" ]
	run xl create "$T/f.cfg" 'name="f2"' 'vcpus=3' 'maxvcpus=2'
	[ "$status" -eq 1 ]
	[[ $output == *"maxvcpus (2) is smaller than vcpus (3)"* ]]
}

@test "real guest: vcpu-set 2 -> 1 -> 2 with maxvcpus=3: the guest takes vCPUs down and up, cpus and vcpu-list agree" {
	require_kvm
	xl create "$T/f.cfg" 'maxvcpus=3'
	wait_for 30 console_has f1 "vCPU 2 is offline"
	wait_for 10 vcpu_offline f1 2
	vcpu_online f1 1
	xl vcpu-set f1 1
	wait_for 20 console_has f1 "vCPU 1 is offline"
	wait_for 10 vcpu_offline f1 1
	vcpu_online f1 0
	guest_cmd f1 cpus
	wait_for 10 console_has f1 "1 of 3 vCPUs online"
	xl vcpu-set f1 2
	wait_for 20 console_has f1 "vCPU 1 is online"
	wait_for 10 vcpu_online f1 1
	vcpu_offline f1 2
	guest_cmd f1 cpus
	wait_for 10 console_has f1 "cpu 1: online, apic id"
	console_has f1 "2 of 3 vCPUs online"
	run xl vcpu-set f1 4
	[ "$status" -eq 1 ]
	vcpu_offline f1 2
	xl destroy f1
	nothing_left
}
