// GPU detection: collects every piece of accelerator evidence in the spec (and
// the live /dev when the hook has one), then applies gpu.detect.
#include "gpu/detect.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "gpu/vendor.hpp"
#include "mounts/landing.hpp"
#include "util/path.hpp"

namespace osh::gpu {

namespace {

std::string_view basename_of(std::string_view p) {
    auto slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

// Why misc device 10:minor at `path` is not the vendor's node, or "": the
// host's /proc/misc must register the node's name with that minor.
std::string not_misc_node(std::string_view path, int64_t minor, const HostDevices* host) {
    const std::string name(basename_of(path));
    const std::string dev = "char " + std::to_string(kMiscMajor) + ":" + std::to_string(minor);
    if (!host || !host->misc_read)
        return dev + " is a misc device (a major many drivers share), counted only as the " +
               name + " the host's /proc/misc names, and /proc/misc was not read";
    auto it = host->misc_minors.find(name);
    if (it == host->misc_minors.end())
        return dev + " is a misc device (a major many drivers share), and the host's /proc/misc "
                     "names no " + name;
    if (minor < 0 || static_cast<uint64_t>(minor) != it->second)
        return dev + " is not the host's " + name + " (misc minor " +
               std::to_string(it->second) + " in /proc/misc)";
    return "";
}

// Why a device with these numbers is not an accelerator node of `m`, or ""
// when it is one.
std::string not_vendor_device(const DeviceMatch& m, std::string_view path, uint32_t major,
                              int64_t minor, const HostDevices* host) {
    for (uint32_t want : m.device->majors)
        if (major == want) return major == kMiscMajor ? not_misc_node(path, minor, host) : "";
    std::string allowed;
    for (uint32_t want : m.device->majors) allowed += (allowed.empty() ? "" : ", ") + std::to_string(want);
    for (auto name : m.device->major_names) {
        if (host) {
            auto it = host->majors.find(name);
            if (it != host->majors.end())
                for (uint32_t want : it->second) {
                    if (major == want) return "";
                    allowed += (allowed.empty() ? "" : ", ") + std::to_string(want) + " (" +
                               std::string(name) + ")";
                }
        }
    }
    std::string names;
    for (auto name : m.device->major_names) names += (names.empty() ? "" : ", ") + std::string(name);
    return "major " + std::to_string(major) + " is not a " + std::string(m.vendor->name) +
           " device number" + (allowed.empty() ? "" : " (" + allowed + ")") +
           (names.empty() || !allowed.empty() ? ""
                                              : " (" + names + " is not registered in the host's "
                                                               "/proc/devices)");
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
                 "", false, "a hook that may add device nodes: they count once in the live /dev"});
            break;
        }
    }
}

// Why a live node on a filesystem other than the root's is still no
// evidence ("" when it is): only the runtime's fresh /dev tmpfs (where it
// and the hooks make nodes) and a bind from the host's /dev vouch for one.
// A volume at /dev (podman copies an image's VOLUME /dev into it, nodes
// included) or any other mount holds what the image or its owner put there.
std::string unvouched(const oci::Spec& spec, const std::vector<rootfs::Landing>& landings,
                      const std::string& node, bool probed) {
    const auto i = mounts::on_top_at(landings, node, probed);
    if (!i) return "on a filesystem no mount of the spec puts there";
    const oci::Mount& m = spec.mounts[*i];
    if (m.is_fresh_tmpfs()) return "";
    if (m.is_bind())
        if (auto src = path::normalize(m.source); src && path::is_within(*src, "/dev")) return "";
    return "on mounts[" + std::to_string(*i) + "] (" + (m.is_bind() ? "a bind of " + m.source : m.type) +
           "), whose content the image or the volume's owner may have put there, not the "
           "runtime's /dev or a bind from the host's /dev";
}

std::string join_vendors(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) {
        if (!out.empty()) out += ", ";
        out += id;
    }
    return out;
}

// "195 nvidia-frontend" (a /proc/devices or /proc/misc line): the number and
// the name, or nothing for a line of another shape.
std::optional<std::pair<uint32_t, std::string>> number_and_name(std::string_view line) {
    std::string t = trim(line);
    size_t sp = t.find(' ');
    if (sp == std::string::npos || sp == 0 || sp > 10) return std::nullopt;
    uint64_t n = 0;
    for (size_t i = 0; i < sp; ++i) {
        if (t[i] < '0' || t[i] > '9') return std::nullopt;
        n = n * 10 + static_cast<uint64_t>(t[i] - '0');
    }
    if (n > UINT32_MAX) return std::nullopt;
    return std::pair{static_cast<uint32_t>(n), trim(std::string_view(t).substr(sp + 1))};
}

}  // namespace

HostDevices parse_proc_devices(std::string_view text) {
    // "Character devices:\n  1 mem\n195 nvidia-frontend\n...\n\nBlock devices:\n..."
    HostDevices out;
    bool chr = false;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
        if (line.starts_with("Character devices")) {
            chr = true;
            continue;
        }
        if (line.starts_with("Block devices")) {
            chr = false;
            continue;
        }
        if (!chr) continue;
        if (auto entry = number_and_name(line)) out.majors[entry->second].push_back(entry->first);
    }
    return out;
}

void parse_proc_misc(std::string_view text, HostDevices& host) {
    // "  1 psaux\n 61 nvmap\n..."
    host.misc_read = true;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
        if (auto entry = number_and_name(line)) host.misc_minors.emplace(entry->second, entry->first);
    }
}

bool names_misc_device(const oci::Spec& spec, const rootfs::DevListing* live) {
    for (const auto& dev : spec.devices)
        if (dev.major == kMiscMajor)
            if (auto p = path::normalize(dev.path); p && match_device_path(*p).vendor) return true;
    if (live)
        for (const auto& node : live->entries)
            if (node.kind == rootfs::NodeKind::char_device && node.major == kMiscMajor)
                if (auto p = path::normalize(node.path); p && match_device_path(*p).vendor)
                    return true;
    return false;
}

Detection detect(const oci::Spec& spec, DetectMode mode, const DetectInputs& in) {
    Detection d;
    std::vector<std::string> ignored;  // requests that name no device, for the reason line

    for (size_t i = 0; i < spec.devices.size(); ++i) {
        const auto& dev = spec.devices[i];
        auto p = path::normalize(dev.path);
        if (!p) continue;
        auto m = match_device_path(*p);
        if (!m.vendor) continue;
        Evidence e{EvidenceSource::linux_devices, std::string(m.vendor->id),
                   "linux.devices[" + std::to_string(i) + "]", *p, false, ""};
        if (dev.type != "c" && dev.type != "u")
            e.note = "type \"" + dev.type + "\" is not a character device";
        else if (dev.major < 0 || dev.major > UINT32_MAX)
            e.note = "no device numbers";
        else
            e.note = not_vendor_device(m, *p, static_cast<uint32_t>(dev.major), dev.minor, in.host);
        e.node = e.note.empty();
        if (e.node)
            e.origin += " (char " + std::to_string(dev.major) + ":" + std::to_string(dev.minor) + ")";
        d.evidence.push_back(std::move(e));
    }
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        auto p = path::normalize(spec.mounts[i].destination);
        if (!p) continue;
        auto m = match_device_path(*p);
        if (!m.vendor) continue;
        // What a mount puts there is known only in the live /dev.
        d.evidence.push_back({EvidenceSource::mounts, std::string(m.vendor->id),
                              "mounts[" + std::to_string(i) + "]", *p, false,
                              "a mount at a device path counts only as the character device "
                              "with the vendor's numbers the live /dev shows there"});
    }
    for (const auto& v : vendor_profiles()) {
        for (auto key : v.visible_devices_env) {
            auto value = env_lookup(spec.env, key);
            if (!value) continue;
            std::string origin = "process.env " + std::string(key) + "=" + *value;
            if (requests_devices(*value))
                d.evidence.push_back({EvidenceSource::env, std::string(v.id), origin, "", false,
                                      "the container's own claim"});
            else
                ignored.push_back(origin);
        }
    }
    for (const auto& [key, value] : spec.annotations) {
        if (!has_prefix(key, "cdi.k8s.io/") && !has_prefix(key, "nvidia.cdi.k8s.io/")) continue;
        if (const auto* v = vendor_of_cdi_value(value))
            d.evidence.push_back({EvidenceSource::annotation, std::string(v->id),
                                  "annotation " + key, "", false, "the container's own claim"});
    }
    scan_hooks(spec.hooks.prestart, "prestart", d.evidence);
    scan_hooks(spec.hooks.create_runtime, "createRuntime", d.evidence);
    scan_hooks(spec.hooks.create_container, "createContainer", d.evidence);
    // The /dev the hook sees outranks the spec: a device entry whose path
    // holds something else (a directory or file mounted there wins over the
    // runtime's mknod) names no accelerator node.
    std::map<std::string, std::string> not_nodes;
    if (in.live) {
        const std::vector<rootfs::Landing> landings = mounts::land_mounts(
            spec.mounts, in.paths, !in.bundle_dev, in.bind_sources, in.host_ipc_namespace);
        for (const auto& node : in.live->entries) {
            auto p = path::normalize(node.path);
            if (!p) continue;
            auto m = match_device_path(*p);
            if (!m.vendor) continue;
            Evidence e{EvidenceSource::live_dev, std::string(m.vendor->id),
                       (in.bundle_dev ? "bundle " : "live ") + *p, *p, false, ""};
            if (node.symlink)
                e.note = "a symbolic link, not a device (never followed)";
            else if (node.kind != rootfs::NodeKind::char_device)
                e.note = "not a character device";
            else
                e.note = not_vendor_device(m, *p, node.major, node.minor, in.host);
            if (!e.note.empty()) {
                not_nodes.emplace(*p, e.origin + " is not one: " + e.note);
            } else {
                e.origin += " (char " + std::to_string(node.major) + ":" +
                            std::to_string(node.minor) + ")";
                // The image's own node (no /dev mount hides it), or one on a
                // mount that is not the runtime's /dev: content, which a spec
                // entry may vouch for, not evidence.
                if (node.on_root_fs)
                    e.note = "a node the image itself holds (on the root's filesystem, not put "
                             "there by the runtime's /dev, a mount or a hook)";
                else if (auto why = unvouched(spec, landings, *p, static_cast<bool>(in.paths)); !why.empty())
                    e.note = "a node " + why;
            }
            e.node = e.note.empty();
            d.evidence.push_back(std::move(e));
        }
    }
    for (auto& e : d.evidence)
        if (e.source == EvidenceSource::linux_devices && e.node)
            if (auto it = not_nodes.find(e.device_path); it != not_nodes.end()) {
                e.node = false;
                e.note = "the spec names a device there, but " + it->second;
            }

    std::set<std::string> nodes;
    for (const auto& e : d.evidence)
        if (e.node) nodes.insert(e.device_path);
    d.device_nodes.assign(nodes.begin(), nodes.end());
    for (const auto& v : vendor_profiles()) {
        bool seen = std::any_of(d.evidence.begin(), d.evidence.end(),
                                [&](const Evidence& e) { return e.node && e.vendor == v.id; });
        if (seen) d.vendors.emplace_back(v.id);
    }
    const bool claims = std::any_of(d.evidence.begin(), d.evidence.end(),
                                    [](const Evidence& e) { return !e.node; });
    std::string claimed;
    for (const auto& e : d.evidence)
        if (!e.node) claimed += (claimed.empty() ? "" : ", ") + e.origin;

    const std::string count = std::to_string(d.device_nodes.size()) + " accelerator node" +
                              (d.device_nodes.size() == 1 ? "" : "s");
    switch (mode) {
        case gpu::DetectMode::auto_:
            d.gpu = !d.device_nodes.empty();
            if (d.gpu) {
                std::string first;
                for (const auto& e : d.evidence)
                    if (e.node && first.empty()) first = e.origin;
                d.reason = "gpu.detect=auto: " + count + " (" + join_vendors(d.vendors) +
                           "), first " + first;
            } else if (claims) {
                d.reason = "gpu.detect=auto: no accelerator node in the container";
                d.reason += in.live ? "" : " (no live /dev to look at)";
                d.reason += "; claimed by " + claimed +
                            ", which grants nothing by itself (GPU rights need a character "
                            "device with the vendor's numbers, put there by the runtime, a mount "
                            "or a hook)";
            } else {
                d.reason =
                    "gpu.detect=auto: no accelerator evidence in linux.devices, mounts, "
                    "process.env, annotations or hooks";
                d.reason += !in.live        ? " (no live /dev to look at)"
                            : in.bundle_dev ? ", nor in the bundle's /dev (no live view of the container)"
                                            : ", nor in the live /dev";
                for (const auto& o : ignored) d.reason += "; " + o + " requests no device";
            }
            break;
        case gpu::DetectMode::always:
            d.gpu = true;
            if (d.vendors.empty()) {
                for (const auto& v : vendor_profiles()) {
                    bool seen = std::any_of(d.evidence.begin(), d.evidence.end(),
                                            [&](const Evidence& e) { return e.vendor == v.id; });
                    if (seen) d.vendors.emplace_back(v.id);
                }
                if (d.vendors.empty()) d.vendors.emplace_back("nvidia");
                d.reason = "gpu.detect=always: no accelerator node; GPU handling for " +
                           join_vendors(d.vendors) + " as the policy asks";
            } else {
                d.reason = "gpu.detect=always: " + count + " (" + join_vendors(d.vendors) + ")";
            }
            break;
        case gpu::DetectMode::never:
            d.gpu = false;
            d.reason =
                "gpu.detect=never: GPU handling disabled by the policy (" + count + ", " +
                std::to_string(d.evidence.size()) + " evidence items ignored)";
            break;
    }
    return d;
}

}  // namespace osh::gpu
