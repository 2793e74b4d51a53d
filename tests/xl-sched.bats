#!/usr/bin/env bats
# CPU weight and cap (issue 14): each domain's xenon-hv in a cgroup of its
# own, under this test's parent ($XENON_CGROUP_PARENT, see helpers.bash),
# with cpu_weight= / cap= at create and xl sched-credit / sched-credit2 at run
# time. The domains run tests/fake-hv/fake-hv (no KVM needed). cgroup v1
# (cpu.shares, cpu.cfs_quota_us) runs where the host has a v1 cpu hierarchy
# (this project's hosts); cgroup v2 (cpu.weight, cpu.max) where cgroup v2 can
# have the cpu controller: the host's, or one this test mounts when the host
# has no cgroups at all (the nested machine of tests/nested-kvm).

load helpers

setup() {
	fakehv_env_start 2
}

local_teardown() {
	xl_env_stop
	if [ -n "${CONF_PARENT:-}" ] && [ -d "$CG/$CONF_PARENT" ]; then
		rmdir "$CG/$CONF_PARENT"/dom* "$CG/$CONF_PARENT" 2> /dev/null || echo "# cgroup $CG/$CONF_PARENT left" >&2
	fi
	cg_cleanup
	if [ -n "${CG2_MOUNT:-}" ]; then
		umount "$CG2_MOUNT" || echo "# cannot unmount $CG2_MOUNT" >&2
	fi
}

# The mount of the cgroup v1 hierarchy with the cpu controller ("" if none).
v1_cpu_mount() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") break
	       if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)cpu(,|$)/) { print $5; exit } }' /proc/self/mountinfo
}

v2_mount() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") break
	       if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}

require_v1() {
	CG=$(v1_cpu_mount)
	[ -n "$CG" ] || skip "this host has no cgroup v1 hierarchy with the cpu controller (v2 is tested instead)"
}

# A cgroup v2 with the cpu controller: the host's, or one mounted here when
# the host has no cgroup mounted at all; else the reason for the skip.
require_v2() {
	local m v1
	v1=$(v1_cpu_mount)
	m=$(v2_mount)
	if [ -n "$v1" ]; then
		skip "cgroup v2 cannot have the cpu controller here: the host binds it to its cgroup v1 hierarchy at $v1 (the v2 case runs in tests/nested-kvm tests/xl-sched.bats)"
	fi
	if [ -z "$m" ]; then
		mkdir "$T/cg2"
		mount -t cgroup2 none "$T/cg2" || skip "cannot mount cgroup v2 on $T/cg2"
		CG2_MOUNT=$T/cg2
		m=$T/cg2
	fi
	grep -qw cpu "$m/cgroup.controllers" || skip "cgroup v2 at $m offers no cpu controller"
	CG=$m
}

# The domain's cgroup directory, as libxl recorded it (and where it must be).
dom_cg() {
	local path
	path=$(xenstore-read "/libxl/$1/cgroup")
	[ "$path" = "$CG/$XENON_CGROUP_PARENT/dom$1" ] || { echo "cgroup $path, expected $CG/$XENON_CGROUP_PARENT/dom$1" >&2; return 1; }
	echo "$path"
}

@test "v1: create with cpu_weight and cap puts xenon-hv in its own cgroup with cpu.shares and a CFS quota" {
	require_v1
	xl create "$T/f.cfg" 'cpu_weight=512' 'cap=150'
	cg=$(dom_cg 1)
	hv=$(xenstore-read /libxl/1/hv-pid)
	[ "$(cat "$cg/cgroup.procs")" = "$hv" ]
	[ "$(cat "$cg/cpu.shares")" = 2048 ]
	[ "$(cat "$cg/cpu.cfs_period_us")" = 100000 ]
	[ "$(cat "$cg/cpu.cfs_quota_us")" = 150000 ]
	run xl sched-credit
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Cpupool Pool-0: [sched params unavailable]" ] || [[ ${lines[0]} == "Cpupool Pool-0: tslice="* ]]
	[ "${lines[1]}" = "Name                                ID Weight  Cap" ]
	[ "${lines[2]}" = "f1                                    1    512  150" ]
	run xl sched-credit2 -d f1
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "f1                                    1    512  150" ]
}

@test "v1: a domain without cpu_weight or cap has its cgroup at Xen's defaults (256, no cap)" {
	require_v1
	xl create "$T/f.cfg"
	cg=$(dom_cg 1)
	[ "$(cat "$cg/cpu.shares")" = 1024 ]
	[ "$(cat "$cg/cpu.cfs_quota_us")" = -1 ]
	run xl sched-credit -d 1
	[ "${lines[1]}" = "f1                                    1    256    0" ]
}

@test "v1: sched-credit -w/-c and sched-credit2 -w change the running domain's cgroup" {
	require_v1
	xl create "$T/f.cfg"
	cg=$(dom_cg 1)
	xl sched-credit -d f1 -w 100 -c 50
	[ "$(cat "$cg/cpu.shares")" = 400 ]
	[ "$(cat "$cg/cpu.cfs_quota_us")" = 50000 ]
	xl sched-credit2 -d f1 -w 65535
	[ "$(cat "$cg/cpu.shares")" = 262140 ]
	[ "$(cat "$cg/cpu.cfs_quota_us")" = 50000 ]
	xl sched-credit --domain=f1 --cap=0
	[ "$(cat "$cg/cpu.cfs_quota_us")" = -1 ]
	run xl sched-credit -d f1
	[ "${lines[1]}" = "f1                                    1  65535    0" ]
}

@test "v1: bad weights and caps are clear errors and change nothing" {
	require_v1
	xl create "$T/f.cfg" 'cpu_weight=300' 'cap=20'
	cg=$(dom_cg 1)
	for args in "-w 0" "-w 65536" "-w x" "-c 201" "-c -1" "-w 300 -c 250"; do
		run xl sched-credit -d f1 $args
		[ "$status" -eq 1 ]
		[[ $output == *"out of range"* || $output == *"takes a number"* ]]
	done
	run xl sched-credit -w 5
	[ "$status" -eq 1 ]
	[[ $output == *"Must specify a domain"* ]]
	run xl sched-credit -s -t 5
	[ "$status" -eq 1 ]
	[[ $output == *"host kernel's"* ]]
	run xl sched-credit -d Domain-0 -w 5
	[ "$status" -eq 1 ]
	[[ $output == *"Domain-0 is the host"* ]]
	[ "$(cat "$cg/cpu.shares")" = 1200 ]
	[ "$(cat "$cg/cpu.cfs_quota_us")" = 20000 ]
	run xl sched-credit -d f1
	[ "${lines[1]}" = "f1                                    1    300   20" ]
}

@test "a create with a bad cpu_weight or cap fails with a clear message, leaving nothing" {
	for bad in 'cpu_weight=0' 'cpu_weight=65536' 'cap=201'; do
		run xl create "$T/f.cfg" "$bad"
		[ "$status" -eq 1 ]
		[[ $output == *"out of range"* ]]
		nothing_left
	done
	run xl create "$T/f.cfg" 'period=10'
	[ "$status" -eq 1 ]
	[[ $output == *"period= is a parameter of Xen's"* ]]
	nothing_left
}

@test "the cgroup goes with xl destroy, with a crashed xenon-hv (the monitor), and when both were killed" {
	require_v1
	xl create "$T/f.cfg"
	cg=$(dom_cg 1)
	[ -d "$cg" ]
	xl destroy f1
	[ ! -d "$cg" ]
	nothing_left
	# xenon-hv killed: its monitor removes the domain and its cgroup
	xl create "$T/f.cfg"
	cg=$(dom_cg 2)
	kill -9 "$(xenstore-read /libxl/2/hv-pid)"
	wait_for 10 nothing_left
	[ ! -d "$cg" ]
	# monitor and xenon-hv killed: xl destroy removes what is left
	xl create "$T/f.cfg"
	cg=$(dom_cg 3)
	mon=$(xenstore-read /libxl/3/monitor-pid)
	hv=$(xenstore-read /libxl/3/hv-pid)
	kill -9 "$mon"
	wait_for 10 pid_gone "$mon"
	kill -9 "$hv"
	wait_for 10 pid_gone "$hv"
	[ -d "$cg" ]
	xl destroy f1
	[ ! -d "$cg" ]
	nothing_left
}

@test "xl.conf cgroup_parent names the parent; \"\" runs domains without a cgroup and refuses cpu_weight" {
	require_v1
	CONF_PARENT=$XENON_CGROUP_PARENT-conf
	printf 'cgroup_parent = "%s"\n' "$CONF_PARENT" >> "$XL_CONF"
	env -u XENON_CGROUP_PARENT xl create "$T/f.cfg"
	[ "$(xenstore-read /libxl/1/cgroup)" = "$CG/$CONF_PARENT/dom1" ]
	[ "$(cat "$CG/$CONF_PARENT/dom1/cgroup.procs")" = "$(xenstore-read /libxl/1/hv-pid)" ]
	xl destroy f1
	[ ! -d "$CG/$CONF_PARENT/dom1" ]
	rmdir "$CG/$CONF_PARENT"
	printf 'cgroup_parent = ""\n' >> "$XL_CONF"
	env -u XENON_CGROUP_PARENT xl create "$T/f.cfg"
	run xenstore-read /libxl/2/cgroup
	[ "$status" -ne 0 ]
	run xl sched-credit -d f1 -w 10
	[ "$status" -eq 1 ]
	[[ $output == *"has no cgroup"* ]]
	xl destroy f1
	run env -u XENON_CGROUP_PARENT xl create "$T/f.cfg" cpu_weight=10
	[ "$status" -eq 1 ]
	[[ $output == *'cgroup_parent is ""'* ]]
	run env XENON_CGROUP_PARENT=../escape xl create "$T/f.cfg"
	[ "$status" -eq 1 ]
	[[ $output == *"not a valid cgroup parent"* ]]
	nothing_left
}

@test "v2: create with cpu_weight and cap sets cpu.weight and cpu.max; sched-credit changes them" {
	require_v2
	xl create "$T/f.cfg" 'cpu_weight=512' 'cap=50'
	cg=$(dom_cg 1)
	[ "$(cat "$cg/cgroup.procs")" = "$(xenstore-read /libxl/1/hv-pid)" ]
	grep -qw cpu "$CG/$XENON_CGROUP_PARENT/cgroup.subtree_control"
	[ "$(cat "$cg/cpu.weight")" = 78 ]
	[ "$(cat "$cg/cpu.max")" = "50000 100000" ]
	xl sched-credit -d f1 -w 65535 -c 0
	[ "$(cat "$cg/cpu.weight")" = 10000 ]
	[ "$(cat "$cg/cpu.max")" = "max 100000" ]
	run xl sched-credit -d f1 -w 0
	[ "$status" -eq 1 ]
	[ "$(cat "$cg/cpu.weight")" = 10000 ]
	run xl sched-credit2 -d f1
	[ "${lines[1]}" = "f1                                    1  65535    0" ]
	xl destroy f1
	[ ! -d "$cg" ]
	nothing_left
}
