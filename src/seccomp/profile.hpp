// The default seccomp deny-list profile, as data, and the resolution of a
// policy (profile + seccomp.deny + seccomp.allow + vendor relaxations) into
// the final list of rules the compiler turns into BPF.
//
// Pure: no libseccomp and no kernel state here. Each entry carries the reason
// it is denied; docs/seccomp.md lists them (a test keeps the two in sync).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/document.hpp"

namespace osh::seccomp {

// One argument test. A rule holds when all its conditions hold.
enum class CondOp : uint8_t {
    masked_eq,  // (arg & mask) == value
    ne,         // arg != value (all 64 bits: a stray high bit makes the call denied, never allowed)
    any_bit,    // (arg & mask) != 0: expanded into one masked_eq rule per bit of mask
};

struct ArgCond {
    unsigned arg = 0;  // 0..5
    CondOp op = CondOp::masked_eq;
    uint64_t mask = 0;   // masked_eq / any_bit
    uint64_t value = 0;  // masked_eq / ne
    bool operator==(const ArgCond&) const = default;
};

// A profile entry. Several entries may name the same syscall: they are
// alternatives (any of them denies the call).
struct ProfileEntry {
    std::string_view syscall;
    std::vector<ArgCond> conds;  // empty: every call of this syscall
    int errno_override =
        0;  // nonzero: always answer with this errno (clone3 -> ENOSYS), whatever the action
    std::string_view reason;
    // Nonzero: the call's number, for a call newer than libseccomp's table
    // (Debian 12's 2.5.4 stops at 456). Numbers from 424 on are the same on
    // x86_64, aarch64 and i386, so one number serves every target we build.
    int number = 0;
};

// The built-in default profile (x86_64 semantics; names only, so it is the
// same table for every architecture: names a given architecture lacks are
// skipped there).
std::span<const ProfileEntry> default_profile();

// The profile's number for a call libseccomp may not know by name
// (ProfileEntry::number); 0 when the profile has none.
int profile_number(std::string_view name);

// What to compile: the policy's seccomp section, the detected vendors'
// relaxations, and the target architecture.
struct FilterSpec {
    policy::SeccompPolicy policy;
    std::vector<std::string> relaxations;  // syscall names (vendor allows)
    uint32_t audit_arch = 0;               // AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64, ...; 0 = native
};

// One rule of the final filter.
struct Rule {
    std::string syscall;
    std::vector<ArgCond> conds;  // any_bit already expanded
    int errno_override = 0;
    std::string reason;
    int number = 0;  // see ProfileEntry::number
    bool operator==(const Rule&) const = default;
};

// Applies the policy to the profile:
//   profile (default | none)  +  seccomp.deny (plain entries)  -  seccomp.allow (by name)
//   -  relaxations (by name; they never remove a name the policy's deny lists)
// Order is stable (profile order, then deny order). Does not check that names
// exist: compile() does, per architecture.
std::vector<Rule> resolve_rules(const FilterSpec& spec);

// The canonical filter source: one line per rule, then the action and the
// architectures. Hashed for the BPF cache key; also handy in `explain`.
std::string canonical_source(const FilterSpec& spec);

// The native audit arch (AUDIT_ARCH_X86_64 on x86_64) when `audit_arch` is 0.
uint32_t effective_arch(uint32_t audit_arch);

}  // namespace osh::seccomp
