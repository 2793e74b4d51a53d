INSTALL_SCRIPTS += $(filter-out hotplug/module.mk,$(sort $(wildcard hotplug/*)))
