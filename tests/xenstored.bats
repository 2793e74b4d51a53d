#!/usr/bin/env bats
# xenstored and the xenstore-* clients against a daemon on a temporary
# socket: Debian's own xenstore-utils clients and ours side by side, the
# journal (restart, kill -9, torn tail), become, and hostile clients.

load helpers

# Never a $T from the environment: `make check T=xenstored` exports T, and the
# teardown removes $T (it removed the source folder xenstored/ once).
T=

XSD=$XENON_TOP/xenstored
DEB=/usr/bin

start_xsd() { # extra options...
	[ -n "${T:-}" ] || mk_tmp
	export XENSTORED_PATH=$T/sock
	"$XSD/xenstored" -N --state-dir "${XSD_STATE:-$T/state}" "$@" 2>"$T/xsd.log" 3>&- &
	XSD_PID=$!
	wait_for 5 test -S "$T/sock"
}

restart_xsd() {
	kill_pid "$XSD_PID"
	# a daemon run as another user cannot remove its root-owned socket at
	# exit: without this, the wait below would take the old one for the new
	rm -f "$T/sock"
	"$XSD/xenstored" -N --state-dir "${XSD_STATE:-$T/state}" "$@" 2>>"$T/xsd.log" 3>&- &
	XSD_PID=$!
	wait_for 5 test -S "$T/sock"
}

local_teardown() {
	kill_pid "${XSD_PID:-}"
	for p in ${EXTRA_PIDS:-}; do kill_pid "$p"; done
	if [ -n "${T:-}" ] && [ -f "$T/daemon.pid" ]; then kill_pid "$(cat "$T/daemon.pid")"; fi
	if [ -n "${MOUNTED:-}" ]; then umount "$MOUNTED"; fi
	MOUNTED=
}

# Run the same command with Debian's client and ours; outputs and status must match.
same() { # mode args...
	local mode=$1
	shift
	run "$DEB/xenstore-$mode" "$@"
	local deb_out=$output deb_status=$status
	run "$XSD/xenstore-$mode" "$@"
	if [ "$output" != "$deb_out" ] || [ "$status" != "$deb_status" ]; then
		echo "xenstore-$mode $*: Debian (status $deb_status):"
		echo "$deb_out"
		echo "ours (status $status):"
		echo "$output"
		return 1
	fi
}

@test "Debian's clients and ours agree on read, list, ls, exists" {
	start_xsd
	"$DEB/xenstore-write" /vm/a 'hello world' /vm/b/c 'tab\there' /vm/long "$(printf 'x%.0s' $(seq 120))"
	"$XSD/xenstore-write" /vm/ours 'bin\001\x7f\\' /vm/b/d ''
	"$DEB/xenstore-chmod" /vm/b r0 b3
	same read /vm/a /vm/b/c /vm/ours
	same read -p /vm/a
	same read -R /vm/ours
	same list /vm
	same list -p /vm/b
	same ls
	same ls -p
	same ls -f
	same ls -f -p /vm
	same exists /vm/a
	same exists /vm/nothing
	same read /vm/nothing
	same ls /vm/nothing
	same list /vm/nothing
	same rm /nothing/below
	same chmod /vm/a q1
	[ "$("$XSD/xenstore-read" /vm/a)" = "hello world" ]
}

@test "writes, rm -t and chmod -r by either client land the same" {
	start_xsd
	"$XSD/xenstore-write" /x/y/z 1
	"$XSD/xenstore-rm" -t /x/y/z
	run "$DEB/xenstore-exists" /x
	[ "$status" -eq 1 ]
	"$DEB/xenstore-write" /p/q/r 1
	"$XSD/xenstore-chmod" -r /p b4 r0
	run "$DEB/xenstore-ls" -f -p /p
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '/p/q = ""   (b4,r0)' ]
	[ "${lines[1]}" = '/p/q/r = "1"   (b4,r0)' ]
	"$XSD/xenstore-chmod" -u /p/q/r n0
	[ "$("$DEB/xenstore-ls" -f -p /p | head -1)" = '/p/q = ""   (n0)' ]
}

@test "usage errors and a missing daemon: status 1 and a message" {
	start_xsd
	run "$XSD/xenstore-write" /only-key
	[ "$status" -eq 1 ]
	[[ "$output" == *"Usage:"*"key value"* ]]
	run "$XSD/xenstore-read" /missing
	[ "$status" -eq 1 ]
	[ "$output" = "xenstore-read: couldn't read path /missing" ]
	XENSTORED_PATH=$T/nothing-here run "$XSD/xenstore-read" /a
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot connect to xenstored at $T/nothing-here"* ]]
	run "$XSD/xenstore" bogus /a
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown mode bogus"* ]]
}

@test "xenstore-watch (both clients) sees the registration and the changes" {
	start_xsd
	"$XSD/xenstore-write" /w/a 0
	"$DEB/xenstore-watch" -n 3 /w > "$T/deb.out" 3>&- &
	EXTRA_PIDS="$!"
	"$XSD/xenstore-watch" -n 3 /w > "$T/ours.out" 3>&- &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	wait_for 5 grep -q /w "$T/deb.out"
	wait_for 5 grep -q /w "$T/ours.out"
	"$XSD/xenstore-write" /w/a 1
	"$XSD/xenstore-rm" /w/a
	for p in $EXTRA_PIDS; do wait "$p"; done
	EXTRA_PIDS=
	[ "$(cat "$T/deb.out")" = "$(printf '/w\n/w/a\n/w/a')" ]
	[ "$(cat "$T/ours.out")" = "$(printf '/w\n/w/a\n/w/a')" ]
}

@test "a directory too large for one reply is listed in parts (DIRECTORY_PART)" {
	start_xsd
	for i in $(seq 300); do echo "mkdir /big/a-rather-long-child-name-number-$i"; done |
		"$XSD/xs-tool" > /dev/null
	run "$DEB/xenstore-list" /big
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 300 ]
	run "$XSD/xenstore-list" /big
	[ "${#lines[@]}" -eq 300 ]
	[ "${lines[299]}" = a-rather-long-child-name-number-300 ]
}

line_is() { # N VALUE FILE: line N of FILE is VALUE
	[ "$(sed -n "$1p" "$3")" = "$2" ]
}

@test "transactions: invisible until commit, EAGAIN on a conflicting change" {
	start_xsd
	"$XSD/xenstore-write" /tx/x 1
	mkfifo "$T/in"
	"$XSD/xs-tool" < "$T/in" > "$T/out" 3>&- &
	EXTRA_PIDS=$!
	exec 8>"$T/in"
	echo txstart >&8
	echo "read /tx/x" >&8
	echo "write /tx/y inside" >&8
	wait_for 5 line_is 3 OK "$T/out"
	run "$XSD/xenstore-read" /tx/y
	[ "$status" -eq 1 ]
	"$XSD/xenstore-write" /tx/x 2
	echo "txend T" >&8
	exec 8>&-
	wait "$EXTRA_PIDS"
	EXTRA_PIDS=
	[ "$(sed -n 4p "$T/out")" = "ERR EAGAIN" ]
	run "$XSD/xenstore-read" /tx/y
	[ "$status" -eq 1 ]
}

@test "a connection that becomes a domain gets that domain's rights only" {
	start_xsd
	"$XSD/xenstore-write" /local/domain/5/x 1 /secret s /public p
	"$XSD/xenstore-chmod" /local/domain/5 n5
	"$XSD/xenstore-chmod" /secret n0
	"$XSD/xenstore-chmod" /public r0
	out=$(printf '%s\n' "become 5" "write data mine" "read /secret" "read /public" \
		"write /public no" "getperms data" "setperms data n0" "introduce" \
		"control become 0" | "$XSD/xs-tool")
	[ "$out" = "$(printf '%s\n' OK OK 'ERR EACCES' p 'ERR EACCES' n5 'ERR EPERM' \
		'ERR usage' 'ERR EACCES')" ]
	[ "$("$XSD/xenstore-read" /local/domain/5/data)" = mine ]
	# quotas apply to it, and are settable at run time
	# it owns its home and data: two nodes
	"$XSD/xenstore-control" quota set nodes 3
	"$XSD/xenstore-control" quota | grep -q "^nodes            :        3 Nodes per domain$"
	out=$(printf '%s\n' "become 5" "write a 1" "write b 2" | "$XSD/xs-tool")
	[ "$out" = "$(printf '%s\n' OK OK 'ERR ENOSPC')" ]
}

@test "state survives a restart, and journal compaction" {
	start_xsd
	"$XSD/xenstore-write" /keep/a 1 /keep/b 2
	"$XSD/xenstore-chmod" /keep/b r0 b7
	"$XSD/xenstore-rm" /keep/a
	restart_xsd
	[ "$("$XSD/xenstore-ls" -f -p /keep)" = '/keep/b = "2"   (r0,b7)' ]
	"$XSD/xenstore-control" journal compact
	[ -s "$T/state/snapshot" ]
	"$XSD/xenstore-write" /keep/c 3
	restart_xsd
	[ "$("$XSD/xenstore-read" /keep/b /keep/c)" = "$(printf '2\n3')" ]
}

acks_at_least() {
	[ "$(grep -c '^OK$' "$T/acks")" -ge "$1" ]
}

oks_in() { [ "$(grep -c OK "$1")" = "$2" ]; } # FILE N: FILE has N lines with OK

@test "kill -9 in a write storm loses no acknowledged write" {
	start_xsd
	# a pipelined storm beside a writer that records every acknowledged write
	"$XSD/xs-bench" write 128 100000000 "$T/sock" > /dev/null 2>&1 3>&- &
	EXTRA_PIDS=$!
	seq 1000000 | sed 's|.*|write /acked/k& v&|' | "$XSD/xs-tool" > "$T/acks" 2>/dev/null 3>&- &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	wait_for 30 acks_at_least 3000
	kill -9 "$XSD_PID"
	wait "$XSD_PID" || true
	for p in $EXTRA_PIDS; do wait "$p" || true; done
	EXTRA_PIDS=
	acked=$(grep -c '^OK$' "$T/acks")
	[ "$acked" -ge 3000 ]
	"$XSD/xenstored" -N --state-dir "$T/state" 2>>"$T/xsd.log" 3>&- &
	XSD_PID=$!
	# the socket file outlived the killed daemon: wait for an answer
	wait_for 30 "$XSD/xenstore-exists" /
	# every acknowledged key is there, with its value
	last=$("$XSD/xenstore-read" "/acked/k$acked")
	[ "$last" = "v$acked" ]
	n=$("$XSD/xenstore-list" /acked | wc -l)
	[ "$n" -ge "$acked" ]
	for i in 1 $((acked / 2)) $acked; do
		[ "$("$XSD/xenstore-read" "/acked/k$i")" = "v$i" ]
	done
}

@test "a torn journal tail is cut off at start" {
	start_xsd
	"$XSD/xenstore-write" /t/a 1
	kill_pid "$XSD_PID"
	printf '\x40\x00\x00\x00garbage' >> "$T/state/journal"
	restart_xsd
	[ "$("$XSD/xenstore-read" /t/a)" = 1 ]
	grep -q "journal: cut a torn tail of 11 bytes" "$T/xsd.log"
	"$XSD/xenstore-write" /t/b 2
	restart_xsd
	[ "$("$XSD/xenstore-read" /t/b)" = 2 ]
}

@test "a write the journal cannot take fails with ENOSPC and changes nothing" {
	mk_tmp
	mkdir "$T/small"
	mount -t tmpfs -o size=64k xenon-xs-test "$T/small"
	MOUNTED=$T/small
	XSD_STATE=$T/small/state
	start_xsd
	"$XSD/xenstore-write" /before 1
	dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null || true
	# 3000-byte values: the second write at the latest needs a new page
	v=$(head -c 3000 /dev/zero | tr '\0' x)
	printf 'write /full/k%s %s\n' 1 "$v" 2 "$v" 3 "$v" | "$XSD/xs-tool" > "$T/out"
	[ "$(grep -c '^ERR ENOSPC$' "$T/out")" -ge 2 ]
	# a refused write left nothing behind (its parent /full neither, if it was new)
	for i in 1 2 3; do
		if [ "$(sed -n "${i}p" "$T/out")" = OK ]; then
			[ "$("$XSD/xenstore-read" /full/k$i)" = "$v" ]
		else
			run "$XSD/xenstore-read" /full/k$i
			[ "$status" -eq 1 ]
		fi
	done
	grep -q 'journal: write failed (No space left on device)' "$T/xsd.log"
	# nor can a compaction replace the state files
	run "$XSD/xenstore-control" journal compact
	[ "$status" -eq 1 ]
	run "$XSD/xs-tool" <<< "write /full/k4 $v"
	[ "$output" = "ERR ENOSPC" ]
	# a watch registered in the failed round is failed too, and not left behind
	{
		echo "watchwrite /full w /full/k5 $v"
		wait_for 10 grep -q ENOSPC "$T/ww"
		rm "$T/small/fill"
		echo "watchwrite /full w /full/k6 x"
	} | "$XSD/xs-tool" > "$T/ww"
	[ "$(cat "$T/ww")" = "$(printf '%s\n' 'ENOSPC ENOSPC' 'OK OK')" ]
	"$XSD/xenstore-write" /after 2
	"$XSD/xenstore-ls" -f / | sort > "$T/live"
	# what the daemon showed is exactly what it had journaled
	restart_xsd
	"$XSD/xenstore-ls" -f / | sort > "$T/reloaded"
	diff "$T/live" "$T/reloaded"
	[ "$("$XSD/xenstore-read" /before /after)" = "$(printf '1\n2')" ]
}

@test "after a compaction, no write is acknowledged until the new journal exists" {
	start_xsd
	"$XSD/xenstore-write" /c/a 1
	# the new journal cannot be made (its temporary name is taken by a directory)
	mkdir "$T/state/journal.tmp"
	run "$XSD/xenstore-control" journal compact
	[ "$status" -eq 1 ]
	[ -s "$T/state/snapshot" ]
	run "$XSD/xs-tool" <<< "write /c/lost 1"
	[ "$output" = "ERR EIO" ]
	rmdir "$T/state/journal.tmp"
	"$XSD/xenstore-write" /c/b 2
	restart_xsd
	[ "$("$XSD/xenstore-read" /c/a /c/b)" = "$(printf '1\n2')" ]
	run "$XSD/xenstore-read" /c/lost
	[ "$status" -eq 1 ]
}

rss_kb() {
	awk '/^VmRSS/ {print $2}' "/proc/$XSD_PID/status"
}

# flood as dom0 or as domain 3 (then: at most 20 outstanding replies)
flood_test() { # become-line [domid]
	"$XSD/xenstore-write" /big "$(head -c 4000 /dev/zero | tr '\0' x)"
	"$XSD/xenstore-chmod" /big n0 r3
	before=$(rss_kb)
	{
		echo "$1"
		echo "flood 50000 /big"
		wait_for 30 grep -q '^sent' "$T/flood"
		rss_kb > "$T/rss"
		# replies the daemon holds for the flooding domain, not yet sent
		"$XSD/xenstore-control" quota "${2:-0}" > "$T/quota"
		# everyone else is served meanwhile
		"$XSD/xenstore-read" /big | wc -c > "$T/other"
		echo drain
	} | "$XSD/xs-tool" > "$T/flood"
	sent=$(awk '/^sent/ {print $2}' "$T/flood")
	cat "$T/flood"
	echo "daemon VmRSS: $before kB before, $(cat "$T/rss") kB while the flood waited"
	# the daemon stopped taking requests long before 50,000 (200 MB of replies)...
	[ "$sent" -lt 50000 ]
	# ...without growing (unbounded, it would hold 12 MB of replies per 64 KiB read)...
	[ "$(cat "$T/rss")" -lt $((before + 4096)) ]
	[ "$(cat "$T/other")" = 4001 ]
	# ...and every request it took is answered, in order
	grep -qx "replies $sent" "$T/flood"
}

@test "a client that pipelines without reading its replies is paused, not buffered" {
	start_xsd
	flood_test ""
}

@test "a guest connection stops at 20 outstanding requests until it reads" {
	start_xsd
	flood_test "become 3" 3
	# it stopped taking requests with exactly its quota of replies unsent
	cat "$T/quota"
	grep -qx 'outstanding      :       20 (max       20)' "$T/quota"
}

@test "without -N the daemon detaches, writes its pid file, socket mode 0600" {
	mk_tmp
	export XENSTORED_PATH=$T/sock
	run "$XSD/xenstored" -F "$T/daemon.pid" -I
	[ "$status" -eq 0 ]
	[ -S "$T/sock" ]
	[ "$(stat -c %a "$T/sock")" = 600 ]
	pid=$(cat "$T/daemon.pid")
	kill -0 "$pid"
	[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ]
	"$XSD/xenstore-write" /d 1
	# a second daemon on the same socket refuses to start
	run "$XSD/xenstored" -N -I
	[ "$status" -eq 1 ]
	[[ "$output" == *"another xenstored is serving"* ]]
	kill_pid "$pid"
	wait_for 5 test ! -e "$T/sock"
	[ ! -e "$T/daemon.pid" ]
}

@test "XENSTORED_RUNDIR names the socket's directory" {
	mk_tmp
	unset XENSTORED_PATH
	XENSTORED_RUNDIR=$T "$XSD/xenstored" -N -I 3>&- &
	XSD_PID=$!
	wait_for 5 test -S "$T/socket"
	XENSTORED_RUNDIR=$T "$DEB/xenstore-write" /r 1
	[ "$(XENSTORED_RUNDIR=$T "$XSD/xenstore-read" /r)" = 1 ]
}

@test "hostile clients are cut off; everyone else is served" {
	start_xsd -I
	"$XSD/xenstore-write" /h 1
	# an oversized payload drops that connection only
	out=$(printf '%s\n' oversized alive | "$XSD/xs-tool")
	[ "$out" = "$(printf 'OK\nclosed')" ]
	# garbage bytes: errors or a dropped connection, never a dead daemon
	printf 'garbage 64\n' | "$XSD/xs-tool" > /dev/null
	# a request split into single bytes is still one request
	[ "$(printf 'split /h/s v\nread /h/s\n' | "$XSD/xs-tool")" = "$(printf 'OK\nv')" ]
	# two thousand connections at once
	[ "$(echo 'conns 2000' | "$XSD/xs-tool")" = 2000 ]
	# a guest's watcher that never reads is dropped once its queue is full
	# (4 MiB); dom0's is not, at that size (guests must not cut it off)
	"$XSD/xenstore-write" /bench ""
	"$XSD/xenstore-chmod" /bench n0 r5
	mkfifo "$T/in" "$T/in0"
	"$XSD/xs-tool" < "$T/in" > "$T/out" 3>&- &
	EXTRA_PIDS=$!
	"$XSD/xs-tool" < "$T/in0" > "$T/out0" 3>&- &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	exec 8>"$T/in" 9>"$T/in0"
	printf 'become 5\nwatch /bench storm\n' >&8
	echo "watch /bench storm0" >&9
	wait_for 5 grep -q OK "$T/out0"
	wait_for 5 oks_in "$T/out" 2
	"$XSD/xs-bench" write 128 400000 "$T/sock" > /dev/null
	echo alive >&8
	echo alive >&9
	exec 8>&- 9>&-
	for p in $EXTRA_PIDS; do wait "$p"; done
	EXTRA_PIDS=
	[ "$(tail -1 "$T/out")" = closed ]
	[ "$(tail -1 "$T/out0")" = open ]
	[ "$("$XSD/xenstore-read" /h)" = 1 ]
	rss=$(awk '/VmRSS/ { print $2 }' /proc/"$XSD_PID"/status)
	[ "$rss" -lt 200000 ]
}

@test "--fsync always, -T trace and bad options" {
	mk_tmp
	start_xsd --fsync always -T "$T/trace"
	"$XSD/xenstore-write" /f 1
	restart_xsd --fsync=always
	[ "$("$XSD/xenstore-read" /f)" = 1 ]
	grep -q '^IN  conn [0-9]* WRITE req [0-9]* tx 0 len 4 "/f\\x001"$' "$T/trace"
	grep -q '^OUT conn [0-9]* WRITE .*"OK\\x00"$' "$T/trace"
	run "$XSD/xenstored" -N --fsync sometimes
	[ "$status" -eq 1 ]
	[[ "$output" == *"--fsync sometimes: use periodic, always or never"* ]]
	run "$XSD/xenstored" -N -Q bogus=1
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid quota bogus=1"* ]]
	# a second daemon may not share the state directory
	run "$XSD/xenstored" -N -s "$T/other.sock" --state-dir "$T/state"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use by another xenstored"* ]]
	[ ! -e "$T/other.sock" ]
	# a pid file that cannot be written: no socket is left that nobody serves
	run "$XSD/xenstored" -N -s "$T/pid.sock" -F "$T/no-such-dir/pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot write pid file $T/no-such-dir/pid: "* ]]
	[ ! -e "$T/pid.sock" ]
}

@test "on a terminal xenstore-ls cuts lines to its width, as Debian's does" {
	start_xsd -I
	"$XSD/xenstore-write" /a/very-long-name-of-a-node-that-goes-on-and-on \
		"$(printf 'v%.0s' $(seq 80))" /a/short x
	deb=$(script -qc "stty cols 50; $DEB/xenstore-ls -p /a" /dev/null)
	ours=$(script -qc "stty cols 50; $XSD/xenstore-ls -p /a" /dev/null)
	[ "$deb" = "$ours" ]
	[[ "$ours" == *'very-long-name-of-a-node-that-goes-on-an = "\..."'* ]]
}

@test "xenstore-ls -j prints the tree as JSON" {
	start_xsd -I
	"$XSD/xenstore-write" /j/a 'say "hi"' /j/d/e deep
	"$XSD/xenstore-chmod" /j/a r0 b2
	run "$XSD/xenstore-ls" -j -p /j
	[ "$status" -eq 0 ]
	# one line per token, yajl's beautified layout
	expected='{
    "a": {
        "value": "say \"hi\"",
        "perms": [
            "r0",
            "b2"
        ]
    },
    "d": {
        "value": "",
        "perms": [
            "n0"
        ],
        "children": {
            "e": {
                "value": "deep",
                "perms": [
                    "n0"
                ]
            }
        }
    }
}'
	[ "$output" = "$expected" ]
	run "$XSD/xenstore-ls" -j -f /j/d
	[ "$output" = "$(printf '{\n    "/j/d/e": {\n        "value": "deep"\n    }\n}')" ]
}

@test "out of file descriptors: excess clients are refused, the daemon does not spin, and serves again" {
	mk_tmp
	export XENSTORED_PATH=$T/sock
	# a hard limit of 64 descriptors; 200 clients that each hold theirs open
	(ulimit -n 64 && exec "$XSD/xenstored" -N -I -L "$T/xsd.log") 2> "$T/xsd.err" 3>&- &
	XSD_PID=$!
	wait_for 5 test -S "$T/sock"
	# each connection is answered or closed: none is left hanging
	run timeout 60 "$XSD/xs-tool" <<< "conns 200"
	[ "$status" -eq 0 ]
	[ "$output" -gt 20 ]
	[ "$output" -lt 64 ]
	# the refusals were logged, rate-limited (unlimited, a spinning daemon logs GBs)
	cat "$T/xsd.log"
	refused=$(grep -c 'out of file descriptors' "$T/xsd.log")
	[ "$refused" -ge 1 ]
	[ "$refused" -le 5 ]
	# those connections are closed now: a new client is served
	timeout 10 "$XSD/xenstore-write" /after 1
	[ "$(timeout 10 "$XSD/xenstore-read" /after)" = 1 ]
	[ "$(timeout 10 "$XSD/xs-tool" <<< "conns 20")" = 20 ]
	kill -0 "$XSD_PID"
}

# ---- damaged state (issue 8): nothing acknowledged is lost unsaid ----------

# 1000 acknowledged writes, then the daemon stops; $T/journal.orig is a copy.
acked_state() {
	start_xsd -L "$T/daemon.log"
	seq 1000 | sed 's|.*|write /acked/k& v&|' | "$XSD/xs-tool" > "$T/acks"
	[ "$(grep -c '^OK$' "$T/acks")" = 1000 ]
	kill_pid "$XSD_PID"
	XSD_PID=
	cp "$T/state/journal" "$T/journal.orig"
}

# The daemon refuses to start, says so on stderr and in the -L log, and
# leaves the state directory as it was.
refuses() { # what-it-says
	cp -a "$T/state" "$T/state.before"
	# (timeout: a daemon that does not refuse would serve for ever)
	run timeout 20 "$XSD/xenstored" -N --state-dir "$T/state" -L "$T/daemon.log"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$1"* ]]
	[[ "$output" == *"refusing to start"*"--accept-data-loss"* ]]
	grep -q "refusing to start" "$T/daemon.log"
	grep -qF "$1" "$T/daemon.log"
	[ ! -e "$T/sock" ]
	diff -r "$T/state.before" "$T/state"
	rm -rf "$T/state.before"
}

@test "a damaged journal header: refused, nothing changed; --accept-data-loss keeps the file" {
	acked_state
	printf 'Y' | dd of="$T/state/journal" bs=1 seek=2 conv=notrunc 2> /dev/null
	cp "$T/state/journal" "$T/journal.damaged"
	refuses "has no readable header"
	start_xsd --accept-data-loss
	grep -q "journal is kept as $T/state/journal.damaged-1" "$T/xsd.log"
	cmp "$T/state/journal.damaged-1" "$T/journal.damaged"
	# its sequence unknown, none of it is replayed; the new state starts cleanly
	run "$XSD/xenstore-read" /acked/k1
	[ "$status" -eq 1 ]
	restart_xsd
	"$XSD/xenstore-exists" /tool/xenstored
}

@test "a journal cut 10 bytes short at its head: refused, nothing changed" {
	acked_state
	tail -c +11 "$T/journal.orig" > "$T/state/journal"
	refuses "has no readable header"
}

@test "a damaged byte mid-journal: refused; accepted, what precedes it is back and the file is kept whole" {
	acked_state
	size=$(stat -c %s "$T/state/journal")
	printf '\xff' | dd of="$T/state/journal" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
	cp "$T/state/journal" "$T/journal.damaged"
	refuses "journal is damaged at offset"
	start_xsd --accept-data-loss
	grep -q "recovered: 0 changes from the snapshot and [0-9]* from the journal" "$T/xsd.log"
	cmp "$T/state/journal.damaged-1" "$T/journal.damaged"
	[ "$("$XSD/xenstore-read" /acked/k1)" = v1 ]
	[ "$("$XSD/xenstore-read" /acked/k300)" = v300 ]
	run "$XSD/xenstore-read" /acked/k1000
	[ "$status" -eq 1 ]
	# from now on the state is whole again
	"$XSD/xenstore-write" /new 1
	restart_xsd
	[ "$("$XSD/xenstore-read" /acked/k300 /new)" = "$(printf 'v300\n1')" ]
}

@test "a snapshot moved away: refused (the journal holds only what followed it)" {
	acked_state
	start_xsd
	"$XSD/xenstore-control" journal compact
	"$XSD/xenstore-write" /later 1
	kill_pid "$XSD_PID"
	XSD_PID=
	mv "$T/state/snapshot" "$T/snapshot.moved"
	refuses "there is no snapshot"
	mv "$T/snapshot.moved" "$T/state/snapshot"
	start_xsd
	[ "$("$XSD/xenstore-read" /acked/k1000 /later)" = "$(printf 'v1000\n1')" ]
}

@test "a detached daemon's -L log records the start-up: the torn tail it cut, where it serves and keeps state" {
	start_xsd
	"$XSD/xenstore-write" /t/a 1
	kill_pid "$XSD_PID"
	XSD_PID=
	printf '\x40\x00\x00\x00garbage' >> "$T/state/journal"
	"$XSD/xenstored" --state-dir "$T/state" -F "$T/daemon.pid" -L "$T/daemon.log" 2> "$T/start.err"
	grep -q "journal: cut a torn tail of 11 bytes" "$T/daemon.log"
	grep -q "serving $T/sock; state kept in $T/state" "$T/daemon.log"
	# the same lines on standard error, without the log's timestamps
	grep -q "^xenstored: .*journal: cut a torn tail of 11 bytes" "$T/start.err"
	grep -q "^xenstored: serving $T/sock; state kept in $T/state" "$T/start.err"
	[ "$("$XSD/xenstore-read" /t/a)" = 1 ]
}

@test "a daemon on a private socket keeps its state beside it, says where, and locks it" {
	mk_tmp
	export XENSTORED_PATH=$T/sock
	"$XSD/xenstored" -N 2> "$T/xsd.log" 3>&- &
	XSD_PID=$!
	wait_for 5 test -S "$T/sock"
	grep -q "serving $T/sock; state kept in $T/sock.state" "$T/xsd.log"
	"$XSD/xenstore-write" /kept 1
	# a second daemon on another socket but the same state: refused
	run "$XSD/xenstored" -N -s "$T/sock2" --state-dir "$T/sock.state"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use by another xenstored"* ]]
	kill_pid "$XSD_PID"
	"$XSD/xenstored" -N -s "$T/sock" 2>> "$T/xsd.log" 3>&- &
	XSD_PID=$!
	wait_for 5 test -S "$T/sock"
	[ "$("$XSD/xenstore-read" /kept)" = 1 ]
	# -I says that nothing is kept
	run "$XSD/xenstored" -N -I -s "$T/sock"
	[[ "$output" == *"another xenstored is serving"* ]]
	kill_pid "$XSD_PID"
	"$XSD/xenstored" -N -I -s "$T/sock3" 2> "$T/mem.log" 3>&- &
	XSD_PID=$!
	wait_for 5 test -S "$T/sock3"
	grep -q "state kept in memory only (-I): nothing is kept on disk" "$T/mem.log"
}

@test "a transaction cut short in the journal comes back whole or not at all" {
	start_xsd
	"$XSD/xenstore-write" /before 1
	out=$(printf '%s\n' txstart "write /tx/1 a" "write /tx/2 b" "write /tx/3 c" "write /tx/4 d" \
		"write /tx/5 e" "txend T" | "$XSD/xs-tool")
	[ "$(echo "$out" | grep -c OK)" -ge 6 ]
	[ "$("$XSD/xenstore-read" /tx/5)" = e ]
	kill_pid "$XSD_PID"
	XSD_PID=
	cp "$T/state/journal" "$T/journal.whole"
	size=$(stat -c %s "$T/journal.whole")
	# the power went while the commit's last bytes were written
	for cut in 1 5 12 40; do
		head -c $((size - cut)) "$T/journal.whole" > "$T/state/journal"
		start_xsd
		[ "$("$XSD/xenstore-read" /before)" = 1 ]
		run "$XSD/xenstore-list" /tx
		[ "$status" -eq 1 ]
		grep -q "journal: cut a torn tail of [0-9]* bytes.* whole records of an unfinished commit" "$T/xsd.log"
		kill_pid "$XSD_PID"
		XSD_PID=
	done
}

# status_is FIELD VALUE: the running daemon's /proc/<pid>/status line, read anew each call.
status_is() {
	grep -q "^$1:[[:space:]]*$2\$" "/proc/$XSD_PID/status"
}

@test "the daemon serves sandboxed: no capabilities, no_new_privs, seccomp; as its own user with --user" {
	start_xsd
	wait_for 5 status_is Seccomp 2
	status_is NoNewPrivs 1
	status_is CapEff 0000000000000000
	status_is CapPrm 0000000000000000
	status_is CapBnd 0000000000000000
	status_is Uid "0[[:space:]]*0[[:space:]]*0[[:space:]]*0"
	"$XSD/xenstore-write" /sb/a 1
	[ "$("$XSD/xenstore-read" /sb/a)" = 1 ]
	# the user must reach its state directory: the daemon refuses to serve when it cannot
	kill_pid "$XSD_PID"
	run "$XSD/xenstored" -N --state-dir "$T/state" --user 1879048191:1879048190
	[ "$status" -eq 1 ]
	[[ "$output" == *"sandbox: uid 1879048191 cannot use the state directory $T/state (each directory above it must let it through): Permission denied"* ]]
	[ ! -e "$T/sock" ]
	chmod 0711 "$T"
	# its own uid (numeric: no passwd entry needed); root's clients still connect to the 0600 socket
	restart_xsd --user 1879048191:1879048190
	wait_for 5 status_is Seccomp 2
	status_is Uid "1879048191[[:space:]]*1879048191[[:space:]]*1879048191[[:space:]]*1879048191"
	status_is Gid "1879048190[[:space:]]*1879048190[[:space:]]*1879048190[[:space:]]*1879048190"
	status_is CapEff 0000000000000000
	[ "$(stat -c '%u %a' "$T/sock")" = "0 600" ]
	[ "$(stat -c %u "$T/state")" = 1879048191 ]
	[ "$("$XSD/xenstore-read" /sb/a)" = 1 ]
	"$XSD/xenstore-write" /sb/b 2
	# compaction writes a snapshot in the state directory, now the user's
	"$XSD/xenstore-control" journal compact
	[ "$(stat -c %u "$T/state/snapshot")" = 1879048191 ]
	restart_xsd
	[ "$("$XSD/xenstore-read" /sb/b)" = 2 ]
}

@test "a user that does not exist leaves the daemon root, sandboxed, and says so; --no-sandbox warns" {
	start_xsd --user xenon-no-such-user
	wait_for 5 status_is Seccomp 2
	status_is Uid "0[[:space:]]*0[[:space:]]*0[[:space:]]*0"
	status_is CapEff 0000000000000000
	grep -q "sandbox: no user 'xenon-no-such-user' (create it: useradd --system" "$T/xsd.log"
	restart_xsd --no-sandbox
	wait_for 5 grep -q "WARNING: --no-sandbox: xenstored keeps its capabilities" "$T/xsd.log"
	"$XSD/xenstore-write" /nosb 1
	status_is Seccomp 0
	status_is NoNewPrivs 0
	not status_is CapEff 0000000000000000
}
