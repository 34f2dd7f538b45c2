#!/usr/bin/env python3
"""End to end under podman: our `precreate` hook from a hooks.d directory
(--hooks-dir) edits the spec, and the hooks it adds (createRuntime, poststop)
write and remove the plan. podman gives precreate no container id, so the
plan directory is /run/oci-sandbox/p-<random>/ (annotation
oci-sandbox/plan-key). podman here: --runtime runc (crun 1.8.1 refuses the
hybrid cgroup layout), --cgroup-manager cgroupfs, --network none, and
explicit ulimits at or under this machine's hard limits. `podman run --init`
(tini-static bound at /run/podman-init as pid 1) runs confined. Also: an image with
VOLUME /dev holding its own NVIDIA nodes (podman copies them into the
volume) gets no GPU rights: EACCES opening them, /proc read-only. An image
whose OCI manifest carries oci-sandbox/policy (podman copies manifest
annotations into the spec): refused when the name is not selectable;
selected by the image alone when it is (the documented limit)."""
import json
import os
import re
import resource
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402

t.need_root_and("podman", "runc", "busybox")


def limit(which):
    hard = resource.getrlimit(which)[1]
    return 1024 if hard == resource.RLIM_INFINITY else min(hard, 1024)


def install_hook(hooks, name, extra_args=()):
    """A hooks/ file as shipped, with this build's binary path, into `hooks`."""
    with open(os.path.join(os.environ["OSH_SOURCE_ROOT"], "hooks", name)) as f:
        h = json.load(f)
    h["hook"]["path"] = t.binary()
    h["hook"]["args"] += list(extra_args)
    with open(os.path.join(hooks, name), "w") as f:
        json.dump(h, f)


with t.Workdir() as w:
    rootfs = os.path.join(w, "rootfs")
    t.make_rootfs(rootfs)
    pol = t.default_policy()
    log = os.path.join(w, "hook.log")
    pol["log"]["path"] = log
    policy_path = t.write_policy(w, pol)
    hooks = os.path.join(w, "hooks.d")
    os.makedirs(hooks)
    install_hook(hooks, "oci-sandbox-precreate.json", ["--hook-arg=--policy", "--hook-arg=" + policy_path])
    nofile, nproc = limit(resource.RLIMIT_NOFILE), limit(resource.RLIMIT_NPROC)
    name = t.unique_id("podman")
    cmd = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooks,
           "run", "--rm", "--name", name, "--network", "none",
           "--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=%d:%d" % (nproc, nproc),
           "--rootfs", rootfs, "/bin/osh-probe"] + t.CONFINED_CHECKS + ["comm"]
    try:
        r = t.run(cmd, timeout=180)
    finally:
        t.run(["podman", "rm", "-f", "--ignore", name])
    res = t.results(r.stdout)
    t.check(r.returncode == 0, "podman: run exits 0")
    t.check_confined(res, "podman")
    t.check(res.get("comm") == "EACCES", "podman: no GPU: renaming a thread fails")
    ev = t.log_events(log)
    planned = [e for e in ev if e.get("decision") == "planned"]
    t.check(len(planned) == 1, "podman: one createRuntime hook run wrote the plan")
    keys = re.findall(r"/run/oci-sandbox/(p-[0-9a-f]{32})", planned[0]["message"]) if planned else []
    t.check(len(keys) == 1, "podman: the plan directory is keyed by a random p-<hex> token")
    if keys:
        for _ in range(50):
            if t.plan_dir_gone(keys[0]):
                break
            time.sleep(0.1)
        t.check(t.plan_dir_gone(keys[0]), "podman: poststop removed /run/oci-sandbox/" + keys[0])

    # podman run --init: podman binds its init from the host at
    # /run/podman-init and runs it as the container's program (pid 1), the
    # command under it. The baseline lets that one file be read and run
    # (it once failed with EACCES, exit 126, nothing ran); the init and the
    # command are both confined, and nothing else in /run opens.
    init = "/usr/bin/tini-static"  # tini: a dependency of docker.io
    if not os.path.exists(init):
        print("podman --init: not checked: %s is missing (Debian package tini)" % init)
        t.check(False, "podman --init: %s is installed (scripts/run.sh installs tini)" % init)
    else:
        name = t.unique_id("podman-init")
        try:
            r = t.run(["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooks,
                       "run", "--rm", "--init", "--init-path", init, "--name", name, "--network", "none",
                       "--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=%d:%d" % (nproc, nproc),
                       "--rootfs", rootfs, "/bin/osh-probe"] + t.CONFINED_CHECKS +
                      ["cat:/proc/1/comm", "read:/run/podman-init", "write:/run/osh-x"],
                      timeout=180)
        finally:
            t.run(["podman", "rm", "-f", "--ignore", name])
        res = t.results(r.stdout)
        t.check(r.returncode == 0, "podman --init: runs (exit %d)" % r.returncode)
        t.check_confined(res, "podman --init")
        t.check(res.get("cat:/proc/1/comm") == "podman-init", "podman --init: pid 1 is the init (%s)"
                % res.get("cat:/proc/1/comm"))
        t.check(res.get("read:/run/podman-init") == "OK", "podman --init: the init may be read (%s)"
                % res.get("read:/run/podman-init"))
        t.check(res.get("write:/run/osh-x") == "EACCES", "podman --init: nothing else in /run is granted (%s)"
                % res.get("write:/run/osh-x"))

    # An image with VOLUME /dev and its own /dev/nvidia0 (195:0) and
    # /dev/nvidiactl: podman copies the image's /dev into an anonymous
    # volume (nodes included) and mounts it at /dev, so the nodes are on a
    # filesystem other than the root's. They once counted as GPU evidence
    # (comm written, rights on the nodes); a volume does not vouch for them.
    devroot = os.path.join(w, "devvol-rootfs")
    t.make_rootfs(devroot)
    for node, major, minor in (("nvidia0", 195, 0), ("nvidiactl", 195, 255), ("null", 1, 3), ("zero", 1, 5),
                               ("urandom", 1, 9), ("random", 1, 8), ("full", 1, 7), ("tty", 5, 0)):
        os.mknod(os.path.join(devroot, "dev", node), 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    os.symlink("pts/ptmx", os.path.join(devroot, "dev", "ptmx"))
    tar = os.path.join(w, "devvol.tar")
    t.run(["tar", "-C", devroot, "-cf", tar, "."])
    image = "localhost/" + t.unique_id("osh-devvol").lower()
    name = t.unique_id("podman-devvol")
    r = t.run(["podman", "import", "--change", "VOLUME=/dev", tar, image], timeout=120)
    t.check(r.returncode == 0, "podman devvol: the image with VOLUME /dev is imported")
    before = len([e for e in t.log_events(log) if e.get("decision") == "planned"])
    try:
        r = t.run(["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooks,
                   "run", "--rm", "--name", name, "--network", "none",
                   "--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=%d:%d" % (nproc, nproc),
                   image, "/bin/osh-probe"] + t.CONFINED_CHECKS + ["comm", "rdev:/dev/nvidia0", "open:/dev/nvidia0"],
                  timeout=180)
    finally:
        t.run(["podman", "rm", "-f", "--ignore", name])
        t.run(["podman", "rmi", "-f", image])
        t.run(["podman", "volume", "prune", "-f"])
    res = t.results(r.stdout)
    t.check(r.returncode == 0 and res.get("rdev:/dev/nvidia0") == "195:0",
            "podman devvol: runs, and sees the image's /dev/nvidia0 (char 195:0) on the volume")
    t.check_confined(res, "podman devvol")
    t.check(res.get("open:/dev/nvidia0") == "EACCES", "podman devvol: opening it gives EACCES (got %s)"
            % res.get("open:/dev/nvidia0"))
    t.check(res.get("comm") == "EACCES", "podman devvol: /proc stays read-only (comm EACCES)")
    planned = [e for e in t.log_events(log) if e.get("decision") == "planned"][before:]
    t.check(len(planned) == 1 and planned[0].get("gpu") == "false",
            "podman devvol: planned gpu false (%s)" % (planned[0].get("gpu_reason") if planned else None))

# An image whose OCI manifest carries oci-sandbox/policy: podman copies an
# image's manifest annotations into the spec, where they look like the
# user's --annotation. The boundary: a name the main policy does not list
# in `selectable` refuses the container. The documented limit: a listed
# one is selected by the image alone (docs/security.md); the image's own
# oci-sandbox/plan-key is overwritten by the edit.
def annotated_image(w, rootfs, annotations):
    """`podman import` of rootfs, saved as an OCI archive, its manifest
    given `annotations`, loaded back. Returns the image name."""
    import hashlib
    import tarfile
    name = "localhost/" + t.unique_id("osh-annotated").lower()
    tar = os.path.join(w, "ann-rootfs.tar")
    t.run(["tar", "-C", rootfs, "-cf", tar, "."])
    t.check(t.run(["podman", "import", tar, name + "-base"], timeout=120).returncode == 0,
            "podman annotated image: imported")
    archive, layout = os.path.join(w, "ann-oci.tar"), os.path.join(w, "ann-oci")
    t.run(["podman", "save", "--format", "oci-archive", "-o", archive, name + "-base"], timeout=120)
    t.run(["podman", "rmi", "-f", name + "-base"])
    with tarfile.open(archive) as tf:
        tf.extractall(layout)
    blobs = os.path.join(layout, "blobs", "sha256")
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    with open(os.path.join(blobs, index["manifests"][0]["digest"].split(":")[1])) as f:
        manifest = json.load(f)
    manifest["annotations"] = annotations
    data = json.dumps(manifest).encode()
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    index["manifests"] = [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + digest,
                           "size": len(data), "annotations": {"org.opencontainers.image.ref.name": name + ":1"}}]
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    t.run(["tar", "-C", layout, "-cf", archive + ".2", "."])
    r = t.run(["podman", "load", "-i", archive + ".2"], timeout=120)
    t.check(r.returncode == 0, "podman annotated image: loaded with its manifest annotations")
    return name + ":1"


with t.Workdir() as w:
    rootfs = os.path.join(w, "rootfs")
    t.make_rootfs(rootfs)
    os.makedirs(os.path.join(rootfs, "srv"), exist_ok=True)
    log = os.path.join(w, "hook.log")
    policies = os.path.join(w, "policies.d")
    os.makedirs(policies)
    weak = t.default_policy()
    weak["filesystem"]["read_write"].append("/srv")
    weak["log"]["path"] = log
    with open(os.path.join(policies, "weak.json"), "w") as f:
        json.dump(weak, f)
    image = annotated_image(w, rootfs, {"oci-sandbox/policy": "weak",
                                        "oci-sandbox/plan-key": "p-" + "1" * 32})
    try:
        for selectable in ([], ["weak"]):
            pol = t.default_policy()
            pol["log"]["path"] = log
            pol["selectable"] = selectable
            sub = os.path.join(w, "sel-%d" % len(selectable))
            os.makedirs(sub)
            policy_path = t.write_policy(sub, pol)
            hooks = os.path.join(sub, "hooks.d")
            os.makedirs(hooks)
            install_hook(hooks, "oci-sandbox-precreate.json",
                         ["--hook-arg=--policy", "--hook-arg=" + policy_path,
                          "--hook-arg=--policies-dir", "--hook-arg=" + policies])
            name = t.unique_id("podman-annotated")
            before = len(t.log_events(log)) if os.path.exists(log) else 0
            try:
                r = t.run(["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooks,
                           "run", "--rm", "--name", name, "--network", "none",
                           "--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=%d:%d" % (nproc, nproc),
                           image, "/bin/osh-probe", "write:/srv/osh-x", "status"], timeout=180)
            finally:
                t.run(["podman", "rm", "-f", "--ignore", name])
            res = t.results(r.stdout)
            events = t.log_events(log)[before:] if os.path.exists(log) else []
            if not selectable:
                t.check(r.returncode != 0 and "Seccomp" not in r.stdout and 'does not list "weak" in "selectable"'
                        in r.stderr, "podman annotated image, weak not selectable: refused, nothing ran")
            else:
                planned = [e for e in events if e.get("decision") == "planned"]
                t.check(r.returncode == 0 and res.get("write:/srv/osh-x") == "OK" and len(planned) == 1 and
                        "annotation oci-sandbox/policy=weak" in planned[0]["message"] and
                        "p-" + "1" * 32 not in planned[0]["message"],
                        "podman annotated image, weak selectable: the image selected it (the documented limit; "
                        "/srv writable), and its own plan-key was overwritten")
    finally:
        t.run(["podman", "rmi", "-f", image])

# Guard mode: only the createRuntime+poststop hooks.d file, no spec edit. The
# hook finds no plan mount (plan_missing, strict by default) and podman
# refuses the container instead of running it unconfined.
with t.Workdir() as w:
    rootfs = os.path.join(w, "rootfs")
    t.make_rootfs(rootfs)
    pol = t.default_policy()
    pol["log"]["path"] = os.path.join(w, "hook.log")
    policy_path = t.write_policy(w, pol)
    hooks = os.path.join(w, "hooks.d")
    os.makedirs(hooks)
    install_hook(hooks, "oci-sandbox-hook.json", ["--policy", policy_path])
    name = t.unique_id("podman-guard")
    try:
        r = t.run(["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooks,
                   "run", "--rm", "--name", name, "--network", "none",
                   "--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=%d:%d" % (nproc, nproc),
                   "--rootfs", rootfs, "/bin/echo", "osh-workload-ran"], timeout=180)
    finally:
        t.run(["podman", "rm", "-f", "--ignore", name])
    t.check(r.returncode != 0 and "plan_missing" in r.stderr,
            "podman guard: an unprepared container is refused (plan_missing)")
    t.check("osh-workload-ran" not in r.stdout, "podman guard: no workload ran")

t.finish()
