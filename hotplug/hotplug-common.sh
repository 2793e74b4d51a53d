# hotplug-common.sh: what every Xenon hotplug script shares. Sourced, never run.
#
# Xen's calling convention (xen-hotplug-common.sh), kept so that an
# administrator's own scripts and habits carry over:
#   $1 (also exported as $command)  add | remove (block), online | offline (vif)
#   XENBUS_PATH       the device's backend node, e.g. /local/domain/0/backend/vbd/3/51712
#   XENBUS_TYPE       vbd | vif
#   XENBUS_BASE_PATH  the backend tree, e.g. /local/domain/0/backend
# A script reports through xenstore: hotplug-status "connected" on success;
# on failure hotplug-error (the message) and hotplug-status "error", and a
# non-zero exit status. Messages go to stderr, which libxl keeps in the
# domain's log and names in its error.
#
# The xenstore-* clients find xenstored as libxl does (XENSTORED_PATH).

export LANG=C LC_ALL=C
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

command=${1:-${command:-}}
export command
script_name=$(basename "$0")

log() { # level message...
	local level=$1
	shift
	echo "$script_name: $level: $*" >&2
}

# fatal MESSAGE: report the failure in xenstore and on stderr, then exit 1.
fatal() {
	log err "$*"
	if [ -n "${XENBUS_PATH:-}" ]; then
		xenstore-write "$XENBUS_PATH/hotplug-error" "$*" \
			"$XENBUS_PATH/hotplug-status" error 2> /dev/null ||
			log err "cannot write hotplug-error to $XENBUS_PATH"
	fi
	exit 1
}

success() {
	xenstore-write "$XENBUS_PATH/hotplug-status" connected ||
		fatal "cannot write $XENBUS_PATH/hotplug-status"
}

# xs_read PATH: the value, or fatal when it is missing.
xs_read() {
	local v
	v=$(xenstore-read "$1" 2> /dev/null) || fatal "$1 is missing in xenstore"
	printf '%s\n' "$v"
}

# xs_read_default PATH DEFAULT: the value, or DEFAULT when it is missing.
xs_read_default() {
	xenstore-read "$1" 2> /dev/null || printf '%s\n' "$2"
}

xs_write() { # path value...
	xenstore-write "$@" || fatal "cannot write $1 in xenstore"
}

# require_env NAME...: fatal unless each variable is set and non-empty.
require_env() {
	local n
	for n in "$@"; do
		[ -n "${!n:-}" ] || fatal "$n is not set (the script is run by libxl with Xen's hotplug environment)"
	done
}

# with_lock NAME COMMAND...: run COMMAND holding a host-wide lock, so that
# two scripts never race on one resource (a loop device, a sharing check).
with_lock() {
	local name=$1 dir=${XENON_RUNDIR:-/run/xenon}/hotplug
	shift
	mkdir -p "$dir" || fatal "cannot create $dir"
	(
		flock -w 60 9 || fatal "timed out waiting for the $name lock ($dir/$name.lock)"
		"$@"
	) 9> "$dir/$name.lock"
}
