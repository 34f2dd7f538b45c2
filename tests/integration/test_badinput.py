#!/usr/bin/env python3
"""Bad inputs to every entry point that takes them, and a hostile
environment.

Ids (`/`, `..`, NUL, 10 KB) through the hook (OCI state on stdin), the shim
(`runtime create --bundle B ID`) and `inject --id`; bundles that do not exist
or are not directories; config.json that is a symlink to a valid config
elsewhere, a directory, a FIFO, a character device, or 100 MB (sparse: a
size limit must refuse it before reading); a plan mount whose source
climbs out of /run/oci-sandbox (the hook, precreate and inject); a 100 MB
spec on precreate's stdin. Each must exit 1 with an error on stderr that
names the input, create nothing in /run/oci-sandbox, change nothing in the
bundle, write no log line outside the test directory (the shim excepted: it
records its refusal, naming the input, in the default log), and answer
quickly.
A config.json that is a device node is refused without being opened.

A next runtime that wraps the shim itself is refused at once, not looped.

Environment. What is claimed, precisely:
- The container's process.env carrying LD_PRELOAD / LD_LIBRARY_PATH /
  LD_AUDIT that name a library (inside the image, and the same library's
  host path) makes no process of ours load it: the hook never takes the
  container's environment, and the container still enforces (osh-probe).
- The same variables set in the environment of `hook`, `inject` and
  `precreate` load nothing: the binary is static (no dynamic loader runs)
  and the hook clears its environment before any work.
- The same variables set in the environment of the shim (`runtime run`):
  the shim itself loads nothing, but it execs the next runtime (runc, the
  administrator's tool) with its caller's environment, as any runc wrapper
  does, so runc may load the library: that is the caller's own environment
  acting on the caller's own tool and is not claimed against. The test
  library records which executable loaded it; the check is that none of
  those executables is oci-sandbox-hook, and that the workload ran confined.
"""
import json
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshdrive as d  # noqa: E402

t.need_root_and("runc", "busybox", "gcc")

DEFAULT_LOG = "/var/log/oci-sandbox-hook.log"
# The hook loads its --policy before it reads the state, so its error about
# bad input goes to the policy's log.path, never the default log. A
# config.json that is a device node is refused on its type, checked on an
# O_PATH fd, without ever being opened (/dev/tty's open would give ENXIO).
PROBE = ["/bin/osh-probe"] + t.CONFINED_CHECKS

BAD_IDS = [
    # (label, id, distinctive part of the error)
    ("slash", "a/b", "contains '/'"),
    ("dotdot", "..", "path traversal"),
    ("dotdot-path", "../../etc/cron.d", "must start with a letter or digit"),
    ("embedded-dotdot", "a/../../b", "contains '/'"),
    ("nul", "abc\u0000def", "contains a NUL byte"),
    ("10k", "a" * 10240, "10240 bytes long"),
]


def log_size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def log_lines_since(path, offset):
    """The events appended to the log since `offset` (its size before)."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"unparsed": line})
    return out


def orphan_removal(e):
    """An edit's sweep of another, orphaned plan directory (logged by any
    edit that gets as far as choosing its keys): not about this input."""
    return e.get("component") == "spec-edit" and e.get("decision") == "orphan removed"


dir_snapshot = d.dir_snapshot


class NothingCreated:
    """Around one bad-input call: no new /run/oci-sandbox entry, the bundle
    (when there is one) unchanged, no line in the default log, except, for a
    spec edit (`shim_error` for the shim, or `edit_error` with the component
    for precreate and inject), its own record of its refusal there (it logs
    every refusal: the engine may drop its stderr, as podman drops a
    precreate hook's), which must name the input (a part of the message)."""

    def __init__(self, label, bundle=None, shim_error=None, edit_error=None, component="runtime"):
        self.label, self.bundle = label, bundle
        self.shim_error = shim_error if shim_error is not None else edit_error
        self.component = component if edit_error is not None else "runtime"

    def __enter__(self):
        self.run_root = d.run_root_entries()
        self.log = log_size(DEFAULT_LOG)
        self.bsnap = dir_snapshot(self.bundle) if self.bundle and os.path.isdir(self.bundle) else None
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            return False
        new = d.stray_entries(self.run_root)
        t.check(not new, self.label + ": no new entry in /run/oci-sandbox (found %s)" % new)
        if self.bsnap is not None:
            t.check(dir_snapshot(self.bundle) == self.bsnap, self.label + ": the bundle is unchanged")
        lines = [e for e in log_lines_since(DEFAULT_LOG, self.log) if not orphan_removal(e)]
        if self.shim_error is None:
            t.check(not lines, self.label + ": no line in " + DEFAULT_LOG + " (found %s)" % lines)
        else:
            t.check(len(lines) == 1 and lines[0].get("component") == self.component
                    and lines[0].get("decision") == "abort" and lines[0].get("level") == "error"
                    and self.shim_error in lines[0].get("message", ""),
                    self.label + ": the only line in " + DEFAULT_LOG + " is the " + self.component
                    + " abort naming " + repr(self.shim_error[:80]) + " (found %s)" % lines)
        return False


def refused(label, r, dt, *needles):
    d.refused(label, r, *needles)
    t.check(dt < d.HOOK_BUDGET_S, label + ": answered in %.3f s" % dt)


timed_run = d.timed_run


def shim(bundle, cid, rtcfg, env=None):
    return timed_run([t.binary(), "runtime", "--root", os.path.join(os.path.dirname(bundle), "runc-root"),
                      "create", "--bundle", bundle, cid],
                     env=dict(env or {}, OCI_SANDBOX_RUNTIME_CONFIG=rtcfg))


def inject(bundle, cid, policy_path):
    cmd = [t.binary(), "inject", "--bundle", bundle]
    if cid is not None:
        cmd += ["--id", cid]
    return timed_run(cmd + ["--hook-arg=--policy", "--hook-arg=" + policy_path])


def hook(policy_path, state_text, stage="createRuntime"):
    return timed_run([t.binary(), "hook", "--policy", policy_path, "--stage", stage],
                     stdin_bytes=state_text.encode())


def build_marker_lib(path, *markers):
    """A library whose constructor appends the loading executable's path to
    each of `markers` (absolute paths, as the loading process sees them),
    and that works as an LD_AUDIT module."""
    src = path + ".c"
    with open(src, "w") as f:
        f.write(r'''
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void osh_marker(void) {
    char exe[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 2);
    if (n < 0) n = 0;
    exe[n++] = '\n';
    static const char* const markers[] = {%s};
    for (unsigned i = 0; i < sizeof markers / sizeof markers[0]; ++i) {
        int fd = open(markers[i], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) { (void)write(fd, exe, (size_t)n); close(fd); }
    }
}
unsigned int la_version(unsigned int v) { return v; }
''' .replace("%s", ", ".join(json.dumps(m) for m in markers)))
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", path, src], check=True)


def markers_loaded_by(marker):
    if not os.path.exists(marker):
        return []
    with open(marker) as f:
        return [line.strip() for line in f if line.strip()]


with t.Workdir() as w:
    # One valid bundle for the id cases: ids are refused before it is read.
    sub, bundle, policy_path, rtcfg = t.prepare_case(w, "base", PROBE, "runc")

    # --- ids -------------------------------------------------------------
    for label, bad, needle in BAD_IDS:
        state = json.dumps({"ociVersion": "1.0.2", "id": bad, "status": "creating",
                            "pid": os.getpid(), "bundle": bundle})
        with NothingCreated("hook id " + label, bundle):
            r, dt = hook(policy_path, state)
            refused("hook id " + label, r, dt, "container id", needle)
        if "\u0000" in bad:
            continue  # a NUL cannot be in an argv string: only the state can carry it
        with NothingCreated("shim id " + label, bundle, shim_error=needle):
            r, dt = shim(bundle, bad, rtcfg)
            refused("shim id " + label, r, dt, "oci-sandbox-runtime", "container id", needle)
        with NothingCreated("inject id " + label, bundle, edit_error=needle, component="inject"):
            r, dt = inject(bundle, bad, policy_path)
            refused("inject id " + label, r, dt, "container id", needle)
    # A 10 KB id is quoted only in part.
    r, _ = hook(policy_path, json.dumps({"ociVersion": "1.0.2", "id": "b" * 10240, "status": "creating",
                                         "pid": 1, "bundle": bundle}))
    t.check(r is not None and "b" * 65 not in r.stderr and "..." in r.stderr,
            "hook id 10k: the error quotes only the start of the id")

    # --- bundles ---------------------------------------------------------
    missing = os.path.join(w, "no-such-bundle")
    afile = os.path.join(w, "a-file")
    with open(afile, "w") as f:
        f.write("not a bundle\n")
    for label, b in (("missing", missing), ("file", afile)):
        cid = d.unique_id("badinput-" + label)
        state = d.state_json(cid, b)
        with NothingCreated("hook bundle " + label):
            r, dt = hook(policy_path, state)
            refused("hook bundle " + label, r, dt, b + "/config.json")
        with NothingCreated("shim bundle " + label, shim_error=b + "/config.json"):
            r, dt = shim(b, cid, rtcfg)
            refused("shim bundle " + label, r, dt, "oci-sandbox-runtime", b + "/config.json")
        with NothingCreated("inject bundle " + label, edit_error=b + "/config.json", component="inject"):
            r, dt = inject(b, cid, policy_path)
            refused("inject bundle " + label, r, dt, b + "/config.json")
        t.check(not os.path.exists(missing), "bundle " + label + ": the missing bundle was not created")

    # --- config.json ------------------------------------------------------
    def config_case(label, make, needle):
        csub, cbundle, cpol, crt = t.prepare_case(w, "cfg-" + label, PROBE, "runc")
        cfg = os.path.join(cbundle, "config.json")
        make(cfg, csub)
        cid = d.unique_id("badinput-" + label)
        for entry, call in (("hook", lambda: hook(cpol, d.state_json(cid, cbundle))),
                            ("shim", lambda: shim(cbundle, cid, crt)),
                            ("inject", lambda: inject(cbundle, cid, cpol))):
            with NothingCreated(entry + " config " + label, cbundle,
                                edit_error=cfg if entry != "hook" else None,
                                component="runtime" if entry == "shim" else entry):
                r, dt = call()
                refused(entry + " config " + label, r, dt, cfg, needle)
        if os.path.islink(cfg):
            with open(os.readlink(cfg)) as f:
                t.check(json.load(f)["process"]["args"] == PROBE,
                        "config " + label + ": the symlink's target was not edited")

    def cfg_symlink(cfg, csub):
        real = os.path.join(csub, "real-config.json")
        os.rename(cfg, real)
        os.symlink(real, cfg)

    def cfg_dir(cfg, csub):
        os.unlink(cfg)
        os.mkdir(cfg)

    def cfg_huge(cfg, csub):
        with open(cfg, "r+b") as f:
            f.truncate(100 << 20)

    def cfg_fifo(cfg, csub):
        os.unlink(cfg)
        os.mkfifo(cfg)  # no writer: an open without O_NONBLOCK would hang

    def cfg_chardev(cfg, csub):
        os.unlink(cfg)
        os.mknod(cfg, 0o644 | stat.S_IFCHR, os.makedev(5, 0))  # /dev/tty: open gives ENXIO

    config_case("symlink", cfg_symlink, "symbolic link")
    config_case("fifo", cfg_fifo, "not a regular file")
    config_case("chardev", cfg_chardev, "not a regular file")
    config_case("dir", cfg_dir, "not a regular file")
    config_case("huge", cfg_huge, "larger than")

    # --- a plan mount whose source climbs out of /run/oci-sandbox ---------
    # Not an earlier edit of ours (its source is no plan directory directly
    # under the run root): a mount at our plan's mount point that could
    # shadow it. The hook refuses it naming the source; precreate and inject
    # refuse it naming /mounts/N, create nothing and leave config.json as it
    # was (the bad source never becomes a path).
    csub, cbundle, cpol, crt = t.prepare_case(w, "cfg-mount", PROBE, "runc")
    cfg = t.read_config(cbundle)
    cfg["mounts"].append({"destination": "/.oci-sandbox/plan", "type": "bind",
                          "source": "/run/oci-sandbox/../../etc", "options": ["rbind", "ro"]})
    t.write_config(cbundle, cfg)
    mount_n = "/mounts/%d" % (len(cfg["mounts"]) - 1)
    with open(os.path.join(cbundle, "config.json"), "rb") as f:
        config_before = f.read()
    cid = d.unique_id("badinput-mount")
    with NothingCreated("hook plan mount ..", cbundle):
        r, dt = hook(cpol, d.state_json(cid, cbundle))
        refused("hook plan mount ..", r, dt, "/run/oci-sandbox/../../etc")
    with NothingCreated("precreate plan mount ..", edit_error=mount_n, component="precreate"):
        r, dt = timed_run([t.binary(), "precreate"], stdin_bytes=json.dumps(cfg).encode())
        refused("precreate plan mount ..", r, dt, mount_n, "/.oci-sandbox/plan", "could shadow")
        t.check(r is not None and r.stdout == "", "precreate plan mount ..: no spec on stdout")
    cid = d.unique_id("badinput-mount-inject")
    with NothingCreated("inject plan mount ..", cbundle, edit_error=mount_n, component="inject"):
        r, dt = inject(cbundle, cid, cpol)
        refused("inject plan mount ..", r, dt, cbundle + "/config.json", mount_n, "could shadow")
    with open(os.path.join(cbundle, "config.json"), "rb") as f:
        t.check(f.read() == config_before, "inject plan mount ..: config.json is byte for byte unchanged")
    t.check(t.plan_dir_gone(cid), "inject plan mount ..: no plan directory for " + cid)

    # --- a config runc itself refuses before any hook runs ------------------
    # The shim made /run/oci-sandbox/<id>/ for the edit; runc refuses the
    # config (an unknown namespace) before any hook, so no poststop either:
    # the caller's cleanup `delete` through the shim removes the empty
    # directory.
    def bogus_namespace(cfg):
        cfg["linux"]["namespaces"].append({"type": "bogus"})
    rsub, rbundle, rpol, rrt = t.prepare_case(w, "runc-refuses", PROBE, "runc", edit_config=bogus_namespace)
    cid = d.unique_id("badinput-runc-refuses")
    r, dt = shim(rbundle, cid, rrt)
    t.check(r is not None and r.returncode != 0 and "bogus" in r.stderr,
            "runc refuses the config: create fails with runc's error")
    env = {"OCI_SANDBOX_RUNTIME_CONFIG": rrt}
    r, dt = timed_run([t.binary(), "runtime", "--root", os.path.join(rsub, "runc-root"), "delete", "--force", cid],
                      env=env)
    t.check(t.plan_dir_gone(cid), "runc refuses the config: the shim's delete removed the unused plan directory")

    # --- the state's bundle is not absolute --------------------------------
    with NothingCreated("hook bundle relative"):
        r, dt = hook(policy_path, d.state_json(d.unique_id("badinput-rel"), "bundle"))
        refused("hook bundle relative", r, dt, "/bundle", "expected an absolute path")

    # --- precreate: a 100 MB spec on stdin --------------------------------
    with NothingCreated("precreate 100 MB stdin", edit_error="larger than", component="precreate"):
        r, dt = timed_run([t.binary(), "precreate"], stdin_bytes=b" " * (100 << 20))
        refused("precreate 100 MB stdin", r, dt, "spec on stdin", "larger than")

    # --- environment ------------------------------------------------------
    marker = os.path.join(w, "loaded-by")
    host_lib = os.path.join(w, "osh-marker.so")
    build_marker_lib(host_lib, marker)
    ld_env = {"LD_PRELOAD": host_lib, "LD_AUDIT": host_lib, "LD_LIBRARY_PATH": w}

    def image_env(cfg):
        cfg["process"]["env"] += ["LD_PRELOAD=/lib/osh-marker.so", "LD_AUDIT=/lib/osh-marker.so",
                                  "LD_LIBRARY_PATH=/lib"]

    esub, ebundle, epol, ert = t.prepare_case(w, "env", PROBE, "runc", edit_config=image_env)
    image_lib = os.path.join(ebundle, "rootfs", "lib", "osh-marker.so")
    # Loaded on the host it writes `marker`; loaded in the container, its /tmp.
    in_container = "/tmp/osh-image-lib-loaded"
    if os.path.exists(in_container):
        os.unlink(in_container)
    build_marker_lib(image_lib, marker, in_container)
    # The image's library by its host path too, as a hook taking the
    # container's environment would find it.
    cfg = t.read_config(ebundle)
    cfg["process"]["env"] += ["LD_PRELOAD=" + image_lib]
    t.write_config(ebundle, cfg)

    # hook, inject and precreate with the variables in their own environment.
    cid = d.unique_id("badinput-env")
    r, _ = timed_run([t.binary(), "inject", "--bundle", ebundle, "--id", cid,
                      "--hook-arg=--policy", "--hook-arg=" + epol], env=ld_env)
    t.check(r is not None and r.returncode == 0, "env: inject exits 0 with LD_* set")
    r, _ = timed_run([t.binary(), "precreate"], env=ld_env,
                     stdin_bytes=json.dumps(t.read_config(t.prepare_case(w, "env-pre", PROBE, "runc")[1])).encode())
    t.check(r is not None and r.returncode == 0, "env: precreate exits 0 with LD_* set")
    key = None
    if r is not None and r.returncode == 0:
        key = json.loads(r.stdout).get("annotations", {}).get("oci-sandbox/plan-key")
    # The hook as the runtime runs it (its mounts in place), LD_* exported
    # only for its own exec (the simulation's mount and bash load nothing).
    r, dt = d.hook_in_runtime(epol, cid, ebundle, extra_env=ld_env)
    t.check(r is not None and r.returncode == 0, "env: hook plans with LD_* set in its environment")
    r, _ = timed_run([t.binary(), "hook", "--policy", epol, "--stage", "poststop"], env=ld_env,
                     stdin_bytes=d.state_json(cid, ebundle, status="stopped").encode())
    t.check(t.plan_dir_gone(cid), "env: poststop removed the plan directory")
    if key:
        d.remove_tree(os.path.join(t.RUN_ROOT, key))
    # A sanitizer build is dynamic: the loader honours LD_PRELOAD before our
    # main runs, so the claim is about the shipped (static) binary only.
    static = t.is_static(t.binary())
    if static:
        t.check(markers_loaded_by(marker) == [],
                "env: hook, inject and precreate loaded no library (marker: %s)" % markers_loaded_by(marker))
    else:
        print("NOTE: the binary is dynamic (a sanitizer build): the checks that it loads no "
              "library from its own environment are not made")

    # A next runtime that is a wrapper of the shim itself (a script that
    # execs it): refused at once by the second shim, not an endless loop.
    wrapper = os.path.join(esub, "loop-runtime.sh")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec %s runtime \"$@\"\n" % t.binary())
    os.chmod(wrapper, 0o755)
    loop_rt = os.path.join(esub, "loop-runtime.json")
    with open(loop_rt, "w") as f:
        json.dump({"next_runtime": wrapper}, f)
    lb = os.path.join(esub, "loop-bundle")
    os.makedirs(lb)
    with NothingCreated("shim loop", lb, shim_error="a loop"):
        r, dt = timed_run([t.binary(), "runtime", "--root", os.path.join(esub, "runc-root"), "state", "osh-loop"],
                          env={"OCI_SANDBOX_RUNTIME_CONFIG": loop_rt})
        refused("shim loop", r, dt, "oci-sandbox-runtime", "ran this shim again", "a loop")

    # The full run through the shim, LD_* in the shim's environment too.
    cid = d.unique_id("badinput-envrun")
    runc_root = os.path.join(esub, "runc-root")
    try:
        r = t.run([t.binary(), "runtime", "--root", runc_root, "run", "--bundle", ebundle, cid],
                  env=dict(ld_env, OCI_SANDBOX_RUNTIME_CONFIG=ert), timeout=30)
    finally:
        t.run(["runc", "--root", runc_root, "delete", "-f", cid])
    t.check(r.returncode == 0, "env run: runc run through the shim exits 0")
    t.check_confined(t.results(r.stdout), "env run")
    loaded = markers_loaded_by(marker)
    print("  the marker library was loaded by: %s" % loaded)
    if static:
        t.check(not any("oci-sandbox-hook" in exe for exe in loaded),
                "env run: no process running oci-sandbox-hook loaded the library")
        t.check(all(os.path.basename(exe) == "runc" for exe in loaded),
                "env run: only runc (the caller's own tool, given the caller's environment) loaded it")
    t.check(not os.path.exists(os.path.join(ebundle, "rootfs", in_container.lstrip("/"))),
            "env run: nothing in the container loaded the image's library")
    t.check(not os.path.exists(in_container), "env run: nothing on the host wrote " + in_container)
    t.check(t.plan_dir_gone(cid), "env run: poststop removed the plan directory")

t.finish()
