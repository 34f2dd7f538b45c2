// explain: the hook's dry run on a bundle or a config.json (src/hook/dry_run).
// Prints the detection evidence, the effective policy with every change and
// its reason, and the verdict. Touches no kernel state beyond opening files.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "commands/commands.hpp"
#include "hook/dry_run.hpp"
#include "specedit/prepare.hpp"

namespace osh::commands {

namespace {

struct ExplainOptions {
    std::string bundle;
    std::string config;
    std::string policy;
    std::string policies_dir;
    std::string proc_devices;
    std::string proc_misc;
    std::string format = "text";
};

int run_explain(const ExplainOptions& o) {
    if (o.bundle.empty() == o.config.empty())
        throw CLI::ValidationError("explain", "give exactly one of --bundle DIR or --config FILE");
    hook::DryRunInput in;
    in.config_path = o.bundle.empty() ? o.config : o.bundle + "/config.json";
    if (!o.bundle.empty()) in.bundle = o.bundle;
    if (!o.policy.empty()) in.sources.policy_file = o.policy;
    if (!o.policies_dir.empty()) in.sources.policies_dir = o.policies_dir;
    if (!o.proc_devices.empty()) in.proc_devices = o.proc_devices;
    if (!o.proc_misc.empty()) in.proc_misc = o.proc_misc;
    // The binaries the shim of this install uses (runtime.json, else this
    // one), so a bundle it already edited reads as ours.
    const char* env = std::getenv(specedit::kRuntimeConfigEnv);
    if (auto cfg = specedit::load_runtime_config(env && *env ? env : specedit::kRuntimeConfigPath))
        if (auto setup = specedit::edit_setup(cfg->hook_binary, cfg->enforcer_binary, {})) {
            in.host_binary = setup->host_binary;
            in.host_enforcer = setup->host_enforcer;
        }
    auto run = hook::dry_run(in);
    if (!run) {
        std::cerr << "oci-sandbox-hook explain: " << run.error().what() << "\n";
        return 1;
    }
    if (o.format == "json") {
        if (run->effective) {
            std::cout << policy::explain_json(*run->effective, true, &run->verdict);
        } else {
            // Refused before the rewrite: the verdict alone.
            policy::EffectivePolicy none;
            std::cout << policy::explain_json(none, true, &run->verdict);
        }
    } else {
        std::cout << "Config: " << in.config_path << "\nPolicy: "
                  << (run->policy_origin.empty() ? "(none could be selected)" : run->policy_origin)
                  << "\n\n";
        if (run->effective)
            std::cout << policy::explain_text(*run->effective, &run->verdict);
        else
            std::cout << policy::verdict_text(run->verdict);
    }
    std::cout.flush();
    if (!std::cout) return 1;
    // 0: the hook would plan it; 1: it would refuse it.
    return run->verdict.plans ? 0 : 1;
}

}  // namespace

void add_explain(CLI::App& app, int& exit_code) {
    auto opts = std::make_shared<ExplainOptions>();
    auto* cmd = app.add_subcommand(
        "explain",
        "Dry run of the hook: GPU detection evidence, the effective policy, every change made "
        "with its reason, and the verdict (would the hook plan this container, and if not why). "
        "Exit 0: it would plan it; 1: it would refuse it, or the input is unreadable");
    auto* bundle = cmd->add_option(
        "--bundle", opts->bundle,
        "OCI bundle directory: reads DIR/config.json and looks at paths in its rootfs");
    auto* config = cmd->add_option("--config", opts->config,
                                   "a config.json file (no rootfs: paths are assumed present)");
    bundle->excludes(config);
    cmd->add_option("--policy", opts->policy,
                    "the main policy file, as the hook's --policy (default: "
                    "/etc/oci-sandbox/policy.json if it exists, else the built-in default)");
    cmd->add_option("--policies-dir", opts->policies_dir,
                    "named policies, as the hook's --policies-dir (default: "
                    "/etc/oci-sandbox/policies.d)");
    cmd->add_option("--proc-devices", opts->proc_devices,
                    "the /proc/devices of the node the container will run on (default: this "
                    "host's): accelerator nodes count by their device numbers");
    cmd->add_option("--proc-misc", opts->proc_misc,
                    "the /proc/misc of that node (default: this host's): a misc device (major 10) "
                    "counts only with the minor it registers under the node's name");
    cmd->add_option("--format", opts->format, "text (default) or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->callback([opts, &exit_code] { exit_code = run_explain(*opts); });
}

}  // namespace osh::commands
