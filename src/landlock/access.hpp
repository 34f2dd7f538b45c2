// Filesystem access rights, named as in the policy document. Bit i is
// Landlock's LANDLOCK_ACCESS_FS_* bit i (include/uapi/linux/landlock.h), so a
// mask converts to the kernel's by masking with what the ABI handles.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace osh::policy {

enum class Access : uint8_t {
    execute = 0,      // ABI 1
    write_file = 1,
    read_file = 2,
    read_dir = 3,
    remove_dir = 4,
    remove_file = 5,
    make_char = 6,
    make_dir = 7,
    make_reg = 8,
    make_sock = 9,
    make_fifo = 10,
    make_block = 11,
    make_sym = 12,
    refer = 13,       // ABI 2
    truncate = 14,    // ABI 3
    ioctl_dev = 15,   // ABI 5
};
inline constexpr int kAccessCount = 16;

using AccessMask = uint64_t;

constexpr AccessMask bit(Access a) { return AccessMask{1} << static_cast<unsigned>(a); }

inline constexpr AccessMask kReadOnly = bit(Access::execute) | bit(Access::read_file) | bit(Access::read_dir);
// read_write: everything a writable tree needs. Character/block device
// creation and device ioctls are left out: GPU nodes get ioctl_dev explicitly.
inline constexpr AccessMask kReadWrite =
    kReadOnly | bit(Access::write_file) | bit(Access::remove_dir) | bit(Access::remove_file) |
    bit(Access::make_dir) | bit(Access::make_reg) | bit(Access::make_sock) |
    bit(Access::make_fifo) | bit(Access::make_sym) | bit(Access::refer) | bit(Access::truncate);
// Rights that apply to a file (not a directory); Landlock rejects others on a file.
inline constexpr AccessMask kFileRights = bit(Access::execute) | bit(Access::write_file) |
                                          bit(Access::read_file) | bit(Access::truncate) |
                                          bit(Access::ioctl_dev);

std::string_view name(Access a);
std::optional<Access> parse_access(std::string_view s);
// "read_file,read_dir" style list, in bit order.
std::string describe(AccessMask m);

}  // namespace osh::policy
