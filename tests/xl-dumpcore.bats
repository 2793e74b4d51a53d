#!/usr/bin/env bats
# xl dump-core (issue 14): libxl creates the file, the domain's xenon-hv
# writes an ELF core into it (HVCTL_DUMP_CORE); gdb opens it with the
# guest's kernel image. The errors run with tests/fake-hv here; the real
# guest (KVM) in tests/nested-kvm.

load helpers

setup() {
	xl_env_start
	KERNEL=$XENON_TOP/guest/xenon-guest.elf
	cat > "$T/d.cfg" <<-EOF
		name = "dc1"
		kernel = "$KERNEL"
		memory = 32
		vcpus = 2
		extra = "marker=dump-$$"
	EOF
}

local_teardown() { xl_env_stop; }

booted() { hvctl "$XENON_RUNDIR/domains/$(xl domid "$1").sock" console 2> /dev/null | grep -q "xenon> "; }

@test "dump-core: gdb reads the guest's command line (a variable of its kernel) and the vCPUs' registers" {
	require_kvm
	command -v gdb > /dev/null || { echo "gdb is missing: make deps installs it" >&2; return 1; }
	xl create "$T/d.cfg"
	wait_for 20 booted dc1
	xl dump-core dc1 "$T/core"
	[ "$(stat -c %a "$T/core")" = 600 ]
	# the domain runs on after the dump
	xl list dc1 | awk '$1 == "dc1" { exit !($5 ~ /^(r|-b)/ && $5 !~ /p/) }'
	run readelf -h "$T/core"
	[[ $output == *"CORE (Core file)"* ]]
	[[ $output == *"X86-64"* ]]
	run gdb -batch -nx -ex 'print boot.cmdline' -ex 'info threads' -ex 'thread 1' \
		-ex 'printf "rip=%#lx cs=%#lx\n", $rip, $cs' "$KERNEL" "$T/core"
	echo "$output"
	[[ $output == *"\"marker=dump-$$\""* ]]
	# a thread per started vCPU (gdb's LWP n: vCPU n - 1)
	[[ $output == *" 2    LWP 2 "* ]]
	# the boot vCPU's rip is in the kernel's text, with a 64-bit kernel code selector
	text_end=$(nm "$KERNEL" | awk '$3 == "__bss_start" { print $1 }')
	regs=$(echo "$output" | grep '^rip=')
	rip=${regs#rip=}
	rip=${rip%% *}
	[ $((rip)) -ge $((0x100000)) ]
	[ $((rip)) -lt $((0x$text_end)) ]
	[[ $regs == *" cs=0x8" || $regs == *" cs=0x10" || $regs == *" cs=0x18" ]]
	xl destroy dc1
}

@test "dump-core errors: a file that cannot be created, a domain whose xenon-hv refuses, Domain-0" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	xl create "$T/d.cfg"
	run xl dump-core dc1 "$T/no/such/dir/core"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot create $T/no/such/dir/core"* ]]
	# fake-hv answers HVCTL_DUMP_CORE as an unknown request: nothing is left
	run xl dump-core dc1 "$T/core"
	[ "$status" -eq 1 ]
	[[ $output == *"core could not be written to $T/core"* ]]
	[ ! -e "$T/core" ]
	run xl dump-core Domain-0 "$T/core"
	[ "$status" -eq 1 ]
	[[ $output == *"Domain-0 is the host"* ]]
	run xl dump-core nosuch "$T/core"
	[ "$status" -eq 1 ]
	[ ! -e "$T/core" ]
	run xl dump-core dc1
	[ "$status" -eq 1 ]
}

# on_*=coredump-* (xl.cfg(5)): the monitor has xenon-hv keep the ended
# domain (--hold-on), writes its core into the dump directory (xl_env_start
# sets $XENON_DUMPDIR=$T/dump; xl.conf's dump_dir moves it), then destroys
# or restarts it. fake-hv plays a crash (FAKE_HV_CRASH: `xl shutdown` is
# one) and a dump (FAKE_HV_DUMP); the real guest runs in tests/nested-kvm.

# The one file in directory $1, named "<date>-<name>.<domid>.core" as xend named them.
core_in() {
	local files
	files=$(ls -A "$1")
	[ "$(echo "$files" | wc -l)" -eq 1 ] || return 1
	[[ $files =~ ^20[0-9]{2}-[0-9]{4}-[0-9]{4}\.[0-9]{2}-$2\.$3\.core$ ]] || return 1
	echo "$1/$files"
}

domid_is() { [ "$(xl domid "$1" 2> /dev/null)" = "$2" ]; }

runs() { [[ $(state_of "$1") =~ ^(r|-b) ]]; }

crash_cfg() { sed -i '/^on_/d' "$T/d.cfg" && echo "on_crash = \"$1\"" >> "$T/d.cfg"; }

@test "on_crash=coredump-destroy (fake-hv): the core goes to the dump directory, then the domain is destroyed" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv FAKE_HV_CRASH=1 FAKE_HV_DUMP=1
	crash_cfg coredump-destroy
	xl create "$T/d.cfg"
	[ ! -e "$T/dump" ]
	xl shutdown dc1
	wait_for 10 nothing_left
	core=$(core_in "$T/dump" dc1 1)
	[ "$(cat "$core")" = "fake-hv core of dc1" ]
	[ "$(stat -c %a "$core")" = 600 ]
	grep -q "dumping core to $core" "$XENON_LOGDIR/xl-dc1.log"
	grep -q "core of domain 'dc1' (1) dumped to $core" "$XENON_LOGDIR/xl-dc1.log"
	grep -q "domain 'dc1' (1) crashed" "$XENON_LOGDIR/xl-dc1.log"
}

@test "on_crash=coredump-restart (fake-hv): the core in xl.conf's dump_dir, the domain restarted as domain 2" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv FAKE_HV_CRASH=1 FAKE_HV_DUMP=1
	echo "dump_dir = \"$T/confdump\"" >> "$XL_CONF"
	crash_cfg coredump-restart
	xl create "$T/d.cfg"
	xl shutdown dc1
	wait_for 10 domid_is dc1 2
	core=$(core_in "$T/confdump" dc1 1)
	[ "$(cat "$core")" = "fake-hv core of dc1" ]
	[ ! -e "$T/dump" ]
	grep -q "domain 'dc1' (1) restarted as domain 2" "$XENON_LOGDIR/xl-dc1.log"
	xl destroy dc1
	nothing_left
}

@test "on_crash=coredump-destroy (fake-hv): a dump that fails is logged, nothing is left, the domain is destroyed" {
	export XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv FAKE_HV_CRASH=1
	crash_cfg coredump-destroy
	# xenon-hv refuses the dump (fake-hv without FAKE_HV_DUMP)
	xl create "$T/d.cfg"
	xl shutdown dc1
	wait_for 10 nothing_left
	grep -q "dumping core to $T/dump/" "$XENON_LOGDIR/xl-dc1.log"
	grep -q "core dump failed: " "$XENON_LOGDIR/xl-dc1.log"
	[ -z "$(ls -A "$T/dump")" ] # not even the temporary file
	# a dump directory that cannot be made (below a file)
	: > "$T/file"
	echo "dump_dir = \"$T/file/dump\"" >> "$XL_CONF"
	: > "$XENON_LOGDIR/xl-dc1.log"
	export FAKE_HV_DUMP=1
	xl create "$T/d.cfg"
	xl shutdown dc1
	wait_for 10 nothing_left
	grep -q "core dump failed: cannot create the dump directory $T/file/dump: " "$XENON_LOGDIR/xl-dc1.log"
	# a relative dump_dir is refused when xl reads xl.conf
	echo 'dump_dir = "dumps"' >> "$XL_CONF"
	run xl create "$T/d.cfg"
	[ "$status" -ne 0 ]
	[[ $output == *"'dump_dir' must be an absolute path"* ]]
	nothing_left
}

@test "on_crash=coredump-destroy: a guest's crash leaves an ELF core of it, and no domain" {
	require_kvm
	crash_cfg coredump-destroy
	xl create "$T/d.cfg"
	wait_for 20 booted dc1
	guest_cmd dc1 crash
	wait_for 20 nothing_left
	core=$(core_in "$T/dump" dc1 1)
	run readelf -h "$core"
	[[ $output == *"CORE (Core file)"* ]]
	grep -q "core of domain 'dc1' (1) dumped to $core" "$XENON_LOGDIR/xl-dc1.log"
}

@test "on_crash=coredump-restart: a guest's crash leaves an ELF core, the domain runs again as domain 2" {
	require_kvm
	crash_cfg coredump-restart
	xl create "$T/d.cfg"
	wait_for 20 booted dc1
	guest_cmd dc1 crash
	wait_for 20 domid_is dc1 2
	core=$(core_in "$T/dump" dc1 1)
	run readelf -h "$core"
	[[ $output == *"CORE (Core file)"* ]]
	# its monitor builds it first (------): then it runs
	wait_for 20 runs dc1
	xl destroy dc1
	nothing_left
}
