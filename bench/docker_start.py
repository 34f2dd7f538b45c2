"""The Docker row of the benchmarks (bench.py's section_docker):
`docker run --rm --network none IMG /bin/true` with `--runtime runc` against
the same with `--runtime oci-sandbox` (our shim, as `oci-sandbox-runtime`).

Starts a private containerd and dockerd as tests/integration/test_docker.py
does (engines.Daemon: own root, state, sockets, data-root, exec-root,
pidfile and cgroup parent; --iptables=false --ip6tables=false --bridge=none;
OCI_SANDBOX_RUNTIME_CONFIG in both daemons' environment, which the runc v2
shim and so our shim inherit), imports a busybox rootfs as the image
offline, and returns the cases and a cleanup that stops both daemons by
pid, kills what they left, unmounts, removes the cgroup parent and the
directory, and says what it could not remove; confined_runs() counts the
containers the hook planned fully enforced, to prove the shim ran.

containerd's state (the bundles, whose config.json the shim rewrites) and
dockerd's exec-root are on a tmpfs, as /run/containerd and /run/docker are
on a systemd host; this VM's /run is ext4.

The third case is the shape floor: the same shim, spec edit and plan
directory, with `noop` (bench/noop.c, built static) as the hook
(createRuntime and poststop) and as the enforcer (it execs the command: one
extra static exec in the container). The shim reads its runtime.json on
every call, so each case's prep writes the one it runs under."""
import json
import os
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "integration"))
import engines as e  # noqa: E402  (Daemon, containerd_config, leftover checks; no side effects)

# Debian's client, the one that matches its daemon (as test_docker.py).
DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else "docker"
IMAGE = "osh-bench-busybox:latest"


def write_runtime_config(path, cfg):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cfg, f)
    os.rename(tmp, path)


def docker_cases(binary, work, policy, Case, make_rootfs, noop):
    """Returns ([runc case, oci-sandbox case, shape floor case],
    cleanup); cleanup() returns a list of what is left behind (empty when all
    is clean)."""
    d = os.path.join(work, "docker")
    os.makedirs(d)
    shim = os.path.join(d, "oci-sandbox-runtime")  # main() dispatches on this argv[0]
    os.symlink(binary, shim)
    rtcfg = os.path.join(d, "runtime.json")
    ours = {"next_runtime": "runc", "hook_args": ["--policy", policy]}
    floor = dict(ours, hook_binary=noop, enforcer_binary=noop)
    write_runtime_config(rtcfg, ours)
    daemon_json = os.path.join(d, "daemon.json")
    with open(daemon_json, "w") as f:
        json.dump({"runtimes": {"oci-sandbox": {"path": shim}}}, f)
    sock = os.path.join(d, "docker.sock")
    docker = [DOCKER, "-H", "unix://" + sock]
    cgroup = os.path.basename(work)
    env = {"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg}
    interfaces = e.interfaces()
    daemons = []

    def cleanup():
        if len(daemons) == 2:  # dockerd was started
            ids = subprocess.run(docker + ["ps", "-aq"], capture_output=True, text=True).stdout.split()
            if ids:
                subprocess.run(docker + ["rm", "-f"] + ids, capture_output=True)
        for dm in reversed(daemons):
            dm.stop()
        e.kill_pids(e.pids_mentioning(d))  # shims that outlived containerd, if any
        e.unmount_under(d)  # EXEC_ROOT/netns/..., overlay mounts, if any
        e.remove_cgroups(cgroup)
        left = ["pid %d" % p for p in e.pids_mentioning(d)] + ["mount " + m for m in e.mounts_under(d)]
        left += ["cgroup " + c for c in e.cgroup_dirs(cgroup)]
        if e.interfaces() != interfaces:
            left.append("interfaces now %s (were %s)" % (e.interfaces(), interfaces))
        if not left:
            shutil.rmtree(d, ignore_errors=True)
        return left

    def start(dm, socket):
        daemons.append(dm)
        if not dm.wait_socket(socket):
            raise SystemExit("bench: %s did not start:\n%s" % (dm.name, dm.log_tail()))

    try:
        for tmpfs in (os.path.join(d, "containerd", "state"), os.path.join(d, "exec")):
            os.makedirs(tmpfs)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=711", "osh-bench-run", tmpfs], check=True)
        ctd_config, ctd_sock = e.containerd_config(os.path.join(d, "containerd"),
                                                   'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n')
        start(e.Daemon("containerd", ["containerd", "--config", ctd_config], os.path.join(d, "containerd.log"),
                       env=env), ctd_sock)
        start(e.Daemon("dockerd", [
            "dockerd", "--config-file", daemon_json, "--data-root", os.path.join(d, "data"),
            "--exec-root", os.path.join(d, "exec"), "-H", "unix://" + sock, "--containerd", ctd_sock,
            "--pidfile", os.path.join(d, "dockerd.pid"), "--iptables=false", "--ip6tables=false",
            "--bridge=none", "--ip-forward=false", "--ip-masq=false", "--userland-proxy=false",
            "--cgroup-parent", "/" + cgroup], os.path.join(d, "dockerd.log"), env=env), sock)
        rootfs = os.path.join(d, "image-rootfs")
        make_rootfs(rootfs)
        tar = os.path.join(d, "image.tar")
        with tarfile.open(tar, "w") as t:
            for entry in sorted(os.listdir(rootfs)):
                t.add(os.path.join(rootfs, entry), arcname=entry)
        r = subprocess.run(docker + ["import", tar, IMAGE], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("bench: docker import failed: " + r.stderr)
    except BaseException:
        cleanup()
        raise

    def case(runtime, label, cfg=None):
        prep = (lambda: write_runtime_config(rtcfg, cfg)) if cfg else None
        return Case(label, docker + ["run", "--rm", "--network", "none", "--runtime", runtime, IMAGE, "/bin/true"],
                    prep=prep)

    cases = [case("runc", "docker run --rm (runc)"),
             case("oci-sandbox", "docker run --rm --runtime oci-sandbox (shim → runc: hook + enforcer)", ours),
             case("oci-sandbox", "shape floor: the same shim and spec edit, a static no-op as the hook "
                  "(createRuntime, poststop) and as the enforcer (it execs the command)", floor)]
    return cases, cleanup


def confined_runs(policy):
    """Containers the hook planned fully enforced from their live view, by
    the policy's log (each `--runtime oci-sandbox` run adds one)."""
    with open(policy) as f:
        path = json.load(f)["log"]["path"]
    n = 0
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                ev = json.loads(line)
                n += (ev.get("decision") == "planned" and ev.get("status") == "fully_enforced"
                      and ev.get("rootfs_view") == "live")
    return n
