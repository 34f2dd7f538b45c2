// A PathProbe over a container's rootfs on disk: answers "what is at this
// container path?" without ever leaving the rootfs. The rootfs is opened once
// (O_PATH|O_DIRECTORY); each probe is an openat2 with RESOLVE_IN_ROOT (".."
// and absolute symlinks stay inside) and RESOLVE_NO_MAGICLINKS, O_NOFOLLOW on
// the last component (a symlink is reported as one, not followed), then fstat.
#pragma once

#include <string>

#include "policy/effective.hpp"
#include "util/result.hpp"

namespace osh::policy {

// Opens `rootfs_dir` (a host path) and returns a probe bound to it. The probe
// owns the directory fd (shared between copies of the std::function).
Result<PathProbe> open_rootfs_probe(const std::string& rootfs_dir);

// A probe for when no rootfs is available: every answer is "unknown".
PathProbe no_rootfs_probe();

}  // namespace osh::policy
