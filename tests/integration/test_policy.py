#!/usr/bin/env python3
"""Policy selection and run_as end to end (runc through the shim, no
--policy in hook_args so the hook chooses):
- the annotation oci-sandbox/policy: NAME selects
  /etc/oci-sandbox/policies.d/NAME.json (a uniquely named test file, removed
  afterwards);
- a name that is not a plain name, or that does not exist, refuses the
  container;
- run_as_user / run_as_group names resolve from the image's /etc/passwd and
  /etc/group (never the host's NSS)."""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox")
if os.path.exists("/etc/oci-sandbox/policy.json"):
    print("note: /etc/oci-sandbox/policy.json exists; containers without the annotation would use it")

POLICIES_D = "/etc/oci-sandbox/policies.d"
MARK = "osh-workload-ran"


def run_container(workdir, tag, annotation, args):
    cid = t.unique_id(tag)
    sub = os.path.join(workdir, tag)
    os.makedirs(sub)
    bundle = t.make_bundle(sub, args)
    cfg = t.read_config(bundle)
    cfg.setdefault("annotations", {})["oci-sandbox/policy"] = annotation
    # The enforcer switches user itself: it needs CAP_SETUID/CAP_SETGID, which
    # `runc spec`'s minimal set lacks (Docker's default set has them).
    for s in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][s] += ["CAP_SETUID", "CAP_SETGID"]
    t.write_config(bundle, cfg)
    rtcfg = os.path.join(sub, "runtime.json")
    with open(rtcfg, "w") as f:
        json.dump({"next_runtime": "runc"}, f)
    runc_root = os.path.join(sub, "runc-root")
    try:
        r = t.run([t.binary(), "runtime", "--root", runc_root, "run", "--bundle", bundle, cid],
                  env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg})
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(t.plan_dir_gone(cid), tag + ": nothing left in /run/oci-sandbox/" + cid)
    return r


with t.Workdir() as w:
    name = "osh-test-" + uuid.uuid4().hex[:12]
    pol = t.default_policy()
    log = os.path.join(w, "hook.log")
    pol["log"]["path"] = log
    pol["process"]["run_as_user"] = "nobody"
    pol["process"]["run_as_group"] = "nogroup"
    os.makedirs(POLICIES_D, exist_ok=True)
    policy_file = os.path.join(POLICIES_D, name + ".json")
    with open(policy_file, "w") as f:
        json.dump(pol, f)
    try:
        r = run_container(w, "named", name, ["/bin/sh", "-c", "echo " + MARK + "; echo uid=$(id -u) gid=$(id -g)"])
        t.check(r.returncode == 0 and MARK in r.stdout, "annotation: the named policy's container runs")
        t.check("uid=65534 gid=65534" in r.stdout,
                "run_as nobody/nogroup resolved from the image's /etc/passwd and /etc/group")
        t.check(any(policy_file in e.get("message", "") for e in t.log_events(log)),
                "annotation: the hook used " + policy_file)

        r = run_container(w, "traversal", "../policy", ["/bin/echo", MARK])
        t.check(r.returncode != 0 and MARK not in r.stdout, "annotation ../policy: refused")
        t.check("not a plain policy name" in r.stderr, "annotation ../policy: the error says why")

        r = run_container(w, "missing", name + "-absent", ["/bin/echo", MARK])
        t.check(r.returncode != 0 and MARK not in r.stdout and "No such file or directory" in r.stderr,
                "annotation naming no file: refused, the error says why")

        pol["process"]["run_as_user"] = "no-such-user"
        with open(policy_file, "w") as f:
            json.dump(pol, f)
        r = run_container(w, "unknown-user", name, ["/bin/echo", MARK])
        t.check(r.returncode != 0 and "privilege_drop" in r.stderr and MARK not in r.stdout,
                "run_as a name the image lacks: privilege_drop, refused under strict")
    finally:
        os.unlink(policy_file)

t.finish()
