#!/usr/bin/env python3
"""Attack: mounts in the spec must never shadow the enforcer or its plan.

1. Spellings (runc, some under crun): a decoy at /.oci-sandbox/oci-sandbox-hook
   (or /.oci-sandbox/plan) and a bind of a host directory (holding a fake
   enforcer and a plan directory) onto /.oci-sandbox, in both orders and in
   every spelling the runtime would resolve to the same place (//, /./, ..,
   no leading /, trailing /, "/" itself, below /.oci-sandbox). The shim
   refuses before the runtime runs: exit 1, "/mounts/N" naming the first
   offending mount, a host-log event, config.json untouched, no plan
   directory, nothing ran; given `--log FILE --log-format json|text`, the
   refusal is also the last error in FILE, in the runtime's own format
   (containerd and Docker report it from there).
2. Image symlinks the spec edit cannot see (runc and crun): an image whose
   /.oci-sandbox itself is a symlink: the hook's proof in the container's
   mount namespace refuses it ("the enforcer or its plan is not ours").
   An image whose /.oci-sandbox/plan is a symlink: ours are mounted last,
   on top (a tmpfs at /.oci-sandbox, the enforcer and the plan in it), the
   proof holds and the container runs our enforcer with its own plan.
   Decoys that land on /.oci-sandbox through the image's links (/sbx ->
   /.oci-sandbox with a bind at /sbx, /x/y/z -> /.oci-sandbox with a bind at
   /x/y/z, whose host directory's oci-sandbox-hook and plan are symlinks
   into the image or plain files; /sbx/plan, /sbx/oci-sandbox-hook) are
   refused at create (landlock_path): ours cover them, and a decoy covered
   so cannot be told from one the runtime put elsewhere through a link our
   mounts replaced. The fake enforcer never runs.
3. The same image-symlink forms through podman's precreate path (hooks.d,
   --rootfs): refused by the hook; and the plain decoy at /.oci-sandbox
   there (refused by precreate).
4. Without a live view of the container (a pid-0 state, as an outer sandbox
   such as gVisor gives), the hook proves the same on the image: a mount
   beneath a bind mount (whose host content the image does not show) is
   refused, naming that bind; a sibling that only shares a prefix
   (/data and /database) is not."""
import json
import os
import resource
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402
import oshdrive as d  # noqa: E402

t.need_root_and("runc", "busybox")

WORKLOAD = ["/bin/sh", "-c", "echo %s; /bin/osh-probe status setns_badfd write:/etc/osh-x" % a.RAN]
FAKE = "osh-fake-enforcer-ran"
NOT_OURS = "refused: the enforcer or its plan is not ours: "


def host_dirs(w):
    """`plain`: a fake enforcer (a script) and an empty plan directory;
    `links`: oci-sandbox-hook and plan as symlinks to places in the image."""
    plain = os.path.join(w, "decoy-plain")
    os.makedirs(os.path.join(plain, "plan"))
    with open(os.path.join(plain, "oci-sandbox-hook"), "w") as f:
        f.write("#!/bin/sh\necho %s\n" % FAKE)
    os.chmod(os.path.join(plain, "oci-sandbox-hook"), 0o755)
    links = os.path.join(w, "decoy-links")
    os.makedirs(links)
    os.symlink("/evil/plan", os.path.join(links, "plan"))
    os.symlink("/evil/oci-sandbox-hook", os.path.join(links, "oci-sandbox-hook"))
    return plain, links


def bind(dest, source):
    return {"destination": dest, "type": "bind", "source": source, "options": ["rbind", "ro"]}


def add_mounts(*ms):
    def edit(cfg):
        cfg["mounts"].extend(ms)
    return edit


def spelled_refusal(w, plain, rt, tag, mounts, bad):
    """The shim refuses the spec: `bad` is the index (among `mounts`) of
    the mount it must name."""
    c = a.Case(w, tag, WORKLOAD, runtime=rt, edit_config=add_mounts(*mounts))
    base = len(t.read_config(c.bundle)["mounts"]) - len(mounts)
    n = base + bad
    with open(os.path.join(c.bundle, "config.json")) as f:
        before = f.read()
    since = a.host_log_size()
    o = c.run()
    dest = mounts[bad]["destination"]
    want = ("oci-sandbox-runtime: run %s: %s/config.json: /mounts/%d: destination %s"
            % (c.cid, c.bundle, n, json.dumps(dest)))
    t.check(o.rc == 1 and o.stderr.startswith(want) and "could shadow them, so the container is refused" in o.stderr,
            tag + ": the shim exits 1: " + want)
    t.check(a.RAN not in o.stdout and FAKE not in o.stdout, tag + ": nothing ran")
    with open(os.path.join(c.bundle, "config.json")) as f:
        t.check(f.read() == before, tag + ": config.json is untouched")
    t.check(t.plan_dir_gone(c.cid), tag + ": no plan directory")
    ev = a.events_of(a.host_log_events(c.cid, since), component="runtime", decision="abort")
    t.check(len(ev) == 1 and "/mounts/%d: destination" % n in ev[0]["message"],
            tag + ": the host log has the shim's abort event naming /mounts/%d" % n)
    t.check(o.events == [], tag + ": no hook ran")


def proof_refusal(c, o):
    tag = c.tag
    t.check(o.rc == a.HOOK_REFUSED[c.runtime], tag + ": the runtime fails (exit %d)" % o.rc)
    t.check(a.RAN not in o.stdout and FAKE not in o.stdout, tag + ": nothing ran (neither workload nor fake enforcer)")
    ev = a.events_of(o.events, component="hook", decision="abort")
    t.check(len(ev) == 1 and ev[0]["message"].startswith(NOT_OURS),
            tag + ": the hook logged its abort: " + NOT_OURS + "...")
    if ev:
        print("  (" + ev[0]["message"] + ")")
    if c.runtime == "runc":
        t.check(NOT_OURS in o.stderr, tag + ": the runtime's error carries it")
    t.check(not a.events_of(o.events, decision="planned"), tag + ": no plan was written")
    t.check(t.plan_dir_gone(c.cid), tag + ": nothing left in /run/oci-sandbox")


def ours_on_top(c, o):
    tag = c.tag
    t.check(o.rc == 0 and a.RAN in o.stdout, tag + ": the container runs")
    t.check(FAKE not in o.stdout, tag + ": the fake enforcer never ran")
    t.check(o.res.get("Seccomp") == "2" and o.res.get("setns_badfd") == "EPERM" and
            o.res.get("write:/etc/osh-x") == "EACCES", tag + ": our enforcer applied our plan (filter, Landlock)")
    t.check(a.planned(o.events).get("status") == "fully_enforced", tag + ": planned, fully_enforced")


def decoy_refused(c, o, dest):
    """Refused at create (landlock_path), the decoy named; nothing ran."""
    t.check(o.rc == a.HOOK_REFUSED[c.runtime] and a.RAN not in o.stdout and FAKE not in o.stdout,
            c.tag + ": refused at create, nothing ran (neither workload nor fake; exit %d)" % o.rc)
    ev = a.events_of(o.events, kind="landlock_path", decision="abort")
    msg = ev[0]["message"] if ev else ""
    t.check(len(ev) == 1 and ("(%s) lies beneath the later mounts[" % dest in msg or
                              "(%s): in the running container what is mounted where" % dest in msg),
            c.tag + ": landlock_path names the decoy: %s" % msg[:200])
    t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")


def image_with(*links):
    """The image has /.oci-sandbox (so the runtime can resolve through it),
    /evil with a plan directory and a file, and each (path, target) link."""
    def edit(rootfs):
        os.makedirs(os.path.join(rootfs, ".oci-sandbox"), exist_ok=True)
        os.makedirs(os.path.join(rootfs, "evil", "plan"), exist_ok=True)
        open(os.path.join(rootfs, "evil", "oci-sandbox-hook"), "w").close()
        for path, target in links:
            a.symlink(rootfs, path, target)
    return edit


def podman_cases(w, plain, links):
    if shutil.which("podman") is None:
        print("SKIP (part): podman is not installed")
        return

    def limit(which):
        hard = resource.getrlimit(which)[1]
        return 1024 if hard == resource.RLIM_INFINITY else min(hard, 1024)

    pol = t.default_policy()
    log = os.path.join(w, "podman-hook.log")
    pol["log"]["path"] = log
    policy_path = t.write_policy(w, pol, "podman-policy.json")
    hooks = os.path.join(w, "hooks.d")
    os.makedirs(hooks)
    with open(os.path.join(os.environ["OSH_SOURCE_ROOT"], "hooks", "oci-sandbox-precreate.json")) as f:
        h = json.load(f)
    h["hook"]["path"] = t.binary()
    h["hook"]["args"] += ["--hook-arg=--policy", "--hook-arg=" + policy_path]
    with open(os.path.join(hooks, "oci-sandbox-precreate.json"), "w") as f:
        json.dump(h, f)
    nofile, nproc = limit(resource.RLIMIT_NOFILE), limit(resource.RLIMIT_NPROC)

    def podman(tag, rootfs_edit, volume):
        rootfs = os.path.join(w, "podman-" + tag)
        t.make_rootfs(rootfs)
        rootfs_edit(rootfs)
        name = t.unique_id("podman-" + tag)
        start = len(t.log_events(log))
        since = a.host_log_size()
        try:
            r = t.run(["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooks,
                       "run", "--rm", "--name", name, "--network", "none",
                       "--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=%d:%d" % (nproc, nproc),
                       "-v", volume, "--rootfs", rootfs] + WORKLOAD, timeout=180)
        finally:
            t.run(["podman", "rm", "-f", "--ignore", name])
        return r, t.log_events(log)[start:], a.host_log_events(None, since)

    for tag, link in (("podman-xyz", "/x/y/z"), ("podman-sbx", "/sbx")):
        for kind, source in (("decoy with links", links), ("plain decoy", plain)):
            r, ev, _ = podman(tag + "-" + kind.split()[0], image_with((link, "/.oci-sandbox")), source + ":" + link)
            refused = a.events_of(ev, kind="landlock_path", decision="abort")
            t.check(r.returncode != 0 and a.RAN not in r.stdout and FAKE not in r.stdout,
                    tag + " (%s): refused, nothing ran (neither workload nor fake; exit %d)" % (kind, r.returncode))
            t.check(len(refused) == 1 and "(%s)" % link in refused[0]["message"],
                    tag + " (%s): the hook's landlock_path abort names the decoy" % kind)
    r, ev, host = podman("podman-decoy", lambda rootfs: None, plain + ":/.oci-sandbox")
    t.check(r.returncode == a.HOOK_REFUSED["podman"] and a.RAN not in r.stdout and FAKE not in r.stdout and not ev,
            "podman decoy at /.oci-sandbox: refused by precreate before any hook; nothing ran")


def without_live_view(w, plain):
    """The hook alone at createRuntime on a pid-0 state (no live view)."""
    for tag, mounts, beneath in (
            ("nolive-beneath", [bind("/data", plain), bind("/data/inner/x", plain)], "/data"),
            ("nolive-deep", [bind("/opt/a", plain), bind("/opt/a/b/c/d", plain)], "/opt/a"),
            ("nolive-siblings", [bind("/data", plain), bind("/database", plain), bind("/data2/x", plain)], None)):
        c = a.Case(w, tag, WORKLOAD, edit_config=add_mounts(*mounts))
        r = t.run([t.binary(), "inject", "--bundle", c.bundle, "--id", c.cid,
                   "--hook-arg=--policy", "--hook-arg=" + c.policy_path])
        t.check(r.returncode == 0, tag + ": inject exits 0")
        r, _ = d.run_hook(c.policy_path, "createRuntime", d.state_json(c.cid, c.bundle, pid=0))
        if beneath:
            n = len(t.read_config(c.bundle)["mounts"])
            want = "lies beneath the bind mount at %s, which this hook cannot see into" % beneath
            t.check(r is not None and r.returncode != 0 and want in r.stderr,
                    tag + ": refused: " + want)
            t.check(n > 0 and not a.events_of(c.events(), decision="planned"), tag + ": no plan was written")
        else:
            t.check(r is not None and r.returncode == 0, tag + ": /database and /data2/x are not beneath /data: planned")
        d.run_hook(c.policy_path, "poststop", d.state_json(c.cid, c.bundle, status="stopped"))


with t.Workdir() as w:
    plain, links = host_dirs(w)
    hook = "/.oci-sandbox/oci-sandbox-hook"
    plan = "/.oci-sandbox/plan"
    spellings = ["/.oci-sandbox", "//.oci-sandbox/", "/.oci-sandbox/", "/.oci-sandbox/./plan",
                 "/.oci-sandbox/x/../plan", ".oci-sandbox/plan", "/.oci-sandbox/plan/", "/.oci-sandbox//oci-sandbox-hook",
                 "/x/../.oci-sandbox", "./.oci-sandbox/oci-sandbox-hook/", "/", "//", "/.oci-sandbox/other",
                 ".oci-sandbox", "/.oci-sandbox/plan/.."]
    k = 0
    for s in spellings:
        for decoy_dest in (hook, plan):
            decoy = bind(decoy_dest, os.path.join(plain, "oci-sandbox-hook" if decoy_dest == hook else "plan"))
            shadow = bind(s, plain)
            k += 1
            spelled_refusal(w, plain, "runc", "decoy-first-%d" % k, [decoy, shadow], 0)
            k += 1
            spelled_refusal(w, plain, "runc", "shadow-first-%d" % k, [shadow, decoy], 0)
        k += 1
        spelled_refusal(w, plain, "runc", "alone-%d" % k, [bind("/srv", plain), bind(s, plain)], 1)
    for s in (("//.oci-sandbox/", "/.oci-sandbox/x/../plan") if "crun" in a.RUNTIMES else ()):
        k += 1
        spelled_refusal(w, plain, "crun", "crun-%d" % k,
                        [bind(hook, os.path.join(plain, "oci-sandbox-hook")), bind(s, plain)], 0)

    # The refusal reaches the runtime's own --log too, in its format:
    # containerd and Docker report the last error logged there, not stderr.
    for fmt in ("json", "text"):
        c = a.Case(w, "runtime-log-" + fmt, WORKLOAD, edit_config=add_mounts(bind("/.oci-sandbox", plain)))
        log_file = os.path.join(c.sub, "log." + fmt)
        r = c.shim("--log", log_file, "--log-format", fmt, "create", "--bundle", c.bundle, c.cid)
        with open(log_file) as f:
            last = f.read().splitlines()[-1]
        if fmt == "json":
            line = json.loads(last)
            ok = (line.get("level") == "error" and line.get("msg", "").startswith("oci-sandbox-runtime: create " + c.cid)
                  and "could shadow them" in line["msg"] and line.get("time", "").endswith("Z"))
        else:
            ok = last.startswith("time=\"") and ' level=error msg="oci-sandbox-runtime: create ' + c.cid in last
        t.check(r.returncode == 1 and ok,
                c.tag + ": the shim's refusal is the last error in the runtime's --log (%s): %s" % (fmt, last[:160]))
        c.direct("delete", "-f", c.cid)
    # A command line the shim cannot read for certain: the same.
    c = a.Case(w, "runtime-log-spelling", WORKLOAD)
    log_file = os.path.join(c.sub, "log.json")
    r = c.shim("--log", log_file, "--log-format", "json", "--no-such-option", "create", "--bundle", c.bundle, c.cid)
    with open(log_file) as f:
        line = json.loads(f.read().splitlines()[-1])
    t.check(r.returncode == 1 and line.get("level") == "error" and "unknown option --no-such-option" in line.get("msg", ""),
            c.tag + ": a refused spelling is the last error in the runtime's --log too: %s" % line.get("msg", "")[:120])

    # Image symlinks: the proof refuses what would not be ours.
    for rt in a.RUNTIMES:
        c = a.Case(w, "image-link-" + rt, WORKLOAD, runtime=rt,
                   edit_rootfs=lambda rootfs: (os.makedirs(os.path.join(rootfs, "sbx-real")),
                                               a.symlink(rootfs, "/.oci-sandbox", "/sbx-real")))
        proof_refusal(c, c.run())
        c = a.Case(w, "image-plan-link-" + rt, WORKLOAD, runtime=rt,
                   edit_rootfs=image_with(("/.oci-sandbox/plan", "/evil/plan")))
        ours_on_top(c, c.run())
        # Decoys through image links onto /.oci-sandbox (at it or beneath):
        # ours are mounted last, over them, and the object at the decoy's
        # landing is then not the decoy's source. A decoy covered so cannot
        # be told from one the runtime put elsewhere through a link our
        # mounts replaced (/.oci-sandbox/plan -> /tmp): refused.
        for tag, link, dest, source in (
                ("sbx-links", "/sbx", "/sbx", links),
                ("xyz-links", "/x/y/z", "/x/y/z", links),
                ("xyz-plain", "/x/y/z", "/x/y/z", plain),
                ("sbx-plan", "/sbx", "/sbx/plan", os.path.join(plain, "plan")),
                ("sbx-hook", "/sbx", "/sbx/oci-sandbox-hook", os.path.join(plain, "oci-sandbox-hook"))):
            c = a.Case(w, "%s-%s" % (tag, rt), WORKLOAD, runtime=rt,
                       edit_rootfs=image_with((link, "/.oci-sandbox")), edit_config=add_mounts(bind(dest, source)))
            decoy_refused(c, c.run(), dest)

    podman_cases(w, plain, links)
    without_live_view(w, plain)

t.finish()
