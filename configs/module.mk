# The example configs name the guest kernel (GUESTDIR) and themselves (DATADIR) where make install puts them.
install: install-configs
.PHONY: install-configs
install-configs:
	install -d $(DESTDIR)$(XENDIR) $(DESTDIR)$(DATADIR)/examples
	$(if $(wildcard configs/xl.conf),test -e $(DESTDIR)$(XENDIR)/xl.conf || install -m 0644 configs/xl.conf $(DESTDIR)$(XENDIR)/xl.conf)
	for cfg in $(wildcard configs/*.cfg); do \
		sed -e 's|/usr/local/lib/xenon/boot/|$(GUESTDIR)/|g' -e 's|/usr/local/share/xenon/|$(DATADIR)/|g' $$cfg > $(DESTDIR)$(DATADIR)/examples/$${cfg##*/}; \
		chmod 0644 $(DESTDIR)$(DATADIR)/examples/$${cfg##*/}; done
