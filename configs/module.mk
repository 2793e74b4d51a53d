install: install-configs
.PHONY: install-configs
install-configs:
	install -d $(DESTDIR)$(XENDIR) $(DESTDIR)$(DATADIR)/examples
	$(if $(wildcard configs/xl.conf),test -e $(DESTDIR)$(XENDIR)/xl.conf || install -m 0644 configs/xl.conf $(DESTDIR)$(XENDIR)/xl.conf)
	$(if $(wildcard configs/*.cfg),install -m 0644 $(wildcard configs/*.cfg) $(DESTDIR)$(DATADIR)/examples)
