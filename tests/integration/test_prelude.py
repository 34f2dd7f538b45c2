#!/usr/bin/env python3
"""The hook confines itself (PRODUCT.md, Guarantees; failure kind hook_prelude).

A container is created through the shim under runc (the hook runs there as
usual). The hook is then run again by hand on that container's state with the
test-build switch OSH_TEST_POINT=hook.after_prelude:PATH, which makes it try,
once confined, to execute /bin/true and to create PATH on the host; it
reports what happened on stderr. runc passes a hook only the environment in
its spec, which is why the switch is driven by hand here.

- default policy: exec fails with EPERM (the seccomp prelude), the write
  with EACCES (the Landlock domain); the host file does not appear, and the
  hook still writes its plan (exit 0). Same at poststop.
- failure.kinds.hook_prelude = skip: both succeed (the control: the switch
  really tries), and the log records the skip.
A prelude that cannot be installed (hook_prelude strict: exit 1) is not
driven end to end: nothing here makes seccomp(2) fail for the hook alone.
tests/kernel/prelude checks the error paths and the filter itself.
Needs a build with -Dtest_hooks=true (OSH_TEST_HOOKS=1); otherwise skipped."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox")
if os.environ.get("OSH_TEST_HOOKS") != "1":
    t.skip("the binary was built without -Dtest_hooks=true: the after-prelude switch is not compiled in")


def state(cid, status, pid, bundle):
    return json.dumps({"ociVersion": "1.0.2", "id": cid, "status": status, "pid": pid, "bundle": bundle})


def hook_by_hand(policy_path, st, canary):
    return t.run([t.binary(), "hook", "--policy", policy_path], input=st,
                 env={"OSH_TEST_POINT": "hook.after_prelude:" + canary})


def case(w, tag, edit_policy, confined):
    cid = t.unique_id(tag)
    sub, bundle, policy_path, rtcfg = t.prepare_case(w, tag, ["/bin/sleep", "30"], "runc",
                                                       edit_policy=edit_policy)
    root = os.path.join(sub, "runc-root")
    canary = os.path.join(sub, "host-canary")
    want = "exec=EPERM write=EACCES" if confined else "exec=OK write=OK"
    try:
        # The container's stdio is a file: a pipe would be held open by the
        # created container, and reading it to EOF would never end.
        with open(os.path.join(sub, "create.out"), "w+") as out:
            rc = subprocess.run([t.binary(), "runtime", "--root", root, "create", "--bundle", bundle, cid],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=60,
                                env=dict(os.environ, OCI_SANDBOX_RUNTIME_CONFIG=rtcfg)).returncode
            out.seek(0)
            print(out.read())
        t.check(rc == 0, tag + ": runtime create succeeds")
        st = json.loads(t.run(["runc", "--root", root, "state", cid]).stdout)
        plan = os.path.join(t.RUN_ROOT, cid, "plan.json")
        os.unlink(plan)  # so the hand-run hook must write it again

        r = hook_by_hand(policy_path, state(cid, "creating", st["pid"], bundle), canary)
        t.check(r.returncode == 0, tag + ": createRuntime by hand exits 0")
        t.check(want in r.stderr, tag + ": createRuntime after the prelude: " + want)
        t.check(os.path.exists(canary) != confined,
                tag + ": the host file " + ("was not" if confined else "was") + " created")
        t.check(os.path.isfile(plan), tag + ": the confined hook still wrote plan.json")
        if os.path.exists(canary):
            os.unlink(canary)

        r = hook_by_hand(policy_path, state(cid, "stopped", 0, bundle), canary)
        t.check(r.returncode == 0, tag + ": poststop by hand exits 0")
        t.check(want in r.stderr, tag + ": poststop after the prelude: " + want)
        t.check(os.path.exists(canary) != confined, tag + ": poststop: host file as expected")
        t.check(t.plan_dir_gone(cid), tag + ": the confined poststop removed the plan directory")
    finally:
        t.run(["runc", "--root", root, "delete", "-f", cid])
    return t.log_events(os.path.join(sub, "hook.log"))


with t.Workdir() as w:
    case(w, "prelude", None, True)

    def skip_prelude(pol):
        pol["failure"]["kinds"]["hook_prelude"] = "skip"

    ev = case(w, "prelude-skip", skip_prelude, False)
    t.check(any(e.get("kind") == "hook_prelude" and e.get("decision") == "skipped" for e in ev),
            "prelude-skip: the log records that the hook's confinement was skipped")

t.finish()
