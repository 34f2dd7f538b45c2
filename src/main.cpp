// oci-sandbox-hook's CLI wiring only. This binary plays every part (the
// enforcer also ships alone, as oci-sandbox-enforce: src/enforce/main.cpp);
// it is dispatched on its name (oci-sandbox-runtime) or on the first argument.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "util/suggest.hpp"
#include "util/test_point.hpp"

namespace {

std::string basename_of(const char* argv0) {
    const char* slash = std::strrchr(argv0, '/');
    return slash ? slash + 1 : argv0;
}

}  // namespace

int main(int argc, char** argv) {
    // Before any command clears the environment (test builds only).
    osh::test_point::capture_from_env();
    if (argc > 0 && basename_of(argv[0]) == "oci-sandbox-runtime")
        return osh::commands::runtime_main(std::vector<std::string>(argv + 1, argv + argc));
    if (argc > 1 && std::strcmp(argv[1], "runtime") == 0)
        return osh::commands::runtime_main(std::vector<std::string>(argv + 2, argv + argc));

    if (argc > 1 && std::strcmp(argv[1], "exec") == 0)
        if (auto rc = osh::commands::exec_fast_path(argc, argv)) return *rc;
    if (argc > 1 && std::strcmp(argv[1], "hook") == 0)
        if (auto rc = osh::commands::hook_fast_path(argc, argv)) return *rc;

    CLI::App app{
        "oci-sandbox-hook: confine OCI containers with Landlock and seccomp, GPUs included.\n"
        "One binary: the OCI hook, the in-container enforcer, the runtime shim and tools.",
        "oci-sandbox-hook"};
    app.set_version_flag("--version", std::string("oci-sandbox-hook ") + OSH_VERSION);
    app.require_subcommand(1);
    app.footer(
        "Also: oci-sandbox-hook runtime ARGS... (or the name oci-sandbox-runtime): a runc-compatible\n"
        "shim that edits the bundle on create/run and execs the next runtime.\n"
        "Start: oci-sandbox-hook setup ENGINE, then oci-sandbox-hook doctor.\n"
        "Policy: /etc/oci-sandbox/policy.json. Manuals: man oci-sandbox-hook, man 5 oci-sandbox-policy;\n"
        "docs: /usr/share/doc/oci-sandbox-hook/");
    // Usage errors name the command: "oci-sandbox-hook COMMAND: what".
    app.failure_message([](const CLI::App* a, const CLI::Error& e) {
        std::string who = "oci-sandbox-hook";
        for (const auto* sub : a->get_subcommands()) {
            who += " " + sub->get_name();
            break;
        }
        return who + ": " + e.what() + "\nRun '" + who + " --help' for more information.\n";
    });

    int exit_code = 0;
    osh::commands::add_hook(app, exit_code);
    osh::commands::add_exec(app, exit_code);
    osh::commands::add_precreate(app, exit_code);
    osh::commands::add_inject(app, exit_code);
    osh::commands::add_explain(app, exit_code);
    osh::commands::add_check_policy(app, exit_code);
    osh::commands::add_probe(app, exit_code);
    osh::commands::add_setup(app, exit_code);
    osh::commands::add_doctor(app, exit_code);

    // An unknown command gets a suggestion, not CLI11's "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
        std::vector<std::string> names = {"runtime"};
        for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(sub->get_name());
        bool known = false;
        for (const auto& n : names) known = known || n == argv[1];
        if (!known) {
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
            std::fprintf(stderr, "oci-sandbox-hook: unknown command \"%s\"%s\nCommands: %s. Run 'oci-sandbox-hook --help'.\n",
                         argv[1], osh::suggest::did_you_mean(argv[1], names).c_str(), list.c_str());
            return 2;
        }
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        // Usage errors exit 2 (like runc and coreutils); --help/--version exit 0.
        return rc == 0 ? 0 : 2;
    }
    return exit_code;
}
