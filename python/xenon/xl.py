"""xenon.xl: domains through Xenon's libxenlight, with ctypes.

    with Libxl() as xl:                     # $XENSTORED_PATH, as xl
        for d in xl.list_domains():         # live state from each xenon-hv
            print(d.domid, d.name, d.state, d.current_memkb)
        domid = xl.create("/etc/xen/web.cfg", "memory=256")
        xl.pause(domid); xl.unpause(domid)
        xl.destroy(domid)

Errors raise XenonError (an OSError: errno, and libxl's message).

create() runs `xl create` (the config language and the monitor that carries
out on_poweroff / on_reboot / on_crash live in xl) and returns the new
domain's id, looked up by name through libxenlight: nothing parses xl's
messages. Everything else calls libxenlight directly.
"""

import ctypes
import errno
import json
import os
import re
import subprocess
from dataclasses import dataclass

from ._lib import XenonError, free, libc, load

try:
    from . import _paths
except ImportError:
    _paths = None

LIBXL_VERSION = 1
LIBXL_NAME_MAX = 63
LIBXL_SHUTDOWN_FORCE = 1
LIBXL_MEMORY_POOL_HUGETLB = 1  # libxl.h: libxl_dominfo.memory_pool
XTL_WARN = 7
DEFAULT_LOCKFILE = "/var/lock/xl"

SHUTDOWN_REASONS = {-1: "unknown", 0: "poweroff", 1: "reboot", 2: "suspend", 3: "crash", 4: "watchdog",
                    5: "soft_reset"}


class _Dominfo(ctypes.Structure):
    """libxl.h's libxl_dominfo."""

    _fields_ = [
        ("domid", ctypes.c_uint32),
        ("name", ctypes.c_char * (LIBXL_NAME_MAX + 1)),
        ("uuid", ctypes.c_uint8 * 16),
        ("running", ctypes.c_bool),
        ("blocked", ctypes.c_bool),
        ("paused", ctypes.c_bool),
        ("shutdown", ctypes.c_bool),
        ("dying", ctypes.c_bool),
        ("crashed", ctypes.c_bool),
        ("shutdown_reason", ctypes.c_int),
        ("current_memkb", ctypes.c_uint64),
        ("max_memkb", ctypes.c_uint64),
        ("vcpu_max_id", ctypes.c_uint32),
        ("vcpu_online", ctypes.c_uint32),
        ("cpu_time", ctypes.c_uint64),
        ("start_time_ns", ctypes.c_uint64),
        ("hv_pid", ctypes.c_int),
        ("platform", ctypes.c_int),
        ("status", ctypes.c_char * 192),
        ("sandbox_known", ctypes.c_bool),
        ("sandbox", ctypes.c_uint32),
        ("hv_uid", ctypes.c_uint32),
        ("hv_gid", ctypes.c_uint32),
        ("cpupool", ctypes.c_uint32),
        ("outstanding_memkb", ctypes.c_uint64),
        ("memory_pool", ctypes.c_int),
    ]


# xentoollog_logger's vmessage; the va_list is passed on to vsnprintf as is
# (on x86-64 it is a pointer to the argument area).
_VMESSAGE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                             ctypes.c_char_p, ctypes.c_void_p)
_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
                             ctypes.c_ulong, ctypes.c_ulong)
_DESTROY = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _Logger(ctypes.Structure):
    _fields_ = [("vmessage", _VMESSAGE), ("progress", _PROGRESS), ("destroy", _DESTROY)]


@dataclass(frozen=True)
class Domain:
    """A domain as libxenlight sees it now (xl list's columns and more)."""

    domid: int
    name: str
    uuid: str
    state: str  # Xen's six letters: "r-----", "-b----", "--p---", "---sc-" ...
    running: bool
    blocked: bool
    paused: bool
    shutdown: bool
    dying: bool
    crashed: bool
    shutdown_reason: str  # when shutdown: poweroff, reboot, crash ...
    current_memkb: int
    max_memkb: int
    vcpus: int  # online
    max_vcpus: int
    cpu_time_ns: int
    hv_pid: int  # 0 when xenon-hv is gone
    status: str  # why the state is what it is, when xenon-hv could not say; "" otherwise
    outstanding_memkb: int  # what it may still take without asking (xl claims)
    memory_pool: str  # where its RAM comes from (xl.conf memory_pool): "host" or "hugetlb"


class _Settings(ctypes.Structure):
    """libxl_ctx_settings (libxl.h)."""

    _fields_ = [
        ("xenstored_path", ctypes.c_char_p),
        ("run_dir", ctypes.c_char_p),
        ("log_dir", ctypes.c_char_p),
        ("hv_path", ctypes.c_char_p),
        ("script_dir", ctypes.c_char_p),
        ("device_timeout_ms", ctypes.c_int),
        ("hotplug_timeout_ms", ctypes.c_int),
        ("dump_dir", ctypes.c_char_p),
    ]


# Each setting and the environment variable xl takes it from (create()).
SETTINGS_ENV = {
    "xenstored_path": "XENSTORED_PATH",
    "run_dir": "XENON_RUNDIR",
    "log_dir": "XENON_LOGDIR",
    "hv_path": "XENON_HV",
    "script_dir": "XENON_SCRIPTDIR",
    "device_timeout_ms": "XENON_DEVICE_TIMEOUT_MS",
    "hotplug_timeout_ms": "XENON_HOTPLUG_TIMEOUT_MS",
    "dump_dir": "XENON_DUMPDIR",
}


def _lib():
    load("libxenstore.so.4")  # first, so that nothing else answers to that soname
    lib = load("libxenlight.so.1")
    if getattr(lib, "_xenon_typed", False):
        return lib
    vp, cp, u32, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32, ctypes.c_int
    protos = {
        "libxl_ctx_alloc": (i, [ctypes.POINTER(vp), i, ctypes.c_uint, vp]),
        "libxl_ctx_alloc_settings": (i, [ctypes.POINTER(vp), i, ctypes.c_uint, vp, ctypes.POINTER(_Settings)]),
        "libxl_ctx_get_settings": (ctypes.POINTER(_Settings), [vp]),
        "libxl_ctx_free": (None, [vp]),
        "libxl_list_domain": (i, [vp, ctypes.POINTER(vp), ctypes.POINTER(i)]),
        "libxl_domain_info": (i, [vp, ctypes.POINTER(_Dominfo), u32]),
        "libxl_dominfo_state": (None, [ctypes.POINTER(_Dominfo), ctypes.c_char * 7]),
        "libxl_name_to_domid": (i, [vp, cp, ctypes.POINTER(u32)]),
        "libxl_domain_destroy": (i, [vp, u32]),
        "libxl_domain_pause": (i, [vp, u32]),
        "libxl_domain_unpause": (i, [vp, u32]),
        "libxl_domain_shutdown": (i, [vp, u32, ctypes.c_uint]),
        "libxl_domain_reboot": (i, [vp, u32, ctypes.c_uint]),
        "libxl_domain_wait_gone": (i, [vp, u32, i]),
        "libxl_lock_acquire": (i, [cp, ctypes.POINTER(i)]),
        "libxl_lock_release": (None, [i]),
        "libxl_retrieve_domain_configuration_json": (i, [vp, u32, ctypes.POINTER(vp)]),
        "libxl_uuid_to_string": (None, [ctypes.c_uint8 * 16, ctypes.c_char * 37]),
        "libxl_xen_console_read_start": (vp, [vp, i]),
        "libxl_xen_console_read_line": (i, [vp, vp, ctypes.POINTER(cp)]),
        "libxl_xen_console_read_finish": (None, [vp, vp]),
        "libxl_send_debug_keys": (i, [vp, cp]),
    }
    for name, (res, args) in protos.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    lib._xenon_typed = True
    return lib


def _domain(lib, info):
    state = (ctypes.c_char * 7)()
    lib.libxl_dominfo_state(ctypes.byref(info), state)
    uuid = (ctypes.c_char * 37)()
    lib.libxl_uuid_to_string(info.uuid, uuid)
    return Domain(
        domid=info.domid,
        name=info.name.decode(errors="replace"),
        uuid=uuid.value.decode(),
        state=state.value.decode(),
        running=info.running,
        blocked=info.blocked,
        paused=info.paused,
        shutdown=info.shutdown,
        dying=info.dying,
        crashed=info.crashed,
        shutdown_reason=SHUTDOWN_REASONS.get(info.shutdown_reason, str(info.shutdown_reason))
        if info.shutdown else "",
        current_memkb=info.current_memkb,
        max_memkb=info.max_memkb,
        vcpus=info.vcpu_online,
        max_vcpus=info.vcpu_max_id + 1,
        cpu_time_ns=info.cpu_time,
        hv_pid=info.hv_pid,
        status=info.status.decode(errors="replace"),
        outstanding_memkb=info.outstanding_memkb,
        memory_pool="hugetlb" if info.memory_pool == LIBXL_MEMORY_POOL_HUGETLB else "host",
    )


def _xl_conf_path():
    if os.environ.get("XL_CONF"):
        return os.environ["XL_CONF"]
    if _paths is not None and getattr(_paths, "XENDIR", None):
        path = os.path.join(_paths.XENDIR, "xl.conf")
        if os.path.exists(path):
            return path
    return "/etc/xen/xl.conf"


def xl_lockfile():
    """The lock xl takes around create and destroy: xl.conf's lockfile=
    ($XL_CONF, else the installed xl.conf), else /var/lock/xl."""
    try:
        with open(_xl_conf_path(), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return DEFAULT_LOCKFILE
    m = None
    for m in re.finditer(r"""^\s*lockfile\s*=\s*(["'])(.*?)\1""", text, re.M):
        pass
    return m.group(2) if m and m.group(2) else DEFAULT_LOCKFILE


def xl_command():
    """The xl that create() runs: $XENON_XL, the installed one, the build
    tree's, else xl on $PATH."""
    if os.environ.get("XENON_XL"):
        return os.environ["XENON_XL"]
    if _paths is not None and getattr(_paths, "SBINDIR", None):
        return os.path.join(_paths.SBINDIR, "xl")
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    built = os.path.join(top, "xl", "xl")
    return built if os.path.exists(built) else "xl"


class Libxl:
    """A libxenlight context (one connection to xenstored). Not shared
    between threads or across fork(), as libxl_ctx.

    Keyword settings (libxl_ctx_settings; those not given come from the
    environment, else libxl's defaults): xenstored_path, run_dir, log_dir,
    hv_path, script_dir, dump_dir (strings), device_timeout_ms,
    hotplug_timeout_ms (ints). create() hands them to xl through its environment."""

    def __init__(self, lockfile=None, **settings):
        self._lib = _lib()
        self.messages = []  # libxl's errors and warnings, newest last
        # the callbacks live as long as the context that may call them
        self._callbacks = (_VMESSAGE(self._on_message), _PROGRESS(lambda *a: None), _DESTROY(lambda *a: None))
        self._logger = _Logger(*self._callbacks)
        self.lockfile = lockfile
        unknown = set(settings) - set(SETTINGS_ENV)
        if unknown:
            raise TypeError("unknown libxl settings: %s" % ", ".join(sorted(unknown)))
        given = _Settings(**{k: (v.encode() if isinstance(v, str) else v) for k, v in settings.items()})
        ctx = ctypes.c_void_p()
        rc = self._lib.libxl_ctx_alloc_settings(ctypes.byref(ctx), LIBXL_VERSION, 0,
                                                ctypes.addressof(self._logger), ctypes.byref(given))
        if rc < 0:
            self._raise(rc, "cannot open libxenlight (is xenstored running?)")
        self._ctx = ctx

    @property
    def settings(self):
        """The context's settings in force (every one filled in), as a dict."""
        s = self._lib.libxl_ctx_get_settings(self._c()).contents
        return {k: (getattr(s, k).decode() if isinstance(getattr(s, k), bytes) else getattr(s, k))
                for k in SETTINGS_ENV}

    def _xl_env(self):
        env = dict(os.environ)
        for k, v in self.settings.items():
            env[SETTINGS_ENV[k]] = str(v)
        return env

    def _on_message(self, _logger, level, errnoval, _context, fmt, ap):
        buf = ctypes.create_string_buffer(1024)
        try:
            libc().vsnprintf(buf, ctypes.sizeof(buf), fmt, ctypes.c_void_p(ap))
        except Exception:  # pragma: no cover - never let an exception into C
            return
        if level >= XTL_WARN:
            self.messages.append(buf.value.decode(errors="replace"))
            del self.messages[:-20]

    def _raise(self, rc, what):
        detail = self.messages[-1] if self.messages else None
        raise XenonError(-rc if rc < 0 else errno.EIO, what, detail)

    def _c(self):
        if not self._ctx:
            raise XenonError(errno.EBADF, "the libxenlight context is closed")
        return self._ctx

    def close(self):
        if getattr(self, "_ctx", None):
            self._lib.libxl_ctx_free(self._ctx)
            self._ctx = None

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

    # ---- looking ----

    def list_domains(self):
        """Every guest domain (not the host), by domid, with its live state."""
        infos, n = ctypes.c_void_p(), ctypes.c_int(0)
        self.messages.clear()
        rc = self._lib.libxl_list_domain(self._c(), ctypes.byref(infos), ctypes.byref(n))
        if rc < 0:
            self._raise(rc, "list domains")
        try:
            arr = ctypes.cast(infos, ctypes.POINTER(_Dominfo))
            return [_domain(self._lib, arr[i]) for i in range(n.value)]
        finally:
            free(infos)

    def domain_info(self, domid):
        """One domain's Domain; XenonError(ENOENT) when there is none."""
        info = _Dominfo()
        rc = self._lib.libxl_domain_info(self._c(), ctypes.byref(info), domid)
        if rc < 0:
            self._raise(rc, "domain %d" % domid)
        return _domain(self._lib, info)

    def domid(self, name):
        """The id of the domain called name; XenonError(ENOENT) when none is."""
        out = ctypes.c_uint32()
        rc = self._lib.libxl_name_to_domid(self._c(), name.encode(), ctypes.byref(out))
        if rc < 0:
            self._raise(rc, "no domain %s" % name)
        return out.value

    def config(self, domid):
        """The configuration the domain was created with (libxl's JSON, as a dict)."""
        p = ctypes.c_void_p()
        rc = self._lib.libxl_retrieve_domain_configuration_json(self._c(), domid, ctypes.byref(p))
        if rc < 0:
            self._raise(rc, "configuration of domain %d" % domid)
        try:
            return json.loads(ctypes.string_at(p).decode())
        finally:
            free(p)

    def dmesg(self, clear=False):
        """The hypervisor's messages (xl dmesg): the warnings of every
        domain's xenon-hv, as lines without their newline; clear: empty the
        buffer after reading it."""
        self.messages.clear()
        cr = self._lib.libxl_xen_console_read_start(self._c(), 1 if clear else 0)
        if not cr:
            raise XenonError(errno.EIO, "read the hypervisor's messages",
                             self.messages[-1] if self.messages else None)
        lines, line = [], ctypes.c_char_p()
        try:
            while True:
                rc = self._lib.libxl_xen_console_read_line(self._c(), cr, ctypes.byref(line))
                if rc < 0:
                    self._raise(rc, "read the hypervisor's messages")
                if rc == 0:
                    return lines
                lines.append(line.value.decode().rstrip("\n"))
        finally:
            self._lib.libxl_xen_console_read_finish(self._c(), cr)

    def debug_keys(self, keys):
        """Xen's debug keys (xl debug-keys): each dumps some of the host's
        state into the hypervisor's messages (h lists them)."""
        self.messages.clear()
        rc = self._lib.libxl_send_debug_keys(self._c(), keys.encode())
        if rc < 0:
            self._raise(rc, "debug keys %r" % keys)

    # ---- lifecycle ----

    def create(self, config, *settings, paused=False, timeout=120):
        """Create a domain from an xl.cfg(5) file (None: settings only), with
        KEY=VALUE settings on top (as `xl create FILE KEY=VALUE`); return its
        domid. Raises XenonError with xl's message when it cannot."""
        xl = xl_command()
        args = ([config] if config else []) + list(settings)
        env = self._xl_env()
        dry = subprocess.run([xl, "-N", "create", "-q", *args], capture_output=True, text=True,
                             timeout=timeout, check=False, env=env)
        if dry.returncode != 0:
            raise XenonError(errno.EINVAL, "create %s" % (config or ""), dry.stderr.strip())
        name = json.loads(dry.stdout)["c_info"]["name"]
        run = subprocess.run([xl, "create", "-q", *(["-p"] if paused else []), *args], capture_output=True,
                             text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL, env=env)
        if run.returncode != 0:
            raise XenonError(errno.EIO, "create %s" % (config or name), run.stderr.strip())
        return self.domid(name)

    def _locked(self, what, fn, domid):
        lock = ctypes.c_int(-1)
        path = self.lockfile or xl_lockfile()
        rc = self._lib.libxl_lock_acquire(path.encode(), ctypes.byref(lock))
        if rc < 0:
            self._raise(rc, "cannot take the xl lock %s" % path)
        try:
            rc = fn(self._c(), domid)
        finally:
            self._lib.libxl_lock_release(lock)
        if rc < 0:
            self._raise(rc, "%s domain %d" % (what, domid))

    def destroy(self, domid):
        """End the domain at once and remove all of it (xl destroy), under
        xl's lock, as xl does."""
        self.messages.clear()
        self._locked("destroy", self._lib.libxl_domain_destroy, domid)

    def pause(self, domid):
        rc = self._lib.libxl_domain_pause(self._c(), domid)
        if rc < 0:
            self._raise(rc, "pause domain %d" % domid)

    def unpause(self, domid):
        rc = self._lib.libxl_domain_unpause(self._c(), domid)
        if rc < 0:
            self._raise(rc, "unpause domain %d" % domid)

    def shutdown(self, domid, force=False, wait=None):
        """Ask the guest to power off (force: the power button at once);
        wait: seconds to wait until it has gone (None: do not wait)."""
        rc = self._lib.libxl_domain_shutdown(self._c(), domid, LIBXL_SHUTDOWN_FORCE if force else 0)
        if rc < 0:
            self._raise(rc, "shutdown domain %d" % domid)
        if wait is not None:
            rc = self._lib.libxl_domain_wait_gone(self._c(), domid, int(wait * 1000))
            if rc < 0:
                self._raise(rc, "domain %d did not go" % domid)


__all__ = ["Libxl", "Domain", "XenonError", "xl_lockfile", "xl_command"]
