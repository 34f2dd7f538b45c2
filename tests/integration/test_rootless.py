#!/usr/bin/env python3
"""End to end under rootless podman: a real unprivileged user (made for the
test: useradd, a subuid/subgid range via usermod, /run/user/UID owned by it,
as a login would make it) runs

  podman --runtime runc --cgroup-manager cgroupfs --hooks-dir DIR \\
    run --rm --network none --rootfs ROOTFS /bin/osh-probe ...

with our precreate hook in DIR (the shipped hooks/oci-sandbox-precreate.json,
this build's binary). Landlock and seccomp need no privilege: the container
is confined (EACCES writing /etc, Seccomp 2, NoNewPrivs 1), its plan is under
the user's runtime directory /run/user/UID/oci-sandbox (XDG_RUNTIME_DIR) and
gone after the run, and, with the default log path in the policy, the hook's
events go beside the plans (the user cannot write /var/log). Also without
XDG_RUNTIME_DIR in the environment (podman gives its hooks no environment:
/run/user/UID is found from the user's uid), and with no /run/user/UID at all
(no login session: podman uses /tmp/podman-run-UID, the plans go to
/tmp/oci-sandbox-UID). Afterwards the user, its ranges, home, runtime
directories and processes (podman's rootless pause process) are removed."""
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("podman", "runc", "busybox", "newuidmap", "newgidmap", "useradd", "usermod", "userdel", "runuser")
RANGE = "400000-465535"


def rootless_run(name, uid, hooks, rootfs, probe, xdg=True):
    env = ["env", "-i", "HOME=/home/" + name, "PATH=/usr/bin:/bin", "USER=" + name]
    if xdg:
        env.append("XDG_RUNTIME_DIR=/run/user/%d" % uid)
    return t.run(["runuser", "-u", name, "--"] + env +
                 ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooks,
                  "run", "--rm", "--network", "none", "--rootfs", rootfs] + probe, timeout=120, cwd="/")


def main(w, name, made):
    r = t.run(["useradd", "-m", "-s", "/bin/sh", name])
    if r.returncode != 0:
        return "cannot create a user here: " + r.stderr.strip()
    uid = made["uid"] = pwd.getpwnam(name).pw_uid
    r = t.run(["usermod", "--add-subuids", RANGE, "--add-subgids", RANGE, name])
    t.check(r.returncode == 0, "usermod: a subuid/subgid range for " + name)
    run_user = "/run/user/%d" % uid

    rootfs = os.path.join(w, "rootfs")
    t.make_rootfs(rootfs)
    logdir = os.path.join(w, "log")
    os.makedirs(logdir)
    pol = t.default_policy()
    log = os.path.join(logdir, "hook.log")
    pol["log"]["path"] = log
    policy_path = t.write_policy(w, pol)
    default_log_policy = t.write_policy(w, t.default_policy(), "policy-default-log.json")
    for p in (rootfs, logdir):
        subprocess.run(["chown", "-R", "%d:%d" % (uid, pwd.getpwnam(name).pw_gid), p], check=True)

    # The hook and the enforcer beside it, where the user can reach them: the
    # build tree may sit under a home directory no one else may enter.
    bindir = os.path.join(w, "bin")
    os.makedirs(bindir)
    hook_binary = os.path.join(bindir, os.path.basename(t.binary()))
    for src in (t.binary(), os.environ.get("OSH_ENFORCER") or
                os.path.join(os.path.dirname(t.binary()), "oci-sandbox-enforce")):
        shutil.copy2(src, os.path.join(bindir, os.path.basename(src)))
    os.chmod(bindir, 0o755)

    def hooks_dir(tag, policy):
        d = os.path.join(w, tag)
        os.makedirs(d)
        with open(os.path.join(os.environ["OSH_SOURCE_ROOT"], "hooks", "oci-sandbox-precreate.json")) as f:
            h = json.load(f)
        h["hook"]["path"] = hook_binary
        h["hook"]["args"] += ["--hook-arg=--policy", "--hook-arg=" + policy]
        with open(os.path.join(d, "oci-sandbox-precreate.json"), "w") as f:
            json.dump(h, f)
        return d

    hooks = hooks_dir("hooks.d", policy_path)
    probe = ["/bin/osh-probe"] + t.CONFINED_CHECKS
    r = rootless_run(name, uid, hooks, rootfs, ["/bin/busybox", "true"], xdg=False)
    if r.returncode != 0 and "newuidmap" in r.stderr + r.stdout:
        return "rootless podman cannot run here at all: " + r.stderr.strip()[-300:]

    # No login session: no /run/user/UID. podman runs from /tmp/podman-run-UID
    # and the plans go to /tmp/oci-sandbox-UID.
    tmp_root = "/tmp/oci-sandbox-%d" % uid
    open(log, "w").close()
    r = rootless_run(name, uid, hooks, rootfs, probe, xdg=False)
    res = t.results(r.stdout)
    t.check(r.returncode == 0 and res.get("write:/etc/osh-denied") == "EACCES" and res.get("Seccomp") == "2",
            "rootless podman without /run/user/UID: runs confined")
    planned = [x for x in t.log_events(log) if x.get("decision") == "planned"]
    t.check(len(planned) == 1 and ("plan written to " + tmp_root + "/p-") in planned[0]["message"],
            "rootless podman without /run/user/UID: the plan is under " + tmp_root)
    t.check(os.path.isdir(tmp_root) and os.stat(tmp_root).st_uid == uid
            and [n for n in os.listdir(tmp_root) if n.startswith("p-")] == [],
            "rootless podman without /run/user/UID: %s is the user's, its plan gone after the run" % tmp_root)

    # Then a login session's runtime directory, on a fresh podman state.
    for pid in t.user_pids(uid):
        os.kill(pid, signal.SIGKILL)
    t.run(["runuser", "-u", name, "--", "env", "-i", "HOME=/home/" + name, "PATH=/usr/bin:/bin",
           "podman", "system", "reset", "--force"], cwd="/")
    os.makedirs(run_user, mode=0o700, exist_ok=True)
    os.chown(run_user, uid, pwd.getpwnam(name).pw_gid)

    for xdg in (True, False):
        label = "rootless podman" + ("" if xdg else " (no XDG_RUNTIME_DIR)")
        open(log, "w").close()
        r = rootless_run(name, uid, hooks, rootfs, probe + ["comm"], xdg=xdg)
        res = t.results(r.stdout)
        t.check(r.returncode == 0, label + ": run exits 0")
        t.check_confined(res, label)
        ev = t.log_events(log)
        planned = [x for x in ev if x.get("decision") == "planned"]
        keys = re.findall(re.escape(run_user) + r"/oci-sandbox/(p-[0-9a-f]{32})", planned[0]["message"]) if planned else []
        t.check(len(keys) == 1 and planned[0].get("status") == "fully_enforced",
                label + ": the hook planned it fully_enforced under " + run_user + "/oci-sandbox")
        t.check(any(x.get("stage") == "poststop" and x.get("decision") == "cleaned" for x in ev),
                label + ": poststop logged its cleanup")
        t.check(bool(keys) and not os.path.lexists(os.path.join(run_user, "oci-sandbox", keys[0])),
                label + ": the plan directory is gone after the run")
        t.check(not any(x.get("container_id") == (planned[0].get("container_id") if planned else "")
                        for x in t.log_events("/var/log/oci-sandbox-hook.log")),
                label + ": nothing of it in the system log")

    # The policy's default log path: a rootless hook's events go beside its plans.
    own_log = os.path.join(run_user, "oci-sandbox", "oci-sandbox-hook.log")
    r = rootless_run(name, uid, hooks_dir("hooks-default-log.d", default_log_policy), rootfs, probe)
    t.check(r.returncode == 0 and t.results(r.stdout).get("write:/etc/osh-denied") == "EACCES",
            "rootless podman, default log path: runs confined")
    t.check(any(x.get("decision") == "planned" for x in t.log_events(own_log)),
            "rootless podman, default log path: the events are in " + own_log)
    plans = os.path.join(run_user, "oci-sandbox")
    left = [n for n in os.listdir(plans) if n.startswith("p-")] if os.path.isdir(plans) else []
    t.check(left == [], "no plan directory left under %s/oci-sandbox %s" % (run_user, left))

    return None


name = "oshrl" + uuid.uuid4().hex[:8]
with t.Workdir() as w:
    made = {"uid": None}
    try:
        why = main(w, name, made)
    finally:
        t.remove_user(name, made["uid"], "/home/" + name)
    uid = made["uid"]
    if why:
        t.skip(why)
    t.check(subprocess.run(["id", name], capture_output=True).returncode != 0, "the test user is removed")
    with open("/etc/subuid") as f:
        t.check(not any(ln.startswith(name + ":") for ln in f), "its subuid range is removed")
    t.check(uid is None or not any(os.path.exists(d % uid) for d in ("/run/user/%d", "/tmp/oci-sandbox-%d",
                                                                     "/tmp/podman-run-%d")),
            "its runtime directories are removed")
t.finish()
