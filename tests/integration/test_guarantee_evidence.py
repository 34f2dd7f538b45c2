#!/usr/bin/env python3
"""Attack: evidence the container's creator controls must not relax anything.

Through the shim under runc (crun for the claims), the default policy
(gpu.detect auto, proc_access write_file):
- claims without a node: process.env NVIDIA_VISIBLE_DEVICES=all, an
  annotation cdi.k8s.io/...=nvidia.com/gpu=all (and nvidia.cdi.k8s.io/...):
  renaming another thread (CUDA's /proc write) gives EACCES, /proc gets no
  write right and no seccomp relaxation is made (with seccomp.deny
  memfd_create, memfd_create gives EPERM; the default profile itself does not
  deny it); the claim is reported as evidence that is no accelerator node,
  and the planned event says gpu false with the reason;
- lookalike nodes: a linux.devices /dev/nvidia0 with /dev/null's numbers
  (1:3), a host directory mounted at /dev/nvidia-caps/rt and a host file
  mounted at /dev/nvidiactl get no right: EACCES opening or writing them;
- /dev/net/tun (misc 10:200) declared at Tegra's /dev/nvmap and WSL2's
  /dev/dxg: no right (EACCES opening them), /proc read-only, gpu false, as
  the host's /proc/misc names neither;
- nodes the image itself holds (195:0, 195:255 in the image's /dev, no /dev
  mount, the device cgroup allowing them; runc and crun): EACCES opening
  them, /proc read-only, gpu false; declared in linux.devices on that same
  /dev they count; a volume holding such nodes put over /dev as
  "/dev/../dev", as "dev", after tmpfs mounts at the nodes' paths it hides,
  and a tmpcopyup /dev (crun) give EACCES and comm EACCES too;
- a linux.devices /dev/nvidia0 (195:0) with a host directory mounted at the
  same path (runc and crun): the directory gets no right (reading, writing
  and overwriting in it give EACCES, the host's files are untouched), /proc
  stays read-only and the planned event says gpu false;
- the real thing (fake NVIDIA nodes 195:0 and 195:255): ENXIO (allowed, no
  driver), the /proc write (CUDA's, with O_TRUNC) works, /proc gains
  write_file and truncate, and no seccomp relaxation is planned."""
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402
import oshdrive as d  # noqa: E402

t.need_root_and("runc", "busybox")

PROBE = ["/bin/osh-probe"] + a.CONFINED + ["comm", "memfd", "open:/dev/nvidia0", "open:/dev/nvidiactl"]
NOTHING = ("which grants nothing by itself (GPU rights need a character device with the vendor's numbers, "
           "put there by the runtime, a mount or a hook)")


def env_claim(cfg):
    cfg["process"]["env"].append("NVIDIA_VISIBLE_DEVICES=all")


def annotation(key):
    def edit(cfg):
        cfg.setdefault("annotations", {})[key] = "nvidia.com/gpu=all"
    return edit


def null_numbers(cfg):
    cfg["linux"].setdefault("devices", []).append(
        {"path": "/dev/nvidia0", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666, "uid": 0, "gid": 0})


def deny_memfd(pol):
    pol["seccomp"]["deny"] = ["memfd_create"]


def proc_rights(eff):
    return [r["access"] for r in eff.get("filesystem", []) if r["path"] == "/proc"]


def claim_only(c, out, origin):
    """A claim is reported and grants nothing."""
    tag = c.tag
    res = t.results(out.stdout)
    t.check(out.rc == 0 and out.workload_rc == 0, tag + ": the container runs")
    a.check_confined(res, tag)
    t.check(res.get("comm") == "EACCES", tag + ": renaming another thread (/proc write) gives EACCES")
    t.check(res.get("open:/dev/nvidia0") in ("ENOENT", "EACCES"), tag + ": no GPU node is usable")
    p = a.planned(out.events)
    t.check(p.get("gpu") == "false" and origin in p.get("gpu_reason", "") and NOTHING in p.get("gpu_reason", ""),
            tag + ": planned gpu false: claimed by %s, %s" % (origin, NOTHING))
    eff = out.effective or {}
    t.check(all("write_file" not in r for r in proc_rights(eff)) and proc_rights(eff),
            tag + ": /proc keeps its read-only rule (no write_file)")
    t.check(eff.get("seccomp", {}).get("relaxations") == [], tag + ": no seccomp relaxation")
    ev = [e for e in eff.get("gpu", {}).get("evidence", []) if e.get("origin", "").startswith(origin)]
    t.check(len(ev) >= 1 and all(e.get("accelerator_node") is False and e.get("note") for e in ev),
            tag + ": the effective policy reports the claim as evidence that is no accelerator node, with a note")
    return res


with t.Workdir() as w:
    n = [0]

    def case(tag, **kw):
        n[0] += 1
        return a.Case(w, "%s-%d" % (tag, n[0]), kw.pop("args", PROBE), **kw)

    # Claims: under runc with the effective policy read, and with
    # seccomp.deny memfd_create (so a relaxation would show as OK).
    for tag, edit, origin in (
            ("env", env_claim, "process.env NVIDIA_VISIBLE_DEVICES=all"),
            ("cdi-annotation", annotation("cdi.k8s.io/osh-gpu"), "annotation cdi.k8s.io/osh-gpu"),
            ("nvidia-cdi-annotation", annotation("nvidia.cdi.k8s.io/osh"), "annotation nvidia.cdi.k8s.io/osh")):
        c = case(tag, edit_config=edit)
        res = claim_only(c, d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid), origin)
        t.check(res.get("memfd") == "OK", c.tag + ": memfd_create works as in any container (the default "
                "profile does not deny it)")
        c = case(tag + "-deny-memfd", edit_config=edit, edit_policy=deny_memfd)
        res = claim_only(c, d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid), origin)
        t.check(res.get("memfd") == "EPERM", c.tag + ": memfd_create gives EPERM (the claim relaxes nothing)")
    for tag, edit in ((("env-crun", env_claim), ("cdi-crun", annotation("cdi.k8s.io/osh-gpu")))
                      if "crun" in a.RUNTIMES else ()):
        c = case(tag, runtime="crun", edit_config=edit, edit_policy=deny_memfd)
        o = c.run()
        t.check(o.rc == 0 and o.res.get("comm") == "EACCES" and o.res.get("memfd") == "EPERM",
                c.tag + ": comm EACCES, memfd_create EPERM")
        t.check(a.planned(o.events).get("gpu") == "false", c.tag + ": planned gpu false")

    # Lookalikes: /dev/null's numbers at /dev/nvidia0, a directory at
    # /dev/nvidia-caps/rt, a file at /dev/nvidiactl.
    c = case("null-numbers", edit_config=null_numbers, args=PROBE + ["rdev:/dev/nvidia0"])
    out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid)
    res = t.results(out.stdout)
    t.check(res.get("rdev:/dev/nvidia0") == "1:3", c.tag + ": /dev/nvidia0 is char 1:3 (what /dev/null is)")
    t.check(res.get("open:/dev/nvidia0") == "EACCES", c.tag + ": opening it read-write gives EACCES (no GPU right)")
    t.check(res.get("comm") == "EACCES", c.tag + ": and /proc stays read-only (comm EACCES)")
    t.check(a.planned(out.events).get("gpu") == "false" and "/dev/nvidia0" not in d.granted_paths(out.effective),
            c.tag + ": planned gpu false, no rule on /dev/nvidia0")

    caps_dir = os.path.join(w, "caps-volume")
    os.makedirs(caps_dir)
    ctl_file = os.path.join(w, "nvidiactl-file")
    open(ctl_file, "w").close()

    def volumes(cfg):
        cfg["mounts"].append({"destination": "/dev/nvidia-caps/rt", "type": "bind", "source": caps_dir,
                              "options": ["rbind", "rw"]})
        cfg["mounts"].append({"destination": "/dev/nvidiactl", "type": "bind", "source": ctl_file,
                              "options": ["bind", "rw"]})
    c = case("mounted-lookalikes", edit_config=volumes, args=PROBE + ["write:/dev/nvidia-caps/rt/osh-x",
                                                                       "write:/dev/nvidiactl"])
    out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid)
    res = t.results(out.stdout)
    t.check(out.rc == 0 and res.get("write:/dev/nvidia-caps/rt/osh-x") == "EACCES",
            c.tag + ": writing into the volume at /dev/nvidia-caps/rt gives EACCES")
    t.check(res.get("write:/dev/nvidiactl") == "EACCES", c.tag + ": writing the file at /dev/nvidiactl gives EACCES")
    t.check(os.listdir(caps_dir) == [] and os.path.getsize(ctl_file) == 0, c.tag + ": the host volume and file are untouched")
    t.check(res.get("comm") == "EACCES" and a.planned(out.events).get("gpu") == "false",
            c.tag + ": planned gpu false, /proc read-only")
    granted = d.granted_paths(out.effective)
    t.check(not [p for p in granted if p.startswith("/dev/nvidia")], c.tag + ": no rule on any /dev/nvidia* path")

    # A device the spec declares, with a host directory mounted at its
    # path: the mount wins over the runtime's mknod, so the container's
    # /dev/nvidia0 is the directory. It once got a GPU node's rights
    # (read, write, truncate under it) and /proc write.
    secret_dir = os.path.join(w, "declared-volume")
    os.makedirs(secret_dir)
    with open(os.path.join(secret_dir, "secret"), "w") as f:
        f.write("host secret\n")

    def declared_then_mounted(cfg):
        cfg["linux"].setdefault("devices", []).append(
            {"path": "/dev/nvidia0", "type": "c", "major": 195, "minor": 0, "fileMode": 0o666, "uid": 0, "gid": 0})
        cfg["mounts"].append({"destination": "/dev/nvidia0", "type": "bind", "source": secret_dir,
                              "options": ["rbind", "rw"]})
    mounted_over = ["read:/dev/nvidia0/secret", "write:/dev/nvidia0/osh-new", "put:/dev/nvidia0/secret:PWNED"]
    for rt in a.RUNTIMES:
        c = case("declared-mounted-over-" + rt, runtime=rt, edit_config=declared_then_mounted,
                 args=PROBE + mounted_over)
        out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid) if rt == "runc" else c.run()
        res = t.results(out.stdout)
        t.check(out.rc == 0, c.tag + ": the container runs")
        for act in mounted_over:
            t.check(res.get(act) == "EACCES", c.tag + ": %s gives EACCES (got %s)" % (act, res.get(act)))
        t.check(res.get("comm") == "EACCES", c.tag + ": /proc stays read-only (comm EACCES)")
        with open(os.path.join(secret_dir, "secret")) as f:
            t.check(f.read() == "host secret\n" and sorted(os.listdir(secret_dir)) == ["secret"],
                    c.tag + ": the host directory is untouched")
        p = a.planned(out.events)
        t.check(p.get("gpu") == "false" and "linux.devices[0]" in p.get("gpu_reason", ""),
                c.tag + ": planned gpu false, the device entry only a claim (%s)" % p.get("gpu_reason"))
        if rt != "runc":
            continue  # the effective policy is read under runc (oshdrive.via_runc)
        ev = [e for e in (out.effective or {}).get("gpu", {}).get("evidence", [])
              if e.get("origin", "").startswith("linux.devices[0]")]
        t.check(len(ev) == 1 and ev[0].get("accelerator_node") is False and
                "live /dev/nvidia0 is not one: not a character device" in ev[0].get("note", ""),
                c.tag + ": the effective policy's evidence says why: %s" % (ev[0].get("note") if ev else None))

    # A misc device (major 10, which kvm, tun, fuse... share) at a Tegra or
    # WSL2 node's path: /dev/net/tun (10:200) declared as /dev/nvmap and
    # /dev/dxg. It once opened (GPU rights) with /proc write; this host's
    # /proc/misc names no nvmap or dxg, so neither is an accelerator node.
    def misc_as_vendor(cfg):
        for path in ("/dev/nvmap", "/dev/dxg"):
            cfg["linux"].setdefault("devices", []).append(
                {"path": path, "type": "c", "major": 10, "minor": 200, "fileMode": 0o666, "uid": 0, "gid": 0})
        cfg["linux"].setdefault("resources", {}).setdefault("devices", []).append(
            {"allow": True, "type": "c", "major": 10, "minor": 200, "access": "rwm"})
    c = case("misc-as-vendor", edit_config=misc_as_vendor,
             args=PROBE + ["rdev:/dev/nvmap", "open:/dev/nvmap", "open:/dev/dxg"])
    out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid)
    res = t.results(out.stdout)
    t.check(out.rc == 0 and res.get("rdev:/dev/nvmap") == "10:200", c.tag + ": /dev/nvmap is char 10:200 (tun)")
    t.check(res.get("open:/dev/nvmap") == "EACCES" and res.get("open:/dev/dxg") == "EACCES",
            c.tag + ": opening /dev/nvmap and /dev/dxg read-write gives EACCES (got %s, %s)"
            % (res.get("open:/dev/nvmap"), res.get("open:/dev/dxg")))
    t.check(res.get("comm") == "EACCES", c.tag + ": /proc stays read-only (comm EACCES)")
    t.check(a.planned(out.events).get("gpu") == "false", c.tag + ": planned gpu false")
    ev = [e for e in (out.effective or {}).get("gpu", {}).get("evidence", []) if e.get("origin", "").startswith("linux.devices")]
    t.check(len(ev) == 2 and all("names no" in e.get("note", "") for e in ev),
            c.tag + ": the evidence says the host's /proc/misc names no such device (%s)" % [e.get("note") for e in ev])

    # Nodes the image itself holds: with no /dev mount in the spec, the
    # image's own /dev/nvidia0 (195:0) and /dev/nvidiactl (195:255) are what
    # the container sees, and the device cgroup allows 195:* (as on a GPU
    # node). They are the image's content, not the runtime's or a hook's, so
    # no evidence: they once got GPU rights and /proc write (ENXIO here).
    def image_dev(cfg):
        cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/dev"]

    def image_nodes(rootfs):
        for name, minor in (("nvidia0", 0), ("nvidiactl", 255)):
            os.mknod(os.path.join(rootfs, "dev", name), 0o666 | stat.S_IFCHR, os.makedev(195, minor))

    for rt in a.RUNTIMES:
        c = case("image-nodes-" + rt, runtime=rt, edit_config=image_dev, edit_rootfs=image_nodes,
                 devices_allow=((195, 0), (195, 255)), args=PROBE + ["rdev:/dev/nvidia0"])
        out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid) if rt == "runc" else c.run()
        res = t.results(out.stdout)
        t.check(out.rc == 0 and res.get("rdev:/dev/nvidia0") == "195:0",
                c.tag + ": the container runs and sees the image's /dev/nvidia0 (char 195:0)")
        a.check_confined(res, c.tag)
        for node in ("/dev/nvidia0", "/dev/nvidiactl"):
            t.check(res.get("open:" + node) == "EACCES",
                    c.tag + ": opening %s gives EACCES (no GPU right; got %s)" % (node, res.get("open:" + node)))
        t.check(res.get("comm") == "EACCES", c.tag + ": /proc stays read-only (comm EACCES)")
        p = a.planned(out.events)
        t.check(p.get("gpu") == "false", c.tag + ": planned gpu false (%s)" % p.get("gpu_reason"))
        if rt != "runc":
            continue  # the effective policy is read under runc (oshdrive.via_runc)
        ev = [e for e in (out.effective or {}).get("gpu", {}).get("evidence", [])
              if e.get("origin", "").startswith("live /dev/nvidia")]
        t.check(len(ev) == 2 and all(e.get("accelerator_node") is False and
                                     "the image itself holds" in e.get("note", "") for e in ev),
                c.tag + ": the evidence says the image holds them: %s" % [e.get("note") for e in ev])

    # A volume the image filled, holding 195:0 and 195:255 (a tmpfs made
    # here stands in for it), put over /dev in ways that once made the hook
    # take it for the runtime's /dev: a destination spelled "/dev/../dev" or
    # "dev" (the runtime cleans it; the hook once skipped it), and a volume
    # at /dev listed after tmpfs mounts at /dev/nvidia0 and /dev/nvidiactl,
    # which it hides (the deeper destination once won). And a /dev tmpfs
    # with tmpcopyup (podman's --tmpfs /dev:tmpcopyup), which crun fills
    # with the image's /dev. All once gave ENXIO and comm OK.
    filled = os.path.join(w, "filled-volume")
    os.makedirs(filled)
    t.run(["mount", "-t", "tmpfs", "-o", "mode=755", "osh-filled", filled])
    try:
        for name, major, minor in (("nvidia0", 195, 0), ("nvidiactl", 195, 255), ("null", 1, 3), ("zero", 1, 5),
                                   ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
                                   ("ptmx", 5, 2)):
            os.mknod(os.path.join(filled, name), 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        for sub in ("pts", "shm", "mqueue"):
            os.makedirs(os.path.join(filled, sub))

        def filled_at(dest, shadowed=()):
            def edit(cfg):
                for node in shadowed:
                    cfg["mounts"].append({"destination": node, "type": "tmpfs", "source": "tmpfs",
                                          "options": ["nosuid"]})
                cfg["mounts"].append({"destination": dest, "type": "bind", "source": filled,
                                      "options": ["rbind", "rw"]})
            return edit

        def tmpcopyup(cfg):
            for m in cfg["mounts"]:
                if m["destination"] == "/dev":
                    m["options"] = ["tmpcopyup"]

        forms = [("dotdot", filled_at("/dev/../dev"), None), ("relative", filled_at("dev"), None),
                 ("shadowing", filled_at("/dev", ("/dev/nvidia0", "/dev/nvidiactl")), None)]
        cases = [(rt, tag, edit, rootfs) for rt in a.RUNTIMES for tag, edit, rootfs in forms]
        if "crun" in a.RUNTIMES:  # runc cannot copy device nodes up
            cases.append(("crun", "tmpcopyup", tmpcopyup, image_nodes))
        for rt, tag, edit, rootfs in cases:
            c = case("filled-%s-%s" % (tag, rt), runtime=rt, edit_config=edit, edit_rootfs=rootfs,
                     devices_allow=((195, 0), (195, 255)), args=PROBE + ["rdev:/dev/nvidia0"])
            out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid) if rt == "runc" else c.run()
            res = t.results(out.stdout)
            t.check(out.rc == 0 and res.get("rdev:/dev/nvidia0") == "195:0",
                    c.tag + ": runs, and sees the volume's /dev/nvidia0 (char 195:0)")
            for node in ("/dev/nvidia0", "/dev/nvidiactl"):
                t.check(res.get("open:" + node) == "EACCES",
                        c.tag + ": opening %s gives EACCES (got %s)" % (node, res.get("open:" + node)))
            t.check(res.get("comm") == "EACCES", c.tag + ": /proc stays read-only (comm EACCES)")
            t.check(a.planned(out.events).get("gpu") == "false", c.tag + ": planned gpu false")
        # The same volume at /data, which the image makes a link to /dev:
        # it lands over the runtime's /dev (GPU rights and comm OK, once),
        # where the rules on /dev's nodes reach into it: refused, named.
        for rt in a.RUNTIMES:
            c = case("filled-through-link-" + rt, runtime=rt, edit_config=filled_at("/data"),
                     edit_rootfs=lambda r: a.symlink(r, "/data", "/dev"), devices_allow=((195, 0), (195, 255)),
                     args=PROBE)
            out = c.run()
            t.check(out.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in out.stdout,
                    c.tag + ": refused at create, nothing ran (exit %s)" % out.rc)
            ev = a.events_of(out.events, kind="landlock_path", decision="abort")
            t.check(len(ev) == 1 and "(/data): its destination goes through the image's symlink /data -> /dev, so "
                    "the mount lands at /dev" in ev[0].get("message", ""),
                    c.tag + ": landlock_path names the mount landing at /dev: %s"
                    % (ev[0].get("message") if ev else None))
    finally:
        t.run(["umount", "-l", filled])

    # The same /dev with the nodes declared in linux.devices: the spec
    # vouches for them, so they count (ENXIO: allowed, no driver).
    c = case("image-dev-declared", gpu=True, edit_config=image_dev)
    out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid)
    res = t.results(out.stdout)
    t.check(res.get("open:/dev/nvidia0") == "ENXIO" and res.get("comm") == "OK" and
            a.planned(out.events).get("gpu") == "true",
            c.tag + ": declared nodes on the image's /dev still count (ENXIO, comm OK, gpu true)")

    # The real thing, for contrast.
    c = case("gpu", gpu=True)
    out = d.via_runc(c.sub, c.bundle, c.rtcfg, c.cid)
    res = t.results(out.stdout)
    a.check_confined(res, c.tag)
    t.check(res.get("open:/dev/nvidia0") == "ENXIO" and res.get("open:/dev/nvidiactl") == "ENXIO",
            c.tag + ": /dev/nvidia0 and /dev/nvidiactl open as far as the missing driver (ENXIO)")
    t.check(res.get("comm") == "OK" and res.get("memfd") == "OK", c.tag + ": the /proc write and memfd_create work")
    eff = out.effective or {}
    t.check(any("write_file" in r and "truncate" in r for r in proc_rights(eff)),
            c.tag + ": /proc gained write_file and truncate (CUDA opens comm with O_TRUNC)")
    t.check(eff.get("seccomp", {}).get("relaxations") == [],
            c.tag + ": no seccomp relaxation is planned (NVIDIA's driver needs none: docs/gpu-validation.md)")
    t.check(a.planned(out.events).get("gpu") == "true", c.tag + ": planned gpu true")

t.finish()
