#!/usr/bin/env bats
# bench/migrate inside tests/nested-kvm's machine, which only runs bats files:
#   tests/nested-kvm bench/migrate.bats
# Not a test (make check and CI never run it): each part prints the
# benchmark's lines as TAP comments as they come. The nested machine has
# 1964 MiB of memory and a memory /tmp: xenon-hv refuses a 2 GiB guest there
# (more than the host has), so the large guest is 1 GiB, and the save writes
# 400 MiB, not 900. Small parts, as a nested test may take 240 s.

load ../tests/helpers

bench() {
	require_kvm
	env BENCH_DIR=/tmp "$@" "$XENON_TOP/bench/migrate" 2>&1 | sed -u 's/^/# /' >&3
	[ "${PIPESTATUS[0]}" -eq 0 ]
}

@test "bench/migrate: 256 MiB guest, dirtying 10 MiB/s" {
	bench BENCH_SIZES=256 BENCH_RATES=10 BENCH_SAVE_MIB=0
}

@test "bench/migrate: save and restore against dd" {
	bench BENCH_SIZES= BENCH_SAVE_MIB=400
}

@test "bench/migrate: 1024 MiB guest, idle" {
	bench BENCH_SIZES=1024 BENCH_RATES=0 BENCH_SAVE_MIB=0
}

@test "bench/migrate: 256 MiB guest, idle" {
	bench BENCH_SIZES=256 BENCH_RATES=0 BENCH_SAVE_MIB=0 BENCH_RUNS=2 BENCH_DEBUG=1
}

@test "bench/migrate: 256 MiB guest, dirtying 100 MiB/s" {
	bench BENCH_SIZES=256 BENCH_RATES=100 BENCH_SAVE_MIB=0
}
