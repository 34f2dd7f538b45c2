// Test helper: a path probe over a made-up container tree, no filesystem.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "rootfs/resolve.hpp"

namespace osh_test {

// `present`: each object's path and kind (anything else is missing);
// `links`: a path that resolves elsewhere through one image symlink;
// `mount_roots`: objects that are a mount's root (a running container).
inline osh::rootfs::PathProbe fake_rootfs(std::map<std::string, osh::rootfs::NodeKind> present,
                                          std::map<std::string, std::string> links = {},
                                          std::set<std::string> mount_roots = {}) {
    return [present, links, mount_roots](const std::string& p) -> std::optional<osh::rootfs::PathFact> {
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
        return f;
    };
}

}  // namespace osh_test
