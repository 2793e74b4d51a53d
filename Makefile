# Xenon top-level build.
#
# One non-recursive make: every folder contributes a module.mk that appends to
# the lists below and defines its own targets with the helper macros. Outputs
# land beside their sources (git-ignored), so `make -jN` is safe.

PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/xenon
XENDIR     ?= $(SYSCONFDIR)/xen
# Xenon's version, in one place: VERSION (xl info, debian/changelog).
XENON_VERSION := $(shell cat VERSION)

CC      ?= cc
CLANG   ?= clang
CFLAGS  ?= -O2 -g
# Flags every host program gets; CFLAGS stays the user's to override.
XCFLAGS  = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Icommon -Itests/unit -MMD -MP
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZFLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1

PROGRAMS    :=
LIBRARIES   :=
UNIT_TESTS  :=
FUZZERS     :=
BATS_SUITES :=
CLEAN       :=
INSTALL_BIN    :=
INSTALL_SBIN   :=
INSTALL_SCRIPTS :=
INSTALL_MAN    :=
# Libraries (lib*.so.MAJOR.MINOR: installed with the soname and .so links),
# static libraries, public headers and pkg-config templates (*.pc.in).
INSTALL_SHLIBS  :=
INSTALL_LIBS    :=
INSTALL_HEADERS :=
INSTALL_PC      :=

.PHONY: all check unit fuzz install uninstall clean deps
all:

# $(call program,OUTPUT,OBJECTS,LDLIBS): link a host program.
define program
PROGRAMS += $(1)
$(1): $(2)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $(3)
endef

# $(call unit_test,OUTPUT,OBJECTS,LDLIBS): a C unit test (TAP on stdout),
# also built as OUTPUT.san with AddressSanitizer and UBSan.
define unit_test
UNIT_TESTS += $(1)
$(1): $(2)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $(3)
$(1).san: $(patsubst %.o,%.san.o,$(2))
	$$(CC) $$(CFLAGS) $$(SANFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(3)
endef

# $(call fuzzer,OUTPUT,SOURCES,LDLIBS): a libFuzzer target built with clang.
define fuzzer
FUZZERS += $(1)
$(1): $(2)
	$$(CLANG) $$(XCFLAGS) $$(FUZZFLAGS) -o $$@ $(2) $(3)
endef

# $(call shared_lib,REALNAME,OBJECTS,SYMBOLS,VERSION_NODE,LDLIBS): a shared
# library lib<name>.so.MAJOR.MINOR with soname lib<name>.so.MAJOR, exporting
# only the names listed in the file SYMBOLS (one a line) under VERSION_NODE
# (empty: unversioned). Its objects are the -fPIC builds (%.pic.o).
define shared_lib
LIBRARIES += $(1)
$(1).map: $(3)
	{ echo '$(4) {'; echo ' global:'; sed 's/.*/  &;/' $$<; echo ' local: *;'; echo '};'; } > $$@
$(1): $(patsubst %.o,%.pic.o,$(2)) $(1).map
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -shared -Wl,-soname,$$(basename $$(notdir $$@)) \
		-Wl,--version-script,$$@.map -Wl,-z,defs -o $$@ $$(filter %.o,$$^) $(5)
CLEAN += $(1).map
endef

# $(call public_archive,OUTPUT,OBJECTS,SYMBOLS): a static library of one
# object (OBJECTS linked with ld -r) whose only global names are those in
# SYMBOLS: the internal ones become local, so they cannot clash with a
# program's or another library's.
define public_archive
LIBRARIES += $(1)
$(1): $(2) $(3)
	mkdir -p $$(@D)
	$$(LD) -r -o $$@.o $$(filter %.o,$$^)
	objcopy --keep-global-symbols=$(3) $$@.o
	rm -f $$@ && $$(AR) rcs $$@ $$@.o && rm -f $$@.o
endef

%.o: %.c
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<
%.pic.o: %.c
	$(CC) $(XCFLAGS) $(CFLAGS) -fPIC -c -o $@ $<
%.san.o: %.c
	$(CC) $(XCFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

MODULES := common xenstored hypervisor guest libxl xl xentop exporter hotplug configs man bench python systemd tests
include $(wildcard $(addsuffix /module.mk,$(MODULES)))

all: $(PROGRAMS) $(LIBRARIES) $(UNIT_TESTS)

unit: $(UNIT_TESTS) $(UNIT_TESTS:=.san)
fuzz: $(FUZZERS)

# T=name runs only the bats suites whose file name contains name.
check: all unit fuzz
	tests/run --unit "$(UNIT_TESTS)" --san "$(UNIT_TESTS:=.san)" \
		--fuzz "$(FUZZERS)" --bats "$(BATS_SUITES)" $(if $(T),--only "$(T)")

# Only the C unit tests (no sanitizer builds, fuzzers or bats): .ci/run's
# clang pass.
.PHONY: check-unit
check-unit: all
	tests/run --unit "$(UNIT_TESTS)"

# The suites that need KVM, in a nested machine with a KVM of its own
# (tests/nested-kvm): for hosts without /dev/kvm, such as PVM guests.
.PHONY: check-nested
check-nested: all
	tests/run --nested --bats "$(BATS_SUITES)" $(if $(T),--only "$(T)")

deps:
	tests/install-deps

# Debian packages (debian/, built by debian/make-deb in a scratch copy of
# the tree) in build/deb/, with lintian's report.
.PHONY: deb
deb:
	debian/make-deb

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(XENDIR)/scripts
	$(if $(INSTALL_BIN),install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(BINDIR))
	$(if $(INSTALL_SBIN),install -m 0755 $(INSTALL_SBIN) $(DESTDIR)$(SBINDIR))
	$(if $(INSTALL_SCRIPTS),install -m 0755 $(INSTALL_SCRIPTS) $(DESTDIR)$(XENDIR)/scripts)
	for page in $(INSTALL_MAN); do \
		sec=$${page##*.}; install -d $(DESTDIR)$(MANDIR)/man$$sec; \
		install -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$sec; done
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	$(if $(INSTALL_HEADERS),install -m 0644 $(INSTALL_HEADERS) $(DESTDIR)$(INCLUDEDIR))
	$(if $(INSTALL_LIBS),install -m 0644 $(INSTALL_LIBS) $(DESTDIR)$(LIBDIR))
	for lib in $(INSTALL_SHLIBS); do \
		real=$${lib##*/}; soname=$${real%.*}; dev=$${real%%.so.*}.so; \
		install -m 0755 $$lib $(DESTDIR)$(LIBDIR)/$$real; \
		ln -sf $$real $(DESTDIR)$(LIBDIR)/$$soname; ln -sf $$soname $(DESTDIR)$(LIBDIR)/$$dev; done
	for pc in $(INSTALL_PC); do \
		sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
			$$pc > $(DESTDIR)$(LIBDIR)/pkgconfig/$$(basename $$pc .in); done

# make uninstall: removes every file and link make install puts there (found
# by installing into a scratch DESTDIR with the same PREFIX), then the
# directories that are left empty and are Xenon's own.
uninstall: all
	@stage=$$(mktemp -d) && trap 'rm -rf "$$stage"' EXIT && \
	$(MAKE) -s --no-print-directory install DESTDIR="$$stage" >/dev/null && \
	(cd "$$stage" && find . \( -type f -o -type l \) -print) | while read -r f; do \
		rm -f "$(DESTDIR)/$${f#./}"; done && \
	for d in $(DATADIR) $(LIBDIR)/xenon $(XENDIR)/scripts $(XENDIR); do \
		[ -d "$(DESTDIR)$$d" ] && find "$(DESTDIR)$$d" -depth -type d -empty -delete; done; true

clean:
	find . -path ./.git -prune -o \( -name '*.o' -o -name '*.d' -o -name '*.a' \
		-o -name '*.so' -o -name '*.so.*' -o -name '*.san' -o -name '*.elf' \) -type f -print0 \
		| xargs -0 rm -f
	rm -f $(PROGRAMS) $(LIBRARIES) $(UNIT_TESTS) $(FUZZERS) $(CLEAN)
	rm -rf tests/.tmp

-include $(shell find . -path ./.git -prune -o -name '*.d' -print 2>/dev/null)

# The demo: boot the demo guest with its console (see README.md).
.PHONY: demo
demo: all
	@if [ -x tests/demo ]; then tests/demo; else \
		echo "make demo: xl create is not implemented yet (issue 5); nothing to boot" >&2; exit 1; fi
