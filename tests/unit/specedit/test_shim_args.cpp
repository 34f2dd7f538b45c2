// The shim's reading of a command line: engines' real command lines are read
// as the runtime reads them, and every spelling a runtime could read
// differently is refused (each refused one below ran a container or an exec
// unconfined before the parser failed closed).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "specedit/exec.hpp"
#include "specedit/shim_args.hpp"

using namespace osh;
using Args = std::vector<std::string>;

namespace {

std::string refusal(const Args& a) {
    auto r = specedit::parse_shim_args(a);
    return r ? "" : r.error().what();
}

}  // namespace

TEST_CASE("shim args: runc and crun command lines as containerd, docker, podman write them") {
    auto a = specedit::parse_shim_args({"--root", "/run/runc", "--log", "/l.json", "--log-format",
                                        "json", "create", "--bundle", "/b", "--pid-file", "/p",
                                        "--console-socket", "/s", "cid1"});
    REQUIRE(a);
    CHECK(a->command == "create");
    CHECK(a->bundle == "/b");
    CHECK(a->id == "cid1");
    CHECK(a->global == Args{"--root", "/run/runc", "--log", "/l.json", "--log-format", "json"});
    CHECK(a->log_file == "/l.json");  // where the shim's own refusal is logged too
    CHECK(a->log_format == "json");

    auto b = specedit::parse_shim_args(
        {"--cgroup-manager=disabled", "run", "-b", "bun", "--detach", "id2"});
    REQUIRE(b);
    CHECK(b->command == "run");
    CHECK(b->log_file.empty());
    CHECK(b->bundle == "bun");
    CHECK(b->id == "id2");

    auto c = specedit::parse_shim_args(
        {"--systemd-cgroup", "run", "--bundle=/x", "--no-pivot", "--detach=true", "id3"});
    REQUIRE(c);
    CHECK(c->bundle == "/x");
    CHECK(c->id == "id3");

    // go-runc writes --rootless=BOOL; runsc's own flags go attached.
    auto d = specedit::parse_shim_args(
        {"--rootless=true", "--platform=ptrace", "--network=none", "create", "id4"});
    REQUIRE(d);
    CHECK(d->command == "create");
    CHECK(d->bundle.empty());  // the current directory
    CHECK(d->id == "id4");
    CHECK(d->global == Args{"--rootless=true", "--platform=ptrace", "--network=none"});

    auto e = specedit::parse_shim_args({"--root", "/r", "exec", "--process", "/p.json", "--detach",
                                        "--pid-file", "/pid", "--console-socket", "/s", "cid"});
    REQUIRE(e);
    CHECK(e->command == "exec");
    CHECK(e->process_file == "/p.json");
    CHECK(e->process_index == 4);  // where the shim puts its sealed copy's path
    CHECK_FALSE(e->process_attached);
    // An empty one: runc reads the command from the line, crun a file named "".
    for (const Args& empty : {Args{"exec", "--process=", "c1", "sh"}, Args{"exec", "-p", "", "c1"},
                              Args{"exec", "-p", "/a.json", "--process=", "c1", "sh"}}) {
        auto r = specedit::parse_shim_args(empty);
        REQUIRE_FALSE(r);
        CHECK(r.error().what().find("with an empty value") != std::string::npos);
    }
    auto eq = specedit::parse_shim_args({"exec", "-p", "/a.json", "--process=/b.json", "c1"});
    REQUIRE(eq);
    CHECK(eq->process_file == "/b.json");  // the last one counts, as in Go
    CHECK(eq->process_index == 3);
    CHECK(eq->process_attached);
    CHECK(e->id == "cid");
    CHECK(e->id_index == 10);

    auto f = specedit::parse_shim_args({"exec", "-t", "-e", "A=1", "-u", "0", "cid", "sh", "-c", "x"});
    REQUIRE(f);
    CHECK(f->process_file.empty());
    CHECK(f->id == "cid");
    CHECK(f->id_index == 6);

    auto other = specedit::parse_shim_args({"--root", "/r", "delete", "--force", "x"});
    REQUIRE(other);
    CHECK(other->command == "delete");
    CHECK(other->id.empty());  // nothing to edit
    auto none = specedit::parse_shim_args({"--version"});
    REQUIRE(none);
    CHECK(none->command.empty());
    auto help = specedit::parse_shim_args({"run", "--help"});
    REQUIRE(help);
    CHECK(help->help);  // the runtime prints its help and starts nothing
}

TEST_CASE("shim args: --help skips nothing that could run") {
    // runc reads --help=false, and a later --help=false, as no help and runs
    // the command: the line is edited (or the exec confined) as any other.
    for (const Args& a : {Args{"run", "--help=false", "--bundle", "/b", "id"},
                          Args{"run", "--help", "--help=false", "--bundle", "/b", "id"},
                          Args{"run", "--help", "--bundle", "/b", "id"},
                          Args{"exec", "--help=false", "cid", "sh"}}) {
        std::string joined;
        for (const auto& w : a) joined += w + " ";
        CAPTURE(joined);
        auto r = specedit::parse_shim_args(a);
        REQUIRE(r);
        CHECK_FALSE(r->help);
        CHECK_FALSE(r->id.empty());
    }
    auto none = specedit::parse_shim_args({"exec", "--help=false"});
    CHECK_FALSE(none);
    CHECK(refusal({"run", "--bun", "/b", "id"}).starts_with("run: unknown option --bun"));
}

TEST_CASE("shim args: incomplete or unsupported command lines are refused") {
    CHECK(refusal({"create", "--bundle", "/b"}).find("no container id") != std::string::npos);
    CHECK(refusal({"create", "--bundle"}).find("needs a value") != std::string::npos);
    CHECK_FALSE(refusal({"run", "../../etc"}).empty());  // the id is a path
    CHECK(refusal({"create", "--config", "/c.json", "x"}).find("outside the bundle") !=
          std::string::npos);
    CHECK(refusal({"create", "--config=/c.json", "x"}).find("outside the bundle") !=
          std::string::npos);
    CHECK(refusal({"exec", "cid"}).find("no command") != std::string::npos);
    CHECK(refusal({"run", "--bundle", "/b", "id", "--detach"}).find("after the container id") !=
          std::string::npos);
}

TEST_CASE("shim args: spellings the runtime could read differently are refused, not guessed") {
    // Each was read by the shim as something else than by runc or crun, and
    // the container or the exec ran unconfined.
    const std::vector<Args> refused = {
        // global options: a single-dash long option (runc's Go flags read
        // `-root R`), a value the shim cannot place, an abbreviation (crun's
        // argp reads `--roo R` as --root)
        {"-root", "/r", "run", "--bundle", "/b", "id"},
        {"--rootless", "0", "run", "--bundle", "/b", "id"},
        {"--rootless", "true", "create", "id"},
        {"--roo", "/r", "run", "--bundle", "/b", "id"},
        {"--platform", "ptrace", "run", "--bundle", "/b", "id"},
        {"-root", "/r", "exec", "cid", "sh"},
        // the bundle: Go's `--b` and `-bundle`, argp's attached `-bB` and
        // abbreviations, and `-b=B` (argp reads the value "=B")
        {"run", "--b", "/b", "id"},
        {"run", "-bundle", "/b", "id"},
        {"run", "-b/b", "id"},
        {"run", "--bun", "/b", "id"},
        {"run", "--bund=/b", "id"},
        {"run", "-b=/b", "id"},
        // crun's config override in its other spellings
        {"run", "--bundle", "/b", "-f/b/orig.json", "id"},
        {"run", "--bundle", "/b", "--conf=/b/orig.json", "id"},
        // the process file of an exec
        {"exec", "-p=/p.json", "cid", "x"},
        {"exec", "--p=/p.json", "cid", "x"},
        {"exec", "-process=/p.json", "cid", "x"},
        {"exec", "-p/p.json", "cid", "x"},
        {"exec", "--proc=/p.json", "cid", "x"},
        // letters run together, and a flag given a value
        {"exec", "-dt", "cid", "x"},
        {"run", "--detach=yes", "id"},
    };
    for (const auto& a : refused) {
        std::string joined;
        for (const auto& w : a) joined += w + " ";
        CAPTURE(joined);
        auto r = specedit::parse_shim_args(a);
        CHECK_FALSE(r);
    }
    CHECK(refusal({"run", "--bun", "/b", "id"}).find("unknown option --bun") != std::string::npos);
    CHECK(refusal({"--platform", "ptrace", "run", "id"}).find("--platform=VALUE") !=
          std::string::npos);
    CHECK(refusal({"run", "-b/b", "id"}).find("single-dash") != std::string::npos);
}

TEST_CASE("shim args: commands that could start a process unseen are refused") {
    CHECK(refusal({"--root", "/r", "restore", "--bundle", "/b", "--image-path", "/i", "id"})
              .find("restore: refused") != std::string::npos);
    CHECK(refusal({"do", "/bin/sh"}).find("unknown command \"do\"") != std::string::npos);
    CHECK(refusal({"-", "id"}).find("unknown command") != std::string::npos);
    for (const char* c : {"start", "delete", "kill", "state", "list", "ps", "events", "pause",
                          "resume", "update", "features", "spec", "checkpoint"}) {
        CAPTURE(c);
        auto r = specedit::parse_shim_args({"--root", "/r", c, "anything"});
        REQUIRE(r);
        CHECK(r->command == c);
    }
}

TEST_CASE("shim args: the runtime's log of a refused command line, read leniently") {
    auto l = specedit::runtime_log_of({"--root", "/r", "--log", "/l.json", "--log-format=json", "-bogus",
                                       "create", "--log", "/not-global"});
    CHECK(l.log_file == "/l.json");
    CHECK(l.log_format == "json");
    CHECK(specedit::runtime_log_of({"--log=/t.log", "exec", "x"}).log_file == "/t.log");
    CHECK(specedit::runtime_log_of({"create", "--log", "/x"}).log_file.empty());
}

TEST_CASE("exec: a command already wrapped is rewrapped from where the enforcer takes it") {
    oci::EditParams params;
    params.container_enforcer = "/.oci-sandbox/oci-sandbox-hook";
    params.container_plan_dir = "/.oci-sandbox/plan";
    params.edit_key = "k1";
    const Args prefix = {"/.oci-sandbox/oci-sandbox-hook", "exec", "--plan", "/.oci-sandbox/plan",
                         "--key", "k1", "--"};
    auto run = [&](const Args& args) {
        auto parsed = specedit::parse_shim_args(args);
        REQUIRE(parsed);
        auto out = specedit::confine_exec(args, *parsed, params);
        REQUIRE(out);
        return Args(out->begin() + static_cast<std::ptrdiff_t>(parsed->id_index) + 1, out->end());
    };
    Args plain = prefix;
    plain.insert(plain.end(), {"sh", "-c", "x"});
    CHECK(run({"exec", "c1", "sh", "-c", "x"}) == plain);
    // Another key: replaced by the container's own.
    CHECK(run({"exec", "c1", "/.oci-sandbox/oci-sandbox-hook", "exec", "--key", "00", "--", "sh",
               "-c", "x"}) == plain);
    // "--" as --plan's value: the enforcer's command starts after the next
    // "--", so the rewrap keeps "--" out of the command (it once ran "--").
    Args dashes = prefix;
    dashes.insert(dashes.end(), {"sh"});
    CHECK(run({"exec", "c1", "/.oci-sandbox/oci-sandbox-hook", "exec", "--plan", "--", "--",
               "sh"}) == dashes);
}
