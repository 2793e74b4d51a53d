# libxl: every libxl/*.c goes into libxl/libxenlight.a, the library xl and
# xentop link. Unit tests live in tests/unit/.
LIBXL_SRCS := $(sort $(wildcard libxl/*.c))
LIBXL_OBJS := $(LIBXL_SRCS:.c=.o)
# What a program using libxl links after libxenlight.a.
LIBXL_DEPLIBS := xenstored/libxs.a hypervisor/libhvctl.a common/libcommon.a
LIBXL_LDLIBS := $(shell pkg-config --libs yajl uuid 2>/dev/null)

ifneq ($(LIBXL_SRCS),)
libxl/libxenlight.a: $(LIBXL_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += libxl/libxenlight.a
endif

# libxl's pure logic (names, domids, state letters), see tests/unit/libxl_*.
$(eval $(call unit_test,tests/unit/libxl_util-test,tests/unit/libxl_util-test.o libxl/libxl_util.o $(COMMON_OBJS)))
