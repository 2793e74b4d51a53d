"""xenon.Xenstore against the tree's xenstored on a private socket."""

import errno
import os

import pytest

from conftest import TOP
from xenon import Xenstore, XenonError
from xenon import _lib


def test_the_loaded_libxenstore_is_xenons(xenstored):
    with Xenstore():
        pass
    lib = _lib.load("libxenstore.so.4")
    assert os.path.realpath(_lib.path_of(lib)).startswith(os.path.realpath(TOP) + os.sep) or \
        os.environ.get("XENON_LIBDIR")
    with open("/proc/self/maps") as f:
        mapped = {line.split()[-1] for line in f if "libxenstore.so" in line}
    # Debian's (or Xen's) libxenstore.so.4 is not in the process at all
    assert mapped == {os.path.realpath(_lib.path_of(lib))}


def test_write_read_ls_rm(xenstored):
    with Xenstore() as xs:
        assert xs.read("/py/a") is None
        assert xs.ls("/py") is None
        xs.write("/py/a", "1")
        xs.write("/py/b/c", b"\x00\xffbin")
        assert xs.read("/py/a") == b"1"
        assert xs.read("/py/b/c") == b"\x00\xffbin"
        assert sorted(xs.ls("/py")) == ["a", "b"]
        xs.mkdir("/py/empty")
        assert xs.ls("/py/empty") == []
        assert xs.read("/py/empty") == b""
        xs.rm("/py/b")
        assert xs.read("/py/b/c") is None
        assert sorted(xs.ls("/py")) == ["a", "empty"]
    # another connection sees what this one wrote
    with Xenstore() as xs2:
        assert xs2.read("/py/a") == b"1"
        xs2.rm("/py")
        assert xs2.ls("/py") is None


def test_errors_carry_xenstoreds_errno(xenstored):
    with Xenstore() as xs:
        with pytest.raises(XenonError) as e:
            xs.write("/bad path!", "x")
        assert e.value.errno == errno.EINVAL
        assert "/bad path!" in str(e.value)
        xs.close()
        with pytest.raises(XenonError) as e:
            xs.read("/a")
        assert e.value.errno == errno.EBADF


def test_no_daemon_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XENSTORED_PATH", str(tmp_path / "none.sock"))
    with pytest.raises(XenonError) as e:
        Xenstore()
    assert e.value.errno == errno.ENOENT


def test_transaction_commit_and_abort(xenstored):
    with Xenstore() as xs:
        with xs.transaction_start() as tx:
            tx.write("/t/a", "in-tx")
            assert tx.read("/t/a") == b"in-tx"
            assert xs.read("/t/a") is None  # not visible outside before commit
        assert xs.read("/t/a") == b"in-tx"
        with pytest.raises(RuntimeError):
            with xs.transaction_start() as tx:
                tx.write("/t/a", "aborted")
                raise RuntimeError("stop")
        assert xs.read("/t/a") == b"in-tx"


def test_conflicting_transaction_is_eagain_and_retried(xenstored):
    with Xenstore() as xs, Xenstore() as other:
        xs.write("/t/counter", "0")
        tx = xs.transaction_start()
        assert tx.read("/t/counter") == b"0"
        other.write("/t/counter", "10")  # another writer gets there first
        tx.write("/t/counter", "1")
        with pytest.raises(XenonError) as e:
            tx.commit()
        assert e.value.errno == errno.EAGAIN
        assert xs.read("/t/counter") == b"10"
        # transaction() runs the block again until it commits
        runs = 0
        for tx in xs.transaction():
            with tx:
                runs += 1
                v = int(tx.read("/t/counter"))
                if runs == 1:
                    other.write("/t/counter", str(v + 100))
                tx.write("/t/counter", str(v + 1))
        assert runs == 2
        assert xs.read("/t/counter") == b"111"


def test_watch_events(xenstored):
    with Xenstore() as xs, Xenstore() as writer:
        xs.watch("/w", "tok")
        assert xs.read_watch(timeout=5) == ("/w", "tok")  # fires when set, as in Xen
        assert xs.read_watch(timeout=0.2) is None
        writer.write("/w/x/y", "1")
        assert xs.read_watch(timeout=5) == ("/w/x/y", "tok")
        writer.write("/elsewhere", "1")
        assert xs.read_watch(timeout=0.2) is None
        xs.unwatch("/w", "tok")
        writer.write("/w/z", "1")
        assert xs.read_watch(timeout=0.2) is None


def test_domain_path(xenstored):
    with Xenstore() as xs:
        assert xs.get_domain_path(7) == "/local/domain/7"
