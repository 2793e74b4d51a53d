#!/usr/bin/env bats
# The foundation itself: the runner's summary line, failure and skip
# accounting, and `make install` honouring PREFIX and DESTDIR with every file
# a program outside the tree needs.

load helpers

@test "runner counts TAP and ends with the summary line" {
	mk_tmp
	printf '#!/bin/sh\necho "ok 1 - a"\necho "not ok 2 - b"\necho "ok 3 - c"\nexit 1\n' > "$T/fake"
	chmod +x "$T/fake"
	run tests/run --unit "$T/fake"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "2 passed, 1 failed, 0 skipped" ]
}

@test "runner counts a crashing test binary as a failure" {
	mk_tmp
	printf '#!/bin/sh\necho "ok 1 - a"\nkill -SEGV $$\n' > "$T/crash"
	chmod +x "$T/crash"
	run tests/run --unit "$T/crash"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "1 passed, 1 failed, 0 skipped" ]
}

@test "runner counts a skip apart from passes and lists it with its reason" {
	mk_tmp
	printf '#!/bin/sh\necho "ok 1 - a"\necho "ok 2 - b # skip needs KVM: none here"\n' > "$T/skips"
	chmod +x "$T/skips"
	run tests/run --unit "$T/skips"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1 passed, 0 failed, 1 skipped" ]
	[[ "$output" == *"skipped (not run, not counted as passed):"*"b # skip needs KVM: none here"* ]]
}

local_teardown() { kill_pid "${XS_PID:-}"; }

# Every file make install promises, under DESTDIR + PREFIX.
INSTALLED="sbin/xl sbin/xenstored sbin/xenon-hv sbin/hvctl
bin/xenstore bin/xenstore-read bin/xenstore-write bin/xenstore-ls
lib/libxenlight.a include/libxl.h include/libxl_types.h lib/pkgconfig/xenlight.pc
lib/xenon/boot/xenon-guest.elf etc/xen/xl.conf share/xenon/examples/demo.cfg
share/bash-completion/completions/xl
share/man/man1/xl.1 share/man/man5/xl.cfg.5 share/man/man8/xenstored.8"

@test "make install honours PREFIX and DESTDIR and installs every file" {
	mk_tmp
	run make -s install PREFIX=/opt/xenon DESTDIR="$T/root"
	[ "$status" -eq 0 ]
	local f
	for f in $INSTALLED; do
		[ -s "$T/root/opt/xenon/$f" ] || { echo "not installed: $f"; return 1; }
	done
	for f in sbin/xl sbin/xenstored sbin/xenon-hv bin/xenstore-read; do
		[ -x "$T/root/opt/xenon/$f" ] || { echo "not executable: $f"; return 1; }
	done
	# the installed programs are the ones just built
	cmp xl/xl "$T/root/opt/xenon/sbin/xl"
	# the example config names the guest kernel where it was installed
	grep -qx 'kernel = "/opt/xenon/lib/xenon/boot/xenon-guest.elf"' "$T/root/opt/xenon/share/xenon/examples/demo.cfg"
	# nothing escaped DESTDIR
	[ ! -e /opt/xenon ]
}

@test "a program outside the tree builds against the installed libxl.h and xenlight.pc and runs" {
	mk_tmp
	make -s install PREFIX=/opt/xenon DESTDIR="$T/root"
	mkdir "$T/outside"
	cat > "$T/outside/lsdom.c" <<-'EOF'
		#include <libxl.h>
		#include <stdio.h>
		#include <stdlib.h>
		int main(void)
		{
			libxl_ctx *ctx;
			libxl_dominfo *doms;
			int nr;
			if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, NULL) != 0)
				return 2;
			if (libxl_list_domain(ctx, &doms, &nr) != 0)
				return 3;
			printf("domains: %d\n", nr);
			free(doms);
			libxl_ctx_free(ctx);
			return 0;
		}
	EOF
	# pkg-config finds the staged install as it would the real one
	export PKG_CONFIG_PATH=$T/root/opt/xenon/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$T/root
	run pkg-config --cflags --libs --static xenlight
	[ "$status" -eq 0 ]
	[[ "$output" == *"-I$T/root/opt/xenon/include"* ]]
	# the static library: beside libxenlight.so, -lxenlight would take the
	# shared one (tests/libs.bats runs against that); -l:libxenlight.a asks
	# for the archive
	local libs
	libs=$(pkg-config --libs --static xenlight)
	(cd "$T/outside" && cc -o lsdom lsdom.c $(pkg-config --cflags xenlight) ${libs/-lxenlight/-l:libxenlight.a})
	run ldd "$T/outside/lsdom"
	[[ "$output" != *libxenlight* ]]
	# it runs against a real xenstored (private socket)
	export XENSTORED_PATH=$T/xs.sock
	"$T/root/opt/xenon/sbin/xenstored" -N -I -s "$XENSTORED_PATH" 2> "$T/xs.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
	run "$T/outside/lsdom"
	[ "$status" -eq 0 ]
	[ "$output" = "domains: 0" ]
}

@test "no test waits on a value expanded once: wait_for's command is run anew each time, \$(...) in its arguments is not" {
	# wait_for 20 test "$(fe_state 3)" = 4 re-tests the state read at the
	# call for 20 s; a function, or eval '...' in single quotes, reads anew.
	run grep -nE '^[^#]*(^|[;&|[:space:]])wait_for +[0-9]+ +[^'"'"']*"\$\(' "$XENON_TOP"/tests/*.bats "$XENON_TOP"/tests/*.bash
	echo "$output"
	[ "$status" -eq 1 ]
}

@test "a wait given up says what it waited for and shows the end of this host's domain logs" {
	mk_tmp
	XENON_RUNDIR=$T/run XENON_LOGDIR=$T/log
	mkdir -p "$XENON_RUNDIR/domains" "$XENON_LOGDIR"
	printf '%s\n' "xl: Waiting for domain h1" "xenon-hv: domain 2 (h1) crashed: triple fault" > "$XENON_LOGDIR/xenon-hv-h1.log"
	run wait_for 1 false
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "wait_for: gave up after 1s on: false"* ]]
	[[ "$output" == *"# ${T##*/}/xenon-hv-h1.log: xenon-hv: domain 2 (h1) crashed: triple fault"* ]]
}

@test "a wait whose command sets GIVE_UP stops at once and says why; guest_says sets it for a domain that is gone" {
	mk_tmp
	XENON_RUNDIR=$T/run XENON_LOGDIR=$T/log
	mkdir -p "$XENON_RUNDIR/domains" "$XENON_LOGDIR"
	tries=0
	pointless() { tries=$((tries + 1)); GIVE_UP="nothing will come"; return 1; }
	run wait_for 20 pointless
	[ "$status" -eq 1 ]
	[[ "$output" == "wait_for: gave up at once on: pointless (nothing will come)"* ]]
	wait_for 20 pointless || true
	[ "$tries" -eq 1 ] # asked once, not for 20 s
	# no such domain: xl list names none, the console has nothing
	xl() { return 1; }
	GIVE_UP=
	not guest_says nosuch "xenon> "
	[ "$GIVE_UP" = "domain nosuch is gone or crashed" ]
	# a crashed one (its letters as xl list shows them) likewise; a running one waits on
	xl() { [ "$1" = list ] && printf '%s\n' "Name ID Mem VCPUs State Time(s)" "c1 1 32 1 $STATE 0.1"; }
	for STATE in ----c- ---sc- ---scd; do
		GIVE_UP=
		not guest_says c1 "xenon> "
		[ "$GIVE_UP" = "domain c1 is gone or crashed" ]
	done
	STATE=-b----
	GIVE_UP=
	not guest_says c1 "xenon> "
	[ -z "$GIVE_UP" ]
}

@test "the binary fuzz seeds in the tree are what tests/fuzz/make-seeds writes from today's structures" {
	# a seed of an older struct layout no longer holds what the readers read today
	mk_tmp
	"$XENON_TOP"/tests/fuzz/make-seeds "$T/seeds"
	for target in hv-elf-fuzz hvctl-reply-fuzz hv-balloon-fuzz; do
		run diff -r "$XENON_TOP/tests/fuzz/$target" "$T/seeds/$target"
		echo "$output"
		[ "$status" -eq 0 ]
	done
}
@test "no test line asserts nothing: '! cmd' and '[ a ] && [ b ]' in a test body are found (tests/lint-bats)" {
	run "$XENON_TOP"/tests/lint-bats "$XENON_TOP"/tests/*.bats
	echo "$output"
	[ "$status" -eq 0 ]
	# what it finds, and what it leaves (a list that ends in ||, the same outside
	# a test); written with TEST, BANG and AND, which this file's own check passes
	mk_tmp
	sed 's/^TEST /@test /; s/BANG/!/; s/AND/\&\&/' > "$T/bad.bats" <<-'SUITE'
	helper() { BANG grep -q x f; }
	TEST "bad" {
		BANG grep -q x "$T/f"
		[ 1 = 2 ] AND [ 1 = 1 ]
		[[ a == b ]] AND [ 1 = 1 ] # a comment
		[ -f x ] AND [ -f y ] || skip "no x or y"
		BANG grep -q x "$T/f" || false
		# BANG a comment
		not grep -q x "$T/f"
	}
	SUITE
	run "$XENON_TOP"/tests/lint-bats "$T/bad.bats"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$T/bad.bats:3: ! grep -q x \"\$T/f\"" ]
	[[ ${lines[1]} == "$T/bad.bats:4: "* ]]
	[[ ${lines[2]} == "$T/bad.bats:5: "* ]]
}

# nested_suites: two scratch suites whose test names are hard to keep count
# of by name: escaped and bare quotes, an apostrophe, regex characters, a
# skip (its reason after the name), a name that starts another one's. (TEST
# for @test: bats would read these lines as this file's own tests.)
nested_suites() {
	sed 's/^TEST /@test /' > "$T/a.bats" <<-'SUITE'
	TEST "plain and longer" { true; }
	TEST "with \"escaped\" quotes, a \$dollar and a \\ backslash" { true; }
	TEST 'on_reboot="destroy" in single quotes' { true; }
	TEST "plain" { true; }
	TEST "the guest's regex [a] (b) x.y+z? {1} | ^ * end" { true; }
	TEST "skipped" { skip "for a reason"; }
	SUITE
	sed 's/^TEST /@test /' > "$T/b.bats" <<-'SUITE'
	TEST "last one" { false; }
	SUITE
}

# nested_first_machine: in $T, nested_suites run as a first machine runs
# them (full.tap), their names as spelled (spelled) and as TAP says them
# (selected); the bookkeeping's functions loaded.
nested_first_machine() {
	mk_tmp
	nested_suites
	. "$XENON_TOP"/tests/nested-kvm-names.bash
	cd "$T"
	bats --tap --timing a.bats b.bats > full.tap || true
	tests_in_order "" a.bats b.bats > spelled
	tap_name < spelled > selected
}

@test "tests/nested-kvm's bookkeeping by name: after a stall exactly the tests left run again, and the count check finds a missing or doubled result" {
	# a first machine runs every test; the count check is quiet
	nested_first_machine
	[ "$(wc -l < spelled)" -eq 7 ]
	reported full.tap > reports
	run check_count selected reports
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# a machine that stalls after its third result: the four after it are left
	head -n 4 full.tap > stalled.tap # the plan line and three results
	mapfile -t all < spelled
	tests_left stalled.tap "${all[@]}" > left
	diff <(tail -n +4 spelled) left
	# the next machine's filter selects exactly those ("plain", not "plain
	# and longer" again)
	mapfile -t todo < left
	bats --tap --timing --filter "$(lines "${todo[@]}" | as_filter)" a.bats b.bats > rest.tap || true
	diff <(tap_name < left) <(reported rest.tap)
	cat <(reported stalled.tap) <(reported rest.tap) > reports
	run check_count selected reports
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# a result missing: named as a failure; one twice: named too
	head -n 6 full.tap > short.tap
	reported short.tap > reports
	run check_count selected reports
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"not ok 0 skipped (no result"* ]]
	[[ $output == *"not ok 0 last one (no result"* ]]
	cat <(reported full.tap) <(reported stalled.tap | tail -n 1) > reports
	run check_count selected reports
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"reported but not selected, or twice: on_reboot=destroy in single quotes"* ]]
	[[ $output != *"not ok 0"* ]]
}

@test "tests/nested-kvm's second run: the failed tests by name, a filter for exactly those, and each counted once" {
	nested_first_machine
	failed_in full.tap > failed
	[ "$(cat failed)" = "last one" ]
	# a test bats timed out: the note after its time is no part of its name
	echo 'not ok 9 plain in 240001ms # timeout after 240s' > timeout.tap
	[ "$(failed_in timeout.tap)" = plain ]
	[ "$(reported timeout.tap)" = plain ]
	# two to run again, one with escaped quotes: found as the suites spell them
	{ sed -n 2p selected; cat failed; } > failed2
	mapfile -t all < spelled
	tests_named failed2 "${all[@]}" > again
	diff <(sed -n '2p;7p' spelled) again
	mapfile -t todo < again
	bats --tap --timing --filter "$(lines "${todo[@]}" | as_filter)" a.bats b.bats > again.tap || true
	diff <(tap_name < again) <(reported again.tap)
	# their first reports dropped, the second run's counted: each test once
	{ unreported <(reported full.tap) failed2; reported again.tap; } > reports
	run check_count selected reports
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
