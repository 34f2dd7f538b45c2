#include "seccomp/names.hpp"

#include <seccomp.h>

#include <cstdlib>

#include "seccomp/profile.hpp"

namespace osh::seccomp {

namespace {
// Above every syscall number of the architectures we build for (x86_64
// reaches ~470, the x32/mips offsets are not ours).
constexpr int kMaxSyscallNumber = 1024;
}  // namespace

bool syscall_known(const std::string& name, uint32_t audit_arch) {
    const uint32_t arch = effective_arch(audit_arch);
    return seccomp_syscall_resolve_name_arch(arch, name.c_str()) != __NR_SCMP_ERROR ||
           profile_number(name) != 0;
}

std::vector<std::string> syscall_names(uint32_t audit_arch) {
    const uint32_t arch = effective_arch(audit_arch);
    std::vector<std::string> names;
    for (int nr = 0; nr < kMaxSyscallNumber; ++nr) {
        char* n = seccomp_syscall_resolve_num_arch(arch, nr);
        if (!n) continue;
        names.emplace_back(n);
        ::free(n);
    }
    return names;
}

std::string arch_label(uint32_t audit_arch) {
    const uint32_t arch = effective_arch(audit_arch);
    switch (arch) {
        case SCMP_ARCH_X86_64: return "x86_64";
        case SCMP_ARCH_X86: return "x86";
        case SCMP_ARCH_AARCH64: return "aarch64";
        case SCMP_ARCH_ARM: return "arm";
        case SCMP_ARCH_PPC64LE: return "ppc64le";
        case SCMP_ARCH_S390X: return "s390x";
        case SCMP_ARCH_RISCV64: return "riscv64";
        default: return "audit arch " + std::to_string(arch);
    }
}

}  // namespace osh::seccomp
