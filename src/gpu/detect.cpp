// GPU detection: collects every piece of accelerator evidence in the spec (and
// the live /dev when the hook has one), then applies gpu.detect.
#include "gpu/detect.hpp"

#include <algorithm>
#include <set>

#include "gpu/vendor.hpp"
#include "util/path.hpp"

namespace osh::gpu {

namespace {

// The first profile whose device patterns match `p` (already normalised).
const VendorProfile* vendor_of_node(std::string_view p) {
    for (const auto& v : vendor_profiles())
        for (auto pat : v.device_patterns)
            if (path::glob_match(pat, p)) return &v;
    return nullptr;
}

std::string_view basename_of(std::string_view p) {
    auto slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return std::string(s.substr(b, e - b));
}

// The first KEY=VALUE for `key` (getenv's choice when a key repeats).
std::optional<std::string> env_lookup(const std::vector<std::string>& env, std::string_view key) {
    for (const auto& kv : env) {
        if (kv.size() > key.size() && kv.compare(0, key.size(), key) == 0 && kv[key.size()] == '=')
            return kv.substr(key.size() + 1);
        if (kv == key) return std::string();
    }
    return std::nullopt;
}

// "none" and "void" are the toolkit's documented "no GPU" values; an empty
// value requests nothing either.
bool requests_devices(std::string_view value) {
    std::string v = lower(trim(value));
    return !(v.empty() || v == "none" || v == "void");
}

// A CDI annotation value: comma-separated fully-qualified device names,
// "vendor.com/class=name". Returns the profile of the first recognised kind.
const VendorProfile* vendor_of_cdi_value(std::string_view value) {
    size_t i = 0;
    while (i <= value.size()) {
        size_t j = value.find(',', i);
        if (j == std::string_view::npos) j = value.size();
        std::string entry = trim(value.substr(i, j - i));
        auto eq = entry.find('=');
        if (eq != std::string::npos && eq + 1 < entry.size()) {
            std::string_view kind = std::string_view(entry).substr(0, eq);
            for (const auto& v : vendor_profiles())
                for (auto k : v.cdi_kinds)
                    if (k == kind) return &v;
        }
        i = j + 1;
    }
    return nullptr;
}

bool has_prefix(std::string_view s, std::string_view p) {
    return s.size() > p.size() && s.substr(0, p.size()) == p;
}

void scan_hooks(const std::vector<oci::Hook>& hooks, std::string_view stage,
                std::vector<Evidence>& out) {
    for (size_t i = 0; i < hooks.size(); ++i) {
        std::string_view base = basename_of(hooks[i].path);
        for (const auto& v : vendor_profiles()) {
            bool hit = std::find(v.legacy_hooks.begin(), v.legacy_hooks.end(), base) !=
                       v.legacy_hooks.end();
            if (!hit) continue;
            out.push_back(
                {EvidenceSource::prestart_hook, std::string(v.id),
                 "hooks." + std::string(stage) + "[" + std::to_string(i) + "] " + std::string(base),
                 ""});
            break;
        }
    }
}

std::string join_vendors(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) {
        if (!out.empty()) out += ", ";
        out += id;
    }
    return out;
}

}  // namespace

std::string_view name(EvidenceSource s) {
    switch (s) {
        case EvidenceSource::linux_devices:
            return "linux.devices";
        case EvidenceSource::mounts:
            return "mounts";
        case EvidenceSource::env:
            return "process.env";
        case EvidenceSource::annotation:
            return "annotation";
        case EvidenceSource::prestart_hook:
            return "hook";
        case EvidenceSource::live_dev:
            return "live /dev";
    }
    return "unknown";
}

Detection detect(const oci::Spec& spec, policy::GpuDetect mode,
                 const std::vector<LiveNode>* live_dev) {
    Detection d;
    std::vector<std::string> ignored;  // requests that name no device, for the reason line

    for (size_t i = 0; i < spec.devices.size(); ++i) {
        auto p = path::normalize(spec.devices[i].path);
        if (!p) continue;
        if (const auto* v = vendor_of_node(*p))
            d.evidence.push_back({EvidenceSource::linux_devices, std::string(v->id),
                                  "linux.devices[" + std::to_string(i) + "]", *p});
    }
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        auto p = path::normalize(spec.mounts[i].destination);
        if (!p) continue;
        if (const auto* v = vendor_of_node(*p))
            d.evidence.push_back({EvidenceSource::mounts, std::string(v->id),
                                  "mounts[" + std::to_string(i) + "]", *p});
    }
    for (const auto& v : vendor_profiles()) {
        for (auto key : v.visible_devices_env) {
            auto value = env_lookup(spec.env, key);
            if (!value) continue;
            std::string origin = "process.env " + std::string(key) + "=" + *value;
            if (requests_devices(*value))
                d.evidence.push_back({EvidenceSource::env, std::string(v.id), origin, ""});
            else
                ignored.push_back(origin);
        }
    }
    for (const auto& [key, value] : spec.annotations) {
        if (!has_prefix(key, "cdi.k8s.io/") && !has_prefix(key, "nvidia.cdi.k8s.io/")) continue;
        if (const auto* v = vendor_of_cdi_value(value))
            d.evidence.push_back(
                {EvidenceSource::annotation, std::string(v->id), "annotation " + key, ""});
    }
    scan_hooks(spec.hooks.prestart, "prestart", d.evidence);
    scan_hooks(spec.hooks.create_runtime, "createRuntime", d.evidence);
    scan_hooks(spec.hooks.create_container, "createContainer", d.evidence);
    if (live_dev) {
        for (const auto& node : *live_dev) {
            if (node.type != 'c') continue;  // GPU nodes are character devices
            auto p = path::normalize(node.path);
            if (!p) continue;
            if (const auto* v = vendor_of_node(*p))
                d.evidence.push_back(
                    {EvidenceSource::live_dev, std::string(v->id), "live " + *p, *p});
        }
    }

    std::set<std::string> nodes;
    for (const auto& e : d.evidence)
        if (!e.device_path.empty()) nodes.insert(e.device_path);
    d.device_nodes.assign(nodes.begin(), nodes.end());
    for (const auto& v : vendor_profiles()) {
        bool seen = std::any_of(d.evidence.begin(), d.evidence.end(),
                                [&](const Evidence& e) { return e.vendor == v.id; });
        if (seen) d.vendors.emplace_back(v.id);
    }

    const std::string count =
        std::to_string(d.evidence.size()) + " evidence item" + (d.evidence.size() == 1 ? "" : "s");
    switch (mode) {
        case policy::GpuDetect::auto_:
            d.gpu = !d.evidence.empty();
            if (d.gpu) {
                d.reason = "gpu.detect=auto: " + count + " (" + join_vendors(d.vendors) +
                           "), first " + d.evidence.front().origin;
            } else {
                d.reason =
                    "gpu.detect=auto: no accelerator evidence in linux.devices, mounts, "
                    "process.env, annotations or hooks";
                d.reason += live_dev ? ", nor in the live /dev" : " (no live /dev to look at)";
                for (const auto& o : ignored) d.reason += "; " + o + " requests no device";
            }
            break;
        case policy::GpuDetect::always:
            d.gpu = true;
            if (d.vendors.empty()) {
                d.vendors.emplace_back("nvidia");
                d.reason = "gpu.detect=always: no vendor evidence, assuming the NVIDIA profile";
            } else {
                d.reason = "gpu.detect=always: " + count + " (" + join_vendors(d.vendors) + ")";
            }
            break;
        case policy::GpuDetect::never:
            d.gpu = false;
            d.reason =
                "gpu.detect=never: GPU handling disabled by the policy (" + count + " ignored)";
            break;
    }
    return d;
}

}  // namespace osh::gpu
