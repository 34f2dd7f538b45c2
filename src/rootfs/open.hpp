// Opening paths of a container's root filesystem from the host (or, in the
// enforcer, from inside the container): always relative to a root fd with
// openat2, so a symlink in the image can never lead out of the root.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>

#include "rootfs/facts.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::rootfs {

// What a stat mode says the object is.
NodeKind kind_of(mode_t mode);

// The object a stat describes (device and inode).
ObjectId object_id(const struct stat& st);

// openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: symlinks are followed, but
// inside the root (EINTR/EAGAIN retried).
Result<UniqueFd> open_in_root(int rootfd, std::string_view container_path, int flags);

// openat2 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS: `container_path` must be a
// path with no symlink anywhere in it (a resolved path); a symlink met fails
// with ELOOP. The last component is opened as it is (O_PATH | O_NOFOLLOW).
Result<UniqueFd> open_exact(int rootfd, std::string_view container_path);

// Opens the container's root directory (O_PATH). With a live pid (the hook's
// state), through /proc/<pid>/root + the rootfs path, which shows the
// container's own mounts (its /dev, its volumes) before pivot_root, or
// /proc/<pid>/root itself once the runtime pivoted; either only when it is
// the same directory (device, inode) as the rootfs path on the host. Else the
// rootfs path on the host. `live` says which one it is.
Result<UniqueFd> open_rootfs(int pid, const std::string& rootfs_path, bool* live = nullptr);

// A regular file inside the root, size-capped. Never opens anything else: a
// device or FIFO at the path is refused before it is opened for reading.
Result<std::string> read_file_in_root(int rootfd, std::string_view container_path, size_t limit);

}  // namespace osh::rootfs
