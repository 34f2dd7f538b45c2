#!/usr/bin/env python3
"""End to end against the INSTALLED package only (run by deb_test.sh after
`dpkg -i` and `oci-sandbox-hook setup podman`): /usr/bin/oci-sandbox-hook,
the podman precreate file as installed in the podman-only
/usr/share/oci-sandbox-hook/podman-hooks.d/ and wired by setup's
containers.conf.d drop-in, /etc/oci-sandbox/policy.json and
runtime.json, the oci-sandbox-runtime link. No file of the build tree is used
except the static probe copied INTO the container's rootfs (OSH_PROBE); PATH
has no build directory.

podman here: --runtime runc (crun 1.8.1 refuses this machine's hybrid cgroup
layout), --cgroup-manager cgroupfs, --network none, ulimits at or under the
hard limits (as tests/integration/test_podman.py)."""
import json
import os
import resource
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import oshtest as t  # noqa: E402

BIN = "/usr/bin/oci-sandbox-hook"
SHIM = "/usr/bin/oci-sandbox-runtime"
HOOKS_D = "/usr/share/oci-sandbox-hook/podman-hooks.d"
DROPIN = "/etc/containers/containers.conf.d/50-oci-sandbox.conf"
LOG = "/var/log/oci-sandbox-hook.log"

os.environ["OSH_BINARY"] = BIN
t.need_root_and("podman", "runc")
for p in os.environ["PATH"].split(":"):
    t.check(not p.startswith(os.environ.get("OSH_BUILD_ROOT", "/nonexistent")) and "/build" not in p,
            "PATH entry %s is not a build directory" % p)
t.check(os.path.realpath(SHIM) == BIN, "oci-sandbox-runtime resolves to " + BIN)
with open(os.path.join(HOOKS_D, "oci-sandbox-precreate.json")) as f:
    hook = json.load(f)
t.check(hook["hook"]["path"] == BIN and os.access(BIN, os.X_OK),
        "the installed hooks.d file names the installed binary")
t.check(os.path.exists(DROPIN), "setup podman wrote " + DROPIN)
r = t.run([BIN, "doctor"])
t.check("podman: wired" in r.stdout, "doctor sees podman wired: " + r.stdout[-300:])
r = t.run([BIN, "check-policy", "/etc/oci-sandbox/policy.json"])
t.check(r.returncode == 0, "the installed policy is valid")
r = t.run([BIN, "probe"])
t.check(r.returncode == 0 and "landlock" in r.stdout.lower(), "the installed binary's probe runs")


def limit(which):
    hard = resource.getrlimit(which)[1]
    return 1024 if hard == resource.RLIM_INFINITY else min(hard, 1024)


nofile, nproc = limit(resource.RLIMIT_NOFILE), limit(resource.RLIMIT_NPROC)


def log_offset():
    return os.path.getsize(LOG) if os.path.exists(LOG) else 0


def events_since(off):
    if not os.path.exists(LOG):
        return []
    with open(LOG) as f:
        f.seek(off)
        return [json.loads(line) for line in f if line.strip()]


def podman(label, global_args, rootfs, args):
    name = t.unique_id(label)
    cmd = ["podman", "--cgroup-manager", "cgroupfs"] + global_args + [
        "run", "--rm", "--name", name, "--network", "none",
        "--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=%d:%d" % (nproc, nproc),
        "--rootfs", rootfs] + args
    try:
        return t.run(cmd, timeout=180)
    finally:
        t.run(["podman", "rm", "-f", "--ignore", name])


# 1. podman as setup wired it (the drop-in's hooks_dir, no --hooks-dir), the
#    installed precreate hook and policy (no --policy).
with t.Workdir() as w:
    rootfs = os.path.join(w, "rootfs")
    t.make_rootfs(rootfs)
    off = log_offset()
    r = podman("pkg-precreate", ["--runtime", "runc"], rootfs,
               ["/bin/osh-probe"] + t.CONFINED_CHECKS)
    t.check(r.returncode == 0, "installed precreate: podman run exits 0")
    t.check_confined(t.results(r.stdout), "installed precreate")
    planned = [e for e in events_since(off) if e.get("decision") == "planned"]
    t.check(len(planned) == 1, "installed precreate: the hook logged its plan to " + LOG)

# 2. podman --runtime oci-sandbox-runtime (the shim; next runtime from the
#    installed /etc/oci-sandbox/runtime.json), no hooks.d.
with t.Workdir() as w:
    rootfs = os.path.join(w, "rootfs")
    t.make_rootfs(rootfs)
    empty = os.path.join(w, "no-hooks")
    os.makedirs(empty)
    off = log_offset()
    r = podman("pkg-shim", ["--runtime", SHIM, "--hooks-dir", empty], rootfs,
               ["/bin/osh-probe"] + t.CONFINED_CHECKS)
    t.check(r.returncode == 0, "installed shim: podman --runtime oci-sandbox-runtime exits 0")
    t.check_confined(t.results(r.stdout), "installed shim")
    planned = [e for e in events_since(off) if e.get("decision") == "planned"]
    t.check(len(planned) == 1, "installed shim: the hook logged its plan to " + LOG)

# 3. explain with the installed policy on a bundle-like config.
with t.Workdir() as w:
    bundle = t.make_bundle(w, ["/bin/true"], gpu=True)
    r = t.run([BIN, "explain", "--bundle", bundle, "--format", "json"])
    t.check(r.returncode == 0, "installed explain: exits 0 with /etc/oci-sandbox/policy.json")

t.finish()
