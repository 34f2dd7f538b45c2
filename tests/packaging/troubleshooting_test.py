#!/usr/bin/env python3
"""What docs/troubleshooting.md says about where a refusal's message goes:
runc puts the hook's stderr summary into its own error; crun 1.8.1 drops it
unless the annotation run.oci.hooks.stderr names a file; the hook's JSON
line with the kind is in log.path either way. The refusal used: a spec that
shares the host's network namespace (kind netns, strict by default).
crun runs as in tests/integration/test_crun.py (private mount namespace with
a cgroup2 /sys/fs/cgroup, --cgroup-manager=disabled)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import oshtest as t  # noqa: E402

t.need_root_and("crun", "runc", "busybox", "unshare")
WRAP = ["unshare", "-m", "--propagation", "private", "sh", "-c",
        'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"', "sh"]


def refused(workdir, runtime, annotations=None):
    cid = t.unique_id("ts-" + runtime)
    sub = os.path.join(workdir, cid)
    os.makedirs(sub)
    bundle = t.make_bundle(sub, ["/bin/echo", "osh-workload-ran"])
    cfg = t.read_config(bundle)
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "network"]
    if annotations:
        cfg.setdefault("annotations", {}).update(annotations)
    t.write_config(bundle, cfg)
    pol = t.default_policy()
    log = os.path.join(sub, "hook.log")
    pol["log"]["path"] = log
    env = {"OCI_SANDBOX_RUNTIME_CONFIG": t.write_runtime_config(sub, runtime, t.write_policy(sub, pol))}
    root = os.path.join(sub, "root")
    if runtime == "crun":
        pre, glob = WRAP, ["--cgroup-manager=disabled"]
    else:
        pre, glob = [], []
    try:
        r = t.run(pre + [t.binary(), "runtime"] + glob + ["--root", root, "run", "--bundle", bundle, cid], env=env)
    finally:
        t.run(pre + [runtime] + glob + ["--root", root, "delete", "-f", cid])
    kinds = [e.get("kind") for e in t.log_events(log) if e.get("level") == "error"]
    t.check(r.returncode != 0 and "osh-workload-ran" not in r.stdout, runtime + ": the container is refused")
    t.check("netns" in kinds, runtime + ": log.path has the error event with kind netns")
    return r


with t.Workdir() as w:
    r = refused(w, "runc")
    t.check("netns" in r.stderr, "runc: its error message carries the hook's summary (names netns)")
    r = refused(w, "crun")
    t.check("netns" not in r.stderr, "crun: without run.oci.hooks.stderr the hook's summary is dropped")
    err = os.path.join(w, "hook.stderr")
    r = refused(w, "crun", {"run.oci.hooks.stderr": err})
    text = open(err).read() if os.path.exists(err) else ""
    t.check("netns" in text, "crun: with run.oci.hooks.stderr the summary is in that file")

t.finish()
