XL_SRCS := $(sort $(wildcard xl/*.c))
XL_OBJS := $(XL_SRCS:.c=.o)
ifneq ($(XL_SRCS),)
$(eval $(call program,xl/xl,$(XL_OBJS) libxl/libxenlight.a $(LIBXL_DEPLIBS),$(LIBXL_LDLIBS)))
INSTALL_SBIN += xl/xl
endif

# xl's bash completion, generated from its command table.
xl/xl.bash-completion: xl/xl
	xl/xl completion bash > $@
CLEAN += xl/xl.bash-completion
all: xl/xl.bash-completion
install: install-xl-completion
.PHONY: install-xl-completion
install-xl-completion: xl/xl.bash-completion
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 xl/xl.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xl

# Unit tests of the config parser and the disk / vif specs.
XLCFG_PARSE_OBJS := xl/cfg_parse.o xl/cfg_lex.o
XLCFG_TYPES_OBJS := libxl/libxl_types.o libxl/libxl_json.o libxl/libxl_json_parse.o $(LIBXL_GEN_OBJS) libxl/libxl_disk.o \
	libxl/libxl_nic.o common/strutil.o
$(eval $(call unit_test,tests/unit/xlcfg_parse-test,tests/unit/xlcfg_parse-test.o $(XLCFG_PARSE_OBJS)))
$(eval $(call unit_test,tests/unit/xlcfg_disk-test,tests/unit/xlcfg_disk-test.o $(XLCFG_TYPES_OBJS),$(LIBXL_LDLIBS)))
$(eval $(call unit_test,tests/unit/xlcfg_vif-test,tests/unit/xlcfg_vif-test.o $(XLCFG_TYPES_OBJS),$(LIBXL_LDLIBS)))
$(eval $(call unit_test,tests/unit/xlcfg_json-test,tests/unit/xlcfg_json-test.o $(XLCFG_TYPES_OBJS),$(LIBXL_LDLIBS)))

# The config parser's fuzzer (seeds in tests/fuzz/xlcfg-fuzz/; the binary
# lives here because that name is the seeds' directory).
XLCFG_FUZZ_SRCS := tests/fuzz/xlcfg-fuzz.c xl/cfg_parse.c xl/cfg_lex.c xl/cfg_domain.c xl/cfg_devices_other.c xl/cfg_display.c xl/cfg_vsnd.c xl/cfg_cpus.c $(LIBXL_GEN_SRCS) \
	xl/xl_conf.c libxl/libxl_types.c libxl/libxl_json.c libxl/libxl_json_parse.c libxl/libxl_disk.c \
	libxl/libxl_nic.c common/log.c common/strutil.c
$(eval $(call fuzzer,xl/xlcfg-fuzz,$(XLCFG_FUZZ_SRCS),$(LIBXL_LDLIBS)))

# xl looks for xl.conf where make install puts it (then /etc/xen/xl.conf).
xl/xl_conf.o xl/xl_conf.san.o: XCFLAGS += -DXL_CONF_PATH='"$(XENDIR)/xl.conf"'
XLCFG_DOMAIN_OBJS := $(XLCFG_PARSE_OBJS) xl/cfg_domain.o xl/cfg_devices_other.o xl/cfg_display.o xl/cfg_vsnd.o xl/cfg_cpus.o xl/xl_conf.o $(XLCFG_TYPES_OBJS) common/log.o
$(eval $(call unit_test,tests/unit/xlcfg_domain-test,tests/unit/xlcfg_domain-test.o $(XLCFG_DOMAIN_OBJS),$(LIBXL_LDLIBS)))

# A second fuzzer for single disk / vif specs and vdev names.
XLCFG_SPEC_FUZZ_SRCS := tests/fuzz/xlcfg-spec-fuzz.c libxl/libxl_types.c libxl/libxl_json.c libxl/libxl_disk.c \
	libxl/libxl_json_parse.c $(LIBXL_GEN_SRCS) \
	libxl/libxl_nic.c common/strutil.c
$(eval $(call fuzzer,xl/xlcfg-spec-fuzz,$(XLCFG_SPEC_FUZZ_SRCS),$(LIBXL_LDLIBS)))
# A configuration as JSON, as xl restore and xl migrate-receive read it (seeds in tests/fuzz/xlcfg-json-fuzz/).
XLCFG_JSON_FUZZ_SRCS := tests/fuzz/xlcfg-json-fuzz.c $(filter-out tests/fuzz/xlcfg-spec-fuzz.c,$(XLCFG_SPEC_FUZZ_SRCS))
$(eval $(call fuzzer,xl/xlcfg-json-fuzz,$(XLCFG_JSON_FUZZ_SRCS),$(LIBXL_LDLIBS)))

# xl info's cc_compile_by / cc_compile_domain, as Xen's: who built it, where.
XL_COMPILE_BY := $(shell id -un 2>/dev/null)
XL_COMPILE_DOMAIN := $(shell hostname -d 2>/dev/null)
xl/cmd_info.o: XCFLAGS += -DXL_COMPILE_BY='"$(XL_COMPILE_BY)"' -DXL_COMPILE_DOMAIN='"$(XL_COMPILE_DOMAIN)"'
