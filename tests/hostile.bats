#!/usr/bin/env bats
# The hostile-guest suite (issue 15, SECURITY.md): a guest that attacks its
# own xenon-hv and dom0 on purpose (the guest shell's `hostile <case>`,
# guest/hostile.c). For each case, one hostile domain with a disk is made,
# attacked from inside, and then the test asserts what became of it (the
# device set DEVICE_NEEDS_RESET, a request failed, the channel stopped, the
# guest got an error) and that nothing else suffered: xenon-hv did not
# crash (no signal, no sanitizer report, no seccomp kill) nor hang (hvctl
# answers, xl list works), the guest's shell still answers, xenstored
# answers, and a bystander domain made once for the file (setup_file) keeps
# ticking. Needs KVM: tests/nested-kvm tests/hostile.bats. To keep the
# nested time short, the cases run one after the other in one hostile
# domain (h1, made in setup_file, as the bystander is) as long as it
# survives them; xs-ring, which leaves nothing to attack after it, gets a
# domain of its own (h2, booted in setup_file too, at the same time).

load helpers

SEED=20261205

setup_file() {
	[ -z "$(kvm_missing)" ] || return 0
	xl_env_start
	# helpers.bash, loaded again for each test, unsets T: the tests take it from HOSTILE_T
	export XS_PID FILE_CG=$XENON_CGROUP_PARENT HOSTILE_T=$T HOSTILE_T0=$SECONDS
	cat > "$T/by.cfg" <<-EOF
		name = "by"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vcpus = 1
		cmdline = 'run="ticker on"'
	EOF
	xl create "$T/by.cfg"
	xl domid by > "$T/by.domid"
	hostile_boot h1
	hostile_boot h2
	wait_for 30 con_has by "tick 2 "
	wait_for 30 con_has h1 "xenon> "
	wait_for 30 con_has h2 "xenon> "
}

teardown_file() {
	T=${HOSTILE_T:-}
	[ -n "$T" ] || return 0
	echo "# hostile.bats: $((SECONDS - HOSTILE_T0)) s from setup_file to teardown_file" >&3
	xl destroy by 2> /dev/null || true
	xl destroy h1 2> /dev/null || true
	xl destroy h2 2> /dev/null || true
	xl_env_stop
	XENON_CGROUP_PARENT=$FILE_CG cg_cleanup
	rm_tmp
}

setup() {
	T=${HOSTILE_T:-}
	TEST_T0=$SECONDS
}

# Per test: what setup_file made stays (teardown_file ends it). A failed
# test shows the logs: the hostile domains' and xenstored's last lines, and
# whether xenstored and each xenon-hv still run.
teardown() {
	[ -z "$T" ] || echo "# $((SECONDS - TEST_T0)) s" >&3
	[ -n "${BATS_TEST_COMPLETED:-}" ] || [ -z "$T" ] || show_logs >&3
	[ -z "${HOSTILE:-}" ] || xl destroy "$HOSTILE" 2> /dev/null || true
}
show_logs() {
	local d
	echo "# xenstored (pid $XS_PID) $(kill -0 "$XS_PID" 2> /dev/null && echo runs || echo 'is gone'); its log:"
	tail -n 15 "$T/xenstored.log" 2> /dev/null | sed 's/^/#   /'
	for d in h1 h2; do
		echo "# $d: $(hvctl "$(sock_of "$d")" info > /dev/null 2>&1 && echo 'xenon-hv answers' || echo 'xenon-hv does not answer'); its logs:"
		hv_log "$d" | tail -n 15 | sed 's/^/#   /'
	done
}

# What xenon-hv logged (xenon-hv-NAME.log), then what its monitor did (xl-NAME.log).
hv_log() { cat "$XENON_LOGDIR/xenon-hv-$1.log" "$XENON_LOGDIR/xl-$1.log" 2> /dev/null; }

# Domain $1's control socket, as hostile_boot noted it (its domid does not change).
sock_of() { echo "$XENON_RUNDIR/domains/$(cat "$T/$1.domid").sock"; }

# The console so far, from xenon-hv's ring through hvctl (lighter than xl
# console in the nested machine, where every process start is slow).
con_text() { hvctl "$(sock_of "$1")" console 2> /dev/null | tr -d '\r'; }
con_has() { con_text "$1" | grep -q -- "$2"; }

# Type a line into domain $1's shell, on the console pty xenon-hv reported
# at boot (never the guest-writable console/tty node).
guest_cmd() {
	local tty
	[ -s "$T/$1.tty" ] || hvctl "$(sock_of "$1")" info | awk '$1 == "console:" { print $2 }' > "$T/$1.tty"
	tty=$(cat "$T/$1.tty")
	[[ $tty == /dev/pts/* ]] || return 1
	printf '%s\r' "$2" > "$tty"
}

# hostile_boot NAME: a domain with a 4 MiB disk (xvda), at its prompt.
hostile_boot() {
	truncate -s 4M "$T/$1.img"
	cat > "$T/$1.cfg" <<-EOF
		name = "$1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vcpus = 1
		on_crash = "preserve"
		disk = [ "$T/$1.img,raw,xvda,rw" ]
	EOF
	xl create "$T/$1.cfg"
	xl domid "$1" > "$T/$1.domid"
}

# hostile_case NAME CASE: run the case; its lines (without the prefix) in
# $output; the log's length before it in LOG_LINES.
hostile_case() {
	hostile_start "$1" "$2"
	hostile_wait "$1" "$2"
}
hostile_start() {
	LOG_LINES=$(hv_log "$1" | wc -l)
	TICKS=$(ticks)
	guest_cmd "$1" "hostile $2 $SEED"
}
# The case's lines so far in $T/case.out; true once it ended.
case_over() {
	con_text "$1" | sed -n "s/^hostile $2: //p" > "$T/case.out"
	grep -qx 'done\|failed: .*' "$T/case.out"
}
hostile_wait() {
	wait_for 60 case_over "$1" "$2"
	output=$(cat "$T/case.out")
	echo "# $2:" >&3
	sed 's/^/#   /' <<< "$output" >&3
	[[ $output == *done* ]]
}

ticks() { con_text by | sed -n 's/^tick \([0-9]*\) .*/\1/p' | tail -1; }
ticks_above() { [ "$(ticks)" -gt "$1" ]; }
hv_answers() { timeout 10 hvctl "$(sock_of "$1")" info > /dev/null; }

log_has() { hv_log "$1" | grep -qF -- "$2"; }

# What must hold after every case: the hostile domain's xenon-hv is there
# and answers, and logged no crash nor more than a few lines a second; its
# guest's shell answers; xl list, xenstored and the bystander go on.
still_sane() {
	local name=$1 word=alive-$RANDOM
	hv_answers "$name"
	guest_cmd "$name" "echo $word"
	run timeout 30 xl list
	[ "$status" -eq 0 ]
	awk -v n="$name" '$1 == n && $5 !~ /c/ { found = 1 } END { exit !found }' <<< "$output"
	run timeout 10 xenstore-read /local/domain/0/name
	[ "$status" -eq 0 ]
	wait_for 20 con_has "$name" "^$word"
	wait_for 10 ticks_above "$TICKS"
	run hv_log "$name"
	[[ $output != *AddressSanitizer* && $output != *"runtime error"* && $output != *SIGSEGV* ]]
	[[ $output != *seccomp* && $output != *crashed* ]]
	# what the case added: a few lines a second at most (loglimit.h)
	output=$(tail -n +$((LOG_LINES + 1)) <<< "$output")
	sed 's/^/#   log: /' <<< "$output" | head -n 12 >&3
	[ "$(wc -l <<< "$output")" -lt 100 ]
}

# destroy NAME: xl destroy ends it and leaves nothing of it.
destroy_clean() {
	local id
	id=$(xl domid "$1")
	xl destroy "$1"
	HOSTILE=
	wait_for 10 sh -c "! xenstore-exists /local/domain/$id 2> /dev/null && ! xenstore-exists /libxl/$id 2> /dev/null"
	[ ! -e "$XENON_RUNDIR/domains/$id.sock" ]
	run timeout 30 xl list
	[ "$status" -eq 0 ]
	[[ $output != *"$1 "* ]]
}

# Each line of a case is "what: outcome"; has LINE: that exact line is there.
has() { grep -qxF -- "$1" <<< "$output"; }

@test "hostile desc-outside: a buffer outside RAM breaks the queue; the guest's own pages are fine" {
	require_kvm
	hostile_case h1 desc-outside
	for what in "data beyond the end of RAM" "data at the top of the address space, wrapping" \
		"data with a length that wraps" "header beyond the end of RAM" "status byte in the LAPIC page" \
		"descriptor table across the end of RAM"; do
		has "xvda: $what: needs-reset"
	done
	has "xvda: write from the boot pages (GDT, boot info, command line): completed, status 0"
	has "xvda: write from the kernel image: completed, status 0"
	has "xvda: given back to its driver: ok"
	log_has h1 "vbd 51712: device error: queue 0: chain 0: buffer [0xfffffffffffff000, +8192) is not inside guest RAM; DEVICE_NEEDS_RESET set"
	log_has h1 "refused (Bad address); DEVICE_NEEDS_RESET set"
	still_sane h1
}

@test "hostile desc-loop: looping, nested and overlong chains and bad ring indexes break the queue" {
	require_kvm
	hostile_case h1 desc-loop
	[ "$(grep -c ': needs-reset$' <<< "$output")" -eq 11 ]
	has "xvda: given back to its driver: ok"
	still_sane h1
}

@test "hostile vdev-regs: out-of-order and garbage register writes are refused or need a reset; the disk works after" {
	require_kvm
	hostile_case h1 vdev-regs
	has "xvda: DRIVER_OK first: status 0x0"
	has "xvda: every feature bit asked for: status 0x3"
	has "xvda: queue ready before FEATURES_OK: ready 0"
	has "xvda: queue 0xffffffff: max 0, ready 0"
	has "xvda: queue of 0xffffffff entries: status 0x4b"
	has "xvda: queue of 3 with its ring at the top of the address space: status 0x4b"
	has "xvda: after a reset: status 0x0"
	has "xvda: given back to its driver: ok"
	log_has h1 "queue 0: size 4294967295"
	guest_cmd h1 "blk write xvda 1 still-writable; blk read xvda 1 1"
	wait_for 20 con_has h1 "still-writable"
	still_sane h1
}

@test "hostile io-flood: port I/O and MMIO everywhere are ignored; the log stays short" {
	require_kvm
	# while the flood runs, xenon-hv and the toolstack answer
	hostile_case h1 io-flood
	grep -Eq '^[0-9]+ accesses in [0-9]+ passes over [0-9]+ ms$' <<< "$output"
	log_has h1 "guest wrote unknown shutdown code"
	log_has h1 "(more like this in the next second are not logged)"
	still_sane h1
}

@test "hostile xs-random: random values in the guest's own nodes are taken, dom0's refused; dom0 trusts none" {
	require_kvm
	local id
	id=$(xl domid h1)
	hostile_case h1 xs-random
	for node in data/x control/shutdown device/vbd/51712/state device/vbd/51712/virtio-mmio-base console/tty; do
		has "$node: 8 of 8 writes taken"
	done
	# dom0's nodes, in the guest's home (name, memory/target) or not
	for node in name memory/target "/local/domain/0/backend/vbd/$id/51712/state" "/libxl/$id/hv-pid" \
		/local/domain/0/name /vm/x; do
		has "$node: 0 of 8 writes taken, error EACCES"
	done
	has "data/big: a value of 3000 bytes: ENOSPC" # over xenstored's quota on a node's size
	has "data/many: 100 nodes of 1000 bytes made"
	# what dom0 shows comes from its own nodes and from xenon-hv
	run timeout 30 xl list -l h1
	[ "$status" -eq 0 ]
	[[ $output == *'"name": "h1"'* ]]
	[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ]
	still_sane h1
}

@test "hostile vdev-widths: 1-, 2- and 8-byte accesses to every register are ignored; a reset undoes all" {
	require_kvm
	hostile_case h1 vdev-widths
	grep -q '^xvda: 1-, 2- and 8-byte garbage at every offset (read back sum 0x[0-9a-f]*): status 0x[0-9a-f]*$' <<< "$output"
	has "xvda: after a reset: status 0x0"
	has "xvda: given back to its driver: ok"
	still_sane h1
}

@test "hostile xs-ring-garbage: a request claiming 4 GiB: xenstored drops the connection, the domain runs on" {
	require_kvm
	hostile_case h1 xs-ring-garbage
	grep -q '^a 16-byte header claiming 0xffffffff bytes and 600 random bytes: ' <<< "$output"
	# xenon-hv sees xenstored's close on its own time: wait for the line
	wait_for 30 log_has h1 "xenstore channel stopped: xenstored closed the connection"
	still_sane h1
	destroy_clean h1
}

@test "hostile xs-ring: bad ring indexes: replies wait, then xenon-hv stops the channel" {
	require_kvm
	HOSTILE=h2
	hostile_case h2 xs-ring
	# the reply (a header and the domain's name) waits until rsp_cons is put back
	grep -Eqx 'rsp_cons 4096 behind: 0 reply bytes written meanwhile, 1[0-9] once it was put back' <<< "$output"
	grep -Eqx 'rsp_cons 100 ahead: 0 reply bytes written meanwhile, 1[0-9] once it was put back' <<< "$output"
	has "req_prod 0x10000000 ahead: req_cons moved by 0"
	wait_for 30 log_has h2 "xenstore channel stopped: the guest's request indexes are inconsistent"
	still_sane h2
	destroy_clean h2
}
