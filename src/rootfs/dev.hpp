// The container's live /dev as seen at hook time (after the runtime made its
// devices and mounts): GPU detection's strongest evidence.
#pragma once

#include <cstddef>

#include "rootfs/facts.hpp"
#include "util/result.hpp"

namespace osh::rootfs {

inline constexpr int kMaxDevDepth = 4;
inline constexpr size_t kMaxDevEntries = 4096;

// Lists every node beneath /dev without following symlinks and without
// opening anything but directories. Bounded (a hostile /dev cannot make the
// walk unbounded): what the bounds or permissions hide is named in
// `problems`, never silently dropped. A /dev that is a symlink or not a
// directory is an error naming it; no /dev at all is an empty listing.
Result<DevListing> list_dev(int rootfd, int max_depth = kMaxDevDepth,
                            size_t max_entries = kMaxDevEntries);

}  // namespace osh::rootfs
