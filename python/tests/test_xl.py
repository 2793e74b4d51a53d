"""xenon.Libxl: list, create, pause, destroy domains on tests/fake-hv (a
stand-in xenon-hv that answers the control protocol without KVM), with
the tree's xenstored and xl."""

import errno
import os
import subprocess

import pytest

from conftest import TOP, pid_alive, wait_for
from xenon import Domain, Libxl, Xenstore, XenonError, _lib


def xl_list_state(name):
    """The state column `xl list` shows for name (to cross-check)."""
    out = subprocess.run([os.path.join(TOP, "xl", "xl"), "list", name], capture_output=True, text=True,
                         check=True).stdout
    return next(line.split()[4] for line in out.splitlines() if line.split()[0] == name)


def test_the_loaded_libraries_are_xenons(xenstored):
    with Libxl():
        pass
    with open("/proc/self/maps") as f:
        mapped = {line.split()[-1] for line in f if "libxenstore.so" in line or "libxenlight.so" in line}
    want = {os.path.realpath(_lib.path_of(_lib.load(n))) for n in ("libxenstore.so.4", "libxenlight.so.1")}
    assert mapped == want


def test_no_xenstored_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XENSTORED_PATH", str(tmp_path / "none.sock"))
    with pytest.raises(XenonError) as e:
        Libxl()
    assert e.value.errno == errno.ENOENT


def test_create_list_pause_destroy(fake_env, domain_cfg):
    cfg, name = domain_cfg
    with Libxl() as xl:
        assert xl.list_domains() == []
        domid = xl.create(cfg)
        assert domid >= 1
        doms = xl.list_domains()
        assert [d.name for d in doms] == [name]
        d = doms[0]
        assert isinstance(d, Domain)
        assert d.domid == domid
        assert d.max_memkb == 32 * 1024
        assert d.vcpus == 2
        assert d.outstanding_memkb == 32 * 1024  # fake-hv backs none of it
        assert d.memory_pool == "host"
        assert d.hv_pid > 0 and pid_alive(d.hv_pid)
        assert d.state == xl_list_state(name)
        assert "p" not in d.state and not d.paused
        assert d.uuid == xl.config(domid)["c_info"]["uuid"]
        assert xl.domid(name) == domid
        assert xl.domain_info(domid).name == name

        xl.pause(domid)
        assert wait_for(lambda: xl.domain_info(domid).paused, what="paused")
        assert xl.domain_info(domid).state[2] == "p"
        assert xl_list_state(name)[2] == "p"
        xl.unpause(domid)
        assert wait_for(lambda: not xl.domain_info(domid).paused, what="unpaused")

        hv = d.hv_pid
        xl.destroy(domid)
        assert xl.list_domains() == []
        wait_for(lambda: not pid_alive(hv), what="xenon-hv to end")
        with pytest.raises(XenonError) as e:
            xl.domain_info(domid)
        assert e.value.errno == errno.ENOENT
    with Xenstore() as xs:
        assert xs.read("/local/domain/%d" % domid) is None
        assert not xs.ls("/libxl")
        assert not xs.ls("/vm")


def test_create_with_settings_and_paused(fake_env, domain_cfg):
    cfg, _ = domain_cfg
    with Libxl() as xl:
        a = xl.create(cfg, 'name="py-a"', "memory=48", paused=True)
        b = xl.create(cfg, 'name="py-b"')
        doms = {d.name: d for d in xl.list_domains()}
        assert sorted(doms) == ["py-a", "py-b"]
        assert doms["py-a"].domid == a and doms["py-b"].domid == b
        assert doms["py-a"].paused and not doms["py-b"].paused
        assert doms["py-a"].max_memkb == 48 * 1024
        xl.destroy(a)
        assert [d.name for d in xl.list_domains()] == ["py-b"]
        xl.destroy(b)
        assert xl.list_domains() == []


def test_bad_config_is_refused_with_xls_message(fake_env, tmp_path):
    bad = tmp_path / "bad.cfg"
    bad.write_text('name = "bad"\nkernel = "/k"\nmemory = lots\n')
    with Libxl() as xl:
        with pytest.raises(XenonError) as e:
            xl.create(str(bad))
        assert "bad.cfg:3:" in str(e.value)
        assert xl.list_domains() == []


def test_debug_keys_dump_into_dmesg_and_clear_empties_it(fake_env, domain_cfg):
    cfg, name = domain_cfg
    with Libxl() as xl:
        assert xl.dmesg() == []  # no ring yet: none, no error
        domid = xl.create(cfg)
        xl.debug_keys("q")
        lines = xl.dmesg()
        assert lines[0].endswith("] 'q' pressed -> dump domain (and guest debug) info"), lines
        assert any(("] d%d: %s: state " % (domid, name)) in l for l in lines), lines
        assert all(l.startswith("(XEN) [") for l in lines), lines
        assert xl.dmesg(clear=True) == lines
        assert xl.dmesg() == []
        with pytest.raises(XenonError) as e:
            xl.debug_keys("qz")
        assert e.value.errno == errno.EINVAL
        assert "'z' (ascii '7a') is not a debug key here" in (e.value.detail or ""), e.value
        assert xl.dmesg() == []
        xl.destroy(domid)


def test_destroy_of_no_domain_is_enoent(fake_env):
    with Libxl() as xl:
        with pytest.raises(XenonError) as e:
            xl.destroy(4242)
        assert e.value.errno == errno.ENOENT
        with pytest.raises(XenonError) as e:
            xl.domid("nosuch")
        assert e.value.errno == errno.ENOENT


def test_libxls_messages_reach_the_caller(fake_env, domain_cfg):
    """A xenon-hv that does not answer (stopped) is killed by destroy, and
    libxl's warning about it comes through the context's logger."""
    cfg, _ = domain_cfg
    with Libxl() as xl:
        domid = xl.create(cfg)
        hv = xl.domain_info(domid).hv_pid
        os.kill(hv, 19)  # SIGSTOP
        try:
            xl.destroy(domid)
        finally:
            if pid_alive(hv):
                os.kill(hv, 18)  # SIGCONT
        assert any("did not take the destroy request" in m for m in xl.messages), xl.messages
        assert xl.list_domains() == []


def test_settings_win_over_the_environment(fake_env, domain_cfg, monkeypatch):
    """Paths given to the context are the ones libxl and the xl it runs use;
    those not given come from the environment."""
    cfg, name = domain_cfg
    monkeypatch.setenv("XENON_RUNDIR", str(fake_env / "env-run"))
    own = fake_env / "own-run"
    with Libxl(run_dir=str(own), device_timeout_ms=1234) as xl:
        s = xl.settings
        assert s["run_dir"] == str(own)
        assert s["device_timeout_ms"] == 1234
        assert s["log_dir"] == str(fake_env / "log")  # from the environment
        assert s["hv_path"] == os.path.join(TOP, "tests", "fake-hv", "fake-hv")
        assert s["hotplug_timeout_ms"] == 40000  # libxl's default
        domid = xl.create(cfg)
        assert (own / "domains" / ("%d.sock" % domid)).is_socket()
        assert not (fake_env / "env-run").exists()
        d = xl.domain_info(domid)
        assert d.name == name and d.status == ""  # its xenon-hv answered on own-run
        xl.destroy(domid)
        assert xl.list_domains() == []


def test_bad_settings_are_refused_through_the_logger(xenstored, tmp_path, capfd):
    with pytest.raises(XenonError) as e:
        Libxl(run_dir="relative/run")
    assert e.value.errno == errno.EINVAL
    assert "not an absolute path" in (e.value.detail or "")
    with pytest.raises(XenonError) as e:
        Libxl(xenstored_path=str(tmp_path / "none.sock"))
    assert e.value.errno == errno.ENOENT
    assert "cannot connect to xenstored at %s" % (tmp_path / "none.sock") in (e.value.detail or "")
    with pytest.raises(TypeError):
        Libxl(rundir="/x")
    # libxl said it all to the context's logger, nothing on stderr
    assert capfd.readouterr().err == ""
