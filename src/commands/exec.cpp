// PLACEHOLDER until its issue lands: replaced by the real command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/commands.hpp"

namespace osh::commands {

void add_exec(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("exec", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&exit_code] {
        std::cerr << "oci-sandbox-hook: exec: not implemented yet\n";
        exit_code = 2;
    });
}

}  // namespace osh::commands
