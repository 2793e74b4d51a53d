#!/usr/bin/env bats
# xl's commands against Xen's xl(1): options, output formats, exit status,
# error messages, with real parts (a private xenstored, the real xenon-hv
# and the project's guest), as tests/xl-lifecycle.bats.

load helpers

setup() {
	xl_env_start
	cat > "$T/lc.cfg" <<-EOF
		name = "lc1"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vcpus = 1
	EOF
}

local_teardown() { xl_env_stop; }

@test "destroy takes Xen's -f, never destroys Domain-0, refuses extra arguments" {
	require_kvm
	xl create "$T/lc.cfg"
	for args in "0" "Domain-0" "-f 0" "-f Domain-0"; do
		run xl destroy $args
		[ "$status" -eq 1 ]
		[[ "$output" == *"not destroying Domain-0: it is the host itself"* ]]
	done
	run xl destroy lc1 extra
	[ "$status" -eq 1 ]
	[ "$output" = "xl: destroy: unexpected argument 'extra'; usage: xl destroy [options] <Domain>" ]
	[ "$(xl domid lc1)" = 1 ]
	run xl destroy -f lc1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	nothing_left
}

@test "pause, unpause, domid, domname, rename, console refuse extra arguments and change nothing" {
	require_kvm
	xl create "$T/lc.cfg"
	run xl pause lc1 lc1
	[ "$status" -eq 1 ]
	[[ "$output" == *"pause: unexpected argument 'lc1'; usage: xl pause <Domain>"* ]]
	[[ "$(state_of lc1)" != *p* ]]
	run xl rename lc1 a b
	[ "$status" -eq 1 ]
	[ "$(xl domname 1)" = lc1 ]
	for args in "unpause lc1 x" "domid lc1 x" "domname 1 x" "console lc1 x"; do
		run xl $args < /dev/null
		[ "$status" -eq 1 ]
		[[ "$output" == *"unexpected argument 'x'"* ]]
	done
	xl destroy lc1
	nothing_left
}

@test "domid takes a name, domname an id; errors say what was wrong" {
	# Domain-0 is there before any domain was created, as in xl list
	run xl domid Domain-0
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	run xl domname 0
	[ "$output" = Domain-0 ]
	run xl domid nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"there is no domain named 'nosuch'"* ]]
	run xl domname web
	[ "$status" -eq 1 ]
	[[ "$output" == *"'web' is not a domain id"* ]]
	run xl domname 42
	[ "$status" -eq 1 ]
	[[ "$output" == *"there is no domain 42"* ]]
	run xl domname 99999999
	[ "$status" -eq 1 ]
	[[ "$output" == *"99999999 is out of range: domain ids go from 0 to 32751"* ]]
	run xl uptime Domain-0
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "Domain-0 "* ]]
	run xl pause Domain-0
	[ "$status" -eq 1 ]
	[ "$output" = "xl: pause: Domain-0 is the host: it cannot be paused here" ]
}

@test "the commands that act on a guest refuse Domain-0 (by name or id) and say why" {
	run xl unpause 0
	[ "$status" -eq 1 ]
	[ "$output" = "xl: unpause: Domain-0 is the host: it cannot be unpaused here" ]
	run xl rename Domain-0 other
	[ "$status" -eq 1 ]
	[ "$output" = "xl: rename: Domain-0 (the host) cannot be renamed" ]
	run xl console 0
	[ "$status" -eq 1 ]
	[ "$output" = "xl: console: Domain-0 is the host: use its own terminal" ]
	run xl shutdown Domain-0
	[ "$status" -eq 1 ]
	[ "$output" = "xl: shutdown: Domain-0 is the host: shut it down with the host's own tools" ]
	run xl reboot 0
	[ "$status" -eq 1 ]
	[ "$output" = "xl: reboot: Domain-0 is the host: shut it down with the host's own tools" ]
}

@test "info has Xen's keys in Xen's order, then Xenon's own" {
	run xl info
	[ "$status" -eq 0 ]
	keys=$(printf '%s\n' "${lines[@]}" | awk -F' *: ?' '{ print $1 }' | tr '\n' ' ')
	[ "$keys" = "host release version machine nr_cpus max_cpu_id nr_nodes cores_per_socket threads_per_core cpu_mhz hw_caps virt_caps kvm_platform total_memory free_memory sharing_freed_memory sharing_used_memory outstanding_claims free_cpus xen_major xen_minor xen_extra xen_version xen_caps xen_scheduler xen_pagesize platform_params xen_changeset xen_commandline cc_compiler cc_compile_by cc_compile_domain cc_compile_date build_id xenon_version xend_config_format xenon_sandbox " ]
	# "key<padding>: value", the colon in column 24
	for l in "${lines[@]}"; do [ "${l:23:1}" = ":" ]; done
	[[ "$output" == *"nr_cpus                : $(nproc)"* ]]
	[[ "$output" =~ hw_caps\ +:\ [0-9a-f]{8}(:[0-9a-f]{8}){7} ]]
	[[ "$output" =~ build_id\ +:\ [0-9a-f]{40} ]]
}

@test "info xenon_sandbox: the sandbox measures xl.conf leaves on for new domains" {
	run xl info xenon_sandbox
	[ "$status" -eq 0 ]
	[ "$output" = "user,mount,ipc,rlimits,nnp,seccomp,pid" ]
	printf 'sandbox.seccomp = 0\nsandbox.pid = 0\n' >"$T/sb.conf"
	run env XL_CONF="$T/sb.conf" "$XENON_TOP/xl/xl" info xenon_sandbox
	[ "$output" = "user,mount,ipc,rlimits,nnp" ]
	printf 'sandbox = 0\n' >"$T/sb.conf"
	run env XL_CONF="$T/sb.conf" "$XENON_TOP/xl/xl" info xenon_sandbox
	[ "$output" = "off" ]
}

@test "info KEY prints only the values of the keys starting with KEY" {
	run xl info nr_cpus
	[ "$status" -eq 0 ]
	[ "$output" = "$(nproc)" ]
	run xl info xen_version
	[ "$output" = "$(xl info | awk -F': ' '/^xen_version/ { print $2 }')" ]
	# a prefix: every matching key, in order
	run xl info free
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "$(nproc)" ]
	run xl info nosuchkey
	[ "$status" -eq 1 ]
	[ "$output" = "xl: info: no key starts with 'nosuchkey'; 'xl info' prints them all" ]
	run xl info a b
	[ "$status" -eq 1 ]
}

@test "info -n adds the CPU and NUMA topology, as Xen's" {
	run xl info -n
	[ "$status" -eq 0 ]
	[[ "$output" == *$'cpu_topology           :\ncpu:    core    socket     node\n  0:'* ]]
	# one line a CPU: "  0:       0        0        0"
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^cpu:/,/^device/p' | grep -cE '^ +[0-9]+: +[0-9]+ +[0-9]+ +[0-9]+$')" -eq "$(nproc)" ]
	[[ "$output" == *$'numa_info              :\nnode:    memsize    memfree    distances\n   0:'* ]]
	[[ "$output" == *"device topology        :"* ]]
	# the sections come between free_cpus and xen_major
	[[ "$output" == *"free_cpus"*"cpu_topology"*"numa_info"*"xen_major"* ]]
	run xl info --numa
	[ "$status" -eq 0 ]
}

@test "uptime: Xen's columns, -s, domains by name or id; an unknown one prints nothing" {
	require_kvm
	xl create "$T/lc.cfg"
	run xl uptime lc1 0
	[ "$status" -eq 0 ]
	# Xen's "%-33s %4d %s"
	[[ "${lines[0]}" =~ ^Name\ {32}ID\ Uptime$ ]]
	[[ "${lines[1]}" =~ ^lc1\ {34}1\ \ [0-9]:[0-9]{2}:[0-9]{2}$ ]]
	[[ "${lines[2]}" =~ ^Domain-0\ {29}0\ ((1 day|[0-9]+ days),\ )?[\ 0-9][0-9]:[0-9]{2}:[0-9]{2}$ ]]
	run xl uptime -s 1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^\ [0-2][0-9]:[0-5][0-9]:[0-5][0-9]\ up\ \ ?[0-9]+:[0-9]{2},\ lc1\ \(1\)$ ]]
	run xl uptime lc1 nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "xl: uptime: domain 'nosuch' does not exist; 'xl list' shows the domains" ]
	xl destroy lc1
	nothing_left
}

@test "getenforce, setenforce and loadpolicy answer as Xen's xl on a hypervisor without XSM" {
	run xl getenforce
	[ "$status" -eq 1 ]
	[ "$output" = "Flask XSM Disabled" ]
	for mode in 1 0 Enforcing permissive; do
		run xl setenforce "$mode"
		[ "$status" -eq 1 ]
		[ "$output" = "Flask XSM disabled" ]
	done
	run xl setenforce maybe
	[ "$status" -eq 1 ]
	[[ $output == "xl: setenforce: 'maybe' is no mode: give 1 or Enforcing, 0 or Permissive; usage: "* ]]
	mk_tmp
	echo policy > "$T/policy"
	run xl loadpolicy "$T/policy"
	[ "$status" -eq 1 ]
	[ "$output" = "Flask XSM disabled" ]
	run xl loadpolicy "$T/nosuch"
	[ "$status" -eq 1 ]
	[[ $output == "xl: loadpolicy: cannot open the policy file '$T/nosuch': No such file or directory" ]]
}

@test "prefixes are taken only where Xen's xl takes them; Xen's other commands are named" {
	# shutdown and sharing, destroy and devd/debug-keys: ambiguous in Xen
	for p in sh de re l u; do
		run xl "$p" lc1
		[ "$status" -eq 1 ]
		[ "$output" = "xl: command '$p' is ambiguous; run 'xl help' for the list of commands" ]
	done
	run xl des --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Usage: xl [-vf] destroy [options] <Domain>" ]
	run xl pci-attach lc1 core
	[ "$status" -eq 1 ]
	[ "$output" = "xl: 'pci-attach' is a command of Xen's xl that Xenon does not implement yet; run 'xl help' for the list of commands" ]
	run xl vncv
	[[ "$output" == *"'vncviewer' is a command of Xen's xl"* ]]
	run xl help pci-attach
	[ "$status" -eq 1 ]
	[[ "$output" == "xl: help: 'pci-attach' is a command of Xen's xl"* ]]
	# Xen's usage line: -f where Xen's xl shows it
	for c in destroy shutdown reboot pause unpause rename; do
		run xl help "$c"
		[[ "${lines[0]}" == "Usage: xl [-vf] $c "* ]]
	done
	run xl help domid
	[[ "${lines[0]}" == "Usage: xl [-v] domid <DomainName>" ]]
	# Xen's commands in the order of Xen's table (others may come between)
	xen="create list destroy shutdown reboot pause unpause console vm-list info domid domname rename uptime"
	[ "$(xl help | awk '/^ [a-z]/ { print $1 }' | grep -xF -f <(tr ' ' '\n' <<< "$xen") | tr '\n' ' ')" = "$xen " ]
	# xl(1)'s "help --long": the full list
	run xl help --long
	[ "$status" -eq 0 ]
	[ "$output" = "$(xl help)" ]
}

@test "shutdown -w says, in Xen's words, whether the domain was destroyed or kept shut down" {
	require_kvm
	xl create "$T/lc.cfg" 'on_poweroff="preserve"'
	wait_for 5 console_has lc1 "xenon> "
	run xl shutdown -w lc1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Shutting down domain 1" ]
	[ "${lines[1]}" = "Waiting for 1 domains" ]
	[ "${lines[2]}" = "Domain 1 has been shut down, reason code 0" ]
	xl destroy lc1
	xl create "$T/lc.cfg"
	wait_for 5 console_has lc1 "xenon> "
	run xl shutdown -w lc1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "Domain 2 has been destroyed" ]
	nothing_left
	run xl shutdown -a -w
	[ "$status" -eq 0 ]
	[ "$output" = "Waiting for 0 domains" ]
}

@test "create: an option after the config file's arguments says where options go, leaves nothing" {
	run xl create -n "$T/lc.cfg" -q
	[ "$status" -eq 1 ]
	[[ "$output" == *"create: option '-q' comes too late: options go before the config file or right after it"* ]]
	# Xen's order: the file first, then options
	run xl -N create "$T/lc.cfg" -q 'name="other"'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"name": "other"'* ]]
	nothing_left
	[ ! -e "$XENON_LOGDIR/xl-lc1.log" ]
}

@test "every command takes the domain by name or by id" {
	require_kvm
	xl create "$T/lc.cfg"
	wait_for 5 console_has 1 "xenon> "
	xl pause 1
	[ "$(state_of lc1)" = "--p---" ]
	xl unpause lc1
	xl pause lc1
	xl unpause 1
	[[ "$(state_of lc1)" != *p* ]]
	xl rename 1 web
	[ "$(xl domname 1)" = web ]
	xl rename web lc1
	[ "$(xl uptime 1 | awk 'NR == 2 { print $1 }')" = lc1 ]
	[ "$(xl uptime -s lc1 | awk '{ print $4 }')" = "lc1" ]
	xl console 1 < /dev/null | grep -q "xenon-guest"
	run xl shutdown -w 1
	[ "$status" -eq 0 ]
	nothing_left
}

@test "vm-list: Xen's UUID / ID / name table of the guests" {
	require_kvm
	run xl vm-list
	[ "$status" -eq 0 ]
	[ "$output" = "UUID                                  ID    name" ]
	xl create "$T/lc.cfg"
	uuid=$(xenstore-read /libxl/1/uuid)
	run xl vm-list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^$uuid\ \ 1\ \ \ \ lc1\ +$ ]]
	run xl vm-list lc1
	[ "$status" -eq 1 ]
	[ "$output" = "xl: vm-list: unexpected argument 'lc1'; usage: xl vm-list" ]
	xl destroy lc1
	nothing_left
}

@test "list and vm-list end with status 1 when their output cannot be written" {
	run bash -c 'xl list > /dev/full'
	[ "$status" -eq 1 ]
	run bash -c 'xl list -l > /dev/full'
	[ "$status" -eq 1 ]
	run bash -c 'xl vm-list > /dev/full'
	[ "$status" -eq 1 ]
	run xl list
	[ "$status" -eq 0 ]
}
