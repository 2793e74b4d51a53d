"""xenon.xenstore: xenstore through Xenon's libxenstore (Xen's xenstore.h
API), with ctypes.

    with Xenstore() as xs:                  # $XENSTORED_PATH, as xs_open()
        xs.write("/local/domain/3/data/x", "1")
        xs.read("/local/domain/3/name")     # -> bytes, or None when absent
        xs.ls("/local/domain")              # -> ["0", "3"]
        xs.rm("/local/domain/3/data")
        for tx in xs.transaction():         # retried while xenstored says EAGAIN
            with tx:
                v = tx.read("/counter")
                tx.write("/counter", str(int(v or 0) + 1))
        xs.watch("/local/domain/3/device", "tok")
        path, token = xs.read_watch(timeout=5)

Errors raise XenonError (an OSError) with xenstored's errno (ENOENT,
EACCES, EAGAIN ...). Values are bytes in and out; a str is written as
UTF-8.
"""

import ctypes
import errno
import os
import select

from ._lib import XenonError, free, load

XBT_NULL = 0
XS_WATCH_PATH = 0
XS_WATCH_TOKEN = 1
XS_UNWATCH_FILTER = 1 << 2

_c_uint_p = ctypes.POINTER(ctypes.c_uint)


def _lib():
    lib = load("libxenstore.so.4")
    if getattr(lib, "_xenon_typed", False):
        return lib
    vp, cp, u32 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32
    protos = {
        "xs_open": (vp, [ctypes.c_ulong]),
        "xs_close": (None, [vp]),
        "xs_directory": (vp, [vp, u32, cp, _c_uint_p]),
        "xs_read": (vp, [vp, u32, cp, _c_uint_p]),
        "xs_write": (ctypes.c_bool, [vp, u32, cp, cp, ctypes.c_uint]),
        "xs_mkdir": (ctypes.c_bool, [vp, u32, cp]),
        "xs_rm": (ctypes.c_bool, [vp, u32, cp]),
        "xs_watch": (ctypes.c_bool, [vp, cp, cp]),
        "xs_unwatch": (ctypes.c_bool, [vp, cp, cp]),
        "xs_fileno": (ctypes.c_int, [vp]),
        "xs_check_watch": (vp, [vp]),
        "xs_read_watch": (vp, [vp, _c_uint_p]),
        "xs_transaction_start": (u32, [vp]),
        "xs_transaction_end": (ctypes.c_bool, [vp, u32, ctypes.c_bool]),
        "xs_get_domain_path": (vp, [vp, ctypes.c_uint]),
    }
    for name, (res, args) in protos.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    lib._xenon_typed = True
    return lib


def _bytes(v):
    return v.encode() if isinstance(v, str) else bytes(v)


def _fail(what, path=None):
    err = ctypes.get_errno() or errno.EIO
    raise XenonError(err, "%s %s" % (what, path) if path else what)


def _strings(ptr, n):
    """n C strings from a char ** block (freed)."""
    arr = ctypes.cast(ptr, ctypes.POINTER(ctypes.c_char_p))
    try:
        return [arr[i].decode() for i in range(n)]
    finally:
        free(ptr)


def _watch_event(ptr):
    arr = ctypes.cast(ptr, ctypes.POINTER(ctypes.c_char_p))
    try:
        return arr[XS_WATCH_PATH].decode(), arr[XS_WATCH_TOKEN].decode()
    finally:
        free(ptr)


class _Ops:
    """read/write/ls/rm/mkdir within a transaction id (XBT_NULL: none)."""

    def __init__(self, xs, tx):
        self._xs, self._tx = xs, tx

    def read(self, path):
        """The value of path (bytes), or None when it does not exist."""
        n = ctypes.c_uint(0)
        ctypes.set_errno(0)
        p = _lib().xs_read(self._xs._h(), self._tx, _bytes(path), ctypes.byref(n))
        if not p:
            if ctypes.get_errno() == errno.ENOENT:
                return None
            _fail("read", path)
        try:
            return ctypes.string_at(p, n.value)
        finally:
            free(p)

    def write(self, path, value):
        v = _bytes(value)
        if not _lib().xs_write(self._xs._h(), self._tx, _bytes(path), v, len(v)):
            _fail("write", path)

    def mkdir(self, path):
        if not _lib().xs_mkdir(self._xs._h(), self._tx, _bytes(path)):
            _fail("mkdir", path)

    def rm(self, path):
        """Remove path and everything below it (absent: no error, as Xen)."""
        if not _lib().xs_rm(self._xs._h(), self._tx, _bytes(path)):
            _fail("rm", path)

    def ls(self, path):
        """The names of path's children, or None when path does not exist."""
        n = ctypes.c_uint(0)
        ctypes.set_errno(0)
        p = _lib().xs_directory(self._xs._h(), self._tx, _bytes(path), ctypes.byref(n))
        if not p:
            if ctypes.get_errno() == errno.ENOENT:
                return None
            if ctypes.get_errno() == 0:
                return []
            _fail("ls", path)
        return _strings(p, n.value)


class Transaction(_Ops):
    """A xenstore transaction: commit at the end of a `with` block, abort
    when it raises. commit() raises XenonError(EAGAIN) when xenstored asks
    for a retry (Xenstore.transaction() retries for you)."""

    def __init__(self, xs, retrying=False):
        tx = _lib().xs_transaction_start(xs._h())
        if not tx:
            _fail("transaction start")
        super().__init__(xs, tx)
        self.done = False
        self.retrying = retrying  # made by Xenstore.transaction(): EAGAIN means run again
        self.conflict = False

    def _end(self, abort):
        if self.done:
            return
        self.done = True
        if not _lib().xs_transaction_end(self._xs._h(), self._tx, abort):
            _fail("transaction abort" if abort else "transaction commit")

    def commit(self):
        self._end(False)

    def abort(self):
        self._end(True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            try:
                self.abort()
            except XenonError:
                pass
            return False
        try:
            self.commit()
        except XenonError as e:
            if not (self.retrying and e.errno == errno.EAGAIN):
                raise
            self.conflict = True
        return False


class Xenstore(_Ops):
    """A connection to xenstored (the socket xs_open() finds: $XENSTORED_PATH,
    else the default). Usable as a context manager; close() ends it."""

    def __init__(self):
        self._handle = _lib().xs_open(0)
        if not self._handle:
            _fail("cannot connect to xenstored")
        super().__init__(self, XBT_NULL)

    def _h(self):
        if not self._handle:
            raise XenonError(errno.EBADF, "the xenstore connection is closed")
        return self._handle

    def close(self):
        if self._handle:
            _lib().xs_close(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def fileno(self):
        """The fd that becomes readable when a watch event is waiting."""
        return _lib().xs_fileno(self._h())

    def get_domain_path(self, domid):
        p = _lib().xs_get_domain_path(self._h(), domid)
        if not p:
            _fail("get_domain_path")
        try:
            return ctypes.string_at(p).decode()
        finally:
            free(p)

    # ---- transactions ----

    def transaction_start(self):
        """A Transaction (commit() or abort() it, or use it with `with`)."""
        return Transaction(self)

    def transaction(self, retries=100):
        """Yield transactions until one commits: xenstored answers EAGAIN
        when another writer got there first, and the block is run again.

            for tx in xs.transaction():
                with tx:
                    ...
        """
        for _ in range(retries):
            tx = Transaction(self, retrying=True)
            yield tx
            if not tx.done:  # not used in a with block: commit here
                try:
                    tx.commit()
                except XenonError as e:
                    if e.errno != errno.EAGAIN:
                        raise
                    tx.conflict = True
            if not tx.conflict:
                return
        raise XenonError(errno.EAGAIN, "transaction: still conflicting after %d tries" % retries)

    # ---- watches ----

    def watch(self, path, token):
        """Watch path and below; an event fires at once, as in Xen."""
        if not _lib().xs_watch(self._h(), _bytes(path), _bytes(token)):
            _fail("watch", path)

    def unwatch(self, path, token):
        if not _lib().xs_unwatch(self._h(), _bytes(path), _bytes(token)):
            _fail("unwatch", path)

    def read_watch(self, timeout=None):
        """The next event (path, token); None after timeout seconds
        (None: wait for ever)."""
        while True:
            ctypes.set_errno(0)
            p = _lib().xs_check_watch(self._h())
            if p:
                return _watch_event(p)
            err = ctypes.get_errno()
            if err not in (0, errno.EAGAIN):
                _fail("read_watch")
            r, _, _ = select.select([self.fileno()], [], [], timeout)
            if not r:
                return None

    def watches(self, timeout=None):
        """Events until a read_watch times out."""
        while True:
            ev = self.read_watch(timeout)
            if ev is None:
                return
            yield ev


__all__ = ["Xenstore", "Transaction", "XenonError", "XBT_NULL"]

if __name__ == "__main__":  # pragma: no cover
    with Xenstore() as xs:
        print(xs.ls(os.environ.get("XS_PATH", "/")))
