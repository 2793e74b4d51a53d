# Shared bats helpers. Every test that makes something removes exactly that
# in teardown; processes are ended by the pids the test started, never by name.

XENON_TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
export XENON_TOP
export PATH="$XENON_TOP/xl:$XENON_TOP/xenstored:$XENON_TOP/hypervisor:$XENON_TOP/xentop:$PATH"

# mk_tmp: a private scratch directory in $T, removed by rm_tmp.
mk_tmp() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/xenon-test.XXXXXX")
	export T
}

rm_tmp() {
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
	T=
}

# kill_pid PID: end a process this test started and reap it.
kill_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
}

# wait_for TIMEOUT_SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.02
	done
}

teardown() {
	if declare -F local_teardown >/dev/null; then
		local_teardown
	fi
	rm_tmp
}
