#!/usr/bin/env bats
# libxl's type generator (libxl/gentypes.py over libxl/libxl_types.idl):
# the tree's generated files are what the description gives, the output is
# the same from run to run, and a mistake in a description is refused with
# its file and line, writing nothing. (The generated code itself is tested
# by tests/unit/libxl_types-test and xlcfg_json-test.)

load helpers

IDL="$XENON_TOP/libxl/libxl_types.idl"
GEN="$XENON_TOP/libxl/gentypes.py"
FILES="_libxl_types.h _libxl_types.c _libxl_types_json.c _libxl_types_json_parse.c _libxl_types_fill.c"

@test "the build's generated files are the description's, and a second run writes the same" {
	mk_tmp
	mkdir "$T/a" "$T/b"
	python3 "$GEN" "$IDL" "$T/a"
	python3 "$GEN" "$IDL" "$T/b"
	local f
	for f in $FILES; do
		cmp "$T/a/$f" "$T/b/$f"
		cmp "$T/a/$f" "$XENON_TOP/libxl/$f"
	done
	# nothing else: no temporary file and no bytecode cache
	[ "$(ls "$T/a" | wc -l)" -eq 5 ]
	[ ! -e "$XENON_TOP/libxl/__pycache__" ]
}

# bad_idl TEXT EXPECTED: a description made of the tree's and TEXT is
# refused with EXPECTED (file:line: ...) and no file is written.
bad_idl() {
	mkdir -p "$T/out"
	{ cat "$IDL"; printf '%s\n' "$1"; } > "$T/bad.idl"
	run python3 "$GEN" "$T/bad.idl" "$T/out"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$2"* ]] || { echo "got: $output"; return 1; }
	[ -z "$(ls "$T/out")" ]
}

@test "a mistake in the description names its file and line and writes nothing" {
	mk_tmp
	local n
	n=$(($(wc -l < "$IDL") + 3)) # the first line after "struct libxl_x"
	bad_idl $'\nstruct libxl_x\n\tlibxl_nothing f' "bad.idl:$n: unknown type libxl_nothing (define it above its use)"
	bad_idl $'\nstruct libxl_x\n\tint f\n\tstring f' "bad.idl:$((n + 1)): field f is declared twice"
	bad_idl $'\nstruct libxl_x\n\tstring s = 3' "bad.idl:$n: only integer and enum fields have a default"
	bad_idl $'\nstruct libxl_x\n\tbool b range=0..1' "bad.idl:$n: range= is for integer fields"
	bad_idl $'\nstruct libxl_x\n\tstring[] names' "bad.idl:$n: arrays are of structs or of libxl_bitmap"
	bad_idl $'\nstruct libxl_x\n\tint k\n\tunion u on k' "bad.idl:$((n + 1)): the key of union u must be an enum field above it"
	bad_idl $'\nenum libxl_e\n\tone' "bad.idl:$n: expected 'value = number' in enum libxl_e"
	bad_idl $'\nstruct libxl_device_nic' "bad.idl:$((n - 1)): libxl_device_nic is defined twice"
	bad_idl $'\nthing' "bad.idl:$((n - 1)): expected 'enum NAME' or 'struct NAME [json_root=WORD]'"
}
