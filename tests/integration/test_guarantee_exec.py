#!/usr/bin/env python3
"""Attack: a process started with `exec` in a running container must be
confined like its first process.

Under runc and crun, a container started through the shim (`runtime run -d`,
sleeping) gets processes through `runtime exec`:
- inline (`exec ID CMD...`), as root and as uid 1000 (--user, --cwd, --env);
- `exec --process FILE ID` with a process.json as containerd writes it, as
  root and as uid 1000 with additionalGids: the runtime reads the shim's
  sealed copy (the enforcer in front of args, every other field kept) and
  the file itself is untouched; a workload that keeps renaming an unwrapped
  file over FILE (in its own /tmp) never gets an unconfined exec;
- inline, with a command that already names the enforcer with a key of the
  caller's choosing: rewrapped with the container's own key; and a process
  file whose args are already wrapped with "--" as --plan's value
  ([enforcer, exec, --plan, --, --key, K, --, probe...]): the probe runs
  confined (it once ran "--key", exit 127);
- after the bundle's config.json is rewritten without our edit, or removed:
  the runtime's own record of the container (`state`: the annotations of
  the config it created it from) says it is ours.
Each exec'd process has our filter (Seccomp 2; setns(-1) gives EPERM where
the kernel alone says EBADF; chroot EPERM), NoNewPrivs 1, Landlock (/etc and
a mode-0777 /srv give EACCES, /tmp is writable) and its user, groups, cwd
and env unchanged.
With Landlock skipped, the workload cannot rename /.oci-sandbox (a tmpfs of
ours: EBUSY) nor unlink the enforcer or rename the plan mounted in it, so a
later exec still runs our enforcer. Renamed from another mount namespace
(the host's here), where it is an ordinary directory, with a fake planted in
its place: the shim, proving /.oci-sandbox again from the root the exec
enters (the container's mount namespace joined through its pid: not the
rootfs's host path, which may move too, nor the pid's own root, which a
chroot moves), refuses the exec and nothing runs.
A startContainer hook (its path is the image's file, run in the container
before the workload) runs under the enforcer too (Seccomp 2, /etc EACCES);
one added to config.json after the spec edit is refused by the hook.
Once the container's plan directory is removed, an exec (inline or
--process) is refused: the shim exits 1 with a message and a host-log event,
and nothing ran. An exec into a container not started through the shim passes
through unchanged (no filter, /etc writable; the process file untouched),
which also shows the checks above can fail."""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

PREFIX = ["/.oci-sandbox/oci-sandbox-hook", "exec", "--plan", "/.oci-sandbox/plan", "--key"]


def probe(tag):
    """The probe's checks, with files of this exec's own (an earlier exec's
    file, owned by root, would refuse uid 1000 by its permission bits)."""
    return ["/bin/osh-probe", "status", "setns_badfd", "chroot", "write:/etc/osh-" + tag,
            "write:/tmp/osh-" + tag, "write:/srv/osh-" + tag, "ids", "cwd", "env:OSH_VAR"]


def confined(res, label, tag):
    t.check(res.get("Seccomp") == "2", label + ": Seccomp: 2")
    t.check(res.get("NoNewPrivs") == "1", label + ": NoNewPrivs: 1")
    t.check(res.get("setns_badfd") == "EPERM", label + ": setns(-1) gives EPERM (our filter; got %s)"
            % res.get("setns_badfd"))
    t.check(res.get("chroot") == "EPERM", label + ": chroot gives EPERM")
    t.check(res.get("write:/etc/osh-" + tag) == "EACCES", label + ": writing /etc gives EACCES")
    t.check(res.get("write:/srv/osh-" + tag) == "EACCES",
            label + ": writing /srv (mode 0777, not in the policy) gives EACCES")
    t.check(res.get("write:/tmp/osh-" + tag) == "OK", label + ": writing /tmp works")


def identity(res, label, uid, gid, groups, cwd, env):
    got = (res.get("uid"), res.get("gid"), res.get("groups"), res.get("cwd"), res.get("env:OSH_VAR"))
    t.check(got == (uid, gid, groups, cwd, env),
            label + ": uid, gid, groups, cwd, env unchanged: %s (want %s)" % (got, (uid, gid, groups, cwd, env)))


def image(rootfs):
    srv = os.path.join(rootfs, "srv")
    os.makedirs(srv)
    os.chmod(srv, 0o777)


def spec_env(cfg):
    cfg["process"]["env"].append("OSH_VAR=from-spec")


def process_json(path, uid, gid, extra_gids, args, cwd, env):
    """A process.json as containerd's shim writes it for `exec`."""
    p = {"terminal": False, "user": {"uid": uid, "gid": gid}, "args": args,
         "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "OSH_VAR=" + env],
         "cwd": cwd,
         "capabilities": {k: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
                          for k in ("bounding", "effective", "permitted")},
         "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
         "noNewPrivileges": False}
    if extra_gids:
        p["user"]["additionalGids"] = extra_gids
    with open(path, "w") as f:
        json.dump(p, f)
    return p


def edit_key(bundle):
    args = t.read_config(bundle)["process"]["args"]
    return args[args.index("--key") + 1] if "--key" in args else None


def ours(w, rt):
    c = a.Case(w, "exec-" + rt, ["/bin/sleep", "300"], runtime=rt, edit_config=spec_env, edit_rootfs=image)
    r = c.start_detached()
    t.check(r.returncode == 0, c.tag + ": `runtime run -d` started the container")
    key = edit_key(c.bundle)
    try:
        r = c.shim("exec", c.cid, *probe("root"))
        res = t.results(r.stdout)
        t.check(r.returncode == 0, c.tag + " inline root: exit 0")
        confined(res, c.tag + " inline root", "root")
        identity(res, c.tag + " inline root", "0", "0", "", "/", "from-spec")

        r = c.shim("exec", "--user", "1000:1000", "--cwd", "/tmp", "--env", "OSH_VAR=inline",
                   c.cid, *probe("u1000"))
        res = t.results(r.stdout)
        t.check(r.returncode == 0, c.tag + " inline uid 1000: exit 0")
        confined(res, c.tag + " inline uid 1000", "u1000")
        identity(res, c.tag + " inline uid 1000", "1000", "1000", "", "/tmp", "inline")

        for tag, uid, gid, extra in (("proc-root", 0, 0, None), ("proc-u1000", 1000, 1000, [10, 20])):
            pj = os.path.join(c.sub, tag + ".json")
            before = process_json(pj, uid, gid, extra, probe(tag), "/tmp", tag)
            r = c.shim("exec", "--process", pj, c.cid)
            res = t.results(r.stdout)
            label = c.tag + " --process " + tag
            t.check(r.returncode == 0, label + ": exit 0")
            confined(res, label, tag)
            identity(res, label, str(uid), str(gid), ",".join(str(g) for g in extra or []), "/tmp", tag)
            with open(pj) as f:
                after = json.load(f)
            t.check(after == before,
                    label + ": the process file is untouched (the runtime read the shim's sealed copy, "
                    "with the enforcer in front of args)")

        # A command that already names the enforcer, with a key of its own.
        r = c.shim("exec", c.cid, *(PREFIX + ["0" * 32, "--"] + probe("prewrapped")))
        res = t.results(r.stdout)
        t.check(r.returncode == 0, c.tag + " pre-wrapped: exit 0 (rewrapped with the container's key)")
        confined(res, c.tag + " pre-wrapped", "prewrapped")

        # The same in a process file, with "--" as --plan's value before
        # the key: the command starts where the enforcer takes it (after
        # the second "--"). Once the spec edit cut at the first "--" and
        # ran "--key" (exit 127, "--key: command not found").
        tag = "proc-dashplan"
        pj = os.path.join(c.sub, tag + ".json")
        wrapped = [PREFIX[0], "exec", "--plan", "--", "--key", "0" * 32, "--"] + probe(tag)
        before = process_json(pj, 0, 0, None, wrapped, "/tmp", tag)
        r = c.shim("exec", "--process", pj, c.cid)
        res = t.results(r.stdout)
        label = c.tag + " --process " + tag
        t.check(r.returncode == 0 and "command not found" not in r.stderr,
                label + ": the probe runs, not \"--key\" (exit %d)" % r.returncode)
        confined(res, label, tag)
        identity(res, label, "0", "0", "", "/tmp", tag)
        with open(pj) as f:
            t.check(json.load(f) == before, label + ": the process file is untouched")

        # The bundle's config.json is rewritten without our edit (the plan
        # mount and the enforcer prefix gone), then removed: the runtime still
        # reports the annotation of the config it created the container from,
        # so every exec stays confined.
        edited = t.read_config(c.bundle)
        plain = json.loads(json.dumps(edited))
        plain["mounts"] = [m for m in plain["mounts"] if m["destination"] != "/.oci-sandbox/plan"]
        args = plain["process"]["args"]
        plain["process"]["args"] = args[args.index("--") + 1:]
        plain.get("annotations", {}).pop("oci-sandbox/plan-key", None)
        t.write_config(c.bundle, plain)
        r = c.shim("exec", c.cid, *probe("rewritten"))
        t.check(r.returncode == 0, c.tag + " config.json rewritten unedited: exit 0")
        confined(t.results(r.stdout), c.tag + " config.json rewritten unedited", "rewritten")
        os.unlink(os.path.join(c.bundle, "config.json"))
        pj = os.path.join(c.sub, "noconfig.json")
        process_json(pj, 1000, 1000, None, probe("noconfig"), "/tmp", "noconfig")
        r = c.shim("exec", "--process", pj, c.cid)
        t.check(r.returncode == 0, c.tag + " config.json removed, --process: exit 0")
        confined(t.results(r.stdout), c.tag + " config.json removed, --process", "noconfig")
        t.write_config(c.bundle, edited)

        # The plan directory goes: every exec is refused, nothing runs.
        shutil.rmtree(c.plan_dir())
        since = a.host_log_size()
        ran = os.path.join(c.rootfs, "tmp", "osh-exec-ran")
        r = c.shim("exec", c.cid, "/bin/sh", "-c", "echo %s; touch /tmp/osh-exec-ran" % a.RAN)
        msg = ("oci-sandbox-runtime: exec %s: the plan of the container (/run/oci-sandbox/%s/plan.json) "
               "is not there" % (c.cid, c.cid))
        t.check(r.returncode == 1 and r.stderr.startswith(msg) and
                r.stderr.rstrip().endswith("refusing to run a process in it unconfined"),
                c.tag + " no plan, inline: the shim exits 1: " + msg + "...")
        t.check(a.RAN not in r.stdout and not os.path.exists(ran), c.tag + " no plan, inline: nothing ran")
        ev = a.events_of(a.host_log_events(c.cid, since), component="runtime", decision="abort")
        t.check(len(ev) == 1 and "refusing to run a process in it unconfined" in ev[0]["message"],
                c.tag + " no plan: the host log has the shim's abort event")
        pj = os.path.join(c.sub, "noplan.json")
        process_json(pj, 0, 0, None, ["/bin/sh", "-c", "touch /tmp/osh-exec-ran"], "/", "x")
        with open(pj) as f:
            text = f.read()
        r = c.shim("exec", "--process", pj, c.cid)
        with open(pj) as f:
            t.check(r.returncode == 1 and r.stderr.startswith(msg) and f.read() == text,
                    c.tag + " no plan, --process: refused (exit 1), the file unchanged")
        t.check(not os.path.exists(ran), c.tag + " no plan, --process: nothing ran")
    finally:
        c.delete()


def not_ours(w, rt):
    """Started by the runtime itself: exec passes through unchanged."""
    c = a.Case(w, "plain-" + rt, ["/bin/sleep", "300"], runtime=rt, edit_config=spec_env, edit_rootfs=image)
    r = c.start_detached_unconfined()
    t.check(r.returncode == 0, c.tag + ": started by %s directly (no spec edit)" % rt)
    try:
        r = c.shim("exec", c.cid, *probe("plain"))
        res = t.results(r.stdout)
        t.check(r.returncode == 0 and res.get("Seccomp") == "0" and res.get("setns_badfd") == "EBADF",
                c.tag + ": inline exec passes through: no filter (Seccomp 0, setns(-1) EBADF)")
        t.check(res.get("write:/etc/osh-plain") == "OK" and res.get("write:/srv/osh-plain") == "OK",
                c.tag + ": and no Landlock (/etc and /srv writable)")
        pj = os.path.join(c.sub, "plain.json")
        process_json(pj, 1000, 1000, None, probe("plain-u1000"), "/tmp", "x")
        with open(pj) as f:
            text = f.read()
        r = c.shim("exec", "--process", pj, c.cid)
        res = t.results(r.stdout)
        with open(pj) as f:
            t.check(r.returncode == 0 and res.get("Seccomp") == "0" and f.read() == text,
                    c.tag + ": --process exec passes through, the file untouched")
        t.check(res.get("write:/srv/osh-plain-u1000") == "OK",
                c.tag + ": uid 1000 writes the mode-0777 /srv there (what Landlock denies in ours)")
    finally:
        c.delete()


def area_held(w, rt):
    """With Landlock skipped (a degraded run, reported so), the workload can
    write /: it once renamed /.oci-sandbox away and put a script of its own
    there, which every later exec ran in place of the enforcer (no filter).
    /.oci-sandbox is now a tmpfs of ours: a mount point, so the rename and
    the unlink give EBUSY, and later execs keep the filter."""
    skip_landlock = lambda pol: pol["failure"]["kinds"].update(landlock_unavailable="skip")  # noqa: E731
    c = a.Case(w, "area-" + rt, ["/bin/sleep", "300"], runtime=rt, edit_policy=skip_landlock)
    r = c.start_detached()
    t.check(r.returncode == 0, c.tag + ": the container runs (Landlock skipped by the policy)")
    try:
        r = c.shim("exec", c.cid, "/bin/osh-probe", "write:/osh-root-writable", "rename:/.oci-sandbox>/.osh-moved",
                   "unlink:/.oci-sandbox/oci-sandbox-hook", "rename:/.oci-sandbox/plan>/.oci-sandbox/p2",
                   "write:/.oci-sandbox/osh-junk")
        res = t.results(r.stdout)
        t.check(res.get("write:/osh-root-writable") == "OK",
                c.tag + ": without Landlock the workload writes / (what made the swap possible)")
        got = (res.get("rename:/.oci-sandbox>/.osh-moved"), res.get("unlink:/.oci-sandbox/oci-sandbox-hook"),
               res.get("rename:/.oci-sandbox/plan>/.oci-sandbox/p2"))
        t.check(got == ("EBUSY", "EBUSY", "EBUSY"),
                c.tag + ": renaming /.oci-sandbox, unlinking the enforcer, renaming the plan: EBUSY (got %s)" % (got,))
        t.check(res.get("write:/.oci-sandbox/osh-junk") == "OK",
                c.tag + ": (a new file in the tmpfs is harmless: the paths execs use are mount points)")
        r = c.shim("exec", c.cid, *probe("area"))
        res = t.results(r.stdout)
        t.check(r.returncode == 0 and res.get("Seccomp") == "2" and res.get("setns_badfd") == "EPERM",
                c.tag + ": a later exec still runs our enforcer (Seccomp 2, setns EPERM)")
    finally:
        c.delete()


def area_swapped_outside(w, rt):
    """From another mount namespace (here the host's; a container given this
    one's rootfs as a volume is the same) /.oci-sandbox is an ordinary
    directory: renaming it away detaches our mounts in the container, and a
    planted "enforcer" once ran every later exec unconfined. The shim now
    proves the container's /.oci-sandbox again before each exec (the
    enforcer the hook proved at create, this plan directory) and refuses."""
    c = a.Case(w, "swapped-" + rt, ["/bin/sleep", "300"], runtime=rt)
    r = c.start_detached()
    t.check(r.returncode == 0, c.tag + ": the container runs")
    try:
        r = c.shim("exec", c.cid, *probe("before-swap"))
        t.check(r.returncode == 0 and t.results(r.stdout).get("Seccomp") == "2", c.tag + ": an exec before: confined")
        area = os.path.join(c.rootfs, ".oci-sandbox")
        os.rename(area, os.path.join(c.rootfs, ".osh-moved"))
        os.makedirs(os.path.join(area, "plan"))
        fake = os.path.join(area, "oci-sandbox-hook")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho %s\nwhile [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\"\n" % a.RAN)
        os.chmod(fake, 0o755)
        since = a.host_log_size()
        r = c.shim("exec", c.cid, *probe("after-swap"))
        msg = "is not the enforcer the hook proved at create"
        t.check(r.returncode == 1 and msg in r.stderr and "refusing to run a process in it unconfined" in r.stderr,
                c.tag + ": after the swap the shim refuses the exec: ..." + msg)
        t.check(a.RAN not in r.stdout and "Seccomp" not in r.stdout, c.tag + ": nothing ran (neither fake nor probe)")
        ev = a.events_of(a.host_log_events(c.cid, since), component="runtime", decision="abort")
        t.check(len(ev) == 1 and msg in ev[0]["message"], c.tag + ": the host log has the shim's abort event")
        # The proof looks through the pid the runtime enters, not the host
        # path of the rootfs: moving the rootfs (an empty directory in its
        # place) once made it skip the proof, and the fake ran.
        os.rename(c.rootfs, c.rootfs + ".moved")
        os.makedirs(c.rootfs)
        r = c.shim("exec", c.cid, *probe("rootfs-moved"))
        t.check(r.returncode == 1 and msg in r.stderr and a.RAN not in r.stdout and "Seccomp" not in r.stdout,
                c.tag + ": with the rootfs moved on the host too: still refused, nothing ran")
    finally:
        c.delete()


def area_swapped_under_chroot(w, rt):
    """The proof once looked through /proc/<pid>/root, the pid's own root.
    A first process that chroots (a policy allowing chroot, CAP_SYS_CHROOT
    as Docker gives) into a directory where another mount namespace moved
    the real /.oci-sandbox passed that proof, while the exec, which joins
    the mount namespace at its root, ran the fake planted there: no filter,
    /etc writable. The proof now joins the namespace as the exec does."""
    def caps(cfg):
        for k in ("bounding", "effective", "permitted"):
            cfg["process"]["capabilities"][k].append("CAP_SYS_CHROOT")

    def allow_chroot(pol):
        pol.setdefault("seccomp", {})["allow"] = ["chroot"]

    def jail(rootfs):
        os.makedirs(os.path.join(rootfs, "tmp/X/bin"))
        shutil.copy2(os.path.join(rootfs, "bin/busybox"), os.path.join(rootfs, "tmp/X/bin/busybox"))
        os.symlink("busybox", os.path.join(rootfs, "tmp/X/bin/sleep"))

    work = ["/bin/sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exec chroot /tmp/X /bin/sleep 300"]
    c = a.Case(w, "chroot-" + rt, work, runtime=rt, edit_config=caps, edit_policy=allow_chroot,
               edit_rootfs=jail)
    r = c.start_detached()
    t.check(r.returncode == 0, c.tag + ": the container runs (chroot allowed by the policy)")
    try:
        x = os.path.join(c.rootfs, "tmp/X")
        os.rename(os.path.join(c.rootfs, ".oci-sandbox"), os.path.join(x, ".oci-sandbox"))
        os.makedirs(os.path.join(c.rootfs, ".oci-sandbox/plan"))
        fake = os.path.join(c.rootfs, ".oci-sandbox/oci-sandbox-hook")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho %s\nwhile [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\"\n" % a.RAN)
        os.chmod(fake, 0o755)
        open(os.path.join(c.rootfs, "tmp/go"), "w").close()
        state = c.state()
        pid = state.get("pid") or 0

        def root_of(p):
            try:
                return os.readlink("/proc/%d/root" % p) if p > 0 else ""
            except OSError:
                return ""
        for _ in range(100):
            if root_of(pid).endswith("/tmp/X"):
                break
            time.sleep(0.05)
        t.check(root_of(pid).endswith("/tmp/X"),
                c.tag + ": the first process is chrooted where the real /.oci-sandbox now is (state %s, pid %d)"
                % (state.get("status"), pid))
        r = c.shim("exec", c.cid, *probe("chroot"))
        msg = "is not the enforcer the hook proved at create"
        t.check(r.returncode == 1 and msg in r.stderr and a.RAN not in r.stdout and "Seccomp" not in r.stdout,
                c.tag + ": the exec is refused (...%s) and nothing ran (rc %d, stdout %r)"
                % (msg, r.returncode, r.stdout[:120]))
    finally:
        c.delete()


def start_container_hook(w, rt):
    """A startContainer hook's path resolves in the container (the image's
    file) and runs there before the workload: it once ran with no filter
    and /etc writable while the plan said fully_enforced. The spec edit now
    puts it under the enforcer; a config.json edited after ours (an
    unwrapped one added) is refused by the hook."""
    out = "/tmp/osh-start-container"
    sc = ["sh", "-c", "/bin/osh-probe status setns_badfd write:/etc/osh-sc write:/tmp/osh-sc > " + out]

    def hook(cfg):
        cfg.setdefault("hooks", {})["startContainer"] = [{"path": "/bin/sh", "args": sc}]
    c = a.Case(w, "start-hook-" + rt, ["/bin/sleep", "300"], runtime=rt, edit_config=hook)
    r = c.start_detached()
    t.check(r.returncode == 0, c.tag + ": the container with a startContainer hook runs")
    try:
        pid = c.state().get("pid")
        with open("/proc/%d/root%s" % (pid, out)) as f:
            res = t.results(f.read())
        got = (res.get("Seccomp"), res.get("setns_badfd"), res.get("write:/etc/osh-sc"), res.get("write:/tmp/osh-sc"))
        t.check(got == ("2", "EPERM", "EACCES", "OK"),
                c.tag + ": the hook ran under the enforcer: Seccomp 2, setns EPERM, /etc EACCES, /tmp OK (got %s)"
                % (got,))
    finally:
        c.delete()
    # A createContainer hook with a relative path: runc runs it from the
    # rootfs before pivot_root, the image's file on the host's side (it once
    # wrote a host file with no filter). Refused by the spec edit.
    canary = os.path.join(w, "osh-host-canary-" + rt)

    def relative_hook(cfg):
        cfg.setdefault("hooks", {})["createContainer"] = [{"path": "bin/osh-on-host", "args": ["x"]}]

    def image_script(rootfs):
        p = os.path.join(rootfs, "bin/osh-on-host")
        with open(p, "w") as f:
            f.write("#!/bin/sh\necho ran > %s\n" % canary)
        os.chmod(p, 0o755)
    c = a.Case(w, "relative-hook-" + rt, ["/bin/true"], runtime=rt, edit_config=relative_hook,
               edit_rootfs=image_script)
    try:
        o = c.run()
        t.check(o.rc != 0 and "/hooks/createContainer/0/path: must be an absolute path" in o.stderr,
                c.tag + ": a relative createContainer hook path is refused by the spec edit (rc %d)" % o.rc)
        t.check(not os.path.exists(canary), c.tag + ": the image's script never ran on the host")
    finally:
        c.delete()
    if rt != "runc":
        return
    # Edited after our edit: inject, then an unwrapped hook appended, then
    # the runtime itself (no shim to edit it again).
    c = a.Case(w, "start-hook-late-" + rt, ["/bin/true"], runtime=rt)
    r = t.run([t.binary(), "inject", "--bundle", c.bundle, "--id", c.cid,
               "--hook-arg=--policy", "--hook-arg=" + c.policy_path])
    t.check(r.returncode == 0, c.tag + ": inject exits 0")
    cfg = t.read_config(c.bundle)
    cfg["hooks"]["startContainer"] = [{"path": "/bin/sh", "args": sc}]
    t.write_config(c.bundle, cfg)
    try:
        r = c.direct("run", "--bundle", c.bundle, c.cid)
        msg = "hooks.startContainer[0] (/bin/sh) would run in the container without the enforcer"
        t.check(r.returncode != 0 and msg in r.stderr, c.tag + ": the hook refuses: ..." + msg)
        t.check(not os.path.exists(os.path.join(c.rootfs, out.lstrip("/"))), c.tag + ": the startContainer hook never ran")
    finally:
        c.delete()


with t.Workdir() as w:
    for rt in a.RUNTIMES:
        start_container_hook(w, rt)
        ours(w, rt)
        not_ours(w, rt)
        area_held(w, rt)
        area_swapped_outside(w, rt)
        area_swapped_under_chroot(w, rt)

# The workload races the shim for a process file it can write (its own
# /tmp here; a read-write volume is the same): it keeps renaming an
# unwrapped process.json over the file. The shim once wrote its edit back
# under that name and the runtime read it again by name: 37 of 40 execs
# ran unconfined. The runtime now reads the shim's sealed copy.
RACE_PROC = {"terminal": False, "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"], "cwd": "/",
             "args": ["/bin/osh-probe", "status", "setns_badfd", "write:/etc/osh-race"]}
RACE_LOOP = ("echo '%s' > /tmp/evil; while :; do cp /tmp/evil /tmp/n.json; mv /tmp/n.json /tmp/p.json; done"
             % json.dumps(RACE_PROC))
with t.Workdir() as w:
    for rt in a.RUNTIMES:
        c = a.Case(w, "race-" + rt, ["/bin/sh", "-c", RACE_LOOP], runtime=rt)
        r = c.start_detached()
        t.check(r.returncode == 0, c.tag + ": the racing workload runs")
        pid = c.state().get("pid")
        pf = "/proc/%s/root/tmp/p.json" % pid
        try:
            for _ in range(50):
                if os.path.exists(pf):
                    break
                time.sleep(0.1)
            results = []
            for _ in range(20):
                r = c.shim("exec", "--process", pf, c.cid)
                res = t.results(r.stdout)
                if r.returncode == 0:
                    results.append((res.get("Seccomp"), res.get("setns_badfd"), res.get("write:/etc/osh-race")))
            t.check(len(results) >= 15, c.tag + ": most execs ran (%d of 20; a file caught mid-rename is refused)"
                    % len(results))
            t.check(all(x == ("2", "EPERM", "EACCES") for x in results),
                    c.tag + ": every exec that ran was confined (Seccomp 2, setns EPERM, /etc EACCES): %s"
                    % sorted(set(results)))
        finally:
            c.delete()

t.finish()
