// `inject --bundle DIR [--id ID]`: the spec edit on a bundle, by hand or from
// a script. With --id the plan directory is /run/oci-sandbox/<ID>/ (as the
// shim does); without, a random key (as precreate does).
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands/commands.hpp"
#include "report/event.hpp"
#include "specedit/prepare.hpp"

namespace osh::commands {

void add_inject(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand(
        "inject", "Edit a bundle's config.json: our hooks, mounts and the enforcer");
    auto bundle = std::make_shared<std::string>();
    auto id = std::make_shared<std::string>();
    auto hook_binary = std::make_shared<std::string>();
    auto hook_args = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--bundle", *bundle, "Bundle directory (holds config.json)")->required();
    cmd->add_option("--id", *id, "Container id (names the plan directory)");
    cmd->add_option("--hook-binary", *hook_binary,
                    "Host path of oci-sandbox-hook (default: this binary)");
    cmd->add_option("--hook-arg", *hook_args,
                    "Extra argument for our hooks (repeatable), e.g. --hook-arg=--policy");
    cmd->callback([&exit_code, bundle, id, hook_binary, hook_args] {
        auto fail_with = [&](const Error& e) {
            std::cerr << "oci-sandbox-hook inject: " << e.what() << "\n";
            report::log_refusal("inject", *id, e.what());
            exit_code = 1;
        };
        auto setup = specedit::edit_setup(*hook_binary, "", *hook_args);
        if (!setup) return fail_with(setup.error());
        std::optional<std::string> want_id;
        if (!id->empty()) want_id = *id;
        auto changed = specedit::prepare_bundle(*bundle, want_id, *setup);
        if (!changed) return fail_with(changed.error());
        exit_code = 0;
    });
}

}  // namespace osh::commands
