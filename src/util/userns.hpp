// Whether this process's user namespace maps uid 0 to the host's uid 0, i.e.
// whether "root" here is the real root. Rootless engines (rootless podman)
// run hooks in a user namespace where uid 0 is an unprivileged user.
#pragma once

#include <string_view>

namespace osh::userns {

// Parses /proc/self/uid_map text ("inside outside count" lines).
bool maps_host_root(std::string_view uid_map);

// Reads /proc/self/uid_map; true when it cannot be read (no user namespaces).
bool running_as_host_root();

// The host uid that `uid` of this user namespace maps to (itself when the
// map cannot be read or does not map it).
unsigned long host_uid_of(std::string_view uid_map, unsigned long uid);

// Whether this process is the host's root: euid 0 in a namespace mapping 0
// to the host's 0. A rootless engine's hooks and runtime are not.
bool is_host_root();

}  // namespace osh::userns
