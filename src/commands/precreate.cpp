// `precreate`: podman's hooks.d precreate stage. The spec arrives on stdin and
// the edited spec goes to stdout. podman gives this stage no container id
// (checked with podman 4.3.1: only the spec, no id field or annotation), so
// the plan directory is keyed by a random token recorded in the annotation
// oci-sandbox/plan-key (see plan/plan_dir.hpp).
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>

#include "commands/commands.hpp"
#include "report/event.hpp"
#include "specedit/prepare.hpp"
#include "util/file.hpp"
#include "util/userns.hpp"

namespace osh::commands {

void add_precreate(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand(
        "precreate", "podman hooks.d precreate: spec on stdin, edited spec on stdout");
    auto hook_binary = std::make_shared<std::string>();
    auto hook_args = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--hook-binary", *hook_binary,
                    "Host path of oci-sandbox-hook (default: this binary)");
    cmd->add_option("--hook-arg", *hook_args,
                    "Extra argument for our hooks (repeatable), e.g. --hook-arg=--policy");
    cmd->callback([&exit_code, hook_binary, hook_args] {
        auto fail_with = [&](const Error& e) {
            std::cerr << "oci-sandbox-hook precreate: " << e.what() << "\n";
            report::log_refusal("precreate", "", e.what());
            exit_code = 1;
        };
        auto setup = specedit::edit_setup(*hook_binary, "", *hook_args);
        if (!setup) return fail_with(setup.error());
        auto in = file::read_fd(STDIN_FILENO, "the spec on stdin");
        if (!in) return fail_with(in.error());
        auto out = specedit::prepare_spec_text(*in, *setup);
        if (!out) return fail_with(out.error());
        std::cout << *out << std::flush;
        if (!std::cout) {
            std::cerr << "oci-sandbox-hook precreate: writing stdout failed\n";
            exit_code = 1;
            return;
        }
        exit_code = 0;
    });
}

}  // namespace osh::commands
