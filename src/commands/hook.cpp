// `hook [--policy FILE] [--stage STAGE]`: the OCI hook. Thin: the work is in
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
    cmd->add_option("--stage", *stage, "OCI hook stage (default: from the state's status)")
        ->check(CLI::IsMember({"prestart", "createRuntime", "poststop"}));
    cmd->callback([&exit_code, opts, policy, policies_dir, stage] {
        // The runtime's environment is not ours to act on: nothing below reads
        // it, and clearing it first makes sure nothing ever does.
        ::clearenv();
        if (!policy->empty()) opts->sources.policy_file = *policy;
        if (!policies_dir->empty()) opts->sources.policies_dir = *policies_dir;
        if (!stage->empty()) opts->stage = *stage;
        exit_code = hook::run_hook(*opts, STDIN_FILENO);
    });
}

}  // namespace osh::commands
