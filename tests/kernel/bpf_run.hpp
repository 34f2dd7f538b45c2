// Runs a seccomp classic-BPF program on one call, as the kernel does, for the
// tests that check a program without loading it (its answer for other ABIs,
// for every call number, or for a call the kernel would really make).
// Written apart from seccomp/compact.cpp's answer_for on purpose: the tests
// that compare compact()'s program with libseccomp's judge both with this.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>

#include "seccomp/bpf.hpp"

namespace osh::test {

struct FakeCall {
    int nr = 0;
    uint32_t arch = AUDIT_ARCH_X86_64;
    uint64_t args[6] = {};
};

inline constexpr uint32_t kNotConstant = 0xfffffffe;  // the answer depends on more
inline constexpr uint32_t kBadInsn = 0xdeadbeef;      // an instruction seccomp refuses

// The program's answer for `c`. With `args_known` false it does what the
// kernel does when it decides whether a call's answer may be cached
// (seccomp_is_const_allow): only the number and the arch are known, and any
// other load makes the answer not constant. `steps`, when given, counts the
// instructions run.
inline uint32_t run_bpf(const seccomp::Bpf& bpf, const FakeCall& c, bool args_known = true,
                        size_t* steps = nullptr) {
    uint32_t words[16] = {};
    words[0] = static_cast<uint32_t>(c.nr);
    words[1] = c.arch;
    for (int i = 0; i < 6; ++i) {
        words[4 + 2 * i] = static_cast<uint32_t>(c.args[i]);
        words[5 + 2 * i] = static_cast<uint32_t>(c.args[i] >> 32);
    }
    uint32_t a = 0;
    for (size_t pc = 0; pc < bpf.insns.size(); ++pc) {
        const sock_filter& f = bpf.insns[pc];
        if (steps) ++*steps;
        switch (f.code) {
            case BPF_LD | BPF_W | BPF_ABS:
                if (f.k % 4 != 0 || f.k / 4 >= 16) return kBadInsn;
                if (!args_known && f.k > 4) return kNotConstant;
                a = words[f.k / 4];
                break;
            case BPF_ALU | BPF_AND | BPF_K:
                a &= f.k;
                break;
            case BPF_JMP | BPF_JA:
                pc += f.k;
                break;
            case BPF_JMP | BPF_JEQ | BPF_K:
                pc += (a == f.k) ? f.jt : f.jf;
                break;
            case BPF_JMP | BPF_JGT | BPF_K:
                pc += (a > f.k) ? f.jt : f.jf;
                break;
            case BPF_JMP | BPF_JGE | BPF_K:
                pc += (a >= f.k) ? f.jt : f.jf;
                break;
            case BPF_JMP | BPF_JSET | BPF_K:
                pc += (a & f.k) ? f.jt : f.jf;
                break;
            case BPF_RET | BPF_K:
                return f.k;
            default:
                return kBadInsn;
        }
    }
    return kBadInsn;  // fell off the end
}

}  // namespace osh::test
