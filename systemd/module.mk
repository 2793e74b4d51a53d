# systemd: the host's units (xenstored, xen-init-dom0, xendomains), the
# xendomains script and its /etc/default file, laid out as Xen's packages.

SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
XENLIBEXEC ?= $(LIBDIR)/xenon/bin
XENSTATE   ?= $(if $(filter /usr,$(PREFIX)),/var/lib/xen,$(PREFIX)/var/lib/xen)
# libxl's default log directory (XENON_LOGDIR overrides it at run time) and
# xenstored.service's (a folder below /var/log: the unit's LogsDirectory=).
XENLOGDIR  ?= /var/log/xen

$(eval $(call program,systemd/xen-init-dom0,systemd/xen-init-dom0.o libxl/libxenlight.a $(LIBXL_DEPLIBS),$(LIBXL_LDLIBS)))

SYSTEMD_UNITS := xenstored.service xen-init-dom0.service xendomains.service
SYSTEMD_SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@XENDIR@|$(XENDIR)|g' -e 's|@XENLIBEXEC@|$(XENLIBEXEC)|g' -e 's|@XENSTATE@|$(XENSTATE)|g' \
	-e 's|@LOGDIR@|$(XENLOGDIR)|g' -e 's|@LOGSUBDIR@|$(patsubst /var/log/%,%,$(XENLOGDIR))|g'

install: install-systemd
.PHONY: install-systemd
install-systemd: systemd/xen-init-dom0
	install -d $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(XENLIBEXEC) $(DESTDIR)$(SYSCONFDIR)/default \
		$(DESTDIR)$(XENDIR)/auto $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	for u in $(SYSTEMD_UNITS); do \
		$(SYSTEMD_SUBST) systemd/$$u.in > $(DESTDIR)$(SYSTEMDDIR)/$$u; \
		chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/$$u; done
	$(SYSTEMD_SUBST) systemd/xendomains.default.in > $(DESTDIR)$(SYSCONFDIR)/default/xendomains
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/default/xendomains
	$(SYSTEMD_SUBST) systemd/xendomains.in > $(DESTDIR)$(XENLIBEXEC)/xendomains
	chmod 0755 $(DESTDIR)$(XENLIBEXEC)/xendomains
	install -m 0755 systemd/xen-init-dom0 $(DESTDIR)$(XENLIBEXEC)
	$(SYSTEMD_SUBST) systemd/xenon.logrotate.in > $(DESTDIR)$(SYSCONFDIR)/logrotate.d/xenon
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/logrotate.d/xenon
