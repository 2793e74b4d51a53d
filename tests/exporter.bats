#!/usr/bin/env bats
# xenon-exporter against fake-hv domains (tests/fake-hv: vCPU times from
# FAKE_HV_VCPU_LOAD), in a network namespace this test makes (loopback only),
# checked with promtool (Debian's prometheus package) and real scrapes.

load helpers

PATH="$XENON_TOP/exporter:$PATH"

setup() {
	xl_env_start
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	NS=xenon-test-$$-exp
	ip netns add "$NS"
	ip netns exec "$NS" ip link set lo up
	for n in aidle zbusy; do
		printf 'name = "%s"\nkernel = "%s"\nmemory = 32\nvcpus = 2\n' "$n" "$XENON_TOP/guest/xenon-guest.elf" > "$T/$n.cfg"
	done
	xl create "$T/aidle.cfg"
	FAKE_HV_VCPU_LOAD=1 xl create "$T/zbusy.cfg"
	PORT=9603
}

local_teardown() {
	[ -z "${STOPPED:-}" ] || kill -CONT "$STOPPED" 2> /dev/null || true
	kill_pid "${EXP_PID:-}"
	[ -z "${EXP_PID:-}" ] || wait_for 5 pid_gone "$EXP_PID"
	[ ! -s "$T/exp.pid" ] || kill_pid "$(cat "$T/exp.pid")"
	ip netns del "$NS" 2> /dev/null || true
	xl_env_stop
}

in_ns() { ip netns exec "$NS" "$@"; }
scrape() { in_ns curl -sS --max-time 5 "http://127.0.0.1:$PORT${1:-/metrics}"; }
serving() { scrape > /dev/null 2>&1; }

start_exporter() {
	# Not through in_ns: $! must be the exporter (ip netns exec execs it), not a subshell.
	ip netns exec "$NS" xenon-exporter -F -p "$PORT" "$@" 2> "$T/exp.log" 3>&- &
	EXP_PID=$!
	wait_for 10 serving
}

# The value of series $2 (name and labels, exactly) in scrape file $1.
value_of() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }

@test "exporter: /metrics passes promtool check metrics, with HELP, TYPE and domain labels" {
	command -v promtool || skip "promtool is not installed (Debian package prometheus; make deps)"
	start_exporter
	scrape > "$T/m"
	promtool check metrics < "$T/m"
	[ -z "$(promtool check metrics < "$T/m" 2>&1)" ]
	grep -q '^# HELP xenon_domain_cpu_seconds_total ' "$T/m"
	grep -q '^# TYPE xenon_domain_cpu_seconds_total counter$' "$T/m"
	id=$(xl domid zbusy)
	[ "$(value_of "$T/m" "xenon_domain_memory_bytes{domain=\"zbusy\",domid=\"$id\"}")" = 33554432 ]
	[ "$(value_of "$T/m" "xenon_domain_vcpus{domain=\"zbusy\",domid=\"$id\"}")" = 2 ]
	[ "$(value_of "$T/m" "xenon_domain_state{domain=\"zbusy\",domid=\"$id\",state=\"blocked\"}")" = 1 ]
	grep -q '^xenon_domain_vcpu_cpu_seconds_total{domain="zbusy",domid="'"$id"'",vcpu="1"} ' "$T/m"
	grep -q '^xenon_domain_cpu_seconds_total{domain="Domain-0",domid="0"} ' "$T/m"
	[ "$(value_of "$T/m" xenon_domains)" = 3 ]
	# Anything else is 404.
	[ "$(in_ns curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nothing")" = 404 ]
}

@test "exporter: scraped twice, every counter only grows, and a busy vCPU's does" {
	start_exporter -i 0.2
	scrape > "$T/m1"
	t1=$(value_of "$T/m1" xenon_sample_timestamp_seconds)
	wait_for 10 eval '[ "$(scrape | awk "\$1 == \"xenon_sample_timestamp_seconds\" { print \$2 }")" != "$t1" ]'
	sleep 0.5 # let the busy vCPU's time move on by a visible amount: not an assertion on timing
	scrape > "$T/m2"
	# Every counter series of the first scrape is in the second, not smaller.
	awk 'NR == FNR { if ($1 ~ /_total[{ ]/ || $1 ~ /_total$/) a[$1] = $2; next }
	     ($1 in a) { seen++; if ($2 + 0 < a[$1] + 0) { print "went down: " $1; bad = 1 } }
	     END { if (bad || seen < 5) exit 1 }' "$T/m1" "$T/m2"
	id=$(xl domid zbusy)
	s="xenon_domain_vcpu_cpu_seconds_total{domain=\"zbusy\",domid=\"$id\",vcpu=\"0\"}"
	awk -v a="$(value_of "$T/m1" "$s")" -v b="$(value_of "$T/m2" "$s")" 'BEGIN { exit !(b > a) }'
}

@test "exporter: a stopped xenon-hv never blocks a scrape; the domain is shown with sample_ok 0" {
	start_exporter -i 0.2 -t 300
	id=$(xl domid zbusy)
	STOPPED=$(xenstore-read "/libxl/$id/hv-pid")
	kill -STOP "$STOPPED"
	ok="xenon_domain_sample_ok{domain=\"zbusy\",domid=\"$id\"}"
	wait_for 10 eval '[ "$(scrape | awk -v s="$ok" "\$1 == s { print \$2 }")" = 0 ]'
	# Scrapes answer at once from the last sample, while samples wait out their deadline.
	for _ in 1 2 3; do
		in_ns curl -sS --max-time 1 "http://127.0.0.1:$PORT/metrics" > "$T/m"
	done
	grep -q "^xenon_domain_sample_ok{domain=\"aidle\",domid=\"$(xl domid aidle)\"} 1$" "$T/m"
	# Its counters are left out rather than shown as 0 (a false reset).
	not grep -q "^xenon_domain_cpu_seconds_total{domain=\"zbusy\"" "$T/m"
	kill -CONT "$STOPPED"
	STOPPED=
	wait_for 10 eval '[ "$(scrape | awk -v s="$ok" "\$1 == s { print \$2 }")" = 1 ]'
}

@test "exporter: as a daemon it returns once it serves and writes its pid file; SIGTERM ends it" {
	in_ns xenon-exporter -p "$PORT" --pidfile "$T/exp.pid"
	[ -s "$T/exp.pid" ]
	pid=$(cat "$T/exp.pid")
	serving
	kill -TERM "$pid"
	wait_for 10 pid_gone "$pid"
	[ ! -e "$T/exp.pid" ]
}

@test "exporter: a port in use, a bad address or a bad option is an error that says so" {
	start_exporter
	run in_ns xenon-exporter -F -p "$PORT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot listen on 127.0.0.1 port $PORT"* ]]
	run in_ns xenon-exporter -F -l not-an-address -p 1
	[ "$status" -eq 1 ]
	[[ "$output" == *"not an IPv4 or IPv6 address"* ]]
	run xenon-exporter -p 70000
	[ "$status" -eq 1 ]
	[[ "$output" == *"--port '70000'"* ]]
}
