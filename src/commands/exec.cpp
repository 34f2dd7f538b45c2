// `exec [--plan DIR] --key KEY -- CMD ARGS...`: the in-container enforcer
// run from oci-sandbox-hook (src/enforce/ does the work, and reads the usual
// form before CLI11 is built; this is the help and the usage errors).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/commands.hpp"
#include "enforce/args.hpp"
#include "enforce/enforcer.hpp"
#include "plan/plan.hpp"

namespace osh::commands {

using enforce::kExitRefused;
using enforce::write_all;

int exec_main(const std::string& plan_dir, const std::string& key,
              const std::vector<std::string>& argv) {
    return enforce::enforce_and_exec(plan_dir, key, argv);
}

void add_exec(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("exec",
                                   "Enforce the container's plan (Landlock, seccomp, no_new_privs, "
                                   "user), then exec CMD. Exit: CMD's own; 125 refused; 126 not "
                                   "executable; 127 not found.");
    auto plan_dir = std::make_shared<std::string>(plan::kContainerPlanDir);
    auto key = std::make_shared<std::string>();
    auto command = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--plan", *plan_dir, "plan directory")->capture_default_str();
    cmd->add_option("--key", *key,
                    "the spec edit's key: only a plan carrying it is accepted (the spec edit "
                    "writes it)");
    cmd->add_option("command", *command, "CMD ARGS... (after --)");
    // CMD ARGS come after `--`, verbatim (CLI11 puts them in `command`; the
    // separator itself shows up in remaining()). Anything else unparsed means
    // CMD's options were given without `--`: refuse rather than guess.
    cmd->allow_extras();
    cmd->callback([cmd, plan_dir, key, command, &exit_code] {
        std::vector<std::string> extras = cmd->remaining();
        auto sep = std::find(extras.begin(), extras.end(), "--");
        if (sep != extras.end()) extras.erase(sep);
        if (!extras.empty()) {
            write_all(2, "oci-sandbox-hook exec: unexpected argument \"" + extras.front() +
                             "\": put the command after --, as in: exec [--plan DIR] --key KEY "
                             "-- CMD ARGS...\n");
            exit_code = kExitRefused;
            return;
        }
        exit_code = exec_main(*plan_dir, *key, *command);
    });
}

std::optional<int> exec_fast_path(int argc, char** argv) {
    // argv: oci-sandbox-hook exec ...
    auto args = enforce::parse_exec_args(argc, argv, 2);
    if (!args) return std::nullopt;
    return exec_main(args->plan_dir, args->key, args->command);
}

}  // namespace osh::commands
