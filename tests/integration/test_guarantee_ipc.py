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
  host's keys are not there (ENOENT);
- POSIX queues: mq_unlink and mq_open(O_CREAT) act on the namespace's queues
  before any open Landlock checks, and once removed and made the host's
  queues: in the host's namespace they are refused too (EPERM);
- the host's /dev/shm bound at an image's /dev/shm -> /tmp/hs (no /dev
  mount) once landed under /tmp's rights: refused (landlock_path);
- two "ipc" (or "network") entries, a new one and the host's by path: runc
  refuses the spec, crun took the last, so the container was in the host's
  namespace with IPC (or host networking) allowed: the shim refuses the
  spec, naming the second entry;
- the host's IPC namespace with an mqueue mount under /tmp (the host's queues
  under /tmp's rights, unlink and create by path): refused; the same mount
  through an image link that a later tmpfs hides: refused (untold)."""
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
MQ, MQ_NEW = b"/osh-guarantee-ipc-q", "/osh-guarantee-ipc-new"
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
        q = libc.mq_open(MQ, os.O_RDWR | os.O_CREAT, 0o666, None)
        if q < 0:
            t.skip("cannot make the host's POSIX queue (errno %d)" % ctypes.get_errno())
        os.close(q)
        return self

    def __exit__(self, *exc):
        libc.shmctl(self.shm, IPC_RMID, None)
        libc.semctl(self.sem, 0, IPC_RMID)
        libc.msgctl(self.msg, IPC_RMID, None)
        if os.path.exists(SHM_FILE):
            os.unlink(SHM_FILE)
        libc.mq_unlink(MQ)
        libc.mq_unlink(MQ_NEW.encode())


def host_queue_there():
    q = libc.mq_open(MQ, os.O_RDWR, 0, None)
    if q >= 0:
        os.close(q)
    return q >= 0


IPC_ACTS = ["shm:%d" % SHM_KEY, "sem:%d" % SEM_KEY, "msg:%d" % MSG_KEY, "shmnew",
            "mqunlink:" + MQ.decode(), "mqcreate:" + MQ_NEW]
PROBE = ["/bin/osh-probe"] + a.CONFINED + IPC_ACTS + ["read:" + SHM_FILE, "wronly:" + SHM_FILE]


# Docker's default capabilities (moby oci/caps/defaults.go): CAP_FOWNER
# removes another's queue from the sticky mqueue root, CAP_DAC_OVERRIDE
# passes its mode.
DOCKER_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
               "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
               "CAP_KILL", "CAP_AUDIT_WRITE"]


def docker_caps(cfg):
    for k in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][k] = list(DOCKER_CAPS)


def host_ipc(cfg):
    """--ipc=host as Docker writes it: no "ipc" entry, the host's /dev/shm."""
    docker_caps(cfg)
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "ipc"]
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/dev/shm"]
    cfg["mounts"].append({"destination": "/dev/shm", "type": "bind", "source": "/dev/shm",
                          "options": ["rbind", "nosuid", "noexec", "nodev"]})


def no_dev(cfg):
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] not in ("/dev", "/dev/pts", "/dev/mqueue")]


def shm_link(rootfs):
    os.makedirs(os.path.join(rootfs, "tmp", "hs"), exist_ok=True)
    a.symlink(rootfs, "/dev/shm", "/tmp/hs")


def joined(path):
    def edit(cfg):
        docker_caps(cfg)
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
                for act in IPC_ACTS:
                    t.check(o.res.get(act) == "EPERM",
                            c.tag + ": IPC in the host's namespace: %s gives EPERM (got %s)" % (act, o.res.get(act)))
                t.check(host_queue_there(), c.tag + ": the host's POSIX queue is still there")
                if host_shm:
                    for act in ("read:" + SHM_FILE, "wronly:" + SHM_FILE):
                        t.check(o.res.get(act) == "EACCES",
                                c.tag + ": the host's /dev/shm: %s gives EACCES (got %s)" % (act, o.res.get(act)))
                note = [e for e in o.events if "IPC (shmget, semget, msgget, mq_open" in e.get("message", "")]
                t.check(len(note) == 1 and "the host's ipc namespace" in note[0]["message"],
                        c.tag + ": the hook's log says why IPC is refused: %s"
                        % (note[0]["message"] if note else None))
                t.check(a.planned(o.events).get("status") == "fully_enforced", c.tag + ": fully_enforced")
            # No /dev mount, and the image's /dev/shm -> /tmp/hs: the host's
            # shm bind lands under /tmp's rights. It once ran, the host's
            # files read and written there; it is refused (a mount the
            # image's link moves under wider rules).
            c, o = case("host-shm-image-link-" + rt, runtime=rt, edit_config=a.chain(host_ipc, no_dev),
                        edit_rootfs=shm_link)
            t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                    c.tag + ": refused at create, nothing ran (exit %d; %s)" % (o.rc, o.res.get("read:" + SHM_FILE)))
            ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
            t.check(len(ev) == 1 and "(/dev/shm): its destination goes through the image's symlink /dev/shm -> "
                    "/tmp/hs" in ev[0].get("message", ""),
                    c.tag + ": landlock_path names the bind: %s" % (ev[0].get("message", "")[:160] if ev else None))
            # The host's IPC namespace and an mqueue mount under /tmp: the
            # mount holds the host's queues, and /tmp's rights once let the
            # workload remove one (unlink) and make one (open O_CREAT) with
            # the calls refused by the filter. Refused (landlock_path).
            def mqueue_in_tmp(cfg):
                host_ipc(cfg)
                cfg["mounts"].append({"destination": "/tmp/mq", "type": "mqueue", "source": "mqueue",
                                      "options": ["nosuid", "noexec", "nodev"]})
            c = a.Case(w, "host-mqueue-tmp-%s-%d" % (rt, n[0]), PROBE + ["unlink:/tmp/mq" + MQ.decode()],
                       runtime=rt, edit_config=mqueue_in_tmp)
            o = c.run()
            t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                    c.tag + ": refused at create, nothing ran (exit %d; unlink of the host's queue: %s)"
                    % (o.rc, o.res.get("unlink:/tmp/mq" + MQ.decode())))
            ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
            t.check(len(ev) == 1 and "(/tmp/mq) mounts the message queues of the host's IPC namespace"
                    in ev[0].get("message", ""),
                    c.tag + ": landlock_path names the mount: %s" % (ev[0].get("message", "")[:160] if ev else None))
            t.check(host_queue_there(), c.tag + ": the host's POSIX queue is still there")
            # The same mount through the image's link /a/b -> /tmp, the link
            # then hidden by a tmpfs at /a: it landed at /tmp/mq, and an
            # unlink there removed the host's queue. A mount of the
            # namespace's queues carries its data: hidden so, it is untold.
            def mqueue_hidden(cfg):
                host_ipc(cfg)
                cfg["mounts"] += [{"destination": "/a/b/mq", "type": "mqueue", "source": "mqueue",
                                   "options": ["nosuid", "noexec", "nodev"]},
                                  {"destination": "/a", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]

            def a_b_link(rootfs):
                os.makedirs(os.path.join(rootfs, "a"), exist_ok=True)
                os.makedirs(os.path.join(rootfs, "tmp", "mq"), exist_ok=True)
                a.symlink(rootfs, "/a/b", "/tmp")
            c = a.Case(w, "host-mqueue-hidden-%s-%d" % (rt, n[0]), PROBE + ["unlink:/tmp/mq" + MQ.decode()],
                       runtime=rt, edit_config=mqueue_hidden, edit_rootfs=a_b_link)
            o = c.run()
            t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                    c.tag + ": refused at create, nothing ran (exit %d; unlink of the host's queue: %s)"
                    % (o.rc, o.res.get("unlink:/tmp/mq" + MQ.decode())))
            ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
            t.check(len(ev) == 1 and "(/a/b/mq) lies beneath the later mounts[" in ev[0].get("message", ""),
                    c.tag + ": landlock_path: where it landed cannot be told: %s"
                    % (ev[0].get("message", "")[:160] if ev else None))
            t.check(host_queue_there(), c.tag + ": the host's POSIX queue is still there")
            # Two "ipc" (or "network") entries, a new one and the host's by
            # path: runc refuses the spec, crun took the last (the host's) and
            # ran with System V IPC open to the host's objects, or with host
            # networking past require_private_netns. The spec edit refuses
            # it first, naming the entry.
            for kind, proc in (("ipc", "ipc"), ("network", "net")):
                def two(cfg, kind=kind, proc=proc):
                    cfg["linux"]["namespaces"].append({"type": kind, "path": "/proc/%d/ns/%s" % (holder.pid, proc)})
                c, o = case("two-%s-%s" % (kind, rt), runtime=rt, edit_config=two)
                t.check(o.rc != 0 and "NoNewPrivs" not in o.stdout, c.tag + ": refused, nothing ran (exit %d)" % o.rc)
                t.check('a second \\"%s\\" namespace' % kind in o.stderr or 'a second "%s" namespace' % kind in o.stderr,
                        c.tag + ": the shim names the second entry: %s" % o.stderr.strip()[-200:])
            c, o = case("own-ipc-" + rt, runtime=rt, edit_config=docker_caps)
            t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
            a.check_confined(o.res, c.tag)
            t.check(o.res.get("shmnew") == "OK", c.tag + ": System V IPC works in its own namespace (got %s)"
                    % o.res.get("shmnew"))
            for act in ("shm:%d" % SHM_KEY, "sem:%d" % SEM_KEY, "msg:%d" % MSG_KEY):
                t.check(o.res.get(act) == "ENOENT", c.tag + ": the host's %s is not there (got %s)"
                        % (act, o.res.get(act)))
            # POSIX queues: the filter lets the calls through in its own
            # namespace (Landlock then refuses the queue's open); the host's
            # queue is out of reach.
            for act in ("mqcreate:" + MQ_NEW, "mqunlink:" + MQ.decode()):
                t.check(o.res.get(act) not in (None, "EPERM", "OK"),
                        c.tag + ": %s reaches the kernel and does nothing (got %s)" % (act, o.res.get(act)))
            t.check(host_queue_there(), c.tag + ": the host's POSIX queue is still there")
            t.check(not [e for e in o.events if "IPC (shmget, semget, msgget, mq_open" in e.get("message", "")],
                    c.tag + ": no note of System V IPC")
    finally:
        holder.kill()
        holder.wait()

    # The host's objects are as they were.
    with open(SHM_FILE, "rb") as f:
        t.check(f.read() == SECRET, "the host's /dev/shm file is unchanged")

t.finish()
