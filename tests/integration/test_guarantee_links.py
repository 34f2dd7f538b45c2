#!/usr/bin/env python3
"""Attack: an image's symlinks must never widen a right.

Each hostile image puts a symlink where a rule's path goes (policy, baseline,
workdir, GPU node), absolute and ../-relative, and runs through the shim
under runc (and crun for the main forms):
- strict (the default): the hook refuses with a landlock_path event naming
  the link and its target; the runtime fails and no workload runs;
- landlock_path: warn: the container runs, the linked path stays denied
  (EACCES writing through it; /etc, /bin and the root stay EACCES), and the
  final status, in the hook's planned event and in the container's stderr
  (summary line and the enforcer's final event, at log level info), is
  partially_enforced naming the dropped rule.
A workdir that resolves to / or into a system tree gets no rule at all (the
container runs fully enforced; writing there is EACCES), nor does one inside
a system tree only the baseline grants (/lib32/sub: overwriting the image's
file there gives EACCES), nor one above a path the policy lists read-only
(/srv over /srv/conf: EACCES in both, runc and crun); one that resolves to
an ordinary directory gets its rule on the target.
A Debian-style merged-usr image (/bin -> usr/bin, /lib -> usr/lib, /lib64 ->
usr/lib64, /sbin -> usr/sbin, busybox in /usr/bin) runs fully enforced
under the default policy.
A workdir the runtime created under /tmp, swapped by the workload for a link
to /srv: a later exec refuses the link (strict: exit 125, nothing runs; warn:
partially_enforced naming the rule, EACCES through the link and in /srv)."""
import os
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402
import oshdrive as d  # noqa: E402

t.need_root_and("runc", "busybox")

PROBE = ["/bin/osh-probe"] + a.CONFINED


def landlock_path_warn(pol):
    pol["failure"]["kinds"]["landlock_path"] = "warn"


def data_rule(pol):
    pol["filesystem"]["rules"].append(
        {"path": "/data", "access": ["read_file", "read_dir", "write_file", "truncate"]})


def baseline_only(pol):
    """The baseline adds /usr, /lib, ... itself: the policy lists none."""
    pol["filesystem"]["read_only"] = ["/proc"]
    pol["filesystem"]["read_write"] = []


def link(path, target):
    return lambda rootfs: a.symlink(rootfs, path, target)


def image_dev(cfg):
    """No /dev tmpfs: the container's /dev is the image's own (where a
    hostile image can put symlinks; the runtime still makes the spec's
    devices there)."""
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] not in ("/dev", "/dev/shm")]


def refused(c, o, origin_rule, link_text, target):
    """Strict: refused at create with a landlock_path event whose message
    names the rule, the link and the target."""
    tag = c.tag
    t.check(o.rc == a.HOOK_REFUSED[c.runtime], tag + ": the runtime fails (exit %d)" % o.rc)
    t.check("NoNewPrivs" not in o.stdout, tag + ": no workload ran")
    ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
    want = "the image's symlink %s -> %s to %s," % (origin_rule.split(" on ")[1], link_text, target)
    t.check(len(ev) == 1 and ev[0]["message"].startswith(origin_rule) and want in ev[0]["message"],
            tag + ": the hook logged landlock_path (strict) abort: %r ... %r" % (origin_rule, want))
    t.check(not a.events_of(o.events, decision="planned"), tag + ": no plan was written")
    if c.runtime == "runc":  # crun drops hook stderr
        t.check("landlock_path (strict)" in o.stderr and want in o.stderr,
                tag + ": the runtime's error carries the hook's message")
    t.check(t.plan_dir_gone(c.cid), tag + ": nothing left in /run/oci-sandbox")


def degraded(c, o, rule_path, denied, tmp="OK"):
    """warn: runs; every path in `denied` gives EACCES; the final status is
    partially_enforced naming the rule on `rule_path`, in the hook's log
    and in the container's stderr."""
    tag = c.tag
    t.check(o.rc == 0, tag + ": the container runs (exit %d)" % o.rc)
    a.check_confined(o.res, tag, tmp=tmp)
    for p in denied:
        t.check(o.res.get("write:" + p) == "EACCES",
                tag + ": writing %s gives EACCES (got %s)" % (p, o.res.get("write:" + p)))
    lost = "the Landlock rule on %s (that path stays denied)" % rule_path
    ev = a.events_of(o.events, kind="landlock_path", decision="continue", mode="warn")
    t.check(len(ev) == 1 and ev[0].get("not_enforced") == lost,
            tag + ": the hook logged landlock_path (warn) continue: " + lost)
    p = a.planned(o.events)
    t.check(p.get("status") == "partially_enforced" and p.get("dropped", "").startswith(lost),
            tag + ": the planned event says partially_enforced, dropped " + lost)
    fin = a.final_exec_event(o.stderr)
    t.check(fin.get("status") == "partially_enforced" and lost in fin.get("dropped", ""),
            tag + ": the enforcer's final event (stderr, level info) says partially_enforced, " + lost)
    s = a.summary_line(o.stderr)
    t.check(s.startswith(a.SUMMARY + "partially_enforced; not enforced: " + lost),
            tag + ": the stderr summary names the dropped rule")


def fully_enforced(c, o):
    tag = c.tag
    t.check(o.rc == 0, tag + ": the container runs (exit %d)" % o.rc)
    a.check_confined(o.res, tag)
    p = a.planned(o.events)
    t.check(p.get("status") == "fully_enforced" and p.get("dropped") == "",
            tag + ": the planned event says fully_enforced")
    t.check(a.summary_line(o.stderr) == "" and a.final_exec_event(o.stderr) == {},
            tag + ": the container's stderr has no degradation line")


def merged_usr(rootfs):
    """Debian's layout: /bin, /sbin, /lib, /lib64 are links into /usr, whose
    directories hold what the image had there (busybox and its applets, the
    probe, a sanitizer build's libraries)."""
    for name in ("bin", "sbin", "lib", "lib64"):
        src = os.path.join(rootfs, name)
        dst = os.path.join(rootfs, "usr", name)
        os.makedirs(dst, exist_ok=True)
        for entry in os.listdir(src):
            os.rename(os.path.join(src, entry), os.path.join(dst, entry))
        os.rmdir(src)
        os.symlink("usr/" + name, src)


with t.Workdir() as w:
    n = [0]

    def case(tag, args=PROBE, **kw):
        n[0] += 1
        c = a.Case(w, "%s-%d" % (tag, n[0]), args, **kw)
        return c, c.run()

    # An image /dev with no devpts mount: its /dev/pts holds what the image
    # put there. The baseline once gave it terminal rights, so an image's
    # node there (195:0, a GPU the policy keeps out with gpu.detect: never)
    # opened (ENXIO: the driver reached) where /dev/nvidia0 gave EACCES.
    def devpts_node(rootfs):
        os.makedirs(os.path.join(rootfs, "dev/pts"), exist_ok=True)
        os.mknod(os.path.join(rootfs, "dev/pts/nv0"), stat.S_IFCHR | 0o666, os.makedev(195, 0))

    def no_devpts(cfg):
        cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] not in ("/dev", "/dev/shm", "/dev/pts")]

    def gpu_never(pol):
        pol["gpu"]["detect"] = "never"
    for rt in a.RUNTIMES:
        c, o = case("image-devpts-" + rt, runtime=rt, gpu=True, edit_config=no_devpts, edit_policy=gpu_never,
                    edit_rootfs=devpts_node, args=PROBE + ["open:/dev/pts/nv0", "open:/dev/nvidia0"])
        res = t.results(o.stdout)
        a.check_confined(res, c.tag)
        got = (res.get("open:/dev/pts/nv0"), res.get("open:/dev/nvidia0"))
        t.check(got == ("EACCES", "EACCES"),
                c.tag + ": the image's node in its own /dev/pts and the GPU node: EACCES, EACCES (got %s)" % (got,))

    # The same image /dev with its own nodes at the standard devices' paths
    # (the runtimes keep an image's node: runc ignores EEXIST): /dev/tty and
    # /dev/zero as 195:0, a GPU the policy keeps out (runc checks /dev/null
    # itself). The baseline once gave
    # them their rights by path, so they opened (ENXIO: the driver reached).
    def standard_paths_gpu(rootfs):
        os.makedirs(os.path.join(rootfs, "dev"), exist_ok=True)
        for name in ("tty", "zero"):
            os.mknod(os.path.join(rootfs, "dev", name), stat.S_IFCHR | 0o666, os.makedev(195, 0))

    for rt in a.RUNTIMES:
        c, o = case("image-stddev-" + rt, runtime=rt, gpu=True, edit_config=no_devpts, edit_policy=gpu_never,
                    edit_rootfs=standard_paths_gpu,
                    args=PROBE + ["rdev:/dev/tty", "open:/dev/tty", "rdev:/dev/zero", "open:/dev/zero"])
        res = t.results(o.stdout)
        a.check_confined(res, c.tag)
        for name in ("/dev/tty", "/dev/zero"):
            rdev, opened = res.get("rdev:" + name), res.get("open:" + name)
            if rdev == "195:0":
                t.check(opened == "EACCES", "%s: the image's %s (char 195:0) gives EACCES (got %s)"
                        % (c.tag, name, opened))
            else:
                t.check(rt != "runc", "%s: runc keeps the image's %s (got %s)" % (c.tag, name, rdev))
                print("note: %s replaced the image's %s with %s" % (rt, name, rdev))

    # /tmp -> / and /tmp -> ../.. (the policy's read_write /tmp): under runc
    # and crun, strict and warn. Under warn, /tmp, the root, /etc and /bin
    # stay denied.
    for rt in a.RUNTIMES:
        for text in ("/", "../.."):
            c, o = case("tmp-" + rt, runtime=rt, edit_rootfs=link("/tmp", text))
            refused(c, o, "policy read_write rule on /tmp", text, "/")
            c, o = case("tmp-warn-" + rt, runtime=rt, edit_rootfs=link("/tmp", text),
                        edit_policy=landlock_path_warn,
                        args=PROBE + ["write:/tmp/x", "write:/osh-x", "write:/bin/osh-x"])
            degraded(c, o, "/tmp", ["/tmp/x", "/osh-x", "/bin/osh-x", "/etc/osh-denied"], tmp="EACCES")

    # /data -> /etc under a policy rule giving /data write_file: refused;
    # under warn, writing /etc through /data is EACCES.
    c, o = case("data-etc", edit_rootfs=link("/data", "/etc"), edit_policy=data_rule,
                args=PROBE + ["write:/data/passwd"])
    refused(c, o, "policy rules[0] rule on /data", "/etc", "/etc")
    c, o = case("data-etc-warn", edit_rootfs=link("/data", "/etc"),
                edit_policy=a.chain(data_rule, landlock_path_warn), args=PROBE + ["write:/data/passwd"])
    degraded(c, o, "/data", ["/data/passwd", "/etc/osh-denied"])
    c, o = case("data-etc-rel", edit_rootfs=link("/data", "../etc"), edit_policy=data_rule)
    refused(c, o, "policy rules[0] rule on /data", "../etc", "/etc")

    # A link to / at every read-only path, as the policy lists them and as
    # the baseline adds them (a policy that lists none). The probe is also
    # at / so that /bin -> / still finds it.
    def at_root_too(rootfs):
        shutil.copy2(os.environ["OSH_PROBE"], os.path.join(rootfs, "osh-probe"))

    for path in ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc"):
        for origin, edit in (("policy read_only", None), ("baseline", baseline_only)):
            c, o = case("ro" + path.replace("/", "-"), args=["/osh-probe", "status"], edit_policy=edit,
                        edit_rootfs=a.chain(at_root_too, link(path, "/")))
            refused(c, o, "%s rule on %s" % (origin, path), "/", "/")

    # /dev/shm (baseline read-write) in an image whose /dev is its own, and
    # /tmp as the baseline adds it.
    for text in ("/", ".."):
        c, o = case("devshm", edit_config=image_dev, edit_rootfs=link("/dev/shm", text))
        refused(c, o, "baseline rule on /dev/shm", text, "/")
    c, o = case("tmp-baseline", edit_policy=baseline_only, edit_rootfs=link("/tmp", "/"))
    refused(c, o, "baseline rule on /tmp", "/", "/")

    # A GPU node (fake NVIDIA devices) that the image made a symlink to
    # /etc/passwd (the runtime's mknod leaves it), and a GPU path
    # (/run/nvidia-persistenced) linked to /. The spec's device entry is
    # only a claim where the live /dev holds a link: no rule at all for
    # /dev/nvidia0, strict or warn; the real /dev/nvidiactl keeps its rule.
    for tag, edit in (("gpu-node", None), ("gpu-node-warn", landlock_path_warn)):
        c, o = case(tag, gpu=True, edit_config=image_dev, edit_policy=edit,
                    edit_rootfs=link("/dev/nvidia0", "/etc/passwd"),
                    args=PROBE + ["open:/dev/nvidia0", "write:/etc/passwd", "open:/dev/nvidiactl"])
        fully_enforced(c, o)
        t.check(o.res.get("open:/dev/nvidia0") == "EACCES" and o.res.get("write:/etc/passwd") == "EACCES",
                c.tag + ": opening /dev/nvidia0 (-> /etc/passwd) read-write, and /etc/passwd, give EACCES")
        t.check(o.res.get("open:/dev/nvidiactl") == "ENXIO",
                c.tag + ": the real node /dev/nvidiactl keeps its rule (ENXIO: no driver)")
        p = a.planned(o.events)
        t.check(p.get("gpu") == "true" and "/dev/nvidia0" not in p.get("gpu_reason", "").split("first ")[-1],
                c.tag + ": planned gpu true, from the real nodes (%s)" % p.get("gpu_reason"))

    def persistenced_link(rootfs):
        os.makedirs(os.path.join(rootfs, "run"), exist_ok=True)
        a.symlink(rootfs, "/run/nvidia-persistenced", "/")
    c, o = case("gpu-path", gpu=True, edit_rootfs=persistenced_link)
    refused(c, o, "gpu nvidia rule on /run/nvidia-persistenced", "/", "/")

    # The workdir: judged by what it resolves to. / (absolute and relative
    # links) and /etc get no rule: the container runs fully enforced and
    # cannot write there. The effective policy says why.
    def cwd(p):
        def edit(cfg):
            cfg["process"]["cwd"] = p
        return edit

    def in_w(rootfs):
        os.makedirs(os.path.join(rootfs, "w"), exist_ok=True)

    for tag, where, target, edit in (
            ("workdir-abs", "/app", "/", link("/app", "/")),
            ("workdir-rel", "/w/app", "/", a.chain(in_w, link("/w/app", "../.."))),
            ("workdir-etc", "/app", "/etc", link("/app", "/etc"))):
        n[0] += 1
        c = a.Case(w, "%s-%d" % (tag, n[0]), PROBE + ["write:%s/osh-x" % where, "write:/osh-x", "cwd"],
                   edit_config=cwd(where), edit_rootfs=edit)
        out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid)
        res = t.results(out.stdout)
        t.check(out.rc == 0 and out.workload_rc == 0, c.tag + ": the container runs")
        a.check_confined(res, c.tag)
        t.check(res.get("cwd") == target, c.tag + ": the workload starts in %s (got %s)" % (target, res.get("cwd")))
        t.check(res.get("write:%s/osh-x" % where) == "EACCES" and res.get("write:/osh-x") == "EACCES",
                c.tag + ": writing in the workdir (%s) and in / gives EACCES" % where)
        t.check(a.planned(out.events).get("status") == "fully_enforced",
                c.tag + ": fully_enforced (a refused workdir rule drops no protection)")
        skips = [ch for ch in d.changes_for(out.effective, where) if ch.get("action") == "skipped"]
        t.check(len(skips) == 1 and ("resolves to %s through the image's symlink" % target) in skips[0]["reason"],
                c.tag + ": the effective policy records the workdir rule as skipped, naming the link")
        rights = [r.get("access", []) for r in (out.effective or {}).get("filesystem", [])
                  if r.get("path") == target]
        t.check(all("write_file" not in r for r in rights),
                c.tag + ": nothing grants write_file on " + target + " (%s)" % rights)

    # Control: a workdir link to an ordinary directory gets its rule on the
    # target (and only there).
    def app_to_srv(rootfs):
        os.makedirs(os.path.join(rootfs, "srv", "app"))
        a.symlink(rootfs, "/app", "/srv/app")
    c, o = case("workdir-srv", edit_config=cwd("/app"), edit_rootfs=app_to_srv,
                args=PROBE + ["write:/app/osh-x", "write:/srv/osh-x"])
    fully_enforced(c, o)
    t.check(o.res.get("write:/app/osh-x") == "OK", c.tag + ": writing in the workdir (/app -> /srv/app) works")
    t.check(o.res.get("write:/srv/osh-x") == "EACCES", c.tag + ": its parent /srv stays denied (EACCES)")

    # A workdir inside a system tree the baseline grants read-only (the
    # default policy does not list /lib32): the image's WORKDIR once made it
    # writable. No rule; the image's files there stay as they are.
    def lib32_app(rootfs):
        os.makedirs(os.path.join(rootfs, "lib32", "sub"))
        with open(os.path.join(rootfs, "lib32", "sub", "libx.so"), "w") as f:
            f.write("image\n")
    c, o = case("workdir-lib32", edit_config=cwd("/lib32/sub"), edit_rootfs=lib32_app,
                args=PROBE + ["put:/lib32/sub/libx.so:PWNED", "write:/lib32/sub/osh-x", "cwd"])
    fully_enforced(c, o)
    t.check(o.res.get("cwd") == "/lib32/sub", c.tag + ": the workload starts in /lib32/sub")
    t.check(o.res.get("put:/lib32/sub/libx.so:PWNED") == "EACCES" and o.res.get("write:/lib32/sub/osh-x") == "EACCES",
            c.tag + ": overwriting the image's library and creating a file there give EACCES (got %s, %s)"
            % (o.res.get("put:/lib32/sub/libx.so:PWNED"), o.res.get("write:/lib32/sub/osh-x")))
    with open(os.path.join(c.rootfs, "lib32", "sub", "libx.so")) as f:
        t.check(f.read() == "image\n", c.tag + ": the image's file is unchanged")

    # A workdir above a path the policy lists read-only (/srv/conf under
    # cwd /srv): a rule on /srv would cover /srv/conf, so there is none
    # (runc, crun). It once made /srv/conf writable.
    def srv_conf(rootfs):
        os.makedirs(os.path.join(rootfs, "srv", "conf"))

    def conf_read_only(pol):
        pol["filesystem"]["read_only"].append("/srv/conf")
    for rt in a.RUNTIMES:
        c, o = case("workdir-above-ro-" + rt, runtime=rt, edit_config=cwd("/srv"), edit_rootfs=srv_conf,
                    edit_policy=conf_read_only, args=PROBE + ["write:/srv/conf/osh-wd", "write:/srv/osh-wd"])
        fully_enforced(c, o)
        t.check(o.res.get("write:/srv/conf/osh-wd") == "EACCES" and o.res.get("write:/srv/osh-wd") == "EACCES",
                c.tag + ": writing in /srv/conf (listed read-only) and in /srv gives EACCES (got %s, %s)"
                % (o.res.get("write:/srv/conf/osh-wd"), o.res.get("write:/srv/osh-wd")))
        t.check(os.listdir(os.path.join(c.rootfs, "srv", "conf")) == [], c.tag + ": nothing was written there")

    # A link whose target's name holds a stray byte and a newline that
    # would forge a line: every log line, the plan and the runtime's stderr
    # stay UTF-8 with no line of the image's making (the target written with
    # U+FFFD); strict refuses, warn runs partially enforced. The raw bytes
    # once reached the logs and the plan, whose enforcer then refused it.
    forged = b"x\xff\nFAKE: oci-sandbox-hook: sandbox fully_enforced"

    def odd_target(rootfs):
        os.makedirs(os.path.join(rootfs.encode(), forged))
        shutil.rmtree(os.path.join(rootfs, "tmp"))
        os.symlink(b"/" + forged, os.path.join(rootfs.encode(), b"tmp"))

    def utf8_only(c, o):
        for label, data in (("the case's log", open(c.log, "rb").read()), ("the runtime's stderr", o.stderr.encode()),
                            ("the workload's stdout", o.stdout.encode())):
            try:
                data.decode("utf-8")
                ok = True
            except UnicodeDecodeError:
                ok = False
            t.check(ok and b"\nFAKE" not in data, c.tag + ": %s is UTF-8 with no forged line" % label)

    c, o = case("odd-target", edit_rootfs=odd_target)
    t.check(o.rc == a.HOOK_REFUSED[c.runtime] and "NoNewPrivs" not in o.stdout,
            c.tag + ": strict: the runtime fails, no workload ran")
    ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
    t.check(len(ev) == 1 and "symlink /tmp -> /x\ufffd\nFAKE: oci-sandbox-hook" in ev[0]["message"],
            c.tag + ": the abort event names the link's target, its stray byte as U+FFFD")
    # (runc quotes the hook's stderr in its message, doubling the backslash)
    t.check("symlink /tmp -> /x\ufffd\\" in o.stderr and "x0aFAKE: oci-sandbox-hook" in o.stderr,
            c.tag + ": the hook's summary in the runtime's error writes the newline as \\x0a")
    utf8_only(c, o)
    c, o = case("odd-target-warn", edit_rootfs=odd_target, edit_policy=landlock_path_warn,
                args=PROBE + ["write:/tmp/x"])
    degraded(c, o, "/tmp", ["/tmp/x", "/etc/osh-denied"], tmp="EACCES")
    utf8_only(c, o)

    # Merged-usr, under runc and crun: the default policy works unchanged.
    for rt in a.RUNTIMES:
        c, o = case("merged-usr-" + rt, runtime=rt, edit_rootfs=merged_usr,
                    args=PROBE + ["read:/bin/busybox", "write:/usr/bin/osh-x", "write:/bin/osh-x"])
        t.check(os.path.islink(os.path.join(c.rootfs, "bin")) and
                os.readlink(os.path.join(c.rootfs, "bin")) == "usr/bin", c.tag + ": /bin is a link to usr/bin")
        fully_enforced(c, o)
        t.check(o.res.get("read:/bin/busybox") == "OK", c.tag + ": /bin/busybox (through /bin -> usr/bin) reads")
        t.check(o.res.get("write:/usr/bin/osh-x") == "EACCES" and o.res.get("write:/bin/osh-x") == "EACCES",
                c.tag + ": /usr/bin and /bin stay read-only (EACCES)")

    # A workdir the runtime creates (/tmp/w, not in the image) has a rule
    # the hook could not bind to an object. The running workload swaps it
    # for a link to /srv (mode 0777, in no rule) and asks for an exec: the
    # link is refused, never given the rule. Strict: the exec exits 125 and
    # runs nothing; warn: it runs partially_enforced, naming the rule, and
    # neither the link nor /srv is writable.
    def srv_0777(rootfs):
        os.makedirs(os.path.join(rootfs, "srv"))
        os.chmod(os.path.join(rootfs, "srv"), 0o777)

    for rt, edit_policy in [(rt, None) for rt in a.RUNTIMES] + [("runc", landlock_path_warn)]:
        mode = "warn" if edit_policy else "strict"
        n[0] += 1
        c = a.Case(w, "exec-swap-%s-%s-%d" % (mode, rt, n[0]), ["/bin/sleep", "300"], runtime=rt,
                   edit_config=cwd("/tmp/w"), edit_rootfs=srv_0777, edit_policy=edit_policy)
        r = c.start_detached()
        t.check(r.returncode == 0, c.tag + ": `runtime run -d` started the container in /tmp/w")
        try:
            r = c.shim("exec", "--cwd", "/tmp", c.cid, "/bin/sh", "-c", "rmdir /tmp/w && ln -s /srv /tmp/w")
            t.check(r.returncode == 0 and os.readlink(os.path.join(c.rootfs, "tmp", "w")) == "/srv",
                    c.tag + ": the workload replaced its workdir /tmp/w with a link to /srv")
            r = c.shim("exec", "--cwd", "/tmp", c.cid, "/bin/osh-probe", *a.CONFINED,
                       "write:/tmp/w/osh-x", "write:/srv/osh-x")
            res = t.results(r.stdout)
            refusal = "open /tmp/w (a symbolic link)"
            if mode == "strict":
                t.check(r.returncode == 125 and refusal in r.stderr,
                        c.tag + ": the exec is refused (exit %d, 125 wanted): %s" % (r.returncode, refusal))
                t.check("NoNewPrivs" not in r.stdout, c.tag + ": nothing ran")
            else:
                t.check(r.returncode == 0, c.tag + ": the exec runs (exit %d)" % r.returncode)
                a.check_confined(res, c.tag)
                t.check(res.get("write:/tmp/w/osh-x") == "EACCES" and res.get("write:/srv/osh-x") == "EACCES",
                        c.tag + ": writing through the link and in /srv gives EACCES (got %s, %s)"
                        % (res.get("write:/tmp/w/osh-x"), res.get("write:/srv/osh-x")))
                s = a.summary_line(r.stderr)
                t.check(s.startswith(a.SUMMARY + "partially_enforced; not enforced: ") and "/tmp/w" in s,
                        c.tag + ": the stderr summary names the rule on /tmp/w: " + s)
                t.check(refusal in r.stderr, c.tag + ": and says why: " + refusal)
        finally:
            c.delete()

t.finish()
