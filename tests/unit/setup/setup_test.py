#!/usr/bin/env python3
"""`oci-sandbox-hook setup ENGINE` on each engine's real configuration format,
in temp trees (--root): merge keeping everything else, idempotence (a second
run changes nothing and makes no backup), --set-as-default, --dry-run (writes
nothing), a backup of any rewritten file, --remove (undoes exactly what setup
added). containerd's result is loaded by the real containerd when installed
(`containerd config dump`); TOML results are parsed with tomllib."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from checklib import check, env, finish  # noqa: E402

BIN, = env("OSH_BINARY")


def setup(root, *args):
    return subprocess.run([BIN, "setup", *args, "--root", root], capture_output=True, text=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def backups(path):
    return sorted(glob.glob(path + ".bak-oci-sandbox-*"))


def idempotent_and_dry(root, engine, files, *extra):
    before = {f: read(f) if os.path.exists(f) else None for f in files}
    r = setup(root, engine, "--dry-run", *extra)
    check(r.returncode == 0 and "dry run, nothing written" in r.stdout, "%s --dry-run exits 0 and says so" % engine)
    check({f: read(f) if os.path.exists(f) else None for f in files} == before, "%s --dry-run writes nothing" % engine)
    r = setup(root, engine, *extra)
    check(r.returncode == 0, "%s setup exits 0 (%s)" % (engine, r.stderr.strip()))
    after = {f: read(f) if os.path.exists(f) else None for f in files}
    nb = {f: len(backups(f)) for f in files}
    r2 = setup(root, engine, *extra)
    check(r2.returncode == 0 and "nothing to change" in r2.stdout, "%s: a second run changes nothing" % engine)
    check({f: read(f) if os.path.exists(f) else None for f in files} == after, "%s: files unchanged by the second run" % engine)
    check({f: len(backups(f)) for f in files} == nb, "%s: no new backup from the second run" % engine)
    return before, after


# Docker: daemon.json merged.
with tempfile.TemporaryDirectory() as root:
    dj = root + "/etc/docker/daemon.json"
    original = {"log-driver": "json-file", "log-opts": {"max-size": "10m"},
                "runtimes": {"nvidia": {"path": "nvidia-container-runtime", "runtimeArgs": []}},
                "storage-driver": "overlay2"}
    write(dj, json.dumps(original, indent=2) + "\n")
    orig_text = read(dj)
    idempotent_and_dry(root, "docker", [dj])
    d = json.loads(read(dj))
    check(d["runtimes"]["oci-sandbox"] == {"path": "/usr/bin/oci-sandbox-runtime"}, "docker: runtime registered")
    check(d["runtimes"]["nvidia"] == original["runtimes"]["nvidia"] and d["log-opts"] == original["log-opts"]
          and list(d)[:2] == ["log-driver", "log-opts"], "docker: every other member kept, in order")
    check("default-runtime" not in d, "docker: not the default without --set-as-default")
    b = backups(dj)
    check(len(b) == 1 and read(b[0]) == orig_text, "docker: the original is backed up")
    setup(root, "docker", "--set-as-default")
    check(json.loads(read(dj)).get("default-runtime") == "oci-sandbox", "docker --set-as-default sets default-runtime")
    r = setup(root, "docker", "--remove")
    check(r.returncode == 0 and json.loads(read(dj)) == original, "docker --remove restores the original document")
    r = setup(root, "docker", "--remove")
    check("nothing to change" in r.stdout, "docker --remove twice changes nothing")
with tempfile.TemporaryDirectory() as root:
    dj = root + "/etc/docker/daemon.json"
    setup(root, "docker")
    check(json.loads(read(dj)) == {"runtimes": {"oci-sandbox": {"path": "/usr/bin/oci-sandbox-runtime"}}},
          "docker: a missing daemon.json is created with the runtime only")
    setup(root, "docker", "--remove")
    check(not os.path.exists(dj), "docker --remove deletes the daemon.json it created")
    write(dj, "{ broken")
    r = setup(root, "docker")
    check(r.returncode == 1 and r.stderr.startswith("oci-sandbox-hook setup docker: ") and read(dj) == "{ broken",
          "docker: invalid daemon.json is refused (exit 1, prefixed error), left as it is")

# containerd: drop-in + imports, on Debian's config.toml and on a config with runc options.
CONTAINERD_V2 = """version = 2
root = "/var/lib/containerd"
imports = ["/etc/containerd/other.d/*.toml"]

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.9"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
"""
CONTAINERD_V3 = """version = 3
[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  SystemdCgroup = false
"""
sources = [("debian", open("/etc/containerd/config.toml").read() if os.path.exists("/etc/containerd/config.toml") else None),
           ("v2-systemd", CONTAINERD_V2), ("v3", CONTAINERD_V3)]
for label, text in sources:
    if text is None:
        print("note: /etc/containerd/config.toml absent; Debian's file not tested")
        continue
    with tempfile.TemporaryDirectory() as root:
        main = root + "/etc/containerd/config.toml"
        dropin = root + "/etc/containerd/conf.d/50-oci-sandbox.toml"
        write(main, text)
        idempotent_and_dry(root, "containerd", [main, dropin])
        m = tomllib.loads(read(main))
        check(root + "/etc/containerd/conf.d/*.toml" in m["imports"], "containerd %s: conf.d/*.toml imported" % label)
        check({k: v for k, v in m.items() if k != "imports"} ==
              {k: v for k, v in tomllib.loads(text).items() if k != "imports"},
              "containerd %s: config.toml otherwise unchanged" % label)
        d = tomllib.loads(read(dropin))
        plugin = "io.containerd.cri.v1.runtime" if label == "v3" else "io.containerd.grpc.v1.cri"
        rts = d["plugins"][plugin]["containerd"]["runtimes"]
        ours = rts["oci-sandbox"]
        check(ours["runtime_type"] == "io.containerd.runc.v2" and ours["options"]["BinaryName"] == "/usr/bin/oci-sandbox-runtime",
              "containerd %s: runtime handler with BinaryName" % label)
        check(ours["pod_annotations"] == ["oci-sandbox/policy"], "containerd %s: pod_annotations passes oci-sandbox/policy" % label)
        check("runc" in rts, "containerd %s: runc declared beside ours" % label)
        src = tomllib.loads(text)
        want = src.get("plugins", {}).get(plugin, {}).get("containerd", {}).get("runtimes", {}).get("runc", {}).get("options", {}).get("SystemdCgroup")
        check(ours.get("options", {}).get("SystemdCgroup") == want, "containerd %s: SystemdCgroup copied from runc (%s)" % (label, want))
        for k, v in src.get("plugins", {}).get(plugin, {}).items():
            if k != "containerd":
                check(d["plugins"][plugin].get(k) == v, "containerd %s: the CRI section's %s is copied" % (label, k))
        if label != "v3" and shutil.which("containerd"):
            r = subprocess.run(["containerd", "--config", main, "config", "dump"], capture_output=True, text=True)
            dump = tomllib.loads(r.stdout) if r.returncode == 0 else {}
            cri = dump.get("plugins", {}).get(plugin, {})
            check(r.returncode == 0 and "oci-sandbox" in cri.get("containerd", {}).get("runtimes", {})
                  and "runc" in cri["containerd"]["runtimes"]
                  and cri.get("cni", {}).get("bin_dir") == src["plugins"][plugin]["cni"]["bin_dir"],
                  "containerd %s: the real containerd loads it (config dump has both runtimes and the CNI bin_dir)" % label)
        setup(root, "containerd", "--set-as-default")
        d = tomllib.loads(read(dropin))
        check(d["plugins"][plugin]["containerd"]["default_runtime_name"] == "oci-sandbox",
              "containerd %s --set-as-default sets default_runtime_name" % label)
        r = setup(root, "containerd", "--remove")
        check(r.returncode == 0 and read(main) == text and not os.path.exists(dropin),
              "containerd %s --remove restores config.toml byte for byte and deletes the drop-in" % label)
with tempfile.TemporaryDirectory() as root:
    write(root + "/etc/containerd/config.toml", "[plugins.cri]\n  x = 1\n")
    r = setup(root, "containerd")
    check(r.returncode == 1 and "config version 1" in r.stderr, "containerd: a version 1 config is refused with the fix")
with tempfile.TemporaryDirectory() as root:
    setup(root, "containerd")
    m = tomllib.loads(read(root + "/etc/containerd/config.toml"))
    check(m["version"] == 2, "containerd: a missing config.toml is created as version 2 with the import")
    setup(root, "containerd", "--remove")
    check(not os.path.exists(root + "/etc/containerd/config.toml"), "containerd --remove deletes the config.toml it created")

# CRI-O: a crio.conf.d drop-in.
with tempfile.TemporaryDirectory() as root:
    dropin = root + "/etc/crio/crio.conf.d/50-oci-sandbox.conf"
    write(root + "/etc/crio/crio.conf.d/10-crun.conf", '[crio.runtime]\ndefault_runtime = "crun"\n')
    idempotent_and_dry(root, "crio", [dropin])
    d = tomllib.loads(read(dropin))
    h = d["crio"]["runtime"]["runtimes"]["oci-sandbox"]
    check(h["runtime_path"] == "/usr/bin/oci-sandbox-runtime" and h["runtime_type"] == "oci", "crio: runtime handler")
    check("default_runtime" not in d["crio"]["runtime"], "crio: not the default without --set-as-default")
    setup(root, "crio", "--set-as-default")
    check(tomllib.loads(read(dropin))["crio"]["runtime"]["default_runtime"] == "oci-sandbox", "crio --set-as-default")
    setup(root, "crio", "--remove")
    check(not os.path.exists(dropin) and os.path.exists(root + "/etc/crio/crio.conf.d/10-crun.conf"),
          "crio --remove deletes only our drop-in")
    write(dropin, "[crio]\n")
    r = setup(root, "crio")
    check(r.returncode == 1 and read(dropin) == "[crio]\n", "crio: a same-named file we did not write is left alone")

# containerd: a same-named drop-in we did not write is refused, set up or
# removed; config.toml is then left as it was too.
with tempfile.TemporaryDirectory() as root:
    main = root + "/etc/containerd/config.toml"
    dropin = root + "/etc/containerd/conf.d/50-oci-sandbox.toml"
    write(main, "version = 2\n")
    write(dropin, "# theirs\nversion = 2\n")
    for args in (["containerd"], ["containerd", "--remove"]):
        r = setup(root, *args)
        check(r.returncode == 1 and "was not written by oci-sandbox-hook setup" in r.stderr and
              read(dropin) == "# theirs\nversion = 2\n" and read(main) == "version = 2\n",
              "setup %s: a drop-in we did not write is left alone, config.toml too" % " ".join(args))

# podman: a same-named drop-in we did not write is refused, set up or removed.
with tempfile.TemporaryDirectory() as root:
    dropin = root + "/etc/containers/containers.conf.d/50-oci-sandbox.conf"
    write(dropin, "[engine]\n")
    for args in (["podman"], ["podman", "--remove"]):
        r = setup(root, *args)
        check(r.returncode == 1 and "was not written by oci-sandbox-hook setup" in r.stderr and
              read(dropin) == "[engine]\n", "setup %s: a drop-in we did not write is left alone" % " ".join(args))

# podman: a containers.conf.d drop-in; hooks_dir repeats the list in force.
for label, etc_conf in [("default", None),
                        ("etc hooks_dir", '[engine]\nhooks_dir = [\n  "/srv/hooks.d",\n]\n')]:
    with tempfile.TemporaryDirectory() as root:
        if os.path.exists("/usr/share/containers/containers.conf"):
            write(root + "/usr/share/containers/containers.conf", read("/usr/share/containers/containers.conf"))
        if etc_conf:
            write(root + "/etc/containers/containers.conf", etc_conf)
        dropin = root + "/etc/containers/containers.conf.d/50-oci-sandbox.conf"
        idempotent_and_dry(root, "podman", [dropin])
        d = tomllib.loads(read(dropin))
        want = (["/srv/hooks.d"] if etc_conf else ["/usr/share/containers/oci/hooks.d"]) + \
            ["/usr/share/oci-sandbox-hook/podman-hooks.d"]
        check(d["engine"]["hooks_dir"] == want, "podman %s: hooks_dir = the list in force + ours: %s" % (label, d["engine"]["hooks_dir"]))
        check(d["engine"]["runtimes"]["oci-sandbox"] == ["/usr/bin/oci-sandbox-runtime"], "podman %s: runtime registered" % label)
        setup(root, "podman", "--set-as-default")
        check(tomllib.loads(read(dropin))["engine"]["runtime"] == "oci-sandbox", "podman --set-as-default")
        setup(root, "podman", "--remove")
        check(not os.path.exists(dropin), "podman --remove deletes the drop-in")

r = subprocess.run([BIN, "setup", "dockr"], capture_output=True, text=True)
check(r.returncode == 2 and "unknown engine" in r.stderr, "setup: an unknown engine is a usage error (exit 2)")

finish()
