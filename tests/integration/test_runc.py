#!/usr/bin/env python3
"""End to end under runc through the runtime shim (oci-sandbox-hook runtime /
oci-sandbox-runtime): confinement, the fake-GPU container, the same container
without GPU devices, NVIDIA legacy mode (a prestart hook adds /dev/nvidia0
without declaring it), cleanup at poststop, and pass-through of other
commands."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox")
# Hooks run with an empty environment: use a real interpreter, not a shim.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def run_container(workdir, tag, args, gpu=False, devices_allow=(), edit=None, use_name=False):
    cid = t.unique_id(tag)
    sub, bundle, _, rtcfg = t.prepare_case(
        workdir, tag, args, "runc", gpu=gpu, devices_allow=devices_allow, edit_config=edit)
    runc_root = os.path.join(sub, "runc-root")
    if use_name:
        shim = os.path.join(sub, "oci-sandbox-runtime")
        os.symlink(t.binary(), shim)
        cmd = [shim]
    else:
        cmd = [t.binary(), "runtime"]
    cmd += ["--root", runc_root, "run", "--bundle", bundle, cid]
    try:
        r = t.run(cmd, env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg})
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    cfg = t.read_config(bundle)
    t.check(cfg["process"]["args"][:2] == ["/.oci-sandbox/oci-sandbox-hook", "exec"],
            tag + ": the shim prefixed process.args with the enforcer")
    t.check(t.plan_dir_gone(cid), tag + ": poststop removed /run/oci-sandbox/" + cid)
    return r, t.results(r.stdout), os.path.join(sub, "hook.log")


with t.Workdir() as w:
    probe = ["/bin/osh-probe"] + t.CONFINED_CHECKS + ["comm", "open:/dev/nvidia0"]

    r, res, log = run_container(w, "plain", probe)
    t.check(r.returncode == 0, "plain: runc run exits 0")
    t.check_confined(res, "plain")
    t.check(res.get("comm") == "EACCES", "plain: no GPU: /proc stays read-only, renaming a thread fails")
    t.check(res.get("open:/dev/nvidia0") == "ENOENT", "plain: no GPU node")
    ev = t.log_events(log)
    t.check(any(e.get("decision") == "planned" and e.get("gpu") == "false" for e in ev),
            "plain: the hook logged its plan (gpu false)")
    t.check(any(e.get("stage") == "poststop" and e.get("decision") == "cleaned" for e in ev),
            "plain: the poststop hook logged its cleanup")

    gprobe = probe + ["open:/dev/nvidiactl", "open:/dev/nvidia-uvm"]
    r, res, log = run_container(w, "gpu", gprobe, gpu=True, use_name=True)
    t.check(r.returncode == 0, "gpu (shim called as oci-sandbox-runtime): runc run exits 0")
    t.check_confined(res, "gpu")
    for node in ("/dev/nvidia0", "/dev/nvidiactl"):
        t.check(res.get("open:" + node) == "ENXIO", "gpu: open " + node + " gives ENXIO (allowed by Landlock)")
    # nvidia-uvm's major is dynamic: it counts only as the host's /proc/devices
    # registers it, and this host has no NVIDIA driver: the fake node (511:0)
    # is not an accelerator node, so it gets no right.
    if "nvidia-uvm" not in open("/proc/devices").read():
        t.check(res.get("open:/dev/nvidia-uvm") == "EACCES",
                "gpu: the fake /dev/nvidia-uvm (511:0, no nvidia-uvm driver on this host) is denied (EACCES)")
    t.check(res.get("comm") == "OK", "gpu: renaming another thread works (CUDA's /proc write)")
    t.check(any(e.get("decision") == "planned" and e.get("gpu") == "true" for e in t.log_events(log)),
            "gpu: the hook logged gpu true")

    hook = os.path.join(os.path.dirname(os.path.abspath(__file__)), "legacy_prestart_hook.py")

    def add_legacy_hook(cfg):
        cfg.setdefault("hooks", {}).setdefault("prestart", []).append(
            {"path": PYTHON, "args": ["python3", hook]})

    r, res, log = run_container(w, "legacy", probe, devices_allow=[(195, 0)], edit=add_legacy_hook)
    t.check(r.returncode == 0, "legacy: runc run exits 0")
    t.check(res.get("open:/dev/nvidia0") == "ENXIO",
            "legacy: /dev/nvidia0 made by a prestart hook is detected and allowed (ENXIO)")
    t.check(res.get("comm") == "OK", "legacy: /proc write granted for the detected GPU")
    t.check(any(e.get("decision") == "planned" and e.get("gpu") == "true" for e in t.log_events(log)),
            "legacy: the hook saw the node in the live /dev")

    # inject --bundle --id, then plain runc: the same edit without the shim;
    # a second inject changes nothing.
    sub = os.path.join(w, "inject")
    os.makedirs(sub)
    bundle = t.make_bundle(sub, probe)
    pol = t.default_policy()
    pol["log"]["path"] = os.path.join(sub, "hook.log")
    policy_path = t.write_policy(sub, pol)
    cid = t.unique_id("inject")
    inject = [t.binary(), "inject", "--bundle", bundle, "--id", cid, "--hook-arg=--policy", "--hook-arg=" + policy_path]
    r = t.run(inject)
    t.check(r.returncode == 0, "inject: exits 0")
    with open(os.path.join(bundle, "config.json")) as f:
        first = f.read()
    r = t.run(inject)
    with open(os.path.join(bundle, "config.json")) as f:
        t.check(r.returncode == 0 and f.read() == first, "inject: a second edit changes nothing")
    runc_root = os.path.join(sub, "runc-root")
    try:
        r = t.run(["runc", "--root", runc_root, "run", "--bundle", bundle, cid])
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(r.returncode == 0, "inject + runc: exits 0")
    t.check_confined(t.results(r.stdout), "inject + runc")
    t.check(t.plan_dir_gone(cid), "inject + runc: poststop removed the plan directory")

    r = t.run([t.binary(), "runtime", "--version"],
              env={"OCI_SANDBOX_RUNTIME_CONFIG": t.write_runtime_config(w, "runc", "/nonexistent")})
    t.check(r.returncode == 0 and "runc version" in r.stdout, "other commands pass through to runc untouched")

t.finish()
