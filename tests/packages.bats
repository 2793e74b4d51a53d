#!/usr/bin/env bats
# The Debian packages (debian/, make deb): built once for the file (in
# build/deb/, git-ignored), lintian-clean, and installed into a throwaway
# root, never the host's: an overlay of / whose writes go to a memory
# filesystem, in a private mount namespace (unshare -m) that takes every
# mount with it when it ends; dpkg runs chrooted there. The installed
# xenstored, its clients and xl run there, and dpkg --purge leaves nothing
# but dpkg's own bookkeeping.

load helpers

DEBS=$XENON_TOP/build/deb
PACKAGES="xenon libxenon-xenstore4 libxenon-xenlight1 libxenon-xentoollog1 libxenon-dev python3-xenon"

setup_file() {
	command -v dpkg-buildpackage > /dev/null && command -v lintian > /dev/null || return 0
	# The nested machine (tests/nested-kvm) sees the tree read-only: it
	# uses the packages the host's run of this suite built.
	[ -z "${XENON_NESTED:-}" ] || return 0
	git -C "$XENON_TOP" status --porcelain > "$BATS_FILE_TMPDIR/status.before"
	make -s -C "$XENON_TOP" --no-print-directory deb DEB_JOBS=2 > "$BATS_FILE_TMPDIR/deb.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/deb.log" >&3; return 1; }
	git -C "$XENON_TOP" status --porcelain > "$BATS_FILE_TMPDIR/status.after"
}

require_debs() {
	command -v dpkg-buildpackage > /dev/null || skip "needs dpkg-buildpackage (make deps)"
	command -v lintian > /dev/null || skip "needs lintian (make deps)"
	[ -z "${XENON_NESTED:-}" ] || [ -f "$DEBS/lintian.txt" ] || nested_wait_debs
}

# nested_wait_debs: in the nested machine, the packages come from the host's
# run of this suite (make deb writes lintian.txt last). By hand, none is a
# skip that says so; under .ci/run (XENON_DEBS_WAIT=SECONDS) the host builds
# them at the same time: wait for them that long, then fail.
nested_wait_debs() {
	[ -n "${XENON_DEBS_WAIT:-}" ] ||
		skip "no packages in $DEBS: the host's run of this suite builds them (make check T=packages, or make deb)"
	wait_for "$XENON_DEBS_WAIT" test -f "$DEBS/lintian.txt" || {
		echo "no packages in $DEBS after ${XENON_DEBS_WAIT} s: did the host's run of tests/packages.bats build them?"
		return 1
	}
}

# deb_field PACKAGE FIELD: a field of the built package's control file.
deb_field() { dpkg-deb -f "$DEBS/$1"_*.deb "$2"; }

@test "make deb builds the packages of VERSION, lintian finds no error, the tree gets no new file" {
	require_debs
	[ -z "${XENON_NESTED:-}" ] || skip "make deb runs in the host's run of this suite"
	local version p
	version=$(cat "$XENON_TOP/VERSION")
	for p in $PACKAGES; do
		[ -f "$DEBS/${p}_${version}_amd64.deb" ] || { echo "no $p ${version}"; ls "$DEBS"; false; }
	done
	cat "$DEBS/lintian.txt"
	not grep -q '^E: ' "$DEBS/lintian.txt"
	diff "$BATS_FILE_TMPDIR/status.before" "$BATS_FILE_TMPDIR/status.after"
	# The libraries actually linked, and Debian's Xen packages named.
	[[ $(deb_field xenon Depends) == *libseccomp2* ]]
	[[ $(deb_field xenon Depends) == *libyajl2* ]]
	[[ $(deb_field xenon Conflicts) == *xenstore-utils* ]]
	[[ $(deb_field libxenon-xenstore4 Conflicts) == *libxenstore4* ]]
	[[ $(deb_field libxenon-xentoollog1 Conflicts) == *libxentoollog1* ]]
	[[ $(deb_field libxenon-dev Conflicts) == *libxen-dev* ]]
	dpkg-deb -c "$DEBS/libxenon-xenstore4_${version}_amd64.deb" | grep -q 'libxenstore\.so\.4\.0$'
	dpkg-deb -c "$DEBS/libxenon-xentoollog1_${version}_amd64.deb" | grep -q 'libxentoollog\.so\.1\.0$'
}

@test "make deb refuses a VERSION that debian/changelog does not name, before building" {
	command -v dpkg-parsechangelog > /dev/null || skip "needs dpkg-parsechangelog (make deps)"
	mk_tmp
	git -C "$XENON_TOP" ls-files -z | (cd "$XENON_TOP" && tar --null -T - -cf -) | tar -xf - -C "$T"
	git -C "$T" init -q
	echo 9.9.9 > "$T/VERSION"
	run "$T/debian/make-deb"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"VERSION says 9.9.9 but debian/changelog's last entry is $(cat "$XENON_TOP/VERSION")"* ]]
	[ ! -e "$T/build" ]
}

# require_throwaway_root: what in_root needs (tests/nested-kvm's kernel has
# no overlay module loaded: there the tests that need it are skipped).
require_throwaway_root() {
	command -v unshare > /dev/null || skip "needs unshare (util-linux)"
	grep -qw overlay /proc/filesystems || modprobe overlay 2> /dev/null ||
		skip "needs overlayfs for the throwaway root (not in this kernel)"
}

# in_root SCRIPT: run SCRIPT (bash) in a private mount namespace where $R is
# a throwaway root (overlay of /, writes in a tmpfs) with /proc, /dev, and
# private /tmp and /run; in_root_cmd there runs a command chrooted in $R.
# The packages are copied to $R/tmp/debs. Output files go to $T (outside).
in_root() {
	unshare -m --propagation private bash -euo pipefail -c '
		exec 2> "$T/trace"
		set -x
		R=$T/ovl/root
		mkdir -p "$T/ovl"
		mount -t tmpfs tmpfs "$T/ovl"
		mkdir "$T/ovl/upper" "$T/ovl/work" "$R"
		mount -t overlay overlay -o "lowerdir=/,upperdir=$T/ovl/upper,workdir=$T/ovl/work" "$R"
		mount -t proc proc "$R/proc"
		mount --rbind /dev "$R/dev"
		mount -t tmpfs tmpfs "$R/tmp"
		mount -t tmpfs tmpfs "$R/run"
		mkdir "$R/run/lock" # as a booted system has it (/var/lock, xl'"'"'s lock)
		mkdir "$R/tmp/debs"
		for p in $PACKAGES; do cp "$DEBS/${p}_"*.deb "$R/tmp/debs/"; done
		in_root_cmd() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
		# what the overlay holds: every path and its type, size and mode
		upper() { (cd "$T/ovl/upper" && find . -printf "%p %y %s %m\n" | sort); }
		# Debian'"'"'s own Xen packages conflict with ours: out of this root
		# first; then $T/before, and our packages installed.
		install_ours() {
			local xen
			xen=$(in_root_cmd dpkg-query -W -f "\${Package} \${Status}\n" xenstore-utils libxenstore4 \
				libxentoollog1 xen-utils-common libxen-dev 2>/dev/null | awk "/ installed/ { print \$1 }" || true)
			[ -z "$xen" ] || in_root_cmd dpkg --purge --force-depends $xen > "$T/xen-purge.log" 2>&1
			upper > "$T/before"
			in_root_cmd sh -c "dpkg -i /tmp/debs/*.deb" > "$T/install.log" 2>&1
		}
		'"$1"
}

# nothing_of_ours_left: between $T/before (installed) and $T/after (purged),
# the overlay differs only by dpkg's bookkeeping (its database and log,
# ldconfig's and man-db's caches) and the system user xenstored, which purge
# leaves as Debian does (the password and group files, their backups and lock);
# a directory the host has too is only the overlay's copy-up.
nothing_of_ours_left() {
	diff "$T/before" "$T/after" | grep '^[<>]' | awk '{ print $2 }' | sort -u |
		while read -r p; do [ -d "${p#.}" ] && [ ! -L "${p#.}" ] || echo "$p"; done > "$T/changed"
	grep -vE '^\./(var/lib/dpkg|var/log/dpkg\.log|etc/ld\.so\.cache|var/cache/man|var/cache/debconf)($|/)|^\./etc/((passwd|group|shadow|gshadow)-?|\.pwd\.lock)$' \
		"$T/changed" > "$T/left" || true
	cat "$T/left"
	[ ! -s "$T/left" ]
}

@test "the packages install into a throwaway root: xenstored runs there as its system user, the clients and xl too; purge removes the logs and leaves nothing but that user" {
	require_debs
	require_throwaway_root
	mk_tmp
	export T DEBS PACKAGES
	run in_root '
		trap "[ -z \"\${XS:-}\" ] || kill \$XS 2>/dev/null || true" EXIT
		install_ours
		in_root_cmd dpkg-query -W -f "\${Package} \${Status}\n" $PACKAGES > "$T/status"
		in_root_cmd ldd /usr/sbin/xl /usr/sbin/xentop /usr/lib/x86_64-linux-gnu/libxenlight.so.1 > "$T/ldd"
		in_root_cmd getent passwd xenstored > "$T/user" || true
		in_root_cmd getent group xenstored > "$T/group" || true
		chroot "$R" /usr/sbin/xenstored -N -I -s /run/xs.sock --user xenstored 2> "$T/xenstored.log" 3>&- &
		XS=$!
		for _ in $(seq 250); do [ -S "$R/run/xs.sock" ] && break; sleep 0.02; done
		in_root_cmd env XENSTORED_PATH=/run/xs.sock xenstore-write /packages/test installed
		in_root_cmd env XENSTORED_PATH=/run/xs.sock xenstore-read /packages/test > "$T/read"
		# it answered: it is the user xenstored by now (xenstored(8) SANDBOX)
		awk "/^Uid:|^Gid:/ { print \$1, \$2, \$3 }" /proc/$XS/status > "$T/ids"
		in_root_cmd env XENSTORED_PATH=/run/xs.sock xl info > "$T/xl-info" 2>&1 || true
		in_root_cmd python3 -c "import xenon, xenon._paths as p; print(p.LIBDIR)" > "$T/python"
		kill $XS; wait $XS || true; XS=
		# the logs Xenon writes (the nested test below sees them written),
		# rotated ones too: purge removes them
		mkdir -p "$R/var/log/xen"
		for f in xl-demo.log xenon-hv-demo.log xenstored.log xl-demo.log.1.gz; do
			echo log > "$R/var/log/xen/$f"
		done
		in_root_cmd dpkg --purge $PACKAGES > "$T/purge.log" 2>&1
		upper > "$T/after"
		diff /etc/passwd "$R/etc/passwd" > "$T/passwd.diff" || true
	'
	echo "$output"
	cat "$T/install.log" "$T/trace" || true
	[ "$status" -eq 0 ]
	[ "$(awk '$4 == "installed"' "$T/status" | wc -l)" -eq "$(wc -w <<< "$PACKAGES")" ]
	not grep -q 'not found' "$T/ldd"
	[ "$(cat "$T/read")" = installed ]
	# the system user and group the unit's --user names, made at install
	cat "$T/user" "$T/group" "$T/ids" "$T/xenstored.log"
	IFS=: read -r _ _ uid gid _ home shell < "$T/user"
	[ "$uid" -gt 0 ]
	[ "$uid" -lt 1000 ]
	[ "$(cut -d: -f3 "$T/group")" = "$gid" ]
	[ "$shell" = /usr/sbin/nologin ]
	[ "$(cat "$T/ids")" = "$(printf 'Uid: %s %s\nGid: %s %s' "$uid" "$uid" "$gid" "$gid")" ]
	# purge leaves it, as Debian leaves system users (README): the one line
	cat "$T/passwd.diff"
	[ "$(grep '^[<>]' "$T/passwd.diff")" = "> xenstored:x:$uid:$gid:Xenon xenstore daemon:$home:$shell" ]
	cat "$T/xl-info"
	grep -q "^xenon_version *: $(cat "$XENON_TOP/VERSION")\$" "$T/xl-info"
	[ "$(cat "$T/python")" = /usr/lib/x86_64-linux-gnu ]
	nothing_of_ours_left
}

# The demo from the packages' files, in the nested machine: their files only
# (unpacked into the throwaway root), as dpkg -i lays them out. dpkg -i and
# --purge themselves, their maintainer scripts and triggers run in the test
# above: under the nested machine's emulation they take many minutes (dpkg's
# database and man-db's index read over 9p), far beyond a test's budget there.
@test "xl create of the demo runs from the packages' files in the throwaway root, its logs in /var/log/xen" {
	require_kvm
	require_debs
	require_throwaway_root
	mk_tmp
	export T DEBS PACKAGES="xenon libxenon-xenstore4 libxenon-xenlight1"
	# Every xl is bounded (timeout), the wait for the prompt too: a step that
	# hangs fails the test with what the files say, before bats' own timeout.
	run in_root '
		xs() { timeout 60 chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			XENSTORED_PATH=/run/xs.sock "$@"; }
		trap "xs xl destroy demo 2>/dev/null || true; [ -z \"\${XS:-}\" ] || kill \$XS 2>/dev/null || true" EXIT
		mount --rbind /sys "$R/sys"
		# as dpkg does, into the root'"'"'s symlinked folders (/lib is usr/lib):
		# dpkg-deb -x would put a folder in their place
		for p in $PACKAGES; do
			dpkg-deb --fsys-tarfile "$R/tmp/debs/${p}_"*.deb | tar -x -C "$R" --keep-directory-symlink
		done
		chroot "$R" /usr/sbin/xenstored -N -I -s /run/xs.sock 2> "$T/xenstored.log" 3>&- &
		XS=$!
		end=$((SECONDS + 30))
		until [ -S "$R/run/xs.sock" ] || [ $SECONDS -ge $end ]; do sleep 0.05; done
		xs xl create /usr/share/xenon/examples/demo.cfg > "$T/create" 2>&1 || { cat "$T/create" >&2; false; }
		end=$((SECONDS + 60))
		until xs xl console demo < /dev/null > "$T/console" 2>&1; grep -q "xenon> " "$T/console"; do
			[ $SECONDS -lt $end ] || break
			sleep 0.2
		done
		xs xl destroy demo
		ls "$R/var/log/xen" > "$T/logs"
	' 3>&-
	echo "$output"
	cat "$T/create" "$T/console" "$T/trace" || true
	[ "$status" -eq 0 ]
	grep -q "xenon> " "$T/console"
	grep -qx "xl-demo.log" "$T/logs"
	grep -qx "xenon-hv-demo.log" "$T/logs"
}
