// CLI wiring only. One static binary plays every part; it is dispatched on
// its name (oci-sandbox-runtime) or on the first argument.
#include <CLI/CLI.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "commands/commands.hpp"
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

    CLI::App app{
        "oci-sandbox-hook: confine OCI containers with Landlock and seccomp, GPUs included.\n"
        "One binary: the OCI hook, the in-container enforcer, the runtime shim and tools.",
        "oci-sandbox-hook"};
    app.set_version_flag("--version", std::string("oci-sandbox-hook ") + OSH_VERSION);
    app.require_subcommand(1);
    app.footer(
        "Also: oci-sandbox-hook runtime ARGS... (or the name oci-sandbox-runtime): a runc-compatible\n"
        "shim that edits the bundle on create/run and execs the next runtime.\n"
        "Policy: /etc/oci-sandbox/policy.json; docs: /usr/share/doc/oci-sandbox-hook/");

    int exit_code = 0;
    osh::commands::add_hook(app, exit_code);
    osh::commands::add_exec(app, exit_code);
    osh::commands::add_precreate(app, exit_code);
    osh::commands::add_inject(app, exit_code);
    osh::commands::add_explain(app, exit_code);
    osh::commands::add_check_policy(app, exit_code);
    osh::commands::add_probe(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        // Usage errors exit 2 (like runc and coreutils); --help/--version exit 0.
        return rc == 0 ? 0 : 2;
    }
    return exit_code;
}
