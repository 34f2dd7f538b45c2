#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "corpus.hpp"
#include "oci/spec.hpp"
#include "oci/spec_edit.hpp"
#include "util/json.hpp"

using namespace osh;
using osh_test::contains;
using rapidjson::Value;

namespace {

oci::EditParams params() {
    oci::EditParams p;
    p.host_binary = "/usr/libexec/oci-sandbox/oci-sandbox-hook";
    p.host_enforcer = "/usr/libexec/oci-sandbox/oci-sandbox-enforce";
    p.container_enforcer = "/.oci-sandbox/oci-sandbox-hook";
    p.container_plan_dir = "/.oci-sandbox/plan";
    p.plan_host_dir = "/run/oci-sandbox/c1";
    p.plan_run_root = "/run/oci-sandbox";
    p.edit_key = std::string(32, 'a');
    p.hook_args = {"--policy", "/etc/oci-sandbox/policy.json"};
    p.annotations = {{"oci-sandbox/plan", "c1"}};
    return p;
}

// A bundle's config.json edited in place, as prepare_bundle does it: read,
// parse, rewrite.
Result<bool> edit_bundle(const std::string& bundle, const oci::EditParams& p) {
    auto config = oci::read_bundle_config(bundle);
    if (!config) return unexpected(config.error());
    auto doc = oci::SpecDocument::parse(config->text, config->path);
    if (!doc) return unexpected(doc.error());
    return oci::rewrite_bundle_config(*config, *doc, p);
}

const std::set<std::string> kInvalidJsonConfigs = {
    "runtime-spec/bad-invalid-json.json",
    "rancher-os/bad-ntp.spec-with-comments.json",
};

rapidjson::Document parse_doc(const std::string& text) {
    auto d = oci::SpecDocument::parse(text, "t");
    REQUIRE_MESSAGE(d, (d ? "" : d.error().what()));
    return std::move(d->document());
}

// Takes out exactly what the edit adds, using the original to know which
// containers the edit created, so the result must write out identically
// (same keys, same order, same values) to the original.
void undo(Value& e, const Value& orig, rapidjson::Document::AllocatorType& a) {
    Value& args = e["process"]["args"];
    REQUIRE(args.Size() > 7);
    args.Erase(args.Begin(), args.Begin() + 7);

    auto restore_container = [&](Value& parent, const Value* orig_parent, const char* key,
                                 size_t pop) {
        auto it = orig_parent ? orig_parent->FindMember(key) : Value::ConstMemberIterator();
        bool existed = orig_parent && it != orig_parent->MemberEnd();
        if (!existed) {
            REQUIRE(parent.EraseMember(key));
            return;
        }
        if (it->value.IsNull()) {
            parent[key].SetNull();
            return;
        }
        Value& arr = parent[key];
        if (arr.IsArray()) {
            REQUIRE(arr.Size() >= pop);
            for (size_t i = 0; i < pop; ++i) arr.PopBack();
        }
    };
    bool had_hooks = orig.HasMember("hooks") && orig["hooks"].IsObject();
    if (had_hooks) {
        restore_container(e["hooks"], &orig["hooks"], "createRuntime", 1);
        restore_container(e["hooks"], &orig["hooks"], "poststop", 1);
        // startContainer hooks: the enforcer in front of path and args[1:].
        if (orig["hooks"].HasMember("startContainer") && orig["hooks"]["startContainer"].IsArray()) {
            const Value& oh = orig["hooks"]["startContainer"];
            Value& eh = e["hooks"]["startContainer"];
            REQUIRE(eh.Size() == oh.Size());
            for (rapidjson::SizeType i = 0; i < oh.Size(); ++i) {
                CHECK(std::string(eh[i]["path"].GetString()) == "/.oci-sandbox/oci-sandbox-hook");
                const Value& wargs = eh[i]["args"];
                REQUIRE(wargs.Size() >= 8);
                CHECK(std::string(wargs[7].GetString()) == oh[i]["path"].GetString());
                const rapidjson::SizeType orig_rest =
                    oh[i].HasMember("args") ? oh[i]["args"].Size() - 1 : 0;
                CHECK(wargs.Size() == 8 + orig_rest);
                eh[i].CopyFrom(oh[i], a);
            }
        }
    } else {
        restore_container(e, &orig, "hooks", 0);
    }
    restore_container(e, &orig, "mounts", 3);
    // linux.readonlyPaths: the host-wide /proc paths the original lacked were appended.
    if (orig.HasMember("linux") && orig["linux"].IsObject()) {
        const Value& ol = orig["linux"];
        bool had_ro = ol.HasMember("readonlyPaths") && ol["readonlyPaths"].IsArray();
        size_t added = 0;
        for (const char* path : oci::kHostWideProcPaths) {
            bool present = false;
            if (had_ro)
                for (const auto& v : ol["readonlyPaths"].GetArray())
                    present = present || (v.IsString() && std::string(v.GetString()) == path);
            if (!present) ++added;
        }
        if (had_ro || (ol.HasMember("readonlyPaths") && ol["readonlyPaths"].IsNull()))
            restore_container(e["linux"], &ol, "readonlyPaths", added);
        else
            restore_container(e["linux"], &ol, "readonlyPaths", 0);
    } else {
        CHECK_FALSE(e.HasMember("linux"));
    }
    bool had_ann = orig.HasMember("annotations") && orig["annotations"].IsObject();
    if (had_ann) {
        Value& ann = e["annotations"];
        if (orig["annotations"].HasMember("oci-sandbox/plan"))
            ann["oci-sandbox/plan"].CopyFrom(orig["annotations"]["oci-sandbox/plan"], a);
        else
            REQUIRE(ann.EraseMember("oci-sandbox/plan"));
    } else {
        restore_container(e, &orig, "annotations", 0);
    }
}

bool editable(const oci::Spec& s) {
    return s.has_process && !s.args.empty();
}

std::string tmpdir() {
    char templ[] = "/tmp/osh-oci-test.XXXXXX";
    char* d = ::mkdtemp(templ);
    REQUIRE(d != nullptr);
    return d;
}

void write_file(const std::string& path, const std::string& text, mode_t mode = 0644) {
    std::ofstream(path, std::ios::binary) << text;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string read_file(const std::string& path) {
    auto r = file::read_regular(path);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().what()));
    return *r;
}

std::set<std::string> dir_entries(const std::string& dir) {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        out.insert(e.path().filename().string());
    return out;
}

struct TempDir {
    std::string path = tmpdir();
    ~TempDir() { std::filesystem::remove_all(path); }
};

const char* kExample = "configs/runtime-spec/good-spec-example.json";

}  // namespace

TEST_CASE("round trip: every corpus config writes out and re-parses to the same document" *
          doctest::test_suite("corpus")) {
    for (const auto& rel : osh_test::corpus_files("configs")) {
        if (kInvalidJsonConfigs.count(rel)) continue;
        CAPTURE(rel);
        std::string text = osh_test::corpus_text("configs/" + rel);
        auto sd = oci::SpecDocument::parse(text, rel);
        REQUIRE_MESSAGE(sd, (sd ? "" : sd.error().what()));
        for (auto fmt : {oci::SpecFormat::compact, oci::SpecFormat::pretty}) {
            std::string out = sd->write(fmt);
            auto again = oci::SpecDocument::parse(out, "rewritten");
            REQUIRE(again);
            CHECK(again->document() == sd->document());  // same values
            CHECK(again->write(fmt) == out);             // same key order, stable text
        }
        // Against an independent parse of the original text, too.
        auto plain = json::parse(text, rel);
        REQUIRE(plain);
        CHECK(json::write(*plain) == sd->write(oci::SpecFormat::compact));
    }
}

TEST_CASE("edit of every corpus config: only our additions, everything else kept in order" *
          doctest::test_suite("corpus")) {
    size_t edited = 0;
    for (const auto& rel : osh_test::corpus_files("configs")) {
        if (kInvalidJsonConfigs.count(rel)) continue;
        CAPTURE(rel);
        std::string text = osh_test::corpus_text("configs/" + rel);
        auto spec = oci::parse_spec(text, rel);
        REQUIRE(spec);
        auto p = params();
        auto out = oci::edit_spec_text(text, p, rel);
        if (!editable(*spec)) {
            // Nothing to wrap: no process (partial dumps, schema fixtures) or no args.
            REQUIRE_FALSE(out);
            CAPTURE(out.error().message);
            CHECK(contains(out.error().message, rel + ": /process"));
            continue;
        }
        REQUIRE_MESSAGE(out, (out ? "" : out.error().what()));
        CHECK(out->changed);
        ++edited;

        // The edited spec as the hook will read it.
        auto after = oci::parse_spec(out->text, "edited");
        REQUIRE_MESSAGE(after, (after ? "" : after.error().what()));
        REQUIRE(after->args.size() == spec->args.size() + 7);
        CHECK(std::vector<std::string>(after->args.begin(), after->args.begin() + 7) ==
              std::vector<std::string>{"/.oci-sandbox/oci-sandbox-hook", "exec", "--plan",
                                       "/.oci-sandbox/plan", "--key", p.edit_key, "--"});
        CHECK(std::vector<std::string>(after->args.begin() + 7, after->args.end()) == spec->args);
        REQUIRE(after->hooks.create_runtime.size() == spec->hooks.create_runtime.size() + 1);
        CHECK(after->hooks.create_runtime.back().path == p.host_binary);
        CHECK(after->hooks.create_runtime.back().args ==
              std::vector<std::string>{"oci-sandbox-hook", "hook", "--stage", "createRuntime",
                                       "--enforcer", p.host_enforcer, "--policy",
                                       "/etc/oci-sandbox/policy.json"});
        REQUIRE(after->hooks.poststop.size() == spec->hooks.poststop.size() + 1);
        CHECK(after->hooks.poststop.back().args.at(3) == "poststop");
        CHECK(after->hooks.prestart.size() == spec->hooks.prestart.size());
        REQUIRE(after->mounts.size() == spec->mounts.size() + 3);
        // The directory holding them is a tmpfs of ours: a mount point the
        // workload cannot rename or remove.
        const auto& ma = after->mounts[after->mounts.size() - 3];
        CHECK(ma.destination == "/.oci-sandbox");
        CHECK(ma.type == "tmpfs");
        CHECK(ma.source == oci::kAreaSource);
        CHECK(ma.is_fresh_tmpfs());
        CHECK(ma.options == std::vector<std::string>{"nosuid", "nodev", "noexec", "mode=755", "size=64k"});
        const auto& mb = after->mounts[after->mounts.size() - 2];
        const auto& mp = after->mounts.back();
        CHECK(mb.destination == "/.oci-sandbox/oci-sandbox-hook");
        CHECK(mb.type == "bind");
        CHECK(mb.source == p.host_enforcer);
        CHECK(mb.options == std::vector<std::string>{"bind", "ro", "nosuid", "nodev"});
        CHECK(mp.destination == "/.oci-sandbox/plan");
        CHECK(mp.source == p.plan_host_dir);
        CHECK(mp.options == std::vector<std::string>{"bind", "ro", "nosuid", "nodev", "noexec"});
        CHECK(after->annotations.at("oci-sandbox/plan") == "c1");

        // Undo our additions: the rest is the original, key for key, in order.
        auto orig = parse_doc(text);
        auto e = parse_doc(out->text);
        undo(e, orig, e.GetAllocator());
        CHECK(json::write(e) == json::write(orig));

        // Idempotent: a second edit changes nothing, byte for byte.
        auto twice = oci::edit_spec_text(out->text, p, rel);
        REQUIRE(twice);
        CHECK_FALSE(twice->changed);
        CHECK(twice->text == out->text);
    }
    CHECK(edited >= 22);  // 22 corpus configs carry a command today
}

TEST_CASE("our hooks run after existing prestart/createRuntime hooks (NVIDIA's first)" *
          doctest::test_suite("corpus")) {
    std::string text = osh_test::corpus_text(kExample);
    auto out = oci::edit_spec_text(text, params(), "config.json");
    REQUIRE(out);
    auto s = oci::parse_spec(out->text, "edited");
    REQUIRE(s);
    REQUIRE(s->hooks.create_runtime.size() == 3);
    CHECK(s->hooks.create_runtime[0].path == "/usr/bin/fix-mounts");
    CHECK(s->hooks.create_runtime[1].path == "/usr/bin/setup-network");
    CHECK(s->hooks.create_runtime[2].path == params().host_binary);
    REQUIRE(s->hooks.poststop.size() == 2);
    CHECK(s->hooks.poststop[0].path == "/usr/sbin/cleanup.sh");
    CHECK(s->hooks.poststop[1].args.at(1) == "hook");
    // prestart is NVIDIA's legacy stage: untouched.
    CHECK(s->hooks.prestart.size() == 2);

    auto nv = oci::edit_spec_text(
        osh_test::corpus_text(
            "configs/nvidia-container-toolkit/bundle-output-with-nvidia-prestart-hook.json"),
        params(), "config.json");
    REQUIRE(nv);
    auto ns = oci::parse_spec(nv->text, "edited");
    REQUIRE(ns);
    REQUIRE(ns->hooks.prestart.size() == 1);
    CHECK(ns->hooks.prestart[0].path == "nvidia-container-runtime-hook");
    CHECK(ns->hooks.create_runtime.size() == 1);
}

TEST_CASE("output format: like_input keeps compact compact and pretty pretty" *
          doctest::test_suite("corpus")) {
    auto compact_in =
        osh_test::corpus_text("configs/nvidia-container-toolkit/docker-config.clone3.output.json");
    auto c = oci::edit_spec_text(compact_in, params(), "c");
    REQUIRE(c);
    CHECK(c->text.find('\n') == std::string::npos);
    auto pretty_in = osh_test::corpus_text(kExample);
    auto pr = oci::edit_spec_text(pretty_in, params(), "p");
    REQUIRE(pr);
    CHECK(contains(pr->text, "\n  \"ociVersion\""));
    CHECK(pr->text.back() == '\n');
    auto forced = oci::edit_spec_text(pretty_in, params(), "p", oci::SpecFormat::compact);
    REQUIRE(forced);
    CHECK(forced->text.find('\n') == std::string::npos);
    CHECK(parse_doc(forced->text) == parse_doc(pr->text));
}

TEST_CASE("changed params update our entries in place; never duplicated" *
          doctest::test_suite("corpus")) {
    std::string text = osh_test::corpus_text(kExample);
    auto p = params();
    auto first = oci::edit_spec_text(text, p, "c");
    REQUIRE(first);

    p.hook_args = {"--policy", "/etc/other.json"};
    p.plan_host_dir = "/run/oci-sandbox/c2";
    p.edit_key = std::string(32, 'b');
    p.annotations = {{"oci-sandbox/plan", "c2"}};
    auto second = oci::edit_spec_text(first->text, p, "c");
    REQUIRE_MESSAGE(second, (second ? "" : second.error().what()));
    CHECK(second->changed);
    auto s = oci::parse_spec(second->text, "edited");
    REQUIRE(s);
    CHECK(s->hooks.create_runtime.size() == 3);
    CHECK(s->hooks.create_runtime.back().args.back() == "/etc/other.json");
    CHECK(s->hooks.poststop.size() == 2);
    // The old plan mount (ours: from beneath the run root) is replaced; the
    // args are re-wrapped with the new key, not double-wrapped.
    CHECK(s->args.at(3) == "/.oci-sandbox/plan");
    CHECK(s->args.at(5) == std::string(32, 'b'));
    CHECK(s->args.at(6) == "--");
    CHECK(s->args.at(7) == "sh");
    CHECK(std::count_if(s->mounts.begin(), s->mounts.end(), [](const oci::Mount& m) {
              return m.destination == "/.oci-sandbox/plan";
          }) == 1);
    CHECK(s->mounts.back().source == "/run/oci-sandbox/c2");
    CHECK(std::count(s->args.begin(), s->args.end(), "exec") == 1);
    CHECK(s->annotations.at("oci-sandbox/plan") == "c2");

    auto third = oci::edit_spec_text(second->text, p, "c");
    REQUIRE(third);
    CHECK_FALSE(third->changed);
}

TEST_CASE("a hook of ours registered under another path (hooks.d) is taken over, not doubled") {
    std::string text = R"({"process":{"args":["sh"]},"hooks":{"createRuntime":[)"
                       R"({"path":"/usr/bin/oci-sandbox-hook","args":["oci-sandbox-hook","hook"]},)"
                       R"({"path":"/x","args":["oci-sandbox-hook","hook"]}]}})";
    auto out = oci::edit_spec_text(text, params(), "c");
    REQUIRE(out);
    auto s = oci::parse_spec(out->text, "edited");
    REQUIRE(s);
    REQUIRE(s->hooks.create_runtime.size() == 1);
    CHECK(s->hooks.create_runtime[0].path == params().host_binary);
}

TEST_CASE("every copy of our hook goes, in every stage: only ours plans, last in createRuntime") {
    // Copies spelled as ours (another path spelling, a program named
    // oci-sandbox-hook anywhere) with a --policy of their own, before and
    // after other hooks and in stages we do not use; another program stays.
    std::string text =
        R"({"process":{"args":["sh"]},"hooks":{"createRuntime":[)"
        R"({"path":"/usr/bin//oci-sandbox-hook","args":["x","hook","--policy","/tmp/loose.json"]},)"
        R"({"path":"/usr/bin/nvidia-ctk","args":["nvidia-ctk","hook"]},)"
        R"({"path":"/opt/oci-sandbox-hook","args":["anything","hook","--policy","/tmp/loose.json"]}],)"
        R"("prestart":[{"path":"/usr/bin/oci-sandbox-hook","args":["oci-sandbox-hook","hook"]}],)"
        R"("poststart":[{"path":"/y","args":["oci-sandbox-hook","hook","--stage","createRuntime"]}],)"
        R"("createContainer":[{"path":"/bin/true","args":["true"]}]}})";
    auto out = oci::edit_spec_text(text, params(), "c");
    REQUIRE(out);
    auto s = oci::parse_spec(out->text, "edited");
    REQUIRE(s);
    REQUIRE(s->hooks.create_runtime.size() == 2);
    CHECK(s->hooks.create_runtime[0].path == "/usr/bin/nvidia-ctk");
    CHECK(s->hooks.create_runtime[1].path == params().host_binary);
    CHECK(s->hooks.prestart.empty());
    CHECK(s->hooks.create_container.size() == 1);
    CHECK(out->text.find("loose.json") == std::string::npos);
    CHECK(out->text.find("\"poststart\":[]") != std::string::npos);
    // Edited again: nothing changes.
    auto again = oci::edit_spec_text(out->text, params(), "c");
    REQUIRE(again);
    CHECK_FALSE(again->changed);
}

TEST_CASE("startContainer hooks run the image's file in the container: under the enforcer, like the workload") {
    std::string text =
        R"({"process":{"args":["sh"]},"hooks":{"startContainer":[)"
        R"({"path":"/bin/sh","args":["argv0","-c","echo hi"],"env":["A=1"],"timeout":5},)"
        R"({"path":"/usr/bin/setup"},)"
        R"({"path":"/.oci-sandbox/oci-sandbox-hook","args":["x","exec","--plan","/elsewhere","--key","k","--","/bin/evil"]}]}})";
    auto out = oci::edit_spec_text(text, params(), "c");
    REQUIRE(out);
    auto s = oci::parse_spec(out->text, "edited");
    REQUIRE(s);
    const auto prefix = oci::enforcer_prefix(params());
    auto with = [&](std::vector<std::string> cmd) {
        std::vector<std::string> v = prefix;
        v.insert(v.end(), cmd.begin(), cmd.end());
        return v;
    };
    REQUIRE(s->hooks.start_container.size() == 3);
    for (const auto& h : s->hooks.start_container) CHECK(h.path == params().container_enforcer);
    // argv[0] becomes the path; env and timeout stay.
    CHECK(s->hooks.start_container[0].args == with({"/bin/sh", "-c", "echo hi"}));
    CHECK(s->hooks.start_container[0].env == std::vector<std::string>{"A=1"});
    CHECK(s->hooks.start_container[0].timeout == 5);
    CHECK(s->hooks.start_container[1].args == with({"/usr/bin/setup"}));
    // Wrapped by another edit (another plan, another key): rewrapped with ours.
    CHECK(s->hooks.start_container[2].args == with({"/bin/evil"}));
    auto again = oci::edit_spec_text(out->text, params(), "c");
    REQUIRE(again);
    CHECK_FALSE(again->changed);
    // Not an object, or no path: refused, never passed on unwrapped.
    for (const char* bad : {R"([1])", R"([{"args":["x"]}])", R"([{"path":"/bin/sh","args":"x"}])"}) {
        CAPTURE(bad);
        auto r = oci::edit_spec_text(std::string(R"({"process":{"args":["sh"]},"hooks":{"startContainer":)") +
                                         bad + "}}",
                                     params(), "c");
        CHECK_FALSE(r);
    }
}

TEST_CASE("edit errors") {
    struct Case {
        const char* text;
        const char* has;
    };
    const Case cases[] = {
        {R"({"ociVersion":"1.0.0"})", "c: /process: missing"},
        {R"({"process":null})", "c: /process: missing"},
        {R"({"process":{"cwd":"/"}})", "c: /process/args: missing"},
        {R"({"process":{"args":[]}})", "c: /process/args: empty"},
        {R"({"process":{"args":"sh"}})", "c: /process/args: expected an array"},
        {R"({"process":{"args":["sh",1]}})", "c: /process/args/1: expected a string"},
        {R"({"process":{"args":["/.oci-sandbox/oci-sandbox-hook","exec","sh"]}})", "has no \"--\""},
        {R"({"process":{"args":["/.oci-sandbox/oci-sandbox-hook","exec","--"]}})",
         "wraps no command"},
        {R"({"process":{"args":["sh"]},"hooks":[]})", "c: /hooks: expected an object"},
        {R"({"process":{"args":["sh"]},"hooks":{"poststop":{}}})",
         "c: /hooks/poststop: expected an array"},
        {R"({"process":{"args":["sh"]},"mounts":{}})", "c: /mounts: expected an array"},
        {R"({"process":{"args":["sh"]},"annotations":[]})", "c: /annotations: expected an object"},
        {R"([1])", "c: expected an object"},
        {R"({"process":)", "c: invalid JSON at offset 11"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto r = oci::edit_spec_text(c.text, params(), "c");
        REQUIRE_FALSE(r);
        CAPTURE(r.error().message);
        CHECK(contains(r.error().message, c.has));
    }

    auto p = params();
    p.host_binary = "oci-sandbox-hook";
    auto r = oci::edit_spec_text(R"({"process":{"args":["sh"]}})", p, "c");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "host binary must be an absolute path"));
    p = params();
    p.host_enforcer = "";
    r = oci::edit_spec_text(R"({"process":{"args":["sh"]}})", p, "c");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "host enforcer must be an absolute path"));
    p = params();
    p.container_plan_dir = p.container_enforcer;
    CHECK_FALSE(oci::edit_spec_text(R"({"process":{"args":["sh"]}})", p, "c"));
}

TEST_CASE("an earlier edit's enforcer mount, from the enforcer or the hook binary, is replaced") {
    const auto p = params();
    for (const std::string& source : {p.host_enforcer, p.host_binary}) {
        CAPTURE(source);
        const std::string text =
            R"({"process":{"args":["sh"]},"mounts":[{"destination":"/.oci-sandbox/oci-sandbox-hook",)"
            R"("type":"bind","source":")" +
            source + R"(","options":["bind","ro"]}]})";
        auto out = oci::edit_spec_text(text, p, "c");
        REQUIRE_MESSAGE(out, (out ? "" : out.error().what()));
        auto s = oci::parse_spec(out->text, "c");
        REQUIRE(s);
        REQUIRE(s->mounts.size() == 3);
        CHECK(s->mounts[1].destination == "/.oci-sandbox/oci-sandbox-hook");
        CHECK(s->mounts[1].source == p.host_enforcer);
    }
    // Any other file there is refused.
    const std::string other =
        R"({"process":{"args":["sh"]},"mounts":[{"destination":"/.oci-sandbox/oci-sandbox-hook",)"
        R"("type":"bind","source":"/bin/sh","options":["bind","ro"]}]})";
    CHECK_FALSE(oci::edit_spec_text(other, p, "c"));
}

TEST_CASE(
    "null containers are replaced; a minimal spec gets hooks, mounts, annotations at the end") {
    auto out = oci::edit_spec_text(
        R"({"process":{"args":["sh"]},"mounts":null,"hooks":{"poststop":null}})", params(), "c",
        oci::SpecFormat::compact);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().what()));
    auto d = parse_doc(out->text);
    CHECK(d["mounts"].Size() == 3);
    CHECK(d["hooks"]["poststop"].Size() == 1);
    CHECK(d["hooks"]["createRuntime"].Size() == 1);
    // Key order: existing keys first, new ones appended.
    auto it = d.MemberBegin();
    CHECK(std::string(it->name.GetString()) == "process");
    CHECK(std::string((it + 3)->name.GetString()) == "annotations");
}

TEST_CASE("numbers, escapes and unicode survive an edit") {
    std::string text =
        R"({"process":{"args":["sh","\u00e9\u0000\"\\"]},"x":{"f":0.1,"big":18446744073709551615,"neg":-9223372036854775808,)"
        R"("e":1e-300,"pi":3.141592653589793,"s":"\ud83d\ude00"}})";
    auto out = oci::edit_spec_text(text, params(), "c");
    REQUIRE_MESSAGE(out, (out ? "" : out.error().what()));
    auto orig = parse_doc(text);
    auto e = parse_doc(out->text);
    CHECK(e["x"] == orig["x"]);
    CHECK(contains(out->text, "18446744073709551615"));
    CHECK(contains(out->text, "-9223372036854775808"));
    CHECK(contains(out->text, "0.1"));
    CHECK(contains(out->text, "3.141592653589793"));
    CHECK(e["process"]["args"][8] == orig["process"]["args"][1]);
    CHECK(e["process"]["args"][8].GetStringLength() == 5);  // é (2) NUL " backslash
    CHECK(e.MemberCount() == orig.MemberCount() + 3);  // +hooks +mounts +annotations
    CHECK(json::valid_utf8(out->text));
}

TEST_CASE("the edit reads exactly what runc reads, or refuses; it never writes invalid UTF-8") {
    struct Case {
        std::string text;
        std::string has;
    };
    const Case cases[] = {
        // runc (Go) keeps the last `process` and would run it unwrapped.
        {R"({"process":{"args":["sh"]},"process":{"args":["evil"]}})",
         "c: /process: duplicate member \"process\" at offset 36 (line 1, column 37)"},
        {R"({"process":{"args":["sh"],"args":["evil"]}})", "c: /process/args: duplicate member \"args\""},
        {R"({"process":{"args":["sh"]},"Process":{"args":["evil"]}})",
         "c: /Process: member \"Process\" and the earlier \"process\" differ only in letter case"},
        {R"({"process":{"args":["sh"]},"Linux":{"readonlyPaths":[]}})",
         "c: /Linux: differs from \"linux\" only in letter case"},
        {R"({"process":{"Args":["evil"],"args":["sh"]}})", "c: /process/args: member \"args\" and the earlier \"Args\""},
        {R"({"process":{"args":["sh"]},"x":)" + std::string(200000, '['), "c: /x/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0"},
        {R"({"process":{"args":["sh"],"cwd":"/w\udc00"}})",
         "c: /process/cwd: the escape \\udc00 is a lone UTF-16 surrogate, not a character (it cannot be "
         "written back as UTF-8) at offset 42"},
        {R"({"process":{"args":["sh"]},"x":{"\udfffy":1}})", "c: /x/\\udfffy: member name: the escape \\udfff"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text.substr(0, 120));
        auto doc = oci::SpecDocument::parse(c.text, "c");
        REQUIRE_FALSE(doc);
        CAPTURE(doc.error().message);
        CHECK(contains(doc.error().message, c.has));
        auto r = oci::edit_spec_text(c.text, params(), "c");
        REQUIRE_FALSE(r);
        CHECK(r.error().message == doc.error().message);
    }

    // A field only the edit reads (the hook's reader has none for it).
    auto ro = oci::edit_spec_text(R"({"process":{"args":["sh"]},"linux":{"ReadonlyPaths":[]}})", params(), "c");
    REQUIRE_FALSE(ro);
    CHECK(ro.error().message ==
          "c: /linux/readonlyPaths: spelled \"ReadonlyPaths\" (Go's decoder, in runc and containerd, reads it "
          "as \"readonlyPaths\")");

    // Whatever the edit adds is valid UTF-8 too.
    for (auto bad : {std::string("/opt/\xff/oci-sandbox-hook"), std::string("/opt/\xed\xb0\x80/h")}) {
        auto p = params();
        p.host_binary = bad;
        auto r = oci::edit_spec_text(R"({"process":{"args":["sh"]}})", p, "c");
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, "is not valid UTF-8"));
        p = params();
        p.hook_args.push_back(bad);
        CHECK_FALSE(oci::edit_spec_text(R"({"process":{"args":["sh"]}})", p, "c"));
        p = params();
        p.annotations["k"] = bad;
        CHECK_FALSE(oci::edit_spec_text(R"({"process":{"args":["sh"]}})", p, "c"));
    }
}

TEST_CASE("edit_bundle: atomic rewrite keeps the mode; second run is a no-op" *
          doctest::test_suite("corpus")) {
    TempDir dir;
    std::string cfg = dir.path + "/config.json";
    std::string text = osh_test::corpus_text(kExample);
    write_file(cfg, text, 0640);
    auto r = edit_bundle(dir.path, params());
    REQUIRE_MESSAGE(r, (r ? "" : r.error().what()));
    CHECK(*r);
    struct stat st {};
    REQUIRE(::stat(cfg.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(S_ISREG(st.st_mode));
    std::string edited = read_file(cfg);
    auto s = oci::parse_spec(edited, "edited");
    REQUIRE(s);
    CHECK(s->args.at(0) == "/.oci-sandbox/oci-sandbox-hook");
    CHECK(dir_entries(dir.path) == std::set<std::string>{"config.json"});  // no temp file left

    auto again = edit_bundle(dir.path, params());
    REQUIRE(again);
    CHECK_FALSE(*again);
    struct stat st2 {};
    REQUIRE(::stat(cfg.c_str(), &st2) == 0);
    CHECK(st2.st_ino == st.st_ino);  // not rewritten
    CHECK(read_file(cfg) == edited);
}

TEST_CASE("edit_bundle: a failed edit leaves the original untouched") {
    TempDir dir;
    std::string cfg = dir.path + "/config.json";
    const std::string bad =
        R"({"ociVersion":"1.0.0","root":{"path":"rootfs"}})";  // nothing to wrap
    write_file(cfg, bad, 0600);
    struct stat before {};
    REQUIRE(::stat(cfg.c_str(), &before) == 0);
    auto r = edit_bundle(dir.path, params());
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, cfg + ": /process: missing"));
    CHECK(read_file(cfg) == bad);
    struct stat after {};
    REQUIRE(::stat(cfg.c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    CHECK(dir_entries(dir.path) == std::set<std::string>{"config.json"});

    write_file(cfg, "{\"process\": ", 0600);
    auto j = edit_bundle(dir.path, params());
    REQUIRE_FALSE(j);
    CHECK(contains(j.error().message, cfg + ": invalid JSON at offset"));
    CHECK(read_file(cfg) == "{\"process\": ");
}

TEST_CASE("edit_bundle refuses a symlinked config.json and leaves its target alone" *
          doctest::test_suite("corpus")) {
    TempDir dir;
    TempDir elsewhere;
    std::string target = elsewhere.path + "/real.json";
    std::string text = osh_test::corpus_text(kExample);
    write_file(target, text);
    REQUIRE(::symlink(target.c_str(), (dir.path + "/config.json").c_str()) == 0);
    auto r = edit_bundle(dir.path, params());
    REQUIRE_FALSE(r);
    CAPTURE(r.error().message);
    CHECK(contains(r.error().message, "symbolic link"));
    CHECK(read_file(target) == text);
    struct stat st {};
    REQUIRE(::lstat((dir.path + "/config.json").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
}

TEST_CASE("edit_bundle refuses a directory, a FIFO, an oversized file, a missing bundle") {
    {
        TempDir dir;
        REQUIRE(::mkdir((dir.path + "/config.json").c_str(), 0755) == 0);
        auto r = edit_bundle(dir.path, params());
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, "config.json: not a regular file"));
    }
    {
        TempDir dir;
        REQUIRE(::mkfifo((dir.path + "/config.json").c_str(), 0600) == 0);
        auto r = edit_bundle(dir.path, params());  // must not block waiting for a writer
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, "not a regular file"));
    }
    {
        TempDir dir;
        std::string cfg = dir.path + "/config.json";
        write_file(cfg, "{}");
        REQUIRE(::truncate(cfg.c_str(), static_cast<off_t>(file::kMaxInputBytes) + 1) ==
                0);  // sparse
        auto r = edit_bundle(dir.path, params());
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, "larger than"));
    }
    {
        auto r = edit_bundle("/nonexistent/osh-bundle", params());
        REQUIRE_FALSE(r);
        CHECK(r.error().err == ENOENT);
        CHECK(contains(r.error().message, "/nonexistent/osh-bundle"));
    }
}

TEST_CASE("linux.readonlyPaths: the host-wide /proc paths are added once, others kept") {
    auto out = oci::edit_spec_text(
        R"({"process":{"args":["sh"]},"linux":{"readonlyPaths":["/proc/sys","/proc/asound"]}})",
        params(), "c", oci::SpecFormat::compact);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().what()));
    auto d = parse_doc(out->text);
    std::vector<std::string> ro;
    for (const auto& v : d["linux"]["readonlyPaths"].GetArray()) ro.emplace_back(v.GetString());
    CHECK(ro == std::vector<std::string>{"/proc/sys", "/proc/asound", "/proc/bus", "/proc/fs",
                                         "/proc/irq", "/proc/pressure", "/proc/sysrq-trigger"});
    auto twice = oci::edit_spec_text(out->text, params(), "c", oci::SpecFormat::compact);
    REQUIRE(twice);
    CHECK_FALSE(twice->changed);

    // No "linux" object (another OS, or a fragment): nothing invented.
    auto other = oci::edit_spec_text(R"({"process":{"args":["sh"]}})", params(), "c");
    REQUIRE(other);
    CHECK_FALSE(parse_doc(other->text).HasMember("linux"));
}

TEST_CASE("a zero with a large exponent survives an edit as zero (found by fuzz_spec_edit)") {
    // rapidjson 1.1.0's full-precision parse turned 0e100 into -1.99e146.
    auto out = oci::edit_spec_text(R"({"process":{"args":["sh"]},"x":[0e44,0e100,0.00000000000000000000000]})",
                                   params(), "c");
    REQUIRE_MESSAGE(out, (out ? "" : out.error().what()));
    auto d = parse_doc(out->text);
    for (const auto& v : d["x"].GetArray()) CHECK(v.GetDouble() == 0.0);
}

TEST_CASE("mounts: nothing at, above or below ours, in any spelling; ours last") {
    const std::string head = R"({"process":{"args":["sh"]},"mounts":[)";
    struct Case {
        const char* mount;
        bool refused;
    };
    const Case cases[] = {
        {R"({"destination":"/.oci-sandbox/oci-sandbox-hook","type":"bind","source":"/tmp/fake"})", true},
        {R"({"destination":"/.oci-sandbox","type":"bind","source":"/tmp/dir"})", true},
        // A tmpfs there is ours only with our source name.
        {R"({"destination":"/.oci-sandbox","type":"tmpfs","source":"tmpfs"})", true},
        {R"({"destination":"/.oci-sandbox","type":"bind","source":"oci-sandbox"})", true},
        {R"({"destination":"//.oci-sandbox/","type":"bind","source":"/tmp/dir"})", true},
        {R"({"destination":"/.oci-sandbox/./plan/","type":"bind","source":"/tmp/dir"})", true},
        {R"({"destination":"/.oci-sandbox/x/../plan","type":"bind","source":"/tmp/dir"})", true},
        {R"({"destination":"/x/../../.oci-sandbox/plan","type":"bind","source":"/tmp/dir"})", true},
        {R"({"destination":".oci-sandbox/plan","type":"bind","source":"/tmp/dir"})", true},
        {R"({"destination":"/.oci-sandbox/plan/sub","type":"bind","source":"/tmp/dir"})", true},
        {R"({"destination":"/.oci-sandbox/other","type":"bind","source":"/tmp/dir"})", true},
        {R"({"destination":"/","type":"bind","source":"/"})", true},
        // A plan mount not from beneath the run root is a decoy, not ours.
        {R"({"destination":"/.oci-sandbox/plan","type":"bind","source":"/tmp/plan"})", true},
        {R"({"destination":"/.oci-sandboxes","type":"bind","source":"/tmp/dir"})", false},
        {R"({"destination":"/data","type":"bind","source":"/tmp/dir"})", false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.mount);
        auto out = oci::edit_spec_text(head + c.mount + "]}", params(), "c");
        CHECK(out.has_value() != c.refused);
        if (!out) CHECK(contains(out.error().message, "/mounts/0"));
    }
    // Ours go last, after a mount that was there before; a second edit keeps them there.
    auto out = oci::edit_spec_text(head + R"({"destination":"/data","type":"bind","source":"/x"}]})",
                                   params(), "c");
    REQUIRE(out);
    auto s = oci::parse_spec(out->text, "edited");
    REQUIRE(s);
    REQUIRE(s->mounts.size() == 4);
    CHECK(s->mounts[1].destination == "/.oci-sandbox");
    CHECK(s->mounts[2].destination == "/.oci-sandbox/oci-sandbox-hook");
    CHECK(s->mounts[3].destination == "/.oci-sandbox/plan");
    // A mount added after our edit (another tool) moves ours last again.
    auto d = parse_doc(out->text);
    rapidjson::Value extra(rapidjson::kObjectType);
    extra.AddMember("destination", "/late", d.GetAllocator());
    extra.AddMember("type", "tmpfs", d.GetAllocator());
    d["mounts"].PushBack(extra, d.GetAllocator());
    auto again = oci::edit_spec_text(json::write(d), params(), "c");
    REQUIRE(again);
    CHECK(again->changed);
    auto s2 = oci::parse_spec(again->text, "edited");
    REQUIRE(s2);
    CHECK(s2->mounts.back().destination == "/.oci-sandbox/plan");
    CHECK(s2->mounts[1].destination == "/late");
}

TEST_CASE("exec --process: the enforcer in front of the command, every other field kept") {
    const std::string proc =
        R"({"terminal":true,"user":{"uid":1000,"gid":1000,"additionalGids":[0]},"args":["sh","-c","id"],)"
        R"("env":["A=1"],"cwd":"/w","capabilities":{"bounding":["CAP_KILL"]},"x-unknown":[1.50]})";
    auto out = oci::edit_process_text(proc, params(), "process.json");
    REQUIRE_MESSAGE(out, (out ? "" : out.error().what()));
    CHECK(out->changed);
    auto d = parse_doc(out->text);
    REQUIRE(d["args"].Size() == 10);
    CHECK(std::string(d["args"][0].GetString()) == "/.oci-sandbox/oci-sandbox-hook");
    CHECK(std::string(d["args"][5].GetString()) == std::string(32, 'a'));
    CHECK(std::string(d["args"][7].GetString()) == "sh");
    CHECK(d["user"]["uid"].GetInt() == 1000);
    CHECK(d["cwd"] == "/w");
    CHECK(d["terminal"].GetBool());
    CHECK(contains(out->text, "1.5"));
    auto twice = oci::edit_process_text(out->text, params(), "process.json");
    REQUIRE(twice);
    CHECK_FALSE(twice->changed);
    // A process already wrapped with another key is rewrapped with ours.
    auto p2 = params();
    p2.edit_key = std::string(32, 'c');
    auto re = oci::edit_process_text(out->text, p2, "process.json");
    REQUIRE(re);
    auto d2 = parse_doc(re->text);
    CHECK(d2["args"].Size() == 10);
    CHECK(std::string(d2["args"][5].GetString()) == std::string(32, 'c'));
    // "--" as --plan's value: the command starts after the next "--", as
    // the enforcer reads it (it once ran "--key" here).
    auto dv = oci::edit_process_text(
        R"({"args":["/.oci-sandbox/oci-sandbox-hook","exec","--plan","--","--key","k","--","sh"]})",
        params(), "process.json");
    REQUIRE(dv);
    auto d3 = parse_doc(dv->text);
    REQUIRE(d3["args"].Size() == 8);
    CHECK(std::string(d3["args"][6].GetString()) == "--");
    CHECK(std::string(d3["args"][7].GetString()) == "sh");
    CHECK_FALSE(oci::edit_process_text(R"({"args":[]})", params(), "p"));
    CHECK_FALSE(oci::edit_process_text(R"({"cwd":"/"})", params(), "p"));
    auto w = oci::wrapped_by_enforcer({"/.oci-sandbox/oci-sandbox-hook", "exec", "--plan", "/p",
                                       "--key", "k", "--", "sh"},
                                      "/.oci-sandbox/oci-sandbox-hook");
    REQUIRE(w);
    CHECK(w->plan_dir == "/p");
    CHECK(w->edit_key == "k");
    CHECK(w->command_at == 7);
    CHECK_FALSE(oci::wrapped_by_enforcer({"sh"}, "/.oci-sandbox/oci-sandbox-hook"));
    // The workload's own command: after our "--" (a "--" given as a value
    // is not it), or the args as they are.
    const std::string enf = "/.oci-sandbox/oci-sandbox-hook";
    using Args = std::vector<std::string>;
    CHECK(oci::workload_command(
              {enf, "exec", "--plan", "/p", "--key", "--", "--", "/run/podman-init", "--", "sh"},
              enf) == Args{"/run/podman-init", "--", "sh"});
    CHECK(oci::workload_command({"sh", "-c", "true"}, enf) == Args{"sh", "-c", "true"});
    CHECK(oci::workload_command({enf, "exec", "--plan", "/p"}, enf) ==
          Args{enf, "exec", "--plan", "/p"});
}
