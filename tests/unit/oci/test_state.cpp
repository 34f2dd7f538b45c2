#include <doctest/doctest.h>

#include <map>
#include <string>

#include "corpus.hpp"
#include "oci/state.hpp"

using namespace osh;
using osh_test::contains;

namespace {

struct StateExpect {
    bool ok;
    std::string error_has;  // for failures: a substring of the error
};

// Every file in corpus/state/ has an entry: a new file without one fails.
const std::map<std::string, StateExpect> kStateCorpus = {
    {"cdi-tutorial/docker-createRuntime-hook-stdin.json", {true, ""}},
    {"containers-qm/hook-stdin-doc-example.json", {true, ""}},
    {"nvidia-container-toolkit/bundle-only.json", {false, "/id: missing"}},
    {"nvidia-container-toolkit/bundle-plus-nonstandard-root.json", {false, "/id: missing"}},
    {"nvidia-container-toolkit/empty-object.json", {false, "/id: missing"}},
    {"nvidia-container-toolkit/not-json.txt", {false, "invalid JSON at offset 1"}},
    {"runtime-spec/bad-invalid-json.json", {false, "invalid JSON at offset 1"}},
    // The seccomp listener's containerProcessState nests the state: not hook stdin.
    {"runtime-spec/containerProcessState-seccomp-listener-example.json", {false, "/id: missing"}},
    {"runtime-spec/good-spec-example.json", {true, ""}},
};

}  // namespace

TEST_CASE("every corpus state file meets its listed expectation" * doctest::test_suite("corpus")) {
    auto files = osh_test::corpus_files("state");
    REQUIRE(files.size() >= 9);
    for (const auto& rel : files) {
        CAPTURE(rel);
        auto it = kStateCorpus.find(rel);
        REQUIRE_MESSAGE(it != kStateCorpus.end(), "no expectation listed for corpus/state/" << rel);
        auto r = oci::parse_state(osh_test::corpus_text("state/" + rel), rel);
        if (it->second.ok) {
            CHECK_MESSAGE(r.has_value(), (r ? "" : r.error().what()));
        } else {
            REQUIRE_FALSE(r.has_value());
            CAPTURE(r.error().message);
            CHECK(contains(r.error().message, rel));  // names the input
            CHECK(contains(r.error().message, it->second.error_has));
        }
    }
}

TEST_CASE("corpus states: fields" * doctest::test_suite("corpus")) {
    auto docker = oci::parse_state(
        osh_test::corpus_text("state/cdi-tutorial/docker-createRuntime-hook-stdin.json"), "stdin");
    REQUIRE(docker);
    CHECK(docker->oci_version == "1.2.1");
    CHECK(docker->id == "628bd99f4306c169fe6206e3b74a5b093e0cec0bb40e0a3119f6918b66340c00");
    CHECK(docker->status == "creating");
    CHECK(docker->pid == 1);
    CHECK(docker->bundle.rfind("/run/containerd/io.containerd.runtime.v2.task/moby/", 0) == 0);
    CHECK_FALSE(docker->root.has_value());
    CHECK(docker->annotations.empty());

    auto qm = oci::parse_state(
        osh_test::corpus_text("state/containers-qm/hook-stdin-doc-example.json"), "stdin");
    REQUIRE(qm);
    CHECK(qm->pid == 1234);
    CHECK(qm->annotations.at("org.containers.qm.device.audio") == "true");
}

TEST_CASE("runc shape: no root") {
    auto r = oci::parse_state(
        R"({"ociVersion":"1.0.2","id":"c1","status":"creating","pid":4242,"bundle":"/run/b"})",
        "stdin");
    REQUIRE(r);
    CHECK(r->id == "c1");
    CHECK(r->pid == 4242);
    CHECK(r->bundle == "/run/b");
    CHECK_FALSE(r->root.has_value());
}

TEST_CASE("crun shape: root, status created/starting, pid 0") {
    for (const char* status : {"created", "starting"}) {
        CAPTURE(status);
        std::string text =
            std::string(R"({"ociVersion":"1.0.0","id":"c2","status":")") + status +
            R"(","pid":0,"bundle":"/run/crun/b","root":"/run/crun/b/rootfs","annotations":{"k":"v"}})";
        auto r = oci::parse_state(text, "stdin");
        REQUIRE_MESSAGE(r, (r ? "" : r.error().what()));
        CHECK(r->status == status);
        CHECK(r->pid == 0);
        REQUIRE(r->root.has_value());
        CHECK(*r->root == "/run/crun/b/rootfs");
        CHECK(r->annotations.at("k") == "v");
    }
}

TEST_CASE("old bundlePath spelling; absent pid is 0") {
    auto r = oci::parse_state(
        R"({"ociVersion":"1.0.0-rc1","id":"old","status":"created","bundlePath":"/b"})", "stdin");
    REQUIRE(r);
    CHECK(r->bundle == "/b");
    CHECK(r->pid == 0);
}

TEST_CASE("state errors name origin and pointer") {
    struct Case {
        const char* text;
        const char* has;
    };
    const Case cases[] = {
        {R"({"id":"c","bundle":"rel/b"})", "stdin: /bundle: expected an absolute path"},
        {R"({"id":"c","bundlePath":"rel"})", "stdin: /bundlePath: expected an absolute path"},
        {R"({"id":"c"})", "stdin: /bundle: missing"},
        {R"({"id":"c","bundle":7})", "stdin: /bundle: expected a string"},
        {R"({"id":5,"bundle":"/b"})", "stdin: /id: expected a string"},
        {R"({"id":"../x","bundle":"/b"})", "stdin: /id: container id"},
        {R"({"id":"c","bundle":"/b","pid":-2})", "stdin: /pid: expected an integer"},
        {R"({"id":"c","bundle":"/b","pid":"1"})", "stdin: /pid: expected an integer"},
        {R"({"id":"c","bundle":"/b","pid":1.5})", "stdin: /pid: expected an integer"},
        {R"({"id":"c","bundle":"/b","status":1})", "stdin: /status: expected a string"},
        {R"({"id":"c","bundle":"/b","root":""})", "stdin: /root: expected a non-empty path"},
        {R"({"id":"c","bundle":"/b","annotations":{"a/b":1}})",
         "stdin: /annotations/a~1b: expected a string"},
        {R"({"id":"c","bundle":"/b","annotations":[]})", "stdin: /annotations: expected an object"},
        {R"([])", "stdin: /: expected an object"},
        {"", "stdin: invalid JSON at offset 0"},
        // Read exactly as a Go runtime reads it, or refused.
        {R"({"id":"c","bundle":"/b","bundle":"/other"})", "stdin: /bundle: duplicate member \"bundle\""},
        {R"({"id":"c","bundle":"/b","annotations":{"k":"1","k":"2"}})",
         "stdin: /annotations/k: duplicate member \"k\""},
        {R"({"id":"c","Bundle":"/b"})",
         "stdin: /Bundle: differs from \"bundle\" only in letter case (Go's decoder"},
        {R"({"id":"c","bundle":"/b","ROOT":"/r"})", "stdin: /ROOT: differs from \"root\" only"},
        {R"({"id":"c","bundle":"/b\udc00"})", "stdin: /bundle: the escape \\udc00 is a lone UTF-16 surrogate"},
        {R"({"id":"c","bundle":"/b","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})",
         "stdin: /x/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0: nested deeper than 64"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto r = oci::parse_state(c.text, "stdin");
        REQUIRE_FALSE(r);
        CAPTURE(r.error().message);
        CHECK(contains(r.error().message, c.has));
    }
}

TEST_CASE("state: 200,000 '[' is refused, not a stack overflow") {
    auto r = oci::parse_state(std::string(200000, '['), "stdin");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "nested deeper than 64 arrays and objects"));
}

TEST_CASE("container id validation") {
    CHECK(oci::validate_container_id(
        "628bd99f4306c169fe6206e3b74a5b093e0cec0bb40e0a3119f6918b66340c00"));
    CHECK(oci::validate_container_id("my_container.1+x-y"));
    CHECK(oci::validate_container_id("a"));
    CHECK(oci::validate_container_id("a..b"));  // dots inside are fine: not a component of its own
    CHECK(oci::validate_container_id(std::string(256, 'a')));

    struct Bad {
        std::string id;
        const char* why;
    };
    const Bad bad[] = {
        {"", "empty"},
        {"/", "contains '/'"},
        {"a/b", "contains '/'"},
        {".", "path traversal"},
        {"..", "path traversal"},
        {std::string("a\0b", 3), "NUL"},
        {"a\nb", "control character"},
        {"a\x7f", "control character"},
        {"-a", "must start with a letter or digit"},
        {".hidden", "must start with a letter or digit"},
        {"a b", "allowed: letters, digits"},
        {"a\xc3\xa9", "allowed: letters, digits"},
        {std::string(257, 'a'), "257 bytes long"},
        {std::string(10 * 1024, 'x'), "10240 bytes long"},
    };
    for (const auto& b : bad) {
        CAPTURE(b.id.substr(0, 20));
        auto r = oci::validate_container_id(b.id);
        REQUIRE_FALSE(r);
        CAPTURE(r.error().message);
        CHECK(contains(r.error().message, b.why));
        CHECK(r.error().message.size() < 200);  // a 10 KB id never floods a log
    }
}

TEST_CASE("crun 1.8.1's relative root is joined to the bundle") {
    auto r = oci::parse_state(R"({"id":"c","bundle":"/b","root":"rootfs"})", "stdin");
    REQUIRE(r);
    CHECK(*r->root == "/b/rootfs");
}

TEST_CASE("state: gVisor's pid -1 after its sandbox is gone reads as no process") {
    auto st = oci::parse_state(R"({"ociVersion":"1.0.2","id":"c","status":"stopped","pid":-1,"bundle":"/b"})", "stdin");
    REQUIRE(st);
    CHECK(st->pid == 0);
    CHECK(st->status == "stopped");
}
