XL_SRCS := $(sort $(wildcard xl/*.c))
XL_OBJS := $(XL_SRCS:.c=.o)
ifneq ($(XL_SRCS),)
$(eval $(call program,xl/xl,$(XL_OBJS) libxl/libxenlight.a $(LIBXL_DEPLIBS),$(LIBXL_LDLIBS)))
INSTALL_SBIN += xl/xl
endif
