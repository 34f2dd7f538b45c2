// `doctor [--format text|json]`: is this node ready, and what to fix. Thin:
// the checks are in src/doctor/.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands/commands.hpp"
#include "doctor/doctor.hpp"

namespace osh::commands {

void add_doctor(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<doctor::Options>();
    auto format = std::make_shared<std::string>("text");
    auto* cmd = app.add_subcommand("doctor", "Is this node ready: kernel, policies, runtime config, hooks, engines");
    cmd->description(
        "Check that this node can confine containers, one line per check (OK, INFO, WARN, FAIL)\n"
        "with the fix for each problem: the kernel (Landlock ABI, seccomp), every policy file\n"
        "(/etc/oci-sandbox/policy.json, policies.d/*.json, checked as check-policy does),\n"
        "runtime.json and its next runtime, /run/oci-sandbox, the hooks.d files each engine\n"
        "loads, and which engines are wired to the shim.\n"
        "Exit status: 0 ready (no FAIL), 1 not ready, 2 usage.");
    cmd->footer("Docs: /usr/share/doc/oci-sandbox-hook/troubleshooting.md; man oci-sandbox-hook");
    cmd->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->add_option("--root", o->root, "prefix for every path checked (a test tree)");
    cmd->add_option("--policy", o->policy_path, "the default policy")->capture_default_str();
    cmd->add_option("--policies-dir", o->policies_dir, "the named policies")->capture_default_str();
    cmd->add_option("--runtime-config", o->runtime_config, "the shim's runtime.json")->capture_default_str();
    cmd->add_option("--run-root", o->run_root, "the plan directories' parent")->capture_default_str();
    cmd->callback([o, format, &exit_code] {
        auto report = doctor::run(*o);
        std::cout << (*format == "json" ? doctor::to_json(report) : doctor::to_text(report)) << std::flush;
        exit_code = report.ready() ? 0 : 1;
    });
}

}  // namespace osh::commands
