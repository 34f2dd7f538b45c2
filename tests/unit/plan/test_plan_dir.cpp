// The host side of the plan handoff on a temp dir (no root needed): a plan
// directory's binding to one spec edit and one container, its removal
// without following symlinks, the orphan sweep, and plan keys.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "../temp_dir.hpp"
#include "plan/plan_dir.hpp"

using namespace osh;
namespace fs = std::filesystem;

using osh_test::TempDir;
using osh_test::write_file;

const std::string kEdit = std::string(32, 'a');
const std::string kOtherEdit = std::string(32, 'b');

TEST_CASE(
    "plan directory: bound to one edit and one container; removed without following symlinks") {
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

TEST_CASE("plan directory: exec reads its edit key only once planned, for its own container") {
    TempDir t;
    std::string run = t.path + "/run";
    auto error_of = [&](const std::string& key, const std::string& id) {
        auto r = plan::planned_for_exec(key, id, run);
        REQUIRE_FALSE(r);
        return r.error().what();
    };
    REQUIRE(plan::create_plan_dir("c1", kEdit, nullptr, run));
    // Made by the edit, no hook yet: no plan.
    CHECK(error_of("c1", "c1").find("the plan of the container (" + run + "/c1/plan.json) is not there") == 0);
    write_file(run + "/c1/plan.json", "{}");
    write_file(run + "/c1/owner", "c1\n1 1\n");
    auto key = plan::planned_for_exec("c1", "c1", run);
    REQUIRE(key);
    CHECK(key->edit_key == kEdit);
    CHECK(key->owner.id == "c1");
    CHECK_FALSE(key->owner.enforcer);  // an owner file without the proved enforcer (no live view)
    CHECK(key->dir);
    // The enforcer the hook proved, written and read back.
    plan::Owner o{"c1", 1, 1, rootfs::ObjectId{2049, 1234567}};
    {
        UniqueFd d(::open((run + "/c1").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(d);
        REQUIRE(plan::write_owner(d.get(), o));
    }
    auto again = plan::planned_for_exec("c1", "c1", run);
    REQUIRE(again);
    REQUIRE(again->owner.enforcer);
    CHECK(*again->owner.enforcer == rootfs::ObjectId{2049, 1234567});
    CHECK(again->owner.pid == 1);
    // Another container's plan.
    CHECK(error_of("c1", "c2").find("the plan of container c1, not c2") != std::string::npos);
    // No directory at all.
    CHECK(error_of("gone", "gone").find("(" + run + "/gone/plan.json) is not there") != std::string::npos);
    // A malformed edit file, a symlinked directory, a plan that is a link, a bad key.
    write_file(run + "/c1/edit", "xyz\n");
    CHECK(error_of("c1", "c1").find("bound to no spec edit") != std::string::npos);
    fs::create_directories(t.path + "/elsewhere");
    fs::create_directory_symlink(t.path + "/elsewhere", run + "/c3");
    CHECK_FALSE(plan::planned_for_exec("c3", "c3", run));
    REQUIRE(plan::create_plan_dir("c4", kEdit, nullptr, run));
    fs::create_symlink(t.path + "/elsewhere", run + "/c4/plan.json");
    CHECK(error_of("c4", "c4").find("plan.json) is not there: not a regular file") != std::string::npos);
    CHECK_FALSE(plan::planned_for_exec("../run", "c1", run));
}

TEST_CASE("plan directory: orphans are swept, never one in use") {
    TempDir t;
    std::string run = t.path + "/run";
    // A container whose pid is gone, one that still runs (this process), an
    // edit an hour old that no container used, and a fresh edit.
    for (const char* k : {"gone", "alive", "stale", "fresh"})
        REQUIRE(plan::create_plan_dir(k, kEdit, nullptr, run));
    write_file(run + "/gone/owner", "gone\n999999999 12345\n");
    write_file(run + "/alive/owner", "alive\n" + std::to_string(::getpid()) + " " +
                                         std::to_string(plan::process_start_time(::getpid())) +
                                         "\n");
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
    for (const auto& r : rep.removed)
        named = named || r.find("pid 999999999 no longer runs") != std::string::npos;
    CHECK(named);
}

TEST_CASE("the enforcer is installed beside the hook") {
    CHECK(plan::enforcer_beside("/usr/bin/oci-sandbox-hook") == "/usr/bin/oci-sandbox-enforce");
    CHECK(plan::enforcer_beside("/oci-sandbox-hook") == "/oci-sandbox-enforce");
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

TEST_CASE("plan directory: a process's start time is field 22 of its stat, stable while it runs") {
    std::ifstream in("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::vector<std::string> f{"", "", ""};  // fields 1 and 2 are before the state
    for (std::string w; fields >> w;) f.push_back(w);
    REQUIRE(f.size() > 23);
    CHECK(plan::process_start_time(::getpid()) == std::stoull(f[22]));
    // Field 23 (the memory size) changes as the process maps memory, or
    // when it execs its workload: the start time does not.
    const unsigned long long before = plan::process_start_time(::getpid());
    void* m = ::mmap(nullptr, 64 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m != MAP_FAILED);
    CHECK(plan::process_start_time(::getpid()) == before);
    ::munmap(m, 64 << 20);
}

TEST_CASE("plan mount: the last mount at the plan directory, spelled any way, and its key") {
    const std::string run = "/run/oci-sandbox";
    auto mount = [](std::string dest, std::string src) {
        oci::Mount m;
        m.destination = std::move(dest);
        m.source = std::move(src);
        m.type = "bind";
        return m;
    };
    CHECK_FALSE(plan::find_plan_mount({mount("/etc", run + "/c1")}, run));
    auto one = plan::find_plan_mount({mount("/.oci-sandbox//plan/", run + "/c1/")}, run);
    REQUIRE(one);
    CHECK(one->source == run + "/c1/");
    CHECK(one->key == std::optional<std::string>("c1"));
    // The last shadows the earlier: its source names no plan directory.
    auto last = plan::find_plan_mount(
        {mount(plan::kContainerPlanDir, run + "/c1"), mount(plan::kContainerPlanDir, "/tmp/x")},
        run);
    REQUIRE(last);
    CHECK(last->source == "/tmp/x");
    CHECK_FALSE(last->key);
    auto other_root =
        plan::find_plan_mount({mount(plan::kContainerPlanDir, run + "/c1")}, "/tmp/r");
    REQUIRE(other_root);
    CHECK_FALSE(other_root->key);
}
