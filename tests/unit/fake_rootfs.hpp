// Test helper: a path probe over a made-up container tree, no filesystem.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "rootfs/resolve.hpp"

namespace osh_test {

// `present`: each object's path and kind (anything else is missing);
// `links`: a path that resolves elsewhere through one image symlink;
// `mount_roots`: objects that are a mount's root (a running container);
// `numbers`: a character device's major:minor (the standard devices,
// /dev/null and the rest, have their real ones unless given here).
using DeviceNumbers = std::map<std::string, std::pair<uint32_t, uint32_t>>;
inline osh::rootfs::PathProbe fake_rootfs(std::map<std::string, osh::rootfs::NodeKind> present,
                                          std::map<std::string, std::string> links = {},
                                          std::set<std::string> mount_roots = {},
                                          DeviceNumbers numbers = {}) {
    static const DeviceNumbers kStandard = {{"/dev/null", {1, 3}},    {"/dev/zero", {1, 5}},
                                            {"/dev/full", {1, 7}},    {"/dev/random", {1, 8}},
                                            {"/dev/urandom", {1, 9}}, {"/dev/tty", {5, 0}},
                                            {"/dev/ptmx", {5, 2}},    {"/dev/pts/ptmx", {5, 2}}};
    return [present, links, mount_roots,
            numbers](const std::string& p) -> std::optional<osh::rootfs::PathFact> {
        osh::rootfs::PathFact f;
        f.path = p;
        f.resolved = p;
        if (auto l = links.find(p); l != links.end()) {
            f.resolved = l->second;
            f.links.push_back(p + " -> " + l->second);
        }
        auto it = present.find(f.resolved);
        f.kind = it == present.end() ? osh::rootfs::NodeKind::missing : it->second;
        if (f.kind != osh::rootfs::NodeKind::missing)
            f.id = osh::rootfs::ObjectId{1, std::hash<std::string>{}(f.resolved)};
        f.mount_root = mount_roots.count(f.resolved) > 0;
        if (f.kind == osh::rootfs::NodeKind::char_device) {
            if (auto n = numbers.find(f.resolved); n != numbers.end())
                std::tie(f.major, f.minor) = n->second;
            else if (auto s = kStandard.find(f.resolved); s != kStandard.end())
                std::tie(f.major, f.minor) = s->second;
        }
        return f;
    };
}

}  // namespace osh_test
