#!/usr/bin/env python3
"""Attack variants no fix was written for, through the shim under runc with
the default policy: each asserts what the workload gets inside the container.

- A two-hop image link /tmp -> x, /x -> /etc: strict refuses naming both
  links; under landlock_path: warn the /tmp rule is dropped (never widened):
  /tmp and /etc give EACCES.
- /tmp -> usr (a read-only target): /usr and /tmp give EACCES.
- A working directory through two links (/w -> /app2 -> ../): cwd is /,
  and /bin and /etc give EACCES.
- A tmpfs (not a bind) at /.oci-sandbox, and at //.oci-sandbox//plan: the
  shim refuses both.
- A block device with NVIDIA's numbers (b 195:0) and a char node at
  /dev/nvidia-uvm with /dev/zero's numbers: no GPU, both nodes EACCES, and
  no /proc write right (comm EACCES).
- A GPU container writing the login uid through /proc/thread-self and
  /proc/1: EPERM (pinned); /proc/pressure/cpu EROFS.
- `runtime exec -d` (detached): Seccomp 2, /etc EACCES.
- An image whose /etc/localtime is a FIFO, and whose env names a FIFO as
  TZ: the enforcer loads no time zone, so the start does not hang and the
  workload runs confined (/etc EACCES, Seccomp 2)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

PROBE = ["/bin/osh-probe", "status", "write:/etc/osh-x", "write:/tmp/osh-y", "write:/usr/osh-z", "cwd"]


def warn_path(p):
    p["failure"]["kinds"]["landlock_path"] = "warn"


def chain(rootfs):
    os.makedirs(os.path.join(rootfs, "x"), exist_ok=True)
    a.symlink(rootfs, "/x", "/etc")
    a.symlink(rootfs, "/tmp", "x")


with t.Workdir() as w:
    c = a.Case(w, "chain-strict", PROBE, edit_rootfs=chain)
    o = c.run()
    ev = a.events_of(o.events, component="hook", decision="abort")
    t.check(o.rc == a.HOOK_REFUSED["runc"] and not o.res and len(ev) == 1 and
            "/tmp -> x, then /x -> /etc" in ev[0]["message"],
            "two-hop link, strict: refused naming both links, nothing ran")

    c = a.Case(w, "chain-warn", PROBE + ["write:/etc/passwd-osh"], edit_rootfs=chain, edit_policy=warn_path)
    o = c.run()
    t.check(o.rc == 0 and o.res.get("Seccomp") == "2" and o.res.get("write:/tmp/osh-y") == "EACCES" and
            o.res.get("write:/etc/osh-x") == "EACCES" and o.res.get("write:/etc/passwd-osh") == "EACCES",
            "two-hop link, warn: /tmp's rule dropped, /tmp and /etc EACCES (got %s)" % o.res)
    t.check(a.planned(o.events).get("status") == "partially_enforced", "two-hop link, warn: partially_enforced")

    c = a.Case(w, "tmp-usr", PROBE, edit_rootfs=lambda r: a.symlink(r, "/tmp", "usr"), edit_policy=warn_path)
    o = c.run()
    t.check(o.rc == 0 and o.res.get("write:/usr/osh-z") == "EACCES" and o.res.get("write:/tmp/osh-y") == "EACCES",
            "/tmp -> usr: no write right lands on /usr (got %s)" % o.res)

    def wd(rootfs):
        a.symlink(rootfs, "/app2", "../")
        a.symlink(rootfs, "/w", "/app2")

    def cwd(cfg):
        cfg["process"]["cwd"] = "/w"
    c = a.Case(w, "workdir-chain", PROBE + ["write:/bin/osh-x"], edit_rootfs=wd, edit_config=cwd)
    o = c.run()
    t.check(o.rc == 0 and o.res.get("cwd") == "/" and o.res.get("write:/bin/osh-x") == "EACCES" and
            o.res.get("write:/etc/osh-x") == "EACCES" and o.res.get("write:/tmp/osh-y") == "OK",
            "working directory through two links: cwd /, /bin and /etc EACCES (got %s)" % o.res)

    for dest in ("/.oci-sandbox", "//.oci-sandbox//plan"):
        def tmpfs(cfg, dest=dest):
            cfg["mounts"].append({"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": ["rw"]})
        c = a.Case(w, "tmpfs-%d" % len(dest), PROBE, edit_config=tmpfs)
        o = c.run()
        t.check(o.rc == 1 and "could shadow them" in o.stderr and not o.res,
                "a tmpfs at %s: the shim refuses it, nothing ran" % dest)

    def devs(cfg):
        cfg["linux"].setdefault("devices", []).extend([
            {"path": "/dev/nvidia0", "type": "b", "major": 195, "minor": 0, "fileMode": 0o666, "uid": 0, "gid": 0},
            {"path": "/dev/nvidia-uvm", "type": "c", "major": 1, "minor": 5, "fileMode": 0o666, "uid": 0, "gid": 0}])
        cfg["linux"].setdefault("resources", {}).setdefault("devices", []).extend([
            {"allow": True, "type": "b", "major": 195, "minor": 0, "access": "rwm"},
            {"allow": True, "type": "c", "major": 1, "minor": 5, "access": "rwm"}])
    c = a.Case(w, "fake-gpu", ["/bin/osh-probe", "open:/dev/nvidia0", "open:/dev/nvidia-uvm", "comm", "status"],
               edit_config=devs)
    o = c.run()
    t.check(o.rc == 0 and o.res.get("open:/dev/nvidia0") == "EACCES" and
            o.res.get("open:/dev/nvidia-uvm") == "EACCES" and o.res.get("comm") == "EACCES",
            "block 195:0 and char 1:5 at GPU paths: no GPU, nodes and /proc EACCES (got %s)" % o.res)

    c = a.Case(w, "gpu-proc", ["/bin/osh-probe", "put:/proc/thread-self/loginuid:1000", "put:/proc/1/loginuid:1000",
                               "wronly:/proc/pressure/cpu", "comm", "status"], gpu=True)
    o = c.run()
    t.check(o.rc == 0 and o.res.get("comm") == "OK" and
            o.res.get("put:/proc/thread-self/loginuid:1000") == "EPERM" and
            o.res.get("put:/proc/1/loginuid:1000") == "EPERM" and o.res.get("wronly:/proc/pressure/cpu") == "EROFS",
            "GPU container: loginuid via thread-self and /proc/1 EPERM, /proc/pressure EROFS (got %s)" % o.res)

    def fifo_zones(rootfs):
        zone = os.path.join(rootfs, "etc", "localtime")
        if os.path.lexists(zone):
            os.unlink(zone)
        os.mkfifo(zone)
        os.mkfifo(os.path.join(rootfs, "tmp", "zone"))

    def tz(cfg):
        cfg["process"]["env"] = cfg["process"].get("env", []) + ["TZ=/tmp/zone"]
    c = a.Case(w, "tz-fifo", PROBE, edit_rootfs=fifo_zones, edit_config=tz)
    try:
        r = c.shim("run", "--bundle", c.bundle, c.cid, timeout=20)
        rc, res = r.returncode, t.results(r.stdout)
    except subprocess.TimeoutExpired:
        rc, res = "hung", {}
    finally:
        c.direct("delete", "-f", c.cid)
    t.check(rc == 0 and res.get("Seccomp") == "2" and res.get("write:/etc/osh-x") == "EACCES" and
            res.get("write:/tmp/osh-y") == "OK",
            "/etc/localtime and TZ as FIFOs: the start does not hang, the workload runs confined (rc %s, got %s)"
            % (rc, res))

    c = a.Case(w, "exec-detached", ["/bin/sleep", "300"])
    r = c.start_detached()
    t.check(r.returncode == 0, "exec -d: the container runs")
    try:
        r = c.shim("exec", "-d", c.cid, "/bin/sh", "-c",
                   "/bin/osh-probe status write:/etc/osh-x write:/tmp/osh-y > /tmp/exec-d.out 2>&1")
        t.check(r.returncode == 0, "exec -d: exit 0")
        res = {}
        for _ in range(50):
            r = c.shim("exec", c.cid, "/bin/cat", "/tmp/exec-d.out")
            res = t.results(r.stdout)
            if "write:/tmp/osh-y" in res:
                break
            time.sleep(0.1)
        t.check(res.get("Seccomp") == "2" and res.get("NoNewPrivs") == "1" and
                res.get("write:/etc/osh-x") == "EACCES" and res.get("write:/tmp/osh-y") == "OK",
                "exec -d: the detached process is confined (got %s)" % res)
    finally:
        c.delete()

t.finish()
