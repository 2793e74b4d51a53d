#!/usr/bin/env bats
# The installed libraries (issue 10): libxenstore (Xen's xenstore.h API) and
# libxenlight, shared (soname, only public names exported) and static (only
# public names global), their pkg-config files, and programs from outside the
# tree (tests/outside/) built against a staged `make install` and run
# against a real xenstored on a private socket. `make uninstall` removes what
# install put.

load helpers

setup_file() {
	STAGE=$(mktemp -d "${BATS_TMPDIR:-/tmp}/xenon-libs.XXXXXX")
	export STAGE
	make -s -C "$XENON_TOP" install PREFIX=/opt/xenon DESTDIR="$STAGE" > /dev/null
	export LIBDIR=$STAGE/opt/xenon/lib
	export PKG_CONFIG_PATH=$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$STAGE
}

teardown_file() {
	[[ ${STAGE:-} == "${BATS_TMPDIR:-/tmp}"/xenon-libs.* ]] && rm -rf "$STAGE"
	true
}

local_teardown() { kill_pid "${XS_PID:-}"; }

# start_xenstored: the staged daemon on $T/xs.sock, where xs_open() finds it.
start_xenstored() {
	export XENSTORED_PATH=$T/xs.sock
	"$STAGE/opt/xenon/sbin/xenstored" -N -I -s "$XENSTORED_PATH" 2> "$T/xs.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
}

# exported NAME PATTERN: every name the shared library exports (its version
# node aside) matches PATTERN, and there are some.
exported_only() {
	local names bad
	names=$(nm -D --defined-only "$1" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }')
	[ -n "$names" ]
	bad=$(grep -Ev "$2" <<< "$names" || true)
	[ -z "$bad" ] || { echo "$1 exports: $bad"; return 1; }
}

# global_only ARCHIVE PATTERN: the archive's only defined globals match PATTERN.
global_only() {
	local names bad
	names=$(nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }')
	[ -n "$names" ]
	bad=$(grep -Ev "$2" <<< "$names" || true)
	[ -z "$bad" ] || { echo "$1 has global: $bad"; return 1; }
}

@test "libxenstore.so.4, libxenlight.so.1 and libxentoollog.so.1: soname, links, only public names exported" {
	[ "$(readlink "$LIBDIR/libxenstore.so")" = libxenstore.so.4 ]
	[ "$(readlink "$LIBDIR/libxenstore.so.4")" = libxenstore.so.4.0 ]
	[ "$(readlink "$LIBDIR/libxenlight.so")" = libxenlight.so.1 ]
	[ "$(readlink "$LIBDIR/libxenlight.so.1")" = libxenlight.so.1.0 ]
	run readelf -d "$LIBDIR/libxenstore.so.4.0"
	[[ "$output" == *"Library soname: [libxenstore.so.4]"* ]]
	run readelf -d "$LIBDIR/libxenlight.so.1.0"
	[[ "$output" == *"Library soname: [libxenlight.so.1]"* ]]
	exported_only "$LIBDIR/libxenstore.so.4.0" '^xs_[a-z_]+$'
	exported_only "$LIBDIR/libxenlight.so.1.0" '^libxl_[a-z0-9]'
	[ "$(readlink "$LIBDIR/libxentoollog.so")" = libxentoollog.so.1 ]
	[ "$(readlink "$LIBDIR/libxentoollog.so.1")" = libxentoollog.so.1.0 ]
	run readelf -d "$LIBDIR/libxentoollog.so.1.0"
	[[ "$output" == *"Library soname: [libxentoollog.so.1]"* ]]
	exported_only "$LIBDIR/libxentoollog.so.1.0" '^xtl_[a-z_]+$'
	# Xen's symbol versions, so programs built against Xen's find theirs
	run nm -D --defined-only "$LIBDIR/libxenstore.so.4.0"
	[[ "$output" == *"xs_open@@VERS_4.0"* ]]
	run nm -D --defined-only "$LIBDIR/libxentoollog.so.1.0"
	[[ "$output" == *"xtl_createlogger_stdiostream@@VERS_1.0"* ]]
}

@test "libxenstore.a, libxenlight.a and libxentoollog.a: only public names global, internals local" {
	global_only "$LIBDIR/libxenstore.a" '^xs_[a-z_]+$'
	global_only "$LIBDIR/libxenlight.a" '^libxl_[a-z0-9]'
	global_only "$LIBDIR/libxentoollog.a" '^xtl_[a-z_]+$'
	# the internal names are there, but local
	run nm "$LIBDIR/libxenlight.a"
	[[ "$output" == *" t fatal"* ]]
	[[ "$output" == *" t xsc_open"* ]]
}

@test "headers and pkg-config files: xenstore.h, libxl.h and what they include, xentoollog.h" {
	local h
	for h in xenstore.h xenstore_lib.h libxl.h libxl_types.h _libxl_types.h xentoollog.h; do
		[ -s "$STAGE/opt/xenon/include/$h" ] || { echo "not installed: $h"; return 1; }
	done
	run pkg-config --cflags --libs xenstore
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "-I$STAGE/opt/xenon/include -L$STAGE/opt/xenon/lib -lxenstore" ]
	run pkg-config --libs xenlight
	[ "$(echo $output)" = "-L$STAGE/opt/xenon/lib -lxenlight" ]
	run pkg-config --libs xentoollog
	[ "$(echo $output)" = "-L$STAGE/opt/xenon/lib -lxentoollog" ]
}

# The checks tests/outside/xs-api.c prints, in order.
XS_API_CHECKS=37

@test "a program written for Xen's libxenstore builds with pkg-config and runs (shared)" {
	mk_tmp
	cc -Wall -Werror -pthread -o "$T/xs-api" tests/outside/xs-api.c $(pkg-config --cflags --libs xenstore)
	start_xenstored
	LD_LIBRARY_PATH=$LIBDIR run "$T/xs-api"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$XS_API_CHECKS" ]
	[[ "$output" == *"ok the retried transaction commits on the second attempt"* ]]
	LD_LIBRARY_PATH=$LIBDIR run ldd "$T/xs-api"
	[[ "$output" == *"libxenstore.so.4 => $LIBDIR/libxenstore.so.4"* ]]
	# it left nothing behind in the store
	run xenstore-exists /outside
	[ "$status" -eq 1 ]
}

@test "the same program against the static libxenstore.a" {
	mk_tmp
	cc -Wall -Werror -pthread -o "$T/xs-api" tests/outside/xs-api.c $(pkg-config --cflags xenstore) "$LIBDIR/libxenstore.a"
	run ldd "$T/xs-api"
	[[ "$output" != *libxenstore* ]]
	start_xenstored
	run "$T/xs-api"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$XS_API_CHECKS" ]
}

@test "a program using libxenlight (with a logger of its own) and libxenstore, with names like their internals, shared and static" {
	mk_tmp
	cc -Wall -Werror -o "$T/both" tests/outside/both-libs.c $(pkg-config --cflags --libs xenlight xenstore)
	cc -Wall -Werror -o "$T/both-static" tests/outside/both-libs.c $(pkg-config --cflags xenlight xenstore) \
		"$LIBDIR/libxenlight.a" "$LIBDIR/libxenstore.a" $(pkg-config --libs yajl uuid)
	start_xenstored
	local expected="domains: 0, xenstore: yes
logged 1, level error: libxl: the configuration has no name=: every domain needs a name
logged 2: libxl: cannot connect to xenstored at /nonexistent/xs.sock: No such file or directory (is xenstored running? the socket is the context's xenstored_path, else \$XENSTORED_PATH)
run_dir /xenon-run, device timeout 777 ms"
	# settings not given come from the environment
	export XENON_DEVICE_TIMEOUT_MS=777
	# stdout only: libxl says nothing on stderr by itself
	LD_LIBRARY_PATH=$LIBDIR "$T/both" > "$T/out" 2> "$T/err"
	[ "$(cat "$T/out")" = "$expected" ]
	[ ! -s "$T/err" ]
	"$T/both-static" > "$T/out" 2> "$T/err"
	[ "$(cat "$T/out")" = "$expected" ]
	[ ! -s "$T/err" ]
}

@test "a program making its logger Xen's way (xtl_createlogger_stdiostream) gets libxl's messages on stderr, shared and static" {
	mk_tmp
	cc -Wall -Werror -o "$T/xtl" tests/outside/xtl-api.c $(pkg-config --cflags --libs xenlight xentoollog)
	cc -Wall -Werror -o "$T/xtl-static" tests/outside/xtl-api.c $(pkg-config --cflags xenlight xentoollog) \
		"$LIBDIR/libxenlight.a" "$LIBDIR/libxentoollog.a" $(pkg-config --libs yajl uuid)
	LD_LIBRARY_PATH=$LIBDIR run ldd "$T/xtl"
	[[ "$output" == *"libxentoollog.so.1 => $LIBDIR/libxentoollog.so.1"* ]]
	start_xenstored
	local expected="xtl-api: info: logger made
libxl: error: the configuration has no name=: every domain needs a name"
	LD_LIBRARY_PATH=$LIBDIR "$T/xtl" > "$T/out" 2> "$T/err"
	[ "$(cat "$T/out")" = done ]
	diff -u <(echo "$expected") "$T/err"
	"$T/xtl-static" > "$T/out" 2> "$T/err"
	[ "$(cat "$T/out")" = done ]
	diff -u <(echo "$expected") "$T/err"
}

@test "libxl_domain_rename_begin/_end: written at the end, a drop writes nothing, a name taken meanwhile is seen" {
	mk_tmp
	cc -Wall -Werror -o "$T/rename" tests/outside/rename-ahead.c $(pkg-config --cflags --libs xenlight xenstore)
	start_xenstored
	run env LD_LIBRARY_PATH="$LIBDIR" "$T/rename"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "begin: 0, domain 5 is a
end: 0, domain 5 is b
drop: 0, domain 5 is b
taken meanwhile: 1, domain 5 is b
taken before: 1, domain 5 is b" ]
}

@test "make uninstall removes every file and link make install put, and only those" {
	mk_tmp
	make -s install PREFIX=/opt/xenon DESTDIR="$T/root" > /dev/null
	mkdir -p "$T/root/opt/xenon/lib" && echo mine > "$T/root/opt/xenon/lib/not-xenon.txt"
	run make -s uninstall PREFIX=/opt/xenon DESTDIR="$T/root"
	[ "$status" -eq 0 ]
	run find "$T/root" \( -type f -o -type l \) -print
	[ "$output" = "$T/root/opt/xenon/lib/not-xenon.txt" ]
}

# Debian's xenstore-utils clients are built against Xen's own
# libxenstore.so.4: with the staged lib dir first they load Xenon's instead
# (same soname, Xen's VERS_4.0 symbols) and must work unchanged.
@test "Debian's xenstore-* programs, built against Xen's libxenstore, run on Xenon's" {
	[ -x /usr/bin/xenstore-read ] && ldd /usr/bin/xenstore-read | grep -q libxenstore.so.4 ||
		skip "needs Debian's xenstore-utils (linked against libxenstore.so.4)"
	mk_tmp
	start_xenstored
	export LD_LIBRARY_PATH=$LIBDIR
	run ldd /usr/bin/xenstore-read
	[[ "$output" == *"libxenstore.so.4 => $LIBDIR/libxenstore.so.4"* ]]
	/usr/bin/xenstore-write /deb/a 1 /deb/b "two words"
	run /usr/bin/xenstore-read /deb/b
	[ "$status" -eq 0 ]
	[ "$output" = "two words" ]
	/usr/bin/xenstore-chmod /deb/a n0 r3
	run /usr/bin/xenstore-ls -p /deb
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "a = \"1\""*"(n0,r3)" ]]
	run /usr/bin/xenstore-list /deb
	[ "$output" = "$(printf 'a\nb')" ]
	timeout 10 /usr/bin/xenstore-watch -n 2 /deb > "$T/watch.out" 3>&- &
	local wpid=$!
	wait_for 5 test -s "$T/watch.out"
	/usr/bin/xenstore-write /deb/c 3
	wait "$wpid"
	[ "$(cat "$T/watch.out")" = "$(printf '/deb\n/deb/c')" ]
	run /usr/bin/xenstore-read /deb/missing
	[ "$status" -eq 1 ]
	/usr/bin/xenstore-rm /deb
	run /usr/bin/xenstore-exists /deb
	[ "$status" -eq 1 ]
}
