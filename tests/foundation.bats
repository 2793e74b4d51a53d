#!/usr/bin/env bats
# The foundation itself: the runner's summary line and failure accounting,
# and `make install` honouring PREFIX and DESTDIR.

load helpers

@test "runner counts TAP and ends with the summary line" {
	mk_tmp
	printf '#!/bin/sh\necho "ok 1 - a"\necho "not ok 2 - b"\necho "ok 3 - c"\nexit 1\n' > "$T/fake"
	chmod +x "$T/fake"
	run tests/run --unit "$T/fake"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "2 passed, 1 failed" ]
}

@test "runner counts a crashing test binary as a failure" {
	mk_tmp
	printf '#!/bin/sh\necho "ok 1 - a"\nkill -SEGV $$\n' > "$T/crash"
	chmod +x "$T/crash"
	run tests/run --unit "$T/crash"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
}

@test "make install honours PREFIX and DESTDIR" {
	mk_tmp
	run make -s install PREFIX=/opt/xenon DESTDIR="$T/root"
	[ "$status" -eq 0 ]
	[ -d "$T/root/opt/xenon/bin" ]
	[ -d "$T/root/opt/xenon/etc/xen/scripts" ]
	# nothing escaped DESTDIR
	[ ! -e /opt/xenon ]
}
