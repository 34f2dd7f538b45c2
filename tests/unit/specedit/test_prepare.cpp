// The spec edit's front-end parts that need no root: runtime.json, the next
// runtime's resolution, and precreate's and inject's plan keys and
// directories on a temp dir.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "../temp_dir.hpp"
#include "specedit/prepare.hpp"

using namespace osh;
namespace fs = std::filesystem;

namespace {

using osh_test::TempDir;
using osh_test::write_file;

const char* kSpec =
    R"({"ociVersion":"1.0.2","process":{"args":["/bin/sh"],"cwd":"/"},"root":{"path":"rootfs"}})";

}  // namespace

TEST_CASE("runtime.json: fields, defaults, unknown fields refused") {
    auto c = specedit::parse_runtime_config(
        R"({"next_runtime":"crun","hook_binary":"/usr/bin/oci-sandbox-hook","hook_args":["--policy","/p.json"]})",
        "rt");
    REQUIRE(c);
    CHECK(c->next_runtime == "crun");
    CHECK(c->hook_binary == "/usr/bin/oci-sandbox-hook");
    CHECK(c->hook_args == std::vector<std::string>{"--policy", "/p.json"});
    CHECK(c->enforcer_binary.empty());
    auto e = specedit::parse_runtime_config(R"({"enforcer_binary":"/opt/osh/oci-sandbox-enforce"})",
                                            "rt");
    REQUIRE(e);
    CHECK(e->enforcer_binary == "/opt/osh/oci-sandbox-enforce");
    CHECK_FALSE(
        specedit::parse_runtime_config(R"({"enforcer_binary":"oci-sandbox-enforce"})", "rt"));
    auto d = specedit::parse_runtime_config("{}", "rt");
    REQUIRE(d);
    CHECK(d->next_runtime == "runc");
    auto bad = specedit::parse_runtime_config(R"({"next_runtim":"runc"})", "rt");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("rt: /next_runtim: unknown field") != std::string::npos);
    CHECK_FALSE(specedit::parse_runtime_config(R"({"hook_binary":"relative"})", "rt"));
    CHECK_FALSE(specedit::parse_runtime_config(R"({"hook_args":[1]})", "rt"));
    // The checked parse: duplicates, depth, lone surrogates.
    auto dup =
        specedit::parse_runtime_config(R"({"next_runtime":"crun","next_runtime":"runc"})", "rt");
    REQUIRE_FALSE(dup);
    CHECK(dup.error().message.find("rt: /next_runtime: duplicate member \"next_runtime\"") == 0);
    auto deep = specedit::parse_runtime_config("{\"hook_args\":" + std::string(200000, '['), "rt");
    REQUIRE_FALSE(deep);
    CHECK(deep.error().message.find("nested deeper than 64") != std::string::npos);
    auto lone =
        specedit::parse_runtime_config(R"({"hook_args":["--policy","/p\udc00.json"]})", "rt");
    REQUIRE_FALSE(lone);
    CHECK(lone.error().message.find("rt: /hook_args/1: the escape \\udc00 is a lone") == 0);

    // The shipped file parses.
    const char* src = std::getenv("OSH_SOURCE_ROOT");
    REQUIRE(src != nullptr);
    auto shipped = specedit::load_runtime_config(std::string(src) + "/packaging/runtime.json");
    REQUIRE(shipped);
    CHECK(shipped->next_runtime == "runc");
}

TEST_CASE("edit setup: the enforcer beside the hook unless runtime.json names one") {
    auto beside = specedit::edit_setup("/usr/bin/oci-sandbox-hook", "", {"--policy", "/p.json"});
    REQUIRE(beside);
    CHECK(beside->host_enforcer == "/usr/bin/oci-sandbox-enforce");
    CHECK(beside->hook_args == std::vector<std::string>{"--policy", "/p.json"});
    auto named = specedit::edit_setup("/usr/bin/oci-sandbox-hook", "/opt/e", {});
    REQUIRE(named);
    CHECK(named->host_enforcer == "/opt/e");
    auto self = specedit::edit_setup("", "", {});
    REQUIRE(self);
    CHECK(self->host_binary == *specedit::self_binary());
    CHECK(self->host_enforcer == plan::enforcer_beside(self->host_binary));
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

TEST_CASE("precreate: a random key, recorded in the annotation; a second edit reuses it") {
    TempDir t;
    specedit::EditSetup setup;
    setup.host_binary = "/usr/bin/oci-sandbox-hook";
    setup.host_enforcer = "/usr/bin/oci-sandbox-enforce";
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
    setup.host_enforcer = "/usr/bin/oci-sandbox-enforce";
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
