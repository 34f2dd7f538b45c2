#!/usr/bin/env python3
"""Attack: a volume that holds the plan directories must not let the
workload rewrite a plan.

Every container's plan lies beneath the run root (/run/oci-sandbox for
root; for a rootless user without a login session /tmp/podman-run-UID/
oci-sandbox under the shim, /tmp/oci-sandbox-UID under podman's hook). A
later exec reads its plan there, and the seal is a checksum, not a
signature: a workload that can write the run root can rewrite and reseal
any plan, its own or another container's, and the next exec runs under it
saying fully_enforced (seen by review under rootless podman with
-v /tmp:/tmp). Through the shim under runc and crun:
- a read-write bind of the host's /run, of /run/oci-sandbox itself and of
  a host symlink to /run/oci-sandbox, each at /tmp/hostrun beneath the
  default policy's read-write /tmp: refused at create (a strict
  landlock_path event naming the mount and "the plan directories"), the
  workload never runs, and nothing it would have written is on the host;
- the same directories by other ways: an overlay whose upper directory is
  the run root, a second bind of the host's /run (an alias), and a
  read-write bind of the host's /tmp while a rootless user's run root
  (/tmp/oci-sandbox-UID) is in it, a directory with the host's /run bound
  beneath it (carried by the rbind), and a rootless user's whole
  /run/user/UID: refused the same way;
- a read-only bind of /run/oci-sandbox at the same place runs
  fully_enforced, and writing through it gives EROFS. (A read-only bind of
  the host's whole /run is another judge's: this host mounts /run/netns
  beneath it, which the bind carries with its own flags.)
Rootless (where podman, newuidmap and a subuid range can be had): a user
made for the test, no login session (no /run/user/UID), runs podman with
the shim as --runtime; `-v /tmp:/tmp` is refused (the bind holds
/tmp/podman-run-UID/oci-sandbox), a plain container runs confined."""
import os
import pwd
import shutil
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

PLAN_ROOT_MSG = "which holds or lies in the plan directories of every container"
# What the workload would write in the run root: removed afterwards.
CANARY = "osh-planroot-canary-" + uuid.uuid4().hex[:8]


def volume(src, dest, options):
    def edit(cfg):
        cfg["mounts"].append({"destination": dest, "type": "bind", "source": src, "options": list(options)})
    return edit


def rootful(w):
    os.makedirs(t.RUN_ROOT, exist_ok=True)
    host_canary = os.path.join(t.RUN_ROOT, CANARY)
    link = os.path.join(w, "run-root-link")
    os.symlink(t.RUN_ROOT, link)
    n = [0]

    def case(tag, args, **kw):
        n[0] += 1
        return a.Case(w, "%s-%d" % (tag, n[0]), ["/bin/osh-probe"] + a.CONFINED + args, **kw)

    # (tag, source, where the run root is seen in the container)
    writable = [("run", "/run", "/tmp/hostrun/oci-sandbox"),
                ("run-root", t.RUN_ROOT, "/tmp/hostrun"),
                ("run-root-link", link, "/tmp/hostrun")]
    try:
        for rt in a.RUNTIMES:
            for tag, source, seen in writable:
                c = case("rw-%s-%s" % (tag, rt), ["write:%s/%s" % (seen, CANARY)], runtime=rt,
                         edit_config=volume(source, "/tmp/hostrun", ("rbind", "rw")))
                o = c.run()
                planted = os.path.exists(host_canary)
                if planted:
                    os.unlink(host_canary)
                t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout and RAN_NOT(o),
                        c.tag + ": a read-write bind of %s at /tmp/hostrun is refused at create, nothing ran "
                        "(exit %d; the workload said %s)" % (source, o.rc, o.res.get("write:%s/%s" % (seen, CANARY))))
                ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
                t.check(len(ev) == 1 and "(/tmp/hostrun) binds the host's %s" % source in ev[0].get("message", "")
                        and PLAN_ROOT_MSG in ev[0].get("message", ""),
                        c.tag + ": landlock_path (strict) names the mount and the plan directories: %s"
                        % (ev[0].get("message") if ev else None))
                t.check(not planted, c.tag + ": nothing was written in the host's " + t.RUN_ROOT)
                t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in " + t.RUN_ROOT)
            # The same directories by other ways: an overlay whose upper
            # directory is the run root (its work directory beside it, on the
            # same filesystem), and a second bind of /run on the host (an
            # alias realpath cannot tell from another directory): refused.
            work_dir = os.path.join(os.path.dirname(t.RUN_ROOT), "osh-planroot-work-" + CANARY)
            os.makedirs(work_dir, exist_ok=True)
            alias = os.path.join(w, "run-alias-" + rt)
            os.makedirs(alias, exist_ok=True)
            subprocess.run(["mount", "--bind", "/run", alias], check=True)
            try:
                def overlay(cfg):
                    cfg["mounts"].append({"destination": "/tmp/hostrun", "type": "overlay", "source": "overlay",
                                          "options": ["lowerdir=/usr", "upperdir=" + t.RUN_ROOT,
                                                      "workdir=" + work_dir]})
                for tag, edit, needle in (
                        ("overlay", overlay, "(/tmp/hostrun) mounts an overlay whose upper directory"),
                        ("alias", volume(alias, "/tmp/hostrun", ("rbind", "rw")),
                         "(/tmp/hostrun) binds the host's " + alias)):
                    c = case("%s-%s" % (tag, rt), ["write:/tmp/hostrun/" + CANARY], runtime=rt, edit_config=edit)
                    o = c.run()
                    planted = os.path.exists(host_canary) or os.path.exists(os.path.join("/run", CANARY))
                    for f in (host_canary, os.path.join("/run", CANARY)):
                        if os.path.exists(f):
                            os.unlink(f)
                    t.check(o.rc == a.HOOK_REFUSED[rt] and RAN_NOT(o),
                            c.tag + ": refused at create, nothing ran (exit %d; the workload said %s)"
                            % (o.rc, o.res.get("write:/tmp/hostrun/" + CANARY)))
                    ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
                    msg = ev[0].get("message", "") if ev else ""
                    t.check(len(ev) == 1 and needle in msg and "plan directories" in msg,
                            c.tag + ": landlock_path (strict) names it: %s" % (msg or None))
                    t.check(not planted, c.tag + ": nothing was written in the host's /run")
                    t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in " + t.RUN_ROOT)
            finally:
                subprocess.run(["umount", alias], check=False)
                shutil.rmtree(work_dir, ignore_errors=True)
            # A rootless user's run root in the host's /tmp (as
            # plan::default_run_root names one with no login session): a
            # root container's read-write bind of /tmp reaches it. Refused.
            other = "/tmp/oci-sandbox-%d" % (4000000000 + os.getpid() % 1000)
            os.makedirs(other, exist_ok=True)
            try:
                c = case("tmp-other-user-" + rt, ["write:%s/%s" % (other, CANARY)], runtime=rt,
                         edit_config=volume("/tmp", "/tmp", ("rbind", "rw")))
                o = c.run()
                planted = os.path.exists(os.path.join(other, CANARY))
                t.check(o.rc == a.HOOK_REFUSED[rt] and RAN_NOT(o) and not planted,
                        c.tag + ": a read-write bind of the host's /tmp, which holds %s, is refused, nothing "
                        "written (exit %d; the workload said %s)"
                        % (other, o.rc, o.res.get("write:%s/%s" % (other, CANARY))))
                ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
                t.check(len(ev) == 1 and "(/tmp) binds the host's /tmp" in ev[0].get("message", ""),
                        c.tag + ": landlock_path (strict) names the bind: %s" % (ev[0].get("message") if ev else None))
                t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in " + t.RUN_ROOT)
            finally:
                shutil.rmtree(other, ignore_errors=True)
            # A run root reached from beneath the source: the host's /run
            # bound inside a directory (a chroot's), carried by the rbind;
            # and a rootless user's whole runtime directory /run/user/UID,
            # which holds its run root. Refused.
            chroot = os.path.join(w, "chroot-" + rt)
            os.makedirs(os.path.join(chroot, "run"), exist_ok=True)
            subprocess.run(["mount", "--bind", "/run", os.path.join(chroot, "run")], check=True)
            user_dir = "/run/user/%d" % (4000000000 + os.getpid() % 1000)
            os.makedirs(os.path.join(user_dir, "oci-sandbox"), exist_ok=True)
            try:
                for tag, source, needle in (("beneath", chroot, "binds the host's " + chroot),
                                            ("user-dir", user_dir, "binds the host's " + user_dir)):
                    c = case("%s-%s" % (tag, rt), ["write:/tmp/c/" + CANARY], runtime=rt,
                             edit_config=volume(source, "/tmp/c", ("rbind", "rw")))
                    o = c.run()
                    t.check(o.rc == a.HOOK_REFUSED[rt] and RAN_NOT(o),
                            c.tag + ": refused at create, nothing ran (exit %d)" % o.rc)
                    ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
                    msg = ev[0].get("message", "") if ev else ""
                    t.check(len(ev) == 1 and needle in msg and "plan directories" in msg,
                            c.tag + ": landlock_path (strict) names it: %s" % (msg or None))
                    t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in " + t.RUN_ROOT)
            finally:
                subprocess.run(["umount", os.path.join(chroot, "run")], check=False)
                shutil.rmtree(user_dir, ignore_errors=True)
            # Read-only: runs, and the run root stays unwritable.
            c = case("ro-run-root-" + rt, ["write:/tmp/hostrun/" + CANARY], runtime=rt,
                     edit_config=volume(t.RUN_ROOT, "/tmp/hostrun", ("rbind", "ro")))
            o = c.run()
            planted = os.path.exists(host_canary)
            if planted:
                os.unlink(host_canary)
            t.check(o.rc == 0, c.tag + ": a read-only bind of %s runs (exit %d)" % (t.RUN_ROOT, o.rc))
            a.check_confined(o.res, c.tag)
            p = a.planned(o.events)
            t.check(p.get("status") == "fully_enforced" and p.get("dropped") == "",
                    c.tag + ": planned fully_enforced, nothing dropped (got %s; %s)"
                    % (p.get("status"), p.get("dropped")))
            got = o.res.get("write:/tmp/hostrun/" + CANARY)
            t.check(got in ("EROFS", "EACCES") and not planted,
                    c.tag + ": writing the run root through it gives EROFS or EACCES (got %s)" % got)
            t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in " + t.RUN_ROOT)
    finally:
        if os.path.exists(host_canary):
            os.unlink(host_canary)


def RAN_NOT(o):
    """The probe printed none of its answers."""
    return not any(k.startswith("write:") for k in o.res)


# --- rootless -------------------------------------------------------------

RANGE = "600000-665535"


def rootless(w, name, made):
    """None when it ran, else why it could not."""
    for tool in ("podman", "newuidmap", "newgidmap", "useradd", "usermod", "userdel", "runuser"):
        if not shutil.which(tool):
            return tool + " is not installed"
    r = t.run(["useradd", "-m", "-s", "/bin/sh", name])
    if r.returncode != 0:
        return "cannot create a user here: " + r.stderr.strip()
    uid = made["uid"] = pwd.getpwnam(name).pw_uid
    gid = pwd.getpwnam(name).pw_gid
    r = t.run(["usermod", "--add-subuids", RANGE, "--add-subgids", RANGE, name])
    t.check(r.returncode == 0, "usermod: a subuid/subgid range for " + name)
    if os.path.exists("/run/user/%d" % uid):
        return "/run/user/%d exists: this case needs a user without a login session" % uid

    rl = os.path.join(w, "rootless")
    os.makedirs(rl)
    os.chmod(rl, 0o755)
    rootfs = os.path.join(rl, "rootfs")
    t.make_rootfs(rootfs)
    subprocess.run(["chown", "-R", "%d:%d" % (uid, gid), rootfs], check=True)
    # The shim and the enforcer beside it, where the user can reach them.
    bindir = os.path.join(rl, "bin")
    os.makedirs(bindir)
    for src in (t.binary(), os.environ.get("OSH_ENFORCER") or
                os.path.join(os.path.dirname(t.binary()), "oci-sandbox-enforce")):
        shutil.copy2(src, os.path.join(bindir, os.path.basename(src)))
    os.symlink(os.path.basename(t.binary()), os.path.join(bindir, "oci-sandbox-runtime"))
    os.chmod(bindir, 0o755)
    # podman hands its runtime none of its caller's environment
    # (OCI_SANDBOX_RUNTIME_CONFIG): the shim runs with its defaults (runc,
    # the built-in default policy: /tmp read-write), as a user's podman
    # would with no /etc/oci-sandbox/runtime.json; the hook's events go
    # beside the plans.
    run_root = "/tmp/podman-run-%d/oci-sandbox" % uid
    log = os.path.join(run_root, "oci-sandbox-hook.log")

    def podman(*args, timeout=120):
        # No login session: no XDG_RUNTIME_DIR, no /run/user/UID; podman runs
        # from /tmp/podman-run-UID.
        env = ["env", "-i", "HOME=/home/" + name, "PATH=/usr/bin:/bin", "USER=" + name]
        return t.run(["runuser", "-u", name, "--"] + env +
                     ["podman", "--runtime", os.path.join(bindir, "oci-sandbox-runtime"),
                      "--cgroup-manager", "cgroupfs"] + list(args), timeout=timeout, cwd="/")

    def run(tag, extra, probe):
        if os.path.exists(log):
            open(log, "w").close()  # the user's file, emptied
        return podman("run", "--rm", "--name", "%s-%s" % (name, tag), "--network", "none", *extra,
                      "--rootfs", rootfs, *probe)

    r = run("try", [], ["/bin/busybox", "true"])
    if r.returncode != 0 and ("newuidmap" in r.stderr + r.stdout or "subuid" in r.stderr + r.stdout):
        return "rootless podman cannot run here at all: " + r.stderr.strip()[-300:]

    # A plain container: confined, its plan under /tmp/podman-run-UID/oci-sandbox.
    r = run("plain", [], ["/bin/osh-probe"] + a.CONFINED)
    res = t.results(r.stdout)
    t.check(r.returncode == 0, "rootless plain: runs (exit %d)" % r.returncode)
    a.check_confined(res, "rootless plain")
    ev = t.log_events(log)
    p = a.planned(ev)
    t.check(p.get("status") == "fully_enforced" and ("plan written to " + run_root + "/") in p.get("message", ""),
            "rootless plain: fully_enforced, its plan under %s (%s)" % (run_root, p.get("message")))

    # -v /tmp:/tmp holds the run root: refused, nothing ran.
    canary = "/tmp/podman-run-%d/oci-sandbox/%s" % (uid, CANARY)
    r = run("tmp", ["-v", "/tmp:/tmp"], ["/bin/osh-probe"] + a.CONFINED + ["write:" + canary])
    res = t.results(r.stdout)
    planted = os.path.exists(canary)
    if planted:
        os.unlink(canary)
    t.check(r.returncode != 0 and "NoNewPrivs" not in r.stdout and not planted,
            "rootless -v /tmp:/tmp: refused, nothing ran (exit %d; the workload said %s)"
            % (r.returncode, res.get("write:" + canary)))
    ev = a.events_of(t.log_events(log), kind="landlock_path", decision="abort", mode="strict")
    t.check(len(ev) == 1 and "(/tmp) binds the host's /tmp" in ev[0].get("message", "")
            and PLAN_ROOT_MSG in ev[0].get("message", ""),
            "rootless -v /tmp:/tmp: landlock_path (strict) names the bind and the plan directories: %s"
            % (ev[0].get("message") if ev else None))
    left = [n for n in os.listdir(run_root) if not n.endswith(".log")] if os.path.isdir(run_root) else []
    t.check(left == [], "rootless: no plan directory left under %s %s" % (run_root, left))
    return None


with t.Workdir() as w:
    rootful(w)
    name = "oshpr" + uuid.uuid4().hex[:8]
    made = {"uid": None}
    try:
        why = rootless(w, name, made)
    finally:
        t.remove_user(name, made["uid"], "/home/" + name)
    if why:
        print("note: the rootless cases did not run: " + why)
    else:
        t.check(subprocess.run(["id", name], capture_output=True).returncode != 0, "the test user is removed")
        uid = made["uid"]
        t.check(not any(os.path.exists(d % uid) for d in ("/run/user/%d", "/tmp/oci-sandbox-%d",
                                                          "/tmp/podman-run-%d", "/tmp/containers-user-%d")),
                "its runtime directories are removed")
t.finish()
