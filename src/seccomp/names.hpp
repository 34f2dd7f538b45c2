// Syscall names as the compiler will resolve them: libseccomp's table for an
// architecture, plus the calls the default profile knows by number only.
// Used to refuse a misspelt name before a container is created (check-policy,
// doctor) with a suggestion, instead of failing every create (seccomp_compile).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace osh::seccomp {

// True when `name` names a syscall on `audit_arch` (0 = native) for the
// compiler: libseccomp resolves it, or the profile has its number.
bool syscall_known(const std::string& name, uint32_t audit_arch = 0);

// Every syscall name libseccomp knows on `audit_arch` (0 = native): the
// candidates for a suggestion.
std::vector<std::string> syscall_names(uint32_t audit_arch = 0);

// "x86_64", "aarch64", ... for messages.
std::string arch_label(uint32_t audit_arch = 0);

}  // namespace osh::seccomp
