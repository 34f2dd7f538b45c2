// Landlock ABI: probing the kernel, and which rights each ABI handles.
// The probe is the only kernel call here; everything else is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "landlock/access.hpp"
#include "util/words.hpp"

namespace osh::landlock {

// The newest ABI this code knows. A kernel reporting a newer one is treated
// as this one (its extra rights are simply not requested).
inline constexpr int kNewestKnownAbi = 7;

enum class Support {
    available,
    not_implemented,  // ENOSYS: no such syscall (kernel without Landlock, gVisor)
    disabled,         // EOPNOTSUPP: built in but not enabled (lsm= boot parameter)
    blocked,          // EPERM: refused by an outer seccomp profile (e.g. Docker's default)
    error,            // any other errno
};
inline constexpr auto kSupportWords = std::to_array<words::Entry<Support>>({
    {Support::available, "available"},
    {Support::not_implemented, "not_implemented"},
    {Support::disabled, "disabled"},
    {Support::blocked, "blocked"},
    {Support::error, "error"},
});
inline std::string_view name(Support s) {
    return words::of(kSupportWords, s);
}

struct AbiInfo {
    Support support = Support::error;
    int abi = 0;         // usable ABI, clamped to kNewestKnownAbi; 0 when unavailable
    int kernel_abi = 0;  // what the kernel reported (0 when unavailable)
    int err = 0;         // errno of the probe when unavailable

    bool available() const { return support == Support::available && abi >= 1; }
    // "Landlock ABI 7" or "not implemented by this kernel (ENOSYS; e.g. gVisor)".
    std::string describe() const;
};

// Classifies landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)'s
// return value and errno. Pure.
AbiInfo classify_probe(long rc, int err);

// Asks the kernel (one syscall).
AbiInfo probe();

// What a ruleset can handle at a given ABI.
struct AbiRights {
    AccessMask fs = 0;    // LANDLOCK_ACCESS_FS_*
    uint64_t net = 0;     // LANDLOCK_ACCESS_NET_* (ABI 4)
    uint64_t scoped = 0;  // LANDLOCK_SCOPE_* (ABI 6)
};
// Pure. ABI <= 0 handles nothing; ABI > kNewestKnownAbi is treated as the newest.
AbiRights rights_for_abi(int abi);

// The ABI that introduced a filesystem right (execute..make_sym: 1, refer: 2,
// truncate: 3, ioctl_dev: 5).
int abi_of(landlock::Access a);
// net bind/connect: 4; scopes: 6.
inline constexpr int kNetAbi = 4;
inline constexpr int kScopeAbi = 6;
inline constexpr int kLogFlagsAbi = 7;

uint64_t net_bit_bind();
uint64_t net_bit_connect();
uint64_t scope_bit(landlock::Scope s);

}  // namespace osh::landlock
