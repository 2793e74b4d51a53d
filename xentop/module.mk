# xentop: Xen's xentop(1) on libxl's statistics (xentop/xentop.h says
# which file does what).
XENTOP_SRCS := $(sort $(wildcard xentop/*.c))
XENTOP_OBJS := $(XENTOP_SRCS:.c=.o)
XENTOP_LDLIBS := $(shell pkg-config --libs ncurses 2>/dev/null || echo -lncurses)
ifneq ($(XENTOP_SRCS),)
$(eval $(call program,xentop/xentop,$(XENTOP_OBJS) libxl/libxenlight.a $(LIBXL_DEPLIBS),$(XENTOP_LDLIBS) $(LIBXL_LDLIBS)))
INSTALL_SBIN += xentop/xentop
endif
