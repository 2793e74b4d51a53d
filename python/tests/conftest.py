"""Fixtures: a real xenstored of the tree on a private socket, and the
environment in which xl and libxenlight run domains on tests/fake-hv (no
KVM needed). Every process started here is ended by its pid."""

import os
import signal
import subprocess
import sys
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "python"))


def wait_for(cond, timeout=10.0, what="condition"):
    """Poll cond() until it is true; fail after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            pytest.fail("timed out waiting for %s" % what)
        time.sleep(0.02)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is gone for our purposes
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def end_pid(pid):
    """SIGTERM, then SIGKILL after 2.5 s, as tests/helpers.bash's kill_pid."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + 2.5
    while pid_alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    if pid_alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def xenstored(tmp_path, monkeypatch):
    """The tree's xenstored on tmp_path/xs.sock; $XENSTORED_PATH names it."""
    sock = tmp_path / "xs.sock"
    log = open(tmp_path / "xenstored.log", "w")
    proc = subprocess.Popen([os.path.join(TOP, "xenstored", "xenstored"), "-N", "-I", "-s", str(sock)],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    monkeypatch.setenv("XENSTORED_PATH", str(sock))
    try:
        wait_for(lambda: sock.exists() or proc.poll() is not None, what="xenstored's socket")
        assert proc.poll() is None, "xenstored exited: %s" % (tmp_path / "xenstored.log").read_text()
        yield sock
    finally:
        end_pid(proc.pid)
        proc.wait()
        log.close()


@pytest.fixture
def fake_env(xenstored, tmp_path, monkeypatch):
    """xl and libxenlight as tests/xl-fakehv.bats runs them: domains on
    tests/fake-hv, run and log directories, xl.conf and lock under tmp_path.
    At the end, every domain's monitor and xenon-hv still recorded in this
    xenstored are ended (by their recorded pids)."""
    conf = tmp_path / "xl.conf"
    conf.write_text('lockfile = "%s"\n' % (tmp_path / "xl.lock"))
    monkeypatch.setenv("XL_CONF", str(conf))
    monkeypatch.setenv("XENON_RUNDIR", str(tmp_path / "run"))
    monkeypatch.setenv("XENON_LOGDIR", str(tmp_path / "log"))
    monkeypatch.setenv("XENON_HV", os.path.join(TOP, "tests", "fake-hv", "fake-hv"))
    monkeypatch.setenv("XENON_XL", os.path.join(TOP, "xl", "xl"))
    try:
        yield tmp_path
    finally:
        from xenon import Xenstore

        with Xenstore() as xs:
            for domid in xs.ls("/libxl") or []:
                for node in ("monitor-pid", "hv-pid"):
                    v = xs.read("/libxl/%s/%s" % (domid, node))
                    if v and v.isdigit():
                        end_pid(int(v))


@pytest.fixture
def domain_cfg(fake_env):
    """A config for a domain on the fake xenon-hv: (path, name)."""
    path = fake_env / "py1.cfg"
    path.write_text('name = "py1"\nkernel = "%s"\nmemory = 32\nvcpus = 2\n'
                    % os.path.join(TOP, "guest", "xenon-guest.elf"))
    return str(path), "py1"
