# Shared bats helpers. Every test that makes something removes exactly that
# in teardown; processes are ended by the pids the test started, never by name.

XENON_TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
export XENON_TOP
export PATH="$XENON_TOP/xl:$XENON_TOP/xenstored:$XENON_TOP/hypervisor:$XENON_TOP/xentop:$PATH"

# Each test's domains get their cgroups under a parent of its own
# (libxl_cgroup.h), removed by teardown (cg_cleanup): the host's cgroups are
# left as they were.
export XENON_CGROUP_PARENT=xenon-test-$$

# `make check T=xl` leaves T=xl in the environment: a test that made no
# scratch directory must not take it for one (teardown would remove ./xl).
unset T

# mk_tmp: a private scratch directory in $T, removed by rm_tmp.
mk_tmp() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/xenon-test.XXXXXX")
	export T
}

# rm_tmp: remove $T, and only ever a directory that mk_tmp made.
rm_tmp() {
	if [ -n "${T:-}" ] && [ -d "$T" ] && [[ $T == "${BATS_TMPDIR:-/tmp}"/xenon-test.* ]]; then
		rm -rf "$T"
	fi
	T=
}

# pid_running PID: the process is there and has not ended. A zombie has
# ended (it holds nothing but its pid) though kill -0 still finds it until
# its parent reaps it: a daemon's parent is pid 1, which on some machines
# reaps only every 2 s (seen: CI's machines, where waiting for it made each
# test's teardown seconds longer).
pid_running() {
	local stat
	{ read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) } # the state letter follows the command name's ")"
	[[ ${stat%% *} != [ZX] ]]
}

# kill_pid PID: end a process this test started (SIGTERM; SIGKILL after
# 2.5 s) and wait until it has ended.
kill_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		pid_running "$pid" || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
}

# not COMMAND...: succeeds when COMMAND fails. In a test, write `not grep -q x
# file`, never `! grep -q x file`: bash's errexit (which bats relies on)
# ignores a failing `!` command, so that such a line asserts nothing unless it
# is the test's last. In the shell itself, not a subshell (a COMMAND's
# variables stay set). Likewise `[ a ] && [ b ]` asserts only b: one test a
# line.
not() { ! "$@"; }

# wait_for TIMEOUT_SECONDS COMMAND...: poll until COMMAND succeeds; on giving
# up, say so, with what COMMAND put in LEFT (what it still found, if it says).
# COMMAND sets GIVE_UP (why) when waiting on is pointless: the domain whose
# output it waits for has crashed or gone (guest_says): wait_for stops then.
wait_for() {
	local limit=$1 why=
	shift
	local end=$((SECONDS + limit))
	LEFT='' GIVE_UP=''
	until "$@"; do
		if [ -n "$GIVE_UP" ]; then
			why="at once on: $* ($GIVE_UP)"
		elif [ $SECONDS -ge $end ]; then
			why="after ${limit}s on: $*${LEFT:+ (left: $LEFT)}"
		fi
		if [ -n "$why" ]; then
			echo "wait_for: gave up $why" >&2
			guests_state >&2
			# a crash: its registers and the guest's last console lines too
			logs_tail "$([ -n "$GIVE_UP" ] && echo 20 || echo 5)" >&2
			return 1
		fi
		sleep 0.02
	done
}

# guests_state: where each guest running on this host has got to, for a
# failure's output: its xenon-hv's state and vCPU times, where each of its
# threads is (in KVM_RUN or waiting in xenon-hv), its last console lines.
# Nested guests have stopped now and then, their xenon-hv silent
# (tests/nested-kvm): this tells the emulation's defect from ours.
guests_state() {
	local f info pid t
	for f in "${XENON_RUNDIR:-/nonexistent}"/domains/*.sock; do
		[ -S "$f" ] || continue
		info=$(timeout 5 hvctl "$f" info 2>&1) || true
		pid=$(awk '$1 == "pid:" { print $2 }' <<<"$info")
		{
			grep -E '^(name|state|vcpu[0-9]+|dirty log):' <<<"$info" || true
			for t in /proc/"${pid:-none}"/task/*; do
				[ -d "$t" ] || continue
				echo "thread ${t##*/} state $(awk '{ print $3 }' "$t/stat") in $(cat "$t/wchan")," \
					"$(head -n 3 "$t/stack" 2>/dev/null | awk '{ printf "%s ", $2 }')"
			done
			timeout 5 hvctl "$f" console 2>/dev/null | tr -d '\r' | tail -n 3 | sed 's/^/console: /'
		} | sed "s|^|# $(basename "${XENON_RUNDIR%/run}")/${f##*/} |"
	done
}

# logs_tail [LINES]: the last LINES (5) of each of this host's domain logs
# (a guest that is no longer running: its crash, its monitor's action), for
# a failure's output, named as guests_state names its guests.
logs_tail() {
	local f
	for f in "${XENON_LOGDIR:-/nonexistent}"/*.log; do
		[ -f "$f" ] && tail -n "${1:-5}" "$f" | sed "s|^|# $(basename "${XENON_LOGDIR%/log}")/${f##*/}: |"
	done
	return 0
}

# pid_gone PID: the process has ended (a zombie its parent has not reaped
# yet counts: it runs no more, though kill -0 still finds it).
pid_gone() { ! pid_running "$1"; }

# known_defect TEXT: skip a test that a known, open defect makes fail some of
# the time, saying which (listed with the skips, never counted as passed).
# XENON_KNOWN_DEFECTS=run runs such tests anyway (to chase the defect).
known_defect() {
	[ "${XENON_KNOWN_DEFECTS:-}" = run ] || skip "known defect, open: $1"
}

# dump_threads PID: each thread's state, wait channel and kernel stack, on
# stderr (shown with a failed test): what a hung process was waiting for.
dump_threads() {
	local task
	[ -n "$1" ] && [ -d "/proc/$1" ] || return 0
	for task in /proc/"$1"/task/*; do
		echo "# thread ${task##*/} ($(cat "$task/comm" 2>/dev/null)): state $(awk '{ print $3 }' "$task/stat" 2>/dev/null), wchan $(cat "$task/wchan" 2>/dev/null)" >&2
		sed 's/^/#     /' "$task/stack" >&2 2>/dev/null || true
	done
}

# XS CMD ARGS...: this tree's xenstore-CMD client (on $XENSTORED_PATH).
XS() { "$XENON_TOP/xenstored/xenstore-$1" "${@:2}"; }

# start_guest_xenstored KIND...: a private xenstored on $T/xs.sock
# (XSD_PID) with domain 5's home and its KIND (vbd, vif) backend
# directories as libxl makes them, so that new nodes below take these
# permissions (the guest suites' hand-written device nodes).
start_guest_xenstored() {
	local kind
	export XENSTORED_PATH="$T/xs.sock"
	"$XENON_TOP/xenstored/xenstored" -N -I -s "$XENSTORED_PATH" 2>"$T/xsd.err" 3>&- &
	XSD_PID=$!
	wait_for 10 test -S "$XENSTORED_PATH"
	XS write /local/domain/5 ""
	XS chmod /local/domain/5 n5
	for kind in "$@"; do
		XS write "/local/domain/0/backend/$kind/5" ""
		XS chmod "/local/domain/0/backend/$kind/5" n0 r5
	done
}

# dump_guest CONSOLE_FILE [FEED_FD [DOMID]]: after a failed guest test, on
# stderr: the store's view of domain DOMID, the guest's own view of its
# xenstore devices (asked through its console, when it still answers: after
# the store's, which it could change), and the console's last lines.
dump_guest() {
	local out=$1 feed=${2:-} domid=${3:-}
	[ -f "$out" ] || return 0
	if [ -n "$domid" ] && [ -S "${XENSTORED_PATH:-}" ]; then
		echo "# xenstore, /local/domain/$domid and its backends:" >&2
		"$XENON_TOP/xenstored/xenstore-ls" -f "/local/domain/$domid" 2>&1 | sed 's/^/#   /' >&2
		"$XENON_TOP/xenstored/xenstore-ls" -f "/local/domain/0/backend" 2>&1 | sed 's/^/#   /' >&2
	fi
	if [ -n "$feed" ]; then
		printf 'xs-ls device/vbd\rxs-ls device/vif\recho dump-guest-done\r' >&"$feed" 2>/dev/null &&
			wait_for 5 grep -q '^dump-guest-done' "$out" || echo "# the guest did not answer on its console" >&2
	fi
	echo "# the guest's console, last lines:" >&2
	tr -d '\r' <"$out" | tail -n 40 | sed 's/^/#   /' >&2
}

# cg_mounts: where the hierarchies a domain cgroup may be in are mounted
# (cgroup v1 with the cpu or cpuset controller, cgroup v2), one a line.
cg_mounts() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") break
	       if ($(i + 1) == "cgroup2" || ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)cpu(set)?(,|$)/)) print $5 }' /proc/self/mountinfo
}

# cg_dirs: this test's cgroup parents that exist.
cg_dirs() {
	local m
	[[ ${XENON_CGROUP_PARENT:-} == xenon-test-* ]] || return 0
	for m in $(cg_mounts); do
		[ ! -d "$m/$XENON_CGROUP_PARENT" ] || echo "$m/$XENON_CGROUP_PARENT"
	done
}

# no_domain_cgroups: no domain cgroup is left under this test's parent.
no_domain_cgroups() {
	local d
	for d in $(cg_dirs); do
		[ -z "$(find "$d" -mindepth 1 -maxdepth 1 -type d)" ] || return 1
	done
}

# cg_cleanup: remove this test's cgroup parent and what is left below it
# (empty cgroups only: rmdir fails on one that still holds a process).
cg_cleanup() {
	local d
	for d in $(cg_dirs); do
		find "$d" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} \; 2> /dev/null || true
		rmdir "$d" 2> /dev/null || echo "# cgroup $d could not be removed" >&2
	done
}

# reap_leftovers: what the test's own teardown missed, ended by pid and
# named on stderr: a process holding a file of this test's $T (a domain's
# monitor or xenon-hv whose pid was not in xenstore yet: one restarting its
# domain as the test ended) or in one of this test's cgroups. A monitor
# left behind would otherwise hold bats' output open: bats waits for it.
reap_leftovers() {
	local pids pid d
	pids=$({
		[ -z "${T:-}" ] || [ ! -d "$T" ] ||
			find /proc/[0-9]*/fd -maxdepth 1 -lname "$T/*" 2> /dev/null | cut -d/ -f3
		for d in $(cg_dirs); do
			find "$d" -name cgroup.procs -exec cat {} + 2> /dev/null
		done
	} | sort -un)
	for pid in $pids; do
		[ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
		echo "# left running, ended: $pid $(tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | cut -c1-160)" >&2
		kill_pid "$pid"
	done
}

teardown() {
	if declare -F local_teardown >/dev/null; then
		local_teardown
	fi
	reap_leftovers
	cg_cleanup
	rm_tmp
}

# ---- the xl suites (xl-commands, xl-lifecycle) ----------------------------

# xl_env_start: a scratch $T with a private xenstored on $T/xs.sock and
# private XENON_RUNDIR, XENON_LOGDIR and xl.conf (with its own lockfile).
xl_env_start() {
	mk_tmp
	export XENSTORED_PATH=$T/xs.sock XENON_RUNDIR=$T/run XENON_LOGDIR=$T/log XENON_DUMPDIR=$T/dump
	export XL_CONF=$T/xl.conf
	printf 'lockfile = "%s"\n' "$T/xl.lock" > "$XL_CONF"
	xenstored -N -I -s "$XENSTORED_PATH" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
}

# fakehv_env_start [VCPUS]: xl_env_start, with tests/fake-hv/fake-hv as
# every domain's xenon-hv (no KVM needed) and $T/f.cfg a domain "f1" of
# 32 MiB (and VCPUS vCPUs, if given) for it.
fakehv_env_start() {
	xl_env_start
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	printf 'name = "f1"\nkernel = "%s"\nmemory = 32\n' "$XENON_TOP/guest/xenon-guest.elf" > "$T/f.cfg"
	[ -z "${1:-}" ] || printf 'vcpus = %s\n' "$1" >> "$T/f.cfg"
}

# xl_env_stop: end what xl_env_start and the test started: each domain's
# monitor, then its xenon-hv and VM keeper (by the pids libxl recorded; the
# monitor first, so that it cannot restart the domain), then xenstored.
xl_env_stop() {
	local id n pid
	for id in $(xenstore-list /libxl 2> /dev/null); do
		for n in monitor-pid hv-pid keeper-pid; do
			pid=$(xenstore-read "/libxl/$id/$n" 2> /dev/null) || continue
			kill_pid "$pid"
		done
	done
	kill_pid "${XS_PID:-}"
}

hv_running_here() { pgrep -f -- "--control $XENON_RUNDIR/" > /dev/null; }

# No domain but Domain-0 is left: nodes, sockets, xenon-hv processes. Each
# check returns at once (a condition for wait_for and if, where bash's
# errexit does not stop at a failed line); LEFT says what was left, which
# wait_for prints when it gives up.
nothing_left() {
	local doms
	LEFT=
	doms=$(xenstore-list /local/domain 2> /dev/null) || doms=
	if [ -n "$doms" ] && [ "$doms" != 0 ]; then
		LEFT="domains in /local/domain: $(echo $doms)"
	elif [ -n "$(xenstore-list /libxl 2> /dev/null)" ]; then
		LEFT="/libxl: $(echo $(xenstore-list /libxl 2> /dev/null))"
	elif [ -n "$(xenstore-list /vm 2> /dev/null)" ]; then
		LEFT="/vm: $(echo $(xenstore-list /vm 2> /dev/null))"
	elif [ -n "$(ls -A "$XENON_RUNDIR/domains" 2> /dev/null)" ]; then
		LEFT="$XENON_RUNDIR/domains: $(echo $(ls -A "$XENON_RUNDIR/domains" 2> /dev/null))"
	elif ! no_domain_cgroups; then
		LEFT="a domain cgroup"
	elif hv_running_here; then
		LEFT="xenon-hv: $(pgrep -a -f -- "--control $XENON_RUNDIR/" | cut -c1-200)"
	fi
	[ -z "$LEFT" ]
}

# The state letters `xl list` shows for domain $1.
state_of() { xl list "$1" | awk -v n="$1" '$1 == n { print $5 }'; }

# The guest's console so far (the ring xenon-hv keeps).
console_text() { xl console "$1" < /dev/null 2> /dev/null; }

console_has() { console_text "$1" | grep -q -- "$2"; }

# guest_says DOMAIN PATTERN: console_has, for a domain that runs already
# (not one still to come): once it is gone or crashed no more output will
# come, and it sets GIVE_UP for wait_for (a nested guest that crashed in a
# 200 s wait held the nested run that long).
guest_says() {
	console_has "$1" "$2" && return 0
	give_up_if_over "$1"
	return 1
}
# give_up_if_over DOMAIN: set GIVE_UP when DOMAIN is gone or crashed (no
# more output will come from it).
give_up_if_over() {
	case $(state_of "$1" 2> /dev/null) in
	'' | ????c?) GIVE_UP="domain $1 is gone or crashed" ;;
	esac
}

# The console pty of domain $1 as xenon-hv reports it (never the guest-writable console/tty).
pty_of() { hvctl "$XENON_RUNDIR/domains/$(xl domid "$1").sock" info | awk '$1 == "console:" { print $2 }'; }

# nspid_of PID: the process's ids in each PID namespace it is in, the host's
# first ("1234 1": pid 1 of a namespace of its own, as libxl starts xenon-hv).
nspid_of() { awk '$1 == "NSpid:" { $1 = ""; sub(/^ +/, ""); print }' "/proc/$1/status"; }

# kvm_counter_of SOCKET NAME: one of KVM's own counters (hvctl info's kvmN:
# lines, e.g. insn_emulation or exits) for the domain of that control socket,
# summed over its vCPUs; fails where KVM keeps none.
kvm_counter_of() {
	hvctl "$1" info | awk -v k="$2" '/^kvm[0-9]+:/ {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { n++; if (kv[2] == "-") bad = 1; s += kv[2] } } }
		END { if (bad || !n) exit 1; printf "%.0f\n", s }'
}

# runs_natively NAME: domain NAME's guest runs bench-loop; KVM must have
# emulated fewer instructions meanwhile than a thousandth of the loop's
# iterations. Not a rate (bench/ measures that): emulated, every iteration
# (dec; jnz) would be two instructions KVM emulates, at any host speed.
runs_natively() {
	local sock before after total
	sock=$XENON_RUNDIR/domains/$(xl domid "$1").sock
	before=$(kvm_counter_of "$sock" insn_emulation) || return 1
	guest_cmd "$1" "bench-loop"
	wait_for 60 console_has "$1" "iterations in all"
	after=$(kvm_counter_of "$sock" insn_emulation)
	total=$(console_text "$1" | tr -d '\r' | sed -n 's/^loop: [0-9]* iterations\/s, \([0-9]*\) iterations in all$/\1/p' | tail -1)
	echo "# $1: loop of ${total:-?} iterations; KVM emulated $((after - before)) instructions meanwhile" >&3
	[ "${total:-0}" -gt 0 ] && [ $((after - before)) -lt $((total / 1000)) ]
}

# Type a command into the guest's shell.
guest_cmd() {
	local tty
	tty=$(pty_of "$1")
	[[ $tty == /dev/pts/* ]] || return 1
	printf '%s\r' "$2" > "$tty"
}

# ---- the host's hugetlb pool (xl.conf memory_pool) ----------------------------

HUGETLB_POOL=/sys/kernel/mm/hugepages/hugepages-2048kB

# pool_grow N: N more 2 MiB pages in the host's hugetlb pool (how many it
# had in POOL_BEFORE, for pool_restore at teardown); fails, saying so, when
# the kernel gives fewer.
pool_grow() {
	POOL_BEFORE=$(cat "$HUGETLB_POOL/nr_hugepages")
	echo $((POOL_BEFORE + $1)) > "$HUGETLB_POOL/nr_hugepages"
	if [ "$(cat "$HUGETLB_POOL/nr_hugepages")" -ne $((POOL_BEFORE + $1)) ]; then
		echo "# the kernel gave $(cat "$HUGETLB_POOL/nr_hugepages") of $((POOL_BEFORE + $1)) 2 MiB pages" >&2
		return 1
	fi
}
pool_restore() { [ -z "${POOL_BEFORE:-}" ] || echo "$POOL_BEFORE" > "$HUGETLB_POOL/nr_hugepages"; }
# The pool's pages a new domain can have: free, less those reserved.
pool_free() { echo $(($(cat "$HUGETLB_POOL/free_hugepages") - $(cat "$HUGETLB_POOL/resv_hugepages"))); }
pool_is() { [ "$(pool_free)" -eq "$1" ]; }
# from_pool DOMAIN: its RAM is the pool's (xenon-hv says so).
from_pool() { hvctl "$XENON_RUNDIR/domains/$(xl domid "$1").sock" info | grep -q '^mem pool:  hugetlb'; }

# ---- what the host offers ---------------------------------------------------

# kvm_missing: print why this host cannot run a KVM guest (nothing if it can).
kvm_missing() { "$XENON_TOP/tests/kvm-missing"; }

# require_kvm: skip the test, saying why, on a host without a usable
# /dev/kvm. The runner counts and lists skips apart from passes.
require_kvm() {
	local why
	why=$(kvm_missing)
	[ -z "$why" ] || skip "needs KVM: $why"
}
