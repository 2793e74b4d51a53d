COMMON_OBJS := common/log.o common/strutil.o
common/libcommon.a: $(COMMON_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += common/libcommon.a

$(eval $(call unit_test,tests/unit/strutil-test,tests/unit/strutil-test.o $(COMMON_OBJS)))
$(eval $(call unit_test,tests/unit/log_sink-test,tests/unit/log_sink-test.o $(COMMON_OBJS)))
