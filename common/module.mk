COMMON_OBJS := common/log.o common/strutil.o
common/libcommon.a: $(COMMON_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += common/libcommon.a
# seccomp allow-lists as tables (xenon-hv, xenstored): linked by name, with -lseccomp.
SECCOMP_TABLE_OBJS := common/seccomp_table.o

$(eval $(call unit_test,tests/unit/strutil-test,tests/unit/strutil-test.o $(COMMON_OBJS)))
$(eval $(call unit_test,tests/unit/log_sink-test,tests/unit/log_sink-test.o $(COMMON_OBJS)))
