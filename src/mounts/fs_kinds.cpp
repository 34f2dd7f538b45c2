#include "mounts/fs_kinds.hpp"

#include <linux/magic.h>

namespace osh::mounts {

namespace {

// <linux/magic.h> lacks these.
constexpr uint64_t kXfsMagic = 0x58465342;
constexpr uint64_t kZfsMagic = 0x2fc12fc1;
constexpr uint64_t kNtfsMagic = 0x5346544e;  // ntfs and ntfs3

}  // namespace

bool holds_only_files(std::string_view type) {
    if (type.substr(0, 5) == "fuse.") return true;  // fuse.sshfs, fuse.glusterfs
    for (std::string_view t :
         {"tmpfs", "ramfs", "devpts", "hugetlbfs", "overlay", "fuse", "fuseblk", "ext2", "ext3",
          "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat", "msdos", "exfat", "ntfs", "ntfs3",
          "squashfs", "erofs", "iso9660", "udf", "nfs", "nfs4", "cifs", "smb3", "9p", "virtiofs",
          "ceph"})
        if (type == t) return true;
    return false;
}

bool holds_only_files(uint64_t statfs_magic) {
    // A host's /dev is devtmpfs, which reports tmpfs's number.
    for (uint64_t m :
         {uint64_t{TMPFS_MAGIC}, uint64_t{RAMFS_MAGIC}, uint64_t{DEVPTS_SUPER_MAGIC},
          uint64_t{HUGETLBFS_MAGIC}, uint64_t{OVERLAYFS_SUPER_MAGIC}, uint64_t{FUSE_SUPER_MAGIC},
          uint64_t{EXT4_SUPER_MAGIC}, kXfsMagic, uint64_t{BTRFS_SUPER_MAGIC}, kZfsMagic,
          uint64_t{F2FS_SUPER_MAGIC}, uint64_t{MSDOS_SUPER_MAGIC}, uint64_t{EXFAT_SUPER_MAGIC},
          kNtfsMagic, uint64_t{SQUASHFS_MAGIC}, uint64_t{EROFS_SUPER_MAGIC_V1},
          uint64_t{ISOFS_SUPER_MAGIC}, uint64_t{UDF_SUPER_MAGIC}, uint64_t{NFS_SUPER_MAGIC},
          uint64_t{CIFS_SUPER_MAGIC}, uint64_t{SMB2_SUPER_MAGIC}, uint64_t{V9FS_MAGIC},
          uint64_t{CEPH_SUPER_MAGIC}})
        if (statfs_magic == m) return true;
    return false;
}

}  // namespace osh::mounts
