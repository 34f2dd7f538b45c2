#include <doctest/doctest.h>

#include <set>
#include <string>

#include "corpus.hpp"
#include "oci/spec.hpp"
#include "util/json.hpp"

using namespace osh;
using osh_test::contains;

namespace {

// Invalid JSON in the corpus: the error names the file and the offset.
const std::set<std::string> kInvalidJsonConfigs = {
    "runtime-spec/bad-invalid-json.json",
    "rancher-os/bad-ntp.spec-with-comments.json",  // `//` comments
};

oci::Spec load(const std::string& rel) {
    auto r = oci::parse_spec(osh_test::corpus_text("configs/" + rel), rel);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().what()));
    return *r;
}

}  // namespace

TEST_CASE("every corpus config parses, except the invalid JSON ones" *
          doctest::test_suite("corpus")) {
    auto files = osh_test::corpus_files("configs");
    REQUIRE(files.size() >= 37);
    size_t parsed = 0;
    for (const auto& rel : files) {
        CAPTURE(rel);
        auto r = oci::parse_spec(osh_test::corpus_text("configs/" + rel), rel);
        if (kInvalidJsonConfigs.count(rel)) {
            REQUIRE_FALSE(r.has_value());
            CAPTURE(r.error().message);
            CHECK(contains(r.error().message, rel + ": invalid JSON at offset "));
        } else {
            // This includes runtime-spec's bad-linux-{hugepage,netdevice,rdma}:
            // schema-invalid only in fields the hook does not read, so they parse.
            CHECK_MESSAGE(r.has_value(), (r ? "" : r.error().what()));
            ++parsed;
        }
    }
    CHECK(parsed == files.size() - kInvalidJsonConfigs.size());
}

TEST_CASE("schema-invalid runtime-spec fixtures parse (fields we do not read)" *
          doctest::test_suite("corpus")) {
    for (const char* rel :
         {"runtime-spec/bad-linux-hugepage.json", "runtime-spec/bad-linux-netdevice.json",
          "runtime-spec/bad-linux-rdma.json"}) {
        CAPTURE(rel);
        auto s = load(rel);
        CHECK(s.has_linux);
        CHECK_FALSE(s.has_process);
        CHECK(s.root_path == "rootfs");
    }
}

TEST_CASE("invalid JSON offsets" * doctest::test_suite("corpus")) {
    auto r = oci::parse_spec(osh_test::corpus_text("configs/runtime-spec/bad-invalid-json.json"),
                             "config.json");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "config.json: invalid JSON at offset 1 "));
    auto ntp = oci::parse_spec(
        osh_test::corpus_text("configs/rancher-os/bad-ntp.spec-with-comments.json"), "ntp.spec");
    REQUIRE_FALSE(ntp);
    CHECK(contains(ntp.error().message, "ntp.spec: invalid JSON at offset "));
    CHECK(contains(ntp.error().message, "line "));
}

TEST_CASE("rancher console spec: 178 devices, decimal st_mode fileMode, relative root, user {}" *
          doctest::test_suite("corpus")) {
    auto s = load("rancher-os/console.spec.json");
    CHECK(s.oci_version == "1.0.0-rc3");
    CHECK(s.devices.size() == 178);
    REQUIRE_FALSE(s.devices.empty());
    CHECK(s.devices[0].path == "/dev/bsg/1:0:0:0");
    CHECK(s.devices[0].type == "c");
    CHECK(s.devices[0].major == 248);
    CHECK(s.devices[0].minor == 0);
    REQUIRE(s.devices[0].file_mode.has_value());
    CHECK(*s.devices[0].file_mode == 8576u);  // S_IFCHR | 0600, written in decimal
    CHECK(s.mounts.size() == 34);
    CHECK(s.root_path == "rootfs");
    CHECK_FALSE(s.root_readonly);
    CHECK(s.uid == 0);
    CHECK(s.gid == 0);
    CHECK(s.has_process);
    // `"hooks": {}`
    CHECK(s.hooks.prestart.empty());
    CHECK(s.hooks.poststop.empty());
}

TEST_CASE("rancher bootstrap and docker specs: device counts" * doctest::test_suite("corpus")) {
    CHECK(load("rancher-os/bootstrap.spec.json").devices.size() == 168);
    CHECK(load("rancher-os/docker.spec.json").devices.size() == 178);
}

TEST_CASE("habana gaudi config: 4 accelerator devices, env, namespaces with paths" *
          doctest::test_suite("corpus")) {
    auto s = load("habana-container-runtime/k8s-containerd-gaudi-input-config.json");
    REQUIRE(s.devices.size() == 4);
    CHECK(s.devices[0].path == "/dev/hl5");
    CHECK(s.devices[1].path == "/dev/hl_controlD5");
    CHECK(s.devices[2].path == "/dev/accel/accel5");
    CHECK(s.devices[3].path == "/dev/accel/accel_controlD5");
    CHECK(s.devices[2].major == 234);
    CHECK(s.devices[2].minor == 10);
    CHECK(s.devices[0].file_mode == 438u);  // 0666
    CHECK(s.env_value("HABANA_VISIBLE_DEVICES") == "5");
    CHECK(s.root_path == "rootfs");
    CHECK(s.mounts.size() == 26);
    CHECK(s.annotations.at("io.kubernetes.cri.container-name") == "tensorflow");
    REQUIRE(s.namespaces.size() == 5);
    CHECK(s.namespaces[0].type == "pid");
    CHECK(s.namespaces[0].path.empty());
    CHECK(s.namespaces[4].type == "network");
    CHECK(s.namespaces[4].path == "/proc/1094513/ns/net");
    CHECK(s.args.at(0) == "/bin/sh");
    CHECK(s.cwd == "/root");

    auto created = load("habana-container-runtime/k8s-containerd-gaudi-for_create.json");
    REQUIRE(created.hooks.prestart.size() == 1);
    CHECK(created.hooks.prestart[0].path == "/usr/bin/habana-container-hook");
    CHECK(created.hooks.prestart[0].args ==
          std::vector<std::string>{"/usr/bin/habana-container-hook", "prestart"});
}

TEST_CASE("youki fixture: fileMode 666 kept as the number written" *
          doctest::test_suite("corpus")) {
    auto s = load("youki/seccomp-fixture-config.json");
    REQUIRE(s.devices.size() == 1);
    CHECK(s.devices[0].path == "/dev/kvm");
    CHECK(s.devices[0].file_mode == 666u);
    CHECK(s.root_path == "tests/assets/oci/helloworld/rootfs");
}

TEST_CASE("pre-1.0 config: flat capabilities array, user {}, platform, hooks {}" *
          doctest::test_suite("corpus")) {
    auto s = load("ascend-docker-runtime/oci-0.4.0-config.json");
    CHECK(s.oci_version == "0.4.0");
    CHECK(s.has_process);
    CHECK(s.uid == 0);
    CHECK(s.root_path == "rootfs");
    CHECK(s.root_readonly);
    CHECK(s.mounts.size() == 7);
    CHECK(s.namespaces.size() == 4);
    CHECK_FALSE(s.args.empty());
}

TEST_CASE("runtime-spec example: all six hook stages, user 1/1, absolute root elsewhere" *
          doctest::test_suite("corpus")) {
    auto s = load("runtime-spec/good-spec-example.json");
    CHECK(s.uid == 1);
    CHECK(s.gid == 1);
    REQUIRE(s.hooks.prestart.size() == 2);
    CHECK(s.hooks.prestart[0].path == "/usr/bin/fix-mounts");
    CHECK(s.hooks.prestart[0].args == std::vector<std::string>{"fix-mounts", "arg1", "arg2"});
    CHECK(s.hooks.prestart[0].env == std::vector<std::string>{"key1=value1"});
    CHECK(s.hooks.prestart[1].args.empty());
    CHECK(s.hooks.create_runtime.size() == 2);
    CHECK(s.hooks.create_container.size() == 1);
    CHECK(s.hooks.start_container.size() == 1);
    REQUIRE(s.hooks.poststart.size() == 1);
    CHECK(s.hooks.poststart[0].timeout == 5);
    CHECK_FALSE(s.hooks.prestart[0].timeout.has_value());
    REQUIRE(s.hooks.poststop.size() == 1);
    CHECK(s.hooks.poststop[0].path == "/usr/sbin/cleanup.sh");
    CHECK(s.devices.size() == 2);
    CHECK(s.annotations.size() == 2);

    auto docker = load("nvidia-container-toolkit/docker-config.clone3.input.json");
    CHECK(docker.root_path.rfind("/var/lib/docker/overlay2/", 0) == 0);
    REQUIRE(docker.hooks.prestart.size() == 1);
    CHECK(docker.hooks.prestart[0].path == "/proc/593/exe");
}

TEST_CASE("partial specs: no process, no linux, no root" * doctest::test_suite("corpus")) {
    auto cp = load("edge-cases/checkpointctl-partial-spec.dump.json");
    CHECK_FALSE(cp.has_process);
    CHECK_FALSE(cp.has_linux);
    CHECK(cp.root_path.empty());
    CHECK(cp.oci_version.empty());
    CHECK(cp.mounts.size() == 2);
    CHECK(cp.annotations.at("io.container.manager") == "libpod");

    auto minimal = load("runtime-spec/good-minimal.json");
    CHECK_FALSE(minimal.has_process);
    CHECK_FALSE(minimal.has_linux);

    auto priv = load("edge-cases/nvidia-hook_test-isPrivileged-4.json");
    CHECK(priv.has_process);
    CHECK(priv.args.empty());

    auto freebsd = load("runtime-spec/good-freebsd-example.json");
    CHECK_FALSE(freebsd.has_linux);
    CHECK(freebsd.mounts.size() == 2);
}

TEST_CASE("wrong types name their JSON pointer") {
    struct Case {
        const char* text;
        const char* has;
    };
    const Case cases[] = {
        {R"({"linux":{"devices":[{"path":"/a"},{"path":"/b"},{"path":"/c"},{"path":5}]}})",
         "c.json: /linux/devices/3/path: expected a string"},
        {R"({"linux":{"devices":[{"type":"c"}]}})", "c.json: /linux/devices/0/path: missing"},
        {R"({"linux":{"devices":[{"path":"/a","major":"1"}]}})",
         "/linux/devices/0/major: expected an integer"},
        {R"({"linux":{"devices":[{"path":"/a","fileMode":-1}]}})",
         "/linux/devices/0/fileMode: expected an integer"},
        {R"({"linux":{"devices":{}}})", "/linux/devices: expected an array"},
        {R"({"linux":{"namespaces":[{"type":"pid","path":1}]}})",
         "/linux/namespaces/0/path: expected a string"},
        {R"({"linux":[]})", "/linux: expected an object"},
        {R"({"process":[]})", "/process: expected an object"},
        {R"({"process":{"args":["a",1]}})", "/process/args/1: expected a string"},
        {R"({"process":{"env":"A=B"}})", "/process/env: expected an array of strings"},
        {R"({"process":{"cwd":1}})", "/process/cwd: expected a string"},
        {R"({"process":{"user":{"uid":-1}}})",
         "/process/user/uid: expected an integer from 0 to 4294967295"},
        {R"({"process":{"user":{"gid":4294967296}}})", "/process/user/gid: expected an integer"},
        {R"({"process":{"user":"root"}})", "/process/user: expected an object"},
        {R"({"root":{"path":1}})", "/root/path: expected a string"},
        {R"({"root":{"readonly":"yes"}})", "/root/readonly: expected true or false"},
        {R"({"mounts":[{"destination":"/a","options":["ro",1]}]})",
         "/mounts/0/options/1: expected a string"},
        {R"({"mounts":[{"source":"/a"}]})", "/mounts/0/destination: missing"},
        {R"({"mounts":[1]})", "/mounts/0: expected an object"},
        {R"({"hooks":{"prestart":[{"path":"/h","timeout":"5"}]}})",
         "/hooks/prestart/0/timeout: expected an integer"},
        {R"({"hooks":{"poststop":[{"args":[]}]}})", "/hooks/poststop/0/path: missing"},
        {R"({"hooks":{"createRuntime":{}}})", "/hooks/createRuntime: expected an array"},
        {R"({"hooks":[]})", "/hooks: expected an object"},
        {R"({"annotations":{"k":1}})", "/annotations/k: expected a string"},
        {R"({"ociVersion":1})", "/ociVersion: expected a string"},
        {R"("text")", "c.json: /: expected an object"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto r = oci::parse_spec(c.text, "c.json");
        REQUIRE_FALSE(r);
        CAPTURE(r.error().message);
        CHECK(contains(r.error().message, c.has));
        CHECK(r.error().message.rfind("c.json: ", 0) == 0);
    }
}

TEST_CASE("null is treated as absent (Go encoders write null for empty slices)") {
    auto r = oci::parse_spec(
        R"({"process":{"args":["sh"],"env":null,"user":null},"mounts":null,"hooks":{"prestart":null},)"
        R"("linux":{"devices":null,"namespaces":null},"annotations":null,"root":null})",
        "c.json");
    REQUIRE_MESSAGE(r, (r ? "" : r.error().what()));
    CHECK(r->args == std::vector<std::string>{"sh"});
    CHECK(r->mounts.empty());
    CHECK(r->has_linux);
}

TEST_CASE("env_value: first entry wins, exact key, no '=' ignored") {
    oci::Spec s;
    s.env = {
        "PATHX=nope", "NVIDIA_VISIBLE_DEVICES", "PATH=/bin", "PATH=/usr/bin", "EMPTY=", "A=b=c"};
    CHECK(s.env_value("PATH") == "/bin");
    CHECK(s.env_value("EMPTY") == "");
    CHECK(s.env_value("A") == "b=c");
    CHECK_FALSE(s.env_value("NVIDIA_VISIBLE_DEVICES").has_value());
    CHECK_FALSE(s.env_value("MISSING").has_value());
    CHECK_FALSE(s.env_value("").has_value());
}

TEST_CASE("config.json is read exactly as runc reads it, or refused") {
    struct Case {
        std::string text;
        std::string has;
    };
    const Case cases[] = {
        // runc (Go) keeps the last `process`: it would run the unwrapped one.
        {R"({"process":{"args":["/osh","exec","--","sh"]},"process":{"args":["sh"]}})",
         "config.json: /process: duplicate member \"process\" at offset "},
        {R"({"process":{"args":["sh"],"cwd":"/","args":["evil"]}})",
         "config.json: /process/args: duplicate member \"args\""},
        {R"({"linux":{"readonlyPaths":["/proc/sys"],"readonlyPaths":[]}})",
         "config.json: /linux/readonlyPaths: duplicate member"},
        {R"({"process":{"args":["sh"]},"Process":{"args":["evil"]}})",
         "config.json: /Process: member \"Process\" and the earlier \"process\" differ only in letter case"},
        // One spelling only: Go reads it as the field; an exact lookup would not.
        {R"({"Process":{"args":["sh"]}})",
         "config.json: /Process: differs from \"process\" only in letter case (Go's decoder, in runc "
         "and containerd, reads it as \"process\"); spell it \"process\""},
        {R"({"linux":{"Devices":[]}})", "config.json: /linux/Devices: differs from \"devices\""},
        {R"({"mounts":[{"destination":"/a","SOURCE":"/x"}]})",
         "config.json: /mounts/0/SOURCE: differs from \"source\""},
        {R"({"hooks":{"createruntime":[]}})", "config.json: /hooks/createruntime: differs from \"createRuntime\""},
        {R"({"process":{"cwd":"/w\udc00"}})",
         "config.json: /process/cwd: the escape \\udc00 is a lone UTF-16 surrogate"},
        {"{\"annotations\":{\"a\":\"\\udfff\"}}", "config.json: /annotations/a: the escape \\udfff"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto r = oci::parse_spec(c.text, "config.json");
        REQUIRE_FALSE(r);
        CAPTURE(r.error().message);
        CHECK(contains(r.error().message, c.has));
    }
    // Annotations are a map in Go too: their names are data, matched exactly.
    auto ok = oci::parse_spec(R"({"annotations":{"Process":"x","ROOT":"y"}})", "config.json");
    CHECK_MESSAGE(ok, (ok ? "" : ok.error().what()));
}

TEST_CASE("config.json nesting: bounded, 200,000 '[' is an error and no stack overflow") {
    std::string deep = R"({"process":{"args":["sh"]},"x":)" + std::string(200000, '[');
    auto r = oci::parse_spec(deep, "config.json");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "config.json: /x/0/0/"));
    CHECK(contains(r.error().message, ": nested deeper than 64 arrays and objects at offset "));
    auto bare = oci::parse_spec(std::string(200000, '['), "config.json");
    REQUIRE_FALSE(bare);
    CHECK(contains(bare.error().message, "nested deeper than 64"));
}

TEST_CASE("the checks refuse no real input: every valid corpus JSON file parses" *
          doctest::test_suite("corpus")) {
    // Not only configs: no real file has a duplicate, a case variant, a lone
    // surrogate or nesting near the bound (the deepest, a JSON schema, nests 10).
    const std::set<std::string> invalid = {
        "cdi/cncf-cdi/bad-empty.json",
        "configs/rancher-os/bad-ntp.spec-with-comments.json",
        "configs/runtime-spec/bad-invalid-json.json",
        "hooks.d/containers-common-docs/0.1.0-legacy-osystemd-hook.json",
        "hooks.d/containers-common-docs/1.0.0-oci-umount.json",
        "state/runtime-spec/bad-invalid-json.json",
    };
    size_t parsed = 0;
    for (const auto& rel : osh_test::corpus_files("")) {
        if (!rel.ends_with(".json")) continue;
        CAPTURE(rel);
        auto r = json::parse(osh_test::corpus_text(rel), rel);
        if (invalid.count(rel)) {
            REQUIRE_FALSE(r);
            CHECK(contains(r.error().message, rel + ": invalid JSON at offset "));
        } else {
            CHECK_MESSAGE(r, (r ? "" : r.error().what()));
            ++parsed;
        }
    }
    CHECK(parsed >= 90);
}

TEST_CASE("a mount's read-only flags as the runtimes apply them") {
    auto m = [](std::vector<std::string> opts, std::string type = "bind") {
        return oci::Mount{"/host", std::move(type), "/", std::move(opts)};
    };
    CHECK(m({"rbind", "ro"}).is_read_only_on_top_only());
    CHECK(m({"ro", "rbind", "nosuid"}).is_read_only_on_top_only());
    // rro reaches the mounts beneath; a plain bind carries none.
    CHECK_FALSE(m({"rbind", "ro", "rro"}).is_read_only_on_top_only());
    CHECK_FALSE(m({"bind", "ro"}).is_read_only_on_top_only());
    CHECK_FALSE(m({"ro"}).is_read_only_on_top_only());
    // The last of ro and rw wins.
    CHECK_FALSE(m({"rbind", "ro", "rw"}).is_read_only_on_top_only());
    CHECK(m({"rbind", "rw", "ro"}).is_read_only_on_top_only());
    CHECK(m({"rbind", "ro"}, "none").is_read_only_on_top_only());
}

TEST_CASE("a hook path is absolute, or a bare name where the runtime runs it from the bundle") {
    auto parse = [](const std::string& stage, const std::string& path) {
        return oci::parse_spec(R"({"hooks":{")" + stage + R"(":[{"path":")" + path + R"("}]}})", "t");
    };
    for (const char* stage : {"prestart", "createRuntime", "createContainer", "startContainer",
                              "poststart", "poststop"}) {
        CAPTURE(stage);
        CHECK(parse(stage, "/usr/bin/hook"));
        // With a "/", relative to the runtime's working directory: the
        // bundle (whose rootfs/ is the image) or the container's root.
        for (const char* rel : {"rootfs/bin/x", "./x", "../x", ""}) {
            CAPTURE(rel);
            auto r = parse(stage, rel);
            REQUIRE_FALSE(r);
            CHECK(r.error().what().find("/hooks/" + std::string(stage) + "/0/path") != std::string::npos);
            CHECK(r.error().what().find("must be an absolute path") != std::string::npos);
        }
    }
    // A bare name: the engine's file beside config.json for the runtime's
    // stages (NVIDIA's toolkit writes nvidia-container-runtime-hook so);
    // the image's file at its root for the container's.
    CHECK(parse("prestart", "nvidia-container-runtime-hook"));
    CHECK(parse("poststop", "cleanup"));
    CHECK_FALSE(parse("createContainer", "x"));
    CHECK_FALSE(parse("startContainer", "x"));
}

TEST_CASE("a second namespace entry of one type is refused, with its pointer") {
    // runc refuses the spec; crun takes the last entry, so a container
    // spelled {"type":"ipc"} then the host's by path would share the host's.
    auto two = oci::parse_spec(
        R"({"linux":{"namespaces":[{"type":"ipc"},{"type":"pid"},{"type":"ipc","path":"/proc/1/ns/ipc"}]}})",
        "config.json");
    REQUIRE_FALSE(two);
    CHECK(two.error().what().find("/linux/namespaces/2/type") != std::string::npos);
    CHECK(two.error().what().find("a second \"ipc\" namespace") != std::string::npos);
    CHECK(oci::parse_spec(R"({"linux":{"namespaces":[{"type":"ipc"},{"type":"network"}]}})",
                          "config.json"));
}
