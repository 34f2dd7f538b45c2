// The integration layer's pure parts and its filesystem handling on a temp
// dir (no root needed): shim argument parsing, runtime.json, plan-directory
// lifecycle and ownership, the safe /dev walk, passwd lookups.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hookrun/hook.hpp"
#include "hookrun/plan_dir.hpp"
#include "hookrun/prepare.hpp"
#include "hookrun/rootfs.hpp"
#include "util/file.hpp"

using namespace osh;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/osh-hookrun-XXXXXX";
        path = ::mkdtemp(tmpl);
        ::chmod(path.c_str(), 0755);
    }
    ~TempDir() { fs::remove_all(path); }
};

void write_file(const std::string& p, const std::string& text) {
    std::ofstream(p) << text;
}

const char* kSpec =
    R"({"ociVersion":"1.0.2","process":{"args":["/bin/sh"],"cwd":"/"},"root":{"path":"rootfs"}})";

}  // namespace

TEST_CASE("shim args: runc and crun command lines as containerd, docker, podman write them") {
    auto a = hookrun::parse_shim_args({"--root", "/run/runc", "--log", "/l.json", "--log-format",
                                       "json", "create", "--bundle", "/b", "--pid-file", "/p",
                                       "--console-socket", "/s", "cid1"});
    REQUIRE(a);
    CHECK(a->command == "create");
    CHECK(a->bundle == "/b");
    CHECK(a->id == "cid1");

    auto b = hookrun::parse_shim_args(
        {"--cgroup-manager=disabled", "run", "-b", "bun", "--detach", "id2"});
    REQUIRE(b);
    CHECK(b->command == "run");
    CHECK(b->bundle == "bun");
    CHECK(b->id == "id2");

    auto c =
        hookrun::parse_shim_args({"--systemd-cgroup", "run", "--bundle=/x", "--no-pivot", "id3"});
    REQUIRE(c);
    CHECK(c->bundle == "/x");
    CHECK(c->id == "id3");

    auto d = hookrun::parse_shim_args({"--rootless", "true", "create", "id4"});
    REQUIRE(d);
    CHECK(d->command == "create");
    CHECK(d->bundle.empty());  // the current directory
    CHECK(d->id == "id4");

    auto other = hookrun::parse_shim_args({"--root", "/r", "delete", "--force", "x"});
    REQUIRE(other);
    CHECK(other->command == "delete");
    CHECK(other->id.empty());  // nothing to edit

    CHECK_FALSE(hookrun::parse_shim_args({"create", "--bundle", "/b"}));  // no id
    CHECK_FALSE(hookrun::parse_shim_args({"create", "--bundle"}));        // no value
    CHECK_FALSE(hookrun::parse_shim_args({"run", "../../etc"}));          // id is a path
    CHECK_FALSE(hookrun::parse_shim_args(
        {"create", "--config", "/c.json", "x"}));  // config outside the bundle
    auto none = hookrun::parse_shim_args({"--version"});
    REQUIRE(none);
    CHECK(none->command.empty());
}

TEST_CASE("runtime.json: fields, defaults, unknown fields refused") {
    auto c = hookrun::parse_runtime_config(
        R"({"next_runtime":"crun","hook_binary":"/usr/bin/oci-sandbox-hook","hook_args":["--policy","/p.json"]})",
        "rt");
    REQUIRE(c);
    CHECK(c->next_runtime == "crun");
    CHECK(c->hook_binary == "/usr/bin/oci-sandbox-hook");
    CHECK(c->hook_args == std::vector<std::string>{"--policy", "/p.json"});
    auto d = hookrun::parse_runtime_config("{}", "rt");
    REQUIRE(d);
    CHECK(d->next_runtime == "runc");
    auto bad = hookrun::parse_runtime_config(R"({"next_runtim":"runc"})", "rt");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("rt: /next_runtim: unknown field") != std::string::npos);
    CHECK_FALSE(hookrun::parse_runtime_config(R"({"hook_binary":"relative"})", "rt"));
    CHECK_FALSE(hookrun::parse_runtime_config(R"({"hook_args":[1]})", "rt"));
    // The checked parse: duplicates, depth, lone surrogates.
    auto dup = hookrun::parse_runtime_config(R"({"next_runtime":"crun","next_runtime":"runc"})", "rt");
    REQUIRE_FALSE(dup);
    CHECK(dup.error().message.find("rt: /next_runtime: duplicate member \"next_runtime\"") == 0);
    auto deep = hookrun::parse_runtime_config("{\"hook_args\":" + std::string(200000, '['), "rt");
    REQUIRE_FALSE(deep);
    CHECK(deep.error().message.find("nested deeper than 64") != std::string::npos);
    auto lone = hookrun::parse_runtime_config(R"({"hook_args":["--policy","/p\udc00.json"]})", "rt");
    REQUIRE_FALSE(lone);
    CHECK(lone.error().message.find("rt: /hook_args/1: the escape \\udc00 is a lone") == 0);

    // The shipped file parses.
    const char* src = std::getenv("OSH_SOURCE_ROOT");
    REQUIRE(src != nullptr);
    auto shipped = hookrun::load_runtime_config(std::string(src) + "/packaging/runtime.json");
    REQUIRE(shipped);
    CHECK(shipped->next_runtime == "runc");
}

TEST_CASE("next runtime: found in the fixed PATH; never the shim itself") {
    auto sh = hookrun::resolve_runtime("sh", "/proc/self/exe");
    REQUIRE(sh);
    CHECK(sh->front() == '/');
    CHECK_FALSE(hookrun::resolve_runtime("no-such-runtime-osh", "/proc/self/exe"));
    CHECK_FALSE(hookrun::resolve_runtime("bin/sh", "/proc/self/exe"));
    auto self = hookrun::self_binary();
    REQUIRE(self);
    CHECK_FALSE(hookrun::resolve_runtime(*self, *self));
}

TEST_CASE("plan directory: create, own, refuse another's, remove without following symlinks") {
    TempDir t;
    std::string run = t.path + "/run";
    bool created = false;
    REQUIRE(hookrun::create_plan_dir("c1", &created, run));
    CHECK(created);
    struct stat st {};
    REQUIRE(::stat((run + "/c1").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    // An existing empty directory is accepted (a second edit), a filled one is not.
    REQUIRE(hookrun::create_plan_dir("c1", &created, run));
    CHECK_FALSE(created);

    auto dir = hookrun::open_plan_dir("c1", std::string_view("c1"), run);
    REQUIRE(dir);
    REQUIRE(file::write_atomic(dir->get(), hookrun::kOwnerFile, "c1", 0644));
    auto again = hookrun::create_plan_dir("c1", nullptr, run);
    REQUIRE_FALSE(again);
    // The message says whose plan it is and what to do with a stale one.
    CHECK(again.error().message.find("the plan of container c1") != std::string::npos);
    CHECK(again.error().message.find("remove the directory and retry") != std::string::npos);
    CHECK(hookrun::open_plan_dir("c1", std::string_view("c1"), run));
    CHECK_FALSE(hookrun::open_plan_dir("c1", std::string_view("other"), run));    // owned by c1
    CHECK_FALSE(hookrun::remove_plan_dir("c1", std::string_view("other"), run));  // left in place
    CHECK(fs::exists(run + "/c1"));

    // A symlink inside is removed as a link; its target survives.
    write_file(t.path + "/victim", "keep");
    fs::create_symlink(t.path + "/victim", run + "/c1/link");
    REQUIRE(hookrun::remove_plan_dir("c1", std::string_view("c1"), run));
    CHECK_FALSE(fs::exists(run + "/c1"));
    CHECK(fs::exists(t.path + "/victim"));
    CHECK(hookrun::remove_plan_dir("c1", std::string_view("c1"), run));  // already gone: fine

    // A symlinked key is never followed.
    fs::create_directory(t.path + "/elsewhere");
    fs::create_directory_symlink(t.path + "/elsewhere", run + "/c2");
    CHECK_FALSE(hookrun::open_plan_dir("c2", std::nullopt, run));
    CHECK_FALSE(hookrun::create_plan_dir("c2", nullptr, run));

    CHECK_FALSE(hookrun::create_plan_dir("..", nullptr, run));
    CHECK_FALSE(hookrun::create_plan_dir("a/b", nullptr, run));
}

TEST_CASE("plan directory: an unused (empty) one is removed on delete, a planned one stays") {
    TempDir t;
    std::string run_root = t.path + "/run";
    bool created = false;
    REQUIRE(hookrun::create_plan_dir("ctr-empty", &created, run_root));
    CHECK(created);
    CHECK(hookrun::remove_unused_plan_dir("ctr-empty", run_root));
    CHECK_FALSE(fs::exists(run_root + "/ctr-empty"));
    CHECK(hookrun::remove_unused_plan_dir("ctr-empty", run_root));  // missing: success

    REQUIRE(hookrun::create_plan_dir("ctr-planned", &created, run_root));
    write_file(run_root + "/ctr-planned/owner", "ctr-planned");
    CHECK(hookrun::remove_unused_plan_dir("ctr-planned", run_root));
    CHECK(fs::exists(run_root + "/ctr-planned/owner"));  // poststop's to remove

    fs::create_directories(t.path + "/elsewhere");
    fs::create_directory_symlink(t.path + "/elsewhere", run_root + "/ctr-link");
    CHECK(hookrun::remove_unused_plan_dir("ctr-link", run_root));
    CHECK(fs::is_symlink(run_root + "/ctr-link"));
    CHECK(fs::exists(t.path + "/elsewhere"));

    CHECK_FALSE(hookrun::remove_unused_plan_dir("../run", run_root));
    CHECK(fs::exists(run_root));
}

TEST_CASE("plan keys: random tokens, and keys read back from a mount source") {
    auto k = hookrun::random_key();
    REQUIRE(k);
    CHECK(k->size() == 34);
    CHECK(k->rfind("p-", 0) == 0);
    CHECK(hookrun::validate_key(*k));
    CHECK(*hookrun::key_from_source("/run/oci-sandbox/abc") == "abc");
    CHECK_FALSE(hookrun::key_from_source("/run/oci-sandbox/"));
    CHECK_FALSE(hookrun::key_from_source("/run/oci-sandbox/a/b"));
    CHECK_FALSE(hookrun::key_from_source("/run/oci-sandbox/.."));
    CHECK_FALSE(hookrun::key_from_source("/tmp/abc"));
}

TEST_CASE("precreate: a random key, recorded in the annotation; a second edit reuses it") {
    TempDir t;
    hookrun::EditSetup setup;
    setup.host_binary = "/usr/bin/oci-sandbox-hook";
    setup.run_root = t.path + "/run";
    auto once = hookrun::prepare_spec_text(kSpec, setup);
    REQUIRE(once);
    CHECK(once->find("\"oci-sandbox/plan-key\":\"p-") != std::string::npos);
    auto twice = hookrun::prepare_spec_text(*once, setup);
    REQUIRE(twice);
    CHECK(*twice == *once);
    int dirs = 0;
    for (const auto& e : fs::directory_iterator(setup.run_root)) dirs += e.is_directory() ? 1 : 0;
    CHECK(dirs == 1);

    // A bad spec creates nothing.
    TempDir u;
    setup.run_root = u.path + "/run";
    CHECK_FALSE(hookrun::prepare_spec_text(R"({"process":{}})", setup));
    bool left = fs::exists(setup.run_root) && !fs::is_empty(setup.run_root);
    CHECK_FALSE(left);
}

TEST_CASE("inject: the id keys the plan directory; a failed edit removes it again") {
    TempDir t;
    hookrun::EditSetup setup;
    setup.host_binary = "/usr/bin/oci-sandbox-hook";
    setup.run_root = t.path + "/run";
    std::string bundle = t.path + "/bundle";
    fs::create_directory(bundle);
    write_file(bundle + "/config.json", kSpec);
    auto r = hookrun::prepare_bundle(bundle, std::string("ctr-1"), setup);
    REQUIRE(r);
    CHECK(*r);
    CHECK(fs::is_directory(setup.run_root + "/ctr-1"));
    auto again = hookrun::prepare_bundle(bundle, std::string("ctr-1"), setup);
    REQUIRE(again);
    CHECK_FALSE(*again);

    std::string bad = t.path + "/bad";
    fs::create_directory(bad);
    write_file(bad + "/config.json", R"({"process":{"args":[]}})");
    CHECK_FALSE(hookrun::prepare_bundle(bad, std::string("ctr-2"), setup));
    CHECK_FALSE(fs::exists(setup.run_root + "/ctr-2"));
}

TEST_CASE("live /dev: nodes and directories listed, symlinks never followed") {
    TempDir t;
    std::string root = t.path + "/rootfs";
    fs::create_directories(root + "/dev/dri");
    write_file(root + "/dev/regular", "");
    ::mkfifo((root + "/dev/fifo").c_str(), 0600);  // must not block the walk
    fs::create_directory_symlink("/etc", root + "/dev/escape");
    fs::create_directories(t.path + "/outside");
    write_file(t.path + "/outside/nvidia0", "");
    fs::create_directory_symlink("../../outside", root + "/dev/up");
    auto rootfd = hookrun::open_rootfs(0, root);
    REQUIRE(rootfd);
    auto nodes = hookrun::list_live_dev(rootfd->get());
    REQUIRE(nodes);
    auto type_of = [&](const std::string& p) {
        for (const auto& n : *nodes)
            if (n.path == p) return n.type;
        return '-';
    };
    CHECK(type_of("/dev/dri") == 'd');
    CHECK(type_of("/dev/regular") == 'f');
    CHECK(type_of("/dev/fifo") == 'o');
    CHECK(type_of("/dev/escape") == 'o');
    CHECK(type_of("/dev/up") == 'o');
    CHECK(type_of("/dev/up/nvidia0") == '-');
    for (const auto& n : *nodes) CHECK(n.path.rfind("/dev/escape/", 0) != 0);

    // The probe resolves inside the root: an absolute symlink stays in it.
    fs::create_directories(root + "/etc");
    fs::create_symlink("/etc/passwd", root + "/passwd-link");
    auto probe = hookrun::rootfs_probe(rootfd->get());
    CHECK(probe("/dev/dri") == policy::NodeKind::directory);
    CHECK(probe("/nope") == policy::NodeKind::missing);
    CHECK(probe("/passwd-link") == policy::NodeKind::missing);  // /etc/passwd of the rootfs, absent
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
        auto rootfd = hookrun::open_rootfs(0, root);
        REQUIRE(rootfd);
        auto nodes = hookrun::list_live_dev(rootfd->get());
        REQUIRE_FALSE(nodes);
        CHECK(nodes.error().what().find("/dev in the container is a symbolic link") !=
              std::string::npos);
    }
    std::string root = t.path + "/rootfs-file";
    fs::create_directories(root);
    write_file(root + "/dev", "");
    auto rootfd = hookrun::open_rootfs(0, root);
    REQUIRE(rootfd);
    auto nodes = hookrun::list_live_dev(rootfd->get());
    REQUIRE_FALSE(nodes);
    CHECK(nodes.error().what().find("/dev in the container is not a directory") !=
          std::string::npos);
}

TEST_CASE("passwd/group lookups read the image's files, never NSS") {
    const std::string passwd =
        "root:x:0:0:root:/root:/bin/sh\nbad:x:notnum:1::/:\napp:x:1000:1000::/home/app:/bin/sh";
    CHECK(*hookrun::lookup_id(passwd, "root") == 0);
    CHECK(*hookrun::lookup_id(passwd, "app") == 1000);
    CHECK_FALSE(hookrun::lookup_id(passwd, "bad"));
    CHECK_FALSE(hookrun::lookup_id(passwd, "nobody"));
    CHECK_FALSE(hookrun::lookup_id(passwd, ""));
    CHECK_FALSE(hookrun::lookup_id("big:x:99999999999:0::/:", "big"));

    TempDir t;
    fs::create_directories(t.path + "/rootfs/etc");
    write_file(t.path + "/rootfs/etc/group", "video:x:44:\n");
    fs::create_symlink("/etc/group", t.path + "/rootfs/g");
    auto rootfd = hookrun::open_rootfs(0, t.path + "/rootfs");
    REQUIRE(rootfd);
    auto text = hookrun::read_file_in_root(rootfd->get(), "/g", 4096);  // resolved inside the root
    REQUIRE(text);
    CHECK(*hookrun::lookup_id(*text, "video") == 44);
    CHECK_FALSE(hookrun::read_file_in_root(rootfd->get(), "/etc", 4096));  // not a regular file
}

TEST_CASE("image files: a device node or FIFO is never opened, only regular files are read") {
    TempDir t;
    std::string root = t.path + "/rootfs";
    fs::create_directories(root + "/etc");
    REQUIRE(::mkfifo((root + "/etc/group").c_str(), 0644) == 0);  // no writer
    auto rootfd = hookrun::open_rootfs(0, root);
    REQUIRE(rootfd);
    auto fifo = hookrun::read_file_in_root(rootfd->get(), "/etc/group", 4096);
    REQUIRE_FALSE(fifo);
    CHECK(fifo.error().what() == "/etc/group in the container: not a regular file");
    // /dev/tty (5:0): opening it without a controlling terminal fails with
    // ENXIO, so an error naming ENXIO would mean the device was opened.
    if (::mknod((root + "/etc/passwd").c_str(), S_IFCHR | 0644, ::makedev(5, 0)) == 0) {
        auto dev = hookrun::read_file_in_root(rootfd->get(), "/etc/passwd", 4096);
        REQUIRE_FALSE(dev);
        CHECK(dev.error().err == 0);
        CHECK(dev.error().what() == "/etc/passwd in the container: not a regular file");
    } else {
        MESSAGE("mknod needs CAP_MKNOD: the device-node half of this test did not run");
    }
    write_file(root + "/etc/hosts", "127.0.0.1 localhost\n");
    auto reg = hookrun::read_file_in_root(rootfd->get(), "/etc/hosts", 4096);
    REQUIRE(reg);
    CHECK(*reg == "127.0.0.1 localhost\n");
    CHECK_FALSE(hookrun::read_file_in_root(rootfd->get(), "/etc/hosts", 4));  // over the cap
}

TEST_CASE("policy names from the annotation are plain names") {
    CHECK(hookrun::valid_policy_name("gpu-notebooks"));
    CHECK(hookrun::valid_policy_name("ci_v2.1"));
    CHECK_FALSE(hookrun::valid_policy_name(""));
    CHECK_FALSE(hookrun::valid_policy_name("../etc/shadow"));
    CHECK_FALSE(hookrun::valid_policy_name("a/b"));
    CHECK_FALSE(hookrun::valid_policy_name(".hidden"));
    CHECK_FALSE(hookrun::valid_policy_name("a..b"));
    CHECK_FALSE(hookrun::valid_policy_name(std::string(65, 'a')));
}
