# python/: the xenon package, Python bindings (ctypes) of libxenstore.so.4
# and libxenlight.so.1 (python/README.md). Nothing to build; make install
# puts it where the system's python3 looks (PYTHONDIR), with _paths.py
# saying where the libraries and xl were installed. Tested by
# tests/python.bats (pytest, python/tests/).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYTHONDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(PREFIX)/lib/python$(PYTHON_VERSION)/dist-packages)
PYTHON_SRCS := $(filter-out python/xenon/_paths.py,$(wildcard python/xenon/*.py))

install: install-python
uninstall: uninstall-python
.PHONY: install-python uninstall-python
install-python:
	install -d $(DESTDIR)$(PYTHONDIR)/xenon
	install -m 0644 $(PYTHON_SRCS) $(DESTDIR)$(PYTHONDIR)/xenon
	printf '"""Where make install put Xenon."""\nLIBDIR = "%s"\nSBINDIR = "%s"\nXENDIR = "%s"\n' \
		'$(LIBDIR)' '$(SBINDIR)' '$(XENDIR)' > $(DESTDIR)$(PYTHONDIR)/xenon/_paths.py

# The package directory goes whole (with any __pycache__ python3 wrote there).
uninstall-python:
	rm -rf $(DESTDIR)$(PYTHONDIR)/xenon
