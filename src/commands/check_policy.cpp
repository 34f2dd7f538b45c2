// check-policy FILE...: validate policy documents the way the hook will read them.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "doctor/policy_check.hpp"
#include "util/file.hpp"

namespace osh::commands {

namespace {

constexpr const char* kPrefix = "oci-sandbox-hook check-policy: ";

// Validates one file; prints "FILE: ok" (stdout) or every problem (stderr).
bool check_one(const std::string& arg) {
    const bool from_stdin = arg == "-";
    const std::string label = from_stdin ? "stdin" : arg;
    // The hook reads its policy with the same bounded reader, refusing a
    // symbolic link: so does this check.
    auto text = from_stdin ? file::read_fd(STDIN_FILENO, "stdin") : file::read_regular(arg, true);
    if (!text) {
        std::cerr << kPrefix << label << ": cannot read: " << text.error().what() << "\n";
        return false;
    }
    auto problems = doctor::check_policy_text(*text, label);
    if (!problems.empty()) {
        for (const auto& p : problems) std::cerr << kPrefix << p.to_string() << "\n";
        return false;
    }
    std::cout << label << ": ok\n";
    return true;
}

}  // namespace

void add_check_policy(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("check-policy", "Validate policy documents (JSON, \"version\": 1)");
    cmd->description(
        "Validate policy documents (JSON, \"version\": 1) exactly as the hook reads them, and\n"
        "for what would fail when a container is created: syscall names are resolved by\n"
        "libseccomp for this node's architecture (with a did-you-mean), globs are checked.\n"
        "Prints \"FILE: ok\" on stdout for each valid file; for an invalid one, every problem\n"
        "found, one a line on stderr, as \"oci-sandbox-hook check-policy: FILE: /json/pointer:\n"
        "message\" (the message says what is allowed). Unknown fields and words are errors.\n"
        "Exit status: 0 all valid, 1 any invalid or unreadable, 2 usage.");
    cmd->footer(
        "Examples:\n"
        "  oci-sandbox-hook check-policy /etc/oci-sandbox/policy.json /etc/oci-sandbox/policies.d/*.json\n"
        "  generate-policy | oci-sandbox-hook check-policy -\n"
        "Reference: man 5 oci-sandbox-policy; /usr/share/doc/oci-sandbox-hook/policy.md\n");
    auto files = std::make_shared<std::vector<std::string>>();
    cmd->add_option("FILE", *files, "policy files to check (\"-\" reads stdin)")->required();
    cmd->callback([files, &exit_code] {
        bool all_ok = true;
        for (const auto& f : *files) all_ok = check_one(f) && all_ok;
        exit_code = all_ok ? 0 : 1;
    });
}

}  // namespace osh::commands
