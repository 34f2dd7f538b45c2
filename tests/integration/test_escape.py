#!/usr/bin/env python3
"""Escape attempts from inside a confined container (issue #5).

osh-escape (tests/integration/osh_escape.cpp) makes one attempt per argument
and prints name=OK (the attempt worked) or the errno name. It runs under runc,
mostly with the fake GPU (gpu=True: the three NVIDIA nodes, so the GPU parts
of the plan, /proc write included, are in force too):

  confined        through the shim with the default policy; Docker's default
                  capability set (what a typical container gets)
  confined-caps   the same plus CAP_SYS_ADMIN, CAP_SYS_PTRACE,
                  CAP_DAC_READ_SEARCH and CAP_SYSLOG: the capabilities the
                  attempts need, so what stops them is our seccomp filter and
                  Landlock domain, not a missing capability
  confined-nogpu  the first run without the GPU nodes
  control         plain runc, no hook, no linux.seccomp, the same capabilities
                  as confined-caps: the same attempts work or fail
                  differently, so the confined answers are our confinement's
                  doing and not the environment's
  no-ro-paths     a spec without runc's read-only /proc paths (systempaths=unconfined),
                  with and without the GPU nodes: the spec edit restores them

Each confined attempt must fail with the exact errno below; the control must
differ where the test says so.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("runc", "busybox")
if not os.environ.get("OSH_ESCAPE"):
    t.skip("OSH_ESCAPE is not set (run through meson test)")

# Docker's default capabilities (moby oci/caps/defaults.go).
DOCKER_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
               "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
               "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
EXTRA_CAPS = ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH", "CAP_SYSLOG"]

# What a confined container must answer. EPERM: the default seccomp profile
# (action errno: a refusal, or a call its allow-list does not name); ENOSYS:
# its clone3 entry; EACCES: Landlock; EROFS: the
# read-only bind mounts (the plan directory, runc's readonly paths, /sys).
EXPECT_CONFINED = {
    # Mount table: seccomp denies mount/umount2/pivot_root/chroot outright
    # (Landlock would refuse mount changes too).
    "remount_proc_sys": "EPERM",
    "remount_plan": "EPERM",
    "mount_tmpfs_etc": "EPERM",
    "umount_plan": "EPERM",
    "pivot_root": "EPERM",
    "chroot": "EPERM",
    # A clone of /proc alone, without runc's read-only /proc/sys on top:
    # open_tree by name, open_tree_attr (Linux 6.15, unknown to libseccomp
    # 2.5.4) by number. Before the number rule, confined-caps opened
    # core_pattern for writing through the clone.
    "open_tree_proc": "EPERM",
    "open_tree_attr_proc": "EPERM",
    # Another mount namespace's table by id (listmount, Linux 6.8): with
    # CAP_SYS_ADMIN it listed the host's mounts. Answered ENOSYS, so
    # libmount falls back to /proc/self/mountinfo.
    "listmount_foreign": "ENOSYS",
    # Namespaces: unshare/clone with CLONE_NEW* bits, setns; clone3 is ENOSYS.
    "unshare_user": "EPERM",
    "unshare_mnt": "EPERM",
    "userns_mount": "EPERM",
    "clone_newuser": "EPERM",
    "clone3_newuser": "ENOSYS",
    "setns_mnt": "EPERM",
    "setns_badfd": "EPERM",  # the kernel would say EBADF: only the filter says EPERM
    # Other processes (a sibling that sleeps).
    "ptrace_attach": "EPERM",
    "ptrace_seize": "EPERM",
    "process_vm_readv": "EPERM",
    # Kernel attack surface: the profile answers EPERM (action errno), io_uring included.
    "io_uring_setup": "EPERM",
    "userfaultfd": "EPERM",
    "perf_event_open": "EPERM",
    "bpf_prog_load": "EPERM",
    "keyctl": "EPERM",
    "add_key": "EPERM",
    "open_by_handle_at": "EPERM",
    "kexec_load": "EPERM",
    "init_module": "EPERM",
    "finit_module": "EPERM",
    "syslog": "EPERM",
    "swapoff": "EPERM",
    "acct": "EPERM",
    "settimeofday": "EPERM",
    "clock_settime": "EPERM",
    "iopl": "EPERM",
    # Multipath TCP sockets, which Landlock's TCP port rules do not see: the
    # profile answers as a kernel without MPTCP, so programs fall back to TCP.
    "mptcp_socket": "EPROTONOSUPPORT",
    "mptcp_socket6": "EPROTONOSUPPORT",
    # Terminal injection on a pty pair the workload opened itself (the
    # baseline grants /dev/ptmx and /dev/pts with ioctl_dev, so the ioctl is
    # reached): seccomp's TIOCSTI/TIOCLINUX entries, low 32 bits compared.
    "tiocsti_pty": "EPERM",
    "tiocsti_highbit": "EPERM",
    "tiocsti_stdin": "EPERM",
    "tioclinux": "EPERM",
    # A line-discipline change (an unloaded discipline autoloads its module).
    "tiocsetd_pty": "EPERM",
    # The plan directory and the enforcer binary are read-only bind mounts.
    "plan_create": "EROFS",
    "plan_unlink": "EROFS",
    "plan_rename": "EROFS",
    "plan_rename_over": "EXDEV",  # from /tmp: refused as a cross-mount rename first
    "plan_link": "EROFS",
    "plan_chmod": "EROFS",
    "plan_write": "EROFS",
    "enforcer_write": "EROFS",
    # Kernel control files (opened for writing, never written): runc's
    # read-only /proc/sys and /proc/sysrq-trigger, and /sys mounted ro. With
    # a GPU, Landlock grants write_file on /proc (CUDA's comm writes), so for
    # /proc/sys the read-only mount is what answers (EROFS comes first anyway).
    # A file this kernel lacks (CONFIG_MAGIC_SYSRQ, CONFIG_UEVENT_HELPER off)
    # is ENOENT: set below from the host.
    "core_pattern": "EROFS",
    "sys_thp": "EROFS",
    "sys_create": "EROFS",
    # A device node: Landlock handles make_char and grants it nowhere.
    "mknod_mem": "EACCES",
    # Undoing our own confinement: stacking works (the kernel allows it) but
    # changes nothing, because every layer must allow a call.
    "landlock_stack_restrict": "OK",
    "landlock_stack_write_etc": "EACCES",
    "seccomp_stack_load": "OK",
    "seccomp_stack_chroot": "EPERM",
    "seccomp_stack_mount": "EPERM",
    "seccomp_stack_unshare_user": "EPERM",
    "prctl_stack_load": "OK",
    "prctl_stack_chroot": "EPERM",
    "prctl_stack_mount": "EPERM",
    "prctl_stack_unshare_user": "EPERM",
}

ATTEMPTS = ["open_tree_proc", "open_tree_attr_proc", "listmount_foreign", "remount_proc_sys", "remount_plan",
            "mount_tmpfs_etc", "umount_plan", "pivot_root", "chroot", "unshare_user",
            "unshare_mnt", "userns_mount", "clone_newuser", "clone3_newuser", "setns_mnt",
            "setns_badfd", "ptrace_attach", "ptrace_seize", "process_vm_readv",
            "io_uring_setup", "userfaultfd", "perf_event_open", "bpf_prog_load", "keyctl",
            "add_key", "open_by_handle_at", "kexec_load", "init_module", "finit_module",
            "syslog", "swapoff", "acct", "settimeofday", "clock_settime", "iopl", "mptcp_socket",
            "mptcp_socket6", "tiocsti_pty",
            "tiocsti_highbit", "tiocsti_stdin", "tioclinux", "tiocsetd_pty", "plan_create", "plan_unlink",
            "plan_rename", "plan_rename_over", "plan_link", "plan_chmod", "plan_write",
            "enforcer_write", "sysrq_trigger", "core_pattern", "sys_uevent_helper", "sys_thp",
            "sys_create", "mknod_mem", "landlock_stack", "seccomp_stack", "prctl_stack"]
ARGS = ["/bin/osh-escape"] + ATTEMPTS

# Present or not depending on the kernel's configuration: EROFS when the file
# exists (read-only mounts), ENOENT when this kernel has no such file.
for name, path in (("sysrq_trigger", "/proc/sysrq-trigger"),
                   ("sys_uevent_helper", "/sys/kernel/uevent_helper"),
                   ("sys_thp", "/sys/kernel/mm/transparent_hugepage/enabled")):
    EXPECT_CONFINED[name] = "EROFS" if os.path.exists(path) else "ENOENT"
    if not os.path.exists(path):
        print("note: %s does not exist on this kernel: %s can only give ENOENT" % (path, name))


def with_caps(caps, runtime_readonly=True):
    def edit(cfg):
        for k in ("bounding", "effective", "permitted"):
            cfg["process"]["capabilities"][k] = list(caps)
        cfg["process"]["capabilities"].pop("inheritable", None)
        cfg["process"]["capabilities"].pop("ambient", None)
        cfg["linux"].pop("seccomp", None)  # runc spec writes none; make sure
        if not runtime_readonly:
            # What `docker run --security-opt systempaths=unconfined` gives.
            cfg["linux"].pop("readonlyPaths", None)
            cfg["linux"].pop("maskedPaths", None)
    return edit


def run_case(workdir, tag, caps, confined, args=None, gpu=True, runtime_readonly=True):
    cid = t.unique_id(tag)
    sub, bundle, _, rtcfg = t.prepare_case(workdir, tag, args or ARGS, "runc", gpu=gpu,
                                           edit_config=with_caps(caps, runtime_readonly))
    shutil.copy2(os.environ["OSH_ESCAPE"], os.path.join(bundle, "rootfs", "bin", "osh-escape"))
    runc_root = os.path.join(sub, "runc-root")
    cmd = ([t.binary(), "runtime"] if confined else ["runc"])
    cmd += ["--root", runc_root, "run", "--bundle", bundle, cid]
    try:
        # stdin is /dev/null, never the caller's terminal: the control run
        # really injects with TIOCSTI where the kernel allows it.
        r = t.run(cmd, env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg}, stdin=subprocess.DEVNULL)
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(r.returncode == 0, tag + ": the container exits 0")
    if confined:
        cfg = t.read_config(bundle)
        t.check(cfg["process"]["args"][:2] == ["/.oci-sandbox/oci-sandbox-hook", "exec"],
                tag + ": the shim put the enforcer in front")
        t.check(t.plan_dir_gone(cid), tag + ": poststop removed the plan directory")
    res = t.results(r.stdout)
    if args is None:
        t.check(all(k in res for k in EXPECT_CONFINED), tag + ": every attempt reported")
    return res


def check_confined(res, tag):
    for name, want in EXPECT_CONFINED.items():
        t.check(res.get(name) == want, "%s: %s gives %s (got %s)" % (tag, name, want, res.get(name)))


with t.Workdir() as w:
    confined = run_case(w, "confined", DOCKER_CAPS, True)
    check_confined(confined, "confined")
    caps = run_case(w, "confined-caps", DOCKER_CAPS + EXTRA_CAPS, True)
    check_confined(caps, "confined-caps")
    # Without the GPU nodes: no GPU grants (no /proc write), same answers.
    check_confined(run_case(w, "confined-nogpu", DOCKER_CAPS, True, gpu=False), "confined-nogpu")
    control = run_case(w, "control", DOCKER_CAPS + EXTRA_CAPS, False)

    print("%-28s %-14s %-14s %s" % ("attempt", "confined", "confined-caps", "control (no hook)"))
    for name in EXPECT_CONFINED:
        print("%-28s %-14s %-14s %s" % (name, confined.get(name), caps.get(name), control.get(name)))

    # The control: what our confinement made the difference for.
    control_expect = {
        "landlock_stack_write_etc": "OK",  # no first domain: the write works
        "chroot": "OK",                    # CAP_SYS_CHROOT, no filter
        "seccomp_stack_chroot": "OK",
        "setns_badfd": "EBADF",            # reaches the kernel
        "tiocsti_stdin": "ENOTTY",         # reaches the kernel (stdin is /dev/null)
        "tioclinux": "ENOTTY",             # reaches the tty layer (only a VT knows it)
        "tiocsetd_pty": "OK",              # N_TTY again: nothing loaded
        "pivot_root": "ENOENT",            # reaches path lookup
        "mount_tmpfs_etc": "OK",           # CAP_SYS_ADMIN, no filter, no Landlock
        "remount_proc_sys": "OK",
        "core_pattern": "EROFS",           # the remount above was undone at once
        "ptrace_attach": "OK",
        "ptrace_seize": "OK",
        "process_vm_readv": "OK",
        "keyctl": "OK",
        "add_key": "OK",
        "mknod_mem": "OK",                 # CAP_MKNOD, no Landlock
        "plan_create": "ENOENT",           # no plan directory without the hook
        "listmount_foreign": "OK",         # CAP_SYS_ADMIN: the host's mount table
        "open_tree_proc": "OK",            # CAP_SYS_ADMIN: a clone of /proc alone
        "open_tree_proc_core_pattern": "OK",  # ... where /proc/sys is writable (opened only)
        "syslog": "OK",                    # CAP_SYSLOG: the log's size, nothing read
        "swapoff": "EFAULT",               # CAP_SYS_ADMIN: reaches the NULL path
        "settimeofday": "EFAULT",          # reaches the bad tz pointer
    }
    for name, want in control_expect.items():
        t.check(control.get(name) == want,
                "control: %s gives %s without our hook (got %s)" % (name, want, control.get(name)))
    # Reached the kernel without our filter (EINVAL, or ENOSYS where the
    # kernel is built without it or is older; open_by_handle_at, the 'shocker' primitive,
    # opens "/" by handle with CAP_DAC_READ_SEARCH where the filesystem has
    # file handles): only the filter answers EPERM.
    for name in ("clock_settime", "iopl", "open_by_handle_at", "open_tree_attr_proc"):
        t.check(control.get(name) not in (None, "EPERM"),
                "control: %s reaches the kernel without our hook (got %s)" % (name, control.get(name)))
    # MPTCP is the kernel's to offer (CONFIG_MPTCP, net.mptcp.enabled); where
    # it does, only our filter refuses the socket.
    try:
        with open("/proc/sys/net/mptcp/enabled") as f:
            mptcp_on = f.read().strip() == "1"
    except OSError:
        mptcp_on = False
    if mptcp_on:
        t.check(control.get("mptcp_socket") == "OK",
                "control: an MPTCP socket binds without our hook (got %s)" % control.get("mptcp_socket"))
    else:
        print("note: this kernel offers no MPTCP (net.mptcp.enabled): the control cannot show "
              "the difference for mptcp_socket")
    # Namespaces: user namespaces are the kernel's to allow; where it does,
    # only our filter refuses them.
    with open("/proc/sys/user/max_user_namespaces") as f:
        userns_allowed = int(f.read()) > 0
    if userns_allowed:
        for name in ("unshare_user", "userns_mount", "clone_newuser", "clone3_newuser"):
            t.check(control.get(name) == "OK",
                    "control: %s works without our hook (user namespaces allowed here)" % name)
    else:
        print("note: user.max_user_namespaces is 0 here: the kernel refuses user namespaces "
              "even without our hook, so unshare_user cannot show the difference")
    # Whatever the environment, nothing the control could do may work confined.
    worked = [n for n in EXPECT_CONFINED if confined.get(n) == "OK" and EXPECT_CONFINED[n] != "OK"]
    t.check(not worked, "confined: no attempt worked (%s)" % ", ".join(worked))

    # A spec without the runtime's read-only /proc paths (systempaths=unconfined):
    # the spec edit puts /proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus and
    # /proc/fs back in linux.readonlyPaths, so the host's core_pattern stays
    # read-only (EROFS) even with a GPU, where gpu.proc_access=write_file grants
    # write_file on all of /proc (CUDA renames its threads through
    # /proc/<pid>/task/<tid>/comm) and Landlock alone would let the open through.
    sysfiles = ["/bin/osh-escape", "core_pattern", "remount_proc_sys"]
    for tag, gpu in (("no-ro-paths", False), ("no-ro-paths-gpu", True)):
        res = run_case(w, tag, DOCKER_CAPS, True, args=sysfiles, gpu=gpu, runtime_readonly=False)
        t.check(res.get("core_pattern") == "EROFS",
                tag + ": /proc/sys/kernel/core_pattern cannot be opened for writing (EROFS: the "
                "spec edit restored the read-only path) (got %s)" % res.get("core_pattern"))
        t.check(res.get("remount_proc_sys") == "EPERM", tag + ": remounting /proc/sys fails")

t.finish()
