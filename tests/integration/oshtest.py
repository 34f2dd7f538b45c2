"""Shared helpers for the end-to-end tests: real runtimes, real kernel.

Each test script builds its own busybox-static rootfs and runc-style bundle
in a temp dir, runs one or more containers through one of our entry points
(the runtime shim, podman's precreate + hooks.d), and checks from inside the
container what was enforced. A test that cannot run here exits 77 (skipped)
after saying why.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

SKIP = 77
RUN_ROOT = "/run/oci-sandbox"
# check() and finish() are checklib's (tests/), FAILURES its list.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import check, finish  # noqa: E402,F401  (re-exported: t.check, t.finish)
from checklib import failures as FAILURES  # noqa: E402

# crun 1.8.1 refuses this machine's hybrid cgroup layout: every crun command
# runs in a private mount namespace with a plain cgroup2 /sys/fs/cgroup, and
# `--cgroup-manager=disabled` (test_crun.py).
CRUN_WRAP = ["unshare", "-m", "--propagation", "private", "sh", "-c",
             'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"', "sh"]

# The runtimes the tests that take both run under: runc always
# (need_root_and checks it), crun where it is installed.
RUNTIMES = ["runc"] + (["crun"] if shutil.which("crun") and shutil.which("unshare") else [])


def skip(why):
    # A check that already failed is never hidden behind a skip.
    if FAILURES:
        print("not skipping (%s): %d check(s) failed before" % (why, len(FAILURES)))
        finish()
    print("SKIP: " + why)
    sys.exit(SKIP)


def need_root_and(*tools):
    if os.geteuid() != 0:
        skip("needs root (real runtimes create namespaces and mounts)")
    for t in tools:
        if shutil.which(t) is None:
            skip(t + " is not installed")
    for var in ("OSH_BINARY", "OSH_PROBE"):
        if not os.environ.get(var):
            skip(var + " is not set (run through meson test)")


def is_static(path):
    """True when the ELF file has no program interpreter (PT_INTERP)."""
    import struct
    with open(path, "rb") as f:
        hdr = f.read(64)
        if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
            return True  # not a 64-bit ELF: let the test itself fail on it
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    return all(struct.unpack_from("<I", ph, i * phentsize)[0] != 3 for i in range(phnum))


_SHARED_LIBS = {}


def shared_libs(path):
    """The files the dynamic loader maps for `path`, as ldd names them: the
    interpreter (/lib64/ld-linux-x86-64.so.2) and each DT_NEEDED library at the
    path it resolved to (/lib/x86_64-linux-gnu/...). Empty for a static
    binary. Cached: every bundle of a test run needs the same list."""
    if path in _SHARED_LIBS:
        return _SHARED_LIBS[path]
    libs = []
    if not is_static(path):
        r = subprocess.run(["ldd", path], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("ldd %s failed (%d): %s" % (path, r.returncode, r.stderr.strip()))
        for line in r.stdout.splitlines():
            # "libasan.so.8 => /lib/x86_64-linux-gnu/libasan.so.8 (0x...)",
            # "/lib64/ld-linux-x86-64.so.2 (0x...)", "linux-vdso.so.1 (0x...)"
            line = line.strip()
            if "=>" in line:
                target = line.split("=>", 1)[1].strip()
                if target.startswith("not found"):
                    raise RuntimeError("ldd %s: %s" % (path, line))
            else:
                target = line
            target = target.split(" (", 1)[0].strip()
            if target.startswith("/"):
                libs.append(target)
    _SHARED_LIBS[path] = libs
    return libs


def copy_shared_libs(binary_path, rootfs):
    """A dynamic (sanitizer) build of our enforcer is bind-mounted into the
    container, and the busybox rootfs has no libc: copy in
    what the loader maps, at the same paths, so it runs there too. Each path
    is copied as the file it resolves to (symlinks followed): the loader opens
    the name, never looks at the link. The default policy lists /lib and
    /lib64 read-only, but the enforcer maps them before it applies Landlock,
    and the busybox-static workload needs none of them."""
    for lib in shared_libs(binary_path):
        dest = os.path.join(rootfs, lib.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(lib, dest)


def binary():
    return os.path.abspath(os.environ["OSH_BINARY"])




def unique_id(tag):
    return "osh-%s-%s" % (tag, uuid.uuid4().hex[:12])


def make_rootfs(rootfs):
    """busybox-static with a symlink per applet, our probe, /etc/passwd."""
    # The directories the default policy lists (/usr, /lib, /lib64, /sbin)
    # exist, as in any distribution image: a listed path that is missing is a
    # strict landlock_path failure by design.
    for d in ("bin", "sbin", "usr", "lib", "lib64", "etc", "tmp", "proc", "sys", "dev", "data"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
    bb = shutil.which("busybox") or "/bin/busybox"
    shutil.copy2(bb, os.path.join(rootfs, "bin", "busybox"))
    applets = subprocess.run([bb, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for a in applets:
        p = os.path.join(rootfs, "bin", a)
        if not os.path.lexists(p):
            os.symlink("busybox", p)
    shutil.copy2(os.environ["OSH_PROBE"], os.path.join(rootfs, "bin", "osh-probe"))
    for var in ("OSH_BINARY", "OSH_ENFORCER"):
        if os.environ.get(var):
            copy_shared_libs(os.environ[var], rootfs)
    with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    with open(os.path.join(rootfs, "etc", "group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")


GPU_DEVICES = [
    ("/dev/nvidia0", 195, 0),
    ("/dev/nvidiactl", 195, 255),
    ("/dev/nvidia-uvm", 511, 0),
]


def make_bundle(workdir, args, gpu=False, devices_allow=()):
    """A bundle like `runc spec` writes, running `args`; with gpu, the three
    fake NVIDIA nodes in linux.devices and allowed in the device cgroup."""
    bundle = os.path.join(workdir, "bundle")
    os.makedirs(bundle, exist_ok=True)
    make_rootfs(os.path.join(bundle, "rootfs"))
    subprocess.run(["runc", "spec", "--bundle", bundle], check=True)
    with open(os.path.join(bundle, "config.json")) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = list(args)
    cfg["root"]["readonly"] = False
    res = cfg["linux"].setdefault("resources", {})
    rules = res.setdefault("devices", [])
    if gpu:
        devs = cfg["linux"].setdefault("devices", [])
        for path, major, minor in GPU_DEVICES:
            devs.append({"path": path, "type": "c", "major": major, "minor": minor,
                         "fileMode": 0o666, "uid": 0, "gid": 0})
            rules.append({"allow": True, "type": "c", "major": major, "minor": minor, "access": "rwm"})
    for major, minor in devices_allow:
        rules.append({"allow": True, "type": "c", "major": major, "minor": minor, "access": "rwm"})
    write_config(bundle, cfg)
    return bundle


def read_config(bundle):
    with open(os.path.join(bundle, "config.json")) as f:
        return json.load(f)


def write_config(bundle, cfg):
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def default_policy():
    with open(os.path.join(os.environ["OSH_SOURCE_ROOT"], "testdata", "policy.default.json")) as f:
        return json.load(f)


def write_policy(workdir, policy, name="policy.json"):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        json.dump(policy, f, indent=2)
    return path


def write_runtime_config(workdir, next_runtime, policy_path):
    path = os.path.join(workdir, "runtime.json")
    with open(path, "w") as f:
        json.dump({"next_runtime": next_runtime, "hook_args": ["--policy", policy_path]}, f)
    return path



def prepare_case(workdir, tag, args, next_runtime, gpu=False, devices_allow=(),
                 edit_config=None, edit_policy=None):
    """One test container's files under workdir/tag: the bundle (config edited
    by edit_config), the default policy logging to tag/hook.log (edited by
    edit_policy) and the shim's runtime config. Returns (sub, bundle, policy
    path, runtime config path)."""
    sub = os.path.join(workdir, tag)
    os.makedirs(sub)
    bundle = make_bundle(sub, args, gpu=gpu, devices_allow=devices_allow)
    if edit_config:
        cfg = read_config(bundle)
        edit_config(cfg)
        write_config(bundle, cfg)
    pol = default_policy()
    pol["log"]["path"] = os.path.join(sub, "hook.log")
    if edit_policy:
        edit_policy(pol)
    policy_path = write_policy(sub, pol)
    return sub, bundle, policy_path, write_runtime_config(sub, next_runtime, policy_path)

def run(cmd, env=None, timeout=120, **kw):
    full_env = dict(os.environ)
    full_env.update(env or {})
    print("$ " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout, **kw)
    if r.stdout.strip():
        print("  stdout: " + r.stdout.strip().replace("\n", "\n          "))
    if r.stderr.strip():
        print("  stderr: " + r.stderr.strip().replace("\n", "\n          "))
    print("  exit %d" % r.returncode)
    return r


def results(stdout):
    """The probe's key=value lines."""
    out = {}
    for line in stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def log_events(log_path):
    """The JSON events of a log. A line another writer left with bytes that
    are not UTF-8 (an older binary's) is read with U+FFFD rather than stop
    the test; integration-guarantee_links checks that ours write UTF-8."""
    if not os.path.exists(log_path):
        return []
    with open(log_path, errors="replace") as f:
        return [json.loads(line) for line in f if line.strip()]


def plan_dir_gone(key):
    return not os.path.lexists(os.path.join(RUN_ROOT, key))


def plan_dir_gone_within(key, seconds=5.0):
    """Whether the plan directory of `key` is gone within `seconds` (an
    engine's delete, and so our poststop, may finish after its client returns)."""
    end = time.monotonic() + seconds
    while not plan_dir_gone(key):
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True


class Workdir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="osh-integ-")
        os.chmod(self.path, 0o755)
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("OSH_KEEP_WORKDIR"):
            print("kept " + self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


# The probe's standard checks, and what a confined container must answer.
CONFINED_CHECKS = ["write:/etc/osh-denied", "write:/tmp/osh-allowed", "chroot", "status",
                   "write:/.oci-sandbox/plan/osh-denied"]


def check_confined(res, label):
    check(res.get("write:/etc/osh-denied") == "EACCES", label + ": write outside the policy fails with EACCES")
    check(res.get("write:/tmp/osh-allowed") == "OK", label + ": write to /tmp works")
    check(res.get("chroot") == "EPERM", label + ": chroot (denied by seccomp) fails with EPERM")
    check(res.get("NoNewPrivs") == "1", label + ": NoNewPrivs: 1")
    check(res.get("Seccomp") == "2", label + ": Seccomp: 2 (filter mode)")
    check(res.get("write:/.oci-sandbox/plan/osh-denied") in ("EROFS", "EACCES"),
          label + ": the plan directory is read-only")


# --- users made for a test (rootless podman) --------------------------------

def user_pids(uid):
    """The processes of `uid` (podman's rootless pause process, a stuck conmon)."""
    pids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.stat("/proc/" + p).st_uid == uid:
                    pids.append(int(p))
            except OSError:
                pass
    return pids


def remove_user(name, uid, home=None):
    """Removes a user a test made: its processes, the user, its subuid and
    subgid ranges, its runtime directories (a login's, podman's and ours)
    and `home`."""
    import signal
    if uid is not None:
        for pid in user_pids(uid):
            try:
                os.kill(pid, signal.SIGKILL)
                print("killed pid %d of %s" % (pid, name))
            except ProcessLookupError:
                pass
        for _ in range(50):
            if not user_pids(uid):
                break
            time.sleep(0.1)
    subprocess.run(["userdel", "-r", name], capture_output=True)
    for f in ("/etc/subuid", "/etc/subgid"):
        with open(f) as fh:
            lines = fh.readlines()
        with open(f, "w") as fh:
            fh.writelines(ln for ln in lines if not ln.startswith(name + ":"))
    if uid is not None:
        for d in ("/run/user/%d", "/tmp/oci-sandbox-%d", "/tmp/podman-run-%d", "/tmp/containers-user-%d"):
            shutil.rmtree(d % uid, ignore_errors=True)
    if home:
        shutil.rmtree(home, ignore_errors=True)
