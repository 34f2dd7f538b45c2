// The runc-compatible shim (`oci-sandbox-runtime` / `oci-sandbox-hook runtime`).
// Every argument passes through untouched. On create/run it edits the
// bundle's config.json (plan directory /run/oci-sandbox/<id>/) first; then it
// execs the next runtime named in /etc/oci-sandbox/runtime.json (or the file
// named by $OCI_SANDBOX_RUNTIME_CONFIG).
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "commands/commands.hpp"
#include "hookrun/plan_dir.hpp"
#include "hookrun/prepare.hpp"
#include "report/event.hpp"
#include "util/test_point.hpp"

namespace osh::commands {

namespace {

constexpr const char* kShimLog = "/var/log/oci-sandbox-hook.log";

// A failure before the next runtime runs: on stderr (the engine shows it)
// and as an event in the log, where the hook's events are (the engine may
// drop stderr).
int shim_fail(const std::string& what, const std::string& id = "") {
    std::cerr << "oci-sandbox-runtime: " << what << "\n";
    report::Event e;
    e.level = report::Level::error;
    e.component = "runtime";
    e.container_id = id;
    e.decision = "abort";
    e.message = what;
    (void)report::Log(kShimLog).append(e);
    return 1;
}

bool only(const std::vector<std::string>& args, std::initializer_list<const char*> words) {
    if (args.size() != 1) return false;
    for (const char* w : words)
        if (args[0] == w) return true;
    return false;
}

}  // namespace

int runtime_main(const std::vector<std::string>& args) {
    // --version / --help: ours first, then the next runtime's (exec'd below).
    const bool version = only(args, {"--version", "-v", "version"});
    const bool help = only(args, {"--help", "-h", "help"});
    if (version) std::cout << "oci-sandbox-runtime (oci-sandbox-hook " << OSH_VERSION << ")\n";
    if (help)
        std::cout << "oci-sandbox-runtime (oci-sandbox-hook " << OSH_VERSION
                  << "): a runc-compatible shim. On create and run it edits the bundle's\n"
                     "config.json (our hooks, mounts and the enforcer), then it execs the next runtime\n"
                     "named in /etc/oci-sandbox/runtime.json ($OCI_SANDBOX_RUNTIME_CONFIG), with every\n"
                     "argument unchanged. See man oci-sandbox-runtime. The next runtime's help follows.\n\n";
    if (version || help) std::cout << std::flush;

    const char* env_path = std::getenv(hookrun::kRuntimeConfigEnv);
    std::string config_path = env_path && *env_path ? env_path : hookrun::kRuntimeConfigPath;
    auto cfg = hookrun::load_runtime_config(config_path);
    if (!cfg) return shim_fail(cfg.error().what());
    auto self = hookrun::self_binary();
    if (!self) return shim_fail(self.error().what());
    auto next = hookrun::resolve_runtime(cfg->next_runtime, *self);
    if (!next) return shim_fail(next.error().what());
    if (version) std::cout << "next runtime: " << *next << "\n" << std::flush;

    auto parsed = hookrun::parse_shim_args(args);
    if (!parsed) return shim_fail(parsed.error().what());
    if (parsed->command == "create" || parsed->command == "run") {
        hookrun::EditSetup setup;
        setup.host_binary = cfg->hook_binary.empty() ? *self : cfg->hook_binary;
        setup.hook_args = cfg->hook_args;
        std::string bundle = parsed->bundle.empty() ? "." : parsed->bundle;
        auto changed = hookrun::prepare_bundle(bundle, parsed->id, setup);
        if (!changed)
            return shim_fail(parsed->command + " " + parsed->id + ": " + changed.error().what(), parsed->id);
        test_point::kill_at("runtime.before_exec");
    } else if (parsed->command == "delete" && !args.back().empty() && args.back().front() != '-') {
        // A create that the runtime refused before running any hook (an
        // invalid config) left the empty plan directory of the spec edit,
        // and no poststop runs for it: the delete of the caller's cleanup
        // removes it. Only an empty directory goes; a hook's plan stays for
        // poststop.
        (void)hookrun::remove_unused_plan_dir(args.back());
    }

    std::vector<char*> argv;
    argv.reserve(args.size() + 2);
    argv.push_back(const_cast<char*>(next->c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(next->c_str(), argv.data());
    return shim_fail("exec " + *next + ": " + std::strerror(errno), parsed->id);
}

}  // namespace osh::commands
