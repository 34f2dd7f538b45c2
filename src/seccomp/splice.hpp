// Classic BPF surgery for what libseccomp cannot express alone: a prologue
// that answers ENOSYS above a call number, and two programs run one after the
// other (a refusal part whose "allow" means "go on", then the allow-list).
// Pure: instructions in, instructions out.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <vector>

namespace osh::seccomp {

// Where a filter's known calls end on one architecture.
struct ArchHorizon {
    uint32_t audit_arch = 0;
    uint32_t highest = 0;  // the highest call number the profile knows there
};

// A prologue that returns ERRNO(ENOSYS) for a call of one of these
// architectures numbered above its `highest`, and falls through otherwise.
// On x86_64, numbers with the x32 bit (0x40000000) fall through: they are a
// foreign ABI, which the program after it refuses. Reads only the
// architecture and the call number, so the kernel can still cache constant
// decisions.
std::vector<sock_filter> newer_calls_prologue(std::span<const ArchHorizon> arches);

// `first` with each of its `return ALLOW` turned into a jump to the start of
// `then`, followed by `then`: a call `first` allows is decided by `then`.
std::vector<sock_filter> chain(std::span<const sock_filter> first,
                               std::span<const sock_filter> then);

}  // namespace osh::seccomp
