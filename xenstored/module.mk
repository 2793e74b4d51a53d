# xenstored: the daemon, libxs (xenstored/libxs.a, implementing xenstored/xs.h)
# and the xenstore-* clients.

XS_LIB_OBJS := xenstored/libxs.o xenstored/xs_wire.o
xenstored/libxs.a: $(XS_LIB_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += xenstored/libxs.a

# The daemon's modules, minus main.o: unit tests and the fuzzer link them too.
XSD_CORE_SRCS := xenstored/store.c xenstored/perms.c xenstored/domain.c xenstored/quota.c \
	xenstored/watch.c xenstored/transaction.c xenstored/journal.c xenstored/handlers.c \
	xenstored/handlers_node.c xenstored/handlers_domain.c xenstored/control.c \
	xenstored/conn.c xenstored/xs_wire.c
XSD_CORE_OBJS := $(XSD_CORE_SRCS:.c=.o)

$(eval $(call program,xenstored/xenstored,xenstored/main.o $(XSD_CORE_OBJS) xenstored/libxs.a common/libcommon.a))
INSTALL_SBIN += xenstored/xenstored
