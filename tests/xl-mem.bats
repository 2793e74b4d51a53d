#!/usr/bin/env bats
# Ballooning (issue 14): xl mem-set / mem-max, maxmem= above memory=, the
# Mem column, xl info's free_memory and outstanding_claims, xl claims, and
# claims at create. With tests/fake-hv here (its guest balloons at once to its
# memory/target, within its ceiling); the real guest and xenon-hv, whose
# host memory must really fall, where KVM is (tests/nested-kvm).

load helpers

setup() {
	xl_env_start
	cat > "$T/m.cfg" <<-EOF2
		name = "m1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 64
		maxmem = 256
	EOF2
}

local_teardown() {
	if [ -n "${BATS_TEST_COMPLETED:-}" ] || ! xl domid m1 > /dev/null 2>&1; then
		xl_env_stop
		return
	fi
	{
		echo "# xl list:"
		xl list 2>&1 | sed 's/^/#   /'
		echo "# memory/:"
		xenstore-ls -f "/local/domain/$(xl domid m1)/memory" 2>&1 | sed 's/^/#   /'
		echo "# the guest's console, last lines:"
		console_text m1 | tr -d '\r' | tail -n 30 | sed 's/^/#   /'
		echo "# xl log:"
		tail -n 20 "$XENON_LOGDIR"/xl-m1.log 2>&1 | sed 's/^/#   /'
	} >&2
	xl_env_stop
}

mem_of() { xl list "$1" | awk -v n="$1" '$1 == n { print $3 }'; }
target_of() { xenstore-read "/local/domain/$(xl domid "$1")/memory/target"; }
static_max_of() { xenstore-read "/local/domain/$(xl domid "$1")/memory/static-max"; }
info_key() { xl info "$1"; }

# The proportional set size of domain $1's xenon-hv, in MiB: what the host gives it.
pss_of() {
	local pid
	pid=$(xenstore-read "/libxl/$(xl domid "$1")/hv-pid")
	awk '$1 == "Pss:" { print int($2 / 1024) }' "/proc/$pid/smaps_rollup"
}
mem_is() { [ "$(mem_of "$1")" = "$2" ]; }
pss_below() { [ "$(pss_of "$1")" -le "$2" ]; }
console_count() { console_text "$1" | grep -c -- "$2" || true; }
count_at_least() { [ "$(console_count "$1" "$2")" -ge "$3" ]; }

@test "maxmem above memory: the domain starts ballooned down; mem-set moves it, with Xen's units" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/m.cfg"
	[ "$(target_of m1)" = 65536 ]
	[ "$(static_max_of m1)" = 262144 ]
	[ "$(mem_of m1)" = 64 ]
	xl mem-set m1 128m
	[ "$(target_of m1)" = 131072 ]
	[ "$(mem_of m1)" = 128 ]
	xl mem-set m1 200
	[ "$(target_of m1)" = 204800 ]
	xl mem-set m1 98304k
	[ "$(target_of m1)" = 98304 ]
	run xl mem-set m1 0.25g
	[ "$status" -eq 1 ]
	xl mem-set m1 $((96 * 1024 * 1024))b
	[ "$(target_of m1)" = 98304 ]
	[ "$(mem_of m1)" = 96 ]
	# the domain's configuration (a reboot's, a save's) has the memory it has now, as Xen's
	config_memory_is m1 98304 262144
	xl mem-max m1 160
	config_memory_is m1 98304 163840
}

# config_memory_is DOMAIN TARGET MAX: xl list -l's target_memkb and max_memkb.
config_memory_is() {
	local json
	json=$(xl list -l "$1" | tr -d ' \t\n')
	[[ $json == *"\"target_memkb\":$2,"* ]] && [[ $json == *"\"max_memkb\":$3,"* ]]
}

@test "mem-set above the maximum and mem-max outside [target, RAM] are refused, nothing changed" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/m.cfg"
	run xl mem-set m1 1g
	[ "$status" -eq 1 ]
	[[ $output == *"above its maximum of 256 MiB"*"xl mem-max"* ]]
	[ "$(target_of m1)" = 65536 ]
	run xl mem-max m1 32
	[ "$status" -eq 1 ]
	[[ $output == *"below its memory target of 64 MiB"* ]]
	run xl mem-max m1 512
	[ "$status" -eq 1 ]
	[[ $output == *"above the 256 MiB of RAM it was created with"* ]]
	[ "$(static_max_of m1)" = 262144 ]
	xl mem-max m1 100
	[ "$(static_max_of m1)" = 102400 ]
	run xl mem-set m1 101
	[ "$status" -eq 1 ]
	[[ $output == *"above its maximum of 100 MiB"* ]]
	[ "$(target_of m1)" = 65536 ]
	for bad in 12x -5 "" 1kk; do
		run xl mem-set m1 "$bad"
		[ "$status" -eq 1 ]
		[[ $output == *"invalid memory size"* ]]
	done
	run xl mem-set Domain-0 128
	[ "$status" -eq 1 ]
	run xl mem-set nosuch 128
	[ "$status" -eq 1 ]
	[ "$(target_of m1)" = 65536 ]
	[ "$(mem_of m1)" = 64 ]
}

@test "memory above maxmem is refused at create, nothing left" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	run xl create "$T/m.cfg" memory=512
	[ "$status" -eq 1 ]
	[[ $output == *"maxmem (256 MiB) is smaller than memory (512 MiB)"* ]]
	nothing_left
}

@test "xl info: a running domain's target is an outstanding claim, free_memory is what is left" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	[ "$(info_key outstanding_claims)" = 0 ]
	xl create "$T/m.cfg"
	[ "$(info_key outstanding_claims)" = 64 ] # fake-hv backs none of it
	xl mem-set m1 32
	[ "$(info_key outstanding_claims)" = 32 ]
	total=$(info_key total_memory)
	free=$(info_key free_memory)
	[ "$free" -gt 0 ]
	[ "$free" -lt "$total" ]
}

claimed_of() { xl claims | awk -v n="$1" '$1 == n { print $7 }'; }

@test "xl claims: Xen's Claimed column, what each domain may still take; claim_mode=0 counts the available memory alone" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/m.cfg"
	run xl claims
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'Name%42s   Mem VCPUs\tState\tTime(s)  Claimed' ID)" ]
	[[ ${lines[1]} == "Domain-0 "* ]]
	[ "$(awk '{ print $7 }' <<< "${lines[1]}")" = 0 ]
	[ "$(claimed_of m1)" = 64 ] # fake-hv backs none of it
	xl mem-set m1 32
	[ "$(claimed_of m1)" = 32 ]
	[ "$(info_key outstanding_claims)" = 32 ] # the sum, as xl info says
	run xl claims extra
	[ "$status" -eq 1 ]
	# 70% fits beside m1; a second 70% only when the claims do not count
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	big=$((avail * 7 / 10))
	xl create "$T/m.cfg" name='"m2"' memory=$big maxmem=$big
	run xl create "$T/m.cfg" name='"m3"' memory=$big maxmem=$big
	[ "$status" -eq 1 ]
	[[ $output == *"domain 'm3' does not fit"*"MiB the running domains may still use"* ]]
	echo 'claim_mode = 0' >> "$XL_CONF"
	run xl claims
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *"claim_mode=0 (xl.conf): new domains are checked against the host's available memory only"* ]]
	xl create "$T/m.cfg" name='"m3"' memory=$big maxmem=$big
	# even then, more than the host has available is refused, and says why
	run xl create "$T/m.cfg" name='"m4"' memory=$((avail * 2)) maxmem=$((avail * 2))
	[ "$status" -eq 1 ]
	[[ $output == *"domain 'm4' does not fit"*"MiB available (claim_mode=0"* ]]
	for d in m1 m2 m3; do xl destroy "$d"; done
	wait_for 10 nothing_left
}

@test "claims: a domain that does not fit in the host's free memory is refused at once, nothing left" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	run xl create "$T/m.cfg" memory=$((avail * 3)) maxmem=$((avail * 3))
	[ "$status" -eq 1 ]
	[[ $output == *"domain 'm1' does not fit: memory=$((avail * 3)) MiB"*"xl mem-set"* ]]
	nothing_left
	# 70% fits; a second 70% does not while the first may still take its share
	big=$((avail * 7 / 10))
	xl create "$T/m.cfg" memory=$big maxmem=$big
	run xl create "$T/m.cfg" name='"m2"' memory=$big maxmem=$big
	[ "$status" -eq 1 ]
	[[ $output == *"domain 'm2' does not fit"*"MiB the running domains may still use"* ]]
	run xl domid m2
	[ "$status" -ne 0 ]
	# once the first gives most of it back, the second fits
	xl mem-set m1 64
	xl create "$T/m.cfg" name='"m2"' memory=$big maxmem=$big
	xl destroy m1
	xl destroy m2
	wait_for 10 nothing_left
}

@test "claims: of two creates at once that do not both fit, exactly one is made (the xl lock orders them)" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	big=$((avail * 7 / 10))
	for round in 1 2 3; do
		xl create "$T/m.cfg" memory=$big maxmem=$big > "$T/c1.out" 2>&1 &
		p1=$!
		xl create "$T/m.cfg" name='"m2"' memory=$big maxmem=$big > "$T/c2.out" 2>&1 &
		p2=$!
		s1=0 s2=0
		wait "$p1" || s1=$?
		wait "$p2" || s2=$?
		echo "# round $round: statuses $s1 $s2" >&3
		[ $((s1 == 0)) -ne $((s2 == 0)) ] # one made, one refused
		made=m1 refused=m2 out=$T/c2.out
		[ "$s1" = 0 ] || made=m2 refused=m1 out=$T/c1.out
		grep -q "domain '$refused' does not fit" "$out"
		run xl domid "$refused"
		[ "$status" -ne 0 ]
		xl destroy "$made"
		wait_for 10 nothing_left
	done
}

@test "real guest: ballooned down at boot, filled, 512 -> 128 MiB gives the host its memory back, then up again intact" {
	require_kvm
	xl create "$T/m.cfg" memory=128 maxmem=512
	wait_for 60 guest_says m1 "balloon: at 128 MiB (target 128 MiB)"
	wait_for 10 mem_is m1 128
	xl mem-set m1 512
	wait_for 30 guest_says m1 "balloon: at 512 MiB (target 512 MiB)"
	[ "$(mem_of m1)" = 512 ]
	guest_cmd m1 "mem fill"
	wait_for 200 guest_says m1 "mem fill: [0-9]* MiB filled"
	full=$(pss_of m1)
	[ "$full" -ge 450 ]
	xl mem-set m1 128
	wait_for 60 pss_below m1 $((full - 300))
	wait_for 30 count_at_least m1 "balloon: at 128 MiB (target 128 MiB)" 2
	[ "$(mem_of m1)" = 128 ]
	run xl mem-set m1 513
	[ "$status" -eq 1 ]
	[[ $output == *"above its maximum of 512 MiB"* ]]
	xl mem-set m1 512
	wait_for 30 count_at_least m1 "balloon: at 512 MiB (target 512 MiB)" 2
	guest_cmd m1 "mem check"
	wait_for 120 guest_says m1 "mem check: [0-9]* MiB checked, all pages hold the pattern"
	run console_has m1 "mem check: FAILED"
	[ "$status" -ne 0 ]
	[ "$(mem_of m1)" = 512 ]
	xl destroy m1
	wait_for 10 nothing_left
}
