# libxl: every libxl/*.c goes into libxl/libxenlight.a, the library xl and
# xentop link. Unit tests live in tests/unit/.
#
# libxl's types are described once, in libxl/libxl_types.idl; gentypes.py
# writes their C (structs, _init/_dispose, enum tables, JSON writer and
# reader, a test filler) beside it, git-ignored. LIBXL_GEN_SRCS are the
# generated sources libxl is built from (programs that compile libxl's
# sources directly, as the fuzzers do, list them too).
LIBXL_GEN_SRCS := libxl/_libxl_types.c libxl/_libxl_types_json.c libxl/_libxl_types_json_parse.c
LIBXL_GEN_OBJS := $(LIBXL_GEN_SRCS:.c=.o)
LIBXL_GEN_TEST_SRCS := libxl/_libxl_types_fill.c
LIBXL_GEN := libxl/_libxl_types.h $(LIBXL_GEN_SRCS) $(LIBXL_GEN_TEST_SRCS)
$(LIBXL_GEN) &: libxl/libxl_types.idl libxl/gentypes.py libxl/gentypes_idl.py
	python3 libxl/gentypes.py libxl/libxl_types.idl libxl
CLEAN += $(LIBXL_GEN)
# Any object of the tree may include libxl_types.h: the generated header
# comes first (order-only; once built, the .d files carry the real edges).
LIBXL_GEN_USERS := $(patsubst %.c,%,$(wildcard */*.c */*/*.c))
$(LIBXL_GEN_USERS:=.o) $(LIBXL_GEN_USERS:=.san.o): | libxl/_libxl_types.h

LIBXL_SRCS := $(filter-out $(LIBXL_GEN),$(sort $(wildcard libxl/*.c))) $(LIBXL_GEN_SRCS)
LIBXL_OBJS := $(LIBXL_SRCS:.c=.o)
# What a program using libxl links after libxenlight.a.
LIBXL_DEPLIBS := xenstored/libxs.a hypervisor/libhvctl.a common/libcommon.a
LIBXL_LDLIBS := $(shell pkg-config --libs yajl uuid 2>/dev/null)

ifneq ($(LIBXL_SRCS),)
libxl/libxenlight.a: $(LIBXL_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += libxl/libxenlight.a
endif

# libxl's pure logic (names, domids, state letters, claims, NUMA nodes), see
# tests/unit/libxl_*; with the types (bitmaps) it works on.
$(eval $(call unit_test,tests/unit/libxl_util-test,tests/unit/libxl_util-test.o libxl/libxl_util.o \
	libxl/libxl_numa.o libxl/libxl_types.o $(LIBXL_GEN_OBJS) libxl/libxl_json.o libxl/libxl_json_parse.o $(COMMON_OBJS),$(LIBXL_LDLIBS)))

# libxenlight, the installed library (libxl(3)): libxl with the libxs,
# libhvctl and common objects it needs, as libxenlight.so.1 (Xenon's own
# ABI: not the soname of Xen's libxenlight.so.4.x) and a static
# libxenlight.a (libxl/pub/), both with only the libxl_* names (never
# libxl__*) global. It carries its own hidden copy of libxs, so it needs no
# libxenstore. make install puts them with libxl.h, the type headers it
# includes and xenlight.pc.
LIBXL_PUB_OBJS := $(LIBXL_OBJS) xenstored/libxs.o xenstored/xs_wire.o $(HVCTL_LIB_OBJS) $(COMMON_OBJS)
libxl/libxenlight.syms: $(LIBXL_PUB_OBJS)
	nm -g --defined-only $^ | awk '$$3 ~ /^libxl_[^_]/ {print $$3}' | sort -u > $@
CLEAN += libxl/libxenlight.syms
XENLIGHT_SO := libxl/libxenlight.so.1.0
$(eval $(call shared_lib,$(XENLIGHT_SO),$(LIBXL_PUB_OBJS),libxl/libxenlight.syms,,$(LIBXL_LDLIBS)))
$(eval $(call public_archive,libxl/pub/libxenlight.a,$(LIBXL_PUB_OBJS),libxl/libxenlight.syms))
INSTALL_SHLIBS += $(XENLIGHT_SO)
INSTALL_LIBS += libxl/pub/libxenlight.a
INSTALL_HEADERS += libxl/libxl.h libxl/libxl_cpupool.h libxl/libxl_types.h libxl/_libxl_types.h libxl/xentoollog.h
INSTALL_PC += libxl/xenlight.pc.in

# libxentoollog (libxentoollog(3)): Xen's xtl_* functions around the logger
# libxl takes (xentoollog.h), so that a program written for Xen's libxl
# makes its logger the same way: libxentoollog.so.1 with the soname and
# VERS_1.0 symbol version of Xen's, a static libxentoollog.a and
# xentoollog.pc. libxenlight does not need it.
TOOLLOG_OBJS := libxl/toollog/xtl.o
XENTOOLLOG_SO := libxl/toollog/libxentoollog.so.1.0
$(eval $(call shared_lib,$(XENTOOLLOG_SO),$(TOOLLOG_OBJS),libxl/toollog/libxentoollog.syms,VERS_1.0))
libxl/toollog/libxentoollog.a: $(TOOLLOG_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
LIBRARIES += libxl/toollog/libxentoollog.a
INSTALL_SHLIBS += $(XENTOOLLOG_SO)
INSTALL_LIBS += libxl/toollog/libxentoollog.a
INSTALL_PC += libxl/toollog/xentoollog.pc.in
$(eval $(call unit_test,tests/unit/xtl-test,tests/unit/xtl-test.o $(TOOLLOG_OBJS)))

# A stand-in xenon-hv (no KVM needed) for the xl suites: tests/fake-hv/fake-hv.c.
$(eval $(call program,tests/fake-hv/fake-hv,tests/fake-hv/fake-hv.o tests/fake-hv/fake-dev.o xenstored/libxs.a common/libcommon.a,-pthread))

# The console pty checks (libxl_console.c), with the library it lives in.
LIBXL_CONSOLE_TEST_OBJS := libxl/libxl_console.o libxl/libxl_hv.o libxl/libxl_keeper.o libxl/libxl_xs.o libxl/libxl.o \
	libxl/libxl_util.o xenstored/libxs.o xenstored/xs_wire.o hypervisor/libhvctl.o hypervisor/hvctl_open.o $(COMMON_OBJS)
$(eval $(call unit_test,tests/unit/libxl_console-test,tests/unit/libxl_console-test.o $(LIBXL_CONSOLE_TEST_OBJS),$(LIBXL_LDLIBS)))

# The VM keeper (libxl_keeper.c): started apart, holding only what it must.
$(eval $(call unit_test,tests/unit/libxl_keeper-test,tests/unit/libxl_keeper-test.o $(LIBXL_CONSOLE_TEST_OBJS),$(LIBXL_LDLIBS)))

# Every field of every generated type: written, read back, written again
# (the generated filler, libxl/_libxl_types_fill.c, is linked here only).
LIBXL_TYPES_TEST_OBJS := tests/unit/libxl_types-test.o $(LIBXL_GEN_TEST_SRCS:.c=.o) $(LIBXL_GEN_OBJS) \
	libxl/libxl_types.o libxl/libxl_json.o libxl/libxl_json_parse.o common/strutil.o
$(eval $(call unit_test,tests/unit/libxl_types-test,$(LIBXL_TYPES_TEST_OBJS),$(LIBXL_LDLIBS)))

# The hotplug scripts' directory, where make install puts them ($XENON_SCRIPTDIR overrides it).
libxl/libxl.o libxl/libxl.pic.o libxl/libxl.san.o: XCFLAGS += -DLIBXL_SCRIPTDIR='"$(XENDIR)/scripts"'

# The device layer's pure parts (guest-written states, script lookup, paths).
LIBXL_DEVICE_TEST_OBJS := libxl/libxl_device.o libxl/libxl_hotplug.o $(LIBXL_CONSOLE_TEST_OBJS)
$(eval $(call unit_test,tests/unit/libxl_device-test,tests/unit/libxl_device-test.o $(LIBXL_DEVICE_TEST_OBJS),$(LIBXL_LDLIBS) -pthread))

# The cgroup module's pure parts (mountinfo lines, weight and cap conversions, paths).
$(eval $(call unit_test,tests/unit/libxl_cgroup-test,tests/unit/libxl_cgroup-test.o libxl/libxl_cgroup.o $(COMMON_OBJS)))

# Xenon's version (VERSION: MAJOR.MINOR.REST) for xl info's xen_version.
XENON_VERSION_DEFS = -DXENON_VERSION_MAJOR=$(word 1,$(subst ., ,$(XENON_VERSION))) \
	-DXENON_VERSION_MINOR=$(word 2,$(subst ., ,$(XENON_VERSION))) \
	-DXENON_VERSION_EXTRA='"$(patsubst $(word 1,$(subst ., ,$(XENON_VERSION))).$(word 2,$(subst ., ,$(XENON_VERSION)))%,%,$(XENON_VERSION))"'
# xl info's cc_compile_date: $SOURCE_DATE_EPOCH's (reproducible builds, as
# dpkg-buildpackage sets it) or now, in __DATE__ __TIME__'s layout.
XENON_BUILD_DATE := $(shell LC_ALL=C date -u $(if $(SOURCE_DATE_EPOCH),-d @$(SOURCE_DATE_EPOCH)) '+%b %e %Y %T')
libxl/libxl_list.o libxl/libxl_list.pic.o libxl/libxl_list.san.o: \
	XCFLAGS += $(XENON_VERSION_DEFS) -DXENON_BUILD_DATE='"$(XENON_BUILD_DATE)"'
libxl/libxl_list.o libxl/libxl_list.pic.o libxl/libxl_list.san.o: VERSION
