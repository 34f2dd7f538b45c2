#!/usr/bin/env python3
"""Ordinary workloads run unchanged under the default seccomp allow-list.

The same containers run twice under runc and under crun: through the shim
with the default policy (our Landlock domain and seccomp filter), and as a
control with the plain runtime (no hook, no filter). Each workload reports
one result per step; the confined run must report exactly what the control
reports, and every step must succeed in the control:

  osh-workload  a static glibc program (tests/integration/osh_workload.cpp):
                files, pipes and polling, epoll, eventfd, signalfd, POSIX
                timers, timerfd and interval timers, inotify, memfd,
                mmap/mremap, futex, threads, rseq, AF_UNIX/AF_INET/AF_INET6
                and netlink route sockets, fork/exec/posix_spawn/pidfd, System
                V and POSIX IPC
  busybox       about 110 applet runs in a shell script (each prints its exit
                status)
  python        the host's python3 (its /usr, /lib and /lib64 bind-mounted
                read-only): threads, subprocess, asyncio, multiprocessing with
                a shared lock, selectors, mmap, memfd, signals and timers;
                skipped where the host has no /usr/bin/python3
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox")
if not os.environ.get("OSH_WORKLOAD"):
    t.skip("OSH_WORKLOAD is not set (run through meson test)")

CRUN_WRAP, RUNTIMES = t.CRUN_WRAP, t.RUNTIMES
if "crun" not in RUNTIMES:
    print("note: crun (or unshare) is not installed: runc only")

# Each applet's exit status as NAME=STATUS; the Seccomp mode apart.
BUSYBOX = r'''
cd /tmp
r() { n=$1; shift; "$@" >/dev/null 2>&1; echo "$n=$?"; }
echo "Seccomp=$(awk '/^Seccomp:/ {print $2}' /proc/self/status)"
r echo echo hello
r ls ls -la /bin /etc /tmp
r cat cat /etc/passwd
r cp cp /etc/passwd /tmp/p
r mv mv /tmp/p /tmp/q
r ln ln -s /tmp/q /tmp/l
r readlink readlink -f /tmp/l
r realpath realpath /tmp/l
r stat stat /tmp/q
r stat_fs stat -f /tmp
r touch touch -d '2020-01-01 00:00' /tmp/q
r chmod chmod 600 /tmp/q
r chown chown 0:0 /tmp/q
r mkdir mkdir -p /tmp/d/e/f
r find find /tmp/d -type d
r du du -s /tmp/d
r df df /tmp
r rmdir rmdir /tmp/d/e/f
r rm rm -rf /tmp/d /tmp/l
r grep grep root /etc/passwd
r sed sed -n 1p /etc/passwd
r awk awk -F: '{print $1}' /etc/passwd
r sort sort -r /etc/passwd
r uniq sh -c 'sort /etc/passwd | uniq -c'
r wc wc -l /etc/passwd
r head head -1 /etc/passwd
r tail tail -1 /etc/passwd
r cut cut -d: -f1 /etc/passwd
r tr sh -c 'echo abc | tr a-z A-Z'
r xargs sh -c 'echo /etc/passwd | xargs cat'
r tee sh -c 'echo x | tee /tmp/t'
r diff diff /etc/passwd /etc/passwd
r cmp cmp /etc/passwd /etc/passwd
r md5sum md5sum /etc/passwd
r sha1sum sha1sum /etc/passwd
r sha256sum sha256sum /etc/passwd
r gzip sh -c 'gzip -c /etc/passwd > /tmp/p.gz && gunzip -c /tmp/p.gz'
r bzip2 sh -c 'bzip2 -c /etc/passwd > /tmp/p.bz2 && bunzip2 -c /tmp/p.bz2'
r tar sh -c 'tar -cf /tmp/a.tar /etc/passwd && tar -tf /tmp/a.tar'
r cpio sh -c 'echo /etc/passwd | cpio -o -H newc > /tmp/a.cpio'
r dd dd if=/dev/zero of=/tmp/z bs=4k count=16
r truncate truncate -s 1M /tmp/z
r od od -An -tx1 -N8 /tmp/z
r hexdump hexdump -C /etc/group
r base64 base64 /etc/passwd
r sync sync
r mkfifo mkfifo /tmp/fifo
r fifo sh -c 'echo through > /tmp/fifo & cat /tmp/fifo; wait'
r mktemp mktemp -p /tmp
r date date
r cal cal
r sleep sleep 0.1
r usleep usleep 1000
r timeout timeout 2 sleep 0.1
r time time true
r id id
r whoami whoami
r uname uname -a
r hostname hostname
r env env
r pwd pwd
r ps ps
r top top -bn1
r free free
r uptime uptime
r nproc nproc
r killall killall -0 sh
r pidof pidof sh
r kill sh -c 'sleep 5 & kill $!; wait $!; [ $? -eq 143 ]'
r trap sh -c 'trap "exit 0" USR1; kill -USR1 $$; sleep 1; exit 1'
r renice renice -n 1 -p $$
r ionice ionice -c 3 true
r taskset taskset -p $$
r setsid setsid true
r expr expr 1 + 2
r seq seq 1 10
r printf printf '%s\n' x
r test test -f /etc/passwd
r which which sh
r pipe sh -c 'yes | head -1000 | wc -l'
r subshell sh -c '(echo a; echo b) | cat'
r bg_wait sh -c 'sleep 0.1 & sleep 0.1 & wait'
r ip_addr ip addr
r ip_route ip route
r ifconfig ifconfig -a
r netstat netstat -an
r basename basename /a/b
r dirname dirname /a/b
r linux32 linux32 uname -m
r linux64 linux64 true
r setpriv setpriv --dump
r groups groups
r arch arch
r xxd xxd /etc/group
r shuf shuf -n 1 /etc/passwd
r tac tac /etc/passwd
r rev rev /etc/passwd
r nl nl /etc/passwd
r paste paste /etc/passwd /etc/group
r fold fold -w 10 /etc/passwd
r strings strings /bin/busybox
r sha512sum sha512sum /etc/passwd
r sha3sum sha3sum /etc/passwd
r crc32 crc32 /etc/passwd
r factor factor 1234567
r bc sh -c 'echo 2+2 | bc'
r dc dc -e '2 3 + p'
r uuencode sh -c 'uuencode /etc/passwd p | uudecode -o /tmp/p.uu'
r fallocate fallocate -l 1048576 /tmp/fa
r shred shred -n 1 /tmp/fa
r dos2unix sh -c 'cp /etc/passwd /tmp/dos && unix2dos /tmp/dos && dos2unix /tmp/dos'
r expand sh -c 'printf "a\tb\n" | expand | unexpand'
r ipcalc ipcalc -n 10.1.2.3/8
r mkpasswd mkpasswd -m sha512 secret
r getopt getopt ab: -a -b x
r unlink sh -c 'touch /tmp/u && unlink /tmp/u'
r link sh -c 'touch /tmp/v && link /tmp/v /tmp/v2'
r chgrp chgrp 0 /tmp/q
r mknod_fifo mknod /tmp/fifo2 p
r find_exec find /etc -name passwd -exec cat {} +
r watchdog_free sh -c 'free -m | grep -q Mem'
'''

PYTHON = r'''
import asyncio, hashlib, json, mmap, multiprocessing, os, selectors, signal, socket
import subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor

res = {}
def check(name, fn):
    try:
        fn()
        res[name] = "OK"
    except Exception as e:  # report, never stop
        res[name] = type(e).__name__ + ": " + str(e).replace("\n", " ")

def threads():
    with ThreadPoolExecutor(4) as ex:
        assert sum(ex.map(lambda x: x * x, range(100))) == 328350
def subproc():
    out = subprocess.run(["/bin/echo", "hi"], capture_output=True, text=True, check=True)
    assert out.stdout == "hi\n"
def asyncio_streams():
    async def main():
        a, b = socket.socketpair()
        r1, w1 = await asyncio.open_connection(sock=a)
        r2, w2 = await asyncio.open_connection(sock=b)
        w1.write(b"ping\n")
        await w1.drain()
        assert await r2.readline() == b"ping\n"
        await asyncio.sleep(0.01)
        for w in (w1, w2):
            w.close()
    asyncio.run(main())
def square(x):
    return x * x
def mp():
    ctx = multiprocessing.get_context("fork")
    lock = ctx.Lock()  # a POSIX semaphore in /dev/shm
    with lock:
        pass
    with ctx.Pool(2) as pool:
        assert pool.map(square, range(10)) == [x * x for x in range(10)]
def selector():
    r, w = os.pipe()
    sel = selectors.DefaultSelector()
    sel.register(r, selectors.EVENT_READ)
    os.write(w, b"x")
    assert sel.select(1)
def memory():
    m = mmap.mmap(-1, 1 << 20)
    m[0:5] = b"hello"
    m.resize(2 << 20)
    fd = os.memfd_create("py")
    os.ftruncate(fd, 4096)
    os.close(fd)
def signals_timers():
    got = []
    signal.signal(signal.SIGALRM, lambda *a: got.append(1))
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    time.sleep(0.2)
    assert got
def files():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        p = os.path.join(d, "f")
        with open(p, "w") as f:
            f.write("x" * 1000)
        os.rename(p, p + "2")
        assert os.stat(p + "2").st_size == 1000
        assert hashlib.sha256(open(p + "2", "rb").read()).hexdigest()
def sockets():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.close()
def system():
    assert os.urandom(16) and os.cpu_count() and os.sched_getaffinity(0)
    os.uname()
    fd = os.pidfd_open(os.getpid())
    os.close(fd)

for name, fn in [("threads", threads), ("subprocess", subproc), ("asyncio", asyncio_streams),
                 ("multiprocessing", mp), ("selectors", selector), ("memory", memory),
                 ("signals_timers", signals_timers), ("files", files), ("sockets", sockets),
                 ("system", system)]:
    check(name, fn)
for k, v in sorted(res.items()):
    print("%s=%s" % (k, v))
'''

HAVE_PYTHON = os.path.exists("/usr/bin/python3") and os.path.isdir("/lib64")


def host_mounts(cfg):
    """The host's /usr, /lib and /lib64, read-only: its python3 and libraries."""
    for d in ("/usr", "/lib", "/lib64"):
        cfg["mounts"].append({"destination": d, "type": "bind", "source": d,
                              "options": ["rbind", "ro"]})


def run(workdir, tag, runtime, args, confined, edit=None):
    cid = t.unique_id(tag)
    sub, bundle, _, rtcfg = t.prepare_case(workdir, tag, args, runtime, edit_config=edit)
    shutil.copy2(os.environ["OSH_WORKLOAD"], os.path.join(bundle, "rootfs", "bin", "osh-workload"))
    root = os.path.join(sub, runtime + "-root")
    wrap, extra = ([], []) if runtime == "runc" else (CRUN_WRAP, ["--cgroup-manager=disabled"])
    front = [t.binary(), "runtime"] if confined else [runtime]
    cmd = wrap + front + extra + ["--root", root, "run", "--bundle", bundle, cid]
    try:
        r = t.run(cmd, env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg}, stdin=subprocess.DEVNULL,
                  timeout=180)
    finally:
        t.run(wrap + [runtime] + extra + ["--root", root, "delete", "-f", cid])
    t.check(r.returncode == 0, "%s: the container exits 0" % tag)
    if confined:
        t.check(t.read_config(bundle)["process"]["args"][:2] ==
                ["/.oci-sandbox/oci-sandbox-hook", "exec"], tag + ": the shim put the enforcer in front")
    return t.results(r.stdout)


def compare(tag, confined, control, ok="OK", skip=()):
    steps = [k for k in control if k not in skip]
    t.check(len(steps) > 0, tag + ": the control reported its steps")
    failed = [k for k in steps if control[k] != ok]
    t.check(not failed, "%s: every step succeeds in the control (failed: %s)" % (
        tag, ", ".join("%s=%s" % (k, control[k]) for k in failed)))
    differ = [k for k in steps if confined.get(k) != control[k]]
    t.check(not differ, "%s: the confined run reports what the control reports (differs: %s)" % (
        tag, ", ".join("%s: %s vs %s" % (k, confined.get(k), control[k]) for k in differ)))
    return len(steps)


with t.Workdir() as w:
    for rt in RUNTIMES:
        tag = rt + "-workload"
        n = compare(tag, run(w, tag, rt, ["/bin/osh-workload"], True),
                    run(w, tag + "-control", rt, ["/bin/osh-workload"], False))
        t.check(n == 18, "%s: all 18 areas ran (got %d)" % (tag, n))

        tag = rt + "-busybox"
        confined = run(w, tag, rt, ["/bin/sh", "-c", BUSYBOX], True)
        control = run(w, tag + "-control", rt, ["/bin/sh", "-c", BUSYBOX], False)
        t.check(confined.get("Seccomp") == "2", tag + ": the applets ran under a filter (Seccomp: 2)")
        t.check(control.get("Seccomp") == "0", tag + ": the control ran without one")
        n = compare(tag, confined, control, ok="0", skip=("Seccomp",))
        t.check(n >= 110, "%s: at least 110 applet runs compared (got %d)" % (tag, n))

        if not HAVE_PYTHON:
            print("note: no /usr/bin/python3 on the host: the python workload is skipped")
            continue
        tag = rt + "-python"
        args = ["/usr/bin/python3", "-I", "-c", PYTHON]
        n = compare(tag, run(w, tag, rt, args, True, edit=host_mounts),
                    run(w, tag + "-control", rt, args, False, edit=host_mounts))
        t.check(n == 10, "%s: all 10 areas ran (got %d)" % (tag, n))

t.finish()
