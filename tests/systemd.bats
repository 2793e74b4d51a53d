#!/usr/bin/env bats
# The host's systemd units (systemd/): installed by `make install` into a
# scratch prefix, every unit passes `systemd-analyze verify`; xenstored tells
# systemd it is ready (NOTIFY_SOCKET); xen-init-dom0 writes the Domain-0 nodes.

load helpers

local_teardown() {
	kill_pid "${XS_PID:-}"
}

# make install with PREFIX=$T/usr: the units name the installed binaries by
# their real paths there, which verify checks.
install_into_tmp() {
	mk_tmp
	make -s -C "$XENON_TOP" --no-print-directory install PREFIX="$T/usr" > "$T/install.log" 2>&1
}

@test "make install puts the units, the xendomains script and its defaults file" {
	install_into_tmp
	for u in xenstored xen-init-dom0 xendomains; do
		[ -f "$T/usr/lib/systemd/system/$u.service" ]
	done
	[ -x "$T/usr/lib/xenon/bin/xendomains" ]
	[ -x "$T/usr/lib/xenon/bin/xen-init-dom0" ]
	[ -d "$T/usr/etc/xen/auto" ]
	grep -q "^XENDOMAINS_AUTO=$T/usr/etc/xen/auto\$" "$T/usr/etc/default/xendomains"
	grep -q "^ExecStart=$T/usr/sbin/xenstored -N" "$T/usr/lib/systemd/system/xenstored.service"
	not grep -rq @ "$T/usr/lib/systemd/system" "$T/usr/etc/default/xendomains"
}

@test "systemd-analyze verify passes on every unit" {
	command -v systemd-analyze > /dev/null || skip "needs systemd-analyze (systemd)"
	install_into_tmp
	cd "$T/usr/lib/systemd/system"
	run systemd-analyze verify --man=no xenstored.service xen-init-dom0.service xendomains.service
	echo "$output"
	[ "$status" -eq 0 ]
	# verify warns without failing: no line may name our units.
	not grep -E "(xenstored|xen-init-dom0|xendomains)\.service" <<< "$output"
}

@test "the xendomains script is shellcheck-clean" {
	command -v shellcheck > /dev/null || skip "needs shellcheck"
	shellcheck -s sh "$XENON_TOP/systemd/xendomains.in"
}

@test "xenstored -N sends READY=1 to NOTIFY_SOCKET once its socket listens" {
	mk_tmp
	python3 - "$T/notify" > "$T/got" <<-'PY' &
		import socket, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(sys.argv[1]); s.settimeout(20)
		print(s.recv(256).decode(), flush=True)
	PY
	local py=$!
	wait_for 20 test -S "$T/notify"
	NOTIFY_SOCKET=$T/notify xenstored -N -I -s "$T/xs.sock" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait "$py"
	[ "$(cat "$T/got")" = READY=1 ]
	# Ready means serving: the socket answers at once.
	XENSTORED_PATH=$T/xs.sock xenstore-ls / > /dev/null
}

@test "xenstored with a NOTIFY_SOCKET that is not a path says so and still serves" {
	mk_tmp
	NOTIFY_SOCKET=relative xenstored -N -I -s "$T/xs.sock" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 grep -q "NOTIFY_SOCKET=relative is not a socket path" "$T/xenstored.log"
	XENSTORED_PATH=$T/xs.sock xenstore-ls / > /dev/null
}

@test "xen-init-dom0 writes Domain-0's nodes, and leaves them as they are the second time" {
	mk_tmp
	export XENSTORED_PATH=$T/xs.sock
	xenstored -N -I -s "$XENSTORED_PATH" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
	"$XENON_TOP/systemd/xen-init-dom0"
	[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ]
	[ "$(xenstore-read /local/domain/0/domid)" = 0 ]
	"$XENON_TOP/systemd/xen-init-dom0"
	[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ]
}

@test "xen-init-dom0 without a xenstored says which socket and fails" {
	mk_tmp
	XENSTORED_PATH=$T/none.sock run "$XENON_TOP/systemd/xen-init-dom0"
	[ "$status" -ne 0 ]
	[[ $output == *"$T/none.sock"* ]]
}

@test "make install puts the logrotate config, and it rotates the xl logs keeping the open file" {
	install_into_tmp
	grep -q '^/var/log/xen/\*\.log {' "$T/usr/etc/logrotate.d/xenon"
	command -v logrotate > /dev/null || skip "needs logrotate (make deps)"
	mkdir "$T/log"
	sed "s|@LOGDIR@|$T/log|" "$XENON_TOP/systemd/xenon.logrotate.in" > "$T/rotate.conf"
	echo "monitor: domain 1 up" > "$T/log/xl-a1.log"
	exec 5>> "$T/log/xl-a1.log"
	logrotate -f -s "$T/rotate.state" "$T/rotate.conf"
	grep -q "domain 1 up" "$T/log/xl-a1.log.1"
	# copytruncate: the monitor's open file goes on, emptied.
	[ ! -s "$T/log/xl-a1.log" ]
	echo "monitor: after" >&5
	exec 5>&-
	grep -q after "$T/log/xl-a1.log"
}
