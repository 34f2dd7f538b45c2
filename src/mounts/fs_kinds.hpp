// Which filesystems hold only files: a fresh instance of the container's own
// (tmpfs, devpts, ...), or someone's data (a disk, a network share, an
// overlay, FUSE). Any other may show a kernel-wide state shared by every
// container (proc, sysfs, cgroup, binfmt_misc, tracefs, cpuset, mqueue, a
// firmware variable), where a write changes the host. New kernels add such
// filesystems, so those are not listed; these are.
#pragma once

#include <cstdint>
#include <string_view>

namespace osh::mounts {

// By the type a spec's mount names ("tmpfs", "fuse.sshfs").
bool holds_only_files(std::string_view type);

// By statfs(2)'s f_type of a bind's source on the host.
bool holds_only_files(uint64_t statfs_magic);

}  // namespace osh::mounts
