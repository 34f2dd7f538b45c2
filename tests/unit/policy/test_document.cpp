// The policy document: every validation rule, defaults, normalisation, the
// built-in default (three byte-identical copies) and canonical round trips.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/document.hpp"
#include "policy_json.hpp"

using namespace osh;
using namespace osh::policy;
using namespace osh::landlock;

namespace {

std::string env_or_die(const char* name) {
    const char* v = std::getenv(name);
    REQUIRE_MESSAGE(v != nullptr, name << " is not set (run through meson test)");
    return v;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string testdata(const std::string& name) { return slurp(env_or_die("OSH_TESTDATA") + "/" + name); }

// Parses a document expected to be invalid; returns its problems.
std::vector<Problem> problems_of(const std::string& text) {
    auto r = parse_policy(text, "p.json");
    REQUIRE_MESSAGE(!r, "expected an invalid policy: " << text);
    REQUIRE_FALSE(r.error().empty());
    return r.error();
}

// Exactly one problem, at `pointer`, whose message contains every `parts`.
void expect_one(const std::string& text, const std::string& pointer,
                std::initializer_list<std::string_view> parts) {
    auto ps = problems_of(text);
    INFO("document: " << text);
    for (const auto& p : ps) INFO("problem: " << p.to_string());
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].file == "p.json");
    CHECK(ps[0].pointer == pointer);
    for (auto part : parts)
        CHECK_MESSAGE(ps[0].message.find(part) != std::string::npos,
                      "\"" << ps[0].message << "\" lacks \"" << part << "\"");
}

// A valid document; returns the policy.
Policy ok(const std::string& text) {
    auto r = parse_policy(text, "p.json");
    if (!r)
        for (const auto& p : r.error()) FAIL_CHECK(p.to_string());
    REQUIRE(r);
    return *r;
}

// v1 document with one extra top-level section.
std::string doc(const std::string& section) { return "{\"version\": 1, " + section + "}"; }

// Field-by-field equality (Policy has no operator==; this test owns one).
bool same(const Policy& a, const Policy& b) {
    auto same_rules = [](const std::vector<FsRule>& x, const std::vector<FsRule>& y) {
        if (x.size() != y.size()) return false;
        for (size_t i = 0; i < x.size(); ++i)
            if (x[i].path != y[i].path || x[i].access != y[i].access) return false;
        return true;
    };
    return a.version == b.version && a.filesystem.read_only == b.filesystem.read_only &&
           a.filesystem.read_write == b.filesystem.read_write &&
           same_rules(a.filesystem.rules, b.filesystem.rules) &&
           a.filesystem.include_workdir == b.filesystem.include_workdir &&
           a.filesystem.baseline == b.filesystem.baseline && a.gpu.detect == b.gpu.detect &&
           a.gpu.proc_access == b.gpu.proc_access && a.gpu.promotion == b.gpu.promotion &&
           a.gpu.allow == b.gpu.allow && a.landlock.compatibility == b.landlock.compatibility &&
           a.landlock.bind_tcp == b.landlock.bind_tcp && a.landlock.connect_tcp == b.landlock.connect_tcp &&
           a.landlock.scope == b.landlock.scope && a.seccomp.profile == b.seccomp.profile &&
           a.seccomp.deny == b.seccomp.deny && a.seccomp.allow == b.seccomp.allow &&
           a.seccomp.action == b.seccomp.action && a.seccomp.allow_i386 == b.seccomp.allow_i386 &&
           a.process.no_new_privs == b.process.no_new_privs &&
           a.process.run_as_user == b.process.run_as_user &&
           a.process.run_as_group == b.process.run_as_group &&
           a.network.require_private_netns == b.network.require_private_netns &&
           a.failure.default_mode == b.failure.default_mode && a.failure.kinds == b.failure.kinds &&
           a.log.path == b.log.path && a.log.level == b.log.level;
}

void check_round_trip(const Policy& p) {
    for (bool pretty : {false, true}) {
        std::string text = test::policy_json(p, pretty);
        auto back = parse_policy(text, "round-trip");
        REQUIRE_MESSAGE(back, text);
        CHECK(same(*back, p));
        CHECK(test::policy_json(*back, pretty) == text);
    }
}

}  // namespace

// ---- the built-in default ---------------------------------------------------------

TEST_CASE("default policy: the same bytes in testdata, packaging and the binary") {
    std::string root = env_or_die("OSH_SOURCE_ROOT");
    std::string testdata_copy = slurp(root + "/testdata/policy.default.json");
    std::string packaging_copy = slurp(root + "/packaging/policy.json");
    CHECK(testdata_copy == packaging_copy);
    CHECK(std::string(default_policy_text()) == testdata_copy);
    CHECK_FALSE(testdata_copy.empty());
}

TEST_CASE("default policy: parses, strict, GPU-aware, shaped like PRODUCT.md's example") {
    Policy p = ok(std::string(default_policy_text()));
    const auto& ro = p.filesystem.read_only;
    for (const char* want : {"/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/dev/urandom"})
        CHECK_MESSAGE(std::find(ro.begin(), ro.end(), want) != ro.end(), want);
    const auto& rw = p.filesystem.read_write;
    for (const char* want : {"/tmp", "/dev/null"})
        CHECK_MESSAGE(std::find(rw.begin(), rw.end(), want) != rw.end(), want);
    CHECK(std::find(rw.begin(), rw.end(), "/") == rw.end());
    CHECK(p.filesystem.include_workdir);
    CHECK(p.filesystem.baseline);
    CHECK(p.gpu.detect == gpu::DetectMode::auto_);
    CHECK(p.gpu.proc_access == ProcAccess::write_file);
    CHECK(p.gpu.promotion == PromotionMode::reject_unlisted);
    CHECK(p.gpu.allow == std::vector<std::string>{"/proc"});
    CHECK_FALSE(p.landlock.bind_tcp);
    CHECK_FALSE(p.landlock.connect_tcp);
    REQUIRE(p.landlock.scope);
    CHECK(*p.landlock.scope == std::vector<Scope>{Scope::abstract_unix_socket, Scope::signal});
    CHECK(p.seccomp.profile == seccomp::Profile::default_);
    CHECK(p.seccomp.action == seccomp::Action::errno_);
    CHECK_FALSE(p.seccomp.allow_i386);
    CHECK(p.process.no_new_privs);
    CHECK_FALSE(p.process.run_as_user);
    CHECK(p.network.require_private_netns);
    CHECK(p.failure.default_mode == failure::Mode::strict);
    CHECK(p.failure.kinds.empty());
    CHECK(p.log.path == "/var/log/oci-sandbox-hook.log");
    CHECK(p.log.level == report::Level::info);
}

TEST_CASE("default policy: the file is the canonical pretty form") {
    Policy p = ok(std::string(default_policy_text()));
    CHECK(test::policy_json(p, true) + "\n" == default_policy_text());
}

TEST_CASE("absent sections and fields take the header's defaults") {
    Policy p = ok("{\"version\": 1}");
    Policy d;
    CHECK(same(p, d));
    CHECK(p.filesystem.read_only.empty());
    CHECK(p.gpu.allow == std::vector<std::string>{"/proc"});
    CHECK_FALSE(p.landlock.scope);
    // A partly written section keeps the defaults of the fields it omits.
    Policy q = ok(doc("\"gpu\": {\"detect\": \"never\"}, \"seccomp\": {\"action\": \"log\"}"));
    CHECK(q.gpu.detect == gpu::DetectMode::never);
    CHECK(q.gpu.proc_access == ProcAccess::write_file);
    CHECK(q.gpu.allow == std::vector<std::string>{"/proc"});
    CHECK(q.seccomp.action == seccomp::Action::log);
    CHECK(q.seccomp.profile == seccomp::Profile::default_);
}

// ---- round trips ------------------------------------------------------------------

TEST_CASE("round trip: default and maximal policies") {
    check_round_trip(ok(std::string(default_policy_text())));
    check_round_trip(Policy{});

    Policy m = ok(testdata("policy.maximal.json"));
    // Spot-check that the maximal document really sets non-defaults everywhere.
    CHECK(m.filesystem.read_only == std::vector<std::string>{"/usr", "/lib", "/opt/conda", "/etc/ssl"});
    CHECK(m.filesystem.read_write == std::vector<std::string>{"/tmp", "/work/data", "/dev/null"});
    REQUIRE(m.filesystem.rules.size() == 4);
    CHECK(m.filesystem.rules[0].access ==
          (bit(Access::read_file) | bit(Access::read_dir) | bit(Access::write_file) | bit(Access::truncate)));
    CHECK(m.filesystem.rules[2].path == "/");
    CHECK(m.filesystem.rules[3].access == (AccessMask{1} << kAccessCount) - 1);
    CHECK_FALSE(m.filesystem.include_workdir);
    CHECK_FALSE(m.filesystem.baseline);
    CHECK(m.gpu.detect == gpu::DetectMode::always);
    CHECK(m.gpu.proc_access == ProcAccess::read_write);
    CHECK(m.gpu.promotion == PromotionMode::promote_all);
    CHECK(m.gpu.allow == std::vector<std::string>{"/proc", "/dev/nvidia*", "/sys/**"});
    CHECK(m.landlock.compatibility == Compatibility::hard_requirement);
    CHECK(m.landlock.bind_tcp == std::vector<uint16_t>{8080, 0});
    CHECK(m.landlock.connect_tcp == std::vector<uint16_t>{443, 65535});
    CHECK(m.landlock.scope == std::vector<Scope>{Scope::signal});
    CHECK(m.seccomp.profile == seccomp::Profile::none);
    CHECK(m.seccomp.deny == std::vector<std::string>{"ptrace", "kexec_load"});
    CHECK(m.seccomp.allow == std::vector<std::string>{"memfd_create", "io_uring_setup"});
    CHECK(m.seccomp.action == seccomp::Action::kill);
    CHECK(m.seccomp.allow_i386);
    CHECK_FALSE(m.process.no_new_privs);
    CHECK(m.process.run_as_user == IdSpec{uint32_t{1000}});
    CHECK(m.process.run_as_group == IdSpec{std::string("users")});
    CHECK_FALSE(m.network.require_private_netns);
    CHECK(m.failure.default_mode == failure::Mode::warn);
    CHECK(m.failure.kinds.size() == 3);
    CHECK(m.failure.of(failure::Kind::landlock_unavailable) == failure::Mode::skip);
    CHECK(m.failure.of(failure::Kind::hook_prelude) == failure::Mode::strict);
    CHECK(m.failure.of(failure::Kind::netns) == failure::Mode::warn);
    CHECK(m.log.path == "/var/log/osh/hook.log");
    CHECK(m.log.level == report::Level::debug);
    check_round_trip(m);

    // The other id spellings, and network restricted with empty lists.
    Policy n = ok(doc("\"process\": {\"run_as_user\": \"svc$\", \"run_as_group\": 0},"
                      "\"landlock\": {\"network\": {\"bind_tcp\": []}, \"scope\": []}"));
    CHECK(n.process.run_as_user == IdSpec{std::string("svc$")});
    CHECK(n.process.run_as_group == IdSpec{uint32_t{0}});
    REQUIRE(n.landlock.bind_tcp);
    CHECK(n.landlock.bind_tcp->empty());
    CHECK_FALSE(n.landlock.connect_tcp);
    REQUIRE(n.landlock.scope);
    CHECK(n.landlock.scope->empty());
    check_round_trip(n);
}

TEST_CASE("enum names") {
    CHECK(name(gpu::DetectMode::auto_) == "auto");
    CHECK(name(ProcAccess::write_file) == "write_file");
    CHECK(name(PromotionMode::reject_all) == "reject_all");
    CHECK(name(Compatibility::hard_requirement) == "hard_requirement");
    CHECK(name(Scope::abstract_unix_socket) == "abstract_unix_socket");
    CHECK(name(seccomp::Profile::default_) == "default");
    CHECK(name(seccomp::Action::errno_) == "errno");
}

// ---- normalisation ----------------------------------------------------------------

TEST_CASE("paths are normalised") {
    Policy p = ok(doc("\"filesystem\": {\"read_only\": [\"/proc/\", \"//usr//lib/./x\", \"/\"],"
                      "\"read_write\": [\"/tmp/\"], \"rules\": [{\"path\": \"/data/\", \"access\": [\"read_file\"]}]},"
                      "\"gpu\": {\"promotion\": {\"allow\": [\"/dev//nvidia*\"]}},"
                      "\"log\": {\"path\": \"/var/log//x.log\"}"));
    CHECK(p.filesystem.read_only == std::vector<std::string>{"/proc", "/usr/lib/x", "/"});
    CHECK(p.filesystem.read_write == std::vector<std::string>{"/tmp"});
    CHECK(p.filesystem.rules.at(0).path == "/data");
    CHECK(p.gpu.allow == std::vector<std::string>{"/dev/nvidia*"});
    CHECK(p.log.path == "/var/log/x.log");
}

// ---- document-level errors --------------------------------------------------------

TEST_CASE("Problem::to_string") {
    CHECK(Problem{"f.json", "/gpu/detect", "bad"}.to_string() == "f.json: /gpu/detect: bad");
    CHECK(Problem{"f.json", "", "bad"}.to_string() == "f.json: bad");
}

TEST_CASE("bad JSON names the file and the offset") {
    auto ps = problems_of("{\"version\": 1,\n  oops}");
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].file == "p.json");
    CHECK(ps[0].pointer == "");
    CHECK(ps[0].message.find("invalid JSON at offset 17") != std::string::npos);
    CHECK(ps[0].message.find("line 2") != std::string::npos);
    CHECK(ps[0].to_string().rfind("p.json: invalid JSON at offset 17", 0) == 0);
    CHECK(problems_of("").size() == 1);
    CHECK(problems_of("{\"version\": 1} trailing").at(0).message.find("invalid JSON") != std::string::npos);
}

TEST_CASE("the document must be an object") {
    expect_one("[1]", "", {"expected an object", "an array"});
    expect_one("\"x\"", "", {"expected an object", "a string"});
}

TEST_CASE("version is required and must be 1") {
    expect_one("{}", "/version", {"required", "version", "allowed: 1"});
    expect_one("{\"version\": 2}", "/version", {"unsupported version 2", "allowed: 1"});
    expect_one("{\"version\": \"1\"}", "/version", {"unsupported version \"1\"", "allowed: 1"});
    expect_one("{\"version\": 1.0}", "/version", {"unsupported version", "allowed: 1"});
}

TEST_CASE("unknown fields anywhere are errors listing the allowed fields") {
    expect_one(doc("\"extra\": 1"), "/extra",
               {"unknown field \"extra\"", "allowed: version, selectable, filesystem, gpu, landlock, seccomp, "
                                           "process, network, failure, log"});
    expect_one(doc("\"filesystem\": {\"readonly\": []}"), "/filesystem/readonly",
               {"unknown field \"readonly\"", "allowed: read_only, read_write, rules, include_workdir, baseline"});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/a\", \"access\": [\"read_file\"], \"x\": 1}]}"),
               "/filesystem/rules/0/x", {"unknown field \"x\"", "allowed: path, access"});
    expect_one(doc("\"gpu\": {\"promotion\": {\"modes\": \"x\"}}"), "/gpu/promotion/modes",
               {"unknown field \"modes\"", "allowed: mode, allow"});
    expect_one(doc("\"gpu\": {\"vendor\": \"nvidia\"}"), "/gpu/vendor",
               {"allowed: detect, proc_access, promotion"});
    expect_one(doc("\"landlock\": {\"network\": {\"udp\": []}}"), "/landlock/network/udp",
               {"unknown field \"udp\"", "allowed: bind_tcp, connect_tcp"});
    expect_one(doc("\"landlock\": {\"abi\": 7}"), "/landlock/abi", {"allowed: compatibility, network, scope"});
    expect_one(doc("\"seccomp\": {\"arch\": []}"), "/seccomp/arch",
               {"allowed: profile, deny, allow, action, allow_i386"});
    expect_one(doc("\"process\": {\"user\": 1}"), "/process/user",
               {"allowed: no_new_privs, run_as_user, run_as_group"});
    expect_one(doc("\"network\": {\"private\": true}"), "/network/private", {"allowed: require_private_netns"});
    expect_one(doc("\"failure\": {\"mode\": \"warn\"}"), "/failure/mode", {"allowed: default, kinds"});
    expect_one(doc("\"log\": {\"file\": \"/x\"}"), "/log/file", {"allowed: path, level"});
    // A key needing JSON Pointer escaping.
    expect_one(doc("\"a/b~c\": 1"), "/a~1b~0c", {"unknown field \"a/b~c\""});
}

TEST_CASE("duplicate keys are errors, named by their JSON Pointer") {
    auto ps = problems_of("{\"version\": 1, \"version\": 1}");
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].pointer == "/version");
    CHECK(ps[0].message.find("duplicate member \"version\" at offset 24") != std::string::npos);
    CHECK(ps[0].to_string().rfind("p.json: /version: duplicate member \"version\"", 0) == 0);
    expect_one(doc("\"gpu\": {\"detect\": \"auto\", \"detect\": \"never\"}"), "/gpu/detect",
               {"duplicate member \"detect\""});
    expect_one(doc("\"failure\": {\"kinds\": {\"netns\": \"warn\", \"netns\": \"skip\"}}"),
               "/failure/kinds/netns", {"duplicate member \"netns\""});
    // Names that differ only in letter case, as everywhere.
    expect_one(doc("\"log\": {\"level\": \"info\", \"Level\": \"debug\"}"), "/log/Level",
               {"differ only in letter case"});
}

TEST_CASE("a path with a lone surrogate escape, and deep nesting, are refused at read") {
    // Such a path could not be written into the plan as UTF-8.
    expect_one(doc("\"filesystem\": {\"read_only\": [\"/usr\", \"/data\\udc00\"]}"), "/filesystem/read_only/1",
               {"the escape \\udc00 is a lone UTF-16 surrogate"});
    auto deep = problems_of("{\"version\": 1, \"x\": " + std::string(200000, '['));
    REQUIRE(deep.size() == 1);
    CHECK(deep[0].pointer.rfind("/x/0/0/", 0) == 0);
    CHECK(deep[0].message.find("nested deeper than 64 arrays and objects") != std::string::npos);
}

TEST_CASE("every problem is reported, not only the first") {
    auto ps = problems_of(
        "{\"version\": 3, \"gpu\": {\"detect\": \"x\"}, \"seccomp\": {\"action\": \"y\"}, \"zz\": 0}");
    REQUIRE(ps.size() == 4);
    CHECK(ps[0].pointer == "/zz");
    CHECK(ps[1].pointer == "/version");
    CHECK(ps[2].pointer == "/gpu/detect");
    CHECK(ps[3].pointer == "/seccomp/action");
}

// ---- types ------------------------------------------------------------------------

TEST_CASE("types are checked, naming the pointer and the expected type") {
    expect_one(doc("\"filesystem\": {\"read_only\": \"/usr\"}"), "/filesystem/read_only",
               {"expected an array", "got a string"});
    expect_one(doc("\"filesystem\": {\"read_write\": [\"/tmp\", 5]}"), "/filesystem/read_write/1",
               {"expected a string", "got a number"});
    expect_one(doc("\"filesystem\": {\"rules\": {}}"), "/filesystem/rules", {"expected an array", "got an object"});
    expect_one(doc("\"filesystem\": {\"rules\": [\"/a\"]}"), "/filesystem/rules/0",
               {"expected an object", "got a string"});
    expect_one(doc("\"filesystem\": {\"include_workdir\": \"yes\"}"), "/filesystem/include_workdir",
               {"expected a boolean", "got a string"});
    expect_one(doc("\"filesystem\": {\"baseline\": 1}"), "/filesystem/baseline", {"expected a boolean"});
    expect_one(doc("\"filesystem\": []"), "/filesystem", {"expected an object", "got an array"});
    expect_one(doc("\"gpu\": {\"detect\": true}"), "/gpu/detect",
               {"expected a string", "auto, always, never", "got a boolean"});
    expect_one(doc("\"gpu\": {\"promotion\": \"promote_all\"}"), "/gpu/promotion", {"expected an object"});
    expect_one(doc("\"gpu\": {\"promotion\": {\"allow\": \"/proc\"}}"), "/gpu/promotion/allow",
               {"expected an array", "got a string"});
    expect_one(doc("\"landlock\": {\"network\": {\"connect_tcp\": 443}}"), "/landlock/network/connect_tcp",
               {"expected an array", "got a number"});
    expect_one(doc("\"landlock\": {\"scope\": \"signal\"}"), "/landlock/scope", {"expected an array"});
    expect_one(doc("\"seccomp\": {\"deny\": \"ptrace\"}"), "/seccomp/deny", {"expected an array", "got a string"});
    expect_one(doc("\"seccomp\": {\"allow\": [1]}"), "/seccomp/allow/0", {"expected a string", "got a number"});
    expect_one(doc("\"seccomp\": {\"allow_i386\": null}"), "/seccomp/allow_i386", {"expected a boolean", "null"});
    expect_one(doc("\"process\": {\"no_new_privs\": 0}"), "/process/no_new_privs", {"expected a boolean"});
    expect_one(doc("\"process\": {\"run_as_user\": [0]}"), "/process/run_as_user",
               {"expected null, a non-negative integer or a user name", "got an array"});
    expect_one(doc("\"network\": {\"require_private_netns\": \"true\"}"), "/network/require_private_netns",
               {"expected a boolean"});
    expect_one(doc("\"failure\": {\"kinds\": []}"), "/failure/kinds", {"expected an object", "got an array"});
    expect_one(doc("\"failure\": {\"kinds\": {\"netns\": 1}}"), "/failure/kinds/netns",
               {"expected a string", "strict, warn, skip"});
    expect_one(doc("\"log\": {\"path\": 5}"), "/log/path", {"expected a string", "absolute path"});
    expect_one(doc("\"log\": \"info\""), "/log", {"expected an object"});
}

// ---- enum words -------------------------------------------------------------------

TEST_CASE("unknown enum words are errors listing the allowed words") {
    expect_one(doc("\"gpu\": {\"detect\": \"sometimes\"}"), "/gpu/detect",
               {"unknown value \"sometimes\"", "allowed: auto, always, never"});
    expect_one(doc("\"gpu\": {\"proc_access\": \"rw\"}"), "/gpu/proc_access",
               {"unknown value \"rw\"", "allowed: read_write, write_file, none"});
    expect_one(doc("\"gpu\": {\"promotion\": {\"mode\": \"reject\"}}"), "/gpu/promotion/mode",
               {"unknown value \"reject\"", "allowed: reject_unlisted, promote_all, reject_all"});
    expect_one(doc("\"landlock\": {\"compatibility\": \"strict\"}"), "/landlock/compatibility",
               {"unknown value \"strict\"", "allowed: best_effort, hard_requirement"});
    expect_one(doc("\"landlock\": {\"scope\": [\"signal\", \"tcp\"]}"), "/landlock/scope/1",
               {"unknown value \"tcp\"", "allowed: abstract_unix_socket, signal"});
    expect_one(doc("\"seccomp\": {\"profile\": \"docker\"}"), "/seccomp/profile",
               {"unknown value \"docker\"", "allowed: default, none"});
    expect_one(doc("\"seccomp\": {\"action\": \"trap\"}"), "/seccomp/action",
               {"unknown value \"trap\"", "allowed: errno, kill, log"});
    expect_one(doc("\"failure\": {\"default\": \"lenient\"}"), "/failure/default",
               {"unknown value \"lenient\"", "allowed: strict, warn, skip"});
    expect_one(doc("\"failure\": {\"kinds\": {\"netns\": \"ignore\"}}"), "/failure/kinds/netns",
               {"unknown value \"ignore\"", "allowed: strict, warn, skip"});
    expect_one(doc("\"log\": {\"level\": \"trace\"}"), "/log/level",
               {"unknown value \"trace\"", "allowed: debug, info, warning, error"});
    // Words are case-sensitive.
    expect_one(doc("\"gpu\": {\"detect\": \"AUTO\"}"), "/gpu/detect", {"unknown value \"AUTO\""});
}

TEST_CASE("failure kinds: unknown kinds list the allowed kinds; every kind is accepted") {
    expect_one(doc("\"failure\": {\"kinds\": {\"landlock\": \"warn\"}}"), "/failure/kinds/landlock",
               {"unknown failure kind \"landlock\"",
                "allowed: gpu_detection, landlock_unavailable, landlock_path, landlock_enforce, "
                "seccomp_compile, seccomp_enforce, no_new_privs, netns, privilege_drop, plan_missing, "
                "hook_prelude"});
    for (auto k : failure::kAllKinds) {
        Policy p = ok(doc("\"failure\": {\"kinds\": {\"" + std::string(failure::name(k)) + "\": \"skip\"}}"));
        CHECK(p.failure.of(k) == failure::Mode::skip);
        CHECK(p.failure.kinds.size() == 1);
    }
}

// ---- filesystem -------------------------------------------------------------------

TEST_CASE("access words are the 16 Landlock rights") {
    for (int i = 0; i < kAccessCount; ++i) {
        auto a = static_cast<Access>(i);
        Policy p = ok(doc("\"filesystem\": {\"rules\": [{\"path\": \"/a\", \"access\": [\"" +
                          std::string(name(a)) + "\"]}]}"));
        CHECK(p.filesystem.rules.at(0).access == bit(a));
    }
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/a\", \"access\": [\"read_file\", \"read\"]}]}"),
               "/filesystem/rules/0/access/1",
               {"unknown value \"read\"", "allowed: execute, write_file, read_file, read_dir, remove_dir, "
                                          "remove_file, make_char, make_dir, make_reg, make_sock, make_fifo, "
                                          "make_block, make_sym, refer, truncate, ioctl_dev"});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/a\", \"access\": [\"read_only\"]}]}"),
               "/filesystem/rules/0/access/0", {"unknown value \"read_only\""});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/a\", \"access\": [7]}]}"),
               "/filesystem/rules/0/access/0", {"expected a string", "got a number"});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/a\", \"access\": []}]}"),
               "/filesystem/rules/0/access", {"at least one right"});
}

TEST_CASE("rules need a path and access") {
    expect_one(doc("\"filesystem\": {\"rules\": [{\"access\": [\"read_file\"]}]}"), "/filesystem/rules/0/path",
               {"required field \"path\" is missing"});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/a\"}]}"), "/filesystem/rules/0/access",
               {"required field \"access\" is missing", "read_file"});
}

TEST_CASE("paths must be absolute and free of \"..\"") {
    expect_one(doc("\"filesystem\": {\"read_only\": [\"usr\"]}"), "/filesystem/read_only/0",
               {"\"usr\"", "must be absolute"});
    expect_one(doc("\"filesystem\": {\"read_only\": [\"\"]}"), "/filesystem/read_only/0", {"must be absolute"});
    expect_one(doc("\"filesystem\": {\"read_write\": [\"/tmp/../etc\"]}"), "/filesystem/read_write/0",
               {"\"/tmp/../etc\"", "\"..\""});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"./data\", \"access\": [\"read_file\"]}]}"),
               "/filesystem/rules/0/path", {"must be absolute"});
    expect_one(doc("\"gpu\": {\"promotion\": {\"allow\": [\"/proc\", \"nvidia*\"]}}"), "/gpu/promotion/allow/1",
               {"must be absolute"});
    expect_one(doc("\"gpu\": {\"promotion\": {\"allow\": [\"/dev/../**\"]}}"), "/gpu/promotion/allow/0",
               {"\"..\""});
    expect_one(doc("\"log\": {\"path\": \"hook.log\"}"), "/log/path", {"must be absolute"});
    expect_one(doc("\"log\": {\"path\": \"/\"}"), "/log/path", {"must name a file"});
}

TEST_CASE("\"/\" may never be writable") {
    expect_one(doc("\"filesystem\": {\"read_write\": [\"/tmp\", \"/\"]}"), "/filesystem/read_write/1",
               {"\"/\" cannot be read_write"});
    expect_one(doc("\"filesystem\": {\"read_write\": [\"//./\"]}"), "/filesystem/read_write/0",
               {"\"/\" cannot be read_write"});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/\", \"access\": [\"read_file\", \"write_file\"]}]}"),
               "/filesystem/rules/0/access", {"\"/\"", "only read-only rights", "refused: write_file"});
    expect_one(doc("\"filesystem\": {\"rules\": [{\"path\": \"/\", \"access\": [\"make_reg\", \"remove_file\"]}]}"),
               "/filesystem/rules/0/access", {"refused: remove_file, make_reg"});
    // Reading the whole tree is allowed.
    Policy p = ok(doc("\"filesystem\": {\"read_only\": [\"/\"], \"rules\": [{\"path\": \"/\", "
                      "\"access\": [\"execute\", \"read_file\", \"read_dir\"]}]}"));
    CHECK(p.filesystem.rules.at(0).access == kReadOnly);
}

// ---- landlock network / scope ----------------------------------------------------

TEST_CASE("ports are integers 0..65535") {
    Policy p = ok(doc("\"landlock\": {\"network\": {\"bind_tcp\": [0, 65535], \"connect_tcp\": [443]}}"));
    CHECK(p.landlock.bind_tcp == std::vector<uint16_t>{0, 65535});
    CHECK(p.landlock.connect_tcp == std::vector<uint16_t>{443});
    expect_one(doc("\"landlock\": {\"network\": {\"bind_tcp\": [65536]}}"), "/landlock/network/bind_tcp/0",
               {"0..65535", "65536"});
    expect_one(doc("\"landlock\": {\"network\": {\"connect_tcp\": [-1]}}"), "/landlock/network/connect_tcp/0",
               {"0..65535", "-1"});
    expect_one(doc("\"landlock\": {\"network\": {\"connect_tcp\": [80.5]}}"), "/landlock/network/connect_tcp/0",
               {"integer"});
    expect_one(doc("\"landlock\": {\"network\": {\"connect_tcp\": [\"443\"]}}"),
               "/landlock/network/connect_tcp/0", {"TCP port", "got a string"});
}

TEST_CASE("landlock network: absent is unrestricted, present (even empty) restricts") {
    Policy a = ok(doc("\"landlock\": {}"));
    CHECK_FALSE(a.landlock.bind_tcp);
    CHECK_FALSE(a.landlock.connect_tcp);
    CHECK_FALSE(a.landlock.scope);
    Policy b = ok(doc("\"landlock\": {\"network\": {\"connect_tcp\": []}}"));
    CHECK_FALSE(b.landlock.bind_tcp);
    REQUIRE(b.landlock.connect_tcp);
    CHECK(b.landlock.connect_tcp->empty());
}

// ---- seccomp ----------------------------------------------------------------------

TEST_CASE("syscall names: syntax only") {
    Policy p = ok(doc("\"seccomp\": {\"deny\": [\"ptrace\", \"io_uring_setup\", \"open_by_handle_at\"],"
                      " \"allow\": [\"memfd_create\", \"clone3\"]}"));
    CHECK(p.seccomp.deny.size() == 3);
    CHECK(p.seccomp.allow == std::vector<std::string>{"memfd_create", "clone3"});
    expect_one(doc("\"seccomp\": {\"deny\": [\"PTRACE\"]}"), "/seccomp/deny/0",
               {"invalid syscall name \"PTRACE\"", "a-z, 0-9 and _"});
    expect_one(doc("\"seccomp\": {\"allow\": [\"\"]}"), "/seccomp/allow/0", {"invalid syscall name \"\""});
    expect_one(doc("\"seccomp\": {\"allow\": [\"mem fd\"]}"), "/seccomp/allow/0", {"invalid syscall name"});
}

// ---- process ----------------------------------------------------------------------

TEST_CASE("run_as_user / run_as_group: null, a non-negative integer, or a name") {
    Policy p = ok(doc("\"process\": {\"run_as_user\": null, \"run_as_group\": \"_grp-1\"}"));
    CHECK_FALSE(p.process.run_as_user);
    CHECK(p.process.run_as_group == IdSpec{std::string("_grp-1")});
    Policy big = ok(doc("\"process\": {\"run_as_user\": 4294967294}"));
    CHECK(big.process.run_as_user == IdSpec{uint32_t{4294967294u}});
    expect_one(doc("\"process\": {\"run_as_user\": -5}"), "/process/run_as_user", {"user id", "integer", "-5"});
    expect_one(doc("\"process\": {\"run_as_user\": 4294967295}"), "/process/run_as_user", {"0..4294967294"});
    expect_one(doc("\"process\": {\"run_as_group\": 1.5}"), "/process/run_as_group", {"group id", "integer"});
    expect_one(doc("\"process\": {\"run_as_user\": \"1000\"}"), "/process/run_as_user",
               {"invalid user name \"1000\"", "^[a-z_][a-z0-9_-]*[$]?$", "as a number"});
    expect_one(doc("\"process\": {\"run_as_user\": \"Root\"}"), "/process/run_as_user", {"invalid user name"});
    expect_one(doc("\"process\": {\"run_as_group\": \"\"}"), "/process/run_as_group", {"invalid group name"});
    expect_one(doc("\"process\": {\"run_as_group\": \"a$b\"}"), "/process/run_as_group", {"invalid group name"});
    expect_one(doc("\"process\": {\"run_as_user\": true}"), "/process/run_as_user",
               {"expected null, a non-negative integer or a user name", "got a boolean"});
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
