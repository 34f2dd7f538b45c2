#!/usr/bin/env python3
"""Attack: a GPU container's /proc write must stay within itself.

A GPU container (fake NVIDIA nodes) gets write_file on /proc for CUDA's
thread names (gpu.proc_access write_file, the default), or all of /proc's
rights (read_write). Through the shim under runc (and crun), as root with
`runc spec`'s capabilities and with Docker's default set (CAP_DAC_OVERRIDE
among them), and as uid 1000:
- /proc/self/loginuid is pinned by the enforcer to the workload's uid before
  it starts: writing it gives EPERM (without the pin an unset login uid could
  be set once, and the host's audit trail would name a user of the
  container's choosing);
- /proc/pressure/{cpu,memory,io} (host-wide PSI triggers) open for writing
  gives EROFS: the spec edit adds /proc/pressure to the read-only paths;
- a survey of every non-pid file under /proc (skipping /proc/<pid>,
  /proc/self, /proc/thread-self; symlinks not followed) that has a write bit
  and opens write-only finds nothing beyond ALLOWED below, opened with
  O_TRUNC too (the truncate right a GPU's /proc gains); truncate(2) of the
  container's /proc/self/oom_score_adj leaves its value as it was, and of
  core_pattern and the PSI files gives EROFS (EACCES for uid 1000, whom
  core_pattern's mode refuses first). (With
  CAP_DAC_OVERRIDE the read-only seq files, mode 0444, open write-only too:
  procfs gives them no write handler, so they are counted, not listed.)
Without a GPU the same writes give EACCES (Landlock: /proc is read-only).
In the host's pid namespace (no "pid" entry: --pid=host) the /proc write
would reach the host's processes: refused under strict (landlock_path);
under warn it runs without it (comm and the host's /proc/1/oom_score_adj and
coredump_filter: EACCES), partially_enforced naming it (runc, crun). The same
with its own pid namespace but the host's /proc bound at /proc, and with the
host's pid namespace joined by path (/proc/self/ns/pid): refused. A proc,
sysfs or cgroup2 the spec mounts under /tmp (read-write): refused; so is a
binfmt_misc, tracefs, debugfs, securityfs or configfs there (each where the
kernel has it: /proc/filesystems), the abort naming the mount; under
landlock_path warn the binfmt_misc one runs partially_enforced, naming the
mount. A cgroup v1 hierarchy mounted by its own type (a "cpuset" at
/tmp/cs) once let the workload open cpuset.cpus and tasks for writing (and
so move itself, or under --pid=host a host process, out of its cpuset),
fully_enforced: refused now as a cgroup filesystem away from
/sys/fs/cgroup. Any other type not known to hold only files is refused
too (pstore, else bpf, where the kernel has one: it was refused before as
well, by name: no type a test can mount here was both missed by that
old list and left out of the allow-list), while a ramfs and a
hugetlbfs at /tmp/x, which hold only files, run fully_enforced (the ramfs
written; hugetlbfs's file made, its write(2) the kernel's EINVAL). (Files
are only opened for writing, never written; binfmt_misc's register is
never opened; no task is ever moved.)"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

# Non-pid /proc files a confined GPU container may open for writing, each
# with why that is harmless. A new entry here needs a reason as good.
ALLOWED = {
    # runc's and crun's maskedPaths bind /dev/null over these (where the
    # kernel has them): the file is /dev/null (checked: char 1:3), which the
    # baseline grants read-write; Landlock rules follow the inode, so the
    # write lands in /dev/null.
    "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug",
}

PRESSURE = ["/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io"]
# truncate(2), the right a GPU's /proc gains with write_file: on the
# container's own files it changes nothing (the value read before and after,
# through another spelling); on the read-only paths it is refused.
TRUNC_RO = ["/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger"] + PRESSURE  # those the kernel has
PROBE = ["/bin/osh-probe"] + a.CONFINED + ["comm", "loginuid", "put:/proc/self/loginuid:4242"] + \
    ["wronly:" + p for p in PRESSURE] + ["procsurvey", "procsurvey_trunc"] + \
    ["rdev:" + p for p in sorted(ALLOWED)] + \
    ["cat:/proc/self/oom_score_adj", "trunc:/proc/self/oom_score_adj", "cat:/proc/self/./oom_score_adj"] + \
    ["trunc:" + p for p in TRUNC_RO]
DOCKER_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
               "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
               "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]



def refused_at_create(c, o, opens):
    """The hook refused the container at create and nothing ran; returns the
    hook's landlock_path abort events (what `opens` gave, if it ran, is
    in the message)."""
    t.check(o.rc == a.HOOK_REFUSED[c.runtime] and "NoNewPrivs" not in o.stdout,
            c.tag + ": refused at create, nothing ran (exit %d; %s)"
            % (o.rc, {act: o.res.get(act) for act in opens}))
    return a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")

def docker_caps(cfg):
    for k in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][k] = list(DOCKER_CAPS)


def proc_access(mode):
    def edit(pol):
        pol["gpu"]["proc_access"] = mode
    return edit


def run_as_1000(pol):
    pol["process"]["run_as_user"] = 1000
    pol["process"]["run_as_group"] = 1000


def check_proc(c, o, gpu, uid="0"):
    tag = c.tag
    res = o.res
    t.check(o.rc == 0, tag + ": the container runs")
    t.check(res.get("Seccomp") == "2" and res.get("NoNewPrivs") == "1", tag + ": confined")
    t.check(res.get("comm") == ("OK" if gpu else "EACCES"),
            tag + ": renaming another thread gives %s" % ("OK (the GPU's /proc write)" if gpu else "EACCES"))
    t.check(res.get("loginuid") == uid, tag + ": /proc/self/loginuid is %s (got %s)" % (uid, res.get("loginuid")))
    want = "EPERM" if gpu else "EACCES"
    t.check(res.get("put:/proc/self/loginuid:4242") == want,
            tag + ": writing /proc/self/loginuid gives %s (got %s)" % (want, res.get("put:/proc/self/loginuid:4242")))
    for p in PRESSURE:
        if os.path.exists(p):  # the kernel has PSI
            t.check(res.get("wronly:" + p) == "EROFS",
                    tag + ": opening %s for writing gives EROFS (got %s)" % (p, res.get("wronly:" + p)))
    found = [p for p in res.get("procsurvey", "?").split(",") if p and p != "none"]
    t.check(int(res.get("procsurvey_checked", "0")) > 100, tag + ": the survey looked at %s files"
            % res.get("procsurvey_checked"))
    extra = sorted(set(found) - ALLOWED)
    t.check(not extra, tag + ": the /proc survey finds no writable file beyond the allow-list (extra: %s)" % extra)
    for p in found:
        if p in ALLOWED:
            t.check(res.get("rdev:" + p) == "1:3", tag + ": %s, found writable, is /dev/null (1:3)" % p)
    print("  survey: %s; %s opened without a write bit" % (found, res.get("procsurvey_nowbits")))
    # The same walk opening with O_TRUNC (the right write_file now carries).
    found_t = [p for p in res.get("procsurvey_trunc", "?").split(",") if p and p != "none"]
    t.check(int(res.get("procsurvey_trunc_checked", "0")) > 100 and not sorted(set(found_t) - ALLOWED),
            tag + ": opened with O_TRUNC too, the survey finds nothing beyond the allow-list (%s)" % found_t)
    # truncate(2): the container's own file takes it and keeps its value
    # (procfs files have no size); the read-only paths refuse it.
    before, after = res.get("cat:/proc/self/oom_score_adj"), res.get("cat:/proc/self/./oom_score_adj")
    got = res.get("trunc:/proc/self/oom_score_adj")
    t.check(got == ("OK" if gpu else "EACCES"),
            tag + ": truncate(/proc/self/oom_score_adj) gives %s (got %s)" % ("OK" if gpu else "EACCES", got))
    t.check(before not in (None, "") and before == after,
            tag + ": and its value is unchanged (%s before, %s after)" % (before, after))
    for p in TRUNC_RO:
        if os.path.exists(p):
            want = "EACCES" if uid != "0" and p.startswith("/proc/sys/") else "EROFS"
            t.check(res.get("trunc:" + p) == want, tag + ": truncate(%s) gives %s (got %s)%s"
                    % (p, want, res.get("trunc:" + p), " (a root-owned 0644 file)" if want == "EACCES" else ""))


with t.Workdir() as w:
    n = [0]

    def case(tag, **kw):
        n[0] += 1
        c = a.Case(w, "%s-%d" % (tag, n[0]), PROBE, **kw)
        return c, c.run()

    for mode in ("write_file", "read_write"):
        for caps_tag, caps in (("spec-caps", None), ("docker-caps", docker_caps)):
            c, o = case("gpu-%s-%s" % (mode, caps_tag), gpu=True, edit_policy=proc_access(mode), edit_config=caps)
            check_proc(c, o, gpu=True)
    if "crun" in a.RUNTIMES:
        c, o = case("gpu-crun", runtime="crun", gpu=True, edit_config=docker_caps)
        check_proc(c, o, gpu=True)
    c, o = case("gpu-uid1000", gpu=True, edit_policy=a.chain(proc_access("read_write"), run_as_1000),
                edit_config=docker_caps)
    check_proc(c, o, gpu=True, uid="1000")
    c, o = case("no-gpu", edit_config=docker_caps)
    check_proc(c, o, gpu=False)

    # In the host's pid namespace (--pid=host) /proc shows the host's
    # processes: the GPU's /proc write once reached their oom_score_adj and
    # coredump_filter. Strict: refused (landlock_path); warn: runs without
    # the /proc write (the host's files and its own comm: EACCES), the
    # status partially_enforced naming it.
    def host_pid(cfg):
        cfg["linux"]["namespaces"] = [ns for ns in cfg["linux"]["namespaces"] if ns["type"] != "pid"]

    def warn(pol):
        pol["failure"]["kinds"]["landlock_path"] = "warn"
    host_probe = ["/bin/osh-probe", "status", "comm", "wronly:/proc/1/oom_score_adj", "wronly:/proc/1/coredump_filter"]

    def host_proc_bind(cfg):
        """Its own pid namespace, but the host's /proc bound there (podman -v /proc:/proc)."""
        cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/proc"]
        cfg["mounts"].insert(0, {"destination": "/proc", "type": "bind", "source": "/proc", "options": ["rbind"]})
    for rt in a.RUNTIMES:
        n[0] += 1
        c = a.Case(w, "gpu-proc-bind-%s-%d" % (rt, n[0]), host_probe, runtime=rt, gpu=True,
                   edit_policy=warn, edit_config=a.chain(docker_caps, host_proc_bind))
        o = c.run()
        got = (o.res.get("wronly:/proc/1/oom_score_adj"), o.res.get("wronly:/proc/1/coredump_filter"))
        t.check(o.rc == 0 and o.res.get("Seccomp") == "2" and got == ("EACCES", "EACCES"),
                c.tag + ": the host's /proc bound at /proc: warn runs without the /proc write, the host's pid 1 "
                "files give EACCES (got %s)" % (got,))
        t.check(any(e.get("kind") == "landlock_path" and "puts a bind of /proc at /proc" in e.get("message", "")
                    for e in o.events),
                c.tag + ": the hook's landlock_path event names the bind")
    def joins_host_pid(cfg):
        """A pid namespace joined by path, which is the host's own."""
        host_pid(cfg)
        cfg["linux"]["namespaces"].append({"type": "pid", "path": "/proc/self/ns/pid"})
    for rt in a.RUNTIMES:
        n[0] += 1
        c = a.Case(w, "gpu-joins-host-pid-%s-%d" % (rt, n[0]), ["/bin/sh", "-c", "echo %s" % a.RAN],
                   runtime=rt, gpu=True, edit_config=a.chain(docker_caps, joins_host_pid))
        o = c.run()
        ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
        t.check(o.rc == a.HOOK_REFUSED[rt] and a.RAN not in o.stdout and len(ab) == 1 and
                "which is the host's pid namespace" in ab[0]["message"],
                c.tag + ": the host's pid namespace joined by path: refused (exit %d)" % o.rc)
    for rt in a.RUNTIMES:
        n[0] += 1
        c = a.Case(w, "gpu-host-pid-%s-%d" % (rt, n[0]), ["/bin/sh", "-c", "echo %s" % a.RAN], runtime=rt,
                   gpu=True, edit_config=a.chain(docker_caps, host_pid))
        o = c.run()
        ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
        t.check(o.rc == a.HOOK_REFUSED[rt] and a.RAN not in o.stdout,
                c.tag + ": strict: refused (exit %d), nothing ran" % o.rc)
        t.check(len(ab) == 1 and "would reach processes outside the container" in ab[0]["message"],
                c.tag + ": the hook's landlock_path abort says the /proc write would reach the host's processes")
        n[0] += 1
        c = a.Case(w, "gpu-host-pid-warn-%s-%d" % (rt, n[0]), host_probe, runtime=rt, gpu=True,
                   edit_policy=warn, edit_config=a.chain(docker_caps, host_pid))
        o = c.run()
        got = (o.res.get("comm"), o.res.get("wronly:/proc/1/oom_score_adj"), o.res.get("wronly:/proc/1/coredump_filter"))
        t.check(o.rc == 0 and o.res.get("Seccomp") == "2" and got == ("EACCES", "EACCES", "EACCES"),
                c.tag + ": warn: runs with the filter; its comm and the host's pid 1 files give EACCES (got %s)"
                % (got,))
        p = a.planned(o.events)
        t.check(p.get("status") == "partially_enforced" and "the /proc write for gpu nvidia" in p.get("dropped", ""),
                c.tag + ": warn: planned partially_enforced, dropped names the /proc write")

    # A kernel filesystem the spec mounts away from its place, under the
    # baseline's read-write /tmp: a proc at /tmp/p (the host's sysctls,
    # outside the spec edit's read-only /proc paths), a sysfs at /tmp/s, a
    # cgroup2 at /tmp/cg. The proc one once let the workload open the host's
    # core_pattern for writing, fully_enforced. Refused (landlock_path).
    kern_probe = PROBE[:1] + a.CONFINED + ["wronly:/tmp/p/sys/kernel/core_pattern", "wronly:/tmp/cg/cgroup.procs"]
    for rt in a.RUNTIMES:
        for dest, kind in (("/tmp/p", "proc"), ("/tmp/s", "sysfs"), ("/tmp/cg", "cgroup2")):
            def mount_kernel_fs(cfg, dest=dest, kind=kind):
                cfg["mounts"].append({"destination": dest, "type": kind, "source": kind,
                                      "options": ["nosuid", "noexec", "nodev"]})
            n[0] += 1
            c = a.Case(w, "kernelfs-%s-%s-%d" % (kind, rt, n[0]), kern_probe, runtime=rt, edit_config=mount_kernel_fs,
                       edit_rootfs=lambda r, dest=dest: os.makedirs(os.path.join(r, dest.lstrip("/")), exist_ok=True))
            o = c.run()
            t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                    c.tag + ": refused at create, nothing ran (exit %d; core_pattern: %s)"
                    % (o.rc, o.res.get("wronly:/tmp/p/sys/kernel/core_pattern")))
            ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
            t.check(len(ab) == 1 and "(%s) mounts a" % dest in ab[0]["message"] and "away from" in ab[0]["message"],
                    c.tag + ": landlock_path names the mount: %s" % (ab[0]["message"][:160] if ab else None))

    # The same files bound from the host: a read-write bind of the host's
    # /proc/sys at /tmp/ps let the workload open kernel/core_pattern and
    # vm/overcommit_memory for writing (never written), fully_enforced.
    # Refused; a read-only bind of it runs (the kernel keeps it read-only).
    bind_probe = PROBE[:1] + a.CONFINED + ["wronly:/tmp/ps/kernel/core_pattern"]
    for rt in a.RUNTIMES:
        for opts in (("rbind", "rw"), ("rbind", "ro")):
            def bind_proc_sys(cfg, opts=opts):
                cfg["mounts"].append({"destination": "/tmp/ps", "type": "bind", "source": "/proc/sys",
                                      "options": list(opts)})
            n[0] += 1
            c = a.Case(w, "kernel-bind-%s-%s-%d" % (opts[1], rt, n[0]), bind_probe, runtime=rt,
                       edit_config=bind_proc_sys,
                       edit_rootfs=lambda r: os.makedirs(os.path.join(r, "tmp/ps"), exist_ok=True))
            o = c.run()
            got = o.res.get("wronly:/tmp/ps/kernel/core_pattern")
            if opts[1] == "rw":
                t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                        c.tag + ": a read-write bind of the host's /proc/sys is refused at create, nothing ran "
                        "(exit %d; core_pattern: %s)" % (o.rc, got))
                ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
                t.check(len(ab) == 1 and "(/tmp/ps) mounts a bind of the host's /proc/sys" in ab[0]["message"],
                        c.tag + ": landlock_path names the bind: %s" % (ab[0]["message"][:160] if ab else None))
                t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")
            else:
                t.check(o.rc == 0 and o.res.get("Seccomp") == "2" and got == "EROFS",
                        c.tag + ": a read-only bind runs confined, core_pattern gives EROFS (exit %d; %s)"
                        % (o.rc, got))
                t.check(a.planned(o.events).get("status") == "fully_enforced",
                        c.tag + ": fully_enforced")

    # A writable recursive bind carries the host's mounts from beneath its
    # source: a chroot with its proc mounted (schroot, mock) bound at /tmp/c
    # let the workload open /tmp/c/proc/sys/kernel/core_pattern for writing,
    # fully_enforced (seen by review). Refused.
    for rt in a.RUNTIMES:
        chroot = os.path.join(w, "chroot-" + rt)
        os.makedirs(os.path.join(chroot, "proc"), exist_ok=True)
        subprocess.run(["mount", "-t", "proc", "proc", os.path.join(chroot, "proc")], check=True)
        try:
            def bind_chroot(cfg, chroot=chroot):
                cfg["mounts"].append({"destination": "/tmp/c", "type": "bind", "source": chroot,
                                      "options": ["rbind", "rw"]})
            n[0] += 1
            c = a.Case(w, "kernel-beneath-%s-%d" % (rt, n[0]),
                       PROBE[:1] + a.CONFINED + ["wronly:/tmp/c/proc/sys/kernel/core_pattern"], runtime=rt,
                       edit_config=bind_chroot,
                       edit_rootfs=lambda r: os.makedirs(os.path.join(r, "tmp/c"), exist_ok=True))
            o = c.run()
            t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                    c.tag + ": refused at create, nothing ran (exit %d; core_pattern: %s)"
                    % (o.rc, o.res.get("wronly:/tmp/c/proc/sys/kernel/core_pattern")))
            ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
            t.check(len(ab) == 1 and "which carries the host's %s/proc (proc)" % chroot in ab[0]["message"],
                    c.tag + ": landlock_path names what the bind carries: %s" % (ab[0]["message"][:200] if ab else None))
            t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")
        finally:
            subprocess.run(["umount", os.path.join(chroot, "proc")], check=False)

    # Other kernel filesystems, which hold the host's settings as proc and
    # sysfs do: binfmt_misc (register: an interpreter the host runs for a
    # file type, as root), tracefs and debugfs (tracing on or off, markers
    # in the host's trace), securityfs (LSM policy), configfs. Under /tmp
    # they took its rule's rights: binfmt_misc's status, tracefs's
    # trace_marker and debugfs's tracing/trace_marker opened for writing
    # (never written), fully_enforced.
    # Refused (landlock_path) like the three above.
    with open("/proc/filesystems") as f:
        have = {line.split()[-1] for line in f if line.strip()}
    other_fs = []
    for kind, dest, opens in (("binfmt_misc", "/tmp/b", ["wronly:/tmp/b/status"]),
                              ("tracefs", "/tmp/t", ["wronly:/tmp/t/trace_marker"]),
                              ("debugfs", "/tmp/dbg", ["wronly:/tmp/dbg/tracing/trace_marker"]),
                              ("securityfs", "/tmp/sec", []),
                              ("configfs", "/tmp/cfg", [])):
        if kind in have:
            other_fs.append((kind, dest, opens))
        else:
            print("note: %s is not in /proc/filesystems (the kernel lacks it, or its module is not loaded): "
                  "its case is left out" % kind)

    def other_kernel_fs(dest, kind, where):
        def edit(cfg):
            cfg["mounts"].append({"destination": dest, "type": kind, "source": kind,
                                  "options": ["nosuid", "noexec", "nodev"]})
            where[0] = len(cfg["mounts"]) - 1
        return edit

    def mount_point(dest):
        return lambda r: os.makedirs(os.path.join(r, dest.lstrip("/")), exist_ok=True)
    for rt in a.RUNTIMES:
        for kind, dest, opens in other_fs:
            where = [None]
            n[0] += 1
            c = a.Case(w, "kernelfs-%s-%s-%d" % (kind, rt, n[0]), PROBE[:1] + a.CONFINED + opens, runtime=rt,
                       edit_config=other_kernel_fs(dest, kind, where), edit_rootfs=mount_point(dest))
            o = c.run()
            ab = refused_at_create(c, o, opens)
            msg = ab[0]["message"] if ab else ""
            t.check(len(ab) == 1 and "mounts[%d] (%s) mounts " % (where[0], dest) in msg
                    and ("away from" in msg or kind in msg),
                    c.tag + ": landlock_path names mounts[%d] (%s) and what it mounts: %s"
                    % (where[0], dest, msg[:200] or None))
            t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")
        # Under warn: runs, saying what is not in force. Nothing is opened
        # there (the kernel's files are the workload's to write).
        if any(kind == "binfmt_misc" for kind, _, _ in other_fs):
            where = [None]
            n[0] += 1
            c = a.Case(w, "kernelfs-binfmt_misc-warn-%s-%d" % (rt, n[0]), ["/bin/osh-probe", "status"], runtime=rt,
                       edit_config=other_kernel_fs("/tmp/b", "binfmt_misc", where), edit_rootfs=mount_point("/tmp/b"),
                       edit_policy=warn)
            o = c.run()
            t.check(o.rc == 0 and o.res.get("Seccomp") == "2", c.tag + ": warn: runs with the filter (exit %d)" % o.rc)
            p = a.planned(o.events)
            lost = "mounts[%d] (/tmp/b)" % where[0]
            t.check(p.get("status") == "partially_enforced" and lost in p.get("dropped", ""),
                    c.tag + ": warn: planned partially_enforced, dropped names %s (got %s; %s)"
                    % (lost, p.get("status"), p.get("dropped", "")[:200]))
            t.check(lost in a.summary_line(o.stderr), c.tag + ": warn: the stderr summary names " + lost)

    # cgroup v1 by its own type: a "cpuset" mount is the host's cpuset
    # hierarchy (as the cgroup namespace shows it). It once went unjudged
    # under /tmp: cpuset.cpus and tasks opened for writing, fully_enforced.
    # (Only opened, never written: no task is moved.)
    cs_opens = ["wronly:/tmp/cs/cpuset.cpus", "wronly:/tmp/cs/tasks"]
    # Another type the allow-list (types known to hold only files) leaves
    # out: refused as well. And types known to hold only files: they run.
    unknown = next((k for k in ("pstore", "bpf") if k in have), None)
    if unknown is None:
        print("note: neither pstore nor bpf is in /proc/filesystems: the unknown-type case is left out")
    only_files = [k for k in ("ramfs", "hugetlbfs") if k in have]
    for k in ("ramfs", "hugetlbfs"):
        if k not in have:
            print("note: %s is not in /proc/filesystems: its case is left out" % k)
    for rt in a.RUNTIMES:
        if "cpuset" in have:
            where = [None]
            n[0] += 1
            c = a.Case(w, "kernelfs-cpuset-%s-%d" % (rt, n[0]), PROBE[:1] + a.CONFINED + cs_opens, runtime=rt,
                       edit_config=other_kernel_fs("/tmp/cs", "cpuset", where), edit_rootfs=mount_point("/tmp/cs"))
            o = c.run()
            ab = refused_at_create(c, o, cs_opens)
            msg = ab[0]["message"] if ab else ""
            want = "mounts[%d] (/tmp/cs) mounts a cgroup filesystem (cpuset) away from /sys/fs/cgroup" % where[0]
            t.check(len(ab) == 1 and want in msg, c.tag + ": landlock_path says %r: %s" % (want, msg[:200] or None))
            t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")
        if unknown:
            where = [None]
            n[0] += 1
            c = a.Case(w, "kernelfs-%s-%s-%d" % (unknown, rt, n[0]), PROBE[:1] + a.CONFINED + ["write:/tmp/x/osh-x"],
                       runtime=rt, edit_config=other_kernel_fs("/tmp/x", unknown, where), edit_rootfs=mount_point("/tmp/x"))
            o = c.run()
            t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                    c.tag + ": refused at create, nothing ran (exit %d)" % o.rc)
            ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
            msg = ab[0]["message"] if ab else ""
            want = "mounts[%d] (/tmp/x) mounts a %s filesystem" % (where[0], unknown)
            t.check(len(ab) == 1 and want in msg, c.tag + ": landlock_path says %r: %s" % (want, msg[:200] or None))
        for kind in only_files:
            where = [None]
            n[0] += 1
            c = a.Case(w, "filesfs-%s-%s-%d" % (kind, rt, n[0]), PROBE[:1] + a.CONFINED + ["write:/tmp/x/osh-x"],
                       runtime=rt, edit_config=other_kernel_fs("/tmp/x", kind, where), edit_rootfs=mount_point("/tmp/x"))
            o = c.run()
            t.check(o.rc == 0, c.tag + ": a %s at /tmp/x runs (exit %d)" % (kind, o.rc))
            a.check_confined(o.res, c.tag)
            p = a.planned(o.events)
            t.check(p.get("status") == "fully_enforced" and p.get("dropped") == "",
                    c.tag + ": planned fully_enforced, nothing dropped (got %s; %s)"
                    % (p.get("status"), p.get("dropped")))
            if kind == "ramfs":
                t.check(o.res.get("write:/tmp/x/osh-x") == "OK",
                        c.tag + ": the ramfs is /tmp's: writing it works (got %s)" % o.res.get("write:/tmp/x/osh-x"))
            else:  # the file is made (Landlock lets it), and hugetlbfs has no write(2): EINVAL, not EACCES
                t.check(o.res.get("write:/tmp/x/osh-x") == "EINVAL",
                        c.tag + ": the hugetlbfs is /tmp's: the file is created, write(2) gives the kernel's "
                        "EINVAL (got %s)" % o.res.get("write:/tmp/x/osh-x"))

t.finish()
