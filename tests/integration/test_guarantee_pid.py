#!/usr/bin/env python3
"""Attack: a container in the host's pid namespace must not change the host's
processes' limits or scheduling.

The default profile allows prlimit64, sched_setaffinity,
sched_setscheduler, sched_setparam, sched_setattr, setpriority and
ioprio_set: in the container's own pid namespace they reach only its own
processes. A spec that shares the host's (Docker's --pid=host and
Kubernetes' hostPID leave the "pid" entry out; a spec may also join it by
path) once let the workload, as root with runc spec's capabilities, read
and set a host root process's rlimits (prlimit64), and change a host
process's nice value, CPU affinity, scheduling class and I/O priority where
the kernel's own check passes (the same uid, and the target's permitted
capabilities a subset of the caller's: a root daemon that dropped its
capabilities), all while the run said fully_enforced. Now, through the shim
under runc and crun:
- with no "pid" entry, and with the host's pid namespace joined by path
  (/proc/PID/ns/pid of a host process: this machine's /proc/1 cannot be
  opened, not even by root), the filter lets these calls act on the calling
  process alone: prlimit64 and the sched_set* calls with a pid other than
  0, setpriority other than (PRIO_PROCESS, 0) and ioprio_set other than
  (IOPRIO_WHO_PROCESS, 0) give EPERM, on two host processes (`sleep`s the
  test starts, each in a session of its own: one root with every
  capability, one root with none) and on the probe's own child alike; with
  pid 0 (or who 0) they work; the run stays fully_enforced and the hook's
  log has a seccomp note that names the pid namespace;
- in a pid namespace of its own nothing changes: the same calls on its own
  pid 1 and on a child work, and the log has no such note;
- a sidecar (Docker's and podman's --pid=container:A, a pod's shared pid
  namespace): container A runs `sleep` through the shim, and container B
  joins A's pid namespace by path (/proc/<A's pid>/ns/pid). Once B, root
  with the same capabilities as A, set A's pid 1's limits and scheduling
  (prlimit64, sched_setaffinity, sched_setscheduler, sched_setattr,
  setpriority, ioprio_set) while the run said fully_enforced; now each
  gives EPERM on A's pid 1 (and on B's own child), pid 0 still works, B is
  fully_enforced and the hook's seccomp note names the joined namespace.
Every call the probe makes is a read, or a set to the value it has just
read from the same target (the probe's commands, osh_probe.cpp); the host
process's limits, nice value, affinity and scheduling are compared before
and after all the same."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

PRIO_PROCESS, PRIO_PGRP = 0, 1
IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP = 1, 2


def acts_on(target):
    """Each call on process `target` (a pid, or "child")."""
    return ["prlimit:" + target, "prlimitset:" + target, "setaffinity:" + target, "setsched:" + target,
            "setparam:" + target, "setattr:" + target, "setprio:%d:%s" % (PRIO_PROCESS, target),
            "ioprio:%d:%s" % (IOPRIO_WHO_PROCESS, target)]


def foreign_acts(pids):
    """The calls on the host's processes `pids`, and on the probe's own
    child: each must give EPERM in the host's namespace. Each host process
    leads its own process group (a session of its own): the group
    spellings reach it and nothing else."""
    acts = acts_on("child")
    for pid in pids:
        acts += acts_on(str(pid)) + ["setprio:%d:%d" % (PRIO_PGRP, pid), "ioprio:%d:%d" % (IOPRIO_WHO_PGRP, pid)]
    return acts


# The calls on the calling process itself (pid 0, who 0): they work.
SELF_ACTS = acts_on("0")
# In its own pid namespace: its own pid 1 (the probe) and a child.
OWN_ACTS = acts_on("1") + acts_on("child")


def host_pid(cfg):
    """--pid=host as Docker writes it: no "pid" entry."""
    cfg["linux"]["namespaces"] = [ns for ns in cfg["linux"]["namespaces"] if ns["type"] != "pid"]


def joined_host_pid(pid):
    """The host's pid namespace joined by path, a host process's."""
    def edit(cfg):
        host_pid(cfg)
        cfg["linux"]["namespaces"].append({"type": "pid", "path": "/proc/%d/ns/pid" % pid})
    return edit


def victim_state(pid):
    """What the container's calls could change on the host process: its
    limits, nice, scheduling policy and priority (stat fields 19, 41, 40),
    CPU affinity, and I/O priority."""
    with open("/proc/%d/limits" % pid) as f:
        limits = f.read()
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is stat's field 3 (state)
    sched = (fields[19 - 3], fields[41 - 3], fields[40 - 3])
    io = subprocess.run(["ionice", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return limits, sched, sorted(os.sched_getaffinity(pid)), io


def check_kept_to_self(c, o, foreign, where):
    """The container ran confined, fully_enforced with nothing dropped; each
    act in `foreign` gave EPERM, each of SELF_ACTS worked."""
    t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
    a.check_confined(o.res, c.tag)
    for act in foreign:
        t.check(o.res.get(act) == "EPERM",
                c.tag + ": in %s %s gives EPERM (got %s)" % (where, act, o.res.get(act)))
    for act in SELF_ACTS:
        t.check(o.res.get(act) == "OK",
                c.tag + ": on the calling process itself %s works (got %s)" % (act, o.res.get(act)))
    p = a.planned(o.events)
    t.check(p.get("status") == "fully_enforced" and p.get("dropped") == "",
            c.tag + ": planned fully_enforced, nothing dropped (got %s; %s)" % (p.get("status"), p.get("dropped")))


def seccomp_pid_notes(events):
    return [e for e in events if e.get("message", "").startswith("seccomp:")
            and "pid namespace" in e.get("message", "")]


def start_victim(prefix=()):
    """A host process of root's, in a session (and process group) of its
    own, with an explicit I/O priority: ioprio_get of a process group
    answers "best-effort 4" for a member with none, and setting that back
    (the probe's ioprio:2:PGID) would change what ionice shows."""
    return subprocess.Popen(["ionice", "-c", "2", "-n", "4"] + list(prefix) + ["sleep", "600"],
                            start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


for tool, why in (("setpriv", "starts a host process without capabilities"),
                  ("ionice", "gives the host processes their I/O priority")):
    if not shutil.which(tool):
        t.skip("%s (util-linux) is not installed: it %s" % (tool, why))
def joined_pid_of(pid):
    """Another container's pid namespace joined by path, as Docker and
    podman spell --pid=container:A (the "pid" entry keeps its place)."""
    def edit(cfg):
        for ns in cfg["linux"]["namespaces"]:
            if ns["type"] == "pid":
                ns["path"] = "/proc/%d/ns/pid" % pid
    return edit


def sidecar(rt):
    """Container B joins container A's pid namespace: the calls on A's pid 1
    give EPERM, on B itself (pid 0) they work."""
    n[0] += 1
    A = a.Case(w, "sidecar-A-%s-%d" % (rt, n[0]), ["/bin/sleep", "600"], runtime=rt)
    try:
        r = A.start_detached()
        t.check(r.returncode == 0, A.tag + ": A starts through the shim (exit %d)" % r.returncode)
        apid = A.state().get("pid")
        t.check(isinstance(apid, int) and apid > 0 and a.wait_for(
            lambda: open("/proc/%d/comm" % apid).read().strip() == "sleep"),
            A.tag + ": A's pid 1 (host pid %s) is sleeping" % apid)
        if not isinstance(apid, int) or apid <= 0:
            return
        a_before = victim_state(apid)
        with open("/proc/%d/status" % apid) as f:
            a_seccomp = [ln.split()[1] for ln in f if ln.startswith("Seccomp:")]
        t.check(a_seccomp == ["2"], A.tag + ": A's pid 1 is confined (Seccomp %s)" % a_seccomp)
        # A's pid 1 is 1 in the namespace B joins; B's own child is there too.
        foreign = acts_on("1") + acts_on("child")
        c, o = case("sidecar-B-" + rt, foreign + SELF_ACTS, runtime=rt, edit_config=joined_pid_of(apid))
        check_kept_to_self(c, o, foreign, "container A's pid namespace")
        notes = seccomp_pid_notes(o.events)
        t.check(len(notes) == 1 and "/proc/%d/ns/pid" % apid in notes[0]["message"],
                c.tag + ": the hook's log has a seccomp note naming the joined pid namespace /proc/%d/ns/pid: %s"
                % (apid, [e["message"][:200] for e in notes] or None))
        t.check(victim_state(apid) == a_before,
                c.tag + ": A's pid 1's limits, scheduling, affinity and I/O priority are unchanged")
    finally:
        A.delete()
    t.check(t.plan_dir_gone_within(A.cid), A.tag + ": A's plan directory is gone after delete")


with t.Workdir() as w:
    victims = []
    try:
        # Root with every capability (the kernel itself refuses the
        # scheduling calls on it to a caller with fewer: only prlimit64
        # reached it), and root with none (a daemon that dropped them:
        # every call reached it).
        victims.append(start_victim())
        victims.append(start_victim(["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]))
        t.check(a.wait_for(lambda: all(open("/proc/%d/comm" % v.pid).read().strip() == "sleep" for v in victims)),
                "the host processes are sleeping")
        before = {v.pid: victim_state(v.pid) for v in victims}
        foreign = foreign_acts([v.pid for v in victims])
        n = [0]

        def case(tag, args, **kw):
            n[0] += 1
            c = a.Case(w, "%s-%d" % (tag, n[0]), ["/bin/osh-probe"] + a.CONFINED + args, **kw)
            return c, c.run()

        for rt in a.RUNTIMES:
            for tag, edit in (("host-pid", host_pid), ("joined-host-pid", joined_host_pid(victims[0].pid))):
                c, o = case(tag + "-" + rt, foreign + SELF_ACTS, runtime=rt, edit_config=edit)
                check_kept_to_self(c, o, foreign, "the host's pid namespace")
                t.check(a.summary_line(o.stderr) == "" and a.final_exec_event(o.stderr) == {},
                        c.tag + ": the container's stderr has no degradation line")
                notes = seccomp_pid_notes(o.events)
                t.check(len(notes) == 1,
                        c.tag + ": the hook's log has a seccomp note naming the pid namespace: %s"
                        % ([e["message"][:200] for e in notes] or None))
                t.check(all(victim_state(v.pid) == before[v.pid] for v in victims),
                        c.tag + ": the host processes' limits, scheduling, affinity and I/O priority are unchanged")
            # Its own pid namespace: the calls act on its own processes, as before.
            c, o = case("own-pid-" + rt, OWN_ACTS + SELF_ACTS, runtime=rt)
            t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
            a.check_confined(o.res, c.tag)
            for act in OWN_ACTS + SELF_ACTS:
                t.check(o.res.get(act) == "OK",
                        c.tag + ": in its own pid namespace %s works (got %s)" % (act, o.res.get(act)))
            t.check(a.planned(o.events).get("status") == "fully_enforced", c.tag + ": fully_enforced")
            t.check(not seccomp_pid_notes(o.events), c.tag + ": no seccomp note of the pid namespace")
            sidecar(rt)
    finally:
        for v in victims:
            v.kill()
            v.wait()

t.finish()
