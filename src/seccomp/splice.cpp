#include "seccomp/splice.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cerrno>
#include <cstddef>

#include "seccomp/bpf.hpp"

namespace osh::seccomp {

std::vector<sock_filter> newer_calls_prologue(std::span<const ArchHorizon> arches) {
    std::vector<sock_filter> out;
    if (arches.empty()) return out;
    // Each arch's block, with its jumps to "the end" patched once the length is known.
    out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    std::vector<size_t> to_end;  // instructions whose jt/jf (marked 0xff) jump to the end
    for (const auto& a : arches) {
        const bool x86_64 = a.audit_arch == AUDIT_ARCH_X86_64;
        const uint8_t block = x86_64 ? 4 : 3;  // instructions after the arch test
        // A is the arch here: a mismatch skips this block to the next arch test.
        out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, a.audit_arch, 0, block));
        out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
        to_end.push_back(out.size());
        out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, a.highest, 0, 0xff));  // not above: done
        if (x86_64) {
            to_end.push_back(out.size());
            out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0xff, 0));  // x32: done
        }
        out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
        // Past the last arch's block, A still holds the arch only on the mismatch path.
    }
    const size_t end = out.size();
    for (size_t i : to_end) {
        auto& f = out[i];
        const auto off = static_cast<uint8_t>(end - i - 1);
        if (f.jt == 0xff) f.jt = off;
        if (f.jf == 0xff) f.jf = off;
    }
    return out;
}

std::vector<sock_filter> chain(std::span<const sock_filter> first,
                               std::span<const sock_filter> then) {
    std::vector<sock_filter> out(first.begin(), first.end());
    for (size_t i = 0; i < out.size(); ++i) {
        auto& f = out[i];
        if (f.code == (BPF_RET | BPF_K) && f.k == SECCOMP_RET_ALLOW)
            f = stmt(BPF_JMP | BPF_JA, static_cast<uint32_t>(out.size() - i - 1));
    }
    out.insert(out.end(), then.begin(), then.end());
    return out;
}

}  // namespace osh::seccomp
