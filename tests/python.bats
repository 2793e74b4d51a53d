#!/usr/bin/env bats
# The Python bindings (python/xenon, ctypes over libxenstore.so.4 and
# libxenlight.so.1): their pytest suites (python/tests/) against the tree's
# xenstored on a private socket, domains on tests/fake-hv (no KVM needed);
# and make install / uninstall of the package.

load helpers

# The python3 that has pytest (Debian's python3-pytest: make deps).
pytest_python() {
	local py
	for py in /usr/bin/python3 python3; do
		if "$py" -c 'import pytest' 2> /dev/null; then
			echo "$py"
			return 0
		fi
	done
	echo "no python3 with pytest: install python3-pytest (make deps)" >&2
	return 1
}

# run_pytest FILE: one of python/tests/, with no cache or bytecode left in the tree.
run_pytest() {
	local py
	py=$(pytest_python)
	mk_tmp
	cd "$XENON_TOP"
	PYTHONDONTWRITEBYTECODE=1 "$py" -m pytest -q -p no:cacheprovider --basetemp="$T/pytest" \
		"python/tests/$1"
}

@test "pytest: xenstore (read, write, ls, rm, transactions, watches) on a real xenstored" {
	run_pytest test_xenstore.py
}

# The structures the bindings mirror with ctypes have the C library's sizes:
# a field added on one side only would have libxenlight read or write past
# Python's copy (a segfault, or worse).
@test "the ctypes mirrors of libxl_ctx_settings and libxl_dominfo have the C structures' sizes" {
	local py
	py=$(pytest_python)
	mk_tmp
	printf '#include <stdio.h>\n#include "libxl/libxl.h"\nint main(void) { printf("%%zu %%zu\\n", sizeof(libxl_ctx_settings), sizeof(libxl_dominfo)); return 0; }\n' > "$T/sizes.c"
	cc -I"$XENON_TOP" -I"$XENON_TOP/common" -I"$XENON_TOP/libxl" -o "$T/sizes" "$T/sizes.c"
	c=$("$T/sizes")
	p=$(cd "$XENON_TOP/python" && PYTHONDONTWRITEBYTECODE=1 "$py" -c 'import ctypes; from xenon import xl; print(ctypes.sizeof(xl._Settings), ctypes.sizeof(xl._Dominfo))')
	echo "C: $c, Python: $p"
	[ "$c" = "$p" ]
}

@test "pytest: libxenlight (list with live state, create from a config, pause, destroy) on fake-hv" {
	run_pytest test_xl.py
}

@test "make install puts the package where python3 finds it, loading the installed libraries; uninstall removes it" {
	local py site
	py=$(pytest_python)
	mk_tmp
	make -s -C "$XENON_TOP" install PREFIX=/opt/xenon DESTDIR="$T/root" > /dev/null
	site=$T/root/opt/xenon/lib/python$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')/dist-packages
	[ -f "$site/xenon/_paths.py" ]
	grep -qx 'LIBDIR = "/opt/xenon/lib"' "$site/xenon/_paths.py"
	# imported from there, it takes the staged libraries by full path
	run env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$site" XENON_LIBDIR="$T/root/opt/xenon/lib" "$py" -c '
import xenon, xenon._lib as l
print(xenon.__file__)
print(l.path_of(l.load("libxenstore.so.4")))
print(l.path_of(l.load("libxenlight.so.1")))'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$site/xenon/__init__.py" ]
	[ "${lines[1]}" = "$T/root/opt/xenon/lib/libxenstore.so.4" ]
	[ "${lines[2]}" = "$T/root/opt/xenon/lib/libxenlight.so.1" ]
	# without the libraries it says where it looked
	run env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$site" XENON_LIBDIR="$T/nowhere" "$py" -c '
import xenon.xenstore as x
try:
    x.Xenstore()
except ImportError as e:
    print(e)'
	[[ "$output" == *"$T/nowhere/libxenstore.so.4"*"/opt/xenon/lib/libxenstore.so.4"*"run make"* ]]
	make -s -C "$XENON_TOP" uninstall PREFIX=/opt/xenon DESTDIR="$T/root" > /dev/null
	[ ! -e "$site/xenon" ]
}
