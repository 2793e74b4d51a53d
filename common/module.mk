COMMON_OBJS := common/log.o common/strutil.o common/nspid.o common/fdpass.o common/fdclose.o common/iov.o common/buf.o common/msgring.o
common/libcommon.a: $(COMMON_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += common/libcommon.a
# seccomp allow-lists as tables (xenon-hv, xenstored), built with libseccomp: the generator and the tests link
# them. The programs link SECCOMP_BPF_OBJS, which patches and loads the filters compiled at build time.
SECCOMP_TABLE_OBJS := common/seccomp_table.o
SECCOMP_BPF_OBJS := common/seccomp_bpf.o
# common/seccomp-gen compiles xenon-hv's and xenstored's filters at build time into <dir>/_seccomp_bpf.c.
$(eval $(call program,common/seccomp-gen,common/seccomp_gen.o hypervisor/seccomp_rules.o xenstored/seccomp_rules.o \
	$(SECCOMP_TABLE_OBJS) $(SECCOMP_BPF_OBJS) $(COMMON_OBJS),-lseccomp))
hypervisor/_seccomp_bpf.c: common/seccomp-gen
	common/seccomp-gen hv $@
xenstored/_seccomp_bpf.c: common/seccomp-gen
	common/seccomp-gen xsd $@
CLEAN += hypervisor/_seccomp_bpf.c xenstored/_seccomp_bpf.c

$(eval $(call unit_test,tests/unit/strutil-test,tests/unit/strutil-test.o $(COMMON_OBJS)))
$(eval $(call unit_test,tests/unit/log_sink-test,tests/unit/log_sink-test.o $(COMMON_OBJS)))
$(eval $(call unit_test,tests/unit/nspid-test,tests/unit/nspid-test.o $(COMMON_OBJS),-pthread))
$(eval $(call unit_test,tests/unit/fdclose-test,tests/unit/fdclose-test.o $(COMMON_OBJS)))
$(eval $(call unit_test,tests/unit/iov-test,tests/unit/iov-test.o $(COMMON_OBJS),-pthread))
$(eval $(call unit_test,tests/unit/buf-test,tests/unit/buf-test.o $(COMMON_OBJS)))
$(eval $(call unit_test,tests/unit/msgring-test,tests/unit/msgring-test.o $(COMMON_OBJS)))
# The message ring as xl dmesg reads it, written by every domain's xenon-hv (seeds from tests/fuzz/make-seeds).
$(eval $(call fuzzer,common/msgring-fuzz,tests/fuzz/msgring-fuzz.c common/msgring.c,))
