// A compiled seccomp filter: raw classic BPF, as SECCOMP_SET_MODE_FILTER takes
// it, and its (de)serialisation for the plan file and the BPF cache.
// No libseccomp here.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <vector>

#include "util/result.hpp"

namespace osh::seccomp {

struct Bpf {
    std::vector<struct sock_filter> insns;  // empty: no filter (profile none)
    uint32_t audit_arch = 0;                // the arch it was built for (AUDIT_ARCH_*)
};

// Building blocks of the programs written by hand (the hook's prelude, the
// newer-calls prologue).
inline constexpr uint32_t kX32Bit = 0x40000000;  // __X32_SYSCALL_BIT
inline sock_filter stmt(uint16_t code, uint32_t k) {
    return sock_filter{code, 0, 0, k};
}
inline sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
    return sock_filter{code, jt, jf, k};
}

// Wire format (little-endian): "OSHBPF1\0" | u32 audit_arch | u32 count |
// count x {u16 code, u8 jt, u8 jf, u32 k}. Always a multiple of 8 bytes.
std::vector<uint8_t> serialize(const Bpf& bpf);
// Validates magic, count (<= BPF_MAXINSNS) and exact length.
Result<Bpf> deserialize(std::span<const uint8_t> bytes);

}  // namespace osh::seccomp
