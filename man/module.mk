# Man pages are written in roff directly: man/<name>.<section>.
INSTALL_MAN += $(sort $(wildcard man/*.[1-8]))
