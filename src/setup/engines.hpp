// The four engines `setup` wires, each in its own file, each in the form the
// engine reads without help: Docker merges daemon.json; containerd, CRI-O and
// podman get a drop-in file we own entirely (containerd's listed in
// config.toml's `imports`).
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "setup/change.hpp"
#include "setup/toml_text.hpp"
#include "util/result.hpp"
#include "util/words.hpp"

namespace osh::setup {

enum class Engine { docker, containerd, crio, podman };
inline constexpr auto kEngineWords = std::to_array<words::Entry<Engine>>({
    {Engine::docker, "docker"},
    {Engine::containerd, "containerd"},
    {Engine::crio, "crio"},
    {Engine::podman, "podman"},
});
inline constexpr auto kAllEngines = words::values(kEngineWords);

inline std::string_view name(Engine e) {
    return words::of(kEngineWords, e);
}
std::optional<Engine> parse_engine(std::string_view s);

// Is the engine wired to our shim (and is it the engine's default)?
struct Wiring {
    bool config_found = false;  // the engine's configuration exists on this node
    bool wired = false;
    bool is_default = false;
    std::string where;   // the file that wires it
    std::string detail;  // e.g. a stale containerd copy
};

// The changes for `setup ENGINE` (o.remove: `setup ENGINE --remove`).
Result<Plan> plan(Engine e, const Options& o);
Result<Wiring> wiring(Engine e, const Options& o);

// Per engine (docker.cpp, containerd.cpp, crio.cpp, podman.cpp).
Result<Plan> plan_docker(const Options& o);
Result<Wiring> wiring_docker(const Options& o);
Result<Plan> plan_containerd(const Options& o);
Result<Wiring> wiring_containerd(const Options& o);
Result<Plan> plan_crio(const Options& o);
Result<Wiring> wiring_crio(const Options& o);
Result<Plan> plan_podman(const Options& o);
Result<Wiring> wiring_podman(const Options& o);

// podman's [engine] hooks_dir in force (the directories as configured, not
// under o.root).
Result<std::vector<std::string>> podman_hooks_dirs(const Options& o);

// The file that header comments in our drop-ins name, so an operator who
// finds one knows where it came from.
inline constexpr const char* kOwnedMarker =
    "Written by `oci-sandbox-hook setup`; `oci-sandbox-hook setup ENGINE --remove` removes it.";

// A plan of one change, to our drop-in at `path`: its text now (nullopt:
// absent), `after` still to fill in (left nullopt, the drop-in is removed). A
// file there that we did not write (no kOwnedMarker) is refused, never touched.
Result<Plan> dropin_plan(const std::string& path);

// Each of `files` that exists, scanned as TOML and given to `each` (one that
// does not scan is passed over); w.config_found says whether any exists.
Result<void> scan_configs(
    const std::vector<std::string>& files, Wiring& w,
    const std::function<void(const std::string& file, const toml::Document& doc)>& each);

// True when a runtime's path names our shim.
inline bool is_our_runtime(std::string_view path) {
    return path.ends_with("oci-sandbox-runtime");
}

}  // namespace osh::setup
