#include "setup/engines.hpp"

namespace osh::setup {

std::string_view name(Engine e) {
    switch (e) {
        case Engine::docker: return "docker";
        case Engine::containerd: return "containerd";
        case Engine::crio: return "crio";
        case Engine::podman: return "podman";
    }
    return "?";
}

std::optional<Engine> parse_engine(std::string_view s) {
    for (auto e : kAllEngines)
        if (name(e) == s) return e;
    if (s == "cri-o") return Engine::crio;
    return std::nullopt;
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
