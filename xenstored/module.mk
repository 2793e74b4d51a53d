# xenstored: the daemon, libxs (xenstored/libxs.a, implementing xenstored/xs.h
# and Xen's xenstore.h over it), libxenstore and the xenstore-* clients.

# common/iov.o too: libxenstore.so and .a stand alone (its name stays local)
XS_LIB_OBJS := xenstored/libxs.o xenstored/xs_wire.o xenstored/xenstore.o xenstored/xenstore_lib.o common/iov.o
xenstored/libxs.a: $(XS_LIB_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += xenstored/libxs.a
# xenstore.h includes <xenstore_lib.h>, as Xen's does.
$(XS_LIB_OBJS) $(XS_LIB_OBJS:.o=.pic.o) $(XS_LIB_OBJS:.o=.san.o): XCFLAGS += -Ixenstored

# libxenstore, Xen's API (xenstore.h, libxenstore(3)): libxenstore.so.4 (the
# soname of Xen's, whose API and VERS_4.0 symbol version it has) and a
# static libxenstore.a, each with only the names in libxenstore.syms global.
XENSTORE_SO := xenstored/libxenstore.so.4.0
$(eval $(call shared_lib,$(XENSTORE_SO),$(XS_LIB_OBJS),xenstored/libxenstore.syms,VERS_4.0))
$(eval $(call public_archive,xenstored/libxenstore.a,$(XS_LIB_OBJS),xenstored/libxenstore.syms))
INSTALL_SHLIBS += $(XENSTORE_SO)
INSTALL_LIBS += xenstored/libxenstore.a
INSTALL_HEADERS += xenstored/xenstore.h xenstored/xenstore_lib.h
INSTALL_PC += xenstored/xenstore.pc.in

# The daemon's modules, minus main.o: unit tests and the fuzzer link them too.
XSD_CORE_SRCS := xenstored/core.c xenstored/store.c xenstored/perms.c xenstored/domain.c xenstored/quota.c \
	xenstored/watch.c xenstored/transaction.c xenstored/journal.c xenstored/journal_rec.c \
	xenstored/journal_recover.c xenstored/handlers.c \
	xenstored/handlers_node.c xenstored/handlers_domain.c xenstored/control.c \
	xenstored/conn.c xenstored/xs_wire.c xenstored/ratelimit.c
XSD_CORE_OBJS := $(XSD_CORE_SRCS:.c=.o)

# The sandbox (sandbox.c, sandbox_seccomp.c) is the daemon's alone: not in XSD_CORE_SRCS.
# Its seccomp filter: seccomp_rules.c's table compiled at build time into _seccomp_bpf.c (generated).
XSD_SANDBOX_OBJS := xenstored/sandbox.o xenstored/sandbox_seccomp.o xenstored/_seccomp_bpf.o $(SECCOMP_BPF_OBJS)
$(eval $(call program,xenstored/xenstored,xenstored/main.o $(XSD_CORE_OBJS) $(XSD_SANDBOX_OBJS) xenstored/libxs.a common/libcommon.a,-lseccomp))
INSTALL_SBIN += xenstored/xenstored

# The clients: one multi-call program, linked (hard links) under each name.
XS_CLIENT_OBJS := xenstored/client_main.o xenstored/client_ops.o xenstored/client_ls.o \
	xenstored/client_escape.o
$(XS_CLIENT_OBJS) $(XS_CLIENT_OBJS:.o=.san.o): XCFLAGS += -Ixenstored
XS_CLIENT_NAMES := read write rm exists list ls chmod watch control
XS_CLIENTS := $(addprefix xenstored/xenstore-,$(XS_CLIENT_NAMES))
# Linked statically: a shell loop of xenstore-write calls is dominated by
# process start-up, and the dynamic loader costs more than the request.
$(eval $(call program,xenstored/xenstore,$(XS_CLIENT_OBJS) xenstored/libxs.a common/libcommon.a,-static -lyajl_s))
$(XS_CLIENTS): xenstored/xenstore
	ln -f $< $@
all: $(XS_CLIENTS)
CLEAN += $(XS_CLIENTS)
INSTALL_BIN += xenstored/xenstore $(XS_CLIENTS)

# The benchmark load generator (bench/xenstored runs it; the binary stays
# here, where .gitignore covers it).
$(eval $(call program,xenstored/xs-bench,bench/xenstored-load.o xenstored/libxs.a common/libcommon.a))

# Unit tests (tests/unit/xs_*) and the message fuzzer (tests/fuzz/xs-msg-fuzz).
$(eval $(call unit_test,tests/unit/xs_store-test,tests/unit/xs_store-test.o xenstored/store.o xenstored/perms.o xenstored/xs_wire.o))
$(eval $(call unit_test,tests/unit/xs_daemon-test,tests/unit/xs_daemon-test.o $(XSD_CORE_OBJS) $(COMMON_OBJS)))
# Guests against permissions, quotas and limits (the same harness: tests/unit/xs_harness.h).
$(eval $(call unit_test,tests/unit/xs_security-test,tests/unit/xs_security-test.o $(XSD_CORE_OBJS) $(COMMON_OBJS)))
# Seeds in tests/fuzz/xs-msg-fuzz/; tests/fuzz-run runs it (FUZZ_SECONDS).
$(eval $(call fuzzer,xenstored/xs-msg-fuzz,tests/fuzz/xs-msg-fuzz.c $(XSD_CORE_SRCS) common/buf.c common/iov.c common/log.c common/strutil.c))
# The journal and snapshot reader against damage (seeds in tests/fuzz/xs-journal-fuzz/).
$(eval $(call fuzzer,xenstored/xs-journal-fuzz,tests/fuzz/xs-journal-fuzz.c $(XSD_CORE_SRCS) common/buf.c common/iov.c common/log.c common/strutil.c))

# A scripted session for the bats tests (not installed).
$(eval $(call program,xenstored/xs-tool,xenstored/xs-tool.o xenstored/libxs.a common/libcommon.a))
# xenstored's seccomp filter, entered in a child that then tries execve, socket(AF_INET), ptrace.
$(eval $(call unit_test,tests/unit/xs_seccomp-test,tests/unit/xs_seccomp-test.o $(XSD_SANDBOX_OBJS) xenstored/seccomp_rules.o $(SECCOMP_TABLE_OBJS) $(COMMON_OBJS),-lseccomp))
$(eval $(call unit_test,tests/unit/xs_journal-test,tests/unit/xs_journal-test.o $(XSD_CORE_OBJS) $(COMMON_OBJS)))
# libxenstore's helpers without a daemon (the bats suite tests/libs.bats runs the rest).
$(eval $(call unit_test,tests/unit/xs_lib-test,tests/unit/xs_lib-test.o $(XS_LIB_OBJS)))
tests/unit/xs_lib-test.o tests/unit/xs_lib-test.san.o: XCFLAGS += -Ixenstored
# libxs's batched requests against a scripted daemon.
$(eval $(call unit_test,tests/unit/xs_batch-test,tests/unit/xs_batch-test.o $(XS_LIB_OBJS)))
