#!/usr/bin/env python3
"""End to end under Docker (docker.io 20.10 from Debian 12): the test starts
its own containerd (own root, state, socket; OCI_SANDBOX_RUNTIME_CONFIG in
its environment, which the runc v2 shim and so our shim inherit) and its own
dockerd on it (--containerd SOCK, own --data-root, --exec-root, socket,
pidfile and cgroup parent, --iptables=false --ip6tables=false --bridge=none)
with a daemon.json written by `oci-sandbox-hook setup docker --config FILE`,
imports the test rootfs as an image offline (`docker import`), and checks:

- `docker run --runtime oci-sandbox`: EACCES outside the policy, /tmp
  writable, NoNewPrivs 1, one more seccomp filter than the same container
  under plain runc (Docker's own profile already gives Seccomp 2), chroot
  (allowed by Docker's profile) EPERM;
- `docker exec` into such a container (also --user 65534): confined the same
  way (containerd's shim runs `oci-sandbox-runtime exec --process FILE ID`);
- `--network host`: refused under the default policy (Docker passes the
  host's network namespace by path, EXEC_ROOT/netns/default), the workload
  never runs;
- a volume at /.oci-sandbox: refused by the shim, and docker's error carries
  the shim's reason (the shim logs it to runc's --log, which Docker reads);
- a fake GPU (`--device` of a char node 195:0): detected and granted (ENXIO);
- `setup docker --set-as-default` + SIGHUP: a plain `docker run` is confined;
  `setup docker --remove` + a restart of dockerd (SIGHUP does not take
  default-runtime back): plain runc again;
- afterwards: dockerd and containerd stopped by their pids, no process,
  mount, interface, iptables rule or cgroup left, every plan directory
  removed. dockerd leaves EXEC_ROOT/netns/default mounted once a --network
  host container ran: the test unmounts it."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import engines as e  # noqa: E402

t.need_root_and("dockerd", "runc", "busybox", "containerd", "containerd-shim-runc-v2")
# Debian's client, the one that matches its daemon (another may come first in PATH).
DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else "docker"
IMAGE = "osh-busybox:test"
PROBE = ["/bin/osh-probe"] + t.CONFINED_CHECKS


def main(w):
    sock = os.path.join(w, "docker.sock")
    docker = [DOCKER, "-H", "unix://" + sock]
    daemon_json = os.path.join(w, "daemon.json")
    bindir = os.path.join(w, "bin")
    os.makedirs(bindir)
    shim = os.path.join(bindir, "oci-sandbox-runtime")
    os.symlink(t.binary(), shim)
    pol = t.default_policy()
    log = os.path.join(w, "hook.log")
    pol["log"]["path"] = log
    policy_path = t.write_policy(w, pol)
    rtcfg = t.write_runtime_config(w, "runc", policy_path)

    setup = [t.binary(), "setup", "docker", "--config", daemon_json, "--runtime-path", shim]
    r = t.run(setup)
    t.check(r.returncode == 0, "setup docker --config: exits 0")
    with open(daemon_json) as f:
        t.check(json.load(f) == {"runtimes": {"oci-sandbox": {"path": shim}}},
                "setup docker: daemon.json registers the runtime oci-sandbox (path: the shim)")

    # dockerd's containerd: the test's own (dockerd would use a system
    # containerd instead of starting one wherever /run/containerd runs). The
    # shim inherits its environment.
    ctd_config, ctd_sock = e.containerd_config(
        os.path.join(w, "containerd"), 'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n')
    containerd = e.Daemon("containerd", ["containerd", "--config", ctd_config],
                          os.path.join(w, "containerd.log"), env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg})
    state = {}
    try:
        if not containerd.wait_socket(ctd_sock):
            print(containerd.log_tail())
            return "containerd (for dockerd) did not start here (log above)"
        state["dockerd"] = start_dockerd(w, daemon_json, ctd_sock, rtcfg)
        if not state["dockerd"].wait_socket(sock):
            print(state["dockerd"].log_tail())
            return "dockerd did not start here (log above)"
        checks(w, docker, state, daemon_json, setup, log, rtcfg, ctd_sock)
    finally:
        if "dockerd" in state:
            cleanup(docker, state["dockerd"])
        print("containerd exited %s" % containerd.stop())
    return None


def cgroup_parent(w):
    return "osh-" + os.path.basename(w)


def start_dockerd(w, daemon_json, containerd_sock, rtcfg):
    return e.Daemon("dockerd", [
        "dockerd", "--config-file", daemon_json, "--data-root", os.path.join(w, "data"),
        "--exec-root", os.path.join(w, "exec"), "-H", "unix://" + os.path.join(w, "docker.sock"),
        "--containerd", containerd_sock,
        "--pidfile", os.path.join(w, "dockerd.pid"), "--iptables=false", "--ip6tables=false",
        "--bridge=none", "--ip-forward=false", "--ip-masq=false", "--userland-proxy=false",
        "--cgroup-parent", "/" + cgroup_parent(w)],
        os.path.join(w, "dockerd.log"), env={"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg})


def run_probe(docker, args, label, extra=()):
    r = t.run(docker + ["run", "--rm"] + list(extra) + [IMAGE] + args, timeout=120)
    t.check(r.returncode == 0, label + ": docker run exits 0")
    return r, t.results(r.stdout)


def checks(w, docker, state, daemon_json, setup, log, rtcfg, ctd_sock):
    r = t.run(docker + ["import", e.image_tar(w), IMAGE])
    t.check(r.returncode == 0, "docker import of the test rootfs works offline")
    r = t.run(docker + ["info", "--format", "{{json .Runtimes}}"])
    t.check("oci-sandbox" in r.stdout, "dockerd lists the runtime oci-sandbox")

    _, plain = run_probe(docker, PROBE + ["status"], "plain runc", ["--network", "none"])
    base = int(plain.get("Seccomp_filters", "0"))
    t.check(plain.get("Seccomp") == "2" and base >= 1,
            "plain runc: Docker's own seccomp profile is loaded (Seccomp 2, %d filter(s))" % base)
    t.check(plain.get("write:/etc/osh-denied") == "OK" and plain.get("chroot") == "OK",
            "plain runc: writing /etc and chroot work (nothing of ours)")

    r, res = run_probe(docker, PROBE, "oci-sandbox", ["--runtime", "oci-sandbox", "--network", "none"])
    t.check_confined(res, "docker run --runtime oci-sandbox")
    t.check(res.get("Seccomp_filters") == str(base + 1),
            "docker run: one more seccomp filter than plain runc (%s, plain %d)"
            % (res.get("Seccomp_filters"), base))
    planned = [ev for ev in t.log_events(log) if ev.get("decision") == "planned"]
    t.check(len(planned) == 1 and planned[0].get("status") == "fully_enforced"
            and planned[0].get("rootfs_view") == "live",
            "docker run: the hook planned it fully_enforced from the live view")
    cid = planned[0]["container_id"] if planned else ""
    t.check(cid != "" and t.plan_dir_gone_within(cid), "docker run: poststop removed the plan directory")

    # docker exec: containerd's shim runs `runtime exec --process FILE ... ID`.
    name = t.unique_id("docker-exec")
    r = t.run(docker + ["run", "-d", "--name", name, "--runtime", "oci-sandbox", "--network", "none",
                        IMAGE, "/bin/sleep", "60"])
    t.check(r.returncode == 0, "docker run -d: a long-running confined container starts")
    exec_cid = r.stdout.strip()
    r = t.run(docker + ["exec", name] + PROBE)
    t.check(r.returncode == 0, "docker exec: exits 0")
    res = t.results(r.stdout)
    t.check_confined(res, "docker exec")
    t.check(res.get("Seccomp_filters") == str(base + 1), "docker exec: one more seccomp filter than plain runc")
    r = t.run(docker + ["exec", "--user", "65534", name] + PROBE)
    res = t.results(r.stdout)
    t.check(res.get("write:/etc/osh-denied") == "EACCES" and res.get("NoNewPrivs") == "1",
            "docker exec --user 65534: confined the same way")
    t.run(docker + ["rm", "-f", name])
    t.check(exec_cid != "" and t.plan_dir_gone_within(exec_cid), "docker exec: the container's plan directory removed")

    # --network host: Docker joins the host's namespace by path.
    r = t.run(docker + ["run", "--rm", "--runtime", "oci-sandbox", "--network", "host", IMAGE,
                        "/bin/echo", "osh-workload-ran"])
    t.check(r.returncode != 0, "--network host: docker run fails")
    t.check("osh-workload-ran" not in r.stdout, "--network host: the workload never ran")
    refused = [ev for ev in t.log_events(log) if ev.get("kind") == "netns"]
    t.check(any("host's network namespace" in ev.get("message", "") and ev.get("decision") == "abort"
                for ev in refused),
            "--network host: the hook refused it as a netns failure (the host's namespace, by path)")
    t.check("netns" in r.stderr, "--network host: docker's error names the netns failure")

    # A volume over the sandbox's own mounts: the shim refuses the spec
    # before runc runs. Docker reports the runtime's last logged error, so
    # the shim writes its refusal to runc's --log too (it once showed only
    # "unable to retrieve OCI runtime error").
    decoy = os.path.join(w, "decoy")
    os.makedirs(decoy)
    r = t.run(docker + ["run", "--rm", "--runtime", "oci-sandbox", "--network", "none", "-v",
                        decoy + ":/.oci-sandbox", IMAGE, "/bin/echo", "osh-workload-ran"])
    t.check(r.returncode != 0 and "osh-workload-ran" not in r.stdout, "-v DIR:/.oci-sandbox: refused, nothing ran")
    t.check("oci-sandbox-runtime: create" in r.stderr and "could shadow them" in r.stderr,
            "-v DIR:/.oci-sandbox: docker's error carries the shim's reason")

    # A fake GPU: a char node 195:0 passed with --device.
    devdir = os.path.join(w, "dev")
    os.makedirs(devdir)
    node = os.path.join(devdir, "nvidia0")
    os.mknod(node, 0o666 | 0o020000, os.makedev(195, 0))
    _, res = run_probe(docker, PROBE + ["open:/dev/nvidia0", "comm"], "gpu",
                       ["--runtime", "oci-sandbox", "--network", "none", "--device", node + ":/dev/nvidia0"])
    t.check_confined(res, "docker --device")
    t.check(res.get("open:/dev/nvidia0") == "ENXIO",
            "--device nvidia0 (195:0): opening it gives ENXIO (granted; no driver here)")
    t.check(res.get("comm") == "OK", "--device nvidia0: CUDA's /proc write is granted")
    t.check(any(ev.get("decision") == "planned" and ev.get("gpu") == "true" for ev in t.log_events(log)),
            "--device nvidia0: the hook logged gpu true")

    # default-runtime, and how to undo it; dockerd reloads runtimes on SIGHUP.
    r = t.run(setup + ["--set-as-default"])
    with open(daemon_json) as f:
        t.check(r.returncode == 0 and json.load(f).get("default-runtime") == "oci-sandbox",
                "setup docker --set-as-default: default-runtime is oci-sandbox")
    reload(state["dockerd"], docker, "oci-sandbox")
    _, res = run_probe(docker, PROBE + ["status"], "default runtime", ["--network", "none"])
    t.check(res.get("write:/etc/osh-denied") == "EACCES" and res.get("Seccomp_filters") == str(base + 1),
            "default-runtime oci-sandbox: a plain docker run is confined")
    r = t.run(setup + ["--remove"])
    t.check(r.returncode == 0 and not os.path.exists(daemon_json),
            "setup docker --remove: takes runtime and default out (daemon.json held only ours: removed)")
    # A reload (SIGHUP) does not take default-runtime back out: restart
    # dockerd. (--config-file must name an existing file: an empty object,
    # as the removed /etc/docker/daemon.json reads.)
    with open(daemon_json, "w") as f:
        f.write("{}\n")
    t.check(state["dockerd"].stop() == 0, "dockerd stops on SIGTERM")
    state["dockerd"] = start_dockerd(w, daemon_json, ctd_sock, rtcfg)
    t.check(state["dockerd"].wait_socket(os.path.join(w, "docker.sock")), "dockerd restarts")
    r = t.run(docker + ["info", "--format", "{{.DefaultRuntime}} {{json .Runtimes}}"])
    t.check(r.stdout.startswith("runc ") and "oci-sandbox" not in r.stdout,
            "after the restart: default runtime runc, oci-sandbox no longer registered")
    _, res = run_probe(docker, PROBE + ["status"], "after --remove", ["--network", "none"])
    t.check(res.get("write:/etc/osh-denied") == "OK" and res.get("Seccomp_filters") == str(base),
            "after setup --remove and a reload: docker run is plain runc again")


def reload(dockerd, docker, want_default):
    dockerd.signal(signal.SIGHUP)
    for _ in range(50):
        r = subprocess.run(docker + ["info", "--format", "{{.DefaultRuntime}}"], capture_output=True, text=True)
        if r.stdout.strip() == want_default:
            break
        time.sleep(0.2)
    t.check(r.stdout.strip() == want_default, "SIGHUP: dockerd's default runtime is now " + want_default)


def cleanup(docker, dockerd):
    r = subprocess.run(docker + ["ps", "-aq"], capture_output=True, text=True)
    if r.stdout.split():
        t.run(docker + ["rm", "-f"] + r.stdout.split())
    rc = dockerd.stop()
    print("dockerd exited %s" % rc)


if shutil.which(DOCKER) is None:
    t.skip("the docker client is not installed")
snap = e.HostSnapshot()
with t.Workdir() as w:
    try:
        why = main(w)
    finally:
        # containerd-shim-runc-v2 processes outlive dockerd when containers
        # do: settle() records and then kills them, and unmounts what is left.
        left = snap.settle(w, cgroup_parent(w))
    if why:
        t.skip(why)
    snap.check(left, w, "after dockerd stopped")
t.finish()
