#!/usr/bin/env python3
"""Attack: a plan belongs to exactly one spec edit and one container.

Under runc:
- the same container id created at once under two runtime roots with
  different policies (strict default, and one that makes /etc writable):
  the second create is refused (the shim exits 1, "already bound to another
  spec edit", a host-log event, its config.json untouched) and the first
  runs with its own strict plan; created concurrently, exactly one create
  wins and runs with its own plan;
- a valid plan of another container, and of an earlier edit of the same
  container id, copied over the container's plan after the hook wrote it (a
  createRuntime hook of the test's, after ours): the enforcer refuses it
  (exit 125, plan_missing, the key named) and the workload never runs; the
  same plan directory mounted over ours after the edit: the hook's proof
  refuses it;
- `inject --id Y` on a bundle edited for X: re-keyed (new plan directory,
  new key, the edit file holds it), X's unused directory removed, and the
  bundle runs as Y, confined;
- a second copy of our hook in the spec with a policy that makes /etc
  writable: spelled as ours (in createRuntime, prestart, poststart) the
  edit removes it and the workload runs under the admin's policy (/etc
  EACCES); under another name in createRuntime the container is refused
  ("a different plan is already in"), while the same hook twice with the
  same policy makes the same plan and runs; at poststart with --stage
  createRuntime its run is refused (another plan is there; runc then fails
  the start);
- orphans: an edit-only directory aged past an hour (os.utime on its edit
  file) and a created container's directory whose pid is dead are removed at
  the next create, each removal logged (spec-edit, "orphan removed"); a fresh
  edit and a live container's directory are kept."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

WORKLOAD = ["/bin/sh", "-c", "echo %s; /bin/osh-probe status write:/etc/osh-x" % a.RAN]


def etc_writable(pol):
    pol["filesystem"]["read_only"] = [p for p in pol["filesystem"]["read_only"] if p != "/etc"]
    pol["filesystem"]["read_write"].append("/etc")


def key_of(bundle):
    args = t.read_config(bundle)["process"]["args"]
    return args[args.index("--key") + 1]


def plan_source(bundle):
    for m in t.read_config(bundle)["mounts"]:
        if m["destination"] == "/.oci-sandbox/plan":
            return m["source"]
    return None


def inject(c, cid):
    return t.run([t.binary(), "inject", "--bundle", c.bundle, "--id", cid,
                  "--hook-arg=--policy", "--hook-arg=" + c.policy_path])


def add_to_config(c, edit):
    cfg = t.read_config(c.bundle)
    edit(cfg)
    t.write_config(c.bundle, cfg)


def runc_run(c, cid):
    try:
        return t.run(["runc", "--root", c.state_root, "run", "--bundle", c.bundle, cid])
    finally:
        t.run(["runc", "--root", c.state_root, "delete", "-f", cid])


def started_output(c):
    """`runc start` a created container, wait for it, read its stdio files."""
    s = c.direct("start", c.cid)
    t.check(c.wait_stopped(), c.tag + ": the container ran to its end")
    out, err = c.container_output()
    return s.returncode, out, err


def plan_of(w, tag, edit_policy, cid=None):
    """A valid plan made by the hook for a container (loose policy), kept
    after that container is gone."""
    c = a.Case(w, tag, WORKLOAD, edit_policy=edit_policy)
    if cid:
        c.cid = cid
    r = c.create_detached()
    t.check(r.returncode == 0, tag + ": created (its plan is written)")
    keep = os.path.join(w, tag + "-plan.json")
    shutil.copy2(os.path.join(c.plan_dir(), "plan.json"), keep)
    c.delete()
    return keep, key_of(c.bundle)


with t.Workdir() as w:
    # --- the same id under two runtime roots, one after the other
    strict = a.Case(w, "same-id-strict", WORKLOAD)
    loose = a.Case(w, "same-id-loose", WORKLOAD, edit_policy=etc_writable)
    loose.cid = strict.cid
    try:
        r = strict.create_detached()
        t.check(r.returncode == 0, "same id: the first create (strict policy) succeeds")
        with open(os.path.join(loose.bundle, "config.json")) as f:
            before = f.read()
        since = a.host_log_size()
        r = loose.create_detached()
        _, err = loose.container_output()
        want = "oci-sandbox-runtime: create %s: " % strict.cid
        t.check(r.returncode == 1 and err.startswith(want) and "already bound to another spec edit" in err,
                "same id: the second create (other root, loose policy) is refused: " + want +
                "... already bound to another spec edit")
        with open(os.path.join(loose.bundle, "config.json")) as f:
            t.check(f.read() == before, "same id: the refused bundle's config.json is untouched")
        ev = a.events_of(a.host_log_events(strict.cid, since), component="runtime", decision="abort")
        t.check(len(ev) == 1 and "already bound to another spec edit" in ev[0]["message"],
                "same id: the host log has the shim's abort event")
        t.check(loose.state() == {}, "same id: the second root has no container")
        rc, out, err = started_output(strict)
        res = t.results(out)
        t.check(a.RAN in out and res.get("write:/etc/osh-x") == "EACCES" and res.get("Seccomp") == "2",
                "same id: the first container runs with its own strict plan (/etc EACCES)")
    finally:
        strict.delete()
        loose.delete()
    t.check(t.plan_dir_gone(strict.cid), "same id: the plan directory is gone after delete")

    # --- the same id created concurrently: one wins, with its own plan
    for round_ in range(3):
        pair = [a.Case(w, "race-%d-strict" % round_, WORKLOAD),
                a.Case(w, "race-%d-loose" % round_, WORKLOAD, edit_policy=etc_writable)]
        pair[1].cid = pair[0].cid
        rcs = {}
        go = threading.Barrier(2)

        def create(i):
            go.wait()
            rcs[i] = pair[i].create_detached().returncode
        threads = [threading.Thread(target=create, args=(i,)) for i in (0, 1)]
        try:
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            winners = [i for i in (0, 1) if rcs.get(i) == 0]
            t.check(len(winners) == 1 and sorted(rcs.values()) == [0, 1],
                    "race %d: exactly one of two concurrent creates wins (exits %s)" % (round_, rcs))
            if len(winners) == 1:
                win = pair[winners[0]]
                rc, out, err = started_output(win)
                want = "EACCES" if winners[0] == 0 else "OK"
                t.check(a.RAN in out and t.results(out).get("write:/etc/osh-x") == want,
                        "race %d: the winner (%s) runs with its own plan (/etc write %s)" % (round_, win.tag, want))
        finally:
            for c in pair:
                c.delete()

    # --- a valid plan of another container, and of an earlier edit of the
    # same id, copied in place after the hook: the enforcer refuses it.
    other_plan, other_key = plan_of(w, "other-container", etc_writable)
    x = a.Case(w, "foreign-copy", WORKLOAD)
    earlier_plan, earlier_key = plan_of(w, "earlier-edit", etc_writable, cid=x.cid)
    for tag, foreign in (("another container's plan", other_plan), ("an earlier edit's plan", earlier_plan)):
        c = a.Case(w, "swap-" + ("other" if foreign == other_plan else "earlier"), WORKLOAD)
        c.cid = x.cid
        t.check(inject(c, c.cid).returncode == 0, tag + ": inject --id")
        key = key_of(c.bundle)
        t.check(key not in (other_key, earlier_key), tag + ": this edit has a key of its own")
        add_to_config(c, lambda cfg: cfg["hooks"]["createRuntime"].append(
            {"path": shutil.which("cp"), "args": ["cp", foreign, os.path.join(t.RUN_ROOT, c.cid, "plan.json")]}))
        r = runc_run(c, c.cid)
        t.check(r.returncode == 125, tag + ": the enforcer refuses it (exit %d, want 125)" % r.returncode)
        t.check(a.RAN not in r.stdout and "NoNewPrivs" not in r.stdout, tag + ": the workload never ran")
        lines = [json.loads(l) for l in r.stderr.splitlines() if l.startswith("{")]
        ev = [e for e in lines if e.get("kind") == "plan_missing" and e.get("decision") == "abort"]
        t.check(len(ev) == 1 and ev[0].get("mode") == "strict" and
                ("the plan was made for another spec edit (its key is not %s)" % key) in ev[0].get("message", ""),
                tag + ": plan_missing (strict): the plan was made for another spec edit (its key is not %s)" % key)
        t.check("oci-sandbox-hook exec: plan_missing (strict)" in r.stderr, tag + ": the summary line names plan_missing")
        t.check(t.plan_dir_gone(c.cid), tag + ": cleaned at poststop")

    # --- a second copy of our hook in the spec, with a policy that makes
    # /etc writable. Spelled as ours (another path spelling, argv[0] the
    # program's name), in createRuntime after where ours goes and in
    # prestart and poststart: the spec edit removes every copy and places
    # ours last. Under another name (a copy of the binary) in createRuntime
    # it runs first: our hook then finds a plan and refuses the container.
    # At poststart with --stage createRuntime: refused (the container is
    # running), and an exec stays confined. Each once replaced the plan.
    loose = os.path.join(w, "loose-policy.json")
    with open(a.Case(w, "loose-source", WORKLOAD, edit_policy=etc_writable).policy_path) as f:
        loose_text = f.read()
    with open(loose, "w") as f:
        f.write(loose_text)
    binary = t.binary()
    spelled = os.path.dirname(binary) + "//" + os.path.basename(binary)

    def our_copy(path, *stage):
        return {"path": path, "args": ["oci-sandbox-hook", "hook", *stage, "--policy", loose]}

    c = a.Case(w, "second-copy-ours", WORKLOAD)
    add_to_config(c, lambda cfg: cfg.setdefault("hooks", {}).update(
        createRuntime=[our_copy(spelled, "--stage", "createRuntime")],
        prestart=[our_copy(binary)], poststart=[our_copy(spelled, "--stage", "createRuntime")]))
    o = c.run()
    t.check(o.rc == 0 and o.res.get("write:/etc/osh-x") == "EACCES",
            "second copy, ours by name: the workload runs under the admin's policy (/etc EACCES, got %s)"
            % o.res.get("write:/etc/osh-x"))
    hooks = t.read_config(c.bundle)["hooks"]
    ours = [h for stage in hooks for h in hooks[stage] if "--policy" in h.get("args", []) and loose in h["args"]]
    t.check(not ours and hooks.get("prestart") == [] and hooks.get("poststart") == [],
            "second copy, ours by name: the edit removed every copy (prestart, poststart, createRuntime)")
    t.check(hooks["createRuntime"][-1]["args"][:2] == ["oci-sandbox-hook", "hook"] and
            sum(1 for h in hooks["createRuntime"] if h["args"][1:2] == ["hook"]) == 1,
            "second copy, ours by name: createRuntime holds ours once, last")

    renamed = os.path.join(w, "renamed-hook")
    shutil.copy2(binary, renamed)
    renamed_args = ["renamed-hook", "hook", "--stage", "createRuntime", "--policy", loose,
                    "--enforcer", os.path.join(os.path.dirname(binary), "oci-sandbox-enforce")]
    c = a.Case(w, "second-copy-renamed", WORKLOAD)
    add_to_config(c, lambda cfg: cfg.setdefault("hooks", {}).setdefault("createRuntime", []).append(
        {"path": renamed, "args": renamed_args}))
    o = c.run()
    t.check(o.rc == a.HOOK_REFUSED["runc"] and "NoNewPrivs" not in o.stdout,
            "second copy, renamed: the container is refused, nothing ran (exit %d)" % o.rc)
    ev = a.events_of(o.events, decision="abort")
    t.check(any("a different plan is already in" in e.get("message", "") for e in ev),
            "second copy, renamed: our hook refuses to replace its plan: 'a different plan is already in ...'")

    # The same hook twice (hooks.d and a CDI spec, say), under another name
    # so the edit keeps it, with the same policy: the same plan; the second
    # run leaves it, and the container runs confined.
    c = a.Case(w, "second-copy-same", WORKLOAD)
    same_args = ["renamed-hook", "hook", "--stage", "createRuntime", "--policy", c.policy_path,
                 "--enforcer", os.path.join(os.path.dirname(binary), "oci-sandbox-enforce")]
    add_to_config(c, lambda cfg: cfg.setdefault("hooks", {}).setdefault("createRuntime", []).append(
        {"path": renamed, "args": same_args}))
    o = c.run()
    t.check(o.rc == 0 and o.res.get("write:/etc/osh-x") == "EACCES",
            "the same hook twice: the container runs confined (exit %d, /etc %s)" % (o.rc, o.res.get("write:/etc/osh-x")))
    t.check(len(a.events_of(o.events, decision="planned")) == 2, "the same hook twice: both runs planned, the same plan")

    c = a.Case(w, "second-copy-poststart", ["/bin/sleep", "300"])
    add_to_config(c, lambda cfg: cfg.setdefault("hooks", {}).setdefault("poststart", []).append(
        {"path": renamed, "args": renamed_args}))
    try:
        r = c.start_detached()
        _, err = c.container_output()
        # runc 1.1.5 reports "created" to poststart hooks: the plan already
        # there refuses it; a state of "running" would.
        t.check("a different plan is already in" in err or "plans a container only while it is created" in err,
                "second copy at poststart: its run is refused: %s" % err.strip()[-400:])
        if r.returncode == 0:  # a runtime that goes on after a failed poststart hook
            x = c.shim("exec", c.cid, "/bin/osh-probe", "status", "write:/etc/osh-x")
            t.check(t.results(x.stdout).get("write:/etc/osh-x") == "EACCES",
                    "second copy at poststart: an exec stays confined under the admin's plan (/etc EACCES)")
        else:
            t.check(c.state().get("status") != "running",
                    "second copy at poststart: runc fails the start (a poststart hook failed), nothing runs")
    finally:
        c.delete()

    # The state of a running container: no create stage plans it.
    c = a.Case(w, "state-running", WORKLOAD)
    state = json.dumps({"ociVersion": "1.0.2", "id": c.cid, "status": "running", "pid": os.getpid(),
                        "bundle": c.bundle})
    r = subprocess.run([binary, "hook", "--policy", c.policy_path, "--stage", "createRuntime"], input=state,
                       capture_output=True, text=True, timeout=30)
    t.check(r.returncode == 1 and 'the state says "running": the createRuntime stage plans a container only '
            "while it is created" in r.stderr,
            "a running container's state: the hook refuses to plan it (exit %d: %s)" % (r.returncode, r.stderr.strip()))

    # A foreign plan mounted over ours after the edit: a directory of the
    # attacker's holding a valid plan, and a live container's own plan
    # directory. The hook refuses both before anything runs.
    foreign_dir = os.path.join(w, "foreign-plan-dir")
    os.makedirs(foreign_dir)
    shutil.copy2(other_plan, os.path.join(foreign_dir, "plan.json"))
    victim = a.Case(w, "mount-victim", ["/bin/sleep", "300"])
    try:
        t.check(victim.create_detached().returncode == 0, "mounted foreign plan: another container is created")
        for tag, source, refusal in (
                ("a directory with a valid plan", foreign_dir,
                 "config.json: the spec edit's marks are incomplete or not ours"),
                ("another container's plan directory", victim.plan_dir(),
                 "plan directory: %s: bound to another spec edit" % victim.plan_dir())):
            c = a.Case(w, "mount-foreign", WORKLOAD) if tag.startswith("a ") else a.Case(w, "mount-victims", WORKLOAD)
            t.check(inject(c, c.cid).returncode == 0, "mounted foreign plan: inject --id")
            add_to_config(c, lambda cfg: cfg["mounts"].append(
                {"destination": "/.oci-sandbox/plan", "type": "bind", "source": source, "options": ["rbind", "ro"]}))
            r = runc_run(c, c.cid)
            ev = a.events_of(c.events(), decision="abort")
            t.check(r.returncode == a.HOOK_REFUSED["runc"] and a.RAN not in r.stdout, "mounted %s: refused, the workload never ran" % tag)
            t.check(len(ev) == 1 and ev[0]["message"].startswith(refusal),
                    "mounted %s: the hook refused it: %s" % (tag, refusal))
            t.check(not os.path.exists(os.path.join(c.plan_dir(), "plan.json")),
                    "mounted %s: no plan was written for the refused container" % tag)
            shutil.rmtree(c.plan_dir(), ignore_errors=True)  # inject's edit-only directory
        t.check(os.path.isfile(os.path.join(victim.plan_dir(), "plan.json")),
                "mounted foreign plan: the other container's plan is untouched")
    finally:
        victim.delete()

    # --- inject --id Y on a bundle edited for X: re-keyed.
    c = a.Case(w, "rekey", WORKLOAD)
    x_id, y_id = c.cid, c.cid + "-y"
    t.check(inject(c, x_id).returncode == 0, "re-key: inject --id X")
    kx = key_of(c.bundle)
    t.check(os.path.isdir(os.path.join(t.RUN_ROOT, x_id)) and plan_source(c.bundle) == os.path.join(t.RUN_ROOT, x_id),
            "re-key: X's plan directory exists and is the plan mount's source")
    t.check(inject(c, y_id).returncode == 0, "re-key: inject --id Y on the same bundle")
    ky = key_of(c.bundle)
    t.check(ky != kx and plan_source(c.bundle) == os.path.join(t.RUN_ROOT, y_id),
            "re-key: a new key and the plan mount from Y's directory")
    with open(os.path.join(t.RUN_ROOT, y_id, "edit")) as f:
        t.check(f.read().strip() == ky, "re-key: Y's edit file holds the new key")
    t.check(t.plan_dir_gone(x_id), "re-key: X's unused directory is gone")
    r = runc_run(c, y_id)
    res = t.results(r.stdout)
    t.check(r.returncode == 0 and a.RAN in r.stdout and res.get("write:/etc/osh-x") == "EACCES" and
            res.get("Seccomp") == "2", "re-key: the bundle runs as Y, confined")
    t.check(t.plan_dir_gone(y_id), "re-key: Y's directory is gone after poststop")

    # --- orphans
    aged = a.Case(w, "orphan-aged", WORKLOAD)
    fresh = a.Case(w, "orphan-fresh", WORKLOAD)
    dead = a.Case(w, "orphan-dead", ["/bin/sleep", "300"])
    live = a.Case(w, "orphan-live", ["/bin/sleep", "300"])
    trigger = a.Case(w, "orphan-trigger", WORKLOAD)
    try:
        # Every edit sweeps: the orphans are made after the last edit before
        # the trigger.
        for c in (dead, live):
            t.check(c.create_detached().returncode == 0, c.tag + ": created")
        for c in (aged, fresh):
            t.check(inject(c, c.cid).returncode == 0, c.tag + ": inject --id (never created)")
        # Any spec edit sweeps, a concurrent test's too, and every sweep
        # logs to the host log: read it from before the directories age.
        since = a.host_log_size()
        edit_file = os.path.join(t.RUN_ROOT, aged.cid, "edit")
        old = time.time() - 2 * 3600
        os.utime(edit_file, (old, old))
        pid = dead.state().get("pid")
        t.check(isinstance(pid, int) and pid > 0, "orphan-dead: the container's pid is %s" % pid)
        os.kill(pid, signal.SIGKILL)
        t.check(a.wait_for(lambda: not os.path.exists("/proc/%d" % pid)), "orphan-dead: its pid is gone")
        swept_early = [e for e in a.events_of(a.host_log_events(None, since), component="spec-edit",
                                              decision="orphan removed")
                       if e["message"].startswith("removed orphaned plan directory %s:" % dead.plan_dir())]
        t.check(os.path.isdir(dead.plan_dir()) or swept_early,
                "orphan-dead: its plan directory is still there (no poststop ran), or a concurrent "
                "test's spec edit already swept it, logged")
        r = trigger.create_detached()
        t.check(r.returncode == 0, "orphans: the next create succeeds")
        t.check(t.plan_dir_gone(aged.cid), "orphans: the edit-only directory aged 2 hours is removed")
        t.check(t.plan_dir_gone(dead.cid), "orphans: the directory of the container whose pid died is removed")
        t.check(os.path.isdir(fresh.plan_dir()), "orphans: a fresh edit's directory is kept")
        t.check(os.path.isdir(live.plan_dir()), "orphans: a live container's directory is kept")
        log = a.events_of(a.host_log_events(None, since), component="spec-edit", decision="orphan removed")
        t.check(any(e["message"].startswith("removed orphaned plan directory %s: a spec edit " % aged.plan_dir()) and
                    "minutes old that no container used" in e["message"] for e in log),
                "orphans: the aged removal is logged")
        t.check(any(e["message"].startswith("removed orphaned plan directory %s: container %s is gone (pid %d"
                                            % (dead.plan_dir(), dead.cid, pid)) for e in log),
                "orphans: the dead container's removal is logged, naming it and its pid")
        t.check(not [e for e in log if fresh.cid in e["message"] or live.cid in e["message"]],
                "orphans: nothing logged for the kept directories")
    finally:
        for c in (dead, live, trigger):
            c.delete()
        for c in (aged, fresh):
            shutil.rmtree(c.plan_dir(), ignore_errors=True)

t.finish()
