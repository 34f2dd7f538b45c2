// What a Landlock domain restricts, in the words the policy document, the
// plan and explain use: filesystem rights (bit i is the kernel's
// LANDLOCK_ACCESS_FS_* bit i, include/uapi/linux/landlock.h, so a mask
// converts to the kernel's by masking with what the ABI handles), how
// strictly a domain is required, and the IPC scopes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/words.hpp"

namespace osh::landlock {

enum class Access : uint8_t {
    execute = 0,  // ABI 1
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
    refer = 13,      // ABI 2
    truncate = 14,   // ABI 3
    ioctl_dev = 15,  // ABI 5
};
inline constexpr int kAccessCount = 16;
// In bit order.
inline constexpr auto kAccessWords = std::to_array<words::Entry<Access>>({
    {Access::execute, "execute"},
    {Access::write_file, "write_file"},
    {Access::read_file, "read_file"},
    {Access::read_dir, "read_dir"},
    {Access::remove_dir, "remove_dir"},
    {Access::remove_file, "remove_file"},
    {Access::make_char, "make_char"},
    {Access::make_dir, "make_dir"},
    {Access::make_reg, "make_reg"},
    {Access::make_sock, "make_sock"},
    {Access::make_fifo, "make_fifo"},
    {Access::make_block, "make_block"},
    {Access::make_sym, "make_sym"},
    {Access::refer, "refer"},
    {Access::truncate, "truncate"},
    {Access::ioctl_dev, "ioctl_dev"},
});
static_assert(kAccessWords.size() == kAccessCount);

using AccessMask = uint64_t;

constexpr AccessMask bit(Access a) {
    return AccessMask{1} << static_cast<unsigned>(a);
}

inline constexpr AccessMask kReadOnly =
    bit(Access::execute) | bit(Access::read_file) | bit(Access::read_dir);
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

inline std::string_view name(Access a) {
    return words::of(kAccessWords, a);
}
inline std::optional<Access> parse_access(std::string_view s) {
    return words::parse(kAccessWords, s);
}
// "read_file,read_dir" style list, in bit order; "none" for no right.
std::string describe(AccessMask m);

// best_effort: run with what the kernel's ABI can enforce and say what it
// cannot; hard_requirement: refuse when a requested right is not enforceable.
enum class Compatibility { best_effort, hard_requirement };
inline constexpr auto kCompatibilityWords = std::to_array<words::Entry<Compatibility>>({
    {Compatibility::best_effort, "best_effort"},
    {Compatibility::hard_requirement, "hard_requirement"},
});
inline std::string_view name(Compatibility c) {
    return words::of(kCompatibilityWords, c);
}

// IPC a domain may scope to itself (ABI 6).
enum class Scope { abstract_unix_socket, signal };
inline constexpr auto kScopeWords = std::to_array<words::Entry<Scope>>({
    {Scope::abstract_unix_socket, "abstract_unix_socket"},
    {Scope::signal, "signal"},
});
inline std::string_view name(Scope s) {
    return words::of(kScopeWords, s);
}

}  // namespace osh::landlock
