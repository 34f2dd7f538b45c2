// The hook's checks that the dry run shares: the run_as ids read from the
// image's own /etc/passwd and /etc/group, on a temp rootfs (no root needed).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hook/checks.hpp"
#include "plan/plan_dir.hpp"
#include "util/fd.hpp"

using namespace osh;
namespace fs = std::filesystem;

namespace {

struct Rootfs {
    std::string path;
    UniqueFd fd;
    Rootfs() {
        char tmpl[] = "/tmp/osh-checks-XXXXXX";
        path = ::mkdtemp(tmpl);
        fs::create_directories(path + "/etc");
        std::ofstream(path + "/etc/passwd") << "root:x:0:0::/root:/bin/sh\n"
                                               "app:x:1000:1001::/app:/bin/sh\n"
                                               "toor:x:0:5::/:/bin/sh\n"
                                               "wheelie:x:1002:0::/:/bin/sh\n"
                                               "plus:x:1003:+0::/:/bin/sh\n"
                                               "hex:x:1004:0x0::/:/bin/sh\n"
                                               "space:x:1005: 0::/:/bin/sh\n"
                                               "short:x:1006\n";
        std::ofstream(path + "/etc/group") << "root:x:0:\nappgrp:x:1001:\nstaff:x:50:\n";
        fd.reset(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    ~Rootfs() { fs::remove_all(path); }
};

policy::ProcessPolicy as(std::optional<policy::IdSpec> user, std::optional<policy::IdSpec> group) {
    policy::ProcessPolicy p;
    p.run_as_user = std::move(user);
    p.run_as_group = std::move(group);
    return p;
}

bool has(const Error& e, const std::string& text) {
    return e.message.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("run_as: numbers as written, names from the image, never root from a name") {
    Rootfs r;
    REQUIRE(r.fd);
    auto none = hook::plan_ids(as(std::nullopt, std::nullopt), r.fd.get());
    REQUIRE(none);
    CHECK_FALSE(none->uid);
    CHECK_FALSE(none->gid);

    auto numbers = hook::plan_ids(as(uint32_t{0}, uint32_t{0}), r.fd.get());
    REQUIRE(numbers);
    CHECK(numbers->uid == 0u);
    CHECK(numbers->gid == 0u);

    // A user named without a group gets its primary group.
    auto app = hook::plan_ids(as(std::string("app"), std::nullopt), r.fd.get());
    REQUIRE(app);
    CHECK(app->uid == 1000u);
    CHECK(app->gid == 1001u);
    auto staff = hook::plan_ids(as(std::string("app"), std::string("staff")), r.fd.get());
    REQUIRE(staff);
    CHECK(staff->gid == 50u);

    auto toor = hook::plan_ids(as(std::string("toor"), std::nullopt), r.fd.get());
    REQUIRE_FALSE(toor);
    CHECK(has(toor.error(),
              "run_as_user \"toor\" is uid 0 in the image's /etc/passwd: a name "
              "from the image never yields root"));
    auto rootgrp = hook::plan_ids(as(uint32_t{1000}, std::string("root")), r.fd.get());
    REQUIRE_FALSE(rootgrp);
    CHECK(has(rootgrp.error(), "run_as_group \"root\" is gid 0 in the image's /etc/group"));
    auto wheelie = hook::plan_ids(as(std::string("wheelie"), std::nullopt), r.fd.get());
    REQUIRE_FALSE(wheelie);
    CHECK(has(wheelie.error(), "primary group in the image's /etc/passwd is gid 0"));
    // A primary group the line does not give as a number is no group: the
    // process would keep the spec's gid (often 0). Refused, named.
    for (const char* name : {"plus", "hex", "space", "short"}) {
        CAPTURE(name);
        auto odd = hook::plan_ids(as(std::string(name), std::nullopt), r.fd.get());
        REQUIRE_FALSE(odd);
        CHECK(has(odd.error(), "primary group in the image's /etc/passwd is missing or not a number"));
        CHECK(hook::plan_ids(as(std::string(name), std::string("staff")), r.fd.get()));
    }

    auto missing = hook::plan_ids(as(std::string("nobody"), std::nullopt), r.fd.get());
    REQUIRE_FALSE(missing);
    CHECK(has(missing.error(),
              "cannot resolve run_as_user nobody: no entry \"nobody\" in the "
              "image's /etc/passwd"));
    auto no_rootfs = hook::plan_ids(as(std::nullopt, std::string("staff")), -1);
    REQUIRE_FALSE(no_rootfs);
    CHECK(
        has(no_rootfs.error(), "cannot resolve run_as_group staff: no rootfs to read /etc/group"));
}

TEST_CASE("read-only recursive binds whose host source has mounts beneath it") {
    oci::Spec s;
    s.mounts = {{"/tmp/host", "bind", "/", {"rbind", "ro", "rprivate"}},      // 0: / has /proc...
                {"/x11", "bind", "/tmp/.X11-unix", {"rbind", "ro"}},         // 1: nothing beneath
                {"/rro", "bind", "/", {"rbind", "ro", "rro"}},               // 2: recursively ro
                {"/flat", "bind", "/", {"bind", "ro"}},                      // 3: not recursive
                {"/rw", "bind", "/", {"rbind", "ro", "rw"}},                 // 4: read-write
                {"/sp", "bind", "/srv/a b", {"rbind", "ro"}}};               // 5: escaped name
    const std::string info =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "23 22 0:5 / /proc rw,nosuid shared:2 - proc proc rw\n"
        "24 22 0:6 / /dev/shm rw shared:3 - tmpfs tmpfs rw\n"
        "25 22 0:7 / /tmp/.X11-unix-other rw - tmpfs tmpfs rw\n"
        "26 22 0:8 / /srv/a\\040b/inner rw - tmpfs tmpfs rw\n";
    auto as_spelled = [](const std::string& p) -> std::optional<std::string> { return p; };
    auto c = hook::submount_carriers(s, info, as_spelled);
    REQUIRE(c.size() == 2);
    CHECK(c.at(0) == "/proc");
    CHECK(c.at(5) == "/srv/a b/inner");
    // Sources are compared as the kernel finds them: a link to / (or
    // /var/run, or ".."), resolved, is /; one that cannot be resolved counts.
    oci::Spec l;
    l.mounts = {{"/tmp/a", "bind", "/srv/link-to-root", {"rbind", "ro"}},
                {"/tmp/b", "bind", "/nowhere", {"rbind", "ro"}}};
    auto resolved = hook::submount_carriers(l, info, [](const std::string& p) -> std::optional<std::string> {
        if (p == "/srv/link-to-root") return std::string("/");
        return std::nullopt;
    });
    REQUIRE(resolved.size() == 2);
    CHECK(resolved.at(0) == "/proc");
    CHECK(resolved.at(1) == "its source /nowhere cannot be resolved on the host");
    // Unreadable: every read-only recursive bind counts, with the reason.
    auto u = hook::submount_carriers(s, std::nullopt, as_spelled, "cannot read");
    CHECK(u.size() == 3);
    CHECK(u.at(1) == "cannot read");
}

TEST_CASE("host view: the writable binds that hold or lie in the plans' run root") {
    Rootfs host;  // a temp dir standing for the host: run/oci-sandbox, tmp, a link to run
    fs::create_directories(host.path + "/run/oci-sandbox/c1");
    fs::create_directories(host.path + "/tmp");
    fs::create_directory_symlink(host.path + "/run", host.path + "/run-link");
    const std::string root = host.path + "/run/oci-sandbox";
    oci::Spec s;
    s.mounts = {{"/a", "bind", host.path + "/run", {"rbind", "rw"}},          // above
                {"/b", "bind", root + "/c1", {"rbind", "rw"}},                // within
                {"/c", "bind", host.path + "/tmp", {"rbind", "rw"}},          // beside
                {"/d", "bind", host.path + "/run", {"rbind", "ro"}},          // read-only
                {"/e", "bind", "run-link", {"rbind"}},                        // relative, a link
                {"/f", "tmpfs", "tmpfs", {}},
                {"/g", "bind", root + "/c1/plan.json", {"bind"}},             // a file within
                {"/h", "bind", host.path + "/run-link/oci-sandbox", {"bind"}},   // at, by a link
                {"/i", "overlay", "overlay",
                 {"lowerdir=" + host.path + "/tmp", "upperdir=" + root, "workdir=" + root + "/c1"}},
                {"/j", "overlay", "overlay",
                 {"lowerdir=" + root, "upperdir=" + host.path + "/tmp"}}};  // lower: read only
    { std::ofstream(root + "/c1/plan.json") << "{}"; }
    auto v = hook::host_view(s, host.path, 0, root);
    CHECK(v.plan_root_binds == std::vector<size_t>{0, 1, 4, 6, 7, 8});
    CHECK(hook::host_view(s, host.path).plan_root_binds.empty());  // no run root given
}

TEST_CASE("host view: a writable bind of the host's /tmp reaches a rootless user's run root there") {
    // As plan::default_run_root names one with no login session.
    const std::string other = "/tmp/oci-sandbox-" + std::to_string(4000000000u + ::getpid() % 1000);
    fs::create_directories(other);
    Rootfs elsewhere;
    oci::Spec s;
    s.mounts = {{"/tmp", "bind", "/tmp", {"rbind", "rw"}},
                {"/w", "bind", elsewhere.path, {"rbind", "rw"}},
                {"/r", "bind", "/tmp", {"rbind", "ro"}}};
    // This invocation's run root is elsewhere (here: none that exists).
    auto v = hook::host_view(s, "/", 0, elsewhere.path + "/no-run-root");
    CHECK(v.plan_root_binds == std::vector<size_t>{0});
    const auto roots = plan::run_roots_on_host();
    CHECK(std::find(roots.begin(), roots.end(), other) != roots.end());
    fs::remove(other);
}

TEST_CASE("host view: the writable binds of the host's kernel filesystems") {
    Rootfs files;  // a temp dir: a filesystem that holds only files
    oci::Spec s;
    s.mounts = {{"/a", "bind", "/proc/sys", {"rbind", "rw"}},
                {"/b", "bind", "/proc/sys", {"rbind", "ro"}},  // the kernel keeps it read-only
                {"/c", "bind", files.path, {"rbind"}},
                {"/d", "bind", "/sys/kernel", {"bind"}},
                {"/e", "proc", "proc", {}}};                   // a mount, not a bind
    const auto k = hook::host_view(s, "/").kernel_binds;
    REQUIRE(k.size() == 2);
    CHECK(k.at(0) == "the host's /proc/sys, on a filesystem not known to hold only files");
    CHECK(k.count(3) == 1);
    // A writable recursive bind that carries a kernel filesystem from beneath
    // its source (a chroot with its proc mounted): judged the same.
    Rootfs chroot;
    fs::create_directories(chroot.path + "/proc");
    if (::mount("proc", (chroot.path + "/proc").c_str(), "proc", 0, nullptr) != 0) {
        MESSAGE("not checked: this user cannot mount a proc (needs root)");
        return;
    }
    oci::Spec c;
    c.mounts = {{"/c", "bind", chroot.path, {"rbind", "rw"}},
                {"/d", "bind", chroot.path, {"bind", "rw"}},    // not recursive: carries nothing
                {"/e", "bind", chroot.path, {"rbind", "ro"}}};  // read-only: another judge's
    const auto carried = hook::host_view(c, "/").kernel_binds;
    ::umount2((chroot.path + "/proc").c_str(), MNT_DETACH);
    REQUIRE(carried.size() == 1);
    CHECK(carried.at(0) == "the host's " + chroot.path + ", which carries the host's " +
                               chroot.path + "/proc (proc) from beneath it, a filesystem not "
                               "known to hold only files");
}

TEST_CASE("host view: a pid namespace joined by path is the host's when it is this process's") {
    oci::Spec s;
    s.namespaces = {{"pid", "/proc/self/ns/pid"}};
    CHECK(hook::host_view(s, "/").host_pid_namespace);
    s.namespaces = {{"pid", "/nonexistent/ns/pid"}};  // cannot be checked: counts as the host's
    CHECK(hook::host_view(s, "/").host_pid_namespace);
    s.namespaces = {{"pid", ""}};
    CHECK_FALSE(hook::host_view(s, "/").host_pid_namespace);
    // A read-only rbind of a symlink to / carries the host's mounts beneath it.
    Rootfs links;  // a temp dir: root-link -> /
    fs::create_directory_symlink("/", links.path + "/root-link");
    oci::Spec b;
    b.mounts = {{"/tmp/host", "bind", links.path + "/root-link", {"rbind", "ro"}},
                {"/tmp/rel", "bind", "root-link", {"rbind", "ro"}}};
    auto v = hook::host_view(b, links.path);
    CHECK(v.ro_binds_carrying.count(0) == 1);
    CHECK(v.ro_binds_carrying.count(1) == 1);  // relative: from the bundle
}

namespace {

// A process in new pid, network and IPC namespaces (a child's child after
// unshare), killed at the end; pid 0 when this user may not make them.
struct Isolated {
    pid_t outer = -1, pid = 0;
    Isolated() {
        int p[2];
        if (::pipe(p) != 0) return;
        outer = ::fork();
        if (outer == 0) {
            ::close(p[0]);
            if (::unshare(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC) != 0) ::_exit(1);
            const pid_t inner = ::fork();
            if (inner == 0) {
                ::pause();
                ::_exit(0);
            }
            (void)!::write(p[1], &inner, sizeof inner);
            ::waitpid(inner, nullptr, 0);
            ::_exit(0);
        }
        ::close(p[1]);
        pid_t inner = 0;
        if (::read(p[0], &inner, sizeof inner) == sizeof inner) pid = inner;
        ::close(p[0]);
    }
    ~Isolated() {
        if (pid > 0) ::kill(pid, SIGKILL);
        if (outer > 0) ::waitpid(outer, nullptr, 0);
    }
};

}  // namespace

TEST_CASE("the hook judges the namespaces its container's process is in, not what the path names now") {
    Isolated c;
    if (c.pid == 0) {
        MESSAGE("not checked: this user cannot make pid and network namespaces (needs root)");
        return;
    }
    oci::Spec s;
    s.namespaces = {{"pid", "/proc/self/ns/pid"}, {"network", "/proc/self/ns/net"}};
    // The paths name the host's (this process's) namespaces ...
    CHECK(hook::host_view(s, "/").host_pid_namespace);
    CHECK_FALSE(hook::namespace_verdict(s, "network").private_ns);
    // ... but the container's process is elsewhere: that is what it joined.
    CHECK_FALSE(hook::host_view(s, "/", c.pid).host_pid_namespace);
    CHECK(hook::namespace_verdict(s, "network", c.pid).private_ns);
    // And the reverse: a path naming another namespace while the process is
    // in the host's (a pid reused since the runtime joined it).
    s.namespaces = {{"pid", "/proc/" + std::to_string(c.pid) + "/ns/pid"},
                    {"network", "/proc/" + std::to_string(c.pid) + "/ns/net"}};
    CHECK_FALSE(hook::host_view(s, "/").host_pid_namespace);
    CHECK(hook::namespace_verdict(s, "network").private_ns);
    CHECK(hook::host_view(s, "/", ::getpid()).host_pid_namespace);
    CHECK_FALSE(hook::namespace_verdict(s, "network", ::getpid()).private_ns);
    // A process that is gone cannot be checked: the host's, not private.
    s.namespaces = {{"pid", "/proc/self/ns/pid"}, {"network", "/proc/self/ns/net"}};
    CHECK(hook::host_view(s, "/", 0x7ffffff0).host_pid_namespace);
    CHECK_FALSE(hook::namespace_verdict(s, "network", 0x7ffffff0).private_ns);

    // The IPC namespace the same way (Docker's --ipc=host leaves the entry
    // out; a pod's containers join the sandbox's by path).
    s.namespaces = {{"ipc", "/proc/self/ns/ipc"}};
    const auto host = hook::namespace_verdict(s, "ipc");
    CHECK_FALSE(host.private_ns);
    CHECK(host.why ==
          "linux.namespaces joins /proc/self/ns/ipc, which is the host's ipc namespace");
    CHECK(hook::namespace_verdict(s, "ipc", c.pid).private_ns);
    s.namespaces = {{"ipc", "/proc/" + std::to_string(c.pid) + "/ns/ipc"}};
    CHECK(hook::namespace_verdict(s, "ipc").private_ns);
    s.namespaces = {{"ipc", ""}};
    CHECK(hook::namespace_verdict(s, "ipc").private_ns);
    s.namespaces = {{"network", ""}};
    const auto none = hook::namespace_verdict(s, "ipc");
    CHECK_FALSE(none.private_ns);
    CHECK(none.why ==
          "no \"ipc\" entry in linux.namespaces: the container shares the host's ipc namespace");
    // host_view carries it, through the container's process as the others.
    const auto shared = hook::host_view(s, "/");
    REQUIRE(shared.host_ipc_namespace);
    CHECK(*shared.host_ipc_namespace == none.why);
    s.namespaces = {{"ipc", "/proc/" + std::to_string(c.pid) + "/ns/ipc"}};
    CHECK_FALSE(hook::host_view(s, "/").host_ipc_namespace);
    CHECK(hook::host_view(s, "/", ::getpid()).host_ipc_namespace);
    // What the change log says, under the default profile only: `s` has no
    // "pid" entry either.
    policy::Policy pol;
    const auto notes = hook::shared_namespace_notes(shared, pol);
    REQUIRE(notes.size() == 2);
    CHECK(notes[0].find("IPC (shmget, semget, msgget, mq_open") != std::string::npos);
    CHECK(notes[1].find("no \"pid\" entry in linux.namespaces: the container shares the host's "
                        "pid namespace, so prlimit64, setpriority, ioprio_set and sched_set*") !=
          std::string::npos);
    s.namespaces.push_back({"pid", ""});
    CHECK(hook::shared_namespace_notes(hook::host_view(s, "/"), pol).empty());
    // Another container's pid namespace, joined by path: not the host's, but
    // shared, and the filter's pid note says so.
    s.namespaces.back().path = "/proc/" + std::to_string(c.pid) + "/ns/pid";
    const auto joined = hook::host_view(s, "/");
    CHECK_FALSE(joined.host_pid_namespace);
    REQUIRE(joined.shared_pid_namespace);
    CHECK(*joined.shared_pid_namespace ==
          "linux.namespaces joins " + s.namespaces.back().path +
              ", the pid namespace of another container or a pod");
    REQUIRE(hook::shared_namespace_notes(joined, pol).size() == 1);
    pol.seccomp.profile = seccomp::Profile::none;
    CHECK(hook::shared_namespace_notes(shared, pol).empty());
}
