#!/usr/bin/env python3
"""Attack: identities the image defines must never grant root.

The policy names a user (and group) to run as; the image's /etc/passwd and
/etc/group say what the names mean. Through the shim under runc (and crun for
the main forms), with CAP_SETUID/CAP_SETGID in the spec so the switch can
happen:
- "nobody" that the image maps to uid 0, a group name mapped to gid 0, a user
  whose primary group is 0 or not a number ("+0", "0x0", " 0", missing; the
  process kept the spec's gid 0): refused at create (privilege_drop, strict), no
  workload; under warn (and skip) the container runs, truthfully as root,
  and the final status is partially_enforced naming the privilege switch (the
  hook's planned event, the enforcer's final event and the stderr summary
  line at log level info);
- additionalGids [0, 10] from the runtime with a run_as user set (by name
  and by number): the workload's supplementary groups are empty and its gid
  is the planned one (the name's primary group), never root's;
- the number 0 written in the policy runs as root, fully enforced (the
  administrator's explicit choice)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

PROBE = ["/bin/osh-probe"] + a.CONFINED + ["ids"]
LOST = "the switch to the policy's run_as user and group"


def can_switch(extra_gids=None):
    """`runc spec` grants neither CAP_SETUID nor CAP_SETGID."""
    def edit(cfg):
        for k in ("bounding", "effective", "permitted"):
            cfg["process"]["capabilities"][k] += ["CAP_SETUID", "CAP_SETGID"]
        if extra_gids is not None:
            cfg["process"]["user"]["additionalGids"] = extra_gids
    return edit


def image_ids(passwd_lines, group_lines):
    def edit(rootfs):
        with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n" + "".join(l + "\n" for l in passwd_lines))
        with open(os.path.join(rootfs, "etc", "group"), "w") as f:
            f.write("root:x:0:\n" + "".join(l + "\n" for l in group_lines))
    return edit


def run_as(user, group=None, mode=None):
    def edit(pol):
        pol["process"]["run_as_user"] = user
        pol["process"]["run_as_group"] = group
        if mode:
            pol["failure"]["kinds"]["privilege_drop"] = mode
    return edit


def refused(c, o, message):
    tag = c.tag
    t.check(o.rc == a.HOOK_REFUSED[c.runtime] and "NoNewPrivs" not in o.stdout, tag + ": refused at create (exit %d), no workload" % o.rc)
    ev = a.events_of(o.events, kind="privilege_drop", mode="strict", decision="abort")
    t.check(len(ev) == 1 and ev[0]["message"].startswith(message),
            tag + ": the hook logged privilege_drop (strict): " + message)
    if c.runtime == "runc":
        # runc quotes the hook's stderr Go-style: \" for ".
        t.check("privilege_drop (strict): " + message.replace('"', '\\"') in o.stderr,
                tag + ": the runtime's error carries it")
    t.check(t.plan_dir_gone(c.cid), tag + ": nothing left in /run/oci-sandbox")


def degraded(c, o, mode, message):
    """warn or skip: runs (as root: nothing switched), and says so."""
    tag = c.tag
    t.check(o.rc == 0, tag + ": the container runs")
    a.check_confined(o.res, tag)
    t.check((o.res.get("uid"), o.res.get("gid")) == ("0", "0"),
            tag + ": the workload runs as root (uid 0, gid 0), which the status below admits")
    decision = "continue" if mode == "warn" else "skipped"
    ev = a.events_of(o.events, kind="privilege_drop", mode=mode, decision=decision)
    t.check(len(ev) == 1 and ev[0]["message"].startswith(message) and ev[0].get("not_enforced") == LOST,
            tag + ": the hook logged privilege_drop (%s) %s" % (mode, decision))
    p = a.planned(o.events)
    t.check(p.get("status") == "partially_enforced" and p.get("dropped", "").startswith(LOST + ": " + message),
            tag + ": the planned event says partially_enforced, dropped " + LOST)
    fin = a.final_exec_event(o.stderr)
    t.check(fin.get("status") == "partially_enforced" and LOST in fin.get("dropped", ""),
            tag + ": the enforcer's final event (stderr at level info) says partially_enforced")
    t.check(a.summary_line(o.stderr).startswith(a.SUMMARY + "partially_enforced; not enforced: " + LOST),
            tag + ": the stderr summary names the privilege switch")


def runs_as(c, o, uid, gid, groups=""):
    tag = c.tag
    t.check(o.rc == 0, tag + ": the container runs")
    a.check_confined(o.res, tag)
    got = (o.res.get("uid"), o.res.get("gid"), o.res.get("groups"))
    t.check(got == (uid, gid, groups), tag + ": uid, gid, groups = %s (want %s)" % (got, (uid, gid, groups)))
    t.check(a.planned(o.events).get("status") == "fully_enforced", tag + ": fully_enforced")


NOBODY_0 = image_ids(["nobody:x:0:0:nobody:/:/bin/false"], ["nogroup:x:65534:"])
GROUP_0 = image_ids(["svc:x:1000:1000::/:/bin/false"], ["svc:x:1000:", "nogroup:x:0:"])
PRIMARY_0 = image_ids(["svc:x:1000:0::/:/bin/false"], ["svc:x:1000:"])
SVC = image_ids(["svc:x:1000:1000::/:/bin/false"], ["svc:x:1000:"])

M_NOBODY = 'run_as_user "nobody" is uid 0 in the image\'s /etc/passwd: a name from the image never yields root'
M_GROUP = 'run_as_group "nogroup" is gid 0 in the image\'s /etc/group: a name from the image never yields root\'s group'
M_PRIMARY = "run_as_user's primary group in the image's /etc/passwd is gid 0"
M_PRIMARY_ODD = "run_as_user's primary group in the image's /etc/passwd is missing or not a number"

with t.Workdir() as w:
    n = [0]

    def case(tag, rootfs, policy, runtime="runc", extra_gids=None):
        n[0] += 1
        c = a.Case(w, "%s-%d" % (tag, n[0]), PROBE, runtime=runtime, edit_config=can_switch(extra_gids),
                   edit_policy=policy, edit_rootfs=rootfs)
        return c, c.run()

    for rt in a.RUNTIMES:
        c, o = case("nobody-" + rt, NOBODY_0, run_as("nobody"), rt)
        refused(c, o, M_NOBODY)
        c, o = case("nobody-warn-" + rt, NOBODY_0, run_as("nobody", mode="warn"), rt)
        degraded(c, o, "warn", M_NOBODY)
    c, o = case("group0", GROUP_0, run_as("svc", "nogroup"))
    refused(c, o, M_GROUP)
    c, o = case("group0-warn", GROUP_0, run_as("svc", "nogroup", "warn"))
    degraded(c, o, "warn", M_GROUP)
    c, o = case("primary0", PRIMARY_0, run_as("svc"))
    refused(c, o, M_PRIMARY)
    c, o = case("primary0-skip", PRIMARY_0, run_as("svc", mode="skip"))
    degraded(c, o, "skip", M_PRIMARY)
    # A primary group the line does not give as a number ("+0", "0x0", " 0",
    # no field): once no group was planned, and the workload kept the
    # spec's gid 0 as uid 1000, fully_enforced.
    for i, line in enumerate(["svc:x:1000:+0::/:/bin/false", "svc:x:1000:0x0::/:/bin/false",
                              "svc:x:1000: 0::/:/bin/false", "svc:x:1000"]):
        c, o = case("primary-odd%d" % i, image_ids([line], ["svc:x:1000:"]), run_as("svc"))
        refused(c, o, M_PRIMARY_ODD)

    # The runtime adds root's group (and 10) as supplementary groups: the
    # enforcer drops them; a name without a group runs with its primary
    # group from the image.
    for rt in a.RUNTIMES:
        c, o = case("extra-gids-name-" + rt, SVC, run_as("svc"), rt, extra_gids=[0, 10])
        runs_as(c, o, "1000", "1000")
    c, o = case("extra-gids-number", SVC, run_as(1000, 1000), extra_gids=[0, 10])
    runs_as(c, o, "1000", "1000")
    c, o = case("extra-gids-group-name", SVC, run_as("svc", "svc"), extra_gids=[0])
    runs_as(c, o, "1000", "1000")

    # The administrator's own 0: allowed, and the runtime's extra groups
    # still go.
    c, o = case("number-0", NOBODY_0, run_as(0, 0), extra_gids=[0, 10])
    runs_as(c, o, "0", "0")

t.finish()
