// check-policy as users run it: the real binary, as a subprocess.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct Run {
    int status = -1;
    std::string output;
};

// Runs `oci-sandbox-hook ARGS` through sh (the arguments are test-controlled).
// `streams` picks what is captured: "2>&1" (both), "2>/dev/null" (stdout only),
// "2>&1 >/dev/null" (stderr only).
// `input`, when given, is piped to stdin (no single quotes in it).
Run hook(const std::string& args, const std::string& streams = "2>&1", const std::string& input = "") {
    const char* bin = std::getenv("OSH_HOOK_BIN");
    REQUIRE_MESSAGE(bin != nullptr, "OSH_HOOK_BIN is not set (run through meson test)");
    std::string cmd = std::string("'") + bin + "' " + args + " " + streams;
    if (!input.empty()) cmd = "printf '%s' '" + input + "' | " + cmd;
    FILE* f = popen(cmd.c_str(), "r");
    REQUIRE(f != nullptr);
    Run r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.output.append(buf, n);
    int st = pclose(f);
    REQUIRE(WIFEXITED(st));
    r.status = WEXITSTATUS(st);
    return r;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/osh-policy-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name) << text;
        return (path / name).string();
    }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("check-policy: valid files print FILE: ok on stdout and exit 0") {
    std::string def = std::string(std::getenv("OSH_TESTDATA")) + "/policy.default.json";
    std::string max = std::string(std::getenv("OSH_TESTDATA")) + "/policy.maximal.json";
    Run r = hook("check-policy '" + def + "' '" + max + "'", "2>/dev/null");
    CHECK(r.status == 0);
    CHECK(r.output == def + ": ok\n" + max + ": ok\n");
    Run err = hook("check-policy '" + def + "'", "2>&1 >/dev/null");
    CHECK(err.output.empty());
}

TEST_CASE("check-policy: invalid files list every problem on stderr and exit 1") {
    TempDir d;
    std::string good = d.write("good.json", "{\"version\": 1}");
    std::string bad = d.write("bad.json",
                              "{\"version\": 1, \"gpu\": {\"detect\": \"x\"}, \"seccomp\": {\"deny\": \"ptrace\"}}");
    Run r = hook("check-policy '" + good + "' '" + bad + "'", "2>&1 >/dev/null");
    CHECK(r.status == 1);
    CHECK(contains(r.output, bad + ": /gpu/detect: unknown value \"x\"; allowed: auto, always, never\n"));
    CHECK(contains(r.output, bad + ": /seccomp/deny: expected an array"));
    CHECK_FALSE(contains(r.output, good));
    // stdout still reports the valid one.
    Run out = hook("check-policy '" + good + "' '" + bad + "'", "2>/dev/null");
    CHECK(out.output == good + ": ok\n");
}

TEST_CASE("check-policy: bad JSON names file and offset; unreadable files fail") {
    TempDir d;
    std::string broken = d.write("broken.json", "{\"version\": 1,}");
    Run r = hook("check-policy '" + broken + "'");
    CHECK(r.status == 1);
    CHECK(contains(r.output, broken + ": invalid JSON at offset"));
    Run missing = hook("check-policy '" + (d.path / "absent.json").string() + "'");
    CHECK(missing.status == 1);
    CHECK(contains(missing.output, "absent.json: cannot read"));
    Run dir = hook("check-policy '" + d.path.string() + "'");
    CHECK(dir.status == 1);
}

TEST_CASE("check-policy: stdin as \"-\"") {
    Run ok = hook("check-policy - < '" + std::string(std::getenv("OSH_TESTDATA")) + "/policy.default.json'");
    CHECK(ok.status == 0);
    CHECK(ok.output == "stdin: ok\n");
    Run bad = hook("check-policy -", "2>&1", "{\"version\": 2}");
    CHECK(bad.status == 1);
    CHECK(contains(bad.output, "stdin: /version: unsupported version 2"));
}

TEST_CASE("check-policy: usage errors exit 2, --help exits 0") {
    CHECK(hook("check-policy").status == 2);
    CHECK(hook("check-policy --no-such-flag x.json").status == 2);
    Run help = hook("check-policy --help");
    CHECK(help.status == 0);
    CHECK(contains(help.output, "FILE"));
    CHECK(contains(help.output, "Exit status"));
}
