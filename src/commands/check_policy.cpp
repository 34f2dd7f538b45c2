// check-policy FILE...: validate policy documents the way the hook will read them.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "policy/document.hpp"
#include "util/file.hpp"

namespace osh::commands {

namespace {

// Validates one file; prints "FILE: ok" (stdout) or every problem (stderr).
bool check_one(const std::string& arg) {
    const bool from_stdin = arg == "-";
    const std::string label = from_stdin ? "stdin" : arg;
    // The hook reads its policy with the same bounded reader.
    auto text = from_stdin ? file::read_fd(STDIN_FILENO, "stdin") : file::read_regular(arg);
    if (!text) {
        std::cerr << label << ": cannot read: " << text.error().what() << "\n";
        return false;
    }
    auto policy = policy::parse_policy(*text, label);
    if (!policy) {
        for (const auto& p : policy.error()) std::cerr << p.to_string() << "\n";
        return false;
    }
    std::cout << label << ": ok\n";
    return true;
}

}  // namespace

void add_check_policy(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("check-policy", "Validate policy documents (JSON, \"version\": 1)");
    cmd->description(
        "Validate policy documents (JSON, \"version\": 1) exactly as the hook reads them.\n"
        "Prints \"FILE: ok\" on stdout for each valid file; for an invalid one, every problem\n"
        "found, one a line on stderr, as \"FILE: /json/pointer: message\" (the message says\n"
        "what is allowed). Unknown fields and unknown words are errors.\n"
        "Exit status: 0 all valid, 1 any invalid or unreadable, 2 usage.");
    cmd->footer(
        "Examples:\n"
        "  oci-sandbox-hook check-policy /etc/oci-sandbox/policy.json /etc/oci-sandbox/policies.d/*.json\n"
        "  generate-policy | oci-sandbox-hook check-policy -\n"
        "Reference: docs/policy.md\n");
    auto files = std::make_shared<std::vector<std::string>>();
    cmd->add_option("FILE", *files, "policy files to check (\"-\" reads stdin)")->required();
    cmd->callback([files, &exit_code] {
        bool all_ok = true;
        for (const auto& f : *files) all_ok = check_one(f) && all_ok;
        exit_code = all_ok ? 0 : 1;
    });
}

}  // namespace osh::commands
