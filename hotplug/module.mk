INSTALL_SCRIPTS += $(filter-out hotplug/module.mk hotplug/README.md,$(sort $(wildcard hotplug/*)))
