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
