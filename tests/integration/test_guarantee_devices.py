#!/usr/bin/env python3
"""Attack: a device the spec declares (linux.devices: `--device
/dev/fuse:/opt/fuse`) must not take the rights of where an image's symlink
or its workdir puts it.

The runtime makes a linux.devices node at its path as the image resolves
it. Through the shim under runc and crun, default policy:
- /opt/fuse (c 10:229, allowed in the device cgroup) with the image's
  /opt -> /tmp (absolute, and relative: -> tmp): the node landed in /tmp,
  and /tmp's rule let the workload open it read-write, fully_enforced.
  Refused now (landlock_path, strict), naming linux.devices[0] and the
  symlink; nothing runs. Under landlock_path warn it runs
  partially_enforced, naming linux.devices[0] in the planned event's
  dropped list and in the stderr summary. Control, no link: the node is
  there (10:229) and opening it gives EACCES, fully_enforced.
- the image's WORKDIR /srv (process.cwd) with the device at /srv/fuse: the
  workdir rule covered the node (opened read-write, fully_enforced). Now
  the workdir is not granted and the effective policy's change log says
  so, naming linux.devices[0]: opening the node and writing in /srv give
  EACCES, fully_enforced.
- the image's /dev a relative link (dev -> tmp/d) with a linux.devices
  node at /dev/osh-null (c 1:3, a null device: opened read-only at most):
  the runtime's /dev and the node land under /tmp. Refused (strict),
  naming linux.devices; under gpu_detection and landlock_path warn it
  runs partially_enforced, the dropped list naming linux.devices[0].
- a device path with "..": /opt/../fuse with the image's /opt -> /tmp/d.
  Both runtimes follow the link and then "..", so the node lands at
  /tmp/fuse under /tmp's read-write rule; every device judge skipped a
  path it could not normalize, and the workload opened the node
  read-write, fully_enforced. Refused now (strict), naming
  linux.devices[0] and "not an absolute path without"; under
  landlock_path warn it runs partially_enforced, linux.devices[0] in the
  dropped list (and the node opens read-write: the limit named is not in
  force). The relative opt/fuse (runc takes it from /; crun refuses
  a relative device path itself) is refused the same under runc."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402
import oshdrive as d  # noqa: E402

t.need_root_and("runc", "busybox")

FUSE = (10, 229)
NULL = (1, 3)


def device(path, major_minor):
    """A linux.devices entry, allowed in the device cgroup (--device)."""
    major, minor = major_minor

    def edit(cfg):
        cfg["linux"].setdefault("devices", []).append(
            {"path": path, "type": "c", "major": major, "minor": minor, "fileMode": 0o666, "uid": 0, "gid": 0})
        cfg["linux"]["resources"]["devices"].append(
            {"allow": True, "type": "c", "major": major, "minor": minor, "access": "rwm"})
    return edit


def cwd(path):
    def edit(cfg):
        cfg["process"]["cwd"] = path
    return edit


def link(path, target):
    return lambda rootfs: a.symlink(rootfs, path, target)


def mkdir(path):
    return lambda rootfs: os.makedirs(os.path.join(rootfs, path.lstrip("/")), exist_ok=True)


def dev_link(rootfs):
    """The image's /dev: a relative link into /tmp (relative, so that runc,
    which follows an absolute /dev link onto the host before any hook runs,
    stays in the rootfs)."""
    os.makedirs(os.path.join(rootfs, "tmp", "d"), exist_ok=True)
    a.symlink(rootfs, "/dev", "tmp/d")


def warn(*kinds):
    def edit(pol):
        for k in kinds:
            pol["failure"]["kinds"][k] = "warn"
    return edit


def refused(c, o, *needles):
    """Strict: refused at create, nothing ran, one abort event whose message
    holds each of `needles`."""
    t.check(o.rc == a.HOOK_REFUSED[c.runtime] and "NoNewPrivs" not in o.stdout,
            c.tag + ": refused at create, nothing ran (exit %d; %s)"
            % (o.rc, {k: v for k, v in o.res.items() if ":" in k}))
    ab = a.events_of(o.events, component="hook", decision="abort")
    msg = ab[0].get("message", "") if ab else ""
    t.check(len(ab) == 1 and all(n in msg for n in needles),
            c.tag + ": the hook's abort names %s: %s" % (" and ".join(repr(n) for n in needles),
                                                          (ab[0].get("kind"), msg[:300]) if ab else None))
    if c.runtime == "runc" and ab:  # crun drops hook stderr
        t.check(all(n in o.stderr for n in needles), c.tag + ": the runtime's error carries the hook's message")
    t.check(not a.events_of(o.events, decision="planned"), c.tag + ": no plan was written")
    t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")


def degraded(c, o, needle):
    """warn: runs confined, partially_enforced, `needle` in the planned
    event's dropped list and in the stderr summary."""
    t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
    t.check(o.res.get("Seccomp") == "2" and o.res.get("NoNewPrivs") == "1", c.tag + ": confined")
    p = a.planned(o.events)
    t.check(p.get("status") == "partially_enforced" and needle in p.get("dropped", ""),
            c.tag + ": planned partially_enforced, dropped names %s (got %s; %s)"
            % (needle, p.get("status"), p.get("dropped", "")[:300]))
    s = a.summary_line(o.stderr)
    t.check(needle in s, c.tag + ": the stderr summary names %s: %s" % (needle, s[:300]))


def run_keeping_plan(c):
    """create, the effective policy read while the plan is there, start,
    the container's output: (Outcome-like object, effective policy)."""
    class O:
        pass
    o = O()
    o.effective = None
    o.stdout = o.stderr = ""
    try:
        r = c.create_detached()
        o.rc = r.returncode
        if r.returncode == 0:
            o.effective = d.read_effective(c.cid)
            s = c.direct("start", c.cid)
            o.rc = s.returncode
            t.check(c.wait_stopped(), c.tag + ": the container ran to its end")
        o.stdout, o.stderr = c.container_output()
        print("  container stdout: " + o.stdout.strip().replace("\n", "\n                    "))
    finally:
        c.delete()
    o.res = t.results(o.stdout)
    o.events = c.events()
    return o


with t.Workdir() as w:
    n = [0]

    def case(tag, args, **kw):
        n[0] += 1
        c = a.Case(w, "%s-%d" % (tag, n[0]), ["/bin/osh-probe"] + a.CONFINED + args, **kw)
        return c, c.run()

    fuse_probe = ["open:/opt/fuse", "rdev:/opt/fuse", "open:/tmp/fuse", "rdev:/tmp/fuse"]
    for rt in a.RUNTIMES:
        # Control: no link. The node is there, and no rule opens it.
        c, o = case("opt-fuse-" + rt, fuse_probe, runtime=rt, edit_config=device("/opt/fuse", FUSE))
        t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
        a.check_confined(o.res, c.tag)
        t.check(o.res.get("rdev:/opt/fuse") == "10:229", c.tag + ": the node is at /opt/fuse (10:229, got %s)"
                % o.res.get("rdev:/opt/fuse"))
        t.check(o.res.get("open:/opt/fuse") == "EACCES",
                c.tag + ": opening it gives EACCES (got %s)" % o.res.get("open:/opt/fuse"))
        t.check(a.planned(o.events).get("status") == "fully_enforced", c.tag + ": fully_enforced")

        # /opt -> /tmp in the image: the node lands in /tmp. Refused.
        for tag, target in (("abs", "/tmp"), ("rel", "tmp")):
            c, o = case("opt-link-%s-%s" % (tag, rt), fuse_probe, runtime=rt, edit_config=device("/opt/fuse", FUSE),
                        edit_rootfs=link("/opt", target))
            refused(c, o, "linux.devices[0]", "/opt -> " + target)
        # Under landlock_path warn: runs, saying what is not in force.
        c, o = case("opt-link-warn-" + rt, ["rdev:/opt/fuse"], runtime=rt, edit_config=device("/opt/fuse", FUSE),
                    edit_rootfs=link("/opt", "/tmp"), edit_policy=warn("landlock_path"))
        degraded(c, o, "linux.devices[0]")

        # The image's WORKDIR /srv above the device: the workdir is not
        # granted, the change log says why.
        n[0] += 1
        c = a.Case(w, "workdir-fuse-%s-%d" % (rt, n[0]),
                   ["/bin/osh-probe"] + a.CONFINED + ["cwd", "rdev:/srv/fuse", "open:/srv/fuse", "write:/srv/osh-x"],
                   runtime=rt, edit_config=a.chain(device("/srv/fuse", FUSE), cwd("/srv")), edit_rootfs=mkdir("/srv"))
        o = run_keeping_plan(c)
        t.check(o.rc == 0 and o.res.get("cwd") == "/srv", c.tag + ": the container runs in /srv (exit %s, cwd %s)"
                % (o.rc, o.res.get("cwd")))
        a.check_confined(o.res, c.tag)
        t.check(o.res.get("rdev:/srv/fuse") == "10:229", c.tag + ": the node is at /srv/fuse (got %s)"
                % o.res.get("rdev:/srv/fuse"))
        for act in ("open:/srv/fuse", "write:/srv/osh-x"):
            t.check(o.res.get(act) == "EACCES", c.tag + ": %s gives EACCES (got %s)" % (act, o.res.get(act)))
        t.check(a.planned(o.events).get("status") == "fully_enforced", c.tag + ": fully_enforced")
        skips = [ch for ch in d.changes_for(o.effective, "/srv") if ch.get("action") == "skipped"]
        t.check(len(skips) == 1 and "linux.devices[0]" in skips[0].get("reason", ""),
                c.tag + ": the effective policy's change log skips the workdir /srv, naming linux.devices[0]: %s"
                % (skips[0].get("reason", "")[:300] if skips else d.changes_for(o.effective, "/srv")))
        t.check("/srv" not in d.granted_paths(o.effective), c.tag + ": nothing is granted on /srv")

        # The image's /dev -> tmp/d with a declared node (a null device,
        # opened read-only at most).
        dev_probe = ["rdev:/dev/osh-null", "rdev:/tmp/d/osh-null", "read:/dev/osh-null"]
        # Strict: refused; the hook stops at its first failure, which is the
        # /dev listing's (a link is never followed), so the device's own
        # failure is asserted under warn, where every one is named.
        c, o = case("dev-link-" + rt, dev_probe, runtime=rt, edit_config=device("/dev/osh-null", NULL),
                    edit_rootfs=dev_link)
        refused(c, o, "/dev in the container is a symbolic link")
        c, o = case("dev-link-warn-" + rt, dev_probe, runtime=rt, edit_config=device("/dev/osh-null", NULL),
                    edit_rootfs=dev_link, edit_policy=warn("gpu_detection", "landlock_path"))
        degraded(c, o, "linux.devices[0]")
        t.check(o.res.get("rdev:/tmp/d/osh-null") == "1:3",
                c.tag + ": the node landed in /tmp/d (1:3, got %s)" % o.res.get("rdev:/tmp/d/osh-null"))

        # "/opt/../fuse" through the image's /opt -> /tmp/d: the node lands
        # at /tmp/fuse. Refused; under warn it runs, the limit named.
        dotdot = "not an absolute path without"
        dd_probe = ["rdev:/tmp/fuse", "open:/tmp/fuse"]
        dd_image = a.chain(mkdir("/tmp/d"), link("/opt", "/tmp/d"))
        c, o = case("dotdot-fuse-" + rt, dd_probe, runtime=rt, edit_config=device("/opt/../fuse", FUSE),
                    edit_rootfs=dd_image)
        refused(c, o, "linux.devices[0] (/opt/../fuse)", dotdot)
        c, o = case("dotdot-fuse-warn-" + rt, dd_probe, runtime=rt, edit_config=device("/opt/../fuse", FUSE),
                    edit_rootfs=dd_image, edit_policy=warn("landlock_path"))
        degraded(c, o, "linux.devices[0]")
        t.check(o.res.get("rdev:/tmp/fuse") == "10:229",
                c.tag + ": the node landed at /tmp/fuse (10:229, got %s)" % o.res.get("rdev:/tmp/fuse"))
        t.check(o.res.get("open:/tmp/fuse") == "OK",
                c.tag + ": and the dropped limit is real: it opens read-write (got %s)" % o.res.get("open:/tmp/fuse"))
        if rt == "runc":  # crun refuses a relative device path itself
            c, o = case("relative-fuse-" + rt, dd_probe, runtime=rt, edit_config=device("opt/fuse", FUSE),
                        edit_rootfs=link("/opt", "/tmp"))
            refused(c, o, "linux.devices[0] (opt/fuse)", dotdot)

t.finish()
