# The hotplug scripts (0755) and hotplug-common.sh, which they source and
# nobody runs (0644), in $(XENDIR)/scripts.
HOTPLUG_LIBS := $(wildcard hotplug/*.sh)
INSTALL_SCRIPTS += $(filter-out hotplug/module.mk hotplug/README.md $(HOTPLUG_LIBS),$(sort $(wildcard hotplug/*)))
install: install-hotplug-libs
.PHONY: install-hotplug-libs
install-hotplug-libs:
	install -d $(DESTDIR)$(XENDIR)/scripts
	install -m 0644 $(HOTPLUG_LIBS) $(DESTDIR)$(XENDIR)/scripts
