#include "setup/engines.hpp"

namespace osh::setup {

std::optional<Engine> parse_engine(std::string_view s) {
    if (s == "cri-o") return Engine::crio;
    return words::parse(kEngineWords, s);
}

Result<Plan> dropin_plan(const std::string& path) {
    auto old = read_optional(path);
    if (!old) return unexpected(old.error());
    if (*old && old->value().find(kOwnedMarker) == std::string::npos)
        return fail(path + " was not written by oci-sandbox-hook setup; not touching it");
    Plan plan;
    plan.files.push_back({path, std::move(*old), std::nullopt});
    return plan;
}

Result<void> scan_configs(
    const std::vector<std::string>& files, Wiring& w,
    const std::function<void(const std::string& file, const toml::Document& doc)>& each) {
    for (const auto& f : files) {
        auto t = read_optional(f);
        if (!t) return unexpected(t.error());
        if (!*t) continue;
        w.config_found = true;
        if (auto doc = toml::scan(**t)) each(f, *doc);
    }
    return {};
}

Result<Plan> plan(Engine e, const Options& o) {
    switch (e) {
        case Engine::docker: return plan_docker(o);
        case Engine::containerd: return plan_containerd(o);
        case Engine::crio: return plan_crio(o);
        case Engine::podman: return plan_podman(o);
    }
    return fail("unknown engine");
}

Result<Wiring> wiring(Engine e, const Options& o) {
    switch (e) {
        case Engine::docker: return wiring_docker(o);
        case Engine::containerd: return wiring_containerd(o);
        case Engine::crio: return wiring_crio(o);
        case Engine::podman: return wiring_podman(o);
    }
    return fail("unknown engine");
}

}  // namespace osh::setup
