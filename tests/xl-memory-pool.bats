#!/usr/bin/env bats
# Guest RAM from the host's hugetlb pool (xl.conf memory_pool, xenon-hv
# --memory-pool, libxl/libxl_mem_pool.c): reserved whole as the domain is
# built and the pool's again once it is gone; save, restore and the balloon
# on it; a pool too small refused with the reason; "auto" falling back to
# the host's memory. Each test adds 256 2 MiB pages to the pool and sets
# it back as it was at teardown (tests/helpers.bash: pool_grow). The
# balloon's accounting in 2 MiB pages: tests/unit/hv_balloon-test; a
# migration into the pool: tests/xl-migrate.bats.

load helpers

setup() {
	xl_env_start
	pool_grow 256
	printf 'memory_pool = "hugetlb"\n' >> "$XL_CONF"
	cat > "$T/p.cfg" <<-EOF2
		name = "p1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 64
		cmdline = 'run="ticker on"'
	EOF2
}

local_teardown() {
	xl_env_stop
	pool_restore
}

set_pool_mode() { sed -i "s/^memory_pool = .*/memory_pool = \"$1\"/" "$XL_CONF"; }
ticks_of() { console_text "$1" | grep -ac '^tick ' || true; }
mem_check_passes() {
	guest_cmd "$1" "mem check"
	wait_for 60 guest_says "$1" "mem check: [0-9]* MiB checked, all pages hold the pattern"
	not console_has "$1" "mem check: FAILED"
}

@test "memory_pool=hugetlb: the RAM is the pool's, reserved whole as the domain is built, the pool's again once it is gone" {
	require_kvm
	before=$(pool_free)
	xl create "$T/p.cfg"
	[ "$(pool_free)" -eq $((before - 32)) ]
	from_pool p1
	xl list -l p1 | grep -q '"memory_pool": "hugetlb"'
	# xl debug-keys m says what the pool has left
	xl debug-keys m
	xl dmesg | grep -q "hugetlb pool (xl.conf memory_pool): $(((before - 32) * 2048)) KiB free for domains"
	# nothing outstanding (it has all it can have): the host's memory free for new domains is not lowered by it
	[ "$(xl info | awk -F': ' '/^outstanding_claims/ { print $2 }')" = 0 ]
	guest_cmd p1 "mem fill"
	wait_for 60 guest_says p1 "mem fill: [0-9]* MiB filled"
	mem_check_passes p1
	# a core dump finds the RAM the pool backs (mincore, not the file's holes)
	xl dump-core p1 "$T/p1.core"
	[ "$(stat -c %s "$T/p1.core")" -ge $((64 << 20)) ]
	xl destroy p1
	wait_for 10 nothing_left
	wait_for 10 pool_is "$before"
}

@test "memory_pool: a save of a pool domain restores into the pool and into the host's memory, going on with its memory whole" {
	require_kvm
	before=$(pool_free)
	xl create "$T/p.cfg"
	wait_for 20 eval '[ "$(ticks_of p1)" -ge 2 ]'
	guest_cmd p1 "mem fill"
	wait_for 60 guest_says p1 "mem fill: [0-9]* MiB filled"
	xl save p1 "$T/p1.save"
	wait_for 10 pool_is "$before"
	xl restore "$T/p1.save"
	from_pool p1
	[ "$(pool_free)" -eq $((before - 32)) ]
	ticks=$(ticks_of p1)
	wait_for 20 eval '[ "$(ticks_of p1)" -gt '"$ticks"' ]'
	mem_check_passes p1
	xl save p1 "$T/p1.again"
	wait_for 10 pool_is "$before"
	set_pool_mode host
	xl restore "$T/p1.again"
	not from_pool p1
	xl list -l p1 | grep -q '"memory_pool": "host"'
	pool_is "$before"
	mem_check_passes p1
	xl destroy p1
	wait_for 10 nothing_left
}

@test "memory_pool=hugetlb: a pool too small, or RAM not in 2 MiB pages, is refused with the reason; nothing left, the pool as it was" {
	before=$(pool_free)
	run xl create "$T/p.cfg" "memory=$((before * 2 + 64))"
	[ "$status" -ne 0 ]
	[[ $output == *"domain 'p1' does not fit in the hugetlb pool"*"it needs $((before * 2 + 64)) MiB, the pool has $((before * 2)) MiB free"*"raise vm.nr_hugepages"* ]]
	run xl create "$T/p.cfg" memory=65
	[ "$status" -ne 0 ]
	[[ $output == *"gives RAM in 2 MiB pages, and maxmem= 66560 KiB is not a whole number of them"* ]]
	nothing_left
	pool_is "$before"
	# xenon-hv itself says so when the pool is short (another user took the pages meanwhile)
	run "$XENON_TOP/hypervisor/xenon-hv" --kernel "$XENON_TOP/guest/xenon-guest.elf" \
		--memory $((before * 2 + 64)) --memory-pool hugetlb --control "$T/x.sock" --console "$T/x.console"
	[ "$status" -ne 0 ]
	[[ $output == *"--memory-pool hugetlb: the host's pool of 2 MiB pages has fewer free than the $((before * 2 + 64)) MiB of RAM need"* ]]
	run "$XENON_TOP/hypervisor/xenon-hv" --kernel "$XENON_TOP/guest/xenon-guest.elf" --memory-pool huge
	[ "$status" -ne 0 ]
	[[ $output == *"--memory-pool 'huge': give host (the host's memory) or hugetlb"* ]]
	pool_is "$before"
}

@test "memory_pool=auto: the pool while it has room, then the host's memory" {
	require_kvm
	set_pool_mode auto
	before=$(pool_free)
	# a first domain leaves 16 pages (32 MiB) of the pool
	xl create "$T/p.cfg" "memory=$(((before - 16) * 2))"
	from_pool p1
	pool_is 16
	xl create "$T/p.cfg" name='"p2"'
	not from_pool p2
	pool_is 16
	wait_for 20 eval '[ "$(ticks_of p2)" -ge 2 ]'
	xl destroy p1
	wait_for 10 pool_is "$before"
	xl create "$T/p.cfg" name='"p3"' memory=65
	not from_pool p3
	xl create "$T/p.cfg" name='"p4"'
	from_pool p4
	for d in p2 p3 p4; do xl destroy "$d"; done
	wait_for 10 nothing_left
	wait_for 10 pool_is "$before"
}

@test "memory_pool: the balloon gives whole 2 MiB pages back to the pool and takes them again; with none left it stops short, the domain runs on" {
	require_kvm
	before=$(pool_free)
	xl create "$T/p.cfg" maxmem=256
	# ballooned down to 64 MiB as it boots: of the 192 MiB it gave back, at least 128 MiB are whole pages
	wait_for 60 guest_says p1 "balloon: at 64 MiB (target 64 MiB)"
	[ "$(pool_free)" -ge $((before - 128 + 64)) ]
	guest_cmd p1 "mem fill"
	wait_for 60 guest_says p1 "mem fill: [0-9]* MiB filled"
	xl mem-set p1 256
	wait_for 60 guest_says p1 "balloon: at 256 MiB (target 256 MiB)"
	[ "$(pool_free)" -eq $((before - 128)) ]
	mem_check_passes p1
	xl mem-set p1 64
	wait_for 60 eval '[ "$(console_text p1 | grep -c "balloon: at 64 MiB (target 64 MiB)")" -ge 2 ]'
	# the pool's free pages taken away: growing again finds none
	echo $(($(cat "$HUGETLB_POOL/nr_hugepages") - $(pool_free))) > "$HUGETLB_POOL/nr_hugepages"
	pool_is 0
	xl mem-set p1 256
	wait_for 60 guest_says p1 "balloon: the host gives no more (.*memory pool) at [0-9]* MiB (target 256 MiB)"
	wait_for 10 eval 'xl dmesg | grep -q "d$(xl domid p1): balloon: the guest cannot take memory back: the hugetlb pool has no free 2 MiB page"'
	[ "$(state_of p1)" = "-b----" ] || [ "$(state_of p1)" = "r-----" ]
	mem_check_passes p1
	# no page it gave back was written behind the balloon's back
	not grep -q "holds .* more than it may" "$XENON_LOGDIR/xl-p1.log"
	xl destroy p1
	wait_for 10 nothing_left
}

@test "memory_pool: a guest that writes pages it gave back (hostile balloon-cheat) has them given back again, the pool as it was" {
	require_kvm
	before=$(pool_free)
	xl create "$T/p.cfg"
	wait_for 20 eval '[ "$(ticks_of p1)" -ge 1 ]'
	guest_cmd p1 "hostile balloon-cheat 20261207"
	wait_for 60 guest_says p1 "hostile balloon-cheat: \(done\|failed\)"
	console_has p1 "hostile balloon-cheat: 2040 pages released: ok"
	console_has p1 "hostile balloon-cheat: written again after release: given back again (zeros)"
	console_has p1 "hostile balloon-cheat: reclaimed: ok"
	console_has p1 "hostile balloon-cheat: done"
	pool_is $((before - 32))
	xl destroy p1
	wait_for 10 pool_is "$before"
}
