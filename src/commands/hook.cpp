// `hook [--policy FILE] [--policies-dir DIR] [--run-root DIR] [--stage STAGE]
// [--enforcer PATH]`: the OCI hook. Thin: the work is in hook::run_hook.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string_view>

#include "commands/commands.hpp"
#include "hook/hook.hpp"

namespace osh::commands {

namespace {

struct HookArgs {
    std::string policy, policies_dir, run_root, stage, enforcer;
};

bool absolute(const std::string& v) {
    return !v.empty() && v.front() == '/';
}

bool known_stage(const std::string& v) {
    return v == "prestart" || v == "createRuntime" || v == "poststop";
}

int run(const HookArgs& a) {
    // The runtime's environment is not ours to act on: nothing below reads
    // it, and clearing it first makes sure nothing ever does.
    ::clearenv();
    hook::HookOptions opts;
    if (!a.policy.empty()) opts.sources.policy_file = a.policy;
    if (!a.policies_dir.empty()) opts.sources.policies_dir = a.policies_dir;
    if (!a.run_root.empty()) opts.run_root = a.run_root;
    // A rootless engine's hook cannot write the system log: its events
    // go beside its plans unless the policy names a log of its own.
    if (opts.run_root != plan::kRunRoot) opts.default_log = opts.run_root + "/oci-sandbox-hook.log";
    if (!a.stage.empty()) opts.stage = a.stage;
    if (!a.enforcer.empty()) opts.enforcer = a.enforcer;
    return hook::run_hook(opts, STDIN_FILENO);
}

}  // namespace

void add_hook(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand(
        "hook", "The OCI hook: createRuntime (or prestart) writes the plan; poststop cleans up");
    auto a = std::make_shared<HookArgs>();
    cmd->add_option("--policy", a->policy,
                    "The main policy file (default: /etc/oci-sandbox/policy.json, else the "
                    "built-in default); the annotation oci-sandbox/policy may select a named "
                    "policy it lists in \"selectable\"");
    cmd->add_option("--policies-dir", a->policies_dir,
                    "Where named policies are (default: /etc/oci-sandbox/policies.d)");
    cmd->add_option("--run-root", a->run_root,
                    "Where plan directories are (default: /run/oci-sandbox; the spec edit passes "
                    "a rootless engine's $XDG_RUNTIME_DIR/oci-sandbox)")
        ->check(
            [](const std::string& v) { return absolute(v) ? std::string() : "an absolute path"; });
    cmd->add_option("--stage", a->stage, "OCI hook stage (default: from the state's status)")
        ->check([](const std::string& v) {
            return known_stage(v) ? std::string()
                                  : v + " is not one of prestart, createRuntime, poststop";
        });
    cmd->add_option("--enforcer", a->enforcer,
                    "The enforcer the spec edit binds into the container, which the hook proves "
                    "is what the container will run (default: oci-sandbox-enforce beside this "
                    "binary; the spec edit passes it)")
        ->check(
            [](const std::string& v) { return absolute(v) ? std::string() : "an absolute path"; });
    cmd->callback([&exit_code, a] { exit_code = run(*a); });
}

std::optional<int> hook_fast_path(int argc, char** argv) {
    // argv: oci-sandbox-hook hook OPTION VALUE... as the spec edit writes it.
    // Anything else (help, a repeated, unknown or invalid option, a value that
    // looks like an option) goes through the full command line, which says why.
    HookArgs a;
    const std::pair<std::string_view, std::string*> slots[] = {
        {"--policy", &a.policy}, {"--policies-dir", &a.policies_dir}, {"--run-root", &a.run_root},
        {"--stage", &a.stage},   {"--enforcer", &a.enforcer},
    };
    std::set<std::string_view> seen;
    for (int i = 2; i < argc; ++i) {
        std::string_view arg = argv[i], name = arg, value;
        const size_t eq = arg.find('=');
        if (eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        } else {
            if (i + 1 >= argc || argv[i + 1][0] == '-') return std::nullopt;
            value = argv[++i];
        }
        std::string* slot = nullptr;
        for (const auto& [n, s] : slots)
            if (n == name) slot = s;
        if (!slot || value.empty() || !seen.insert(name).second) return std::nullopt;
        *slot = std::string(value);
    }
    if ((!a.run_root.empty() && !absolute(a.run_root)) ||
        (!a.enforcer.empty() && !absolute(a.enforcer)) ||
        (!a.stage.empty() && !known_stage(a.stage)))
        return std::nullopt;
    return run(a);
}

}  // namespace osh::commands
