#!/usr/bin/env bats
# cpupools (issue 14): xl cpupool-* on cpusets. Pools other than Pool-0 are
# kept in this test's private xenstored (/local/pool/<id>); a domain in a
# pool with fewer CPUs than the host has a cpuset cgroup of its own under
# this test's parent ($XENON_CGROUP_PARENT, removed by teardown) whose CPUs
# are its pool's. The domains run tests/fake-hv/fake-hv (no KVM needed).
# cgroup v1 (a cpuset hierarchy) runs on this project's hosts; cgroup v2
# (the cpuset controller) where cgroup v2 can have it: the host's, or one
# this test mounts when the host has no cgroups at all (tests/nested-kvm).

load helpers

setup() {
	fakehv_env_start 2
	NCPU=$(nproc --all)
	LAST=$((NCPU - 1))
}

local_teardown() {
	xl_env_stop
	cg_cleanup
	if [ -n "${CG2_MOUNT:-}" ]; then
		umount "$CG2_MOUNT" || echo "# cannot unmount $CG2_MOUNT" >&2
	fi
}

mount_of() {
	awk -v t="$1" -v c="$2" '{ for (i = 7; i < NF; i++) if ($i == "-") break
	       if ($(i + 1) == t && (c == "" || $(i + 3) ~ "(^|,)" c "(,|$)")) { print $5; exit } }' /proc/self/mountinfo
}

two_cpus() {
	[ "$NCPU" -ge 2 ] || skip "this host has one CPU: a pool needs one of its own beside Pool-0's"
	[ "$(cat /sys/devices/system/cpu/online)" = "0-$LAST" ] || skip "CPUs 0-$LAST are not all online"
}

require_v1() {
	two_cpus
	CS=$(mount_of cgroup cpuset)
	[ -n "$CS" ] || skip "this host has no cgroup v1 cpuset hierarchy (v2 is tested instead)"
	[ -n "$(mount_of cgroup cpu)" ] || skip "this host has no cgroup v1 cpu hierarchy"
}

require_v2() {
	two_cpus
	local m
	[ -z "$(mount_of cgroup cpuset)" ] || skip "cgroup v2 cannot have the cpuset controller here: the host binds it to its cgroup v1 hierarchy (the v2 case runs in tests/nested-kvm tests/xl-cpupool.bats)"
	[ -z "$(mount_of cgroup cpu)" ] || skip "cgroup v2 cannot have the cpu controller here: the host binds it to cgroup v1"
	m=$(mount_of cgroup2 "")
	if [ -z "$m" ]; then
		mkdir "$T/cg2"
		mount -t cgroup2 none "$T/cg2" || skip "cannot mount cgroup v2 on $T/cg2"
		CG2_MOUNT=$T/cg2
		m=$T/cg2
	fi
	grep -qw cpuset "$m/cgroup.controllers" || skip "cgroup v2 at $m offers no cpuset controller"
	grep -qw cpu "$m/cgroup.controllers" || skip "cgroup v2 at $m offers no cpu controller"
	CS=$m
}

# Every thread of process $1 may run on CPUs $2 only (Cpus_allowed_list).
threads_on() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(awk '/^Cpus_allowed_list/ { print $2 }' "$t/status")" = "$2" ] || return 1
	done
}

# Pool-0's CPUs (kernel list form) when a pool has the last CPU.
pool0_cpus() { if [ "$LAST" -eq 1 ]; then echo 0; else echo "0-$((LAST - 1))"; fi; }

pool_line() { xl cpupool-list | awk -v p="$1" '$1 == p'; }

@test "cpupool-list: Pool-0 has every CPU and Domain-0, as Xen's columns; -c lists the CPUs" {
	run xl cpupool-list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Name               CPUs   Sched     Active   Domain count" ]
	[ "${lines[1]}" = "$(printf '%-19s%3d %9s       y       %4d' Pool-0 "$NCPU" credit 1)" ]
	[ "${#lines[@]}" -eq 2 ]
	run xl cpupool-list -c
	[ "${lines[0]}" = "Name               CPU list" ]
	[ "${lines[1]}" = "$(printf '%-19s%s' Pool-0 "$(seq -s, 0 "$LAST")")" ]
	run xl cpupool-list nosuch
	[ "$status" -eq 1 ]
	[[ $output == *"unknown cpupool 'nosuch'"* ]]
}

@test "v1: a pool takes its CPUs from Pool-0; pool= puts xenon-hv's threads on them; cpupool-migrate moves them" {
	require_v1
	run xl cpupool-create name=\"p1\" sched=\"credit2\" cpus=\"$LAST\"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'Using config file "command line"' ]
	[ "${lines[1]}" = "cpupool name:   p1" ]
	[ "${lines[2]}" = "scheduler:      credit2" ]
	[ "${lines[3]}" = "number of cpus: 1" ]
	[ "$(xenstore-read /local/pool/1/name)" = p1 ]
	run xl cpupool-list -c
	[ "${lines[1]}" = "$(printf '%-19s%s' Pool-0 "$(seq -s, 0 $((LAST - 1)))")" ]
	[ "${lines[2]}" = "$(printf '%-19s%s' p1 "$LAST")" ]
	xl create "$T/f.cfg" 'pool="p1"'
	hv=$(xenstore-read /libxl/1/hv-pid)
	# on the pool's CPUs from its first instruction (it joined the cpuset before exec)
	grep -qx "fake-hv: started on CPUs $LAST" "$XENON_LOGDIR/xenon-hv-f1.log"
	cs=$(xenstore-read /libxl/1/cpuset)
	[ "$cs" = "$CS/$XENON_CGROUP_PARENT/dom1" ]
	[ "$(cat "$cs/cpuset.cpus")" = "$LAST" ]
	grep -qx "$hv" "$cs/cgroup.procs"
	threads_on "$hv" "$LAST"
	[[ $(pool_line p1) == *" 1" ]]
	# a domain of Pool-0 keeps off the pool's CPU
	sed 's/f1/f2/' "$T/f.cfg" > "$T/f2.cfg"
	xl create "$T/f2.cfg"
	hv2=$(xenstore-read /libxl/2/hv-pid)
	threads_on "$hv2" "$(pool0_cpus)"
	# xl list -c: Xen's Cpupool column, right-aligned in 16
	run xl list -c
	[ "${lines[0]}" = "$(printf 'Name%42s   Mem VCPUs\tState\tTime(s)         Cpupool' ID)" ]
	[[ ${lines[1]} == "Domain-0 "*"$(printf '%16s' Pool-0)" ]]
	[[ ${lines[2]} == "f1 "*"$(printf '%16s' p1)" ]]
	[[ ${lines[3]} == "f2 "*"$(printf '%16s' Pool-0)" ]]
	# -Z: the security label, "-" without XSM; with -v it is -v's column
	run xl list -Z -c f2
	[ "${lines[0]}" = "$(printf 'Name%42s   Mem VCPUs\tState\tTime(s)   Security Label         Cpupool' ID)" ]
	[[ ${lines[1]} == "f2 "*"$(printf ' %16s%16s' - Pool-0)" ]]
	run xl list -v -Z f2
	[[ ${lines[0]} == *"Reason-Code"$'\t'"Security Label" ]]
	[[ ${lines[1]} == *"$(printf ' %8s %16s' - -)" ]]
	xl cpupool-migrate f1 Pool-0
	threads_on "$hv" "$(pool0_cpus)"
	[[ $(pool_line Pool-0) == *" 3" ]]
	xl cpupool-migrate f2 p1
	threads_on "$hv2" "$LAST"
	xl destroy f2
	[ ! -d "$CS/$XENON_CGROUP_PARENT/dom2" ]
	xl cpupool-destroy p1
	run xl cpupool-list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "$(printf '%-19s%3d %9s       y       %4d' Pool-0 "$NCPU" credit 2)" ]
	# Pool-0 has every CPU again: f1 may run on all of them
	threads_on "$hv" "0-$LAST"
}

@test "v1: sched-credit lists the domains pool by pool, as Xen's; -p shows one pool, -s its line; an unknown pool is an error" {
	require_v1
	xl cpupool-create name=\"p1\" cpus=\"$LAST\"
	xl create "$T/f.cfg" 'pool="p1"' 'cpu_weight=512'
	sed 's/f1/f2/' "$T/f.cfg" > "$T/f2.cfg"
	xl create "$T/f2.cfg"
	for cmd in sched-credit sched-credit2; do
		run xl $cmd
		echo "$output"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 6 ]
		[[ ${lines[0]} == "Cpupool Pool-0: "* ]]
		[ "${lines[1]}" = "Name                                ID Weight  Cap" ]
		[ "${lines[2]}" = "f2                                    2    256    0" ]
		[[ ${lines[3]} == "Cpupool p1: "* ]]
		[ "${lines[4]}" = "${lines[1]}" ]
		[ "${lines[5]}" = "f1                                    1    512    0" ]
	done
	run xl sched-credit -p p1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == "Cpupool p1: "* ]]
	[ "${lines[2]}" = "f1                                    1    512    0" ]
	run xl sched-credit -s -p p1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == "Cpupool p1: "* ]]
	run xl sched-credit -s
	[ "${#lines[@]}" -eq 2 ]
	run xl sched-credit -p nosuch
	[ "$status" -eq 1 ]
	[[ $output == *"unknown cpupool 'nosuch'"* ]]
	xl cpupool-migrate f1 Pool-0
	run xl sched-credit -p p1
	[ "${#lines[@]}" -eq 2 ]
}

@test "v1: Pool-0's domains follow its CPUs as cpu-remove gives a pool's CPU back and cpu-add takes it" {
	require_v1
	xl cpupool-create name=\"p1\" cpus=\"$LAST\"
	xl create "$T/f.cfg"
	hv=$(xenstore-read "/libxl/$(xl domid f1)/hv-pid")
	threads_on "$hv" "$(pool0_cpus)"
	xl cpupool-cpu-remove p1 "$LAST"
	threads_on "$hv" "0-$LAST"
	xl cpupool-cpu-add p1 "$LAST"
	threads_on "$hv" "$(pool0_cpus)"
}

@test "v1: cpu-remove returns a pool's CPU to Pool-0 and cpu-add takes it again; rename keeps the pool" {
	require_v1
	xl cpupool-create name=\"p1\" cpus=\"$LAST\"
	xl cpupool-cpu-remove p1 "$LAST"
	run xl cpupool-list -c
	[ "${lines[1]}" = "$(printf '%-19s%s' Pool-0 "$(seq -s, 0 "$LAST")")" ]
	[ "${lines[2]}" = "p1                 " ]
	run xl create "$T/f.cfg" 'pool="p1"'
	[ "$status" -eq 1 ]
	[[ $output == *'pool="p1": the cpupool has no CPU'* ]]
	nothing_left
	xl cpupool-cpu-add p1 "$LAST"
	xl cpupool-rename p1 p2
	run xl cpupool-list -c p2
	[ "${lines[1]}" = "$(printf '%-19s%s' p2 "$LAST")" ]
	xl create "$T/f.cfg" 'pool="p2"'
	threads_on "$(xenstore-read "/libxl/$(xl domid f1)/hv-pid")" "$LAST"
}

@test "v1: cpupool-create -f FILE with a cpus list; the name defaults to the file's; -n creates nothing" {
	require_v1
	printf 'sched = "credit"\ncpus = ["%s"]\n' "$LAST" > "$T/pool-a"
	run xl cpupool-create -n "$T/pool-a"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "cpupool name:   pool-a" ]
	[ "$(xl cpupool-list | wc -l)" -eq 2 ]
	xl cpupool-create -f "$T/pool-a" 'name="pa"'
	[[ $(pool_line pa) == "pa                   1    credit       y          0" ]]
}

@test "bad cpupool operations are clear errors and change nothing" {
	two_cpus
	xl cpupool-create name=\"p1\" cpus=\"$LAST\"
	before=$(xenstore-ls /local/pool)
	check() { # expected-message command...
		local want=$1
		shift
		run "$@"
		[ "$status" -eq 1 ] || { echo "'$*' succeeded" >&2; return 1; }
		[[ $output == *"$want"* ]] || { echo "'$*': $output" >&2; return 1; }
		[ "$(xenstore-ls /local/pool)" = "$before" ]
	}
	check 'cpupool name "p1" is in use' xl cpupool-create name=\"p1\"
	check "CPU $LAST is in cpupool 'p1'" xl cpupool-create name=\"p2\" cpus=\"$LAST\"
	check 'Pool-0 would have no CPU left' xl cpupool-create name=\"p2\" cpus=\"0-$((LAST - 1))\"
	check 'is not online' xl cpupool-create name=\"p2\" cpus=\"4000\"
	check 'not a valid cpupool name' xl cpupool-create name=\"a/b\"
	check 'Missing cpupool name' xl cpupool-create cpus=\"0\"
	check 'scheduler rtds is not available' xl cpupool-create name=\"p2\" sched=\"rtds\"
	check 'unknown scheduler' xl cpupool-create name=\"p2\" sched=\"fair\"
	check 'Pool-0 cannot be destroyed' xl cpupool-destroy Pool-0
	check 'Pool-0 cannot be renamed' xl cpupool-rename Pool-0 x
	check 'cpupool name "Pool-0" is in use' xl cpupool-rename p1 Pool-0
	check "unknown cpupool 'nosuch'" xl cpupool-destroy nosuch
	check "CPU 0 is not in cpupool 'p1'" xl cpupool-cpu-remove p1 0
	check 'Pool-0 holds every CPU no other pool has' xl cpupool-cpu-remove Pool-0 0
	check "CPU $LAST is in cpupool 'p1'" xl cpupool-cpu-add Pool-0 "$LAST"
	check 'splitting not possible, already cpupools in use' xl cpupool-numa-split
	check 'pool="nosuch": there is no such cpupool' xl create "$T/f.cfg" 'pool="nosuch"'
	nothing_left
	xl create "$T/f.cfg" 'pool="p1"'
	before=$(xenstore-ls /local/pool)
	check "cpupool 'p1' has 1 domain" xl cpupool-destroy p1
	check "would have no CPU left for its 1 domain" xl cpupool-cpu-remove p1 "$LAST"
	check 'Domain-0 is the host' xl cpupool-migrate Domain-0 p1
	xl cpupool-create name=\"empty\"
	before=$(xenstore-ls /local/pool)
	check "cpupool 'empty' has no CPU" xl cpupool-migrate f1 empty
	[ "$(xenstore-read "/libxl/$(xl domid f1)/cpupool")" = 1 ]
}

@test "cpupool-numa-split on a one-node host keeps every CPU in Pool-0" {
	[ "$(cat /sys/devices/system/node/online 2> /dev/null || echo 0)" = 0 ] || skip "this host has several NUMA nodes"
	run xl cpupool-numa-split
	[ "$status" -eq 0 ]
	[[ $output == *"one NUMA node only"* ]]
	[ "$(xl cpupool-list | wc -l)" -eq 2 ]
}

@test "v2: a pool's domain has cpuset.cpus of its pool in its own cgroup; cpupool-migrate changes them" {
	require_v2
	xl cpupool-create name=\"p1\" cpus=\"$LAST\"
	xl create "$T/f.cfg" 'pool="p1"'
	hv=$(xenstore-read /libxl/1/hv-pid)
	cg=$(xenstore-read /libxl/1/cpuset)
	[ "$cg" = "$CS/$XENON_CGROUP_PARENT/dom1" ]
	[ "$cg" = "$(xenstore-read /libxl/1/cgroup)" ]
	[ "$(cat "$cg/cpuset.cpus")" = "$LAST" ]
	threads_on "$hv" "$LAST"
	xl cpupool-migrate f1 Pool-0
	[ "$(cat "$cg/cpuset.cpus")" = "$(pool0_cpus)" ]
	threads_on "$hv" "$(pool0_cpus)"
	xl destroy f1
	[ ! -d "$cg" ]
	nothing_left
}
