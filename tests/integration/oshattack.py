"""Shared parts of the attack tests (test_guarantee_*.py): one hostile
container, end to end through the shim (`oci-sandbox-hook runtime`) under runc
or crun, with what the workload, the runtime, the hook log and the host log
said about it.

A case is a directory under the test's workdir with a busybox bundle (made by
oshtest.prepare_case), its policy (logging to <case>/hook.log), the shim's
runtime config and the runtime's state root. The container id carries this
run's token (oshdrive.unique_id), so a host-log event can be told from other
runs' events."""
import json
import os
import subprocess
import time

import oshtest as t
import oshdrive as d

CRUN_WRAP, RUNTIMES = t.CRUN_WRAP, t.RUNTIMES
if "crun" not in RUNTIMES:
    print("note: crun (or unshare) is not installed: the crun cases are left out")

# Where the shim and the spec edit log (not the policy's log: they run before
# any policy is read).
HOST_LOG = "/var/log/oci-sandbox-hook.log"

# The one-line summary the enforcer prints on stderr whenever anything is
# dropped, at any log level.
SUMMARY = "oci-sandbox-hook: sandbox "

# The exit status of `run` when our createRuntime hook refuses the container
# (runc reports the hook's failure as 1, crun as 255); podman's is 126.
HOOK_REFUSED = {"runc": 1, "crun": 255, "podman": 126}

# Printed by workloads that must never run.
RAN = "osh-workload-ran"

# What a confined process answers, whoever runs it: the filter (Seccomp 2,
# setns -> EPERM where the kernel alone says EBADF), no_new_privs, Landlock
# (/etc, writable by root's permission bits, denied), the policy's /tmp.
CONFINED = ["status", "setns_badfd", "write:/etc/osh-denied", "write:/tmp/osh-allowed"]


def check_confined(res, label, etc="EACCES", tmp="OK"):
    t.check(res.get("Seccomp") == "2", label + ": Seccomp: 2 (our filter is loaded)")
    t.check(res.get("NoNewPrivs") == "1", label + ": NoNewPrivs: 1")
    t.check(res.get("setns_badfd") == "EPERM",
            label + ": setns(-1) gives EPERM from the filter (the kernel alone says EBADF; got %s)"
            % res.get("setns_badfd"))
    t.check(res.get("write:/etc/osh-denied") == etc,
            label + ": writing /etc gives %s (got %s)" % (etc, res.get("write:/etc/osh-denied")))
    t.check(res.get("write:/tmp/osh-allowed") == tmp,
            label + ": writing /tmp gives %s (got %s)" % (tmp, res.get("write:/tmp/osh-allowed")))


class Outcome:
    def __init__(self, r, events):
        self.rc = r.returncode
        self.stdout = r.stdout
        self.stderr = r.stderr
        self.res = t.results(r.stdout)
        self.events = events


class Case:
    """One container's files; `edit_rootfs(rootfs)` makes the image hostile."""

    def __init__(self, w, tag, args, runtime="runc", gpu=False, devices_allow=(),
                 edit_config=None, edit_policy=None, edit_rootfs=None):
        self.tag = tag
        self.runtime = runtime
        self.cid = d.unique_id(tag)
        self.sub, self.bundle, self.policy_path, self.rtcfg = t.prepare_case(
            w, tag, args, runtime, gpu=gpu, devices_allow=devices_allow,
            edit_config=edit_config, edit_policy=edit_policy)
        self.rootfs = os.path.join(self.bundle, "rootfs")
        self.state_root = os.path.join(self.sub, runtime + "-root")
        self.log = os.path.join(self.sub, "hook.log")
        if edit_rootfs:
            edit_rootfs(self.rootfs)

    # The runtime's global options, and the wrapper it needs here.
    def _wrap(self):
        return CRUN_WRAP if self.runtime == "crun" else []

    def runtime_options(self):
        """The runtime's own global options here, before any a test spells."""
        return ["--cgroup-manager=disabled"] if self.runtime == "crun" else []

    def _globals(self):
        return self.runtime_options() + ["--root", self.state_root]

    def shim(self, *args, timeout=60, **kw):
        """`oci-sandbox-hook runtime GLOBALS ARGS...` with this case's runtime config."""
        return t.run(self._wrap() + [t.binary(), "runtime"] + self._globals() + list(args),
                     env={"OCI_SANDBOX_RUNTIME_CONFIG": self.rtcfg}, timeout=timeout, **kw)

    def direct(self, *args, timeout=60, **kw):
        """The next runtime itself, without the shim."""
        return t.run(self._wrap() + [self.runtime] + self._globals() + list(args), timeout=timeout, **kw)

    def events(self):
        return t.log_events(self.log)

    def run(self):
        """`runtime run`, then delete (poststop)."""
        try:
            r = self.shim("run", "--bundle", self.bundle, self.cid)
        finally:
            self.direct("delete", "-f", self.cid)
        return Outcome(r, self.events())

    def create_detached(self):
        """`runtime create` with the container's stdio on files (see
        start_detached); `runtime start` later runs the workload."""
        return self._to_files(["create", "--bundle", self.bundle, self.cid])

    def wait_stopped(self, seconds=20):
        return wait_for(lambda: self.state().get("status") == "stopped", seconds)

    def _to_files(self, args, shim=True):
        self.out_path = os.path.join(self.sub, "container.out")
        self.err_path = os.path.join(self.sub, "container.err")
        cmd = self._wrap() + ([t.binary(), "runtime"] if shim else [self.runtime]) + self._globals() + args
        print("$ " + " ".join(cmd))
        env = dict(os.environ, OCI_SANDBOX_RUNTIME_CONFIG=self.rtcfg)
        with open(self.out_path, "w") as o, open(self.err_path, "w") as e:
            r = subprocess.run(cmd, env=env, stdout=o, stderr=e, stdin=subprocess.DEVNULL, timeout=60)
        print("  exit %d" % r.returncode)
        return r

    def start_detached(self):
        """`runtime run -d`: the container's stdio go to files in the case
        directory (a pipe would be held open by the container)."""
        return self._to_files(["run", "-d", "--bundle", self.bundle, self.cid])

    def start_detached_unconfined(self):
        """`run -d` by the runtime itself: no spec edit, no hook."""
        return self._to_files(["run", "-d", "--bundle", self.bundle, self.cid], shim=False)

    def container_output(self):
        with open(self.out_path) as o, open(self.err_path) as e:
            return o.read(), e.read()

    def state(self):
        r = self.direct("state", self.cid)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return {}

    def delete(self):
        self.direct("delete", "-f", self.cid)

    def plan_dir(self):
        return os.path.join(t.RUN_ROOT, self.cid)


def events_of(events, **fields):
    """The events whose fields equal `fields`."""
    return [e for e in events if all(e.get(k) == v for k, v in fields.items())]


def planned(events):
    ev = events_of(events, decision="planned")
    return ev[-1] if ev else {}


def host_log_events(cid=None, since=0):
    """Events of the host log (the shim's and the spec edit's), from byte
    offset `since`, about container `cid` when given."""
    try:
        with open(HOST_LOG, "rb") as f:  # another writer's line may not be UTF-8
            f.seek(since)
            lines = f.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if cid is None or e.get("container_id") == cid or cid in e.get("message", ""):
            out.append(e)
    return out


def host_log_size():
    try:
        return os.path.getsize(HOST_LOG)
    except FileNotFoundError:
        return 0


def summary_line(stderr):
    """The enforcer's one-line summary, or ""."""
    for line in stderr.splitlines():
        if line.startswith(SUMMARY):
            return line
    return ""


def final_exec_event(stderr):
    """The enforcer's final event (decision exec) from the container's stderr."""
    for line in stderr.splitlines():
        if line.startswith("{"):
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("component") == "exec" and e.get("decision") == "exec":
                return e
    return {}


def chain(*edits):
    """One edit that applies each of `edits` in turn (None: skipped)."""
    def edit(x):
        for e in edits:
            if e:
                e(x)
    return edit


def wait_for(pred, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def symlink(rootfs, path, target):
    """Replaces `path` in the image by a symlink to `target`."""
    p = os.path.join(rootfs, path.lstrip("/"))
    if os.path.islink(p) or os.path.isfile(p):
        os.unlink(p)
    elif os.path.isdir(p):
        subprocess.run(["rm", "-rf", "--one-file-system", p], check=True)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.symlink(target, p)
