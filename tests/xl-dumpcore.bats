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
	[ $((rip)) -ge $((0x100000)) ] && [ $((rip)) -lt $((0x$text_end)) ]
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
