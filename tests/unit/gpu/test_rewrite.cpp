// The policy rewrite: baseline, workdir, GPU needs, /proc modes, promotions,
// and the change log.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "gpu/detect.hpp"
#include "policy/effective.hpp"

#include "../fake_rootfs.hpp"

using namespace osh;
using namespace osh::policy;
using namespace osh::landlock;
using osh_test::fake_rootfs;

namespace {

constexpr AccessMask kGpuNode = (kReadWrite | bit(Access::ioctl_dev)) & kFileRights;

// A policy without baseline/workdir so each test sees only what it sets up.
Policy bare_policy() {
    Policy p;
    p.filesystem.baseline = false;
    p.filesystem.include_workdir = false;
    return p;
}

oci::Spec gpu_spec() {
    oci::Spec s;
    s.has_linux = true;
    s.devices.push_back({"/dev/nvidiactl", "c", 195, 255, std::nullopt});
    s.devices.push_back({"/dev/nvidia0", "c", 195, 0, std::nullopt});
    s.namespaces.push_back({"pid", ""});  // /proc shows only its own processes
    return s;
}

// A probe over a fake rootfs: listed paths exist with their kind; `links`
// maps a path to where it resolves through a symlink (the target's kind
// from `present`).
// A policy that grants the workdir, and a spec starting in `cwd`.
Policy workdir_policy() {
    Policy p = bare_policy();
    p.filesystem.include_workdir = true;
    return p;
}
oci::Spec in_cwd(std::string cwd) {
    oci::Spec s;
    s.has_process = true;
    s.cwd = std::move(cwd);
    return s;
}

PathProbe unknown_probe() {
    return rootfs::no_rootfs();
}

const EffectiveRule* rule(const EffectivePolicy& e, std::string_view path) {
    for (const auto& r : e.rules)
        if (r.path == path) return &r;
    return nullptr;
}

const Change* change(const EffectivePolicy& e, ChangeAction a, std::string_view path) {
    for (const auto& c : e.changes)
        if (c.action == a && c.path == path) return &c;
    return nullptr;
}

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

EffectivePolicy must(Result<EffectivePolicy> r) {
    if (!r) FAIL("rewrite failed: " << r.error().what());
    return std::move(*r);
}

}  // namespace

TEST_CASE("policy entries are merged per normalised path and sorted") {
    Policy p = bare_policy();
    p.filesystem.read_only = {"/usr", "/data/"};
    p.filesystem.read_write = {"/tmp"};
    p.filesystem.rules.push_back({"/data", bit(Access::write_file)});
    auto e = must(rewrite(p, oci::Spec{}, gpu::Detection{}, unknown_probe()));
    REQUIRE(e.rules.size() == 3);
    CHECK(e.rules[0].path == "/data");
    CHECK(e.rules[0].access == (kReadOnly | bit(Access::write_file)));
    CHECK(e.rules[0].origin == "policy read_only + policy rules[0]");
    CHECK(e.rules[1].path == "/tmp");
    CHECK(e.rules[2].path == "/usr");
    CHECK(e.changes.empty());

    Policy bad = bare_policy();
    bad.filesystem.read_only = {"relative/path"};
    auto r = rewrite(bad, oci::Spec{}, gpu::Detection{}, unknown_probe());
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "filesystem.read_only"));
}

TEST_CASE("baseline: added when present, skipped when missing, assumed without a rootfs") {
    Policy p = bare_policy();
    p.filesystem.baseline = true;
    p.filesystem.read_only = {"/etc"};
    p.filesystem.rules.push_back({"/dev/null", bit(Access::read_file)});
    auto probe = fake_rootfs({{"/usr", NodeKind::directory},
                              {"/usr/lib", NodeKind::directory},
                              {"/etc", NodeKind::directory},
                              {"/dev/null", NodeKind::char_device},
                              {"/dev/urandom", NodeKind::char_device},
                              {"/tmp", NodeKind::directory},
                              {"/dev/pts", NodeKind::directory}},
                             {{"/lib", "/usr/lib"}});
    auto e = must(rewrite(p, oci::Spec{}, gpu::Detection{}, probe));
    REQUIRE(rule(e, "/usr"));
    CHECK(rule(e, "/usr")->access == kReadOnly);
    CHECK(rule(e, "/usr")->origin == "baseline");
    CHECK(rule(e, "/usr")->id.has_value());
    // merged-usr: /lib -> usr/lib is covered by /usr's own rule; nothing is
    // added for the link itself.
    CHECK_FALSE(rule(e, "/lib"));
    CHECK(contains(change(e, ChangeAction::added, "/lib")->reason, "symlink"));
    CHECK(contains(change(e, ChangeAction::note, "/lib")->reason, "already grants"));
    CHECK(e.path_failures.empty());
    CHECK(rule(e, "/dev/urandom")->access == (kReadWrite & kFileRights));
    CHECK(rule(e, "/tmp")->access == kReadWrite);
    // /dev/pts: terminal rights for a devpts mount there, never for the
    // image's own directory (its nodes would open any device the cgroup
    // allows, and take device ioctls).
    CHECK_FALSE(rule(e, "/dev/pts"));
    REQUIRE(change(e, ChangeAction::skipped, "/dev/pts"));
    CHECK(contains(change(e, ChangeAction::skipped, "/dev/pts")->reason, "no devpts mount"));
    CHECK_FALSE(rule(e, "/dev/ptmx"));
    oci::Spec with_devpts;
    with_devpts.mounts.push_back({"/dev/pts", "devpts", "devpts", {"newinstance"}});
    auto d = must(rewrite(p, with_devpts, gpu::Detection{}, probe));
    REQUIRE(rule(d, "/dev/pts"));
    CHECK(rule(d, "/dev/pts")->access == (kReadWrite | bit(Access::ioctl_dev)));
    oci::Spec hidden = with_devpts;  // a later mount over it
    hidden.mounts.push_back({"/dev", "bind", "/srv/image-dev", {"rbind"}});
    CHECK_FALSE(rule(must(rewrite(p, hidden, gpu::Detection{}, probe)), "/dev/pts"));
    // In the running container a later bind whose landing cannot be told
    // (no mount where its destination leads: a link the runtime followed
    // was hidden since) may be over /dev/pts: no terminal rights.
    oci::Spec untold = with_devpts;
    untold.mounts.push_back({"/a/l", "bind", "/srv/volume", {"rbind"}});
    policy::HostView live;
    live.mounts_made = true;
    auto hid = must(rewrite(p, untold, gpu::Detection{}, probe, &live));
    CHECK_FALSE(rule(hid, "/dev/pts"));
    REQUIRE_FALSE(hid.path_failures.empty());
    CHECK(contains(hid.path_failures[0].message, "(/a/l): in the running container what is mounted where"));
    CHECK(rule(must(rewrite(p, untold, gpu::Detection{}, probe)), "/dev/pts"));  // on the image: spelled
    // No rootfs to look at (explain --config): the devpts is where it is spelled.
    CHECK(rule(must(rewrite(p, with_devpts, gpu::Detection{}, unknown_probe())), "/dev/pts"));
    CHECK(rule(must(rewrite(p, with_devpts, gpu::Detection{}, unknown_probe())), "/dev/ptmx"));
    // Missing in the rootfs: skipped, with a change saying so.
    CHECK_FALSE(rule(e, "/lib32"));
    REQUIRE(change(e, ChangeAction::skipped, "/lib32"));
    CHECK(contains(change(e, ChangeAction::skipped, "/lib32")->reason,
                   "not in the container's rootfs"));
    // The policy's own entries are kept: /etc stays, /dev/null keeps read_file only (noted).
    CHECK(rule(e, "/etc")->origin == "policy read_only");
    CHECK(rule(e, "/dev/null")->access == bit(Access::read_file));
    REQUIRE(change(e, ChangeAction::note, "/dev/null"));
    CHECK(contains(change(e, ChangeAction::note, "/dev/null")->reason, "filesystem.rules[0]"));

    auto u = must(rewrite(p, oci::Spec{}, gpu::Detection{}, unknown_probe()));
    REQUIRE(rule(u, "/lib32"));
    CHECK(contains(change(u, ChangeAction::added, "/lib32")->reason, "assumed present"));

    // A bundle on disk has an empty /dev: runtime-spec default devices and
    // mounted paths are present anyway (the runtime provides them).
    oci::Spec mounted;
    mounted.mounts.push_back({"/dev/shm", "tmpfs", "shm", {}});
    auto b = must(rewrite(p, mounted, gpu::Detection{}, fake_rootfs({})));
    CHECK(rule(b, "/dev/tty"));
    CHECK(rule(b, "/dev/zero"));
    CHECK(contains(change(b, ChangeAction::added, "/dev/zero")->reason,
                   "runtime-spec default device"));
    REQUIRE(rule(b, "/dev/shm"));
    CHECK(contains(change(b, ChangeAction::added, "/dev/shm")->reason, "mounted by mounts[0]"));
    CHECK_FALSE(rule(b, "/dev/pts"));
    CHECK_FALSE(rule(b, "/usr"));
    CHECK(change(b, ChangeAction::skipped, "/usr"));

    Policy off = bare_policy();
    auto o = must(rewrite(off, oci::Spec{}, gpu::Detection{}, unknown_probe()));
    CHECK(o.rules.empty());
}

TEST_CASE(
    "baseline: a standard device's rights go to that device, not the image's node at its path") {
    Policy p = bare_policy();
    p.filesystem.baseline = true;
    // The spec mounts nothing at /dev: the runtimes keep the image's nodes
    // (runc ignores EEXIST), so /dev/tty may be tun (10:200), /dev/null a GPU.
    auto image = fake_rootfs({{"/dev", NodeKind::directory},
                              {"/dev/tty", NodeKind::char_device},
                              {"/dev/null", NodeKind::char_device},
                              {"/dev/zero", NodeKind::regular},
                              {"/dev/urandom", NodeKind::char_device}},
                             {}, {}, {{"/dev/tty", {10, 200}}, {"/dev/null", {195, 0}}});
    policy::HostView live;
    live.mounts_made = true;
    const policy::HostView* no_host = nullptr;
    for (const policy::HostView* host : {no_host, static_cast<const policy::HostView*>(&live)}) {
        auto e = must(rewrite(p, oci::Spec{}, gpu::Detection{}, image, host));
        CHECK_FALSE(rule(e, "/dev/tty"));
        REQUIRE(change(e, ChangeAction::skipped, "/dev/tty"));
        CHECK(contains(change(e, ChangeAction::skipped, "/dev/tty")->reason,
                       "is char 10:200 in the container, not the standard device (char 5:0)"));
        CHECK_FALSE(rule(e, "/dev/null"));
        CHECK_FALSE(rule(e, "/dev/zero"));
        CHECK(contains(change(e, ChangeAction::skipped, "/dev/zero")->reason, "a regular file"));
        REQUIRE(rule(e, "/dev/urandom"));  // 1:9: the standard one
        CHECK(rule(e, "/dev/urandom")->access == (kReadWrite & kFileRights));
    }
    // The image's nodes beneath the runtime's /dev tmpfs: not what the
    // container sees (no live view: the bundle's rootfs), so not judged.
    oci::Spec dev;
    dev.mounts.push_back({"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755"}});
    auto hidden = must(rewrite(p, dev, gpu::Detection{}, image));
    REQUIRE(rule(hidden, "/dev/tty"));
    CHECK(rule(hidden, "/dev/tty")->access ==
          ((kReadWrite | bit(Access::ioctl_dev)) & kFileRights));
}

TEST_CASE(
    "the host's message queues under a write rule, in the host's IPC namespace: a path failure") {
    Policy p = bare_policy();
    p.filesystem.read_write = {"/tmp"};
    oci::Spec s;
    s.mounts.push_back({"/tmp/mq", "mqueue", "mqueue", {"nosuid"}});
    s.mounts.push_back({"/dev/mqueue", "mqueue", "mqueue", {"nosuid"}});
    policy::HostView host;
    host.host_ipc_namespace = "no \"ipc\" entry";
    auto e = must(rewrite(p, s, gpu::Detection{}, unknown_probe(), &host));
    REQUIRE(e.path_failures.size() == 1);  // /dev/mqueue: no rule reaches it
    CHECK(contains(e.path_failures[0].message,
                   "mounts[0] (/tmp/mq) mounts the message queues of the host's IPC namespace"));
    CHECK(e.path_failures[0].lost == "the kernel's files at mounts[0] (/tmp/mq)");
    policy::HostView own;  // its own namespace: its own queues
    CHECK(must(rewrite(p, s, gpu::Detection{}, unknown_probe(), &own)).path_failures.empty());
}

TEST_CASE(
    "a kernel filesystem the spec mounts away from its place, under a write rule: a path failure") {
    Policy p = bare_policy();
    p.filesystem.read_write = {"/tmp"};
    p.gpu.proc_access = ProcAccess::write_file;
    oci::Spec s;
    for (auto [dest, type] :
         {std::pair{"/tmp/p", "proc"}, std::pair{"/tmp/s", "sysfs"},
          std::pair{"/tmp/cg", "cgroup2"}, std::pair{"/proc", "proc"}, std::pair{"/sys", "sysfs"},
          std::pair{"/sys/fs/cgroup", "cgroup2"}, std::pair{"/srv/p", "proc"}})
        s.mounts.push_back({dest, type, type, {"nosuid"}});
    p.filesystem.read_write.push_back("/proc");  // at its place: the spec edit's read-only paths
    auto e = must(rewrite(p, s, gpu::Detection{}, unknown_probe(), nullptr));
    REQUIRE(e.path_failures.size() == 3);
    CHECK(contains(
        e.path_failures[0].message,
        "mounts[0] (/tmp/p) mounts a proc filesystem (the host's sysctls) away from /proc"));
    CHECK(contains(e.path_failures[1].message, "mounts[1] (/tmp/s) mounts a sysfs"));
    CHECK(contains(e.path_failures[2].message, "mounts[2] (/tmp/cg) mounts a cgroup filesystem"));
    // Any type not known to hold only files, wherever a write rule reaches
    // it (binfmt_misc, tracefs, cpuset: the host kernel's own state).
    oci::Spec k;
    for (const char* type : {"binfmt_misc", "tracefs", "debugfs", "securityfs", "cpuset",
                             "some_new_kernelfs"})
        k.mounts.push_back({std::string("/tmp/") + type, type, type, {"nosuid"}});
    for (const char* type : {"tmpfs", "devpts", "overlay", "fuse.sshfs", "ext4", "mqueue"})
        k.mounts.push_back({std::string("/tmp/") + type, type, type, {"nosuid"}});  // files
    auto ke = must(rewrite(p, k, gpu::Detection{}, unknown_probe(), nullptr));
    REQUIRE(ke.path_failures.size() == 6);
    CHECK(contains(ke.path_failures[0].message,
                   "mounts[0] (/tmp/binfmt_misc) mounts a binfmt_misc filesystem, not one known "
                   "to hold only files: it may show the host kernel's own state"));
    CHECK(contains(ke.path_failures[4].message,
                   "mounts[4] (/tmp/cpuset) mounts a cgroup filesystem (cpuset) away from "
                   "/sys/fs/cgroup"));
    CHECK(contains(ke.path_failures[5].message, "mounts[5] (/tmp/some_new_kernelfs) mounts a "
                                                "some_new_kernelfs filesystem"));
    // A writable bind of the host's kernel files (HostView::kernel_binds).
    oci::Spec kb;
    kb.mounts.push_back({"/tmp/ps", "bind", "/proc/sys", {"rbind", "rw"}});
    kb.mounts.push_back({"/tmp/data", "bind", "/srv/data", {"rbind", "rw"}});
    policy::HostView kh;
    kh.kernel_binds = {{0, "the host's /proc/sys, on a filesystem not known to hold only files"}};
    auto kbe = must(rewrite(p, kb, gpu::Detection{}, unknown_probe(), &kh));
    REQUIRE(kbe.path_failures.size() == 1);
    CHECK(contains(kbe.path_failures[0].message,
                   "mounts[0] (/tmp/ps) mounts a bind of the host's /proc/sys, on a filesystem not "
                   "known to hold only files"));
    // Read-only there: nothing to refuse.
    Policy ro = bare_policy();
    ro.filesystem.read_only = {"/tmp"};
    CHECK(must(rewrite(ro, s, gpu::Detection{}, unknown_probe(), nullptr)).path_failures.empty());
}

TEST_CASE("a device the spec passes that no rule grants is named in the change log") {
    Policy p = bare_policy();
    p.filesystem.baseline = true;
    oci::Spec s = gpu_spec();
    s.devices.push_back({"/dev/fuse", "c", 10, 229, std::nullopt});
    s.devices.push_back({"/dev/null", "c", 1, 3, std::nullopt});
    auto e = must(rewrite(p, s, gpu::detect(s, gpu::DetectMode::auto_), unknown_probe()));
    REQUIRE(change(e, ChangeAction::note, "/dev/fuse"));
    CHECK(contains(change(e, ChangeAction::note, "/dev/fuse")->reason,
                   "linux.devices[2] (c 10:229): no rule lets the workload open it"));
    CHECK_FALSE(change(e, ChangeAction::note, "/dev/null"));     // the baseline's
    CHECK_FALSE(change(e, ChangeAction::note, "/dev/nvidia0"));  // the GPU's
    p.filesystem.read_write = {"/dev/fuse"};
    CHECK_FALSE(change(must(rewrite(p, s, gpu::detect(s, gpu::DetectMode::auto_), unknown_probe())),
                       ChangeAction::note, "/dev/fuse"));
}

TEST_CASE("a device the runtime creates through an image link is judged where it lands") {
    Policy p = bare_policy();
    p.filesystem.baseline = true;
    oci::Spec s;
    s.devices.push_back({"/opt/fuse", "c", 10, 229, std::nullopt});
    s.devices.push_back({"/srv/fuse", "c", 10, 229, std::nullopt});
    const std::map<std::string, NodeKind> present = {
        {"/", NodeKind::directory}, {"/tmp", NodeKind::directory}, {"/srv", NodeKind::directory}};
    // --device /dev/fuse:/opt/fuse with the image's /opt -> /tmp: the node is
    // made at /tmp/fuse, under the baseline's read-write /tmp (fake_rootfs
    // resolves whole paths: the link is given as where /opt/fuse leads).
    auto e = must(rewrite(p, s, gpu::Detection{},
                          fake_rootfs(present, {{"/opt/fuse", "/tmp/fuse"}})));
    REQUIRE(e.path_failures.size() == 1);
    CHECK(e.path_failures[0].path == "/opt/fuse");
    CHECK(contains(e.path_failures[0].message,
                   "linux.devices[0] (/opt/fuse): its path goes through the image's symlink "
                   "/opt/fuse -> /tmp/fuse, so the runtime creates the device at /tmp/fuse, where the "
                   "rules give it execute,write_file,read_file,truncate beyond what /opt/fuse "
                   "gets by its own path (nothing)"));
    CHECK_FALSE(change(e, ChangeAction::note, "/opt/fuse"));  // opened where it lands
    // A link to a place no rule reaches: the device stays denied, and is named.
    auto f = must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present, {{"/opt/fuse", "/srv/fuse"}})));
    CHECK(f.path_failures.empty());
    CHECK(change(f, ChangeAction::note, "/opt/fuse"));
    // The image's /dev as a link: every device of the spec lands through it.
    oci::Spec d;
    d.mounts.push_back({"/dev", "tmpfs", "tmpfs", {"nosuid"}});
    d.devices.push_back({"/dev/loop7", "b", 7, 7, std::nullopt});
    auto g = must(rewrite(p, d, gpu::Detection{},
                          fake_rootfs(present, {{"/dev/loop7", "/tmp/d/loop7"}})));
    REQUIRE_FALSE(g.path_failures.empty());
    CHECK(std::any_of(g.path_failures.begin(), g.path_failures.end(), [](const auto& pf) {
        return contains(pf.message, "linux.devices[0] (/dev/loop7): its path goes through the "
                                    "image's symlink /dev/loop7 -> /tmp/d/loop7");
    }));
}

TEST_CASE("a device path that is relative or holds \"..\" is a path failure") {
    Policy p = bare_policy();
    p.filesystem.baseline = true;
    p.filesystem.include_workdir = true;
    oci::Spec s;
    s.cwd = "/srv";
    s.devices.push_back({"/opt/../fuse", "c", 10, 229, std::nullopt});
    s.devices.push_back({"srv/fuse", "c", 10, 229, std::nullopt});
    for (const auto& probe : {unknown_probe(), fake_rootfs({{"/", NodeKind::directory},
                                                            {"/srv", NodeKind::directory}})}) {
        auto e = must(rewrite(p, s, gpu::Detection{}, probe));
        REQUIRE(e.path_failures.size() == 2);
        CHECK(contains(e.path_failures[0].message,
                       "linux.devices[0] (/opt/../fuse): not an absolute path without \"..\""));
        CHECK(e.path_failures[1].path == "srv/fuse");
    }
}

TEST_CASE("workdir: a workdir above a device the runtime creates is not granted") {
    Policy p = bare_policy();
    p.filesystem.include_workdir = true;
    oci::Spec s;
    s.cwd = "/srv";
    s.devices.push_back({"/srv/fuse", "c", 10, 229, std::nullopt});
    auto e = must(rewrite(p, s, gpu::Detection{},
                          fake_rootfs({{"/", NodeKind::directory}, {"/srv", NodeKind::directory}})));
    CHECK_FALSE(rule(e, "/srv"));
    REQUIRE(change(e, ChangeAction::skipped, "/srv"));
    CHECK(contains(change(e, ChangeAction::skipped, "/srv")->reason,
                   "workdir: /srv contains linux.devices[0] (/srv/fuse); a rule on it would give "
                   "that device the workdir's rights"));
    s.devices.clear();
    CHECK(rule(must(rewrite(p, s, gpu::Detection{},
                            fake_rootfs({{"/", NodeKind::directory}, {"/srv", NodeKind::directory}}))),
               "/srv"));
}

TEST_CASE("baseline: /dev/shm is the container's shared memory, never a bind of the host's") {
    Policy p = bare_policy();
    p.filesystem.baseline = true;
    oci::Spec s;
    s.mounts.push_back({"/dev/shm", "bind", "/dev/shm", {"rbind", "nosuid", "noexec", "nodev"}});
    policy::HostView host;  // Docker's --ipc=host: the host's /dev/shm
    host.host_shm_binds = {0};
    auto probe = fake_rootfs({{"/dev", NodeKind::directory}, {"/dev/shm", NodeKind::directory}});
    auto e = must(rewrite(p, s, gpu::Detection{}, probe, &host));
    CHECK_FALSE(rule(e, "/dev/shm"));
    REQUIRE(change(e, ChangeAction::skipped, "/dev/shm"));
    CHECK(contains(change(e, ChangeAction::skipped, "/dev/shm")->reason,
                   "binds the host's /dev/shm"));
    // A shm of the container's own (Docker's default, a pod's sandbox shm).
    policy::HostView own;
    REQUIRE(rule(must(rewrite(p, s, gpu::Detection{}, probe, &own)), "/dev/shm"));
    // The policy's own word: kept.
    p.filesystem.read_write = {"/dev/shm"};
    REQUIRE(rule(must(rewrite(p, s, gpu::Detection{}, probe, &host)), "/dev/shm"));
}

TEST_CASE("a writable bind that holds or lies in the plans' run root: a path failure where "
          "the rules let the workload write it") {
    // A rootless user's -v /tmp:/tmp, with the plans in /tmp/podman-run-UID.
    oci::Spec s;
    s.mounts.push_back({"/tmp", "bind", "/tmp", {"rbind", "rw"}});
    s.mounts.push_back({"/data", "bind", "/tmp/podman-run-1001", {"rbind", "rw"}});
    policy::HostView host;
    host.plan_root_binds = {0, 1};
    auto probe = fake_rootfs({{"/", NodeKind::directory},
                              {"/tmp", NodeKind::directory},
                              {"/data", NodeKind::directory},
                              {"/data/sub", NodeKind::directory}});
    Policy p = bare_policy();
    p.filesystem.read_write = {"/tmp"};
    auto e = must(rewrite(p, s, gpu::Detection{}, probe, &host));
    REQUIRE(e.path_failures.size() == 1);  // /data: nothing grants it
    CHECK(contains(e.path_failures[0].message,
                   "mounts[0] (/tmp) binds the host's /tmp, which holds or lies in the plan "
                   "directories of every container, and the rules let the workload change files "
                   "there"));
    CHECK(e.path_failures[0].lost == "the plans beneath mounts[0] (/tmp)");
    // A write rule beneath the landing reaches it too.
    Policy q = bare_policy();
    q.filesystem.read_write = {"/data/sub"};
    auto f = must(rewrite(q, s, gpu::Detection{}, probe, &host));
    REQUIRE(f.path_failures.size() == 1);
    CHECK(contains(f.path_failures[0].message, "mounts[1] (/data) binds the host's "
                                               "/tmp/podman-run-1001"));
    // Read-only rules: nothing to refuse.
    Policy r = bare_policy();
    r.filesystem.read_only = {"/tmp", "/data"};
    CHECK(must(rewrite(r, s, gpu::Detection{}, probe, &host)).path_failures.empty());
}

TEST_CASE(
    "a host socket bound into the container: a path failure unless the rules let it be written") {
    oci::Spec s;
    s.mounts.push_back({"/run/docker.sock", "bind", "/var/run/docker.sock", {"rbind", "rw"}});
    policy::HostView host;  // the bundle's view (where it lands: as spelled)
    host.socket_binds = {0};
    auto live =
        fake_rootfs({{"/run", NodeKind::directory}, {"/run/docker.sock", NodeKind::regular}});
    // Nothing grants it, or only reading: Landlock would not stop connect.
    for (const char* ro : {"", "/run"}) {
        Policy p = bare_policy();
        if (*ro) p.filesystem.read_only = {ro};
        auto e = must(rewrite(p, s, gpu::Detection{}, live, &host));
        REQUIRE(e.path_failures.size() == 1);
        CHECK(
            contains(e.path_failures[0].message,
                     "mounts[0] (/run/docker.sock) binds the host's socket /var/run/docker.sock"));
        CHECK(contains(e.path_failures[0].message, "Landlock does not govern connect"));
        CHECK(e.path_failures[0].lost ==
              "the denial of the host's socket at mounts[0] (/run/docker.sock)");
    }
    // Granted write_file, on it or above it: the policy's word.
    for (const char* rw : {"/run/docker.sock", "/run"}) {
        Policy p = bare_policy();
        p.filesystem.read_write = {rw};
        CHECK(must(rewrite(p, s, gpu::Detection{}, live, &host)).path_failures.empty());
    }
    // Not a socket on the host: nothing to judge.
    policy::HostView plain = host;
    plain.socket_binds.clear();
    CHECK(must(rewrite(bare_policy(), s, gpu::Detection{}, live, &plain)).path_failures.empty());
}

TEST_CASE("baseline: the engine's init, a file bound from the host as the program, may be run") {
    Policy p = bare_policy();
    p.filesystem.baseline = true;
    // podman run --init: its init bound read-only at /run/podman-init and
    // run as the container's program; the command follows it.
    oci::Spec s;
    s.has_process = true;
    s.args = {"/run/podman-init", "--", "/bin/sh"};
    s.mounts.push_back(
        {"/run/podman-init", "bind", "/usr/libexec/podman/catatonit", {"bind", "ro"}});
    const AccessMask run = bit(Access::read_file) | bit(Access::execute);
    auto live =
        fake_rootfs({{"/run", NodeKind::directory}, {"/run/podman-init", NodeKind::regular}}, {},
                    {"/run/podman-init"});
    auto e = must(rewrite(p, s, gpu::Detection{}, live));
    REQUIRE(rule(e, "/run/podman-init"));
    CHECK(rule(e, "/run/podman-init")->access == run);
    CHECK(rule(e, "/run/podman-init")->id.has_value());
    CHECK(contains(change(e, ChangeAction::added, "/run/podman-init")->reason, "podman's --init"));
    CHECK_FALSE(rule(e, "/run"));
    // A bundle on disk: the mount point is not there yet; the bind puts it.
    auto b = must(rewrite(p, s, gpu::Detection{}, fake_rootfs({})));
    REQUIRE(rule(b, "/run/podman-init"));
    CHECK(rule(b, "/run/podman-init")->access == run);

    // Not the program: nothing.
    oci::Spec other = s;
    other.args = {"/bin/sh"};
    CHECK_FALSE(rule(must(rewrite(p, other, gpu::Detection{}, live)), "/run/podman-init"));
    // The program on a tmpfs, or in the image: no mount of the engine's file.
    oci::Spec tmpfs = s;
    tmpfs.mounts[0] = {"/run", "tmpfs", "tmpfs", {}};
    CHECK_FALSE(rule(must(rewrite(p, tmpfs, gpu::Detection{}, live)), "/run/podman-init"));
    oci::Spec image = s;
    image.mounts.clear();
    CHECK_FALSE(rule(must(rewrite(p, image, gpu::Detection{}, live)), "/run/podman-init"));
    // A later mount over it: not the engine's file on top any more.
    oci::Spec covered = s;
    covered.mounts.push_back({"/run", "tmpfs", "tmpfs", {}});
    CHECK_FALSE(rule(must(rewrite(p, covered, gpu::Detection{}, live)), "/run/podman-init"));
    // The image's link on the way: the bind lands elsewhere; nothing here.
    auto linked =
        fake_rootfs({{"/tmp", NodeKind::directory}, {"/tmp/podman-init", NodeKind::regular}},
                    {{"/run/podman-init", "/tmp/podman-init"}});
    CHECK_FALSE(rule(must(rewrite(p, s, gpu::Detection{}, linked)), "/run/podman-init"));
    // A directory there: no execute on a tree.
    auto dir =
        fake_rootfs({{"/run", NodeKind::directory}, {"/run/podman-init", NodeKind::directory}});
    auto d = must(rewrite(p, s, gpu::Detection{}, dir));
    CHECK_FALSE(rule(d, "/run/podman-init"));
    REQUIRE(change(d, ChangeAction::skipped, "/run/podman-init"));
    CHECK(contains(change(d, ChangeAction::skipped, "/run/podman-init")->reason,
                   "a directory, not a file"));
    // The baseline off: nothing.
    CHECK_FALSE(rule(must(rewrite(bare_policy(), s, gpu::Detection{}, live)), "/run/podman-init"));
}

TEST_CASE("workdir: process.cwd read-write, never a system tree") {
    Policy p = workdir_policy();
    oci::Spec s = in_cwd("/workspace/");
    auto e =
        must(rewrite(p, s, gpu::Detection{}, fake_rootfs({{"/workspace", NodeKind::directory}})));
    REQUIRE(rule(e, "/workspace"));
    CHECK(rule(e, "/workspace")->access == kReadWrite);
    CHECK(rule(e, "/workspace")->origin == "workdir");
    CHECK(contains(change(e, ChangeAction::added, "/workspace")->reason, "include_workdir"));

    // Missing: the runtime creates process.cwd, so it is still added.
    auto m = must(rewrite(p, s, gpu::Detection{}, fake_rootfs({})));
    CHECK(rule(m, "/workspace"));

    // A system tree, or a part of one: an image's WORKDIR never makes its
    // own /usr/bin or /lib32 writable (the baseline grants them read-only).
    for (std::string cwd : {"/", "/usr", "/etc", "/proc/1", "/dev", "/run/x", "/usr/bin",
                            "/usr/src/app", "/lib32/sub", "/etc/app", "/sbin/x"}) {
        CAPTURE(cwd);
        s.cwd = cwd;
        auto r = must(rewrite(p, s, gpu::Detection{}, unknown_probe()));
        CHECK(r.rules.empty());
        CHECK(r.changes.size() == 1);
        CHECK(r.changes[0].action == ChangeAction::skipped);
        CHECK(contains(r.changes[0].reason, "lies within a system directory"));
    }
    s.cwd = "/srv/app";
    CHECK(rule(must(rewrite(p, s, gpu::Detection{}, unknown_probe())), "/srv/app"));

    // A path the policy lists without write, within or beneath the workdir:
    // a rule on the workdir would cover it, so there is none.
    Policy listed = p;
    listed.filesystem.read_only = {"/srv/conf"};
    for (std::string cwd : {"/srv", "/srv/conf", "/srv/conf/x"}) {
        CAPTURE(cwd);
        s.cwd = cwd;
        auto r = must(rewrite(listed, s, gpu::Detection{}, unknown_probe()));
        const EffectiveRule* own = rule(r, cwd);  // /srv/conf: the policy's own
        CHECK((!own || !(own->access & bit(Access::write_file))));
        REQUIRE(change(r, ChangeAction::skipped, cwd));
        CHECK(contains(change(r, ChangeAction::skipped, cwd)->reason, "the workdir rule never widens it"));
    }
    s.cwd = "/srv";
    CHECK(contains(change(must(rewrite(listed, s, gpu::Detection{}, unknown_probe())),
                          ChangeAction::skipped, "/srv")->reason,
                   "/srv contains /srv/conf"));
    s.cwd = "/srv/app";  // beside it: its own rule
    CHECK(rule(must(rewrite(listed, s, gpu::Detection{}, unknown_probe())), "/srv/app"));

    p.filesystem.include_workdir = false;
    s.cwd = "/workspace";
    CHECK(must(rewrite(p, s, gpu::Detection{}, unknown_probe())).rules.empty());
}

TEST_CASE("gpu: device nodes rw+ioctl_dev with their evidence, companions, seccomp") {
    Policy p = bare_policy();
    oci::Spec s = gpu_spec();
    auto det = gpu::detect(s, gpu::DetectMode::auto_);
    auto e = must(rewrite(p, s, det, unknown_probe()));
    REQUIRE(rule(e, "/dev/nvidia0"));
    CHECK(rule(e, "/dev/nvidia0")->access == kGpuNode);
    CHECK(rule(e, "/dev/nvidia0")->gpu_device);
    CHECK(rule(e, "/dev/nvidia0")->origin == "gpu nvidia");
    CHECK(change(e, ChangeAction::added, "/dev/nvidia0")->reason ==
          "gpu nvidia: device node from linux.devices[1] (char 195:0)");
    CHECK(rule(e, "/dev/nvidiactl")->access == kGpuNode);
    // Rights that make no sense on a file are not given to device nodes.
    CHECK((rule(e, "/dev/nvidia0")->access & ~kFileRights) == 0);
    // Companion: assumed present without a rootfs, read-only.
    REQUIRE(rule(e, "/run/nvidia-persistenced"));
    CHECK(rule(e, "/run/nvidia-persistenced")->access == kReadOnly);
    CHECK_FALSE(rule(e, "/run/nvidia-persistenced")->gpu_device);
    // seccomp: NVIDIA asks for no relaxation. On an H200 (driver 580.159.04,
    // docs/gpu-validation.md) CUDA never called memfd_create and passed with it
    // denied.
    CHECK(e.seccomp_relaxations.empty());
    CHECK_FALSE(std::any_of(e.changes.begin(), e.changes.end(), [](const Change& c) {
        return c.path.empty() && contains(c.reason, "memfd_create");
    }));

    // With a rootfs that lacks the companion: skipped. A mount under it counts as present.
    auto sk = must(rewrite(p, s, det, fake_rootfs({})));
    CHECK_FALSE(rule(sk, "/run/nvidia-persistenced"));
    CHECK(change(sk, ChangeAction::skipped, "/run/nvidia-persistenced"));
    oci::Spec sm = s;
    sm.mounts.push_back({"/var/run/nvidia-persistenced/socket", "bind", "/x", {"bind"}});
    CHECK(rule(must(rewrite(p, sm, det, fake_rootfs({}))), "/run/nvidia-persistenced"));

    // The daemon's socket, bound from the host: read and write where it
    // lands (CUDA connects), so the socket-bind check passes. Another
    // daemon's socket bound at that path is not the driver's: no grant,
    // and the check refuses it.
    policy::HostView sock_host;
    sock_host.socket_binds = {0};
    for (const char* src :
         {"/var/run/nvidia-persistenced/socket", "/run/nvidia-persistenced/socket"}) {
        CAPTURE(src);
        oci::Spec own = s;
        own.mounts = {{"/var/run/nvidia-persistenced/socket", "bind", src, {"bind"}}};
        auto g = must(rewrite(p, own, det, unknown_probe(), &sock_host));
        REQUIRE(rule(g, "/run/nvidia-persistenced/socket"));
        CHECK(rule(g, "/run/nvidia-persistenced/socket")->access ==
              (bit(Access::read_file) | bit(Access::write_file)));
        CHECK(g.path_failures.empty());
    }
    oci::Spec other = s;
    other.mounts = {
        {"/var/run/nvidia-persistenced/socket", "bind", "/var/run/docker.sock", {"bind"}}};
    auto o = must(rewrite(p, other, det, unknown_probe(), &sock_host));
    CHECK_FALSE(rule(o, "/run/nvidia-persistenced/socket"));
    REQUIRE(o.path_failures.size() == 1);
    CHECK(contains(o.path_failures[0].message, "binds the host's socket /var/run/docker.sock"));
    // An image whose /var/run is a directory of its own: the bind lands
    // there, and there is where the grant goes.
    oci::Spec own = s;
    own.mounts = {{"/var/run/nvidia-persistenced/socket",
                   "bind",
                   "/run/nvidia-persistenced/socket",
                   {"bind"}}};
    auto varrun = fake_rootfs({{"/var", NodeKind::directory},
                               {"/var/run", NodeKind::directory},
                               {"/var/run/nvidia-persistenced", NodeKind::directory},
                               {"/var/run/nvidia-persistenced/socket", NodeKind::socket}});
    auto v = must(rewrite(p, own, det, varrun, &sock_host));
    REQUIRE(rule(v, "/var/run/nvidia-persistenced/socket"));
    CHECK(v.path_failures.empty());

    // A vendor that keeps a relaxation (WSL2's CUDA: memfd_create) gets it,
    // with its reason; an explicit seccomp.deny wins over it, and says so.
    oci::Spec w;
    w.has_linux = true;
    w.devices.push_back({"/dev/dxg", "c", 10, 63, std::nullopt});
    gpu::HostDevices wsl_host;
    gpu::parse_proc_misc(" 63 dxg\n", wsl_host);
    gpu::DetectInputs wsl_in;
    wsl_in.host = &wsl_host;
    auto wdet = gpu::detect(w, gpu::DetectMode::auto_, wsl_in);
    auto we = must(rewrite(p, w, wdet, unknown_probe()));
    REQUIRE(we.seccomp_relaxations.size() == 1);
    CHECK(we.seccomp_relaxations[0].first == "memfd_create");
    CHECK(contains(we.seccomp_relaxations[0].second, "not measured"));
    Policy d = bare_policy();
    d.seccomp.deny = {"memfd_create"};
    auto de = must(rewrite(d, w, wdet, unknown_probe()));
    CHECK(de.seccomp_relaxations.empty());
    CHECK(change(de, ChangeAction::skipped, ""));
    // NVIDIA with memfd_create denied: no "the GPU may not work" line.
    CHECK_FALSE(change(must(rewrite(d, s, det, unknown_probe())), ChangeAction::skipped, ""));

    // No GPU: nothing GPU-related.
    auto n = must(rewrite(p, s, gpu::detect(s, gpu::DetectMode::never), unknown_probe()));
    CHECK(n.rules.empty());
    CHECK(n.seccomp_relaxations.empty());
}

TEST_CASE("gpu: a node's rights bind only to a character device") {
    // Were the path something else in the container when the rules are
    // bound (detection saw a device there), no right goes to it: the rule
    // is rejected as a path failure.
    oci::Spec s = gpu_spec();
    auto det = gpu::detect(s, gpu::DetectMode::auto_);
    auto e = must(rewrite(bare_policy(), s, det,
                          fake_rootfs({{"/dev/nvidia0", NodeKind::directory},
                                       {"/dev/nvidiactl", NodeKind::char_device}})));
    CHECK_FALSE(rule(e, "/dev/nvidia0"));
    REQUIRE(rule(e, "/dev/nvidiactl"));
    CHECK(rule(e, "/dev/nvidiactl")->gpu_device);
    REQUIRE(change(e, ChangeAction::rejected, "/dev/nvidia0"));
    CHECK(contains(change(e, ChangeAction::rejected, "/dev/nvidia0")->reason,
                   "/dev/nvidia0 is a directory in the container, not a character device"));
    REQUIRE(e.path_failures.size() == 1);
    CHECK(e.path_failures[0].path == "/dev/nvidia0");
}

TEST_CASE("gpu: a legacy hook without nodes yet grants nothing; its nodes count in the live /dev") {
    oci::Spec s;
    s.hooks.prestart.push_back({"nvidia-container-runtime-hook", {}, {}, {}});
    auto det = gpu::detect(s, gpu::DetectMode::auto_);
    CHECK_FALSE(det.gpu);
    CHECK(contains(det.reason, "no live /dev to look at"));
    CHECK(contains(det.reason, "nvidia-container-runtime-hook"));
    auto e = must(rewrite(bare_policy(), s, det, unknown_probe()));
    CHECK(e.rules.empty());
    CHECK(e.seccomp_relaxations.empty());
}

TEST_CASE("gpu.proc_access: no /proc write in the host's pid namespace") {
    // --pid=host (no pid entry): /proc shows the host's processes, whose
    // files the write would reach.
    {
        oci::Spec s = gpu_spec();
        s.namespaces.clear();
        auto det = gpu::detect(s, gpu::DetectMode::auto_);
        REQUIRE(det.gpu);
        Policy p = bare_policy();
        p.filesystem.read_only = {"/proc"};
        p.gpu.proc_access = ProcAccess::write_file;
        auto e = must(rewrite(p, s, det, unknown_probe()));
        CHECK(rule(e, "/proc")->access == kReadOnly);
        REQUIRE(e.path_failures.size() == 1);
        CHECK(e.path_failures[0].path == "/proc");
        CHECK(contains(e.path_failures[0].message, "would reach processes outside the container"));
        CHECK(contains(e.path_failures[0].lost, "the /proc write for gpu nvidia"));
        // gpu.proc_access none asks for nothing there.
        p.gpu.proc_access = ProcAccess::none;
        CHECK(must(rewrite(p, s, det, unknown_probe())).path_failures.empty());
    }
    // Its own pid namespace, but the host's /proc bound at /proc (podman -v
    // /proc:/proc) or beneath it: refused the same way; a fresh proc is fine.
    for (const auto& mounts : std::vector<std::vector<oci::Mount>>{
             {{"/proc", "bind", "/proc", {"rbind"}}},
             {{"/proc", "proc", "proc", {}}, {"/proc/driver", "bind", "/proc", {"rbind"}}},
             {{"/proc", "proc", "proc", {}}, {"/proc", "proc", "proc", {"rbind"}}}}) {
        CAPTURE(mounts.back().destination);
        oci::Spec s = gpu_spec();
        s.mounts = mounts;
        Policy p = bare_policy();
        p.filesystem.read_only = {"/proc"};
        auto e = must(rewrite(p, s, gpu::detect(s, gpu::DetectMode::auto_), unknown_probe()));
        REQUIRE(e.path_failures.size() == 1);
        CHECK(contains(e.path_failures[0].message, "mounts[" + std::to_string(mounts.size() - 1) + "]"));
        CHECK(rule(e, "/proc")->access == kReadOnly);
    }
    {
        oci::Spec s = gpu_spec();
        s.mounts = {{"/proc", "proc", "proc", {"nosuid"}}, {"/proc/acpi", "tmpfs", "tmpfs", {"ro"}}};
        Policy p = bare_policy();
        p.filesystem.read_only = {"/proc"};
        auto e = must(rewrite(p, s, gpu::detect(s, gpu::DetectMode::auto_), unknown_probe()));
        CHECK(e.path_failures.empty());
        CHECK((rule(e, "/proc")->access & bit(Access::write_file)) != 0);
    }
    // Joined by path, but the host's own (the hook compares it with its
    // /proc/self/ns/pid): as with no pid namespace at all.
    {
        oci::Spec s = gpu_spec();
        s.namespaces = {{"pid", "/proc/4242/ns/pid"}};
        Policy p = bare_policy();
        p.filesystem.read_only = {"/proc"};
        policy::HostView host;
        host.host_pid_namespace = true;
        auto e = must(rewrite(p, s, gpu::detect(s, gpu::DetectMode::auto_), unknown_probe(), &host));
        REQUIRE(e.path_failures.size() == 1);
        CHECK(contains(e.path_failures[0].message, "joins /proc/4242/ns/pid, which is the host's pid namespace"));
    }
    // A pod's shared namespace (joined by path): the write is made, and the
    // change log says whose processes it reaches.
    oci::Spec pod = gpu_spec();
    pod.namespaces = {{"pid", "/proc/4242/ns/pid"}};
    Policy p = bare_policy();
    p.filesystem.read_only = {"/proc"};
    auto e = must(rewrite(p, pod, gpu::detect(pod, gpu::DetectMode::auto_), unknown_probe()));
    CHECK(e.path_failures.empty());
    CHECK((rule(e, "/proc")->access & bit(Access::write_file)) != 0);
    REQUIRE(change(e, ChangeAction::note, "/proc"));
    bool named = false;
    for (const auto& c : e.changes)
        named = named || (c.path == "/proc" && contains(c.reason, "joins the pid namespace /proc/4242/ns/pid"));
    CHECK(named);
}

TEST_CASE("gpu.proc_access: read_write, write_file, none") {
    oci::Spec s = gpu_spec();
    auto det = gpu::detect(s, gpu::DetectMode::auto_);

    Policy rw = bare_policy();
    rw.filesystem.read_only = {"/proc"};
    rw.gpu.proc_access = ProcAccess::read_write;
    auto a = must(rewrite(rw, s, det, unknown_probe()));
    CHECK(rule(a, "/proc")->access == kReadWrite);
    REQUIRE(change(a, ChangeAction::promoted, "/proc"));
    CHECK(change(a, ChangeAction::promoted, "/proc")->before == kReadOnly);
    CHECK(change(a, ChangeAction::promoted, "/proc")->after == kReadWrite);

    Policy wf = bare_policy();
    wf.filesystem.read_only = {"/proc"};
    wf.gpu.proc_access = ProcAccess::write_file;
    auto b = must(rewrite(wf, s, det, unknown_probe()));
    // write_file with truncate: CUDA opens comm with O_TRUNC (traced on an H200,
    // docs/gpu-validation.md: without truncate cuInit fails with error 304).
    constexpr AccessMask kProcWrite = bit(Access::write_file) | bit(Access::truncate);
    CHECK(rule(b, "/proc")->access == (kReadOnly | kProcWrite));
    const Change* c = change(b, ChangeAction::promoted, "/proc");
    REQUIRE(c);
    CHECK((c->after & ~c->before) == kProcWrite);
    CHECK(contains(c->reason, "write_file"));
    CHECK(contains(c->reason, "gpu.promotion.allow \"/proc\""));
    CHECK(rule(b, "/proc")->origin == "policy read_only + gpu nvidia");

    // write_file when the policy does not list /proc: added, with a note that it is unreadable.
    Policy wf2 = bare_policy();
    auto b2 = must(rewrite(wf2, s, det, unknown_probe()));
    CHECK(rule(b2, "/proc")->access == kProcWrite);
    CHECK(change(b2, ChangeAction::added, "/proc"));
    CHECK(change(b2, ChangeAction::note, "/proc"));

    Policy none = bare_policy();
    none.filesystem.read_only = {"/proc"};
    none.gpu.proc_access = ProcAccess::none;
    auto n = must(rewrite(none, s, det, unknown_probe()));
    CHECK(rule(n, "/proc")->access == kReadOnly);
    REQUIRE(change(n, ChangeAction::note, "/proc"));
    CHECK(contains(change(n, ChangeAction::note, "/proc")->reason, "error 304"));

    // A vendor whose library does not write /proc: /proc untouched, no note.
    oci::Spec amd;
    amd.devices.push_back({"/dev/kfd", "c", 236, 0, std::nullopt});
    gpu::HostDevices kfd_host = gpu::parse_proc_devices("Character devices:\n236 kfd\n");
    gpu::DetectInputs kfd_in;
    kfd_in.host = &kfd_host;
    auto amd_det = gpu::detect(amd, gpu::DetectMode::auto_, kfd_in);
    REQUIRE(amd_det.gpu);
    auto am = must(rewrite(wf, amd, amd_det, unknown_probe()));
    CHECK(rule(am, "/proc")->access == kReadOnly);
    CHECK_FALSE(change(am, ChangeAction::note, "/proc"));
    CHECK(am.seccomp_relaxations.empty());
}

TEST_CASE("normalisation: /proc/ in read_only is the same path as /proc") {
    oci::Spec s = gpu_spec();
    auto det = gpu::detect(s, gpu::DetectMode::auto_);
    Policy p = bare_policy();
    p.filesystem.read_only = {"/proc/"};
    p.gpu.allow = {};  // nothing allowed: the promotion must be refused
    auto r = rewrite(p, s, det, unknown_probe());
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "/proc"));
    CHECK_FALSE(contains(r.error().message, "/proc/ "));

    p.gpu.allow = {"/proc/"};  // an allow entry is normalised too
    auto ok = must(rewrite(p, s, det, unknown_probe()));
    CHECK(rule(ok, "/proc")->access == (kReadOnly | bit(Access::write_file) | bit(Access::truncate)));
    CHECK(std::count_if(ok.rules.begin(), ok.rules.end(),
                        [](const EffectiveRule& x) { return x.path.rfind("/proc", 0) == 0; }) == 1);
}

TEST_CASE("gpu.promotion: reject_unlisted names the path and both fixes") {
    oci::Spec s = gpu_spec();
    auto det = gpu::detect(s, gpu::DetectMode::auto_);
    Policy p = bare_policy();
    p.filesystem.read_only = {"/proc", "/dev/nvidia0"};
    // default allow is {"/proc"}: /proc is promoted, /dev/nvidia0 is not listed.
    auto r = rewrite(p, s, det, unknown_probe());
    REQUIRE_FALSE(r);
    const std::string& m = r.error().message;
    CHECK(contains(m, "/dev/nvidia0"));
    CHECK(contains(m, "reject_unlisted"));
    CHECK(contains(m, "add \"/dev/nvidia0\" to gpu.promotion.allow"));
    CHECK(contains(m, "move \"/dev/nvidia0\" from filesystem.read_only to filesystem.read_write"));
    CHECK(contains(m, "remove it from filesystem.read_only"));
    CHECK_FALSE(contains(m, "on /proc"));  // /proc was allowed by the default allow list

    // A glob in allow admits the device node; the read_only entry is widened, logged.
    p.gpu.allow = {"/proc", "/dev/nvidia[0-9]*"};
    auto ok = must(rewrite(p, s, det, unknown_probe()));
    CHECK(rule(ok, "/dev/nvidia0")->access == (kReadOnly | kGpuNode));
    CHECK(rule(ok, "/dev/nvidia0")->gpu_device);
    const Change* c = change(ok, ChangeAction::promoted, "/dev/nvidia0");
    REQUIRE(c);
    CHECK(contains(c->reason, "filesystem.read_only"));

    // A rule with fewer rights: the fix names the rule.
    Policy pr = bare_policy();
    pr.filesystem.rules.push_back(
        {"/dev/nvidiactl", bit(Access::read_file) | bit(Access::write_file)});
    auto rr = rewrite(pr, s, det, unknown_probe());
    REQUIRE_FALSE(rr);
    CHECK(contains(rr.error().message, "filesystem.rules[0].access"));
    CHECK(contains(rr.error().message, "gpu.promotion.allow"));
}

TEST_CASE("gpu.promotion: promote_all and reject_all") {
    oci::Spec s = gpu_spec();
    auto det = gpu::detect(s, gpu::DetectMode::auto_);
    Policy p = bare_policy();
    p.filesystem.read_only = {"/proc", "/dev/nvidia0"};
    p.gpu.allow = {};
    p.gpu.promotion = PromotionMode::promote_all;
    auto e = must(rewrite(p, s, det, unknown_probe()));
    CHECK(change(e, ChangeAction::promoted, "/proc"));
    CHECK(change(e, ChangeAction::promoted, "/dev/nvidia0"));
    CHECK(contains(change(e, ChangeAction::promoted, "/proc")->reason, "promote_all"));

    p.gpu.promotion = PromotionMode::reject_all;
    p.gpu.allow = {"/proc"};  // ignored by reject_all
    auto r = rewrite(p, s, det, unknown_probe());
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "reject_all"));
    CHECK(contains(r.error().message, "/proc"));
    CHECK(contains(r.error().message, "/dev/nvidia0"));

    // No explicit listing: nothing to promote, reject_all has nothing to refuse.
    Policy q = bare_policy();
    q.gpu.promotion = PromotionMode::reject_all;
    CHECK(rewrite(q, s, det, unknown_probe()));
}

TEST_CASE("explain: text and JSON carry the evidence, rules and changes") {
    oci::Spec s = gpu_spec();
    s.env = {"NVIDIA_VISIBLE_DEVICES=all"};
    auto det = gpu::detect(s, gpu::DetectMode::auto_);
    Policy p = bare_policy();
    p.filesystem.read_only = {"/proc", "/usr"};
    p.failure.kinds[failure::Kind::landlock_unavailable] = failure::Mode::warn;
    auto e = must(rewrite(p, s, det, unknown_probe()));
    std::string t = explain_text(e);
    CHECK(contains(t, "GPU: yes (nvidia)"));
    CHECK(contains(t, "linux.devices[1] (char 195:0)  /dev/nvidia0  (nvidia)  accelerator node"));
    CHECK(contains(t, "process.env NVIDIA_VISIBLE_DEVICES=all  (nvidia)  claim: the container's own claim"));
    CHECK(contains(t, "process.env NVIDIA_VISIBLE_DEVICES=all"));
    CHECK(contains(t, "rw+ioctl_dev"));
    CHECK(contains(t, "ro+write_file+truncate"));
    CHECK(
        contains(t, "+ /dev/nvidia0 rw+ioctl_dev  gpu nvidia: device node from linux.devices[1] (char 195:0)"));
    CHECK(contains(t, "^ /proc ro -> ro+write_file+truncate"));
    CHECK_FALSE(contains(t, "relaxation: allow memfd_create"));
    CHECK(contains(t, "landlock_unavailable=warn"));
    CHECK(contains(t, "Failure modes: default strict"));

    std::string j = explain_json(e, false);
    CHECK(contains(j, "\"detected\":true"));
    CHECK(contains(j,
                   "{\"path\":\"/dev/"
                   "nvidia0\",\"access\":[\"execute\",\"write_file\",\"read_file\",\"truncate\","
                   "\"ioctl_dev\"],\"short\":\"rw+ioctl_dev\""));
    CHECK(contains(j, "\"origin\":\"linux.devices[1] (char 195:0)\""));
    CHECK(contains(j, "\"accelerator_node\":true"));
    CHECK(contains(j, "\"action\":\"promoted\""));
    CHECK(contains(j, "\"relaxations\":[]"));
    CHECK(contains(j, "\"kinds\":{\"landlock_unavailable\":\"warn\"}"));
    CHECK(contains(explain_json(e, true), "\n  \"gpu\": {"));

    auto none = must(rewrite(bare_policy(), oci::Spec{},
                             gpu::detect(oci::Spec{}, gpu::DetectMode::auto_), unknown_probe()));
    CHECK(contains(explain_text(none), "GPU: no\n"));
    CHECK(contains(explain_text(none), "evidence: none"));
}

TEST_CASE("policy paths missing from the image grant nothing and are logged, not fatal") {
    Policy p = bare_policy();
    p.filesystem.baseline = false;
    p.filesystem.read_only = {"/usr", "/lib64", "/dev/nvidia0"};
    p.filesystem.read_write = {"/data"};
    oci::Spec spec;
    spec.mounts.push_back({"/data", "bind", "/srv/data", {"rbind"}});
    spec.devices.push_back({"/dev/nvidia0", "c", 195, 0, std::nullopt});
    auto probe = fake_rootfs({{"/usr", NodeKind::directory}});
    auto e = must(rewrite(p, spec, gpu::Detection{}, probe));
    CHECK(rule(e, "/usr"));
    CHECK_FALSE(rule(e, "/lib64"));
    REQUIRE(change(e, ChangeAction::skipped, "/lib64"));
    CHECK(contains(change(e, ChangeAction::skipped, "/lib64")->reason, "stays denied"));
    // Mount destinations and declared devices are created by the runtime.
    CHECK(rule(e, "/data"));
    CHECK(rule(e, "/dev/nvidia0"));
    // Without a rootfs nothing is dropped.
    auto u = must(rewrite(p, spec, gpu::Detection{}, unknown_probe()));
    CHECK(rule(u, "/lib64"));
}

TEST_CASE("symlinks: a right never follows an image symlink onto a target the policy does not grant") {
    Policy p = bare_policy();
    p.filesystem.read_only = {"/usr", "/etc", "/bin"};
    p.filesystem.read_write = {"/tmp"};
    p.filesystem.rules.push_back({"/data", kReadWrite});
    const std::map<std::string, NodeKind> present = {{"/", NodeKind::directory},
                                                     {"/usr", NodeKind::directory},
                                                     {"/usr/bin", NodeKind::directory},
                                                     {"/etc", NodeKind::directory}};
    // /tmp -> /, /data -> /etc, /bin -> usr/bin (merged-usr).
    auto e = must(rewrite(p, oci::Spec{}, gpu::Detection{},
                          fake_rootfs(present, {{"/tmp", "/"}, {"/data", "/etc"}, {"/bin", "/usr/bin"}})));
    CHECK_FALSE(rule(e, "/"));
    CHECK_FALSE(rule(e, "/tmp"));
    CHECK(rule(e, "/etc")->access == kReadOnly);  // not widened by /data
    CHECK_FALSE(rule(e, "/bin"));                 // covered by /usr: nothing to add
    REQUIRE(e.path_failures.size() == 2);
    CHECK(e.path_failures[0].path == "/data");
    CHECK(contains(e.path_failures[0].message, "/data -> /etc"));
    CHECK(contains(e.path_failures[0].message, "write_file"));
    CHECK(e.path_failures[1].path == "/tmp");
    CHECK(contains(e.path_failures[1].message, "/tmp -> /"));
    CHECK(change(e, ChangeAction::rejected, "/tmp"));

    // The same rights by the target's own path: the link may carry them.
    Policy q = p;
    q.filesystem.read_write.push_back("/etc");
    q.filesystem.read_only = {"/usr", "/bin"};
    auto f = must(rewrite(q, oci::Spec{}, gpu::Detection{},
                          fake_rootfs(present, {{"/data", "/etc"}})));
    CHECK(f.path_failures.empty());
    CHECK(rule(f, "/etc")->access == kReadWrite);
    CHECK_FALSE(rule(f, "/data"));

    // A file target keeps only file rights in the comparison.
    Policy r = bare_policy();
    r.filesystem.read_write = {"/dev/null", "/nul"};
    auto g = must(rewrite(r, oci::Spec{}, gpu::Detection{},
                          fake_rootfs({{"/dev/null", NodeKind::char_device}}, {{"/nul", "/dev/null"}})));
    CHECK(g.path_failures.empty());
}

TEST_CASE("workdir: judged by what it resolves to") {
    Policy p = workdir_policy();
    p.filesystem.read_only = {"/data"};
    oci::Spec s = in_cwd("");
    const std::map<std::string, NodeKind> present = {{"/", NodeKind::directory},
                                                     {"/srv/app", NodeKind::directory},
                                                     {"/data/x", NodeKind::directory},
                                                     {"/etc", NodeKind::directory}};
    const std::map<std::string, std::string> links = {
        {"/app", "/"}, {"/work", "/etc"}, {"/w", "/srv/app"}, {"/d", "/data/x"}};
    for (std::string cwd : {"/app", "/work", "/d"}) {
        CAPTURE(cwd);
        s.cwd = cwd;
        auto e = must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present, links)));
        CHECK(e.rules.size() == 0 + (rule(e, "/data") ? 1 : 0));
        REQUIRE(change(e, ChangeAction::skipped, cwd));
        CHECK(contains(change(e, ChangeAction::skipped, cwd)->reason, "resolves to"));
    }
    s.cwd = "/w";
    auto e = must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present, links)));
    REQUIRE(rule(e, "/srv/app"));
    CHECK(rule(e, "/srv/app")->access == kReadWrite);
    CHECK_FALSE(rule(e, "/w"));
    // Beneath a path the policy lists read-only: never widened.
    s.cwd = "/data/x";
    auto d = must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present, links)));
    CHECK(rule(d, "/data/x") == nullptr);
    CHECK(contains(change(d, ChangeAction::skipped, "/data/x")->reason, "filesystem.read_only"));
}

TEST_CASE("mounts: judged where they land; the image's symlink never carries a right onto a volume") {
    Policy p = bare_policy();
    p.filesystem.read_only = {"/usr", "/data"};
    p.filesystem.read_write = {"/tmp"};
    oci::Spec s;
    s.mounts.push_back({"/data", "bind", "/host/vol", {"rbind", "rw"}});
    const std::map<std::string, NodeKind> present = {{"/", NodeKind::directory},
                                                     {"/usr", NodeKind::directory},
                                                     {"/tmp", NodeKind::directory}};
    // /data -> /tmp: the volume lands under /tmp's read-write rule.
    auto e = must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present, {{"/data", "/tmp"}})));
    REQUIRE(e.path_failures.size() == 1);
    CHECK(e.path_failures[0].path == "/data");
    CHECK(contains(e.path_failures[0].message, "mounts[0] (/data): its destination goes through the image's "
                                               "symlink /data -> /tmp, so the mount lands at /tmp"));
    CHECK(contains(e.path_failures[0].message, "write_file"));
    CHECK(contains(e.path_failures[0].message, "(execute,read_file,read_dir)"));
    CHECK(e.path_failures[0].lost == "the limit on mounts[0] (/data): mounted at /tmp with " + describe(kReadWrite));
    CHECK(change(e, ChangeAction::rejected, "/data"));

    // Spelled as the runtime cleans it ("data", "/srv/../data"): the same mount.
    for (const char* dest : {"data", "/srv/../data"}) {
        CAPTURE(dest);
        oci::Spec r = s;
        r.mounts[0].destination = dest;
        CHECK(must(rewrite(p, r, gpu::Detection{}, fake_rootfs(present, {{"/data", "/tmp"}}))).path_failures.size() ==
              1);
    }

    // Landing above rules: /data -> /dev puts the volume where the rules on
    // /dev's nodes reach into it.
    Policy dv = bare_policy();
    dv.filesystem.read_write = {"/dev/null"};
    auto lands_dev = must(rewrite(dv, s, gpu::Detection{},
                                  fake_rootfs({{"/", NodeKind::directory}, {"/dev", NodeKind::directory},
                                               {"/dev/null", NodeKind::char_device}},
                                              {{"/data", "/dev"}})));
    REQUIRE(lands_dev.path_failures.size() == 1);
    CHECK(contains(lands_dev.path_failures[0].message, "so the mount lands at /dev, where the rules give it "
                                                       "(or paths in it)"));
    // A later mount above a bind's destination hides the link it went through.
    oci::Spec hid = s;
    hid.mounts[0].destination = "/a/l";
    hid.mounts.push_back({"/a", "tmpfs", "tmpfs", {"nosuid"}});
    auto h = must(rewrite(p, hid, gpu::Detection{}, fake_rootfs(present)));
    REQUIRE(h.path_failures.size() == 1);
    CHECK(contains(h.path_failures[0].message, "mounts[0] (/a/l) lies beneath the later mounts[1] (/a)"));
    hid.mounts[0].type = "devpts";  // not a bind: nobody's data hidden
    hid.mounts[0].options = {"nosuid"};
    CHECK(must(rewrite(p, hid, gpu::Detection{}, fake_rootfs(present))).path_failures.empty());

    // Unlisted: it would get /tmp's rights where its spelling gets none.
    Policy q = p;
    q.filesystem.read_only = {"/usr"};
    auto u = must(rewrite(q, s, gpu::Detection{}, fake_rootfs(present, {{"/data", "/tmp"}})));
    REQUIRE(u.path_failures.size() == 1);
    CHECK(contains(u.path_failures[0].message, "by its own path (nothing)"));

    // No symlink, a tmpfs, or a landing with no more than the spelling: fine.
    CHECK(must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present))).path_failures.empty());
    oci::Spec t = s;
    t.mounts[0].type = "tmpfs";
    t.mounts[0].options = {"nosuid"};
    CHECK(must(rewrite(p, t, gpu::Detection{}, fake_rootfs(present, {{"/data", "/tmp"}}))).path_failures.empty());
    t.mounts[0].options = {"rbind", "rw"};  // "tmpfs" in name only: runc binds the source
    CHECK(must(rewrite(p, t, gpu::Detection{}, fake_rootfs(present, {{"/data", "/tmp"}}))).path_failures.size() == 1);
    CHECK(must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present, {{"/data", "/usr/share"}})))
              .path_failures.empty());
    // Where the resolver gives up (runc follows up to 255 links, we 40), the
    // mount may land anywhere: a failure, and a workdir above is not granted.
    auto lost = [&](const std::string& where) -> std::optional<rootfs::PathFact> {
        if (where == "/data") return std::nullopt;
        return fake_rootfs(present)(where);
    };
    auto x = must(rewrite(q, s, gpu::Detection{}, lost));
    REQUIRE(x.path_failures.size() == 1);
    CHECK(contains(x.path_failures[0].message, "mounts[0] (/data): where its destination leads in the image "
                                               "cannot be told"));
    Policy wq = q;
    wq.filesystem.include_workdir = true;
    oci::Spec ws = s;
    ws.has_process = true;
    ws.cwd = "/tmp";
    CHECK(change(must(rewrite(wq, ws, gpu::Detection{}, lost)), ChangeAction::skipped, "/tmp"));
    // No rootfs at all (explain --config): nothing to judge.
    CHECK(must(rewrite(q, s, gpu::Detection{}, unknown_probe())).path_failures.empty());
    // /var/run is /run: the landing of /var/run/x at /run/x gets what /run/x is given.
    Policy r = bare_policy();
    r.filesystem.read_write = {"/run/secrets"};
    oci::Spec k;
    k.mounts.push_back({"/var/run/secrets/x", "bind", "/host/secret", {"rbind", "ro"}});
    CHECK(must(rewrite(r, k, gpu::Detection{},
                       fake_rootfs({{"/run/secrets/x", NodeKind::directory}},
                                   {{"/var/run/secrets/x", "/run/secrets/x"}})))
              .path_failures.empty());
}

TEST_CASE("workdir: never on, in or above a read-only bind (its flag does not reach host submounts)") {
    Policy p = workdir_policy();
    const std::map<std::string, NodeKind> present = {{"/", NodeKind::directory},
                                                     {"/host", NodeKind::directory},
                                                     {"/host/proc", NodeKind::directory},
                                                     {"/work", NodeKind::directory},
                                                     {"/work/ro", NodeKind::directory}};
    // -v /:/host:ro -w /host (node-exporter's form): the workdir rule would
    // open the host's /proc and /dev/shm beneath it.
    for (const char* cwd : {"/host", "/host/proc"}) {
        CAPTURE(cwd);
        oci::Spec s = in_cwd(cwd);
        s.mounts.push_back({"/host", "bind", "/", {"rbind", "ro"}});
        auto e = must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present)));
        CHECK_FALSE(rule(e, cwd));
        REQUIRE(change(e, ChangeAction::skipped, cwd));
        CHECK(contains(change(e, ChangeAction::skipped, cwd)->reason,
                       "is on or above mounts[0] (/host), a read-only bind of /"));
    }
    // A workdir volume with a read-only bind nested in it.
    oci::Spec n = in_cwd("/work");
    n.mounts.push_back({"/work", "bind", "/srv/work", {"rbind", "rw"}});
    n.mounts.push_back({"/work/ro", "bind", "/", {"rbind", "ro"}});
    CHECK_FALSE(rule(must(rewrite(p, n, gpu::Detection{}, fake_rootfs(present))), "/work"));
    // "ro" then "rw": read-write, the workdir volume is granted as before.
    oci::Spec w = in_cwd("/work");
    w.mounts.push_back({"/work", "bind", "/srv/work", {"rbind", "ro", "rw"}});
    auto g = must(rewrite(p, w, gpu::Detection{}, fake_rootfs(present)));
    REQUIRE(rule(g, "/work"));
    CHECK(rule(g, "/work")->access == kReadWrite);
}

TEST_CASE("a write rule at, above or within a read-only bind carrying host mounts: landlock_path") {
    Policy p = workdir_policy();
    p.filesystem.read_write = {"/tmp"};
    oci::Spec s = in_cwd("/");
    s.mounts.push_back({"/tmp/host", "bind", "/", {"rbind", "ro"}});
    policy::HostView carrying;
    carrying.ro_binds_carrying = {{0, "/proc"}};
    auto e = must(rewrite(p, s, gpu::Detection{}, unknown_probe(), &carrying));
    REQUIRE(e.path_failures.size() == 1);
    CHECK(contains(e.path_failures[0].message,
                   "mounts[0] (/tmp/host) is a read-only bind of /, beneath which the host has mounts of "
                   "its own (/proc)"));
    CHECK(contains(e.path_failures[0].message, "rule on /tmp"));
    CHECK(contains(e.path_failures[0].lost, "the read-only limit on the host's mounts beneath mounts[0]"));
    // Not judged without the host's view, nor when nothing is carried.
    CHECK(must(rewrite(p, s, gpu::Detection{}, unknown_probe())).path_failures.empty());
    const policy::HostView none;
    CHECK(must(rewrite(p, s, gpu::Detection{}, unknown_probe(), &none)).path_failures.empty());
    // No write rule over it: nothing to judge.
    p.filesystem.read_write = {"/data"};
    CHECK(must(rewrite(p, s, gpu::Detection{}, unknown_probe(), &carrying)).path_failures.empty());
}

TEST_CASE("workdir: never above a volume, unless it is a volume itself") {
    Policy p = workdir_policy();
    oci::Spec s = in_cwd("/srv");
    s.mounts.push_back({"/srv/data", "bind", "/host/vol", {"rbind", "rw"}});
    const std::map<std::string, NodeKind> present = {{"/", NodeKind::directory},
                                                     {"/srv", NodeKind::directory},
                                                     {"/srv/data", NodeKind::directory}};
    auto e = must(rewrite(p, s, gpu::Detection{}, fake_rootfs(present)));
    CHECK_FALSE(rule(e, "/srv"));
    REQUIRE(change(e, ChangeAction::skipped, "/srv"));
    CHECK(contains(change(e, ChangeAction::skipped, "/srv")->reason, "contains mounts[0] (/srv/data)"));
    // A volume that lands beneath it through the image's symlink counts too.
    oci::Spec l = s;
    l.mounts[0].destination = "/data";
    auto f = must(rewrite(p, l, gpu::Detection{}, fake_rootfs(present, {{"/data", "/srv/data"}})));
    CHECK_FALSE(rule(f, "/srv"));
    // The workdir is a volume, with another nested in it: read-write.
    oci::Spec v = s;
    v.cwd = "/srv/data";
    v.mounts.push_back({"/srv/data/deps", "bind", "/host/deps", {"rbind", "rw"}});
    auto g = must(rewrite(p, v, gpu::Detection{}, fake_rootfs(present)));
    REQUIRE(rule(g, "/srv/data"));
    CHECK(rule(g, "/srv/data")->access == kReadWrite);
    // A tmpfs beneath it holds nobody's data.
    oci::Spec m = s;
    m.mounts[0].type = "tmpfs";
    m.mounts[0].options = {"nosuid"};
    auto h = must(rewrite(p, m, gpu::Detection{}, fake_rootfs(present)));
    REQUIRE(rule(h, "/srv"));
    m.mounts[0].options = {"rbind"};
    CHECK_FALSE(rule(must(rewrite(p, m, gpu::Detection{}, fake_rootfs(present))), "/srv"));
}
