#!/usr/bin/env python3
"""Hostile images: rootfses whose paths the hook reads are symlinks onto the
host (absolute and ../-relative: /etc/passwd, /etc/group, /etc, /dev, /run,
/proc, /.oci-sandbox, /.oci-sandbox/plan, /data, /dev/nvidia0), FIFOs,
sockets, character devices, huge sparse files or very deep directory chains.
A control case (the image's own /etc/passwd) shows that refusals come from
the hostility, not from the setup.
Default policy (with process.run_as_user set to a name, so the image's
/etc/passwd is read, and a /data rule where a case puts something at /data),
fake GPU devices where a case is about GPU nodes.

Each case runs as a real container through the shim under runc when runc
accepts the rootfs, timing `runtime create` (the hook runs inside it). The
hook is driven directly instead (`inject --id`, then `hook --stage
createRuntime` with the OCI state on stdin, timed alone, in a mount
namespace where the runtime's two bind mounts are simulated, then `hook
--stage poststop`) where runc refuses the rootfs by itself (a symlinked /proc: "must
be mounted on ordinary directory", checked here too), where runc would hide
the hostile file (its tmpfs over /dev), and for a symlinked /dev: runc 1.1.5
itself follows a rootfs /dev symlink onto the host when it makes /dev/fd,
/dev/stdin... (seen here: they appeared in the host canary directory), which
is runc's bug, not the hook's, and would make the canary check meaningless.

For every case:
- a host canary directory (contents, sizes, mtimes, listing) that the
  symlinks point at is unchanged, and so are /etc/passwd, /etc/group and
  /etc/shadow of the host;
- the hook step finished within a second (it never waits on a FIFO or reads
  a huge file whole);
- nothing is left in /run/oci-sandbox/ for the container after delete;
- the hook either planned, with the hostile path resolved inside the rootfs
  (never on the host: checked through what it planned), or refused with an
  error that names the path; a planned container enforces (osh-probe).

The hook proves, in the container's mount namespace, that what sits at
/.oci-sandbox/oci-sandbox-hook and /.oci-sandbox/plan is our binary and this
container's plan directory, refusing any symlink: an image whose
/.oci-sandbox is a symlink is refused. An image's /.oci-sandbox/plan symlink
is hidden under the runtime by our tmpfs at /.oci-sandbox (the container
runs confined), and refused when the hook is driven alone. A rule path that goes through an image symlink
applies only when the policy grants the target by its own path.
"""
import os
import socket
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshdrive as d  # noqa: E402

t.need_root_and("runc", "busybox")

HOST_FILES = ["/etc/passwd", "/etc/group", "/etc/shadow"]
# A user only the host canary's passwd has: resolving it means the hook read
# the host file.
CANARY_USER = "oshcanary"
CANARY_UID = "4242"
PROBE = ["/bin/osh-probe"] + t.CONFINED_CHECKS


def make_canary(w):
    """The host side of every symlink: things the hook would use if it ever
    followed one (a passwd with an extra user, nvidia-persistenced, a GPU
    character device)."""
    c = os.path.join(w, "host-canary")
    os.makedirs(os.path.join(c, "nvidia-persistenced"))
    os.makedirs(os.path.join(c, "plan"))
    with open(os.path.join(c, "canary.txt"), "w") as f:
        f.write("host canary: must never change\n")
    with open(os.path.join(c, "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n%s:x:%s:%s::/:/bin/sh\n" % (CANARY_USER, CANARY_UID, CANARY_UID))
    with open(os.path.join(c, "group"), "w") as f:
        f.write("root:x:0:\n%s:x:%s:\n" % (CANARY_USER, CANARY_UID))
    with open(os.path.join(c, "plan", "keep"), "w") as f:
        f.write("keep\n")
    with open(os.path.join(c, "nvidia-persistenced", "socket"), "w") as f:
        f.write("not a socket\n")
    os.mknod(os.path.join(c, "nvidia0"), 0o600 | stat.S_IFCHR, os.makedev(195, 0))
    return c


def relative_to_host(link_path, host_target):
    """A ../../..-style link text that, followed on the host from link_path,
    reaches host_target (and inside the rootfs clamps at its root)."""
    return os.path.relpath(host_target, os.path.dirname(link_path))


def replace_with_symlink(rootfs, path, target):
    p = os.path.join(rootfs, path.lstrip("/"))
    d.remove_tree(p)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.symlink(target, p)


def make_fifo(p):
    d.remove_tree(p)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.mkfifo(p)


def make_socket(p):
    d.remove_tree(p)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(p)
    s.close()  # the socket file stays; nobody listens


def make_sparse(p, size=100 << 30):
    d.remove_tree(p)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.truncate(size)


def run_as_canary_user(pol):
    pol["process"]["run_as_user"] = CANARY_USER


def data_rule(pol):
    pol["filesystem"]["rules"].append(
        {"path": "/data", "access": ["read_file", "read_dir", "write_file", "truncate"]})


def run_case(w, canary, tag, mode, rootfs_edit, expect, gpu=False, edit_policy=None,
             args=PROBE, edit_config=None):
    """One hostile rootfs; `expect(outcome, tag)` adds the case's own checks."""
    print("\n=== " + tag + " (" + mode + ")")
    cid = d.unique_id("hostile-" + tag)
    sub, bundle, policy_path, rtcfg = t.prepare_case(
        w, tag, args, "runc", gpu=gpu, edit_policy=edit_policy, edit_config=edit_config)
    rootfs = os.path.join(bundle, "rootfs")
    rootfs_edit(rootfs, canary)
    before_canary = d.tree_snapshot(canary)
    before_host = d.host_files_snapshot(HOST_FILES)
    before_run = d.run_root_entries()
    try:
        out = d.via_runc(sub, bundle, rtcfg, cid) if mode == "runc" else d.direct(sub, bundle, policy_path, cid)
        t.check(out.rc is not None, tag + ": the hook step finished (no hang)")
        t.check(out.step_s is not None and out.step_s < d.HOOK_BUDGET_S,
                tag + ": the hook step took %.3f s (< %.1f s)" % (out.step_s or -1, d.HOOK_BUDGET_S))
        t.check(d.tree_snapshot(canary) == before_canary, tag + ": the host canary directory is unchanged")
        t.check(d.host_files_snapshot(HOST_FILES) == before_host,
                tag + ": the host's /etc/passwd, /etc/group, /etc/shadow are unchanged")
        t.check(t.plan_dir_gone(cid), tag + ": nothing left in /run/oci-sandbox/" + cid)
        stray = d.stray_entries(before_run)
        t.check(not stray, tag + ": no other new entry in /run/oci-sandbox (found %s)" % stray)
        planned = any(e.get("decision") == "planned" for e in out.events)
        if out.rc == 0:
            t.check(planned, tag + ": exit 0 comes with a planned event")
        else:
            t.check(not planned, tag + ": a refusal writes no plan")
            t.check("NoNewPrivs" not in out.stdout, tag + ": refused: no workload ran")
        expect(out, tag)
        return out
    finally:
        d.remove_tree(sub)


# --- expectations ------------------------------------------------------------

def refused_naming(*needles):
    def expect(out, tag):
        t.check(out.rc not in (0, None), tag + ": refused (exit %s)" % out.rc)
        for n in needles:
            t.check(n in out.stderr, tag + ": the error names " + repr(n))
    return expect


def runs_confined(extra=None):
    def expect(out, tag):
        t.check(out.rc == 0 and out.workload_rc == 0, tag + ": the container was created and started")
        t.check_confined(t.results(out.stdout), tag)
        if extra:
            extra(out, tag)
    return expect


def planned(check=None):
    def expect(out, tag):
        t.check(out.rc == 0, tag + ": the hook planned (exit 0)")
        t.check(bool(out.effective), tag + ": the effective policy was written")
        if check:
            check(out.effective or {}, tag)
    return expect


def skipped_not_in_rootfs(path):
    """`path` exists only on the host: not granted, and the plan says it was
    skipped because it is not in the container's rootfs."""
    def check(eff, tag):
        t.check(path not in d.granted_paths(eff), tag + ": the effective policy does not grant " + path)
        t.check(any(c.get("action") == "skipped" and "not in the container's rootfs" in c.get("reason", "")
                    for c in d.changes_for(eff, path)),
                tag + ": the plan records " + path + " as skipped: not in the container's rootfs")
    return check


def no_gpu_from_live_dev(eff, tag):
    t.check(eff.get("gpu", {}).get("detected") is False,
            tag + ": no GPU detected (only character devices in the live /dev count)")
    t.check("/dev/nvidia0" not in d.granted_paths(eff), tag + ": /dev/nvidia0 is not granted")


def bounded_paths(eff, tag):
    longest = max((len(p) for p in d.granted_paths(eff)), default=0)
    t.check(longest < 200, tag + ": no granted path from deep in the chain (longest %d chars)" % longest)


def also(*expects):
    def expect(out, tag):
        for e in expects:
            e(out, tag)
    return expect


def never_canary_uid(inner):
    def expect(out, tag):
        inner(out, tag)
        eff = out.effective or {}
        t.check(CANARY_UID not in str(eff.get("process", "")),
                tag + ": the host canary's uid " + CANARY_UID + " was never resolved")
    return expect


with t.Workdir() as w:
    canary = make_canary(w)
    cpass = os.path.join(canary, "passwd")

    # /etc/passwd onto the host: resolved inside the rootfs, where the target
    # does not exist, so run_as_user cannot be resolved: privilege_drop.
    def passwd_abs(rootfs, c):
        replace_with_symlink(rootfs, "/etc/passwd", cpass)

    def passwd_rel(rootfs, c):
        link = os.path.join(rootfs, "etc", "passwd")
        replace_with_symlink(rootfs, "/etc/passwd", relative_to_host(link, cpass))

    def etc_to_host_etc(rootfs, c):
        replace_with_symlink(rootfs, "/etc", "/etc")

    # Control: the image's own /etc/passwd names the user: resolved (read
    # after the hook confined itself), and the workload runs as that uid.
    def passwd_own(rootfs, c):
        with open(os.path.join(rootfs, "etc", "passwd"), "a") as f:
            f.write("%s:x:4321:4321::/:/bin/sh\n" % CANARY_USER)

    def runs_as_4321(out, tag):
        t.check(out.rc == 0 and out.workload_rc == 0, tag + ": the container was created and started")
        res = t.results(out.stdout)
        t.check(res.get("uid") == "4321", tag + ": the workload runs as the image's uid 4321")
        t.check(res.get("NoNewPrivs") == "1" and res.get("Seccomp") == "2", tag + ": and is confined")
    def can_switch_user(cfg):  # `runc spec` grants neither CAP_SETUID nor CAP_SETGID
        for k in ("bounding", "effective", "permitted"):
            cfg["process"]["capabilities"][k] += ["CAP_SETUID", "CAP_SETGID"]
    run_case(w, canary, "passwd-control", "runc", passwd_own, runs_as_4321, edit_policy=run_as_canary_user,
             args=["/bin/sh", "-c", "echo uid=$(id -u); /bin/osh-probe status"], edit_config=can_switch_user)

    # A character device (5:0, /dev/tty) at /etc/passwd: never opened (an
    # open would act on the host's device; this one would fail with ENXIO).
    def passwd_chardev(rootfs, c):
        p = os.path.join(rootfs, "etc", "passwd")
        os.unlink(p)
        os.mknod(p, 0o644 | stat.S_IFCHR, os.makedev(5, 0))

    def no_device_open(out, tag):
        t.check("No such device or address" not in out.stderr, tag + ": the device node was never opened")
    run_case(w, canary, "passwd-chardev", "runc", passwd_chardev,
             also(refused_naming("privilege_drop", "/etc/passwd", "not a regular file"), no_device_open),
             edit_policy=run_as_canary_user)

    refuse_passwd = never_canary_uid(refused_naming("privilege_drop", "/etc/passwd"))
    for tag, edit in (("passwd-abs", passwd_abs), ("passwd-rel", passwd_rel)):
        run_case(w, canary, tag, "runc", edit, refuse_passwd, edit_policy=run_as_canary_user)

    # /etc -> /etc: a loop inside the rootfs (on the host it would be the
    # host's /etc, where "daemon" exists).
    def run_as_daemon(pol):
        pol["process"]["run_as_user"] = "daemon"
    run_case(w, canary, "etc-abs", "runc", etc_to_host_etc,
             refused_naming("privilege_drop", "/etc/passwd"), edit_policy=run_as_daemon)

    # /etc/group onto the host canary (run_as_group by name), and an
    # /etc/passwd that links to itself (a loop).
    def group_abs(rootfs, c):
        replace_with_symlink(rootfs, "/etc/group", os.path.join(c, "group"))

    def run_as_canary_group(pol):
        pol["process"]["run_as_group"] = CANARY_USER
    run_case(w, canary, "group-abs", "runc", group_abs, refused_naming("privilege_drop", "/etc/group"),
             edit_policy=run_as_canary_group)
    run_case(w, canary, "passwd-loop", "runc",
             lambda r, c: replace_with_symlink(r, "/etc/passwd", "/etc/passwd"),
             refused_naming("privilege_drop", "/etc/passwd"), edit_policy=run_as_canary_user)

    # /etc/passwd as a FIFO (no writer: an open without O_NONBLOCK would
    # hang) and as a 100 GB sparse file (must not be read whole).
    run_case(w, canary, "passwd-fifo", "runc",
             lambda r, c: make_fifo(os.path.join(r, "etc", "passwd")),
             refused_naming("privilege_drop", "/etc/passwd", "not a regular file"),
             edit_policy=run_as_canary_user)
    run_case(w, canary, "passwd-sparse", "runc",
             lambda r, c: make_sparse(os.path.join(r, "etc", "passwd")),
             refused_naming("privilege_drop", "/etc/passwd", "larger than"),
             edit_policy=run_as_canary_user)

    # /.oci-sandbox and /.oci-sandbox/plan (where runc mounts our binary and
    # the plan) pointing at the host canary: runc resolves mount targets
    # inside the rootfs, so its mounts land somewhere else than where the
    # hook proves them: the hook opens both paths in the container refusing
    # any symlink and refuses the container, naming the path and the link.
    # Under runc the image's /.oci-sandbox/plan link is hidden by our tmpfs
    # at /.oci-sandbox, and the container runs confined. The canary's "plan"
    # directory is untouched.
    for tag, path, target, named in (
            ("ocisandbox-abs", "/.oci-sandbox", canary, "/.oci-sandbox/oci-sandbox-hook"),
            ("ocisandbox-rel", "/.oci-sandbox", None, "/.oci-sandbox/oci-sandbox-hook"),
            ("plan-abs", "/.oci-sandbox/plan", os.path.join(canary, "plan"), "/.oci-sandbox/plan"),
            ("plan-rel", "/.oci-sandbox/plan", None, "/.oci-sandbox/plan")):
        def edit(rootfs, c, path=path, target=target):
            link = os.path.join(rootfs, path.lstrip("/"))
            host = canary if path == "/.oci-sandbox" else os.path.join(canary, "plan")
            replace_with_symlink(rootfs, path, target or relative_to_host(link, host))
        refused_as_not_ours = refused_naming("the enforcer or its plan is not ours", named, "symbolic link")
        run_case(w, canary, tag, "runc", edit,
                 refused_as_not_ours if path == "/.oci-sandbox" else runs_confined())
        # The same image with the hook driven alone: the runtime simulation
        # makes no mount through the link, and the hook refuses the same way.
        run_case(w, canary, tag + "-direct", "direct", edit, refused_as_not_ours)

    # /run onto the host canary, which has nvidia-persistenced (a path the
    # GPU rules add read-only when it exists): with fake GPU devices, the
    # hook must not find it (in the rootfs /run/... does not exist).
    for tag, rel in (("run-abs", False), ("run-rel", True)):
        def edit(rootfs, c, rel=rel):
            link = os.path.join(rootfs, "run")
            replace_with_symlink(rootfs, "/run", relative_to_host(link, canary) if rel else canary)
        run_case(w, canary, tag, "direct", edit, planned(skipped_not_in_rootfs("/run/nvidia-persistenced")),
                 gpu=True)
        run_case(w, canary, tag + "-runc", "runc", edit, runs_confined(), gpu=True)

    # /dev onto the host canary (which holds a char device 195:0 named
    # nvidia0): the hook lists the live /dev without following links, so it
    # refuses (gpu.detect auto cannot look at /dev; strict) and says why.
    for tag, rel in (("dev-abs", False), ("dev-rel", True)):
        def edit(rootfs, c, rel=rel):
            link = os.path.join(rootfs, "dev")
            replace_with_symlink(rootfs, "/dev", relative_to_host(link, canary) if rel else canary)
        run_case(w, canary, tag, "direct", edit,
                 refused_naming("gpu_detection", "/dev in the container is a symbolic link"))

    # /proc onto the host (/proc of the host, and the canary): runc refuses
    # to mount proc there before any hook runs. The hook alone resolves the
    # spec's /proc mount and the policy's /proc rule inside the rootfs:
    # /proc -> /proc is a loop there, so where the proc mount would land
    # cannot be told (landlock_path, strict: refused naming the mount);
    # /proc -> ../../../host-canary reaches /host-canary in the rootfs, which
    # the policy does not grant by its own path: a symlink never carries a
    # right (landlock_path, strict), refused naming the link.
    for tag, target, expect in (
            ("proc-abs", "/proc",
             refused_naming("landlock_path", "mounts[0] (/proc): where its destination leads", "cannot be told")),
            ("proc-rel", None,
             refused_naming("landlock_path", "/proc -> ../", "a symlink never carries a right"))):
        def edit(rootfs, c, target=target):
            link = os.path.join(rootfs, "proc")
            replace_with_symlink(rootfs, "/proc", target or relative_to_host(link, canary))
        run_case(w, canary, tag + "-runc", "runc", edit, refused_naming("must be mounted on ordinary directory"))
        run_case(w, canary, tag, "direct", edit, expect)

    # A policy path (/data) that is a FIFO, a unix socket, a 100 GB sparse
    # file, or a 4096-deep directory chain: planned, the container runs and
    # enforces; the hook neither waits on the FIFO nor reads the file.
    def odd_file_edit(kind, rel, deep_rel):
        """Puts a FIFO, a socket or a sparse file at rel, or (kind "deep") a
        4096-deep chain at deep_rel, in the rootfs."""
        makers = {"fifo": make_fifo, "socket": make_socket, "sparse": make_sparse}

        def edit(rootfs, c):
            if kind in makers:
                makers[kind](os.path.join(rootfs, rel))
            else:
                p = os.path.join(rootfs, deep_rel)
                if os.path.lexists(p):
                    d.remove_tree(p)
                d.deep_chain(p, 4096)
        return edit

    def data_edit(kind):
        return odd_file_edit(kind, "data", "data")

    for kind in ("fifo", "socket", "sparse", "deep"):
        run_case(w, canary, "data-" + kind, "runc", data_edit(kind),
                 runs_confined(lambda out, tag: t.check("/data" in d.granted_paths(out.effective),
                                                        tag + ": the policy's /data rule is planned")),
                 edit_policy=data_rule)

    # The policy's /data as a symlink onto the host canary: resolved inside
    # the rootfs, where the target does not exist: skipped with that reason,
    # and the container cannot write through it.
    for tag, rel in (("data-symlink-abs", False), ("data-symlink-rel", True)):
        def edit(rootfs, c, rel=rel):
            link = os.path.join(rootfs, "data")
            replace_with_symlink(rootfs, "/data", relative_to_host(link, c) if rel else c)

        def through_link(out, tag):
            skipped_not_in_rootfs("/data")(out.effective or {}, tag)
            t.check(t.results(out.stdout).get("write:/data/osh-x") not in (None, "OK"),
                    tag + ": the workload cannot write through /data")
        run_case(w, canary, tag, "runc", edit, runs_confined(through_link), edit_policy=data_rule,
                 args=PROBE + ["write:/data/osh-x"])

    # /dev/nvidia0 in the image as a FIFO, a socket, a 100 GB sparse file,
    # and a 4096-deep /dev/nvidia-caps chain, seen by the hook's walk of the
    # live /dev: none is taken for a GPU node, the walk is bounded. With the
    # spec naming the node (fake GPU devices), the FIFO changes nothing.
    def gpu_node_edit(kind):
        return odd_file_edit(kind, "dev/nvidia0", "dev/nvidia-caps")

    for kind in ("fifo", "socket", "sparse"):
        run_case(w, canary, "nvidia0-" + kind, "direct", gpu_node_edit(kind), planned(no_gpu_from_live_dev))
    # ... and as symlinks onto the host canary's character device 195:0.
    for tag, rel in (("nvidia0-symlink-abs", False), ("nvidia0-symlink-rel", True)):
        def edit(rootfs, c, rel=rel):
            link = os.path.join(rootfs, "dev", "nvidia0")
            host = os.path.join(c, "nvidia0")
            replace_with_symlink(rootfs, "/dev/nvidia0", relative_to_host(link, host) if rel else host)
        run_case(w, canary, tag, "direct", edit, planned(no_gpu_from_live_dev))
    # The walk stops at its depth bound and says what it did not look into:
    # under strict gpu_detection that refuses, under warn it plans without it.
    run_case(w, canary, "nvidia-caps-deep", "direct", gpu_node_edit("deep"),
             refused_naming("gpu_detection", "/dev/nvidia-caps/d/d/d: deeper than"), gpu=True)

    def gpu_detection_warn(pol):
        pol["failure"]["kinds"]["gpu_detection"] = "warn"
    run_case(w, canary, "nvidia-caps-deep-warn", "direct", gpu_node_edit("deep"), planned(bounded_paths),
             gpu=True, edit_policy=gpu_detection_warn)

    # The spec names /dev/nvidia0; the image's own /dev holds a FIFO there.
    # The /dev the hook sees outranks the spec: the FIFO is no accelerator
    # node and gets nothing, the spec's other nodes keep theirs.
    def gpu_from_spec(eff, tag):
        t.check(eff.get("gpu", {}).get("detected") is True, tag + ": the GPU named in the spec is detected")
        granted = d.granted_paths(eff)
        t.check("/dev/nvidia0" not in granted and "/dev/nvidiactl" in granted,
                tag + ": the FIFO at /dev/nvidia0 gets no rule, /dev/nvidiactl does")
        ev = [e for e in eff.get("gpu", {}).get("evidence", []) if e.get("device_path") == "/dev/nvidia0"
              and e.get("origin", "").startswith("linux.devices")]
        t.check(ev and all(e.get("accelerator_node") is False and "not a character device" in e.get("note", "")
                           for e in ev),
                tag + ": the spec's entry is reported as a claim, the FIFO named (%s)" % [e.get("note") for e in ev])
    run_case(w, canary, "nvidia0-fifo-gpu", "direct", gpu_node_edit("fifo"), planned(gpu_from_spec), gpu=True)

t.finish()
