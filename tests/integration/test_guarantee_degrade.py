#!/usr/bin/env python3
"""Every degradation is reported, every time.

Each failure kind that can be triggered here, under warn and under skip,
through the shim under runc (some under crun too), with the policy's log
level at info (the default), and once at error (a degradation is written at
any level; a fully enforced start is not):
  netns                a spec without a network namespace (the host's)
  privilege_drop       run_as_user "nobody", which the image maps to uid 0
  landlock_path        an image whose /tmp is a symlink to /
  hook_prelude         skip (nothing here makes the prelude fail for the hook alone)
  landlock_unavailable skip; warn with Landlock made unavailable (osh-nolandlock:
                       an outer filter answering the Landlock calls with ENOSYS)
  seccomp_compile      an unknown system call in seccomp.deny
  landlock_enforce, no_new_privs, privilege_drop (a numeric run_as_user)
                       skip: steps only the enforcer takes, named by the hook too
  gpu_detection        a host directory mounted under /dev deeper than the
                       hook's bounded walk looks
For each: the container runs; the workload shows what is really in force
(e.g. Seccomp 0 without the filter, /etc writable without Landlock); the host
log has the hook's event (kind, mode, decision continue or skipped,
not_enforced naming the protection) and its planned event with status
partially_enforced and `dropped` naming it; the container's stderr has the
enforcer's final event and the one-line summary with the same status, naming
it. With both Landlock and the filter skipped, the status is not_enforced."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")
if not os.environ.get("OSH_NOLANDLOCK"):
    t.skip("OSH_NOLANDLOCK is not set (run through meson test)")

PROBE = ["/bin/osh-probe"] + a.CONFINED + ["ids"]

L_NETNS = "a private network namespace"
L_PRIV = "the switch to the policy's run_as user and group"
L_PATH = "the Landlock rule on /tmp (that path stays denied)"
L_PRELUDE = "the hook's own confinement (seccomp prelude and Landlock domain)"
L_LANDLOCK = "Landlock (filesystem, network and IPC rules)"
L_LANDLOCK_WARN = "Landlock (filesystem, network and IPC rules, and the hook's own domain)"
L_SECCOMP = "the seccomp filter"
L_GPU = "GPU evidence from that part of /dev"


def kinds(**modes):
    def edit(pol):
        assert pol["log"]["level"] == "info"
        for k, m in modes.items():
            pol["failure"]["kinds"][k] = m
    return edit


def host_network(cfg):
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "network"]


def nobody_is_root(rootfs):
    with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:0:0::/:/bin/false\n")


def run_as_nobody(pol):
    pol["process"]["run_as_user"] = "nobody"


def can_switch(cfg):
    for k in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][k] += ["CAP_SETUID", "CAP_SETGID"]


def tmp_to_root(rootfs):
    a.symlink(rootfs, "/tmp", "/")


def unknown_syscall(pol):
    pol["seccomp"]["deny"] = ["osh_no_such_syscall"]


def deep_dev_mount(deep):
    def edit(cfg):
        cfg["mounts"].append({"destination": "/dev/osh-deep", "type": "bind", "source": deep,
                              "options": ["rbind", "ro"]})
    return edit


def hard_requirement(pol):
    pol["landlock"]["compatibility"] = "hard_requirement"


def expect_filter(res):
    return res.get("Seccomp") == "2" and res.get("setns_badfd") == "EPERM"


def expect_no_filter(res):
    return res.get("Seccomp") == "0" and res.get("setns_badfd") == "EBADF"


def expect_landlock(res):
    return res.get("write:/etc/osh-denied") == "EACCES"


def expect_no_landlock(res):
    return res.get("write:/etc/osh-denied") == "OK"


def degraded(c, o, reports, status="partially_enforced", workload=()):
    """`reports`: (kind, mode, lost) the hook must log and the final status
    must name; `workload`: (what, predicate on the probe's results)."""
    tag = c.tag
    t.check(o.rc == 0 and "NoNewPrivs" in o.stdout, tag + ": the container runs (exit %d)" % o.rc)
    for what, ok in workload:
        t.check(ok(o.res), tag + ": " + what + " (%s)" % {k: o.res.get(k) for k in
                ("Seccomp", "setns_badfd", "write:/etc/osh-denied", "uid")})
    p = a.planned(o.events)
    fin = a.final_exec_event(o.stderr)
    s = a.summary_line(o.stderr)
    want_planned = "not_enforced" if status == "not_enforced" else "partially_enforced"
    t.check(p.get("status") == want_planned, tag + ": the hook's planned event says " + want_planned +
            " (got %s)" % p.get("status"))
    t.check(fin.get("status") == status, tag + ": the enforcer's final event (stderr, level info) says " + status)
    t.check(s.startswith(a.SUMMARY + status + "; not enforced: "), tag + ": the stderr summary says " + status)
    for kind, mode, lost in reports:
        decision = "continue" if mode == "warn" else "skipped"
        ev = a.events_of(o.events, kind=kind, mode=mode, decision=decision, component="hook")
        t.check(len(ev) >= 1 and all(e.get("not_enforced") == lost for e in ev),
                tag + ": the host log has the hook's %s (%s) %s event, not_enforced: %s" % (kind, mode, decision, lost))
        t.check(lost in p.get("dropped", ""), tag + ": the planned event's dropped names " + lost)
        t.check(lost in fin.get("dropped", "") and lost in s,
                tag + ": the enforcer's final event and the summary name " + lost)


with t.Workdir() as w:
    deep = os.path.join(w, "deep")
    os.makedirs(os.path.join(deep, "a", "b", "c", "d", "e"))
    n = [0]

    def case(tag, runtime="runc", wrap=(), **kw):
        n[0] += 1
        c = a.Case(w, "%s-%d" % (tag, n[0]), PROBE, runtime=runtime, **kw)
        if not wrap:
            return c, c.run()
        try:
            r = t.run(list(wrap) + [t.binary(), "runtime", "--root", c.state_root, "run", "--bundle", c.bundle, c.cid],
                      env={"OCI_SANDBOX_RUNTIME_CONFIG": c.rtcfg})
        finally:
            c.delete()
        return c, a.Outcome(r, c.events())

    confined = [("the filter is loaded", expect_filter), ("Landlock is in force", expect_landlock)]
    for mode in ("warn", "skip"):
        for rt in (a.RUNTIMES if mode == "warn" else ("runc",)):
            c, o = case("netns-%s-%s" % (mode, rt), runtime=rt, edit_config=host_network,
                        edit_policy=kinds(netns=mode))
            degraded(c, o, [("netns", mode, L_NETNS)], workload=confined)
        c, o = case("privilege-" + mode, edit_config=can_switch, edit_rootfs=nobody_is_root,
                    edit_policy=a.chain(run_as_nobody, kinds(privilege_drop=mode)))
        degraded(c, o, [("privilege_drop", mode, L_PRIV)],
                 workload=confined + [("it runs as root, as reported", lambda r: r.get("uid") == "0")])
        c, o = case("landlock-path-" + mode, edit_rootfs=tmp_to_root, edit_policy=kinds(landlock_path=mode))
        degraded(c, o, [("landlock_path", mode, L_PATH)],
                 workload=[("the filter is loaded", expect_filter), ("/etc stays denied", expect_landlock),
                           ("/tmp (-> /) stays denied", lambda r: r.get("write:/tmp/osh-allowed") == "EACCES")])
        for rt in (a.RUNTIMES if mode == "warn" else ("runc",)):
            c, o = case("seccomp-compile-%s-%s" % (mode, rt), runtime=rt,
                        edit_policy=a.chain(unknown_syscall, kinds(seccomp_compile=mode)))
            degraded(c, o, [("seccomp_compile", mode, L_SECCOMP)],
                     workload=[("no filter, as reported", expect_no_filter), ("Landlock is in force", expect_landlock)])
        c, o = case("gpu-detection-" + mode, edit_config=deep_dev_mount(deep), edit_policy=kinds(gpu_detection=mode))
        degraded(c, o, [("gpu_detection", mode, L_GPU)], workload=confined)

    # Steps only the enforcer takes, skipped by the policy: the hook's planned
    # event once said fully_enforced while the enforcer said otherwise.
    c, o = case("landlock-enforce-skip", edit_policy=kinds(landlock_enforce="skip"))
    degraded(c, o, [("landlock_enforce", "skip", "landlock")],
             workload=[("the filter is loaded", expect_filter), ("no Landlock, as reported", expect_no_landlock)])
    c, o = case("no-new-privs-skip", edit_policy=kinds(no_new_privs="skip"))
    degraded(c, o, [("no_new_privs", "skip", "no_new_privs")],
             workload=[("the filter is loaded (runc set no_new_privs itself)", expect_filter)])
    c, o = case("privilege-skip-number", edit_config=can_switch,
                edit_policy=a.chain(lambda pol: pol["process"].update(run_as_user=65534),
                                    kinds(privilege_drop="skip")))
    degraded(c, o, [("privilege_drop", "skip", L_PRIV)],
             workload=confined + [("it runs as root, as reported", lambda r: r.get("uid") == "0")])
    c, o = case("hook-prelude-skip", edit_policy=kinds(hook_prelude="skip"))
    degraded(c, o, [("hook_prelude", "skip", L_PRELUDE)], workload=confined)
    c, o = case("landlock-skip", edit_policy=kinds(landlock_unavailable="skip"))
    degraded(c, o, [("landlock_unavailable", "skip", L_LANDLOCK)],
             workload=[("the filter is loaded", expect_filter), ("no Landlock, as reported", expect_no_landlock)])
    c, o = case("landlock-warn-unavailable", wrap=[os.environ["OSH_NOLANDLOCK"]],
                edit_policy=a.chain(hard_requirement, kinds(landlock_unavailable="warn")))
    degraded(c, o, [("landlock_unavailable", "warn", L_LANDLOCK_WARN)],
             workload=[("the filter is loaded", expect_filter), ("no Landlock, as reported", expect_no_landlock)])
    # log.level error: the degradation and the planned status are written
    # all the same; a fully enforced start writes nothing at that level.
    def level_error(pol):
        pol["log"]["level"] = "error"
    c, o = case("netns-warn-level-error", edit_config=host_network,
                edit_policy=a.chain(kinds(netns="warn"), level_error))
    degraded(c, o, [("netns", "warn", L_NETNS)], workload=confined)
    c, o = case("full-level-error", edit_policy=level_error)
    t.check(o.rc == 0 and expect_filter(o.res) and expect_landlock(o.res),
            c.tag + ": a fully enforced container under log.level error runs confined")
    t.check(a.events_of(o.events, component="hook") == [],
            c.tag + ": and the hook writes nothing to the log at that level (got %s)" % o.events)
    c, o = case("nothing", edit_policy=kinds(landlock_unavailable="skip", seccomp_compile="skip"))
    degraded(c, o, [("landlock_unavailable", "skip", L_LANDLOCK), ("seccomp_compile", "skip", L_SECCOMP)],
             status="not_enforced",
             workload=[("no filter", expect_no_filter), ("no Landlock", expect_no_landlock)])

t.finish()
