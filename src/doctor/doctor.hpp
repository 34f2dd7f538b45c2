// `doctor`: is this node ready to confine containers, and if not, what to
// fix. Each check is one line: the kernel (Landlock, seccomp), every policy
// file, runtime.json and its next runtime, /run/oci-sandbox, the hooks files
// each engine would load, and which engines are wired to the shim.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plan/plan_dir.hpp"
#include "policy/select.hpp"
#include "specedit/prepare.hpp"
#include "util/words.hpp"

namespace osh::doctor {

enum class Status { ok, info, warn, fail };
inline constexpr auto kStatusWords = std::to_array<words::Entry<Status>>({
    {Status::ok, "ok"},
    {Status::info, "info"},
    {Status::warn, "warn"},
    {Status::fail, "fail"},
});
inline std::string_view name(Status s) {
    return words::of(kStatusWords, s);
}

struct Check {
    std::string area;  // "kernel", "policy", "runtime", "run-dir", "hooks", "engine"
    Status status = Status::ok;
    std::string message;
    std::string fix;  // what to do, when not ok
};

struct Options {
    // A prefix for every host path below and for the engines' configuration
    // (tests; default: this node).
    std::string root;
    std::string policy_path = policy::kMainPolicyPath;
    std::string policies_dir = policy::kPoliciesDir;
    std::string runtime_config = specedit::kRuntimeConfigPath;
    std::string run_root = plan::kRunRoot;
    std::string podman_hooks_dir = "/usr/share/oci-sandbox-hook/podman-hooks.d";
    // Where NVIDIA's GPU Operator installs the toolkit (not on any PATH).
    std::string gpu_operator_toolkit = "/usr/local/nvidia/toolkit";
};

struct Report {
    std::vector<Check> checks;
    bool ready() const;
};

Report run(const Options& o);

std::string to_text(const Report& r);
std::string to_json(const Report& r);

// Per area (kernel.cpp, files.cpp, hooks.cpp).
void check_kernel(const Options& o, Report& r);
void check_policies(const Options& o, Report& r);
void check_runtime(const Options& o, Report& r);
void check_run_dir(const Options& o, Report& r);
void check_hooks(const Options& o, Report& r);
void check_engines(const Options& o, Report& r);

// o.root + path.
std::string rooted(const Options& o, const std::string& path);

}  // namespace osh::doctor
