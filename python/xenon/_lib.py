"""Finding and loading Xenon's shared libraries (libxenstore.so.4,
libxenlight.so.1) by full path, so that a host's other libxenstore.so.4
(Debian's, Xen's) is never taken for Xenon's.

The directory searched is, in order (the soname, then the real file
SONAME.0): $XENON_LIBDIR; then the LIBDIR that `make install` wrote into
_paths.py, or, in the source tree (no _paths.py), the build tree this
package sits in (python/xenon/ beside xenstored/ and libxl/).
"""

import ctypes
import os

try:
    from . import _paths  # written by make install
except ImportError:  # the source tree
    _paths = None

_LIBS = {
    "libxenstore.so.4": "xenstored",
    "libxenlight.so.1": "libxl",
}

_loaded = {}


class XenonError(OSError):
    """A failed call: errno, and what failed (with libxl's message when it
    gave one)."""

    def __init__(self, err, what, detail=None):
        msg = "%s: %s" % (what, os.strerror(err))
        if detail:
            msg += " (%s)" % detail
        super().__init__(err, msg)
        self.what = what
        self.detail = detail

    def __str__(self):
        return self.strerror


def candidates(soname):
    """The full paths tried for soname, in order."""
    out = []
    env = os.environ.get("XENON_LIBDIR")
    if env:
        out.append(os.path.join(env, soname))
    if _paths is not None and getattr(_paths, "LIBDIR", None):
        out.append(os.path.join(_paths.LIBDIR, soname))
    else:
        top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        out.append(os.path.join(top, _LIBS[soname], soname))
    # the build tree has the real file only (libxenstore.so.4.0)
    return [p for path in out for p in (path, path + ".0")]


def load(soname):
    """The ctypes.CDLL of Xenon's soname, loaded once by its full path."""
    if soname in _loaded:
        return _loaded[soname]
    tried = candidates(soname)
    for path in tried:
        if os.path.exists(path):
            lib = ctypes.CDLL(path, use_errno=True)
            _loaded[soname] = lib
            return lib
    raise ImportError(
        "Xenon's %s is not in %s: run make (or make install), or set "
        "XENON_LIBDIR to the directory that holds it" % (soname, ", ".join(tried))
    )


def libc():
    if "c" not in _loaded:
        _loaded["c"] = ctypes.CDLL(None, use_errno=True)
        _loaded["c"].free.argtypes = [ctypes.c_void_p]
        _loaded["c"].free.restype = None
    return _loaded["c"]


def free(ptr):
    libc().free(ptr)


def path_of(lib):
    """The file a loaded library came from."""
    return lib._name
