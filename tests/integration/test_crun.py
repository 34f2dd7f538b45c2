#!/usr/bin/env python3
"""End to end under crun through the runtime shim. crun 1.8.1 refuses this
machine's hybrid cgroup layout, so the runtime runs in a private mount
namespace (`unshare -m`) where /sys/fs/cgroup is replaced by a plain cgroup2
mount, with `crun --cgroup-manager=disabled` (a global flag the shim passes
through untouched)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("crun", "runc", "busybox", "unshare")

WRAP = t.CRUN_WRAP  # a private mount namespace with a cgroup2 /sys/fs/cgroup


def run_container(workdir, tag, args, gpu=False):
    cid = t.unique_id(tag)
    sub, bundle, _, rtcfg = t.prepare_case(workdir, tag, args, "crun", gpu=gpu)
    crun_root = os.path.join(sub, "crun-root")
    env = {"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg}
    cmd = WRAP + [t.binary(), "runtime", "--cgroup-manager=disabled", "--root", crun_root,
                  "run", "--bundle", bundle, cid]
    try:
        r = t.run(cmd, env=env)
    finally:
        t.run(WRAP + ["crun", "--cgroup-manager=disabled", "--root", crun_root, "delete", "-f", cid])
    t.check(t.plan_dir_gone(cid), tag + ": poststop removed /run/oci-sandbox/" + cid)
    return r, t.results(r.stdout), os.path.join(sub, "hook.log")


with t.Workdir() as w:
    probe = ["/bin/osh-probe"] + t.CONFINED_CHECKS + ["comm", "open:/dev/nvidia0"]
    r, res, log = run_container(w, "crun-plain", probe)
    t.check(r.returncode == 0, "crun plain: exits 0")
    t.check_confined(res, "crun plain")
    t.check(res.get("comm") == "EACCES", "crun plain: no GPU: renaming a thread fails")

    r, res, log = run_container(w, "crun-gpu", probe, gpu=True)
    t.check(r.returncode == 0, "crun gpu: exits 0")
    t.check_confined(res, "crun gpu")
    t.check(res.get("open:/dev/nvidia0") == "ENXIO", "crun gpu: open /dev/nvidia0 gives ENXIO")
    t.check(res.get("comm") == "OK", "crun gpu: renaming another thread works")
    ev = t.log_events(log)
    t.check(any(e.get("decision") == "planned" and e.get("gpu") == "true" for e in ev),
            "crun gpu: the hook logged gpu true")

t.finish()
