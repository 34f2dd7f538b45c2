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
    cmd->add_option("--policy", *policy,
                    "Policy file (default: annotation oci-sandbox/policy, "
                    "/etc/oci-sandbox/policy.json, built-in)");
    cmd->add_option("--stage", *stage, "OCI hook stage (default: from the state's status)")
        ->check(CLI::IsMember({"prestart", "createRuntime", "poststop"}));
    cmd->callback([&exit_code, opts, policy, stage] {
        // The runtime's environment is not ours to act on: nothing below reads
        // it, and clearing it first makes sure nothing ever does.
        ::clearenv();
        if (!policy->empty()) opts->policy_file = *policy;
        if (!stage->empty()) opts->stage = *stage;
        exit_code = hook::run_hook(*opts, STDIN_FILENO);
    });
}

}  // namespace osh::commands
