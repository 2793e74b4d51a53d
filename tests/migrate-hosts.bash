# Two "hosts" on one machine, for the migration suites (loaded after
# helpers): tests/hosts.bash's hosts A and B, each a network namespace of
# the test's own with a bridge xenbr0 at $BRIDGE_ADDR, its cgroup parent
# below the test's; the veth between them has A at $ADDR_A and B at
# $ADDR_B (a private range). Host A is the default: `xl` and the helpers
# (state_of, console_text, nothing_left, ...) act on A; `on_b CMD...` runs
# CMD (a command or a function) on B. $T/to-b is an `xl migrate -s` script
# that enters B in place of ssh.
#
# hosts_stop (call it from local_teardown) ends what hosts_start and the
# test made, even after a failure: sshd by its pid, then hosts_down: each
# host's domains (their monitors and xenon-hv by the pids libxl recorded),
# xenstored by its pid, the namespaces with their bridges, veths and taps,
# and the loop devices of files in $T.

# shellcheck source=tests/hosts.bash
. "$XENON_TOP/tests/hosts.bash"

ADDR_A=10.213.7.1
ADDR_B=10.213.7.2
# Each host's xenbr0 has the same address, as a LAN the guest keeps when it
# moves; a guest there is $GUEST_ADDR (tests/net-peer pings it).
BRIDGE_ADDR=192.0.2.1
GUEST_ADDR=192.0.2.2

# hosts_start: a scratch $T, hosts A and B, the veth between them, $T/to-b;
# the test's environment is host A's.
hosts_start() {
	local h
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, bridges)"
	mk_tmp
	SSHD_PID=
	hosts_up "$T" "xenon-test-$$-mig$BATS_TEST_NUMBER" "xenon-test-$$"
	for h in a b; do
		ip -n "$NS_PREFIX-$h" addr add "$BRIDGE_ADDR/24" dev xenbr0
	done
	ip -n "$NS_PREFIX-a" addr add "$ADDR_A/24" dev veth-a
	ip -n "$NS_PREFIX-b" addr add "$ADDR_B/24" dev veth-b
	ip -n "$NS_PREFIX-a" link set veth-a up
	ip -n "$NS_PREFIX-b" link set veth-b up
	# shellcheck disable=SC2046
	export $(host_env a)
}

# host_end H (tests/hosts.bash's, redone): H's domains by the pids libxl
# recorded (xl_env_stop: each monitor first), then its xenstored by its
# pid, then its cgroup parent.
host_end() {
	# shellcheck disable=SC2034 # read by xl_env_stop, in on's subshell only
	XS_PID=$(cat "$T/$1/xs.pid" 2>/dev/null)
	xl_env_stop
	cg_cleanup
}

hosts_stop() {
	kill_pid "${SSHD_PID:-}"
	hosts_down
}

# The tick count of domain $1's last "tick N" console line (0 if none).
last_tick() { console_text "$1" | awk '{ sub(/\r$/, "") } /^tick [0-9]+ / { n = $2 } END { print n + 0 }'; }

# Domain $1's console: its tick counts go up (by one, unless another line
# came between: a line of the guest's other output can cut a tick's line, so
# that it does not read as one), its clock never goes back, and there is at
# most one boot banner (xenon-hv's 16 KiB console ring holds ~90 s of ticks:
# a slow nested run may have dropped it). A reboot starts the ticks again.
# What breaks it is said on stderr.
ticks_continue() {
	console_text "$1" | awk '{ sub(/\r$/, "") } /^xenon-guest / { b++ }
		/^tick [0-9]+ [0-9.]+ s$/ {
			if (n && ($2 <= n || $3 < s || ($2 != n + 1 && !other))) { print "after tick " n " (" s " s): " $0 > "/dev/stderr"; bad = 1 }
			n = $2; s = $3; other = 0; next
		}
		n { other = 1 }
		END { if (b > 1) print b " boot banners" > "/dev/stderr"; exit (bad || b > 1 || !n) }'
}

# ticking_more DOM: domain DOM's ticker goes on (a new tick within 20 s).
ticking_more() {
	local before
	before=$(last_tick "$1")
	wait_for 20 eval '[ "$(last_tick '"$1"')" -gt '"$before"' ]'
}

# ---- real ssh between the hosts ---------------------------------------------

SSH_PORT=2222

# sshd_start: Debian's sshd inside B's namespace, listening on
# $ADDR_B:$SSH_PORT only, with a host key and a user key made here; it lets
# in only root with that key from $ADDR_A, and runs every login through a
# wrapper that gives the command B's environment. $SSH is the -s command
# for xl migrate (known_hosts holds only that host key; strict checking).
sshd_start() {
	local d=$T/ssh
	[ -x /usr/sbin/sshd ] || skip "needs Debian's openssh-server (/usr/sbin/sshd; make deps)"
	mkdir -p "$d" /run/sshd # sshd's privilege separation directory, as Debian's unit makes it
	ssh-keygen -q -t ed25519 -N '' -C xenon-test-host -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -C xenon-test-user -f "$d/user_key"
	cp "$d/user_key.pub" "$d/authorized_keys"
	echo "[$ADDR_B]:$SSH_PORT $(cut -d' ' -f1,2 "$d/host_key.pub")" >"$d/known_hosts"
	cat >"$d/b-env" <<-EOF2
		#!/bin/sh
		# A login on host B: B's settings, this tree's commands, then what was asked.
		export $(host_env b) PATH=$XENON_TOP/xl:$XENON_TOP/xenstored:$XENON_TOP/hypervisor:/usr/sbin:/usr/bin:/sbin:/bin
		exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
	EOF2
	chmod +x "$d/b-env"
	cat >"$d/sshd_config" <<-EOF2
		Port $SSH_PORT
		ListenAddress $ADDR_B
		HostKey $d/host_key
		PidFile none
		AuthorizedKeysFile $d/authorized_keys
		AuthenticationMethods publickey
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		PermitRootLogin prohibit-password
		AllowUsers root@$ADDR_A
		StrictModes no
		ForceCommand $d/b-env
		PermitTTY no
		AllowTcpForwarding no
		AllowAgentForwarding no
		X11Forwarding no
		LogLevel VERBOSE
	EOF2
	ip netns exec "$NS_PREFIX-b" /usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" </dev/null 3>&- &
	SSHD_PID=$!
	wait_for 10 sshd_listens || { cat "$d/sshd.log" >&2; return 1; }
	SSH="ssh -F /dev/null -i $d/user_key -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$d/known_hosts"
	SSH+=" -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -l root -p $SSH_PORT"
}

sshd_listens() { ip netns exec "$NS_PREFIX-b" ss -Hltn "sport = :$SSH_PORT" | grep -q .; }

# ---- a guest with a disk and a NIC --------------------------------------------

# dev_guest NAME [DISK_OPTS]: start NAME on the current host with a disk
# ($T/NAME.img, 1 MiB, "written-on-a" in its sector 3; DISK_OPTS before its
# target, e.g. "script=...,") and a NIC on xenbr0 at $GUEST_ADDR.
dev_guest() {
	truncate -s 1M "$T/$1.img"
	cat >"$T/$1.cfg" <<-EOF
		name = "$1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		disk = [ "format=raw,vdev=xvda,access=rw,${2:-}target=$T/$1.img" ]
		vif = [ "bridge=xenbr0,mac=00:16:3e:4d:49:47" ]
		cmdline = 'run="ip eth0 $GUEST_ADDR/24; blk write xvda 3 written-on-a; ticker on"'
		on_poweroff = "destroy"
	EOF
	xl create "$T/$1.cfg"
	wait_for 30 console_has "$1" "^xvda: wrote 12 bytes at sector 3"
}

# guest_type DOM LINE: a line typed on the domain's console (its pty).
guest_type() {
	local tty
	tty=$(hvctl "$XENON_RUNDIR/domains/$(xl domid "$1").sock" info | awk '$1 == "console:" { print $2 }')
	[[ $tty == /dev/pts/* ]] && printf '%s\r' "$2" >"$tty"
}

# pings_guest: the guest answers on the current host's xenbr0.
pings_guest() { ip netns exec "$HOST_NS" "$XENON_TOP/tests/net-peer" ping "$GUEST_ADDR" 2 >/dev/null; }

# The vif taps in the current host's namespace.
vif_taps() { ip -n "$HOST_NS" -o link show | awk -F': ' '$2 ~ /^vif/ { sub(/@.*/, "", $2); print $2 }'; }

sector_text() { dd if="$1" bs=512 skip="$2" count=1 status=none | tr -d '\0'; }
