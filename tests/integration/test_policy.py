#!/usr/bin/env python3
"""Policy selection and run_as end to end (runc through the shim; the hook
gets `--policy MAIN --policies-dir DIR` from the runtime config's hook_args,
both in the test's own directory, so nothing under /etc/oci-sandbox counts):
- the annotation oci-sandbox/policy: NAME selects DIR/NAME.json only when the
  main policy lists NAME in "selectable";
- a name that is not a plain name, one that is selectable but has no file,
  and one that has a file but is not selectable refuse the container, and
  nothing of it runs;
- run_as_user / run_as_group names resolve from the image's /etc/passwd and
  /etc/group (never the host's NSS); a name that the image maps to uid 0 is
  refused (privilege_drop: a name from the image never yields root), while
  a numeric 0 in the policy runs as root."""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox")

MARK = "osh-workload-ran"


def run_container(workdir, tag, annotation, args, hook_args, edit_rootfs=None):
    cid = t.unique_id(tag)
    sub = os.path.join(workdir, tag)
    os.makedirs(sub)
    bundle = t.make_bundle(sub, args)
    if edit_rootfs:
        edit_rootfs(os.path.join(bundle, "rootfs"))
    cfg = t.read_config(bundle)
    cfg.setdefault("annotations", {})["oci-sandbox/policy"] = annotation
    # The enforcer switches user itself: it needs CAP_SETUID/CAP_SETGID, which
    # `runc spec`'s minimal set lacks (Docker's default set has them).
    for s in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][s] += ["CAP_SETUID", "CAP_SETGID"]
    t.write_config(bundle, cfg)
    rtcfg = os.path.join(sub, "runtime.json")
    with open(rtcfg, "w") as f:
        json.dump({"next_runtime": "runc", "hook_args": hook_args}, f)
    runc_root = os.path.join(sub, "runc-root")
    try:
        r = t.run([t.binary(), "runtime", "--root", runc_root, "run", "--bundle", bundle, cid],
                  env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg})
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(t.plan_dir_gone(cid), tag + ": nothing left in /run/oci-sandbox/" + cid)
    return r


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)


with t.Workdir() as w:
    name = "osh-test-" + uuid.uuid4().hex[:12]
    unlisted = name + "-unlisted"
    log = os.path.join(w, "hook.log")
    policies_dir = os.path.join(w, "policies.d")
    os.makedirs(policies_dir)

    main = t.default_policy()
    main["log"]["path"] = log
    main["selectable"] = [name, name + "-absent"]
    main_file = os.path.join(w, "main-policy.json")
    write_json(main_file, main)
    hook_args = ["--policy", main_file, "--policies-dir", policies_dir]

    pol = t.default_policy()
    pol["log"]["path"] = log
    pol["process"]["run_as_user"] = "nobody"
    pol["process"]["run_as_group"] = "nogroup"
    policy_file = os.path.join(policies_dir, name + ".json")
    write_json(policy_file, pol)
    # A file in the directory that the main policy does not list.
    write_json(os.path.join(policies_dir, unlisted + ".json"), pol)

    def run(tag, annotation, args, edit_rootfs=None):
        return run_container(w, tag, annotation, args, hook_args, edit_rootfs)

    r = run("named", name, ["/bin/sh", "-c", "echo " + MARK + "; echo uid=$(id -u) gid=$(id -g)"])
    t.check(r.returncode == 0 and MARK in r.stdout, "annotation: the named (selectable) policy's container runs")
    t.check("uid=65534 gid=65534" in r.stdout,
            "run_as nobody/nogroup resolved from the image's /etc/passwd and /etc/group")
    t.check(any(policy_file in e.get("message", "") for e in t.log_events(log)),
            "annotation: the hook used " + policy_file)

    r = run("traversal", "../policy", ["/bin/echo", MARK])
    t.check(r.returncode != 0 and MARK not in r.stdout, "annotation ../policy: refused")
    t.check("not a plain policy name" in r.stderr, "annotation ../policy: the error says why")

    r = run("missing", name + "-absent", ["/bin/echo", MARK])
    t.check(r.returncode != 0 and MARK not in r.stdout and "No such file or directory" in r.stderr,
            "annotation naming a selectable name with no file: refused, the error says why")

    r = run("unlisted", unlisted, ["/bin/echo", MARK])
    t.check(r.returncode != 0 and MARK not in r.stdout,
            "annotation naming a policy the main policy does not list: refused, nothing ran")
    err = r.stderr.replace('\\"', '"')  # runc quotes the hook's stderr
    t.check('"selectable"' in err and '"%s"' % unlisted in err and main_file in err,
            "annotation not selectable: the error names the name, the main policy and \"selectable\"")

    # The image says nobody is uid 0 (and its primary group gid 0).
    def nobody_is_root(rootfs):
        with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:0:0:nobody:/:/bin/sh\n")
    pol["process"]["run_as_user"] = "nobody"
    pol["process"]["run_as_group"] = None
    write_json(policy_file, pol)
    r = run("nobody-root", name, ["/bin/echo", MARK], edit_rootfs=nobody_is_root)
    t.check(r.returncode != 0 and MARK not in r.stdout,
            "run_as_user nobody, uid 0 in the image's /etc/passwd: refused, nothing ran")
    t.check("privilege_drop" in r.stderr and "uid 0" in r.stderr,
            "run_as_user nobody as uid 0: the error is privilege_drop and says uid 0")

    # A numeric 0 is the administrator's own choice: it runs as root.
    pol["process"]["run_as_user"] = 0
    pol["process"]["run_as_group"] = 0
    write_json(policy_file, pol)
    r = run("numeric-root", name, ["/bin/sh", "-c", "echo " + MARK + "; echo uid=$(id -u) gid=$(id -g)"],
            edit_rootfs=nobody_is_root)
    t.check(r.returncode == 0 and MARK in r.stdout and "uid=0 gid=0" in r.stdout,
            "run_as_user 0 / run_as_group 0 (numeric): runs as root")

    pol["process"]["run_as_user"] = "no-such-user"
    pol["process"]["run_as_group"] = "nogroup"
    write_json(policy_file, pol)
    r = run("unknown-user", name, ["/bin/echo", MARK])
    t.check(r.returncode != 0 and "privilege_drop" in r.stderr and MARK not in r.stdout,
            "run_as a name the image lacks: privilege_drop, refused under strict")

t.finish()
