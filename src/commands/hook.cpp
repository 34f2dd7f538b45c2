// `hook [--policy FILE] [--stage STAGE] [--enforcer PATH]`: the OCI hook. Thin: the work is in
// hook::run_hook.
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <cstdlib>

#include "commands/commands.hpp"
#include "hook/hook.hpp"

namespace osh::commands {

void add_hook(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand(
        "hook", "The OCI hook: createRuntime (or prestart) writes the plan; poststop cleans up");
    auto opts = std::make_shared<hook::HookOptions>();
    auto policy = std::make_shared<std::string>();
    auto stage = std::make_shared<std::string>();
    auto policies_dir = std::make_shared<std::string>();
    cmd->add_option("--policy", *policy,
                    "The main policy file (default: /etc/oci-sandbox/policy.json, else the "
                    "built-in default); the annotation oci-sandbox/policy may select a named "
                    "policy it lists in \"selectable\"");
    cmd->add_option("--policies-dir", *policies_dir,
                    "Where named policies are (default: /etc/oci-sandbox/policies.d)");
    auto run_root = std::make_shared<std::string>();
    cmd->add_option("--run-root", *run_root,
                    "Where plan directories are (default: /run/oci-sandbox; the spec edit passes "
                    "a rootless engine's $XDG_RUNTIME_DIR/oci-sandbox)")
        ->check([](const std::string& v) {
            return !v.empty() && v.front() == '/' ? std::string() : std::string("an absolute path");
        });
    cmd->add_option("--stage", *stage, "OCI hook stage (default: from the state's status)")
        ->check(CLI::IsMember({"prestart", "createRuntime", "poststop"}));
    auto enforcer = std::make_shared<std::string>();
    cmd->add_option("--enforcer", *enforcer,
                    "The enforcer the spec edit binds into the container, which the hook proves "
                    "is what the container will run (default: oci-sandbox-enforce beside this "
                    "binary; the spec edit passes it)")
        ->check([](const std::string& v) {
            return !v.empty() && v.front() == '/' ? std::string() : std::string("an absolute path");
        });
    cmd->callback([&exit_code, opts, policy, policies_dir, run_root, stage, enforcer] {
        // The runtime's environment is not ours to act on: nothing below reads
        // it, and clearing it first makes sure nothing ever does.
        ::clearenv();
        if (!policy->empty()) opts->sources.policy_file = *policy;
        if (!policies_dir->empty()) opts->sources.policies_dir = *policies_dir;
        if (!run_root->empty()) opts->run_root = *run_root;
        // A rootless engine's hook cannot write the system log: its events
        // go beside its plans unless the policy names a log of its own.
        if (opts->run_root != plan::kRunRoot)
            opts->default_log = opts->run_root + "/oci-sandbox-hook.log";
        if (!stage->empty()) opts->stage = *stage;
        if (!enforcer->empty()) opts->enforcer = *enforcer;
        exit_code = hook::run_hook(*opts, STDIN_FILENO);
    });
}

}  // namespace osh::commands
