// The integration layer's pure parts and its filesystem handling on a temp
// dir (no root needed): shim argument parsing, runtime.json, plan-directory
// lifecycle and ownership, the safe /dev walk, passwd lookups.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "hook/hook.hpp"
#include "plan/plan_dir.hpp"
#include "specedit/prepare.hpp"
#include "policy/document.hpp"
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
    auto a = specedit::parse_shim_args({"--root", "/run/runc", "--log", "/l.json", "--log-format",
                                       "json", "create", "--bundle", "/b", "--pid-file", "/p",
                                       "--console-socket", "/s", "cid1"});
    REQUIRE(a);
    CHECK(a->command == "create");
    CHECK(a->bundle == "/b");
    CHECK(a->id == "cid1");

    auto b = specedit::parse_shim_args(
        {"--cgroup-manager=disabled", "run", "-b", "bun", "--detach", "id2"});
    REQUIRE(b);
    CHECK(b->command == "run");
    CHECK(b->bundle == "bun");
    CHECK(b->id == "id2");

    auto c =
        specedit::parse_shim_args({"--systemd-cgroup", "run", "--bundle=/x", "--no-pivot", "id3"});
    REQUIRE(c);
    CHECK(c->bundle == "/x");
    CHECK(c->id == "id3");

    auto d = specedit::parse_shim_args({"--rootless", "true", "create", "id4"});
    REQUIRE(d);
    CHECK(d->command == "create");
    CHECK(d->bundle.empty());  // the current directory
    CHECK(d->id == "id4");

    auto other = specedit::parse_shim_args({"--root", "/r", "delete", "--force", "x"});
    REQUIRE(other);
    CHECK(other->command == "delete");
    CHECK(other->id.empty());  // nothing to edit

    CHECK_FALSE(specedit::parse_shim_args({"create", "--bundle", "/b"}));  // no id
    CHECK_FALSE(specedit::parse_shim_args({"create", "--bundle"}));        // no value
    CHECK_FALSE(specedit::parse_shim_args({"run", "../../etc"}));          // id is a path
    CHECK_FALSE(specedit::parse_shim_args(
        {"create", "--config", "/c.json", "x"}));  // config outside the bundle
    auto none = specedit::parse_shim_args({"--version"});
    REQUIRE(none);
    CHECK(none->command.empty());
}

TEST_CASE("runtime.json: fields, defaults, unknown fields refused") {
    auto c = specedit::parse_runtime_config(
        R"({"next_runtime":"crun","hook_binary":"/usr/bin/oci-sandbox-hook","hook_args":["--policy","/p.json"]})",
        "rt");
    REQUIRE(c);
    CHECK(c->next_runtime == "crun");
    CHECK(c->hook_binary == "/usr/bin/oci-sandbox-hook");
    CHECK(c->hook_args == std::vector<std::string>{"--policy", "/p.json"});
    auto d = specedit::parse_runtime_config("{}", "rt");
    REQUIRE(d);
    CHECK(d->next_runtime == "runc");
    auto bad = specedit::parse_runtime_config(R"({"next_runtim":"runc"})", "rt");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("rt: /next_runtim: unknown field") != std::string::npos);
    CHECK_FALSE(specedit::parse_runtime_config(R"({"hook_binary":"relative"})", "rt"));
    CHECK_FALSE(specedit::parse_runtime_config(R"({"hook_args":[1]})", "rt"));

    // The shipped file parses.
    const char* src = std::getenv("OSH_SOURCE_ROOT");
    REQUIRE(src != nullptr);
    auto shipped = specedit::load_runtime_config(std::string(src) + "/packaging/runtime.json");
    REQUIRE(shipped);
    CHECK(shipped->next_runtime == "runc");
}

TEST_CASE("next runtime: found in the fixed PATH; never the shim itself") {
    auto sh = specedit::resolve_runtime("sh", "/proc/self/exe");
    REQUIRE(sh);
    CHECK(sh->front() == '/');
    CHECK_FALSE(specedit::resolve_runtime("no-such-runtime-osh", "/proc/self/exe"));
    CHECK_FALSE(specedit::resolve_runtime("bin/sh", "/proc/self/exe"));
    auto self = specedit::self_binary();
    REQUIRE(self);
    CHECK_FALSE(specedit::resolve_runtime(*self, *self));
}

const std::string kEdit = std::string(32, 'a');
const std::string kOtherEdit = std::string(32, 'b');

TEST_CASE("plan directory: bound to one edit and one container; removed without following symlinks") {
    TempDir t;
    std::string run = t.path + "/run";
    bool created = false;
    REQUIRE(plan::create_plan_dir("c1", kEdit, &created, run));
    CHECK(created);
    struct stat st {};
    REQUIRE(::stat((run + "/c1").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    // The same edit again (the same bundle edited twice) is accepted ...
    REQUIRE(plan::create_plan_dir("c1", kEdit, &created, run));
    CHECK_FALSE(created);
    // ... another edit for the same directory is not (two runtime roots, one id).
    auto other = plan::create_plan_dir("c1", kOtherEdit, nullptr, run);
    REQUIRE_FALSE(other);
    CHECK(other.error().message.find("already bound to another spec edit") != std::string::npos);

    const plan::Owner owner{"c1", 4242, 77};
    CHECK_FALSE(plan::open_plan_dir("c1", kOtherEdit, owner, run));  // not this edit's
    {
        auto dir = plan::open_plan_dir("c1", kEdit, owner, run);
        REQUIRE(dir);
        REQUIRE(plan::write_owner(dir->get(), owner));
    }
    // The same creation again (a hook registered twice) is accepted; another is not.
    CHECK(plan::open_plan_dir("c1", kEdit, owner, run));
    auto second = plan::open_plan_dir("c1", kEdit, plan::Owner{"c1", 4243, 78}, run);
    REQUIRE_FALSE(second);
    CHECK(second.error().message.find("already planned for another creation") != std::string::npos);
    CHECK_FALSE(plan::open_plan_dir("c1", kEdit, plan::Owner{"other", 4242, 77}, run));
    CHECK_FALSE(plan::remove_plan_dir("c1", std::string_view("other"), run));  // left in place
    CHECK(fs::exists(run + "/c1"));

    // A symlink inside is removed as a link; its target survives.
    write_file(t.path + "/victim", "keep");
    fs::create_symlink(t.path + "/victim", run + "/c1/link");
    REQUIRE(plan::remove_plan_dir("c1", std::string_view("c1"), run));
    CHECK_FALSE(fs::exists(run + "/c1"));
    CHECK(fs::exists(t.path + "/victim"));
    CHECK(plan::remove_plan_dir("c1", std::string_view("c1"), run));  // already gone: fine

    // A symlinked key is never followed.
    fs::create_directory(t.path + "/elsewhere");
    fs::create_directory_symlink(t.path + "/elsewhere", run + "/c2");
    CHECK_FALSE(plan::open_plan_dir("c2", kEdit, owner, run));
    CHECK_FALSE(plan::create_plan_dir("c2", kEdit, nullptr, run));

    CHECK_FALSE(plan::create_plan_dir("..", kEdit, nullptr, run));
    CHECK_FALSE(plan::create_plan_dir("a/b", kEdit, nullptr, run));
    CHECK_FALSE(plan::create_plan_dir("c3", "not-a-key", nullptr, run));
}

TEST_CASE("plan directory: an unused one is removed on delete, a planned one stays") {
    TempDir t;
    std::string run_root = t.path + "/run";
    bool created = false;
    REQUIRE(plan::create_plan_dir("ctr-empty", kEdit, &created, run_root));
    CHECK(created);
    CHECK(plan::remove_unused_plan_dir("ctr-empty", run_root));
    CHECK_FALSE(fs::exists(run_root + "/ctr-empty"));
    CHECK(plan::remove_unused_plan_dir("ctr-empty", run_root));  // missing: success

    REQUIRE(plan::create_plan_dir("ctr-planned", kEdit, &created, run_root));
    write_file(run_root + "/ctr-planned/owner", "ctr-planned\n1 1\n");
    CHECK(plan::remove_unused_plan_dir("ctr-planned", run_root));
    CHECK(fs::exists(run_root + "/ctr-planned/owner"));  // poststop's to remove

    fs::create_directories(t.path + "/elsewhere");
    fs::create_directory_symlink(t.path + "/elsewhere", run_root + "/ctr-link");
    CHECK(plan::remove_unused_plan_dir("ctr-link", run_root));
    CHECK(fs::is_symlink(run_root + "/ctr-link"));
    CHECK(fs::exists(t.path + "/elsewhere"));

    CHECK_FALSE(plan::remove_unused_plan_dir("../run", run_root));
    CHECK(fs::exists(run_root));
}

TEST_CASE("plan directory: an owner's start time is /proc/PID/stat field 22, stable while it runs") {
    // Field 22 read independently: the fields after the last ')' start at 3.
    std::ifstream in("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(stat.substr(stat.rfind(')') + 1));
    std::vector<std::string> fields;
    for (std::string f; rest >> f;) fields.push_back(f);
    REQUIRE(fields.size() > 20);
    const unsigned long long before = plan::process_start_time(::getpid());
    CHECK(before == std::stoull(fields[22 - 3]));
    // A container's init maps memory and execs (runc init, the enforcer, the
    // workload): its vsize changes, its start time does not.
    void* big = ::mmap(nullptr, 64u << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(big != MAP_FAILED);
    CHECK(plan::process_start_time(::getpid()) == before);
    ::munmap(big, 64u << 20);
}

TEST_CASE("plan directory: orphans are swept, never one in use") {
    TempDir t;
    std::string run = t.path + "/run";
    // A container whose pid is gone, one that still runs (this process), an
    // edit an hour old that no container used, and a fresh edit.
    for (const char* k : {"gone", "alive", "stale", "fresh"}) REQUIRE(plan::create_plan_dir(k, kEdit, nullptr, run));
    write_file(run + "/gone/owner", "gone\n999999999 12345\n");
    write_file(run + "/alive/owner",
               "alive\n" + std::to_string(::getpid()) + " " +
                   std::to_string(plan::process_start_time(::getpid())) + "\n");
    struct timespec old[2] = {{::time(nullptr) - 2 * plan::kUnusedEditSeconds, 0},
                              {::time(nullptr) - 2 * plan::kUnusedEditSeconds, 0}};
    REQUIRE(::utimensat(AT_FDCWD, (run + "/stale/edit").c_str(), old, 0) == 0);
    // A hook at work on a stale-looking directory holds its lock: left alone.
    REQUIRE(plan::create_plan_dir("busy", kEdit, nullptr, run));
    REQUIRE(::utimensat(AT_FDCWD, (run + "/busy/edit").c_str(), old, 0) == 0);
    auto busy = plan::open_plan_dir("busy", kEdit, plan::Owner{"busy", 1, 1}, run);
    REQUIRE(busy);

    CHECK(plan::process_start_time(::getpid()) > 0);
    auto rep = plan::sweep_orphans(run);
    CHECK(rep.removed.size() == 2);
    CHECK_FALSE(fs::exists(run + "/gone"));
    CHECK_FALSE(fs::exists(run + "/stale"));
    CHECK(fs::exists(run + "/alive"));
    CHECK(fs::exists(run + "/fresh"));
    CHECK(fs::exists(run + "/busy"));
    bool named = false;
    for (const auto& r : rep.removed) named = named || r.find("pid 999999999 no longer runs") != std::string::npos;
    CHECK(named);
}

TEST_CASE("plan keys: random tokens, and keys read back from a mount source") {
    auto k = plan::random_key();
    REQUIRE(k);
    CHECK(k->size() == 34);
    CHECK(k->rfind("p-", 0) == 0);
    CHECK(plan::validate_key(*k));
    CHECK(*plan::key_from_source("/run/oci-sandbox/abc") == "abc");
    CHECK_FALSE(plan::key_from_source("/run/oci-sandbox/"));
    CHECK_FALSE(plan::key_from_source("/run/oci-sandbox/a/b"));
    CHECK_FALSE(plan::key_from_source("/run/oci-sandbox/.."));
    CHECK_FALSE(plan::key_from_source("/tmp/abc"));
}

TEST_CASE("precreate: a random key, recorded in the annotation; a second edit reuses it") {
    TempDir t;
    specedit::EditSetup setup;
    setup.host_binary = "/usr/bin/oci-sandbox-hook";
    setup.run_root = t.path + "/run";
    auto once = specedit::prepare_spec_text(kSpec, setup);
    REQUIRE(once);
    CHECK(once->find("\"oci-sandbox/plan-key\":\"p-") != std::string::npos);
    auto twice = specedit::prepare_spec_text(*once, setup);
    REQUIRE(twice);
    CHECK(*twice == *once);
    int dirs = 0;
    for (const auto& e : fs::directory_iterator(setup.run_root)) dirs += e.is_directory() ? 1 : 0;
    CHECK(dirs == 1);

    // A bad spec creates nothing.
    TempDir u;
    setup.run_root = u.path + "/run";
    CHECK_FALSE(specedit::prepare_spec_text(R"({"process":{}})", setup));
    bool left = fs::exists(setup.run_root) && !fs::is_empty(setup.run_root);
    CHECK_FALSE(left);
}

TEST_CASE("inject: the id keys the plan directory; a failed edit removes it again") {
    TempDir t;
    specedit::EditSetup setup;
    setup.host_binary = "/usr/bin/oci-sandbox-hook";
    setup.run_root = t.path + "/run";
    std::string bundle = t.path + "/bundle";
    fs::create_directory(bundle);
    write_file(bundle + "/config.json", kSpec);
    auto r = specedit::prepare_bundle(bundle, std::string("ctr-1"), setup);
    REQUIRE(r);
    CHECK(*r);
    CHECK(fs::is_directory(setup.run_root + "/ctr-1"));
    auto again = specedit::prepare_bundle(bundle, std::string("ctr-1"), setup);
    REQUIRE(again);
    CHECK_FALSE(*again);

    // The same bundle edited for another id re-keys cleanly: a new
    // directory and edit key, the old unused directory gone.
    auto rekey = specedit::prepare_bundle(bundle, std::string("ctr-9"), setup);
    REQUIRE(rekey);
    CHECK(*rekey);
    CHECK(fs::is_directory(setup.run_root + "/ctr-9"));
    CHECK_FALSE(fs::exists(setup.run_root + "/ctr-1"));
    std::ifstream cfg(bundle + "/config.json");
    std::string text((std::istreambuf_iterator<char>(cfg)), std::istreambuf_iterator<char>());
    CHECK(text.find("/ctr-9") != std::string::npos);
    CHECK(text.find("/ctr-1") == std::string::npos);

    std::string bad = t.path + "/bad";
    fs::create_directory(bad);
    write_file(bad + "/config.json", R"({"process":{"args":[]}})");
    CHECK_FALSE(specedit::prepare_bundle(bad, std::string("ctr-2"), setup));
    CHECK_FALSE(fs::exists(setup.run_root + "/ctr-2"));
}

TEST_CASE("policy names from the annotation are plain names") {
    CHECK(policy::valid_policy_name("gpu-notebooks"));
    CHECK(policy::valid_policy_name("ci_v2.1"));
    CHECK_FALSE(policy::valid_policy_name(""));
    CHECK_FALSE(policy::valid_policy_name("../etc/shadow"));
    CHECK_FALSE(policy::valid_policy_name("a/b"));
    CHECK_FALSE(policy::valid_policy_name(".hidden"));
    CHECK_FALSE(policy::valid_policy_name("a..b"));
    CHECK_FALSE(policy::valid_policy_name(std::string(65, 'a')));
}
