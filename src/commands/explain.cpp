// explain: a dry run. Reads a spec (and, with --bundle, looks at its rootfs),
// detects GPUs, rewrites the policy and prints the result with every change
// and its reason. Touches no kernel state beyond opening files.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "commands/commands.hpp"
#include "gpu/detect.hpp"
#include "oci/spec.hpp"
#include "policy/document.hpp"
#include "policy/effective.hpp"
#include "policy/rootfs_probe.hpp"
#include "util/file.hpp"

namespace osh::commands {

namespace {

constexpr const char* kAdminPolicy = "/etc/oci-sandbox/policy.json";

struct ExplainOptions {
    std::string bundle;
    std::string config;
    std::string policy;
    std::string format = "text";
};

int fail_with(const std::string& msg) {
    std::cerr << "oci-sandbox-hook explain: " << msg << "\n";
    return 1;
}

Result<policy::Policy> load_policy(const std::string& explicit_path, std::string& origin) {
    std::string text;
    if (!explicit_path.empty() || ::access(kAdminPolicy, F_OK) == 0) {
        origin = explicit_path.empty() ? kAdminPolicy : explicit_path;
        auto t = file::read_regular(origin);
        if (!t) return wrap(t.error(), "policy " + origin);
        text = std::move(*t);
    } else {
        origin = "built-in default policy";
        text = std::string(policy::default_policy_text());
    }
    auto p = policy::parse_policy(text, origin);
    if (!p) {
        std::string msg;
        for (const auto& problem : p.error())
            msg += (msg.empty() ? "" : "\n  ") + problem.to_string();
        return fail("invalid policy: " + msg);
    }
    return std::move(*p);
}

int run_explain(const ExplainOptions& o) {
    if (o.bundle.empty() == o.config.empty())
        throw CLI::ValidationError("explain", "give exactly one of --bundle DIR or --config FILE");

    const std::string config_path = o.bundle.empty() ? o.config : o.bundle + "/config.json";
    auto text = file::read_regular(config_path);
    if (!text) return fail_with("config " + text.error().what());
    auto spec = oci::parse_spec(*text, config_path);
    if (!spec) return fail_with(spec.error().what());

    std::string policy_origin;
    auto pol = load_policy(o.policy, policy_origin);
    if (!pol) return fail_with(pol.error().what());

    // With a bundle, the rootfs answers "is this path there?"; with a bare
    // config nothing can be checked and the log says "assumed present".
    policy::PathProbe probe = policy::no_rootfs_probe();
    if (!o.bundle.empty()) {
        if (spec->root_path.empty()) {
            std::cerr << "oci-sandbox-hook explain: " << config_path
                      << ": no root.path; paths in the rootfs are assumed present\n";
        } else {
            std::string rootfs =
                spec->root_path.front() == '/' ? spec->root_path : o.bundle + "/" + spec->root_path;
            auto p = policy::open_rootfs_probe(rootfs);
            if (p)
                probe = std::move(*p);
            else
                std::cerr << "oci-sandbox-hook explain: " << p.error().what()
                          << "; paths in the rootfs are assumed present\n";
        }
    }

    auto detection = gpu::detect(*spec, pol->gpu.detect, nullptr);
    auto eff = policy::rewrite(*pol, *spec, detection, probe);
    if (!eff) return fail_with(policy_origin + " on " + config_path + ": " + eff.error().what());

    if (o.format == "json") {
        std::cout << policy::explain_json(*eff, true);
    } else {
        std::cout << "Config: " << config_path << "\nPolicy: " << policy_origin << "\n\n"
                  << policy::explain_text(*eff);
    }
    std::cout.flush();
    return std::cout ? 0 : 1;
}

}  // namespace

void add_explain(CLI::App& app, int& exit_code) {
    auto opts = std::make_shared<ExplainOptions>();
    auto* cmd = app.add_subcommand("explain",
                                   "Dry run: GPU detection evidence, the effective policy, and "
                                   "every change made with its reason");
    auto* bundle = cmd->add_option(
        "--bundle", opts->bundle,
        "OCI bundle directory: reads DIR/config.json and checks paths in its rootfs");
    auto* config = cmd->add_option("--config", opts->config,
                                   "a config.json file (no rootfs: paths are assumed present)");
    bundle->excludes(config);
    cmd->add_option("--policy", opts->policy,
                    std::string("policy file (default: ") + kAdminPolicy +
                        " if it exists, else the built-in default)");
    cmd->add_option("--format", opts->format, "text (default) or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->callback([opts, &exit_code] { exit_code = run_explain(*opts); });
}

}  // namespace osh::commands
