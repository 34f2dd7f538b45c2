// PLACEHOLDER until its issue lands: replaced by the real command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/commands.hpp"

namespace osh::commands {

void add_explain(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("explain", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&exit_code] {
        std::cerr << "oci-sandbox-hook: explain: not implemented yet\n";
        exit_code = 2;
    });
}

}  // namespace osh::commands
