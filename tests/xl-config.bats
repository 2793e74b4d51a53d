#!/usr/bin/env bats
# xl's configuration half: the corpus of tests/configs/ through the real
# `xl -N create` (a dry run: no daemon), the command skeleton (help,
# prefixes, completion), xl.conf, and create's option handling.
#
# tests/configs/NAME.cfg is a domain config; beside it:
#   NAME.json    the JSON Xen's xl prints for it (a generated uuid reads
#                "<generated>"), or
#   NAME.sxp     the SXP Xen's xl prints for it (NAME.xlconf asks for sxp), or
#   NAME.err     the message xl prints (exit status 1), and optionally
#   NAME.xlconf  the xl.conf to use ($XL_CONF; default: an empty one)
#   NAME.args    extra arguments (key=value overrides), shell-quoted
#   NAME.stderr  the warnings a valid config prints (default: none)

load helpers

CONFIGS="$XENON_TOP/tests/configs"

local_teardown() {
	# the fake domains of a test's own xenstored (by the pids it recorded)
	if [ -n "${XENSTORED_PATH:-}" ] && [[ "$XENSTORED_PATH" == "$T"/* ]]; then
		xl_env_stop
	fi
	# only the xenstored a test started itself
	[ -z "${XS_PID:-}" ] || kill_pid "$XS_PID"
}

# dry_run NAME: run `xl -N create -q NAME.cfg ARGS` in tests/configs the
# way the corpus expects; sets $status, $output (stdout) and $stderr_out.
dry_run() {
	local name=$1 conf=/dev/null args=()
	[ -f "$CONFIGS/$name.xlconf" ] && conf="$CONFIGS/$name.xlconf"
	if [ -f "$CONFIGS/$name.args" ]; then
		eval "args=($(cat "$CONFIGS/$name.args"))"
	fi
	status=0
	output=$(cd "$CONFIGS" && XL_CONF=$conf xl -N create -q "$name.cfg" "${args[@]}" 2>"$T/stderr") || status=$?
	stderr_out=$(cat "$T/stderr")
	# A config without a uuid gets a random one, as in Xen.
	if ! grep -q '^[[:space:]]*uuid[[:space:]]*=' "$CONFIGS/$name.cfg"; then
		output=$(printf '%s\n' "$output" | sed -E 's/"uuid": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/"uuid": "<generated>"/')
	fi
}

@test "the corpus has at least 40 configs, each with its expected result" {
	local n=0 cfg name
	for cfg in "$CONFIGS"/*.cfg; do
		name=$(basename "$cfg" .cfg)
		n=$((n + 1))
		[ -f "$CONFIGS/$name.json" ] || [ -f "$CONFIGS/$name.sxp" ] || [ -f "$CONFIGS/$name.err" ] || {
			echo "$name.cfg has neither .json, .sxp nor .err"
			return 1
		}
		! { [ -f "$CONFIGS/$name.json" ] && [ -f "$CONFIGS/$name.err" ]; } || {
			echo "$name.cfg has both .json and .err"
			return 1
		}
	done
	echo "$n configs"
	[ "$n" -ge 40 ]
}

@test "valid configs print Xen's JSON (or SXP) and exit 0" {
	mk_tmp
	local failed=0 json name
	for json in "$CONFIGS"/*.json "$CONFIGS"/*.sxp; do
		name=$(basename "$json"); name=${name%.*}
		dry_run "$name"
		expected_stderr=""
		[ -f "$CONFIGS/$name.stderr" ] && expected_stderr=$(cat "$CONFIGS/$name.stderr")
		if [ "$status" -ne 0 ] || [ "$output" != "$(cat "$json")" ] || [ "$stderr_out" != "$expected_stderr" ]; then
			echo "--- $name: status $status, stderr: $stderr_out"
			diff <(printf '%s\n' "$output") "$json" | head -20
			failed=$((failed + 1))
		fi
	done
	[ "$failed" -eq 0 ]
}

@test "invalid configs exit 1 with their message and print nothing on stdout" {
	mk_tmp
	local failed=0 err name
	for err in "$CONFIGS"/*.err; do
		name=$(basename "$err" .err)
		dry_run "$name"
		if [ "$status" -ne 1 ] || [ "$stderr_out" != "$(cat "$err")" ] || [ -n "$output" ]; then
			echo "--- $name: status $status"
			echo "got:      $stderr_out"
			echo "expected: $(cat "$err")"
			failed=$((failed + 1))
		fi
	done
	[ "$failed" -eq 0 ]
}

@test "every syntax error names file:line:column" {
	mk_tmp
	local name
	for name in unterminated-string bad-octal missing-equals unclosed-list bad-escape unexpected-char \
		number-with-letters value-missing; do
		dry_run "$name"
		[[ "$stderr_out" =~ ^xl:\ $name\.cfg:[0-9]+:[0-9]+:\ .*(expected|invalid|unexpected|unterminated) ]] || {
			echo "$name: $stderr_out"
			return 1
		}
	done
}

@test "a missing uuid is generated afresh each time, as Xen's dry run does" {
	cd "$CONFIGS"
	a=$(XL_CONF=/dev/null xl -N create -q minimal-no-uuid.cfg | sed -n 's/.*"uuid": "\(.*\)".*/\1/p')
	b=$(XL_CONF=/dev/null xl -N create -q minimal-no-uuid.cfg | sed -n 's/.*"uuid": "\(.*\)".*/\1/p')
	[[ "$a" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]
	[[ "$b" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]
	[ "$a" != "$b" ]
}

@test "the dry run needs no xenstored and says where it parses from" {
	mk_tmp
	cd "$CONFIGS"
	XENSTORED_PATH="$T/no-such-socket" XL_CONF=/dev/null run xl -N create demo-like.cfg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Parsing config from demo-like.cfg" ]
	[ "${lines[1]}" = "{" ]
	# -n (deprecated) is the same as the global -N; -f FILE the same as FILE
	XL_CONF=/dev/null run xl create -n -q -f demo-like.cfg
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat demo-like.json)" ]
}

@test "key=value arguments override the file, and alone are a config" {
	mk_tmp
	cd "$CONFIGS"
	XL_CONF=/dev/null run xl -N create -q minimal.cfg memory=48 'name="renamed"'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"name": "renamed"'* ]]
	[[ "$output" == *'"target_memkb": 49152'* ]]
	XL_CONF=/dev/null run xl -N create -q 'name="cli"' 'kernel="/k"' vcpus=1
	[ "$status" -eq 0 ]
	[[ "$output" == *'"name": "cli"'* ]]
	XL_CONF=/dev/null run xl -N create -q minimal.cfg memory=lots
	[ "$status" -eq 1 ]
	[ "$output" = "xl: command line:1:8: expected a value for 'memory' (a number, a \"string\" or a [list]), found 'lots'" ]
}

@test "create refuses a missing file, two files and no file, leaving nothing behind" {
	mk_tmp
	cd "$T"
	XL_CONF=/dev/null run xl -N create -q nothere.cfg
	[ "$status" -eq 1 ]
	[ "$output" = "xl: nothere.cfg: cannot open the configuration file: No such file or directory" ]
	XL_CONF=/dev/null run xl -N create -q "$CONFIGS/minimal.cfg" "$CONFIGS/sched.cfg"
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than one config file"* ]]
	XL_CONF=/dev/null run xl -N create -q
	[ "$status" -eq 1 ]
	[[ "$output" == *"no config file given"* ]]
	XL_CONF=/dev/null run xl create --bogus
	[ "$status" -eq 1 ]
	[[ "$output" == *"option '--bogus' not supported"* ]]
	# Xen's VNC viewer options are refused with the reason; -i is accepted
	XL_CONF=/dev/null run xl create -q -V "$CONFIGS/minimal.cfg"
	[ "$status" -eq 1 ]
	[ "$output" = "xl: create: -V: Xenon guests have no VNC display; use -c for the console" ]
	XL_CONF=/dev/null run xl -N create -q -i "$CONFIGS/minimal.cfg"
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$T" | grep -v '^stderr$')" ]
}

@test "type = \"hvm\" passes the dry run and is refused at create with a clear message" {
	mk_tmp
	printf 'name = "h"\ntype = "hvm"\n' > "$T/hvm.cfg"
	XL_CONF=/dev/null run xl -N create -q "$T/hvm.cfg"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"type": "hvm"'* ]]
	[[ "$output" == *'"type.hvm": {'* ]]
	XENSTORED_PATH="$T/no-such-socket" XL_CONF=/dev/null run xl create -q "$T/hvm.cfg"
	[ "$status" -eq 1 ]
	[[ "$output" == *'type "hvm" is not supported yet'*'set type = "pv"'* ]]
}

@test "a bad config makes xl create fail with nothing left: no node, process or file" {
	mk_tmp
	export XENSTORED_PATH=$T/xs.sock XENON_RUNDIR=$T/run XENON_LOGDIR=$T/log
	xenstored -N -I -s "$XENSTORED_PATH" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
	before=$(xenstore-ls -f / 2>&1)
	printf 'name = "h"\ntype = "hvm"\n' > "$T/hvm.cfg"
	local err name failed=0
	for err in "$CONFIGS"/*.err "$T/hvm.cfg"; do
		name=${err%.err}
		[ "$err" = "$T/hvm.cfg" ] && name=${err%.cfg}
		conf=/dev/null
		[ -f "$name.xlconf" ] && conf=$name.xlconf
		XL_CONF=$conf run xl create -q "$name.cfg"
		[ "$status" -eq 1 ] || { echo "$name: status $status"; failed=$((failed + 1)); }
	done
	[ "$failed" -eq 0 ]
	[ "$(xenstore-ls -f / 2>&1)" = "$before" ]
	[ ! -e "$XENON_RUNDIR" ] || [ -z "$(ls -A "$XENON_RUNDIR")" ]
	[ ! -e "$XENON_LOGDIR" ] || [ -z "$(ls -A "$XENON_LOGDIR")" ]
	[ -z "$(pgrep -f -- "$T/" | grep -vx "$XS_PID")" ]
}

@test "create -d shows the configuration on stderr before creating" {
	mk_tmp
	cd "$CONFIGS"
	XENSTORED_PATH="$T/no-such-socket" XL_CONF=/dev/null xl create -d -q minimal.cfg >"$T/out" 2>"$T/err" || true
	[ ! -s "$T/out" ]
	# the JSON (then the failure to reach the absent xenstored)
	[ "$(head -n "$(wc -l < minimal.json)" "$T/err")" = "$(cat minimal.json)" ]
}

@test "xl.conf errors name the file and line; \$XL_CONF must exist" {
	mk_tmp
	printf 'autoballoon = "sometimes"\n' > "$T/xl.conf"
	XL_CONF="$T/xl.conf" run xl -N create -q "$CONFIGS/minimal.cfg"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "xl: $T/xl.conf:1:15: invalid autoballoon \"sometimes\""* ]]
	printf 'output_format = "xml"\n' > "$T/xl.conf"
	XL_CONF="$T/xl.conf" run xl -N create -q "$CONFIGS/minimal.cfg"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"invalid output_format \"xml\""* ]]
	printf '\nmemory_pool = "huge"\n' > "$T/xl.conf"
	XL_CONF="$T/xl.conf" run xl -N create -q "$CONFIGS/minimal.cfg"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "xl: $T/xl.conf:2:15: invalid memory_pool \"huge\": expected \"host\", \"hugetlb\""* ]]
	XL_CONF="$T/missing.conf" run xl -N create -q "$CONFIGS/minimal.cfg"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"missing.conf: cannot open the configuration file"* ]]
}

@test "xl help lists the command table; xl help CMD and CMD --help agree" {
	run xl help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Usage xl [-vfNtT] <subcommand> [args]" ]
	[[ "$output" == *" create              Create a domain from config file <filename>"* ]]
	run xl help create
	[ "$status" -eq 0 ]
	help=$output
	[[ "${lines[0]}" == "Usage: xl [-v"*"N] create [options] <ConfigFile> [options] [vars]" ]]
	run xl create --help
	[ "$status" -eq 0 ]
	[ "$output" = "$help" ]
	run xl create -h
	[ "$output" = "$help" ]
	run xl -h
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Usage xl [-vfNtT] <subcommand> [args]" ]
	run xl help cr
	[ "$status" -eq 0 ]
	[ "$output" = "$help" ]
	run xl help frobnicate
	[ "$status" -eq 1 ]
	[ "$output" = "xl: help: no command 'frobnicate'; run 'xl help' for the list of commands" ]
}

@test "unambiguous prefixes run the command; unknown and ambiguous ones exit 1" {
	run xl cre --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"] create "* ]]
	run xl frobnicate
	[ "$status" -eq 1 ]
	[ "$output" = "xl: unknown command 'frobnicate'; run 'xl help' for the list of commands" ]
	run xl c
	[ "$status" -eq 1 ]
	[[ "$output" == *"command 'c' is ambiguous"* ]]
	run xl
	[ "$status" -eq 1 ]
	run xl -Z create
	[ "$status" -eq 1 ]
}

@test "bash completion is generated from the command table and completes" {
	mk_tmp
	run xl completion bash
	[ "$status" -eq 0 ]
	echo "$output" > "$T/xl.bash"
	bash -n "$T/xl.bash"
	# every command of the table is offered
	for cmd in $(xl help | awk '/^ [a-z]/ { print $1 }'); do
		grep -q "^	$cmd) " "$T/xl.bash" || { echo "no $cmd"; return 1; }
	done
	# and it completes: commands, then create's options
	run bash -c "source '$T/xl.bash'; COMP_WORDS=(xl cr); COMP_CWORD=1; _xl; echo \"\${COMPREPLY[@]}\""
	[ "$output" = "create" ]
	run bash -c "source '$T/xl.bash'; COMP_WORDS=(xl create --q); COMP_CWORD=2; _xl; echo \"\${COMPREPLY[@]}\""
	[ "$output" = "--quiet" ]
	# commands that take a domain complete names from `xl list`
	mkdir "$T/bin"
	printf '#!/bin/sh\necho "Name  ID   Mem VCPUs State Time(s)"\necho "Domain-0 0 1024 2 r----- 1.0"\necho "web 3 64 1 -b---- 0.1"\n' > "$T/bin/xl"
	chmod +x "$T/bin/xl"
	run env PATH="$T/bin:$PATH" bash -c "source '$T/xl.bash'; COMP_WORDS=(xl destroy w); COMP_CWORD=2; _xl; echo \"\${COMPREPLY[@]}\""
	[ "$output" = "web" ]
	run env PATH="$T/bin:$PATH" bash -c "source '$T/xl.bash'; COMP_WORDS=(xl help pa); COMP_CWORD=2; _xl; echo \"\${COMPREPLY[@]}\""
	[ "$output" = "pause" ]
	run xl completion zsh
	[ "$status" -eq 1 ]
}

@test "make install puts the bash completion in share/bash-completion" {
	mk_tmp
	run make -s install PREFIX=/usr DESTDIR="$T/root"
	[ "$status" -eq 0 ]
	[ -f "$T/root/usr/share/bash-completion/completions/xl" ]
	grep -q "complete -F _xl xl" "$T/root/usr/share/bash-completion/completions/xl"
}

@test "create -N: a configuration that cannot be written says so, in JSON and SXP" {
	mk_tmp
	printf 'output_format = "sxp"\n' > "$T/sxp.conf"
	run bash -c "XL_CONF=/dev/null xl -N create -q '$CONFIGS/minimal.cfg' > /dev/full"
	[ "$status" -eq 1 ]
	[[ "$output" == *"create: writing the configuration: No space left on device"* ]]
	run bash -c "XL_CONF='$T/sxp.conf' xl -N create -q '$CONFIGS/minimal.cfg' > /dev/full"
	[ "$status" -eq 1 ]
	[[ "$output" == *"create: writing the configuration: No space left on device"* ]]
}

@test "devices Xenon lacks: -N shows them as Xen does and says nothing; create names each key and starts the domain" {
	mk_tmp
	export XENSTORED_PATH=$T/xs.sock XENON_RUNDIR=$T/run XENON_LOGDIR=$T/log
	export XL_CONF=$T/xl.conf XENON_HV=$XENON_TOP/tests/fake-hv/fake-hv
	printf 'lockfile = "%s"\n' "$T/xl.lock" > "$XL_CONF"
	xenstored -N -I -s "$XENSTORED_PATH" 2> "$T/xenstored.log" 3>&- &
	XS_PID=$!
	wait_for 5 test -S "$XENSTORED_PATH"
	cat > "$T/w.cfg" <<-EOF
		name = "warned"
		kernel = "$XENON_TOP/guest/xenon-guest.elf"
		memory = 32
		vfb = [ "vnc=1" ]
		channel = [ "name=a,connection=pty" ]
		pci = [ "03:00.0" ]
		serial = "pty"
		vtpm = [ "backend=vtpm" ]
	EOF
	# the dry run (global -N and create -n) prints no warning
	xl -N create -q "$T/w.cfg" > "$T/json" 2> "$T/err"
	[ ! -s "$T/err" ]
	grep -q '"vfbs"' "$T/json"
	xl create -n -q "$T/w.cfg" > /dev/null 2> "$T/err"
	[ ! -s "$T/err" ]
	# create: one line per key, with its file and line; the rest is not named
	xl create -q "$T/w.cfg" 'vdispl=["connectors=c:1x1"]' 2> "$T/err"
	cat "$T/err"
	local line
	for line in "$T/w.cfg:4: warning: 'vfb'" "$T/w.cfg:5: warning: 'channel'" "$T/w.cfg:6: warning: 'pci'" \
		"$T/w.cfg:7: warning: 'serial'" "$T/w.cfg:8: warning: 'vtpm'" "command line:1: warning: 'vdispl'"; do
		grep -qF "xl: $line is not supported yet: Xenon ignores it" "$T/err"
	done
	[ "$(grep -c 'warning:' "$T/err")" -eq 6 ]
	not grep -q "'memory'\|'kernel'\|'name'" "$T/err"
	# the domain runs (on the fake xenon-hv)
	xl list warned
	xl destroy warned
	nothing_left
}
