// Safe reads of a container's root filesystem from the host. Every path from
// the container is resolved relative to a root fd with openat2
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: a symlink in the image can never
// lead the hook out of the rootfs. Nothing is executed or loaded from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/detect.hpp"
#include "policy/effective.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::rootfs {

// openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (EINTR/EAGAIN retried).
Result<UniqueFd> open_in_root(int rootfd, std::string_view container_path, int flags);

// Opens the container's root directory (O_PATH). With a live pid (the hook's
// state), through /proc/<pid>/root + the rootfs path, which shows the
// container's own mounts (its /dev tmpfs) before pivot_root, or
// /proc/<pid>/root itself once the runtime pivoted; either only when it is
// the same directory (device, inode) as the rootfs path on the host. Else the
// rootfs path on the host.
Result<UniqueFd> open_rootfs(int pid, const std::string& rootfs_path);

// The container's /dev as seen now, without following symlinks and without
// opening anything but directories. Bounded: depth 4, 4096 entries.
Result<std::vector<gpu::LiveNode>> list_live_dev(int rootfd);

// A PathProbe over a root fd (the fd must outlive the probe).
policy::PathProbe rootfs_probe(int rootfd);

// A regular file inside the root, size-capped.
Result<std::string> read_file_in_root(int rootfd, std::string_view container_path, size_t limit);

// Looks a name up in passwd-format / group-format text: returns field 3
// (uid or gid). Never NSS.
std::optional<uint32_t> lookup_id(std::string_view db_text, std::string_view name);

}  // namespace osh::rootfs
