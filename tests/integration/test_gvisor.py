#!/usr/bin/env python3
"""End to end with gVisor (runsc from Debian 12, ptrace platform, no network)
as the shim's next runtime: the caller runs `oci-sandbox-runtime
--platform=ptrace --network=none --root R run --bundle B ID`, the shim edits
the bundle and execs runsc with the same arguments (runsc's own flags pass
through, as Docker's runtimeArgs would pass them). runsc runs our
createRuntime and poststop hooks on the host; the workload runs on gVisor's
kernel, which has no Landlock (ENOSYS) but loads seccomp filters.

- plain runsc (no shim): klogctl works (gVisor's kernel allows it), writing
  /etc works: the baseline;
- the shipped named policy for gVisor nodes (packaging/policies.d/gvisor.json:
  landlock_unavailable warn), selected by the annotation oci-sandbox/policy:
  the workload runs, its enforcer says partially_enforced (not enforced:
  landlock) on stderr, the seccomp filter is in force (klogctl and chroot:
  EPERM), the plan is read-only; the hook's event says status unverified and
  rootfs_view bundle (it cannot see gVisor's kernel or mounts); poststop gets
  pid -1 from runsc and removes the plan directory; the same id runs again;
- the default policy (everything strict): refused by the enforcer
  (landlock_unavailable, exit 125), the workload never runs, no plan
  directory and no runsc state left;
- nothing of runsc left running or mounted."""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import engines as e  # noqa: E402

t.need_root_and("runsc", "runc", "busybox")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
RUNSC_FLAGS = ["--platform=ptrace", "--network=none"]
PROBE = ["/bin/osh-probe"] + t.CONFINED_CHECKS + ["syslog"]
GVISOR_POLICY = os.path.join(os.environ.get("OSH_SOURCE_ROOT", ""), "packaging", "policies.d", "gvisor.json")


def runsc_state_ids(root):
    r = t.run(["runsc", "--root", root, "list", "--quiet"])
    return r.stdout.split()


def run_shim(sub, bundle, rtcfg, cid):
    root = os.path.join(sub, "runsc-root")
    try:
        # stdin from /dev/null; stdout and stderr are pipes (runsc writes a
        # regular-file stdout at its own offsets).
        return t.run([t.binary(), "runtime", "--root", root] + RUNSC_FLAGS +
                     ["run", "--bundle", bundle, cid], env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg},
                     stdin=open(os.devnull), timeout=90)
    finally:
        if cid in runsc_state_ids(root):
            t.run(["runsc", "--root", root, "delete", "--force", cid])


def add_state_dump(path):
    """A poststop hook of the test's own, before ours: it keeps the state
    runsc passes (to show the pid it gives)."""
    def edit(cfg):
        cfg.setdefault("hooks", {}).setdefault("poststop", []).append(
            {"path": PYTHON, "args": ["python3", "-c",
                                      "import sys; open(%r, 'w').write(sys.stdin.read())" % path]})
    return edit


def main(w):
    # Baseline: plain runsc, nothing of ours.
    sub = os.path.join(w, "plain")
    os.makedirs(sub)
    bundle = t.make_bundle(sub, PROBE)
    r = t.run(["runsc", "--root", os.path.join(sub, "runsc-root")] + RUNSC_FLAGS +
              ["run", "--bundle", bundle, t.unique_id("gvisor-plain")], stdin=open(os.devnull), timeout=90)
    if r.returncode != 0 and not r.stdout.strip():
        return "runsc cannot run a container here: " + r.stderr.strip()[-300:]
    plain = t.results(r.stdout)
    t.check(plain.get("syslog") == "OK", "plain runsc: klogctl works under gVisor's kernel (baseline)")
    t.check(plain.get("write:/etc/osh-denied") == "OK", "plain runsc: writing /etc works (baseline)")

    # The named policy for gVisor nodes, selected by the annotation.
    with open(GVISOR_POLICY) as f:
        gvisor = json.load(f)
    t.check(gvisor["failure"]["kinds"].get("landlock_unavailable") == "warn",
            "the shipped gvisor.json sets landlock_unavailable to warn")
    cid = t.unique_id("gvisor")
    dump = os.path.join(w, "poststop-state.json")

    def select_gvisor(cfg):
        cfg.setdefault("annotations", {})["oci-sandbox/policy"] = "gvisor"
        add_state_dump(dump)(cfg)

    def selectable(pol):
        pol["selectable"] = ["gvisor"]

    sub, bundle, main_policy, _ = t.prepare_case(w, "warn", PROBE, "runsc", edit_config=select_gvisor,
                                                 edit_policy=selectable)
    policies = os.path.join(sub, "policies.d")
    os.makedirs(policies)
    log = os.path.join(sub, "hook.log")
    gvisor["log"]["path"] = log
    t.write_policy(policies, gvisor, "gvisor.json")
    rtcfg = os.path.join(sub, "runtime-gvisor.json")
    with open(rtcfg, "w") as f:
        json.dump({"next_runtime": "runsc", "hook_args": ["--policy", main_policy, "--policies-dir", policies]}, f)

    for attempt in ("first run", "same id again"):
        if os.path.exists(dump):
            os.remove(dump)
        open(log, "w").close()
        r = run_shim(sub, bundle, rtcfg, cid)
        res = t.results(r.stdout)
        label = "gvisor policy (" + attempt + ")"
        t.check(r.returncode == 0, label + ": runs, exit 0")
        t.check(res.get("syslog") == "EPERM" and res.get("chroot") == "EPERM",
                label + ": the seccomp filter is in force (klogctl and chroot: EPERM)")
        t.check(res.get("write:/etc/osh-denied") == "OK",
                label + ": no Landlock under gVisor: writing /etc works, and is reported below")
        t.check(res.get("write:/.oci-sandbox/plan/osh-denied") == "EROFS", label + ": the plan is read-only")
        final = [json.loads(ln) for ln in r.stderr.splitlines() if ln.startswith("{") and '"status"' in ln]
        t.check(len(final) == 1 and final[0].get("status") == "partially_enforced"
                and final[0].get("dropped") == "landlock" and final[0].get("seccomp") == "loaded"
                and final[0].get("landlock") == "not applied",
                label + ": the enforcer's final event: partially_enforced, dropped landlock, seccomp loaded")
        t.check("oci-sandbox-hook: sandbox partially_enforced; not enforced: landlock" in r.stderr,
                label + ": stderr says what is not enforced")
        ev = t.log_events(log)
        planned = [x for x in ev if x.get("decision") == "planned"]
        t.check(len(planned) == 1 and "policy " + os.path.join(policies, "gvisor.json") in planned[0]["message"],
                label + ": the hook planned it with the named policy gvisor")
        t.check(len(planned) == 1 and planned[0].get("status") == "unverified"
                and planned[0].get("rootfs_view") == "bundle (no live view of the container)"
                and "bundle's /dev" in planned[0].get("gpu_reason", ""),
                label + ": the hook's event: status unverified, rootfs and /dev from the bundle")
        t.check(any(x.get("stage") == "poststop" and x.get("decision") == "cleaned" for x in ev),
                label + ": poststop logged its cleanup")
        t.check(t.plan_dir_gone_within(cid), label + ": the plan directory is gone")
        if os.path.exists(dump):
            with open(dump) as f:
                state = json.load(f)
            t.check(state.get("pid") == -1 and state.get("status") == "stopped",
                    label + ": runsc's poststop state has pid -1 (status %s, pid %s)"
                    % (state.get("status"), state.get("pid")))
        else:
            t.check(False, label + ": the test's poststop hook ran")

    # The default policy: everything strict.
    sub, bundle, _, rtcfg = t.prepare_case(w, "strict", ["/bin/echo", "osh-workload-ran"], "runsc")
    cid = t.unique_id("gvisor-strict")
    r = run_shim(sub, bundle, rtcfg, cid)
    t.check(r.returncode == 125, "strict: refused (exit 125, got %d)" % r.returncode)
    t.check("osh-workload-ran" not in r.stdout, "strict: the workload never ran")
    t.check("landlock_unavailable (strict)" in r.stderr, "strict: the enforcer names landlock_unavailable")
    t.check(t.plan_dir_gone_within(cid), "strict: no plan directory left in " + t.RUN_ROOT)
    t.check(cid not in runsc_state_ids(os.path.join(sub, "runsc-root")), "strict: no runsc container left")
    return None


with t.Workdir() as w:
    why = main(w)
    time.sleep(0.5)
    leftovers, mounts = e.pids_mentioning(w), e.mounts_under(w)
    e.kill_pids(leftovers)
    e.unmount_under(w)
    if why:
        t.skip(why)
    t.check(leftovers == [], "no runsc process left running")
    t.check(mounts == [], "no mount left under " + w)
t.finish()
