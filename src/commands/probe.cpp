// PLACEHOLDER until its issue lands: replaced by the real command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/commands.hpp"

namespace osh::commands {

void add_probe(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("probe", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&exit_code] {
        std::cerr << "oci-sandbox-hook: probe: not implemented yet\n";
        exit_code = 2;
    });
}

}  // namespace osh::commands
