// A PathProbe over a container's rootfs on disk: answers "what is at this
// container path?" without ever leaving the rootfs. The rootfs is opened once
// (O_PATH|O_DIRECTORY); each probe is an openat2 with RESOLVE_IN_ROOT (".."
// and absolute symlinks stay inside) and RESOLVE_NO_MAGICLINKS, O_NOFOLLOW on
// the last component (a symlink is reported as one, not followed), then fstat.
#pragma once

#include <string>

#include <vector>

#include "gpu/detect.hpp"
#include "policy/effective.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::policy {

// Opens `rootfs_dir` (a host path) and returns a probe bound to it. The probe
// owns the directory fd (shared between copies of the std::function).
Result<PathProbe> open_rootfs_probe(const std::string& rootfs_dir);

// The same over an already-open root directory fd (the hook opens
// /proc/<pid>/root before it confines itself).
PathProbe rootfs_probe(UniqueFd root);

// The container's /dev seen through `rootfd` (a rootfs or /proc/<pid>/root):
// every node beneath /dev, symlinks not followed, at most `max_depth`
// directories deep and `max_entries` entries (a hostile /dev cannot make the
// walk unbounded). For gpu::detect's live evidence.
Result<std::vector<gpu::LiveNode>> list_live_dev(int rootfd, int max_depth = 4,
                                                 size_t max_entries = 4096);

// A probe for when no rootfs is available: every answer is "unknown".
PathProbe no_rootfs_probe();

}  // namespace osh::policy
