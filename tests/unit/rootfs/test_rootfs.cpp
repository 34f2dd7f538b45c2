// The container's root filesystem seen from the host: the one resolver, the
// live /dev listing, safe reads and the image's id databases, on real
// directory trees.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "../temp_dir.hpp"
#include "rootfs/dev.hpp"
#include "rootfs/iddb.hpp"
#include "rootfs/open.hpp"
#include "rootfs/resolve.hpp"

using namespace osh;
using osh_test::TempDir;
using osh_test::write_file;
using rootfs::NodeKind;
namespace fs = std::filesystem;

namespace {

rootfs::PathFact must_resolve(int rootfd, const std::string& p) {
    auto f = rootfs::resolve(rootfd, p);
    REQUIRE_MESSAGE(f, f.error().what());
    return *f;
}

}  // namespace

TEST_CASE("resolve: kinds, missing paths, and every symlink named, never leaving the root") {
    TempDir t;
    auto base = fs::path(t.path);
    auto root = base / "rootfs";
    fs::create_directories(root / "usr/lib");
    fs::create_directories(root / "usr/bin");
    fs::create_directories(base / "outside");
    write_file((base / "outside/secret").string(), "x");
    write_file((root / "usr/lib/libc.so").string(), "x");
    fs::create_directory_symlink("usr/lib", root / "lib");      // merged-usr
    fs::create_directory_symlink("usr/bin", root / "bin");
    fs::create_directory_symlink(base / "outside", root / "abs");  // absolute escape
    fs::create_directory_symlink("../../outside", root / "rel");    // relative escape
    fs::create_directory_symlink("/", root / "tmp");                // /tmp -> /
    fs::create_directory_symlink("../..", root / "usr/up");         // clamps at the root
    fs::create_symlink("loop2", root / "loop1");
    fs::create_symlink("loop1", root / "loop2");
    REQUIRE(::mkfifo((root / "fifo").c_str(), 0600) == 0);
    auto rootfd = rootfs::open_rootfs(0, root.string());
    REQUIRE(rootfd);
    const int fd = rootfd->get();

    auto r = must_resolve(fd, "/");
    CHECK(r.kind == NodeKind::directory);
    CHECK(r.resolved == "/");
    CHECK(r.id.has_value());

    auto u = must_resolve(fd, "/usr/lib/libc.so");
    CHECK(u.kind == NodeKind::regular);
    CHECK_FALSE(u.through_link());
    struct stat st {};
    REQUIRE(::stat((root / "usr/lib/libc.so").c_str(), &st) == 0);
    CHECK(u.id->ino == st.st_ino);

    auto l = must_resolve(fd, "/lib");
    CHECK(l.kind == NodeKind::directory);
    CHECK(l.resolved == "/usr/lib");
    REQUIRE(l.links.size() == 1);
    CHECK(l.links[0] == "/lib -> usr/lib");
    CHECK(must_resolve(fd, "/lib/libc.so").resolved == "/usr/lib/libc.so");

    auto tmp = must_resolve(fd, "/tmp");
    CHECK(tmp.resolved == "/");
    CHECK(tmp.links[0] == "/tmp -> /");

    // Escapes resolve inside the root, where nothing is.
    for (const char* p : {"/abs/secret", "/rel/secret", "/../../outside/secret", "/usr/up/abs/secret"}) {
        CAPTURE(p);
        auto e = must_resolve(fd, p);
        CHECK(e.kind == NodeKind::missing);
        CHECK(e.resolved.find("outside") != std::string::npos);  // the in-root spelling
    }
    CHECK(must_resolve(fd, "/usr/up").resolved == "/");
    CHECK(must_resolve(fd, "/fifo").kind == NodeKind::fifo);
    CHECK(must_resolve(fd, "/nope").kind == NodeKind::missing);
    CHECK(must_resolve(fd, "/nope/deeper").resolved == "/nope/deeper");
    CHECK(must_resolve(fd, "/usr/lib/libc.so/x").kind == NodeKind::missing);  // ENOTDIR
    // Spellings without a symlink resolve in one lookup, with the same facts
    // the component walk gives.
    auto dots = must_resolve(fd, "/usr//lib/./../lib/libc.so");
    CHECK(dots.kind == NodeKind::regular);
    CHECK(dots.resolved == "/usr/lib/libc.so");
    CHECK(dots.id == u.id);
    CHECK(must_resolve(fd, "/usr/lib/libc.so/").kind == NodeKind::regular);
    auto gone = must_resolve(fd, "/usr/lib/x/../libc.so");  // the kernel's ENOENT at x
    CHECK(gone.kind == NodeKind::missing);
    CHECK(gone.resolved == "/usr/lib/libc.so");
    CHECK(must_resolve(fd, "/../usr/lib").resolved == "/usr/lib");
    auto loop = rootfs::resolve(fd, "/loop1");
    REQUIRE_FALSE(loop);
    CHECK(loop.error().err == ELOOP);

    CHECK_FALSE(rootfs::no_rootfs()("/usr").has_value());
    CHECK(rootfs::probe_at(fd)("/bin")->resolved == "/usr/bin");

    // open_exact: a resolved path opens; any symlink on the way is refused.
    CHECK(rootfs::open_exact(fd, "/usr/lib"));
    auto refused = rootfs::open_exact(fd, "/lib/libc.so");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().err == ELOOP);
}

TEST_CASE("resolve: an image's links full of \"..\" deep in a tree cost a bounded number of lookups") {
    // /p -> a/a/.../a/s (200 levels), s -> x/../x/../...(100 times)/s: each
    // ".." re-walks the tree from the root, 40 hops deep. It once took
    // seconds a path (2,000 levels, 800 ".."); now it stops at the bound.
    TempDir t;
    fs::path root = t.path + "/rootfs";
    std::string chain;
    for (int i = 0; i < 200; ++i) chain += "a/";
    fs::create_directories(root / chain / "x");
    std::string body;
    for (int i = 0; i < 100; ++i) body += "x/../";
    fs::create_symlink(body + "s", root / chain / "s");
    fs::create_symlink(chain + "s", root / "p");
    auto rootfd = rootfs::open_rootfs(0, root.string());
    REQUIRE(rootfd);
    auto r = rootfs::resolve(rootfd->get(), "/p");
    REQUIRE_FALSE(r);
    CHECK(r.error().err == ELOOP);
    CHECK(r.error().what().find("more than 8192 component lookups") != std::string::npos);
    // The same tree with a link of a few "..": resolved.
    fs::create_symlink("x/../x", root / chain / "ok");
    fs::create_symlink(chain + "ok", root / "q");
    auto ok = rootfs::resolve(rootfd->get(), "/q");
    REQUIRE(ok);
    CHECK(ok->resolved == "/" + chain + "x");
    CHECK(ok->links.size() == 2);
}

TEST_CASE("land: a mount's destination cleaned as the runtime cleans it, then through the image's links") {
    TempDir t;
    auto root = fs::path(t.path) / "rootfs";
    fs::create_directories(root / "tmp");
    fs::create_directory_symlink("/tmp", root / "data");
    fs::create_symlink("loop", root / "loop");
    auto rootfd = rootfs::open_rootfs(0, root.string());
    REQUIRE(rootfd);
    rootfs::Resolver paths(rootfd->get());
    for (const char* dest : {"/data", "data", "/dev/../data", "//data/"}) {
        CAPTURE(dest);
        auto l = rootfs::land(dest, paths.probe());
        CHECK(l.spelled == "/data");
        REQUIRE(l.resolved);
        CHECK(*l.resolved == "/tmp");
        CHECK(l.at() == "/tmp");
    }
    auto lost = rootfs::land("/loop/x", paths.probe());  // ELOOP: nowhere known
    CHECK_FALSE(lost.resolved);
    CHECK(lost.at() == "/loop/x");
    auto none = rootfs::land("/dev/../data", rootfs::no_rootfs());
    CHECK_FALSE(none.resolved);
    CHECK(none.at() == "/data");
}

TEST_CASE("resolve: a link through a missing name or a file and back out with \"..\" cannot be told") {
    // The kernel and crun stop at the missing name; runc's securejoin drops
    // it and follows on: x -> nonexist/../t, t -> /tmp lands runc at /tmp.
    TempDir t;
    auto root = fs::path(t.path) / "rootfs";
    fs::create_directories(root / "tmp");
    write_file((root / "f").string(), "a file\n");
    fs::create_directory_symlink("/tmp", root / "t");
    fs::create_symlink("nonexist/../t", root / "x");
    fs::create_symlink("f/../t", root / "y");
    fs::create_symlink("nonexist/deeper/../../t", root / "z");
    fs::create_symlink("nonexist/deeper/../more", root / "w");  // stays in the missing part
    auto rootfd = rootfs::open_rootfs(0, root.string());
    REQUIRE(rootfd);
    for (const char* p : {"/x", "/x/vol", "/y/vol", "/z"}) {
        CAPTURE(p);
        auto f = rootfs::resolve(rootfd->get(), p);
        REQUIRE_FALSE(f);
        CHECK(f.error().what().find("back out of it") != std::string::npos);
        rootfs::Resolver paths(rootfd->get());
        CHECK_FALSE(rootfs::land(p, paths.probe()).resolved);
    }
    auto w = must_resolve(rootfd->get(), "/w/vol");
    CHECK(w.kind == NodeKind::missing);
    CHECK(w.resolved == "/nonexist/more/vol");
}

TEST_CASE("resolve in a live view: whether the object is a mount's root") {
    TempDir t;
    auto root = fs::path(t.path) / "rootfs";
    fs::create_directories(root / "m");
    fs::create_directories(root / "plain");
    if (::mount((root / "m").c_str(), (root / "m").c_str(), nullptr, MS_BIND, nullptr) != 0) {
        MESSAGE("not checked: this user cannot bind-mount (needs root)");
        return;
    }
    struct Unmount {
        std::string p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{(root / "m").string()};
    auto rootfd = rootfs::open_rootfs(0, root.string());
    REQUIRE(rootfd);
    rootfs::Resolver paths(rootfd->get());
    CHECK(must_resolve(rootfd->get(), "/m").mount_root);
    CHECK_FALSE(must_resolve(rootfd->get(), "/plain").mount_root);
    // Through the resolver (and its cache) too; land_mounts reads it so.
    auto m = paths.probe()("/m");
    REQUIRE(m);
    CHECK(m->mount_root);
    CHECK_FALSE(paths.probe()("/plain")->mount_root);
}

TEST_CASE("live /dev: every node listed with its numbers, symlinks never followed, limits reported") {
    TempDir t;
    std::string root = t.path + "/rootfs";
    fs::create_directories(root + "/dev/dri");
    fs::create_directories(root + "/dev/a/b/c/d");
    write_file(root + "/dev/a/b/c/d/deep", "x");
    write_file(root + "/dev/regular", "");
    REQUIRE(::mkfifo((root + "/dev/fifo").c_str(), 0600) == 0);  // must not block the walk
    fs::create_directory_symlink("/etc", root + "/dev/escape");
    bool can_mknod = ::mknod((root + "/dev/nvidia0").c_str(), S_IFCHR | 0600, makedev(195, 0)) == 0;
    if (!can_mknod) MESSAGE("not root: the character-device part of this test did not run");
    auto rootfd = rootfs::open_rootfs(0, root);
    REQUIRE(rootfd);
    auto dev = rootfs::list_dev(rootfd->get());
    REQUIRE_MESSAGE(dev, dev.error().what());
    std::map<std::string, rootfs::DevEntry> seen;
    for (const auto& e : dev->entries) seen[e.path] = e;
    CHECK(seen.at("/dev/dri").kind == NodeKind::directory);
    CHECK(seen.at("/dev/regular").kind == NodeKind::regular);
    CHECK(seen.at("/dev/fifo").kind == NodeKind::fifo);
    CHECK(seen.at("/dev/escape").symlink);
    CHECK(seen.count("/dev/escape/passwd") == 0);
    CHECK(seen.count("/dev/a/b/c/d") == 1);
    CHECK(seen.count("/dev/a/b/c/d/deep") == 0);  // deeper than 4: reported, not silent
    bool depth_named = false;
    for (const auto& p : dev->problems) depth_named = depth_named || p.find("/dev/a/b/c/d") != std::string::npos;
    CHECK(depth_named);
    // All on the root's own filesystem here (no /dev mount): the image's files.
    CHECK(seen.at("/dev/regular").on_root_fs);
    CHECK(seen.at("/dev/escape").on_root_fs);
    if (can_mknod) {
        CHECK(seen.at("/dev/nvidia0").kind == NodeKind::char_device);
        CHECK(seen.at("/dev/nvidia0").major == 195);
        CHECK(seen.at("/dev/nvidia0").on_root_fs);
    }
    // Past the entry bound: what was not looked at is named.
    auto capped = rootfs::list_dev(rootfd->get(), 4, 3);
    REQUIRE(capped);
    CHECK(capped->entries.size() == 3);
    bool cap_named = false;
    for (const auto& p : capped->problems) cap_named = cap_named || p.find("more than 3 entries") != std::string::npos;
    CHECK(cap_named);
}

TEST_CASE("live /dev: a /dev that is a symlink or a file is refused by name, never followed") {
    TempDir t;
    fs::create_directories(t.path + "/host/nvidia0");
    const std::string links[] = {t.path + "/host", "../../../host"};
    for (const std::string& target : links) {
        std::string root = t.path + "/rootfs";
        fs::remove_all(root);
        fs::create_directories(root);
        fs::create_directory_symlink(target, root + "/dev");
        auto rootfd = rootfs::open_rootfs(0, root);
        REQUIRE(rootfd);
        auto dev = rootfs::list_dev(rootfd->get());
        REQUIRE_FALSE(dev);
        CHECK(dev.error().what().find("/dev in the container is a symbolic link") != std::string::npos);
    }
    std::string root = t.path + "/rootfs-file";
    fs::create_directories(root);
    write_file(root + "/dev", "");
    auto rootfd = rootfs::open_rootfs(0, root);
    REQUIRE(rootfd);
    auto dev = rootfs::list_dev(rootfd->get());
    REQUIRE_FALSE(dev);
    CHECK(dev.error().what().find("/dev in the container is not a directory") != std::string::npos);
    std::string none = t.path + "/rootfs-none";
    fs::create_directories(none);
    auto nfd = rootfs::open_rootfs(0, none);
    REQUIRE(nfd);
    auto empty = rootfs::list_dev(nfd->get());
    REQUIRE(empty);
    CHECK(empty->entries.empty());
}

TEST_CASE("passwd/group lookups read the image's files, never NSS") {
    const std::string passwd =
        "root:x:0:0:root:/root:/bin/sh\nbad:x:notnum:1::/:\napp:x:1000:1001::/home/app:/bin/sh\n"
        "nobody:x:0:0::/:\n";
    CHECK(rootfs::lookup_id(passwd, "root")->id == 0);
    CHECK(rootfs::lookup_id(passwd, "app")->id == 1000);
    CHECK(rootfs::lookup_id(passwd, "app")->group == 1001u);
    CHECK(rootfs::lookup_id(passwd, "nobody")->id == 0);  // the image's claim, judged by the hook
    CHECK_FALSE(rootfs::lookup_id(passwd, "bad"));
    CHECK_FALSE(rootfs::lookup_id(passwd, "nope"));
    CHECK_FALSE(rootfs::lookup_id(passwd, ""));
    CHECK_FALSE(rootfs::lookup_id("big:x:99999999999:0::/:", "big"));
    CHECK_FALSE(rootfs::lookup_id("group:x:44:", "group")->group);

    TempDir t;
    fs::create_directories(t.path + "/rootfs/etc");
    write_file(t.path + "/rootfs/etc/group", "video:x:44:\n");
    fs::create_symlink("/etc/group", t.path + "/rootfs/g");
    auto rootfd = rootfs::open_rootfs(0, t.path + "/rootfs");
    REQUIRE(rootfd);
    auto text = rootfs::read_file_in_root(rootfd->get(), "/g", 4096);  // resolved inside the root
    REQUIRE(text);
    CHECK(rootfs::lookup_id(*text, "video")->id == 44);
    CHECK_FALSE(rootfs::read_file_in_root(rootfd->get(), "/etc", 4096));  // not a regular file
}

TEST_CASE("image files: a device node or FIFO is never opened, only regular files are read") {
    TempDir t;
    std::string root = t.path + "/rootfs";
    fs::create_directories(root + "/etc");
    REQUIRE(::mkfifo((root + "/etc/group").c_str(), 0644) == 0);  // no writer
    auto rootfd = rootfs::open_rootfs(0, root);
    REQUIRE(rootfd);
    auto fifo = rootfs::read_file_in_root(rootfd->get(), "/etc/group", 4096);
    REQUIRE_FALSE(fifo);
    CHECK(fifo.error().what() == "/etc/group in the container: not a regular file");
    // /dev/tty (5:0): opening it without a controlling terminal fails with
    // ENXIO, so an error naming ENXIO would mean the device was opened.
    if (::mknod((root + "/etc/passwd").c_str(), S_IFCHR | 0644, ::makedev(5, 0)) == 0) {
        auto dev = rootfs::read_file_in_root(rootfd->get(), "/etc/passwd", 4096);
        REQUIRE_FALSE(dev);
        CHECK(dev.error().err == 0);
        CHECK(dev.error().what() == "/etc/passwd in the container: not a regular file");
    } else {
        MESSAGE("mknod needs CAP_MKNOD: the device-node half of this test did not run");
    }
    write_file(root + "/etc/hosts", "127.0.0.1 localhost\n");
    auto reg = rootfs::read_file_in_root(rootfd->get(), "/etc/hosts", 4096);
    REQUIRE(reg);
    CHECK(*reg == "127.0.0.1 localhost\n");
    CHECK_FALSE(rootfs::read_file_in_root(rootfd->get(), "/etc/hosts", 4));  // over the cap
}
