#!/usr/bin/env python3
"""Attack: the image must not widen what a volume gets.

A host directory mounted read-write (`docker run -v HOST:/data`, the
default) that the policy lists read-only, or does not list at all, must
stay unwritable; through the shim under runc and crun:

1. The image makes the volume's destination a symlink (/data -> /tmp):
   both runtimes follow it inside the root, so the volume lands on /tmp,
   under the baseline's read-write rule. It once ran `fully_enforced` with
   the volume writable (a file created, another truncated on the host).
   Strict: refused at create, a landlock_path event naming the mount, the
   link and the rights it would get; warn: it runs `partially_enforced`,
   the lost limit named in the hook's log and the container's stderr.
   The same where our resolver gives up and the runtime follows on (41
   links for runc; links full of ".." past the lookup bound for both; a
   link through a missing name or a file and back out with "..", which
   runc follows on and crun refuses): refused, the mount named as
   unjudged. So is a volume whose link a later mount hides, spelled above
   it or elsewhere (a tmpfs at /e, the image's e -> d, over the volume's
   /d/l -> /tmp), or a later mount that leaves no mount's root where its
   destination leads; with a decoy mounted at the volume's path after
   the hider, and with an overlay of host directories as the victim; and
   where the hider is hidden in turn, or the runtime replaces a link after
   the spec's mounts (/dev/ptmx), or a second bind of the same source
   stands where its path leads (as an engine writes it: distinct
   destinations sorted by depth), or a later volume puts a link where
   runc found nothing and stepped back out with "..".
   The same with the policy silent on /data; with /data -> /srv/vol under
   an image WORKDIR /srv, the workdir (above where the volume lands) is
   not granted: refused for the read-only rule through the link, and with
   the policy silent the volume lands with no right (EACCES).
2. An image WORKDIR above the volume (/srv over a volume at /srv/data):
   the workdir rule would reach through the mount. The workdir is skipped
   (EACCES writing the volume and /srv, the log says why). A workdir that
   is the volume itself (-v HOST:/work -w /work) stays read-write, nested
   volumes beneath it included, and so does a tmpfs beneath /srv.
3. A workdir on a read-only bind of the host's root (`-v /:/host:ro -w
   /host`): the bind's flag does not reach the host's /proc and /dev/shm
   beneath it, and the workdir rule once made core_pattern writable. The
   workdir is not granted: EACCES opening core_pattern for writing and in
   the host's /dev/shm, EROFS on the bind itself (runc, crun).
4. The same bind beneath the baseline's read-write /tmp (`-v
   /:/tmp/host:ro`): refused under strict (landlock_path, naming the bind
   and the host's mount beneath it); under warn it runs, the limit named
   (and the host's core_pattern opens for writing, as reported). A
   read-only bind with no host mounts beneath it runs fully_enforced. The
   source is judged as the kernel finds it: a host symlink to /, "/tmp/../"
   and a path relative to the bundle are refused too.
The host directory is checked after every run: unchanged where denied.
A host socket bound in (Landlock does not govern connect): refused unless the
policy lets the workload write it, named under warn; another daemon's socket
at NVIDIA's persistenced path in a GPU container: refused."""
import os
import shutil
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oshtest as t  # noqa: E402
import oshattack as a  # noqa: E402

t.need_root_and("runc", "busybox")

SECRET = "host data\n"


def volume(src, dest, options=("rbind", "rw")):
    def edit(cfg):
        cfg["mounts"].append({"destination": dest, "type": "bind", "source": src, "options": list(options)})
    return edit


def cwd(path):
    def edit(cfg):
        cfg["process"]["cwd"] = path
    return edit


def read_only(path):
    def edit(pol):
        pol["filesystem"]["read_only"].append(path)
    return edit


def link(path, target, make=None):
    """The image's `path` becomes a symlink to `target` (`make`: a directory
    created first)."""
    def edit(rootfs):
        if make:
            os.makedirs(os.path.join(rootfs, make.lstrip("/")), exist_ok=True)
        a.symlink(rootfs, path, target)
    return edit


def warn(pol):
    pol["failure"]["kinds"]["landlock_path"] = "warn"


def fresh(vol):
    for n in os.listdir(vol):
        p = os.path.join(vol, n)
        shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
    with open(os.path.join(vol, "secret"), "w") as f:
        f.write(SECRET)


def untouched(vol, tag):
    with open(os.path.join(vol, "secret")) as f:
        t.check(f.read() == SECRET and os.listdir(vol) == ["secret"], tag + ": the host volume is unchanged")


with t.Workdir() as w:
    vol = os.path.join(w, "host-volume")
    os.makedirs(vol)
    n = [0]

    def case(tag, **kw):
        n[0] += 1
        fresh(vol)
        return a.Case(w, "%s-%d" % (tag, n[0]), kw.pop("args"), **kw)

    # 1. The destination through the image's symlink.
    probe = ["/bin/osh-probe"] + a.CONFINED + ["write:/data/osh-pwned", "trunc:/data/secret"]
    redirects = [
        ("to-tmp-read-only", link("/data", "/tmp"), read_only("/data"), None, "/tmp"),
        ("to-tmp-unlisted", link("/data", "/tmp"), None, None, "/tmp"),
        ("to-workdir", link("/data", "/srv/vol", make="/srv/vol"), read_only("/data"), cwd("/srv"), "/srv/vol"),
    ]
    for rt in a.RUNTIMES:
        for tag, image, pol, cfg, lands in redirects:
            c = case(tag + "-" + rt, args=probe, runtime=rt, edit_rootfs=image, edit_policy=pol,
                     edit_config=a.chain(volume(vol, "/data"), cfg))
            o = c.run()
            t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                    c.tag + ": refused at create, nothing ran (exit %d)" % o.rc)
            ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
            if cfg is None:
                want = "(/data): its destination goes through the image's symlink /data -> %s, so the mount " \
                       "lands at %s, where the rules give it" % (lands, lands)
            else:  # the workdir above the landing is not granted; the read-only rule is refused
                want = "policy read_only rule on /data (execute,read_file,read_dir): the path goes through the " \
                       "image's symlink /data -> %s to %s, which the policy does not grant" % (lands, lands)
            t.check(len(ev) == 1 and want in ev[0].get("message", ""),
                    c.tag + ": landlock_path (strict) names the mount or rule, the link and the rights: %s"
                    % (ev[0].get("message") if ev else None))
            if rt == "runc":  # crun drops hook stderr
                t.check(want in o.stderr, c.tag + ": the runtime's error carries the hook's message")
            untouched(vol, c.tag)
            t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")

    # Where our resolver gives up and the runtime does not: 41 links (runc's
    # securejoin follows 255), and links whose ".." walks cost more than its
    # lookup bound (runc and crun). Both once left the volume unjudged on
    # /tmp, written and truncated, fully_enforced.
    def chain41(rootfs):
        a.symlink(rootfs, "/data", "/l1")
        for i in range(1, 42):
            os.symlink("/l%d" % (i + 1) if i < 41 else "/tmp", os.path.join(rootfs, "l%d" % i))

    def dotdots(rootfs):
        os.makedirs(os.path.join(rootfs, *(["d"] * 100)))
        walk = "/".join(["d"] * 100) + "/" + "/".join([".."] * 100)
        a.symlink(rootfs, "/data", walk + "/m1")
        os.symlink(walk + "/m2", os.path.join(rootfs, "m1"))
        os.symlink(walk + "/tmp", os.path.join(rootfs, "m2"))

    # A link through a missing name (or a file) and back out with "..":
    # the kernel and crun stop at the name, runc's securejoin drops it and
    # follows on (/data -> nonexist/../t, t -> /tmp lands a runc mount on
    # /tmp). Under runc it once ran fully_enforced with the volume written;
    # crun fails to make the mount point.
    def missing_back(rootfs):
        a.symlink(rootfs, "/data", "nonexist/../t")
        os.symlink("/tmp", os.path.join(rootfs, "t"))

    def file_back(rootfs):
        with open(os.path.join(rootfs, "f"), "w") as f:
            f.write("a file\n")
        a.symlink(rootfs, "/data", "f/../t")
        os.symlink("/tmp", os.path.join(rootfs, "t"))

    unjudged = "(/data): where its destination leads in the image cannot be told"
    for rt, tag, image in [("runc", "chain41", chain41)] + [(r, "dotdots", dotdots) for r in a.RUNTIMES] + \
            [("runc", "missing-back", missing_back), ("runc", "file-back", file_back)]:
        c = case("%s-%s" % (tag, rt), args=probe, runtime=rt, edit_rootfs=image, edit_config=volume(vol, "/data"))
        o = c.run()
        t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                c.tag + ": refused at create, nothing ran (exit %d)" % o.rc)
        ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
        t.check(len(ev) == 1 and unjudged in ev[0].get("message", ""),
                c.tag + ": landlock_path (strict): %s" % (ev[0].get("message") if ev else None))
        untouched(vol, c.tag)
    if "crun" in a.RUNTIMES:
        for tag, image in [("missing-back", missing_back), ("file-back", file_back)]:
            c = case(tag + "-crun", args=probe, runtime="crun", edit_rootfs=image, edit_config=volume(vol, "/data"))
            o = c.run()
            t.check(o.rc != 0 and "NoNewPrivs" not in o.stdout,
                    c.tag + ": crun fails to make the mount point, nothing ran (exit %d)" % o.rc)
            untouched(vol, c.tag)
            # No hook ran to plan or remove: the shim's delete removes the
            # directory its spec edit made.
            c.shim("delete", "-f", c.cid)
            t.check(t.plan_dir_gone(c.cid), c.tag + ": nothing left in /run/oci-sandbox")

    # A later mount that hides the link a volume was mounted through: the
    # image's /a/l -> /tmp, the volume at /a/l, then a tmpfs at /a. The hook
    # once saw only the tmpfs, and the volume sat writable on /tmp.
    def hidden(cfg):
        cfg["mounts"].append({"destination": "/a/l", "type": "bind", "source": vol, "options": ["rbind", "rw"]})
        cfg["mounts"].append({"destination": "/a", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]})
    for rt in a.RUNTIMES:
        c = case("hidden-link-" + rt, args=probe + ["write:/tmp/osh-pwned"], runtime=rt,
                 edit_rootfs=link("/a/l", "/tmp", make="/a"), edit_config=hidden)
        o = c.run()
        t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                c.tag + ": refused at create, nothing ran (exit %d)" % o.rc)
        ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
        t.check(len(ev) == 1 and "(/a/l) lies beneath the later mounts[" in ev[0].get("message", ""),
                c.tag + ": landlock_path names the hidden mount: %s" % (ev[0].get("message") if ev else None))
        untouched(vol, c.tag)

    # The same hidden by a later mount spelled elsewhere: the image's /d/l
    # -> /tmp and /e -> d, the volume at /d/l/vol, then a tmpfs at /e that
    # lands on /d. In the final tree /d/l/vol is just missing, no link on
    # the way: the volume once sat writable on /tmp, fully_enforced. In the
    # running container no mount is there, so where it landed is untold.
    def hidden_elsewhere(cfg):
        cfg["mounts"].append({"destination": "/d/l/vol", "type": "bind", "source": vol, "options": ["rbind", "rw"]})
        cfg["mounts"].append({"destination": "/e", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]})

    def d_links(rootfs):
        os.makedirs(os.path.join(rootfs, "d"))
        os.symlink("/tmp", os.path.join(rootfs, "d/l"))
        os.symlink("d", os.path.join(rootfs, "e"))
    def with_decoy(cfg):  # a tmpfs mounted at the volume's path after the hider
        hidden_elsewhere(cfg)
        cfg["mounts"].append({"destination": "/d/l/vol", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]})

    overlay_dirs = {k: os.path.join(w, "ovl-" + k) for k in ("lower", "upper", "work")}
    for d in overlay_dirs.values():
        os.makedirs(d)

    def overlay_victim(cfg):  # an overlay carries host data like a bind
        cfg["mounts"].append({"destination": "/d/l/vol", "type": "overlay", "source": "overlay",
                              "options": ["lowerdir=" + overlay_dirs["lower"], "upperdir=" + overlay_dirs["upper"],
                                          "workdir=" + overlay_dirs["work"]]})
        cfg["mounts"].append({"destination": "/e", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]})
    for rt, variant, edit in [(r, v, e) for r in a.RUNTIMES for v, e in
                              (("", hidden_elsewhere), ("decoy-", with_decoy), ("overlay-", overlay_victim))]:
        c = case("hidden-elsewhere-" + variant + rt, args=probe + ["write:/tmp/vol/osh-pwned"], runtime=rt,
                 edit_rootfs=d_links, edit_config=edit)
        o = c.run()
        t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                c.tag + ": refused at create, nothing ran (exit %d)" % o.rc)
        ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
        t.check(len(ev) == 1 and "(/d/l/vol) lies beneath the later mounts[8] (/e), which hides the path"
                in ev[0].get("message", ""),
                c.tag + ": landlock_path names the mount whose landing is untold: %s"
                % (ev[0].get("message") if ev else None))
        untouched(vol, c.tag)
        t.check(os.listdir(overlay_dirs["upper"]) == [], c.tag + ": the overlay's host upper directory is unchanged")

    # The hider hidden in turn (/f/e -> /d, a tmpfs at /f/e, a decoy tmpfs
    # at /d/l/vol, then a tmpfs at /f hiding /f/e), and a link the runtime
    # itself replaces after the spec's mounts (runc and crun make /dev/ptmx
    # -> pts/ptmx over the image's /dev/ptmx -> /tmp, with a decoy at
    # /dev/pts/ptmx/vol): the volume sat writable on /tmp, fully_enforced.
    # What is mounted where its destination now leads is not its source.
    def f_links(rootfs):
        d_links(rootfs)
        os.makedirs(os.path.join(rootfs, "f"))
        os.symlink("/d", os.path.join(rootfs, "f/e"))

    def hider_of_hider(cfg):
        cfg["mounts"] += [{"destination": "/d/l/vol", "type": "bind", "source": vol, "options": ["rbind", "rw"]},
                          {"destination": "/f/e", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
                          {"destination": "/d/l/vol", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
                          {"destination": "/f", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]

    def ptmx_link(rootfs):
        a.symlink(rootfs, "/dev/ptmx", "/tmp")
        os.makedirs(os.path.join(rootfs, "dev/pts/ptmx"), exist_ok=True)

    def ptmx_mounts(cfg):
        cfg["mounts"] = [m for m in cfg["mounts"]
                         if m["destination"] not in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue")]
        cfg["mounts"] += [{"destination": "/dev/ptmx/vol", "type": "bind", "source": vol, "options": ["rbind", "rw"]},
                          {"destination": "/dev/pts/ptmx/vol", "type": "tmpfs", "source": "tmpfs",
                           "options": ["nosuid"]}]
    # The same link, the decoy EARLIER: a second bind of the same source at
    # /dev/pts/ptmx/vol, then the volume through the image's /dev/ptmx ->
    # /tmp. The runtime replaces the link with pts/ptmx after the spec's
    # mounts, so in the running container the volume's path leads to the
    # decoy, a mount root holding the very source. A path through a link the
    # runtime makes after the mounts cannot be told.
    def ptmx_decoy_first(cfg):
        cfg["mounts"] = [m for m in cfg["mounts"]
                         if m["destination"] not in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue")]
        cfg["mounts"] += [{"destination": "/dev/pts/ptmx/vol", "type": "bind", "source": vol,
                           "options": ["rbind", "ro"]},
                          {"destination": "/dev/ptmx/vol", "type": "bind", "source": vol, "options": ["rbind", "rw"]}]

    def ptmx_tmpfs_first_overlay(cfg):  # an overlay has no source to compare
        cfg["mounts"] = [m for m in cfg["mounts"]
                         if m["destination"] not in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue")]
        cfg["mounts"] += [{"destination": "/dev/pts/ptmx/vol", "type": "tmpfs", "source": "tmpfs",
                           "options": ["nosuid"]},
                          {"destination": "/dev/ptmx/vol", "type": "overlay", "source": "overlay",
                           "options": ["lowerdir=" + overlay_dirs["lower"], "upperdir=" + overlay_dirs["upper"],
                                       "workdir=" + overlay_dirs["work"]]}]

    def ptmx_link_vol(rootfs):
        ptmx_link(rootfs)
        os.makedirs(os.path.join(rootfs, "dev/pts/ptmx/vol"), exist_ok=True)
    # As an engine writes it (every destination distinct, sorted by depth:
    # `-v S:/d/l/vol -v S:/u/v/w/x/l/vol:ro --tmpfs /p/q/r/s --tmpfs
    # /m/n/o/p/q/r/t`): the read-only second bind of the same source stands
    # where the first's path leads once the tmpfs at /p/q/r/s (p/q/r/s -> d)
    # is hidden in turn; the source check alone took it for the first.
    def depth_links(rootfs):
        os.makedirs(os.path.join(rootfs, "d"))
        for p, target in (("/d/l", "/tmp"), ("/p/q/r/s", "/d"), ("/u/v/w/x", "/d"), ("/m/n/o/p/q/r/t", "/p/q/r")):
            os.makedirs(os.path.dirname(os.path.join(rootfs, p.lstrip("/"))), exist_ok=True)
            os.symlink(target, os.path.join(rootfs, p.lstrip("/")))

    def same_source(cfg):
        cfg["mounts"] += [{"destination": "/d/l/vol", "type": "bind", "source": vol, "options": ["rbind", "rw"]},
                          {"destination": "/p/q/r/s", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
                          {"destination": "/u/v/w/x/l/vol", "type": "bind", "source": vol, "options": ["rbind", "ro"]},
                          {"destination": "/m/n/o/p/q/r/t", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]
    # A later volume that puts a link where runc found nothing and stepped
    # back out with "..": the image's /a/b/c -> /tmp/q1/q2/q3/q4/s/../../../
    # ../../sys lands a bind of the host's /sys on /tmp/sys (runc; crun stops
    # at the missing name), and a volume at /tmp/q1/q2/q3/q4 holding s -> /
    # makes the hook's walk end at /sys, where the container's own sysfs
    # (the host's, with the host's network) passed every check. As an engine
    # writes it: --net=host -v /sys:/a/b/c -v V:/tmp/q1/q2/q3/q4.
    link_vol = os.path.join(w, "link-volume")
    os.makedirs(link_vol)
    os.symlink("/", os.path.join(link_vol, "s"))

    def back_out_link(rootfs):
        os.makedirs(os.path.join(rootfs, "a/b"))
        os.symlink("/tmp/q1/q2/q3/q4/s/../../../../../sys", os.path.join(rootfs, "a/b/c"))

    def later_link(cfg):
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "network"]
        cfg["mounts"] += [{"destination": "/a/b/c", "type": "bind", "source": "/sys", "options": ["rbind", "rw"]},
                          {"destination": "/tmp/q1/q2/q3/q4", "type": "bind", "source": link_vol,
                           "options": ["rbind", "ro"]}]

    def host_network(pol):
        pol["network"]["require_private_netns"] = False
    c = case("later-link-runc", args=probe + ["cat:/tmp/sys/kernel/uevent_seqnum"], runtime="runc",
             edit_rootfs=back_out_link, edit_config=later_link, edit_policy=host_network)
    o = c.run()
    t.check(o.rc == a.HOOK_REFUSED["runc"] and "NoNewPrivs" not in o.stdout,
            c.tag + ": refused at create, nothing ran (exit %d; the host's /sys read through /tmp/sys: %s)"
            % (o.rc, o.res.get("cat:/tmp/sys/kernel/uevent_seqnum")))
    ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
    t.check(len(ev) == 1 and "(/a/b/c) lies beneath the later mounts[" in ev[0].get("message", ""),
            c.tag + ": landlock_path names the bind: %s" % (ev[0].get("message", "")[:200] if ev else None))

    for rt, tag, image, edit, dest in [(r,) + x for r in a.RUNTIMES for x in (
            ("hider-of-hider", f_links, hider_of_hider, "/d/l/vol"),
            ("runtime-link", ptmx_link, ptmx_mounts, "/dev/ptmx/vol"),
            ("runtime-link-earlier", ptmx_link_vol, ptmx_decoy_first, "/dev/ptmx/vol"),
            ("runtime-link-earlier-overlay", ptmx_link_vol, ptmx_tmpfs_first_overlay, "/dev/ptmx/vol"),
            ("same-source", depth_links, same_source, "/d/l/vol"))]:
        c = case("%s-%s" % (tag, rt), args=probe + ["write:/tmp/vol/osh-pwned"], runtime=rt,
                 edit_rootfs=image, edit_config=edit)
        o = c.run()
        t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                c.tag + ": refused at create, nothing ran (exit %d)" % o.rc)
        ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
        msg = ev[0].get("message", "") if ev else ""
        t.check(len(ev) == 1 and any(m in msg for m in (
                    "(%s): in the running container what is mounted where its destination leads" % dest,
                    " lies beneath the later mounts[",
                    "(%s): its path goes through /dev/ptmx -> pts/ptmx, a link the runtime makes after" % dest)),
                c.tag + ": landlock_path: where it landed cannot be told: %s" % msg[:200])
        untouched(vol, c.tag)
        t.check(os.listdir(overlay_dirs["upper"]) == [], c.tag + ": the overlay's host upper directory is unchanged")

    # The policy silent on /data, /data -> /srv/vol under WORKDIR /srv: the
    # workdir contains where the volume lands, so it is not granted, and the
    # volume lands with no right at all.
    for rt in a.RUNTIMES:
        c = case("to-workdir-unlisted-" + rt, args=probe + ["write:/srv/osh-x"], runtime=rt,
                 edit_rootfs=link("/data", "/srv/vol", make="/srv/vol"),
                 edit_config=a.chain(volume(vol, "/data"), cwd("/srv")))
        o = c.run()
        t.check(o.rc == 0, c.tag + ": the container runs (exit %d)" % o.rc)
        a.check_confined(o.res, c.tag)
        for act in ("write:/data/osh-pwned", "trunc:/data/secret", "write:/srv/osh-x"):
            t.check(o.res.get(act) == "EACCES", c.tag + ": %s gives EACCES (got %s)" % (act, o.res.get(act)))
        untouched(vol, c.tag)

    # Under warn it runs, and says exactly what is not in force.
    c = case("to-tmp-warn", args=probe, edit_rootfs=link("/data", "/tmp"),
             edit_policy=a.chain(read_only("/data"), warn), edit_config=volume(vol, "/data"))
    o = c.run()
    t.check(o.rc == 0, c.tag + ": the container runs under warn")
    a.check_confined(o.res, c.tag)
    ev = a.events_of(o.events, kind="landlock_path", decision="continue", mode="warn")
    t.check(len(ev) == 1 and ev[0].get("not_enforced", "").startswith("the limit on mounts[")
            and "(/data): mounted at /tmp with " in ev[0]["not_enforced"],
            c.tag + ": landlock_path (warn) continue, not enforced: %s" % (ev[0].get("not_enforced") if ev else None))
    p = a.planned(o.events)
    t.check(p.get("status") == "partially_enforced" and "(/data): mounted at /tmp" in p.get("dropped", ""),
            c.tag + ": planned partially_enforced, the lost limit named")
    t.check("(/data): mounted at /tmp" in a.summary_line(o.stderr),
            c.tag + ": the stderr summary names it: %s" % a.summary_line(o.stderr))
    t.check(o.res.get("write:/data/osh-pwned") == "OK", c.tag + ": and it is true: the volume is writable")

    # A host socket bound into the container (a daemon's, docker.sock):
    # Landlock does not govern connect(2), so the workload used one the
    # policy never granted while the run said fully_enforced. Strict: refused
    # at create, nothing reached the daemon; warn: it runs and names what is
    # not in force (and it is true: the connect works); granted write_file:
    # fully enforced, and the connect works as the policy says.
    sock_path = os.path.join(w, "host-socket", "daemon.sock")
    os.makedirs(os.path.dirname(sock_path))
    daemon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    daemon.bind(sock_path)
    os.chmod(sock_path, 0o666)
    daemon.listen(16)
    daemon.setblocking(False)

    def connections():
        n = 0
        while True:
            try:
                conn, _ = daemon.accept()
            except BlockingIOError:
                return n
            conn.close()
            n += 1

    def grant_socket(pol):
        pol["filesystem"]["read_write"].append("/run/hostd.sock")
    sock_probe = ["/bin/osh-probe"] + a.CONFINED + ["uconnect:/run/hostd.sock"]
    for rt in a.RUNTIMES:
        bound = volume(sock_path, "/run/hostd.sock", ("bind", "rw"))
        c = case("socket-" + rt, args=sock_probe, runtime=rt, edit_config=bound)
        o = c.run()
        t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout,
                c.tag + ": refused at create, nothing ran (exit %d; connect: %s)" % (o.rc, o.res.get(sock_probe[-1])))
        ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
        t.check(len(ev) == 1 and "(/run/hostd.sock) binds the host's socket %s, which the rules do not let the "
                "workload write (nothing), yet it can connect to it" % sock_path in ev[0].get("message", ""),
                c.tag + ": landlock_path names the socket: %s" % (ev[0].get("message", "")[:200] if ev else None))
        t.check(connections() == 0, c.tag + ": the daemon was not reached")
        c = case("socket-warn-" + rt, args=sock_probe, runtime=rt, edit_config=bound, edit_policy=warn)
        o = c.run()
        t.check(o.rc == 0, c.tag + ": the container runs under warn (exit %d)" % o.rc)
        a.check_confined(o.res, c.tag)
        p = a.planned(o.events)
        t.check(p.get("status") == "partially_enforced" and
                "the denial of the host's socket at mounts[" in p.get("dropped", ""),
                c.tag + ": planned partially_enforced, the socket named: %s" % p.get("dropped"))
        t.check(o.res.get(sock_probe[-1]) == "OK" and connections() == 1,
                c.tag + ": and it is true: the connect reaches the daemon (%s)" % o.res.get(sock_probe[-1]))
        c = case("socket-granted-" + rt, args=sock_probe, runtime=rt, edit_config=bound, edit_policy=grant_socket)
        o = c.run()
        t.check(o.rc == 0 and o.res.get(sock_probe[-1]) == "OK" and connections() == 1,
                c.tag + ": granted read_write, it runs and connects (exit %d, %s)" % (o.rc, o.res.get(sock_probe[-1])))
        a.check_confined(o.res, c.tag)
        t.check(a.planned(o.events).get("status") == "fully_enforced", c.tag + ": fully_enforced")
        # A GPU container: NVIDIA's daemon socket path is granted for the
        # host's nvidia-persistenced socket only. Another daemon's socket
        # bound there once got that grant, fully_enforced and connected.
        c = case("socket-nvidia-path-" + rt, args=sock_probe[:-1] + ["uconnect:/run/nvidia-persistenced/socket"],
                 runtime=rt, gpu=True, edit_config=volume(sock_path, "/run/nvidia-persistenced/socket",
                                                           ("bind", "rw")))
        o = c.run()
        t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout and connections() == 0,
                c.tag + ": another socket at NVIDIA's path: refused at create, the daemon not reached (exit %d)"
                % o.rc)
        ev = a.events_of(o.events, kind="landlock_path", decision="abort", mode="strict")
        t.check(len(ev) == 1 and "binds the host's socket %s" % sock_path in ev[0].get("message", ""),
                c.tag + ": landlock_path names it: %s" % (ev[0].get("message", "")[:160] if ev else None))
    daemon.close()

    # 2. The image's WORKDIR above the volume.
    srv_probe = ["/bin/osh-probe"] + a.CONFINED + ["write:/srv/data/osh-pwned", "write:/srv/osh-x", "cwd"]
    for rt in a.RUNTIMES:
        c = case("workdir-above-" + rt, args=srv_probe, runtime=rt,
                 edit_rootfs=lambda r: os.makedirs(os.path.join(r, "srv"), exist_ok=True),
                 edit_config=a.chain(volume(vol, "/srv/data"), cwd("/srv")))
        o = c.run()
        t.check(o.rc == 0 and o.res.get("cwd") == "/srv", c.tag + ": the container runs in /srv")
        a.check_confined(o.res, c.tag)
        for p in ("/srv/data/osh-pwned", "/srv/osh-x"):
            t.check(o.res.get("write:" + p) == "EACCES",
                    c.tag + ": writing %s gives EACCES (got %s)" % (p, o.res.get("write:" + p)))
        untouched(vol, c.tag)
        t.check(a.planned(o.events).get("status") == "fully_enforced", c.tag + ": fully_enforced")

    # The workdir is the volume: read-write, a nested volume beneath it too.
    inner = os.path.join(w, "inner-volume")
    os.makedirs(inner)
    c = case("workdir-is-volume", args=["/bin/osh-probe"] + a.CONFINED + ["write:/work/osh-ok", "write:/work/deps/osh-ok"],
             edit_config=a.chain(volume(vol, "/work"), volume(inner, "/work/deps"), cwd("/work")))
    o = c.run()
    t.check(o.rc == 0 and o.res.get("write:/work/osh-ok") == "OK" and o.res.get("write:/work/deps/osh-ok") == "OK",
            c.tag + ": writing the volume and the one nested in it works (%s, %s)"
            % (o.res.get("write:/work/osh-ok"), o.res.get("write:/work/deps/osh-ok")))
    t.check(os.path.exists(os.path.join(vol, "osh-ok")) and os.path.exists(os.path.join(inner, "osh-ok")),
            c.tag + ": the files are on the host")

    # 3. The workdir on a read-only bind of the host's root (node-exporter's
    # `-v /:/host:ro -w /host`): the bind's flag does not reach the host's
    # /proc and /dev/shm beneath it, and the workdir rule once opened them
    # (core_pattern opened for writing: host code execution). Write-only
    # opens change nothing.
    for rt in a.RUNTIMES:
        canary = "/dev/shm/osh-ro-host-" + rt
        c = case("workdir-ro-host-" + rt, runtime=rt,
                 args=["/bin/osh-probe"] + a.CONFINED + ["wronly:/host/proc/sys/kernel/core_pattern",
                                                          "write:/host" + canary, "write:/host/osh-x", "cwd"],
                 edit_rootfs=lambda r: os.makedirs(os.path.join(r, "host"), exist_ok=True),
                 edit_config=a.chain(volume("/", "/host", ("rbind", "ro")), cwd("/host")))
        try:
            o = c.run()
        finally:
            planted = os.path.exists(canary)
            if planted:
                os.unlink(canary)
        t.check(o.rc == 0 and o.res.get("cwd") == "/host", c.tag + ": the container runs in /host")
        a.check_confined(o.res, c.tag)
        got = (o.res.get("wronly:/host/proc/sys/kernel/core_pattern"), o.res.get("write:/host" + canary),
               o.res.get("write:/host/osh-x"))
        t.check(got == ("EACCES", "EACCES", "EROFS") and not planted,
                c.tag + ": the host's core_pattern and /dev/shm beneath the bind give EACCES, the bind itself "
                "EROFS (got %s)" % (got,))

    # 4. A read-only bind of the host's root beneath the baseline's /tmp
    # (`-v /:/tmp/host:ro`): the /tmp rule reached the host's core_pattern
    # and /dev/shm beneath it. Strict: refused (landlock_path) naming the
    # bind and the host mount beneath it; warn: runs, the limit named. A
    # read-only bind of a host directory with no mounts beneath it (an X11
    # socket directory, say) is not judged.
    ro_probe = ["/bin/osh-probe"] + a.CONFINED + ["wronly:/tmp/host/proc/sys/kernel/core_pattern"]
    for rt in a.RUNTIMES:
        c = case("tmp-ro-host-" + rt, runtime=rt, args=ro_probe, edit_config=volume("/", "/tmp/host", ("rbind", "ro")))
        o = c.run()
        ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
        t.check(o.rc == a.HOOK_REFUSED[rt] and "NoNewPrivs" not in o.stdout and len(ab) == 1 and
                "is a read-only bind of /, beneath which the host has mounts of its own" in ab[0]["message"],
                c.tag + ": strict: refused (exit %d), the landlock_path abort names the bind" % o.rc)
        c = case("tmp-ro-host-warn-" + rt, runtime=rt, args=ro_probe, edit_policy=warn,
                 edit_config=volume("/", "/tmp/host", ("rbind", "ro")))
        o = c.run()
        p = a.planned(o.events)
        t.check(o.rc == 0 and p.get("status") == "partially_enforced" and
                "the read-only limit on the host's mounts beneath mounts[" in p.get("dropped", ""),
                c.tag + ": warn: runs partially_enforced, naming the limit")
        t.check(o.res.get("wronly:/tmp/host/proc/sys/kernel/core_pattern") == "OK",
                c.tag + ": and it is true: the host's core_pattern opens for writing")
    # The same root spelled so that only the kernel sees it is /: a host
    # symlink to it, "..", a path relative to the bundle. Each once ran
    # fully_enforced with core_pattern open for writing.
    root_link = os.path.join(w, "root-link")
    os.symlink("/", root_link)
    for tag, source in (("link", root_link), ("dotdot", "/tmp/../"), ("relative", "../../../../../../../..")):
        c = case("tmp-ro-host-%s" % tag, args=ro_probe, edit_config=volume(source, "/tmp/host", ("rbind", "ro")))
        o = c.run()
        ab = a.events_of(o.events, component="hook", decision="abort", kind="landlock_path")
        t.check(o.rc == a.HOOK_REFUSED["runc"] and "NoNewPrivs" not in o.stdout and len(ab) == 1,
                c.tag + ": the source %s (the host's / to the kernel): refused (exit %d)" % (source, o.rc))
    c = case("tmp-ro-plain", args=["/bin/osh-probe"] + a.CONFINED + ["write:/tmp/ro/osh-x"],
             edit_config=volume(vol, "/tmp/ro", ("rbind", "ro")))
    o = c.run()
    t.check(o.rc == 0 and a.planned(o.events).get("status") == "fully_enforced" and
            o.res.get("write:/tmp/ro/osh-x") == "EROFS",
            c.tag + ": a read-only bind with no host mounts beneath it runs fully_enforced (EROFS writing it)")

    # A tmpfs beneath the workdir holds nobody's data: the workdir stays.
    c = case("workdir-over-tmpfs", args=["/bin/osh-probe"] + a.CONFINED + ["write:/srv/osh-ok", "write:/srv/run/osh-ok"],
             edit_rootfs=lambda r: os.makedirs(os.path.join(r, "srv"), exist_ok=True),
             edit_config=a.chain(lambda cfg: cfg["mounts"].append(
                 {"destination": "/srv/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}),
                 cwd("/srv")))
    o = c.run()
    t.check(o.rc == 0 and o.res.get("write:/srv/osh-ok") == "OK" and o.res.get("write:/srv/run/osh-ok") == "OK",
            c.tag + ": /srv and the tmpfs beneath it are writable (%s, %s)"
            % (o.res.get("write:/srv/osh-ok"), o.res.get("write:/srv/run/osh-ok")))

t.finish()
