"""Helpers for the engine tests (Docker, containerd, gVisor, rootless
podman): a daemon the test starts and stops by pid, an offline busybox image,
and the proof that nothing the engine made is left on the host afterwards
(mounts, network interfaces, iptables rules, processes, files)."""
import os
import signal
import socket
import subprocess
import tarfile
import time

import oshtest as t


def image_tar(workdir, name="image.tar"):
    """The test rootfs (busybox-static, osh-probe, /etc/passwd) as a tar an
    engine imports offline (`docker import`, `ctr images import`)."""
    rootfs = os.path.join(workdir, "image-rootfs")
    t.make_rootfs(rootfs)
    path = os.path.join(workdir, name)
    with tarfile.open(path, "w") as tar:
        for entry in sorted(os.listdir(rootfs)):
            tar.add(os.path.join(rootfs, entry), arcname=entry)
    return path


def oci_image_tar(workdir, ref, name="oci-image.tar"):
    """The same rootfs as a single-layer OCI image archive (index.json,
    blobs/sha256/...) that `ctr images import` reads, tagged `ref`."""
    import gzip
    import hashlib
    import io
    import json
    layer_tar = image_tar(workdir, "layer.tar")
    with open(layer_tar, "rb") as f:
        raw = f.read()
    gz = gzip.compress(raw, mtime=0)
    blobs = {}

    def blob(data):
        d = hashlib.sha256(data).hexdigest()
        blobs[d] = data
        return "sha256:" + d

    layer = blob(gz)
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/bin:/sbin:/usr/bin"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]},
    }).encode()
    cfg = blob(config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg,
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer,
                    "size": len(gz)}],
    }).encode()
    man = blob(manifest)
    index = json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": man,
                       "size": len(manifest),
                       "annotations": {"io.containerd.image.name": ref,
                                       "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[-1]}}],
    }).encode()
    path = os.path.join(workdir, name)
    with tarfile.open(path, "w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", index)
        for d, data in blobs.items():
            add("blobs/sha256/" + d, data)
    return path


def containerd_config(d, top="", extra=""):
    """A containerd config.toml (version 2) of a test's own in directory d:
    root, state, sockets and the `opt` plugin's directory all under d (the
    default `opt` path is /opt/containerd). Returns (path, socket)."""
    os.makedirs(d, exist_ok=True)
    text = "version = 2\n" + top + """root = "{d}/root"
state = "{d}/state"

[grpc]
  address = "{d}/containerd.sock"
[ttrpc]
  address = "{d}/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
""".format(d=d) + extra
    path = os.path.join(d, "config.toml")
    with open(path, "w") as f:
        f.write(text)
    return path, os.path.join(d, "containerd.sock")


def mounts_under(prefix):
    """Mount points at or below `prefix`, from this process's mountinfo."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix or point.startswith(prefix.rstrip("/") + "/"):
                out.append(point)
    return out


def cgroup_dirs(name):
    """The directories named `name` at the top of each cgroup hierarchy."""
    base = "/sys/fs/cgroup"
    found = []
    for h in [""] + sorted(os.listdir(base)):
        d = os.path.join(base, h, name) if h else os.path.join(base, name)
        if os.path.isdir(d):
            found.append(d)
    return found


def remove_cgroups(name):
    """Remove the (empty) cgroup directories an engine made under `name`,
    deepest first; a directory still in use stays (and the check says so)."""
    for top in cgroup_dirs(name):
        for dirpath, _, _ in sorted(os.walk(top), key=lambda x: len(x[0]), reverse=True):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass


def interfaces():
    return sorted(os.listdir("/sys/class/net"))


def iptables_rules():
    """Every rule of iptables and ip6tables (table headers and counters left
    out), or None where iptables-save is missing."""
    rules = []
    for tool in ("iptables-save", "ip6tables-save"):
        try:
            r = subprocess.run([tool], capture_output=True, text=True, timeout=30)
        except FileNotFoundError:
            return None
        rules += [ln for ln in r.stdout.splitlines() if ln and not ln.startswith(("#", ":"))]
    return sorted(rules)


def pids_mentioning(text):
    """Processes whose command line mentions `text` (a test's own workdir:
    the shims and daemons it started), never this one."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append(int(pid))
    return found


class HostSnapshot:
    """What the host looks like before an engine test, compared afterwards."""

    def __init__(self):
        self.interfaces = interfaces()
        self.iptables = iptables_rules()
        self.opt_containerd = os.path.lexists("/opt/containerd")

    def settle(self, workdir, cgroup=None):
        """Once the engine is stopped: what it left behind (dockerd keeps the
        host network namespace bind-mounted at EXEC_ROOT/netns/default once a
        --network host container ran; containerd-shim-runc-v2 outlives its
        daemon while a container runs) is printed and removed: processes by
        pid, mounts, the engine's own (empty) cgroup parent. Returns what is
        still there afterwards, for check()."""
        time.sleep(0.3)
        for pid in pids_mentioning(workdir):
            print("the engine left pid %d: killing it" % pid)
        kill_pids(pids_mentioning(workdir))
        for point in mounts_under(workdir):
            print("the engine left a mount at %s: unmounting it" % point)
        unmount_under(workdir)
        left = {"pids": pids_mentioning(workdir), "mounts": mounts_under(workdir)}
        if cgroup:
            remove_cgroups(cgroup)  # rmdir refuses a cgroup that holds a process
            left["cgroups"] = cgroup_dirs(cgroup)
        return left

    def check(self, left, workdir, label):
        t.check(left["pids"] == [], label + ": no process of the test's engine left running %s" % left["pids"])
        t.check(left["mounts"] == [], label + ": no mount left under " + workdir + " %s" % left["mounts"])
        t.check(interfaces() == self.interfaces,
                label + ": no network interface added or removed (%s)" % ", ".join(interfaces()))
        if self.iptables is not None:
            t.check(iptables_rules() == self.iptables, label + ": iptables and ip6tables rules unchanged")
        if "cgroups" in left:
            t.check(left["cgroups"] == [], label + ": the engine's cgroup parent was empty and is removed %s"
                    % left["cgroups"])
        if not self.opt_containerd:
            # The containerd configs name their own `opt` directory.
            t.check(not os.path.lexists("/opt/containerd"), label + ": no /opt/containerd made")


class Daemon:
    """A daemon this test starts (its own sockets and directories), stopped
    by its pid."""

    def __init__(self, name, cmd, log_path, env=None):
        self.name = name
        self.cmd = cmd
        self.log_path = log_path
        full_env = dict(os.environ)
        full_env.update(env or {})
        print("$ " + " ".join(cmd) + "  (in the background, log " + log_path + ")")
        self.log = open(log_path, "a")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=full_env,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_socket(self, path, timeout=40):
        """True once `path` accepts a connection; False if the daemon exits or
        the time runs out."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            if os.path.exists(path):
                s = socket.socket(socket.AF_UNIX)
                try:
                    s.connect(path)
                    return True
                except OSError:
                    pass
                finally:
                    s.close()
            time.sleep(0.2)
        return False

    def log_tail(self, n=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                print(self.name + " did not stop within %ds: SIGKILL" % timeout)
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def kill_pids(pids):
    """SIGKILL each of `pids` (processes this test's engine left behind)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            print("killed leftover pid %d" % pid)
        except ProcessLookupError:
            pass
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists("/proc/%d" % p) and not _zombie(p) for p in pids):
        time.sleep(0.1)


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def unmount_under(prefix):
    """Unmount whatever is still mounted at or below `prefix`, deepest first."""
    for point in sorted(mounts_under(prefix), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
