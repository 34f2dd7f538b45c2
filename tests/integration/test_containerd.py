#!/usr/bin/env python3
"""End to end under containerd 1.6 (Debian 12), the Kubernetes node path.
The test starts its own containerd (own root, state, sockets, `opt` path and
config) twice:

1. with the shipped snippet (packaging/kubernetes/containerd-config.toml)
   imported: the CRI plugin loads (`ctr plugins ls`: io.containerd.grpc.v1.cri
   ok), and `containerd config dump` shows the handler oci-sandbox with
   pod_annotations and BinaryName;
2. with what `oci-sandbox-hook setup containerd --config FILE` writes for a
   node config.toml whose runc uses SystemdCgroup = false: the drop-in declares
   runc beside ours, copies the cgroup driver, lists pod_annotations; the CRI
   plugin loads with it. Then, with OCI_SANDBOX_RUNTIME_CONFIG set on
   containerd (the runc v2 shim inherits it):
   - `ctr run --runc-binary SHIM`: the runc v2 shim with options.BinaryName =
     our shim, the same options a CRI RuntimeClass handler's
     `options.BinaryName` gives: EACCES outside the policy, chroot EPERM,
     one more seccomp filter than plain runc;
   - `ctr task exec` into such a container (also as uid 65534): confined;
   - `ctr run --net-host`: refused (netns), the workload never runs;
   - `ctr run --runtime io.containerd.runc.v2 --runtime-config-path FILE`
     (FILE naming BinaryName): ctr 1.6 ignores the path for runc v2, so the
     container runs UNconfined under plain runc (the route the docs warn of);
3. containerd stopped by its pid; no shim, mount, interface, iptables rule
   or cgroup left.
The image is the test rootfs as an OCI archive, imported offline."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import engines as e  # noqa: E402

t.need_root_and("containerd", "ctr", "containerd-shim-runc-v2", "runc", "busybox")
IMAGE = "docker.io/library/osh-busybox:test"
PROBE = ["/bin/osh-probe"] + t.CONFINED_CHECKS
SNIPPET = os.path.join(os.environ.get("OSH_SOURCE_ROOT", ""), "packaging", "kubernetes", "containerd-config.toml")
CRI = "io.containerd.grpc.v1.cri"


def namespace(w):
    """The test's containerd namespace (also its cgroup parent under ctr)."""
    return "osh-" + re.sub("[^a-z0-9]", "", os.path.basename(w).lower())


def base_config(w, tag, top="", extra=""):
    d = os.path.join(w, tag)
    return d, e.containerd_config(d, top, extra)[0]


def start(d, config, env=None):
    daemon = e.Daemon("containerd", ["containerd", "--config", config], os.path.join(d, "containerd.log"), env)
    sock = os.path.join(d, "containerd.sock")
    if not daemon.wait_socket(sock):
        print(daemon.log_tail())
        daemon.stop()
        return None, None
    return daemon, ["ctr", "--address", sock, "--namespace", namespace(os.path.dirname(d))]


def cri_loaded(ctr, label):
    r = t.run(ctr + ["plugins", "ls"])
    line = [ln for ln in r.stdout.splitlines() if ln.split()[:2] == ["io.containerd.grpc.v1", "cri"]]
    t.check(len(line) == 1 and line[0].split()[-1] == "ok",
            label + ": ctr plugins ls shows " + CRI + " ok (%s)" % (line[0].split()[-1] if line else "missing"))


def dumped_handler(config):
    """The handler oci-sandbox as containerd reads the config (config dump)."""
    r = t.run(["containerd", "--config", config, "config", "dump"])
    out, keep = [], False
    for ln in r.stdout.splitlines():
        s = ln.strip()
        if s.startswith("["):
            keep = s.startswith('[plugins."%s".containerd.runtimes.oci-sandbox' % CRI)
        if keep:
            out.append(s)
    return "\n".join(out)


def main(w, daemons):
    # 1. The shipped snippet, imported as it is.
    d, config = base_config(w, "snippet", top='imports = ["%s"]\n' % SNIPPET)
    daemon, ctr = start(d, config)
    if daemon is None:
        return "containerd does not start here (log above)"
    daemons.append(daemon)
    cri_loaded(ctr, "shipped snippet")
    dump = dumped_handler(config)
    t.check('pod_annotations = ["oci-sandbox/policy"]' in dump and
            'BinaryName = "/usr/bin/oci-sandbox-runtime"' in dump,
            "shipped snippet: containerd reads the handler oci-sandbox with pod_annotations and BinaryName")
    t.check(daemon.stop() == 0, "containerd (shipped snippet) stops on SIGTERM")

    # 2. setup containerd on a node config (cgroupfs driver: SystemdCgroup = false).
    d, config = base_config(w, "node", extra="""
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
""")
    shim = os.path.join(w, "bin", "oci-sandbox-runtime")
    os.makedirs(os.path.dirname(shim))
    os.symlink(t.binary(), shim)
    r = t.run([t.binary(), "setup", "containerd", "--config", config, "--runtime-path", shim])
    t.check(r.returncode == 0, "setup containerd --config: exits 0")
    with open(os.path.join(d, "conf.d", "50-oci-sandbox.toml")) as f:
        dropin = f.read()
    t.check('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' in dropin,
            "setup containerd: the drop-in declares runc beside ours")
    t.check('pod_annotations = ["oci-sandbox/policy"]' in dropin, "setup containerd: pod_annotations listed")
    t.check(dropin.count("SystemdCgroup = false") == 2 and "SystemdCgroup = true" not in dropin,
            "setup containerd: the cgroup driver (SystemdCgroup = false) is copied to ours")
    pol = t.default_policy()
    log = os.path.join(w, "hook.log")
    pol["log"]["path"] = log
    rtcfg = t.write_runtime_config(w, "runc", t.write_policy(w, pol))
    daemon, ctr = start(d, config, {"OCI_SANDBOX_RUNTIME_CONFIG": rtcfg})
    if daemon is None:
        t.check(False, "containerd starts with the config setup wrote")
        return None
    daemons.append(daemon)
    cri_loaded(ctr, "setup containerd")
    dump = dumped_handler(config)
    t.check('BinaryName = "%s"' % shim in dump and 'pod_annotations = ["oci-sandbox/policy"]' in dump,
            "setup containerd: containerd reads the handler oci-sandbox (BinaryName, pod_annotations)")

    r = t.run(ctr + ["images", "import", e.oci_image_tar(w, IMAGE)])
    t.check(r.returncode == 0, "ctr images import of the test image works offline")

    def ctr_run(label, opts, args, cid=None):
        cid = cid or t.unique_id("ctd")
        r = t.run(ctr + ["run", "--rm"] + opts + [IMAGE, cid] + args, timeout=90)
        return r, t.results(r.stdout)

    r, plain = ctr_run("plain", [], PROBE + ["status"])
    base = int(plain.get("Seccomp_filters", "-1"))
    t.check(r.returncode == 0 and plain.get("write:/etc/osh-denied") == "OK" and plain.get("chroot") == "OK",
            "plain runc under ctr: writing /etc and chroot work (nothing of ours; %d seccomp filters)" % base)

    cid = t.unique_id("ctd-handler")
    r, res = ctr_run("handler", ["--runc-binary", shim], PROBE, cid)
    t.check(r.returncode == 0, "ctr run --runc-binary (the handler's BinaryName): exits 0")
    t.check_confined(res, "ctr run --runc-binary")
    t.check(res.get("Seccomp_filters") == str(base + 1), "ctr run --runc-binary: one more seccomp filter than plain")
    t.check(any(x.get("decision") == "planned" and x.get("container_id") == cid and x.get("rootfs_view") == "live"
                for x in t.log_events(log)), "ctr run --runc-binary: the hook planned it from the live view")
    t.check(t.plan_dir_gone_within(cid), "ctr run --runc-binary: poststop removed the plan directory")

    # ctr task exec into a running confined container.
    cid = t.unique_id("ctd-exec")
    r = t.run(ctr + ["run", "-d", "--runc-binary", shim, IMAGE, cid, "/bin/sleep", "60"])
    t.check(r.returncode == 0, "ctr run -d --runc-binary: starts")
    for user in ([], ["--user", "65534"]):
        label = "ctr task exec" + (" --user 65534" if user else "")
        r = t.run(ctr + ["task", "exec", "--exec-id", "probe%d" % len(user)] + user + [cid] + PROBE, timeout=60)
        res = t.results(r.stdout)
        t.check(r.returncode == 0, label + ": exits 0")
        t.check(res.get("write:/etc/osh-denied") == "EACCES" and res.get("chroot") == "EPERM"
                and res.get("NoNewPrivs") == "1" and res.get("Seccomp_filters") == str(base + 1),
                label + ": confined like the container (EACCES, chroot EPERM, one more seccomp filter)")
    t.run(ctr + ["task", "kill", "--signal", "SIGKILL", cid])
    for _ in range(50):
        if t.run(ctr + ["task", "delete", cid]).returncode == 0:
            break
        time.sleep(0.1)
    t.run(ctr + ["containers", "delete", cid])
    t.check(t.plan_dir_gone_within(cid), "ctr task exec: the container's plan directory removed after it")

    # --net-host: the container would share the host's network namespace.
    r, _ = ctr_run("net-host", ["--runc-binary", shim, "--net-host"], ["/bin/echo", "osh-workload-ran"])
    t.check(r.returncode != 0 and "osh-workload-ran" not in r.stdout, "ctr run --net-host: refused, nothing ran")
    t.check("netns (strict)" in r.stderr, "ctr run --net-host: the error names the netns failure")

    # --runtime-config-path: ctr 1.6 sends runc v2 only the --runc-* options.
    opts = os.path.join(w, "runc-options.toml")
    with open(opts, "w") as f:
        f.write('BinaryName = "%s"\n' % shim)
    cid = t.unique_id("ctd-cfgpath")
    r, res = ctr_run("config path", ["--runtime", "io.containerd.runc.v2", "--runtime-config-path", opts],
                     PROBE + ["status"], cid)
    t.check(r.returncode == 0 and res.get("write:/etc/osh-denied") == "OK"
            and res.get("Seccomp_filters") == str(base)
            and not any(x.get("container_id") == cid for x in t.log_events(log)),
            "ctr --runtime io.containerd.runc.v2 --runtime-config-path: ignored by ctr 1.6, runs unconfined "
            "(documented: use --runc-binary)")
    return None


snap = e.HostSnapshot()
with t.Workdir() as w:
    daemons = []
    try:
        why = main(w, daemons)
    finally:
        for dmn in daemons:
            dmn.stop()
        left = snap.settle(w, namespace(w))
    if why:
        t.skip(why)
    snap.check(left, w, "after containerd stopped")
t.finish()
