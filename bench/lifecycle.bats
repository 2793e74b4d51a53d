#!/usr/bin/env bats
# bench/lifecycle inside tests/nested-kvm's machine, which only runs bats files:
#   tests/nested-kvm bench/lifecycle.bats
# Not a test (make check and CI never run it): it prints the benchmark's
# lines as TAP comments. Timings there are QEMU's emulation's, not a host's:
# compare the lines of one run with each other, never with a host's.

load ../tests/helpers

@test "bench/lifecycle: first line, destroy with and without a PID namespace, create+destroy cycles" {
	require_kvm
	BENCH_FIRST_LINE_MS=180000 "$XENON_TOP/bench/lifecycle" "${BENCH_RUNS:-10}" "${BENCH_CYCLES:-10}" 2>&1 | sed -u 's/^/# /' >&3
	[ "${PIPESTATUS[0]}" -eq 0 ]
}
