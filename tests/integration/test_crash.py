#!/usr/bin/env python3
"""Crash safety of the spec edit and the plan write (runc, SIGKILL at named
test points; needs a -Dtest_hooks=true build).

1. The shim (`oci-sandbox-hook runtime create`) killed at every step of its
   edit (the points listed in src/util/test_point.hpp): config.json is then
   byte-identical either to the original or to the complete edit (the same
   edit `inject` makes, with the edit key the plan directory's `edit` file
   holds), never anything else. The plan directory, once made, holds only
   `edit`. Killed before config.json was replaced, a retry of the same id is
   refused (the directory is bound to the killed edit's key) until the
   caller's cleanup `delete` through the shim, as an engine does after a
   failed create, removes the unused directory; then the same command
   without the point on the same bundle succeeds (an edited bundle keeps
   its keys: the edit is idempotent) and the container runs confined.
2. The same, killing the shim with SIGKILL after a random 0-5 ms, 20 times.
3. The hook killed inside its plan write, driven directly (state on stdin,
   the runtime's mounts simulated in a mount namespace: oshdrive) and under
   runc: the plan directory never holds a plan.json the enforcer could take,
   the enforcer refuses it even with the right --key (125, plan_missing),
   and no workload starts.

Leftovers: write_atomic writes ".NAME.tmp.<random>" next to NAME and renames
it over NAME, so a kill between creating and renaming the temp file leaves
that one file behind (holding a prefix of the new content: a SIGKILL stops
write(2) between pages). Nothing
removes it later: in the bundle it is harmless (runtimes read only
config.json; it is outside the rootfs, so no container sees it; it holds at
most our own edit of the spec; a later edit picks a fresh random name with
O_EXCL, so it never collides). In a plan directory the poststop hook's
cleanup removes every entry. This test asserts exactly that: at most that
one temp file, and only when killed between create and rename."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshdrive as drive  # noqa: E402

if os.environ.get("OSH_TEST_HOOKS") != "1":
    t.skip("needs a build with -Dtest_hooks=true (OSH_TEST_HOOKS is %r): the SIGKILL test points "
           "are compiled out" % os.environ.get("OSH_TEST_HOOKS"))
t.need_root_and("runc", "busybox")

REACHED = "test point reached"
PLAN_MOUNT = "/.oci-sandbox/plan"
EDIT_KEY = re.compile(r"[0-9a-f]{32}")
# (point, what config.json must be after the kill, temp files left in the bundle)
SHIM_POINTS = [
    ("prepare.config_read", "original", 0),
    ("create_whole.written:edit", "original", 0),
    ("prepare.plan_dir_created", "original", 0),
    ("write_atomic.created:config.json", "original", 1),
    ("write_atomic.written:config.json", "original", 1),
    ("write_atomic.renamed:config.json", "edited", 0),
    ("runtime.before_exec", "edited", 0),
]
# Hook points inside the plan write: killed at any of them, no plan.json.
HOOK_POINTS = [
    "write_atomic.written:owner",
    "write_atomic.written:effective-policy.json",
    "plan.write_begin",
    "write_atomic.created:plan.json",
    "write_atomic.written:plan.json",
]


class Setup:
    """One rootfs, policy and shim config shared by every case (cases run one
    after another); each case gets its own bundle directory."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.sub, bundle, self.policy, self.rtcfg = t.prepare_case(
            workdir, "shared", ["/bin/osh-probe"] + t.CONFINED_CHECKS, "runc")
        self.rootfs = os.path.join(bundle, "rootfs")
        cfg = t.read_config(bundle)
        cfg["root"]["path"] = self.rootfs
        self.original = json.dumps(cfg, indent=2).encode()
        self.n = 0

    def new_case(self, tag, args=None):
        self.n += 1
        d = os.path.join(self.workdir, "%s-%d" % (tag, self.n))
        bundle = os.path.join(d, "bundle")
        os.makedirs(bundle)
        text = self.original
        if args is not None:
            cfg = json.loads(text)
            cfg["process"]["args"] = args
            text = json.dumps(cfg, indent=2).encode()
        with open(os.path.join(bundle, "config.json"), "wb") as f:
            f.write(text)
        return t.unique_id(tag), d, bundle, text

    def reference_edit(self, case_dir, cid, text):
        """What a complete edit of `text` for `cid` is: inject on a copy
        (same binary, same hook args as the shim's runtime config). Every
        edit has a fresh random edit key: the result is a Reference, which
        gives the edit for a given key."""
        ref = os.path.join(case_dir, "reference")
        os.makedirs(ref)
        with open(os.path.join(ref, "config.json"), "wb") as f:
            f.write(text)
        plan_dir = os.path.join(t.RUN_ROOT, cid)
        t.check(not os.path.lexists(plan_dir), "reference edit for %s: no plan directory yet" % cid)
        r = subprocess.run([t.binary(), "inject", "--bundle", ref, "--id", cid,
                            "--hook-arg=--policy", "--hook-arg=" + self.policy],
                           capture_output=True, text=True)
        # Only inject made it, and bound it to its own key: gone, so that the
        # shim's edit can bind it.
        if os.path.isdir(plan_dir):
            t.check(os.listdir(plan_dir) == ["edit"], "reference edit for %s: the plan directory holds only edit" % cid)
            shutil.rmtree(plan_dir)
        t.check(r.returncode == 0, "reference edit for %s: inject exits 0 (%s)" % (cid, r.stderr.strip()))
        with open(os.path.join(ref, "config.json"), "rb") as f:
            out = f.read()
        shutil.rmtree(ref)
        t.check(is_complete_edit(out, cid, self.policy), "reference edit for %s: a complete edit" % cid)
        return Reference(out)


class Reference:
    """A complete edit, byte for byte, but for its edit key."""

    def __init__(self, text):
        self.text = text
        self.key = edit_key_of(text) or ""
        t.check(text.count(self.key.encode()) == 1, "the reference edit holds its edit key once")

    def with_key(self, key):
        return self.text.replace(self.key.encode(), key.encode()) if key else None


def edit_key_of(text):
    """The --key the enforcer prefix of an edited config.json carries."""
    try:
        args = json.loads(text)["process"]["args"]
    except (ValueError, KeyError, TypeError):
        return None
    if args[4:5] == ["--key"] and len(args) > 5 and EDIT_KEY.fullmatch(args[5]):
        return args[5]
    return None


def bundle_key(bundle):
    return edit_key_of(read_bytes(os.path.join(bundle, "config.json"))) or "0" * 32


def bound_key(cid):
    """The edit key in the plan directory's `edit` file, or None."""
    try:
        text = read_bytes(os.path.join(t.RUN_ROOT, cid, "edit")).decode()
    except OSError:
        return None
    return text[:-1] if text.endswith("\n") and EDIT_KEY.fullmatch(text[:-1]) else None


def is_complete_edit(text, cid, policy):
    """Valid JSON with the enforcer prefix, the plan mount of `cid` and our
    createRuntime and poststop hooks carrying the policy."""
    try:
        cfg = json.loads(text)
    except ValueError:
        return False
    mounts = [m for m in cfg.get("mounts", []) if m.get("destination") == PLAN_MOUNT]
    hooks = cfg.get("hooks", {})

    def ours(stage):
        return [h for h in hooks.get(stage, []) if h.get("args", [])[1:2] == ["hook"]
                and ["--policy", policy] == h["args"][-2:]]
    args = cfg["process"]["args"]
    return (args[:5] == ["/.oci-sandbox/oci-sandbox-hook", "exec", "--plan", PLAN_MOUNT, "--key"]
            and len(args) > 6 and EDIT_KEY.fullmatch(args[5]) and args[6] == "--"
            and len(mounts) == 1 and mounts[0].get("source") == os.path.join(t.RUN_ROOT, cid)
            and len(ours("createRuntime")) == 1 and len(ours("poststop")) == 1)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def temps(bundle):
    return sorted(n for n in os.listdir(bundle) if n != "config.json")


def shim(setup, runc_root, cmd, bundle, cid, point=None, **kw):
    env = {"OCI_SANDBOX_RUNTIME_CONFIG": setup.rtcfg}
    if point:
        env["OSH_TEST_POINT"] = point
    return [t.binary(), "runtime", "--root", runc_root, cmd, "--bundle", bundle, cid], env


def shim_delete(setup, runc_root, cid):
    """The caller's cleanup after a failed create, through the shim (as an
    engine calls its runtime): it removes a plan directory no hook wrote."""
    env = {"OCI_SANDBOX_RUNTIME_CONFIG": setup.rtcfg}
    return t.run([t.binary(), "runtime", "--root", runc_root, "delete", "-f", cid], env=env)


def rerun_confined(setup, label, cid, bundle, runc_root, reference):
    """The shim again, without a point, on the same bundle: runs confined,
    config.json ends as the reference edit (with the key it already had, if
    it was edited before), poststop cleans up."""
    key_before = edit_key_of(read_bytes(os.path.join(bundle, "config.json")))
    cmd, env = shim(setup, runc_root, "run", bundle, cid)
    try:
        r = t.run(cmd, env=env)
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(r.returncode == 0, label + ": the shim run without the point exits 0")
    t.check_confined(t.results(r.stdout), label + ": rerun")
    now = read_bytes(os.path.join(bundle, "config.json"))
    key_now = edit_key_of(now)
    t.check(key_now is not None and now == reference.with_key(key_now),
            label + ": after the rerun config.json is the edit, once")
    if key_before:
        t.check(key_now == key_before, label + ": the edited bundle kept its edit key (idempotent)")
    t.check(t.plan_dir_gone(cid), label + ": poststop removed the plan directory")


def check_state(label, bundle, original, reference, key, want=None):
    """config.json is the original or the edit with `key` (the plan
    directory's), byte for byte; temp files only of the documented name,
    and only while the config is the original. Returns "original" or
    "edited"."""
    now = read_bytes(os.path.join(bundle, "config.json"))
    reference = reference.with_key(key)
    state = "original" if now == original else "edited" if reference and now == reference else "other"
    if want:
        t.check(state == want, "%s: config.json is byte-identical to the %s" % (label, want))
    else:
        t.check(state != "other", "%s: config.json is the original or the complete edit (%s)" % (label, state))
    left = temps(bundle)
    t.check(all(n.startswith(".config.json.tmp.") for n in left),
            "%s: nothing in the bundle but config.json and .config.json.tmp.* (%s)" % (label, left))
    for n in left:
        body = read_bytes(os.path.join(bundle, n))
        # A kill during write(2) stops it between pages: any prefix.
        t.check(reference is not None and reference.startswith(body),
                "%s: the leftover %s is a prefix of the edit (%d of %d bytes)" % (label, n, len(body), len(reference)))
    return state, left


def shim_points(setup):
    for point, want, want_temps in SHIM_POINTS:
        cid, d, bundle, original = setup.new_case("shim")
        reference = setup.reference_edit(d, cid, original)
        runc_root = os.path.join(d, "runc-root")
        cmd, env = shim(setup, runc_root, "create", bundle, cid, point)
        r = t.run(cmd, env=env)
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
        t.check(r.returncode == -signal.SIGKILL and REACHED in r.stderr and point in r.stderr,
                point + ": the shim died by SIGKILL at the point")
        key = bound_key(cid)
        _, left = check_state(point, bundle, original, reference, key, want)
        t.check(len(left) == want_temps, "%s: %d temp file(s) left, as documented" % (point, want_temps))
        if left:
            body = read_bytes(os.path.join(bundle, left[0]))
            full = point.startswith("write_atomic.written")
            t.check(body == (reference.with_key(key) if full else b""),
                    "%s: the temp file is %s" % (point, "the complete edit" if full else "empty"))
            t.check(os.stat(os.path.join(bundle, left[0])).st_mode & 0o7777 ==
                    os.stat(os.path.join(bundle, "config.json")).st_mode & 0o7777 or not full,
                    "%s: the temp file already has config.json's mode" % point)
        plan_dir = os.path.join(t.RUN_ROOT, cid)
        if point == "prepare.config_read":
            t.check(not os.path.lexists(plan_dir), point + ": no plan directory yet")
        elif point.startswith("create_whole.written"):
            # The key was written but not yet linked in: no name, no part.
            t.check(os.path.isdir(plan_dir) and os.listdir(plan_dir) == [] and key is None,
                    point + ": the plan directory exists and is empty (%s)"
                    % (sorted(os.listdir(plan_dir)) if os.path.isdir(plan_dir) else None))
        else:
            t.check(os.path.isdir(plan_dir) and os.listdir(plan_dir) == ["edit"] and key is not None,
                    point + ": the plan directory exists and holds only the edit key (%s)"
                    % (sorted(os.listdir(plan_dir)) if os.path.isdir(plan_dir) else None))
        if want == "original" and key is not None:
            # The directory is bound to the killed edit; a new edit of the
            # unedited bundle has a new key: refused until the cleanup.
            cmd, env = shim(setup, runc_root, "create", bundle, cid)
            r = t.run(cmd, env=env)
            t.check(r.returncode == 1 and "already bound to another spec edit" in r.stderr,
                    point + ": a retry before the cleanup is refused (the directory is bound to the killed edit)")
            t.check(read_bytes(os.path.join(bundle, "config.json")) == original,
                    point + ": the refused retry left config.json as it was")
        shim_delete(setup, runc_root, cid)
        t.check(t.plan_dir_gone(cid), point + ": the cleanup delete through the shim removed the unused plan directory")
        rerun_confined(setup, point, cid, bundle, runc_root, reference)
        t.check(temps(bundle) == left, point + ": the rerun adds no temp file")

    # The ARG filters by file name: the shim writes config.json, not
    # plan.json, so it is not killed and its edit is complete. runc runs a
    # hook whose spec has no "env" with runc's own environment (Go's
    # exec.Cmd with a nil Env), so the point reaches our hook, which dies
    # inside its plan write: create fails and no plan is left.
    cid, d, bundle, original = setup.new_case("filter")
    reference = setup.reference_edit(d, cid, original)
    runc_root = os.path.join(d, "runc-root")
    cmd, env = shim(setup, runc_root, "create", bundle, cid, "write_atomic.written:plan.json")
    r = t.run(cmd, env=env)
    key = edit_key_of(read_bytes(os.path.join(bundle, "config.json")))
    t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(r.returncode == 1 and "error running hook" in r.stderr and "signal: killed" in r.stderr
            and "SIGKILL at write_atomic.written:plan.json" in r.stderr,
            "filter: the shim passes write_atomic.written:plan.json; the hook under runc dies there, create fails")
    check_state("filter", bundle, original, reference, key, "edited")
    t.check(t.plan_dir_gone(cid), "filter: runc's poststop on the failed create removed the plan directory")


def random_kills(setup, runs=20):
    seen = {"original": 0, "edited": 0, "other": 0, "plan left": 0}
    for i in range(runs):
        label = "random kill %d" % i
        cid, d, bundle, original = setup.new_case("rnd")
        reference = setup.reference_edit(d, cid, original)
        runc_root = os.path.join(d, "runc-root")
        cmd, env = shim(setup, runc_root, "create", bundle, cid)
        full_env = dict(os.environ)
        full_env.update(env)
        delay = random.uniform(0, 0.005)
        # stderr to a file, not a pipe: a runc init that outlived a killed
        # runc create would hold a pipe open forever.
        with open(os.path.join(d, "stderr"), "wb") as err:
            p = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=err)
            time.sleep(delay)  # the delay is the test's input, not a synchronisation
            p.kill()
            p.wait()
        # After the shim execs runc the pid is runc's: the kill may land there.
        t.check(p.returncode == -signal.SIGKILL, "%s (%.2f ms): the process died by SIGKILL" % (label, delay * 1000))
        # runc killed mid-create may have left its state; delete -f runs our poststop.
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
        key = bound_key(cid) or edit_key_of(read_bytes(os.path.join(bundle, "config.json")))
        state, left = check_state(label, bundle, original, reference, key)
        seen[state] += 1
        plan_dir = os.path.join(t.RUN_ROOT, cid)
        names = sorted(os.listdir(plan_dir)) if os.path.isdir(plan_dir) else []
        t.check(names != ["edit"] or bound_key(cid) is not None,
                "%s: a plan directory the hook never wrote holds only a valid edit key" % label)
        # The caller's cleanup through the shim: removes a directory no hook wrote.
        shim_delete(setup, runc_root, cid)
        if names == ["edit"]:
            t.check(t.plan_dir_gone(cid), "%s: the cleanup delete through the shim removed it" % label)
            names = []
        if names:
            # Known, fail-closed: runc killed after our createRuntime hook
            # wrote the plan and before runc saved its state (seen with kills
            # at 20-30 ms on this machine, never within 5 ms): runc delete
            # knows no such container, so no poststop removes the directory
            # and a retry of the same id is refused ("already exists (the
            # plan of container ID)...", naming the fix) until it is removed. What is left is a complete
            # plan of this container, never a part of one.
            seen["plan left"] += 1
            owner = read_bytes(os.path.join(plan_dir, "owner")).decode(errors="replace")
            t.check(names == ["edit", "effective-policy.json", "owner", "plan.json"] and
                    re.fullmatch(re.escape(cid) + r"\n[1-9][0-9]* [0-9]+\n", owner) is not None and
                    bound_key(cid) == key,
                    "%s: the plan directory left by a killed runc holds this container's complete plan (%s, %r)"
                    % (label, names, owner))
            shutil.rmtree(plan_dir)
        rerun_confined(setup, label, cid, bundle, runc_root, reference)
    print("random kills: config.json left original %(original)d, edited %(edited)d, other %(other)d; "
          "plan directory left by a killed runc %(plan left)d" % seen)


def hook_state(cid, bundle, status="creating"):
    return json.dumps({"ociVersion": "1.0.2", "id": cid, "status": status,
                       "pid": os.getpid(), "bundle": bundle})


def inject(setup, bundle, cid):
    r = t.run([t.binary(), "inject", "--bundle", bundle, "--id", cid,
               "--hook-arg=--policy", "--hook-arg=" + setup.policy])
    t.check(r.returncode == 0, cid + ": inject exits 0")


MARKER = "/tmp/osh-crash-enforcer-ran"


def enforcer_refuses(setup, label, cid, bundle):
    """The enforcer in the container (the runtime's mounts simulated),
    given the plan directory and its right edit key, still refuses: the
    refusal is about the missing plan, not the key."""
    key = bound_key(cid)
    t.check(key is not None, label + ": the plan directory holds its edit key")
    host_marker = setup.rootfs + MARKER
    if os.path.exists(host_marker):
        os.unlink(host_marker)
    r = drive.enforcer_in_container(bundle, cid, key or "0" * 32, ["/bin/sh", "-c", "echo ran > " + MARKER])
    t.check(r.returncode == 125 and "plan_missing" in r.stderr,
            label + ": the enforcer refuses the leftover plan directory (125, plan_missing)")
    t.check(not os.path.exists(host_marker), label + ": the workload did not run")


def poststop(setup, label, cid, bundle):
    r = t.run([t.binary(), "hook", "--policy", setup.policy, "--stage", "poststop"],
              input=hook_state(cid, bundle, "stopped"))
    t.check(r.returncode == 0 and t.plan_dir_gone(cid),
            label + ": the poststop hook removes the leftover plan directory")


def hook_points(setup):
    for point in HOOK_POINTS:
        label = "hook " + point
        cid, d, bundle, _ = setup.new_case("hook")
        inject(setup, bundle, cid)
        # The hook killed at the point, then the container's first process
        # (the enforcer, with the right key) in the same simulated container.
        host_marker = setup.rootfs + MARKER
        if os.path.exists(host_marker):
            os.unlink(host_marker)
        run = drive.hook_then_enforcer(setup.policy, cid, bundle, bundle_key(bundle),
                                       ["/bin/sh", "-c", "echo ran > " + MARKER], os.path.join(d, "run"),
                                       hook_env={"OSH_TEST_POINT": point})
        t.check(run.hook_rc == 128 + signal.SIGKILL and REACHED in run.hook_stderr,
                label + ": the hook died by SIGKILL at the point")
        t.check(run.enforcer.returncode == 125 and "plan_missing" in run.enforcer.stderr,
                label + ": the enforcer that follows refuses (125, plan_missing)")
        t.check(not os.path.exists(host_marker), label + ": the workload did not run")
        plan_dir = os.path.join(t.RUN_ROOT, cid)
        names = os.listdir(plan_dir) if os.path.isdir(plan_dir) else None
        t.check(names is not None and "plan.json" not in names,
                label + ": the plan directory is there without plan.json (%s)" % names)
        t.check(all(n in ("edit", "owner", "effective-policy.json") or n.startswith(".") and ".tmp." in n
                    for n in names or []), label + ": only complete files or temp files in it")
        enforcer_refuses(setup, label, cid, bundle)
        poststop(setup, label, cid, bundle)

    # Control: killed right after the rename, the plan is complete and the
    # enforcer takes it (so the refusals above are about the missing plan).
    label = "hook write_atomic.renamed:plan.json"
    cid, d, bundle, _ = setup.new_case("hook")
    inject(setup, bundle, cid)
    host_marker = setup.rootfs + MARKER
    if os.path.exists(host_marker):
        os.unlink(host_marker)
    run = drive.hook_then_enforcer(setup.policy, cid, bundle, bundle_key(bundle),
                                   ["/bin/sh", "-c", "echo ran > " + MARKER], os.path.join(d, "run"),
                                   hook_env={"OSH_TEST_POINT": "write_atomic.renamed:plan.json"})
    t.check(run.hook_rc == 128 + signal.SIGKILL and REACHED in run.hook_stderr,
            label + ": the hook died by SIGKILL at the point")
    plan_dir = os.path.join(t.RUN_ROOT, cid)
    t.check(os.path.isfile(os.path.join(plan_dir, "plan.json")), label + ": plan.json is complete")
    t.check(run.enforcer.returncode == 0 and os.path.exists(host_marker),
            label + ": the enforcer that follows accepts the complete plan and runs the command")
    poststop(setup, label, cid, bundle)


def hook_under_runc(setup):
    for point in ("write_atomic.written:plan.json", "write_atomic.created:plan.json"):
        label = "runc, hook " + point
        marker = "/tmp/osh-crash-marker"
        cid, d, bundle, _ = setup.new_case("runc-hook", ["/bin/sh", "-c", "echo ran > " + marker])
        host_marker = setup.rootfs + marker
        if os.path.exists(host_marker):
            os.unlink(host_marker)
        inject(setup, bundle, cid)
        cfg = t.read_config(bundle)
        ours = [h for h in cfg["hooks"]["createRuntime"] if h["args"][1:2] == ["hook"]]
        t.check(len(ours) == 1, label + ": one createRuntime hook of ours")
        ours[0]["env"] = ["OSH_TEST_POINT=" + point]  # runc gives a hook only its spec env
        t.write_config(bundle, cfg)
        runc_root = os.path.join(d, "runc-root")
        try:
            r = t.run(["runc", "--root", runc_root, "run", "--bundle", bundle, cid])
        finally:
            t.run(["runc", "--root", runc_root, "delete", "-f", cid])
        t.check(r.returncode != 0 and "error running hook" in r.stderr and "signal: killed" in r.stderr,
                label + ": runc run fails on the killed hook")
        t.check(not os.path.exists(host_marker), label + ": the workload never started (no marker)")
        plan_dir = os.path.join(t.RUN_ROOT, cid)
        if os.path.isdir(plan_dir):
            t.check("plan.json" not in os.listdir(plan_dir), label + ": no plan.json left")
            enforcer_refuses(setup, label, cid, bundle)
            poststop(setup, label, cid, bundle)
        else:
            print("  (runc ran the poststop hook on the failed create: the plan directory is gone)")
        t.check(t.plan_dir_gone(cid), label + ": nothing left in /run/oci-sandbox/" + cid)


with t.Workdir() as w:
    setup = Setup(w)
    started = time.monotonic()
    shim_points(setup)
    random_kills(setup)
    hook_points(setup)
    hook_under_runc(setup)
    print("took %.1f s" % (time.monotonic() - started))

t.finish()
