#!/usr/bin/env python3
"""Attack: a container in the host's IPC namespace must not reach the host's
System V objects or its shared memory.

The default profile allows System V IPC for use inside the container's own
IPC namespace. A spec that shares the host's (Docker's --ipc=host and
Kubernetes' hostIPC leave the "ipc" entry out and bind the host's /dev/shm;
a spec may also join it by path) once let the workload attach the host's
shared memory segment, take its message queue's messages and set its
semaphores, and read and write the host's /dev/shm files (podman's locks
among them), all while the run said fully_enforced. Now, through the shim
under runc and crun:
- in the host's IPC namespace the filter leaves System V IPC out (EPERM for
  the host's segment, semaphore and queue, and for a new private segment),
  and the hook's log says so; the baseline gives the host's /dev/shm no
  rights (EACCES);
- joined by path to a host process's IPC namespace: the same;
- in a namespace of its own System V IPC works (a private segment), and the
  host's keys are not there (ENOENT)."""
import ctypes
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

IPC_CREAT, IPC_RMID = 0o1000, 0
libc = ctypes.CDLL(None, use_errno=True)
SHM_KEY, SEM_KEY, MSG_KEY = 0x0C5A1001, 0x0C5A1002, 0x0C5A1003
SHM_FILE = "/dev/shm/osh-guarantee-ipc-canary"
SECRET = b"host shared memory\n"


class HostObjects:
    """A System V segment, semaphore set and queue of the host's, and a file
    in the host's /dev/shm; removed at the end."""

    def __enter__(self):
        self.shm = libc.shmget(SHM_KEY, 4096, IPC_CREAT | 0o666)
        self.sem = libc.semget(SEM_KEY, 1, IPC_CREAT | 0o666)
        self.msg = libc.msgget(MSG_KEY, IPC_CREAT | 0o666)
        if min(self.shm, self.sem, self.msg) < 0:
            t.skip("cannot make the host's System V canaries (errno %d)" % ctypes.get_errno())
        with open(SHM_FILE, "wb") as f:
            f.write(SECRET)
        os.chmod(SHM_FILE, 0o666)
        return self

    def __exit__(self, *exc):
        libc.shmctl(self.shm, IPC_RMID, None)
        libc.semctl(self.sem, 0, IPC_RMID)
        libc.msgctl(self.msg, IPC_RMID, None)
        if os.path.exists(SHM_FILE):
            os.unlink(SHM_FILE)


PROBE = ["/bin/osh-probe"] + a.CONFINED + ["shm:%d" % SHM_KEY, "sem:%d" % SEM_KEY, "msg:%d" % MSG_KEY, "shmnew",
                                           "read:" + SHM_FILE, "wronly:" + SHM_FILE]


def host_ipc(cfg):
    """--ipc=host as Docker writes it: no "ipc" entry, the host's /dev/shm."""
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "ipc"]
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/dev/shm"]
    cfg["mounts"].append({"destination": "/dev/shm", "type": "bind", "source": "/dev/shm",
                          "options": ["rbind", "nosuid", "noexec", "nodev"]})


def joined(path):
    def edit(cfg):
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "ipc"]
        cfg["linux"]["namespaces"].append({"type": "ipc", "path": path})
    return edit


with t.Workdir() as w, HostObjects():
    holder = subprocess.Popen(["sleep", "300"])  # a host process: its IPC namespace is the host's
    try:
        n = [0]

        def case(tag, **kw):
            n[0] += 1
            c = a.Case(w, "%s-%d" % (tag, n[0]), PROBE, **kw)
            return c, c.run()

        for rt in a.RUNTIMES:
            for tag, edit, host_shm in (("host-ipc", host_ipc, True),
                                        ("joined-host-ipc", joined("/proc/%d/ns/ipc" % holder.pid), False)):
                c, o = case(tag + "-" + rt, runtime=rt, edit_config=edit)
                t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
                a.check_confined(o.res, c.tag)
                for act in ("shm:%d" % SHM_KEY, "sem:%d" % SEM_KEY, "msg:%d" % MSG_KEY, "shmnew"):
                    t.check(o.res.get(act) == "EPERM",
                            c.tag + ": System V IPC in the host's namespace: %s gives EPERM (got %s)"
                            % (act, o.res.get(act)))
                if host_shm:
                    for act in ("read:" + SHM_FILE, "wronly:" + SHM_FILE):
                        t.check(o.res.get(act) == "EACCES",
                                c.tag + ": the host's /dev/shm: %s gives EACCES (got %s)" % (act, o.res.get(act)))
                note = [e for e in o.events if "System V IPC" in e.get("message", "")]
                t.check(len(note) == 1 and "the host's ipc namespace" in note[0]["message"],
                        c.tag + ": the hook's log says why System V IPC is refused: %s"
                        % (note[0]["message"] if note else None))
                t.check(a.planned(o.events).get("status") == "fully_enforced", c.tag + ": fully_enforced")
            c, o = case("own-ipc-" + rt, runtime=rt)
            t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
            a.check_confined(o.res, c.tag)
            t.check(o.res.get("shmnew") == "OK", c.tag + ": System V IPC works in its own namespace (got %s)"
                    % o.res.get("shmnew"))
            for act in ("shm:%d" % SHM_KEY, "sem:%d" % SEM_KEY, "msg:%d" % MSG_KEY):
                t.check(o.res.get(act) == "ENOENT", c.tag + ": the host's %s is not there (got %s)"
                        % (act, o.res.get(act)))
            t.check(not [e for e in o.events if "System V IPC" in e.get("message", "")],
                    c.tag + ": no note of System V IPC")
    finally:
        holder.kill()
        holder.wait()

    # The host's objects are as they were.
    with open(SHM_FILE, "rb") as f:
        t.check(f.read() == SECRET, "the host's /dev/shm file is unchanged")

t.finish()
