#!/usr/bin/env python3
"""Failure modes end to end (runc through the shim):
- landlock.compatibility hard_requirement on a run where Landlock is made
  unavailable (osh-nolandlock: an outer seccomp filter answering the Landlock
  syscalls with ENOSYS, inherited by the runtime, our hook and the
  container): under strict the runtime reports the hook's error and no
  workload runs; under warn the container runs and the log has the warning.
- a host-network container under network.require_private_netns (strict):
  refused at create; also when the spec joins the host's namespace by path
  (a file the host's namespace is bind-mounted on, as Docker keeps it for
  --network host), while a private namespace joined by path runs.
A refused container leaves nothing in /run/oci-sandbox/."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox")
if not os.environ.get("OSH_NOLANDLOCK"):
    t.skip("OSH_NOLANDLOCK is not set (run through meson test)")

MARK = "osh-workload-ran"


def run_container(workdir, tag, edit_policy, edit_config=None, wrap=()):
    cid = t.unique_id(tag)
    sub, bundle, _, rtcfg = t.prepare_case(
        workdir, tag, ["/bin/sh", "-c", "echo " + MARK + "; /bin/osh-probe write:/etc/osh-x status"],
        "runc", edit_config=edit_config, edit_policy=edit_policy)
    runc_root = os.path.join(sub, "runc-root")
    try:
        r = t.run(list(wrap) + [t.binary(), "runtime", "--root", runc_root, "run", "--bundle", bundle, cid],
                  env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg})
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(t.plan_dir_gone(cid), tag + ": nothing left in /run/oci-sandbox/" + cid)
    return r, t.log_events(os.path.join(sub, "hook.log"))


def hard(pol):
    pol["landlock"]["compatibility"] = "hard_requirement"


def hard_warn(pol):
    hard(pol)
    pol["failure"]["kinds"]["landlock_unavailable"] = "warn"


nolandlock = [os.environ["OSH_NOLANDLOCK"]]

with t.Workdir() as w:
    r, ev = run_container(w, "ll-strict", hard, wrap=nolandlock)
    t.check(r.returncode != 0, "strict, no Landlock: the runtime fails")
    t.check("landlock_unavailable" in r.stderr, "strict, no Landlock: the runtime's error names landlock_unavailable")
    t.check(MARK not in r.stdout, "strict, no Landlock: no workload ran")
    t.check(any(e.get("kind") == "landlock_unavailable" and e.get("decision") == "abort" for e in ev),
            "strict, no Landlock: the log has the abort event")

    r, ev = run_container(w, "ll-warn", hard_warn, wrap=nolandlock)
    res = t.results(r.stdout)
    t.check(r.returncode == 0 and MARK in r.stdout, "warn, no Landlock: the container runs")
    t.check(any(e.get("kind") == "landlock_unavailable" and e.get("level") == "warning" for e in ev),
            "warn, no Landlock: the log has the warning")
    t.check(res.get("Seccomp") == "2" and res.get("NoNewPrivs") == "1",
            "warn, no Landlock: seccomp and no_new_privs still apply")

    def host_network(cfg):
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "network"]

    r, ev = run_container(w, "netns", lambda pol: None, edit_config=host_network)
    t.check(r.returncode != 0 and "netns" in r.stderr, "host network, strict: refused at create, the error names netns")
    t.check(MARK not in r.stdout, "host network, strict: no workload ran")

    # By path: the host's namespace bind-mounted on a file (Docker's
    # EXEC_ROOT/netns/default), and a private one (another process's).
    nsfile = os.path.join(w, "host-netns")
    open(nsfile, "w").close()
    subprocess.run(["mount", "--bind", "/proc/self/ns/net", nsfile], check=True)
    holder = subprocess.Popen(["unshare", "--net", "sleep", "60"])
    try:
        def join(path):
            def edit(cfg):
                for n in cfg["linux"]["namespaces"]:
                    if n["type"] == "network":
                        n["path"] = path
            return edit

        r, ev = run_container(w, "netns-path", lambda pol: None, edit_config=join(nsfile))
        t.check(r.returncode != 0 and MARK not in r.stdout and "host's network namespace" in r.stderr,
                "host network by path (bind-mounted file), strict: refused at create, nothing ran")
        private = "/proc/%d/ns/net" % holder.pid
        for _ in range(50):
            if os.path.exists(private) and os.stat(private).st_ino != os.stat("/proc/self/ns/net").st_ino:
                break
            time.sleep(0.05)
        r, ev = run_container(w, "netns-private-path", lambda pol: None, edit_config=join(private))
        t.check(r.returncode == 0 and MARK in r.stdout, "a private network namespace by path: the container runs")
    finally:
        holder.kill()
        holder.wait()
        subprocess.run(["umount", nsfile])

    def netns_warn(pol):
        pol["failure"]["kinds"]["netns"] = "warn"

    r, ev = run_container(w, "netns-warn", netns_warn, edit_config=host_network)
    t.check(r.returncode == 0 and MARK in r.stdout, "host network, warn: the container runs")
    t.check(any(e.get("kind") == "netns" and e.get("level") == "warning" for e in ev),
            "host network, warn: the log has the warning")

t.finish()
