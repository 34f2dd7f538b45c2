// The runc-compatible shim (`oci-sandbox-runtime` / `oci-sandbox-hook runtime`).
// Every argument passes through untouched, except that on create/run it edits
// the bundle's config.json (plan directory /run/oci-sandbox/<id>/) first, and
// on exec into a container of ours it puts the enforcer in front of the new
// process; then it execs the next runtime named in
// /etc/oci-sandbox/runtime.json (or the file named by
// $OCI_SANDBOX_RUNTIME_CONFIG). A command line it cannot read for certain
// (specedit/shim_args.hpp), and restore, are refused before anything runs.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "commands/commands.hpp"
#include "plan/plan_dir.hpp"
#include "specedit/exec.hpp"
#include "specedit/prepare.hpp"
#include "specedit/shim_args.hpp"
#include "report/event.hpp"
#include "util/fd.hpp"
#include "util/test_point.hpp"

namespace osh::commands {

namespace {

// A failure before the next runtime runs: on stderr (the engine shows it),
// as an event in the log, where the hook's events are (the engine may drop
// stderr), and in the runtime's own --log file when the caller gave one:
// containerd and Docker report the last error logged there.
int shim_fail(const std::string& what, const std::string& id = "",
              const specedit::ShimArgs* args = nullptr) {
    const std::string msg = "oci-sandbox-runtime: " + what;
    std::cerr << msg << "\n";
    report::log_refusal("runtime", id, what);
    if (args && !args->log_file.empty()) {
        const std::string line = report::runtime_error_line(msg, args->log_format == "json");
        UniqueFd fd(::open(args->log_file.c_str(),
                           O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd) (void)!::write(fd.get(), line.data(), line.size());
    }
    return 1;
}

// Set in the environment of the runtimes the shim starts.
constexpr const char* kShimActiveEnv = "OCI_SANDBOX_SHIM_ACTIVE";

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
                     "argument unchanged; on exec into a container of ours it confines the new process.\n"
                     "A spelling the runtime could read differently from the shim (-root, --bun, -pFILE),\n"
                     "an unknown command and restore are refused. See man oci-sandbox-runtime.\n"
                     "The next runtime's help follows.\n\n";
    if (version || help) std::cout << std::flush;

    // Read first (pure): every later failure can then reach the runtime's
    // log as well.
    auto parsed = specedit::parse_shim_args(args);
    if (!parsed) {
        const auto log = specedit::runtime_log_of(args);
        return shim_fail(parsed.error().what(), "", &log);
    }
    const specedit::ShimArgs* logged = &*parsed;

    // A next runtime that runs this shim again (a wrapper script around it)
    // would loop forever; the shim marks the runtimes it starts.
    if (std::getenv(kShimActiveEnv))
        return shim_fail("the next runtime ran this shim again (" + std::string(kShimActiveEnv) +
                         " is set): a loop; set next_runtime in runtime.json to the real runtime "
                         "(runc, crun, nvidia-container-runtime), not to a wrapper of this shim",
                         parsed->id, logged);
    if (::setenv(kShimActiveEnv, "1", 1) != 0)
        return shim_fail(std::string("setenv: ") + std::strerror(errno), "", logged);

    const char* env_path = std::getenv(specedit::kRuntimeConfigEnv);
    std::string config_path = env_path && *env_path ? env_path : specedit::kRuntimeConfigPath;
    auto cfg = specedit::load_runtime_config(config_path);
    if (!cfg) return shim_fail(cfg.error().what(), parsed->id, logged);
    auto self = specedit::self_binary();
    if (!self) return shim_fail(self.error().what(), parsed->id, logged);
    auto next = specedit::resolve_runtime(cfg->next_runtime, *self);
    if (!next) return shim_fail(next.error().what(), parsed->id, logged);
    if (version) std::cout << "next runtime: " << *next << "\n" << std::flush;

    std::vector<std::string> final_args = args;
    if (parsed->help) {
        // `run --help` with no container id: the runtime prints its help;
        // there is nothing to edit or confine.
    } else if (parsed->command == "create" || parsed->command == "run") {
        auto setup = specedit::edit_setup(cfg->hook_binary.empty() ? *self : cfg->hook_binary,
                                          cfg->enforcer_binary, cfg->hook_args);
        if (!setup) return shim_fail(setup.error().what(), parsed->id, logged);
        std::string bundle = parsed->bundle.empty() ? "." : parsed->bundle;
        auto changed = specedit::prepare_bundle(bundle, parsed->id, *setup);
        if (!changed)
            return shim_fail(parsed->command + " " + parsed->id + ": " + changed.error().what(), parsed->id, logged);
        test_point::kill_at("runtime.before_exec");
    } else if (parsed->command == "exec") {
        // A container of ours: the new process gets the same enforcer and
        // plan as the first one, or it does not run at all.
        auto state = specedit::container_state(*next, parsed->global, parsed->id);
        if (!state) return shim_fail("exec " + parsed->id + ": " + state.error().what(), parsed->id, logged);
        auto params = specedit::exec_params(*state, parsed->id, plan::default_run_root());
        if (!params) return shim_fail("exec " + parsed->id + ": " + params.error().what(), parsed->id, logged);
        if (*params) {
            auto confined = specedit::confine_exec(args, *parsed, **params);
            if (!confined)
                return shim_fail("exec " + parsed->id + ": " + confined.error().what(), parsed->id, logged);
            final_args = std::move(*confined);
        }
    } else if (parsed->command == "delete" && !args.back().empty() && args.back().front() != '-') {
        // A create that the runtime refused before running any hook (an
        // invalid config) left the empty plan directory of the spec edit,
        // and no poststop runs for it: the delete of the caller's cleanup
        // removes it. Only an empty directory goes; a hook's plan stays for
        // poststop.
        (void)plan::remove_unused_plan_dir(args.back(), plan::default_run_root());
    }

    std::vector<char*> argv;
    argv.reserve(final_args.size() + 2);
    argv.push_back(const_cast<char*>(next->c_str()));
    for (const auto& a : final_args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(next->c_str(), argv.data());
    return shim_fail("exec " + *next + ": " + std::strerror(errno), parsed->id, logged);
}

}  // namespace osh::commands
