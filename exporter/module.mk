# xenon-exporter: the domains' statistics for Prometheus (exporter/exporter.h).
EXPORTER_SRCS := $(sort $(wildcard exporter/*.c))
EXPORTER_OBJS := $(EXPORTER_SRCS:.c=.o)
EXPORTER_LDLIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -lpthread
ifneq ($(EXPORTER_SRCS),)
$(eval $(call program,exporter/xenon-exporter,$(EXPORTER_OBJS) libxl/libxenlight.a $(LIBXL_DEPLIBS),$(EXPORTER_LDLIBS) $(LIBXL_LDLIBS)))
INSTALL_SBIN += exporter/xenon-exporter
endif
