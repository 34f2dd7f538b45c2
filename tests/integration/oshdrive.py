"""Drivers and host-side checks shared by the hostile-image, bad-input and
crash tests: a container through the shim under runc with the hook step
timed (`runtime create` alone); the hook driven directly (state on stdin)
as a runtime runs it: in a mount namespace of its own where the runtime's
two bind mounts (our binary, the plan directory) are in place and the
state's pid is that namespace's process, so that the hook's proof of what
the container will run can hold; the same with the enforcer following in a
chroot; and snapshots of what must not change on the host."""
import json
import os
import subprocess
import threading
import time
import uuid

import oshtest as t

# The hook step must never wait (a FIFO, a huge file): this bounds it.
HOOK_BUDGET_S = 1.0


class Outcome:
    def __init__(self):
        self.rc = None          # the shim's / hook's exit status (None: timed out)
        self.step_s = None      # seconds taken by `runtime create` or by the hook alone
        self.stdout = ""
        self.stderr = ""
        self.effective = None   # the effective policy, read while the plan existed
        self.events = []
        self.workload_rc = None


def _drain(fd, sink, key):
    chunks = []
    with os.fdopen(fd, "rb") as f:
        while True:
            b = f.read(65536)
            if not b:
                break
            chunks.append(b)
    sink[key] = b"".join(chunks).decode(errors="replace")


def read_effective(key):
    p = os.path.join(t.RUN_ROOT, key, "effective-policy.json")
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def via_runc(sub, bundle, rtcfg, cid, extra_env=None):
    """`oci-sandbox-hook runtime create` (timed), then `runc start`; the
    container's stdio are pipes we hold, so EOF on them is its exit."""
    out = Outcome()
    runc_root = os.path.join(sub, "runc-root")
    env = dict(os.environ)
    env["OCI_SANDBOX_RUNTIME_CONFIG"] = rtcfg
    env.update(extra_env or {})
    r_out, w_out = os.pipe()
    r_err, w_err = os.pipe()
    sink = {}
    readers = [threading.Thread(target=_drain, args=(r_out, sink, "out")),
               threading.Thread(target=_drain, args=(r_err, sink, "err"))]
    for th in readers:
        th.start()
    cmd = [t.binary(), "runtime", "--root", runc_root, "create", "--bundle", bundle, cid]
    print("$ " + " ".join(cmd))
    try:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=w_out, stderr=w_err, stdin=subprocess.DEVNULL, env=env)
        os.close(w_out)
        os.close(w_err)
        try:
            out.rc = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        out.step_s = time.monotonic() - t0
        print("  create exit %s in %.3f s" % (out.rc, out.step_s))
        if out.rc == 0:
            out.effective = read_effective(cid)
            s = t.run(["runc", "--root", runc_root, "start", cid], timeout=20)
            out.workload_rc = s.returncode
        for th in readers:
            th.join(timeout=20)
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid], timeout=20)
        for th in readers:
            th.join(timeout=20)
    out.stdout = sink.get("out", "")
    out.stderr = sink.get("err", "")
    if out.stdout.strip():
        print("  stdout: " + out.stdout.strip().replace("\n", "\n          "))
    if out.stderr.strip():
        print("  stderr: " + out.stderr.strip().replace("\n", "\n          "))
    out.events = t.log_events(os.path.join(sub, "hook.log"))
    return out


def state_json(cid, bundle, status="creating", pid=None):
    return json.dumps({"ociVersion": "1.0.2", "id": cid, "status": status,
                       "pid": os.getpid() if pid is None else pid, "bundle": bundle})


def timed_run(cmd, env=None, stdin_bytes=None, timeout=20):
    """Runs cmd with env added to ours and stdin_bytes on stdin; returns
    (CompletedProcess with text stdout/stderr, or None on timeout; seconds)."""
    full = dict(os.environ)
    full.update(env or {})
    print("$ " + " ".join(c if len(c) < 80 else c[:80] + "..." for c in cmd))
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, input=stdin_bytes, capture_output=True, env=full, timeout=timeout)
    except subprocess.TimeoutExpired:
        print("  TIMED OUT")
        return None, time.monotonic() - t0
    dt = time.monotonic() - t0
    r.stdout = r.stdout.decode(errors="replace")
    r.stderr = r.stderr.decode(errors="replace")
    if r.stderr.strip():
        print("  stderr: " + r.stderr.strip()[:2000].replace("\n", "\n          "))
    print("  exit %d in %.3f s" % (r.returncode, dt))
    return r, dt


def run_hook(policy_path, stage, state_text, extra_env=None):
    """The hook alone, state on stdin; returns (CompletedProcess or None, seconds).
    For the stages that need no view of the container (poststop)."""
    print("  <<< " + (state_text if len(state_text) < 300 else state_text[:300] + "..."))
    return timed_run([t.binary(), "hook", "--policy", policy_path, "--stage", stage],
                     env=extra_env, stdin_bytes=state_text.encode(), timeout=10)


CONTAINER_BINARY = "/.oci-sandbox/oci-sandbox-hook"
CONTAINER_PLAN_DIR = "/.oci-sandbox/plan"

# The runtime's part, simulated: in a mount namespace of its own, bind our
# binary and the plan directory onto their mount points in the rootfs
# ($1..$4 pairs of source and target, a target "" for a mount left out),
# export the hook's extra environment ($5: a count, then NAME=VALUE words;
# exported only now, so that mount and bash load nothing of it), and exec
# the hook with the state on stdin, its pid that of this namespace's process:
# the hook itself once exec'd, $$.
_RUNTIME_SCRIPT = r"""
set -e
if [ -n "$3" ]; then mount --bind "$1" "$3"; fi
if [ -n "$4" ]; then mount --bind "$2" "$4"; fi
head=$5 tail=$6 n=$7
shift 7
while [ "$n" -gt 0 ]; do export "$1"; shift; n=$((n - 1)); done
exec "$@" <<< "$head$$$tail"
"""


def _rootfs_of(bundle, cfg):
    root = cfg.get("root", {}).get("path", "rootfs")
    return root if root.startswith("/") else os.path.join(bundle, root)


def _mount_source(cfg, dest):
    """The source of the last mount at `dest` (the spec edit places ours last)."""
    srcs = [m.get("source", "") for m in cfg.get("mounts", [])
            if os.path.normpath("/" + m.get("destination", "").lstrip("/")) == dest]
    return srcs[-1] if srcs else None


def mount_point(rootfs, dest, directory):
    """The host path of the mount point for `dest` in the rootfs, made when
    missing, as runc makes it (inside the root); None where runc would not
    mount there as given: a component of the path is a symlink (runc would
    resolve it inside the root, and the hook must then refuse what it sees),
    or something of the wrong type is already there."""
    parts = dest.strip("/").split("/")
    p = rootfs
    for i, part in enumerate(parts):
        p = os.path.join(p, part)
        last = i == len(parts) - 1
        if os.path.islink(p):
            print("  (runtime simulation: %s is a symlink in the image; no mount at %s)" % (p, dest))
            return None
        if not os.path.lexists(p):
            if last and not directory:
                with open(p, "x"):
                    pass
            else:
                os.mkdir(p, 0o755)
        want_dir = directory or not last
        if os.path.isdir(p) != want_dir:
            print("  (runtime simulation: %s is not a %s; no mount at %s)"
                  % (p, "directory" if want_dir else "file", dest))
            return None
    return p


def hook_in_runtime(policy_path, cid, bundle, extra_env=None, hook_args=None):
    """The createRuntime hook as a runtime runs it: in the container's mount
    namespace, our binary and its plan directory (the sources the edited
    config.json names) bind-mounted into the rootfs, the state's pid a
    process of that namespace. Returns (CompletedProcess or None, seconds)."""
    cfg = t.read_config(bundle)
    rootfs = _rootfs_of(bundle, cfg)
    args = []
    for dest, directory in ((CONTAINER_BINARY, False), (CONTAINER_PLAN_DIR, True)):
        src = _mount_source(cfg, dest)
        target = mount_point(rootfs, dest, directory) if src else None
        args.append((src or "", target or ""))
    state = json.loads(state_json(cid, bundle, pid=0))
    head, tail = json.dumps(state).split('"pid": 0')
    env = ["%s=%s" % kv for kv in (extra_env or {}).items()]
    hook = [t.binary(), "hook"] + (hook_args or ["--policy", policy_path]) + ["--stage", "createRuntime"]
    cmd = (["unshare", "-m", "--propagation", "private", "bash", "-c", _RUNTIME_SCRIPT, "runtime",
            args[0][0], args[1][0], args[0][1], args[1][1], head + '"pid": ', tail, str(len(env))]
           + env + hook)
    return timed_run(cmd, timeout=10)


# A container as runc makes it, simulated, for a run of the hook followed by
# the enforcer: in a mount namespace of its own, our binary and the plan
# directory bind-mounted (the plan read-only) onto their mount points in the
# rootfs, /proc mounted there, a tmpfs on /dev with the runtime-spec's
# default devices (bound from the host's, as runc does in a user namespace)
# and the spec's /dev/pts and /dev/shm. Then, when a hook command is given,
# the createRuntime hook runs with the state's pid this process (the
# container's init to be, as runc's hook sees it), its extra environment
# exported for it alone, its exit status and output written to OUT; and the
# same process becomes the container's first process: chroot into the
# rootfs, exec the command (the enforcer).
# $1 binary, $2 plan dir, $3 $4 their mount points, $5 rootfs, $6 OUT,
# $7 $8 the state's text around the pid, $9 count of NAME=VALUE words, the
# words, the count of the hook's words, the hook's words, the command.
_CONTAINER_SCRIPT = r"""
set -e
bin=$1 plan=$2 bin_at=$3 plan_at=$4 root=$5 out=$6 head=$7 tail=$8 nenv=$9
shift 9
env_words=("${@:1:nenv}")
shift "$nenv"
nhook=$1
shift
hook=("${@:1:nhook}")
shift "$nhook"
mount --bind "$bin" "$bin_at"
mount --bind "$plan" "$plan_at"
mount -o remount,bind,ro "$plan_at"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev"
for n in null zero full random urandom tty ptmx; do
    : > "$root/dev/$n"
    mount --bind "/dev/$n" "$root/dev/$n"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
if [ "$nhook" -gt 0 ]; then
    set +e
    (for kv in "${env_words[@]}"; do export "$kv"; done
     exec "${hook[@]}" <<< "$head$$$tail") >"$out/hook.stdout" 2>"$out/hook.stderr"
    echo $? > "$out/hook.rc"
    set -e
fi
exec chroot "$root" "$@"
"""


def _in_container(bundle, cid, key, args, hook=None, hook_env=None, out="", timeout=20):
    cfg = t.read_config(bundle)
    rootfs = _rootfs_of(bundle, cfg)
    targets = [mount_point(rootfs, CONTAINER_BINARY, False), mount_point(rootfs, CONTAINER_PLAN_DIR, True)]
    srcs = [_mount_source(cfg, CONTAINER_BINARY), _mount_source(cfg, CONTAINER_PLAN_DIR)]
    if None in targets or None in srcs:
        raise RuntimeError("%s: no place for the runtime's mounts in %s" % (cid, rootfs))
    state = json.loads(state_json(cid, bundle, pid=0))
    head, tail = json.dumps(state).split('"pid": 0')
    env = ["%s=%s" % kv for kv in (hook_env or {}).items()]
    hook = list(hook or [])
    cmd = (["unshare", "-m", "--propagation", "private", "bash", "-c", _CONTAINER_SCRIPT, "container",
            srcs[0], srcs[1], targets[0], targets[1], rootfs, out, head + '"pid": ', tail, str(len(env))]
           + env + [str(len(hook))] + hook
           + [CONTAINER_BINARY, "exec", "--plan", CONTAINER_PLAN_DIR, "--key", key, "--"] + list(args))
    return t.run(cmd, timeout=timeout)


def enforcer_in_container(bundle, cid, key, args, timeout=20):
    """`oci-sandbox-hook exec --plan /.oci-sandbox/plan --key KEY -- ARGS`
    inside the bundle's rootfs, with the mounts the runtime makes (the
    sources the edited config.json names): the enforcer checks each rule's
    object against what the hook judged, so it must see the container's
    files, not the host's. Returns a CompletedProcess (text)."""
    return _in_container(bundle, cid, key, args, timeout=timeout)


class ContainerRun:
    def __init__(self):
        self.hook_rc = None
        self.hook_stderr = ""
        self.enforcer = None  # CompletedProcess: the enforcer and the command


def hook_then_enforcer(policy_path, cid, bundle, key, args, out_dir, hook_env=None, timeout=20):
    """The createRuntime hook, then the enforcer running ARGS, in one
    simulated container (the hook sees what the enforcer will see: /proc and
    /dev as the runtime mounts them). The enforcer runs whatever the hook
    left, even when the hook failed or was killed."""
    os.makedirs(out_dir, exist_ok=True)
    hook = [t.binary(), "hook", "--policy", policy_path, "--stage", "createRuntime"]
    res = ContainerRun()
    res.enforcer = _in_container(bundle, cid, key, args, hook=hook, hook_env=hook_env, out=out_dir,
                                 timeout=timeout)
    try:
        with open(os.path.join(out_dir, "hook.rc")) as f:
            res.hook_rc = int(f.read().strip())
        with open(os.path.join(out_dir, "hook.stderr"), errors="replace") as f:
            res.hook_stderr = f.read()
    except (OSError, ValueError):
        pass
    print("  hook exit %s, stderr: %s" % (res.hook_rc, res.hook_stderr.strip()[:1000]))
    return res


def direct(sub, bundle, policy_path, cid, extra_env=None):
    """`inject --id` (the shim's key), then the hook at createRuntime timed
    alone (the runtime's mounts simulated: hook_in_runtime), then poststop:
    no runtime, so the hook sees the rootfs exactly as the image has it (no
    tmpfs over /dev, no /proc mount)."""
    out = Outcome()
    r = t.run([t.binary(), "inject", "--bundle", bundle, "--id", cid,
               "--hook-arg=--policy", "--hook-arg=" + policy_path])
    t.check(r.returncode == 0, cid + ": inject exits 0")
    r, dt = hook_in_runtime(policy_path, cid, bundle, extra_env)
    out.step_s = dt
    if r is not None:
        out.rc, out.stdout, out.stderr = r.returncode, r.stdout, r.stderr
    out.effective = read_effective(cid)
    run_hook(policy_path, "poststop", state_json(cid, bundle, status="stopped"), extra_env)
    out.events = t.log_events(os.path.join(sub, "hook.log"))
    return out


def granted_paths(eff):
    """The paths the effective policy grants anything on (its filesystem
    entries; skipped and noted paths are not grants)."""
    return {e.get("path") for e in (eff or {}).get("filesystem", [])}


def changes_for(eff, path):
    return [c for c in (eff or {}).get("changes", []) if c.get("path") == path]


def tree_snapshot(root):
    """Type, size, mtime and content of everything under root (no symlink
    followed): a host canary."""
    snap = {}
    st = os.lstat(root)
    snap["."] = ("d", st.st_mtime_ns, sorted(os.listdir(root)))
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.islink(p):
                snap[rel] = ("l", os.readlink(p))
            elif os.path.isdir(p):
                snap[rel] = ("d", st.st_mtime_ns, sorted(os.listdir(p)))
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    snap[rel] = ("f", st.st_size, st.st_mtime_ns, f.read())
            else:  # a device node or FIFO: never opened
                snap[rel] = ("n", st.st_mode, st.st_rdev, st.st_mtime_ns)
    return snap


def dir_snapshot(path):
    """Mode, size and mtime of each entry of one directory (none followed)."""
    out = {}
    for n in sorted(os.listdir(path)):
        st = os.lstat(os.path.join(path, n))
        out[n] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def refused(label, r, *needles):
    """Exit 1 (never a signal), each needle on stderr, a short error."""
    t.check(r is not None and r.returncode == 1,
            label + ": exit 1 (got %s)" % (None if r is None else r.returncode))
    err = "" if r is None else r.stderr
    for n in needles:
        t.check(n in err, label + ": stderr names " + repr(n))
    t.check(len(err) < 4096, label + ": the error is short (%d bytes)" % len(err))


def host_files_snapshot(paths):
    out = {}
    for p in paths:
        try:
            st = os.lstat(p)
            out[p] = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError as e:
            out[p] = ("missing", e.errno)
    return out


# In every container id of this run: another run of the same test (from
# another build directory) must not count as ours.
RUN_TOKEN = uuid.uuid4().hex[:8]


def unique_id(tag):
    return t.unique_id(tag + "-" + RUN_TOKEN)


def foreign_entry(name):
    """An entry another test may make at the same time (other build
    directories): an "osh-..." id of another run, or a 64-hex engine id
    (podman's containers). Ours are "osh-...-RUN_TOKEN-..." or "p-..." keys."""
    if name.startswith("osh-"):
        return RUN_TOKEN not in name
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def stray_entries(before):
    """Entries of /run/oci-sandbox that appeared since `before` and may be
    ours."""
    new = run_root_entries() - before
    return sorted(n for n in new if not foreign_entry(n))


def run_root_entries():
    try:
        return set(os.listdir(t.RUN_ROOT))
    except FileNotFoundError:
        return set()


DEEP_CHAINS = []


def deep_chain(base, depth, name="d"):
    """base/d/d/... depth levels, made through directory fds (the path is far
    longer than PATH_MAX). base is a small tmpfs of its own where we can
    mount one: rmdir on ext4 takes milliseconds a level under load, and the
    whole tmpfs goes with one umount."""
    os.makedirs(base, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "osh-deep", base],
                             capture_output=True).returncode == 0
    DEEP_CHAINS.append((base, mounted))
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
    finally:
        os.close(fd)


def remove_tree(path):
    """rm -rf (which copes with trees deeper than Python's recursion
    limit), after unmounting the tmpfs of any deep chain under path."""
    for base, mounted in list(DEEP_CHAINS):
        if base == path or base.startswith(path.rstrip("/") + "/"):
            if mounted:
                subprocess.run(["umount", "-l", base], check=False)
            DEEP_CHAINS.remove((base, mounted))
    subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)
