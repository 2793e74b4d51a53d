# Two "hosts" on one machine, for live migration: sourced by
# tests/migrate-hosts.bash (the xl-migrate suite), bench/migrate and
# bench/migrate-beat. Host A and host B each have a private xenstored
# socket, run and log directory, xl.conf and cgroup parent, and with
# namespaces a network namespace with a bridge xenbr0, joined to the other's
# by a veth pair (veth-a in A, veth-b in B: the caller addresses them or
# puts them in the bridges). xenstored and the xl commands run inside their
# host's namespace. $HOSTS_DIR/to-b is an `xl migrate -s` script that runs
# the receiver with B's settings, in place of ssh. The caller puts this
# tree's xl, xenstored and hypervisor directories on PATH (the receiver's xl
# is looked up there).
#
# hosts_down ends what hosts_up and the run made, even after a failure:
# each host's domains and its xenstored (host_end, by the pid recorded in
# $HOSTS_DIR/H/xs.pid), the namespaces with their bridges, veths and taps,
# and the loop devices of files in $HOSTS_DIR. Processes are ended by the
# pids recorded, never by name.

HOSTS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# wait_until SECONDS CMD...: poll CMD every 10 ms; fail after SECONDS.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt "$end" ] || return 1
		sleep 0.01
	done
}

# hosts_fail MSG: the caller's die (say MSG, exit) if it has one, else MSG
# on stderr and a failed return (bats fails the test).
hosts_fail() {
	if declare -F die >/dev/null; then die "$@"; fi
	echo "$*" >&2
	return 1
}

# host_env H: the settings of host H (a or b), as assignments for env.
host_env() {
	echo "HOST_NS=${NS_PREFIX:+$NS_PREFIX-$1} XENSTORED_PATH=$HOSTS_DIR/$1/xs.sock XENON_RUNDIR=$HOSTS_DIR/$1/run" \
		"XENON_LOGDIR=$HOSTS_DIR/$1/log XL_CONF=$HOSTS_DIR/$1/xl.conf" \
		"XENON_CGROUP_PARENT=${HOSTS_CGROUP:+$HOSTS_CGROUP-$1} XENON_SCRIPTDIR=$HOSTS_TOP/hotplug"
}

# on H CMD...: run CMD, a command or a shell function, on host H;
# on_a/on_b CMD...: the same on A or B.
on() {
	# shellcheck disable=SC2046 # host_env's words are assignments without spaces
	(export $(host_env "$1") && "${@:2}")
}
on_a() { on a "$@"; }
on_b() { on b "$@"; }

# xl CMD...: this tree's xl, inside the current host's namespace, if any.
xl() { ${HOST_NS:+ip netns exec "$HOST_NS"} "$HOSTS_TOP/xl/xl" "$@"; }

# hosts_up DIR [NS_PREFIX [CGROUP]]: hosts A and B in DIR (a scratch
# directory of the caller's), $DIR/to-b; with NS_PREFIX, each in namespace
# NS_PREFIX-H and the veth between them; with CGROUP, each host's domains
# get their cgroups under CGROUP-H (else XENON_CGROUP_PARENT is empty).
hosts_up() {
	HOSTS_DIR=$1 NS_PREFIX=${2:-} HOSTS_CGROUP=${3:-}
	host_up a
	host_up b
	[ -z "$NS_PREFIX" ] || ip -n "$NS_PREFIX-a" link add veth-a type veth peer name veth-b netns "$NS_PREFIX-b"
	# "<sshcommand> <host> xl migrate-receive ...": the host is ignored.
	cat >"$HOSTS_DIR/to-b" <<-EOF
		#!/bin/sh
		shift
		exec env $(host_env b) ${NS_PREFIX:+ip netns exec $NS_PREFIX-b} "\$@"
	EOF
	chmod +x "$HOSTS_DIR/to-b"
}

# host_up H: H's namespace, loopback and bridge (with namespaces), xl.conf
# and xenstored (its pid in $HOSTS_DIR/H/xs.pid).
host_up() {
	local h=$1 d=$HOSTS_DIR/$1 ns=$NS_PREFIX-$1
	mkdir -p "$d"
	if [ -n "$NS_PREFIX" ]; then
		ip netns add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
		ip -n "$ns" link set lo up
		ip -n "$ns" link add xenbr0 type bridge
		ip -n "$ns" link set xenbr0 up
	fi
	printf 'lockfile = "%s"\n' "$d/xl.lock" >"$d/xl.conf"
	${NS_PREFIX:+ip netns exec "$ns"} "$HOSTS_TOP/xenstored/xenstored" -N -I -s "$d/xs.sock" 2>"$d/xenstored.log" 3>&- &
	echo $! >"$d/xs.pid"
	wait_until 5 test -S "$d/xs.sock" || hosts_fail "xenstored did not start (see $d/xenstored.log)"
}

# host_end H, on host H: xl destroy each of its domains, then end its
# xenstored by its recorded pid (the caller reaps it). A caller may define
# its own after sourcing this file (tests/migrate-hosts.bash does).
host_end() {
	local id
	if [ -S "$XENSTORED_PATH" ]; then
		for id in $(xl list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $2 }'); do
			xl destroy "$id" 2>/dev/null || true
		done
	fi
	kill "$(cat "$HOSTS_DIR/$1/xs.pid" 2>/dev/null)" 2>/dev/null || true
}

# host_down H: host_end on H, then delete its namespace.
host_down() {
	local h=$1 ns=$NS_PREFIX-$1
	[ -d "$HOSTS_DIR/$h" ] || return 0
	on "$h" host_end "$h"
	if [ -n "$NS_PREFIX" ] && ip netns list | grep -qw -- "$ns"; then
		ip netns delete "$ns"
	fi
}

# hosts_down: both hosts down, and the loop devices the hosts' block
# scripts made for files in $HOSTS_DIR.
hosts_down() {
	local loop file
	[ -n "${HOSTS_DIR:-}" ] || return 0
	host_down a
	host_down b
	while read -r loop file; do
		[[ $file == "$HOSTS_DIR"/* ]] && losetup -d "$loop"
	done < <(losetup -n -O NAME,BACK-FILE 2>/dev/null)
	true
}
