// The default seccomp profile, as data, and the resolution of a policy
// (profile + seccomp.allow + vendor relaxations - seccomp.deny) into the rules
// the compiler turns into BPF.
//
// The default profile is an allow-list that fails closed: a call it does not
// name gets the policy's action, and a call numbered above every call it
// knows gets ENOSYS (a kernel newer than the list; programs fall back, as
// under runc). Each allowed call belongs to a group that says why; each call
// refused on purpose carries its reason. docs/seccomp.md lists both (a test
// keeps them in sync).
//
// Pure: no libseccomp and no kernel state here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "seccomp/settings.hpp"

namespace osh::seccomp {

// One argument test: (arg & mask) == value, on all 64 bits. Integer
// arguments use a mask of 0xffffffff: the kernel reads only their low half,
// so a stray high bit must not change the answer.
struct ArgCond {
    unsigned arg = 0;  // 0..5
    uint64_t mask = 0;
    uint64_t value = 0;
    bool operator==(const ArgCond&) const = default;
};

// Why a group of calls is allowed.
struct AllowGroup {
    std::string_view name;
    std::string_view reason;
};

// One way a call is allowed: every condition must hold (none: every call).
// Several entries for one call are alternatives.
struct AllowEntry {
    std::string_view syscall;
    std::string_view group;
    std::vector<ArgCond> conds;
    std::string_view condition;  // the conditions in words ("" when none)
};

// A call the profile refuses on purpose, and why. With conditions, or with
// its own errno, it becomes a rule checked before the allow-list (ioctl's
// terminal requests, clone3's ENOSYS); otherwise the allow-list simply does
// not name it.
struct Refusal {
    std::string_view syscall;
    std::vector<ArgCond> conds;  // empty: every call
    int errno_override = 0;      // nonzero: this errno whatever the action (clone3 -> ENOSYS)
    std::string_view reason;
    std::string_view condition;  // the conditions in words ("" when none)
};

// A call newer than libseccomp's table (Debian 12's 2.5.4 stops at 456),
// known here by number. Numbers from 424 on are the same on x86_64, aarch64
// and i386, so one number serves every target we build.
struct NewerCall {
    std::string_view name;
    int number;
    std::string_view linux_version;
};

std::span<const AllowGroup> allow_groups();
std::span<const AllowEntry> allow_list();
std::span<const Refusal> refusals();
std::span<const NewerCall> newer_calls();

// The number of a call libseccomp may not know by name; 0 when not listed.
int profile_number(std::string_view name);

// The highest call number the profile knows (its newest call): calls above
// it get ENOSYS under the default profile.
int newest_known_number();

// What to compile: the policy's seccomp section, the detected vendors'
// relaxations, and the target architecture.
struct FilterSpec {
    Settings settings;
    std::vector<std::string> relaxations;  // syscall names (vendor allows)
    uint32_t audit_arch = 0;               // AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64, ...; 0 = native
    // The container shares the host's IPC namespace: the default profile's
    // ipc group (System V IPC, which Landlock does not govern, and POSIX
    // queues, whose mq_unlink and mq_open's O_CREAT act on the namespace's
    // queues before any open Landlock checks) leaves the allow-list, unless
    // seccomp.allow names a call.
    bool host_ipc_namespace = false;
    // The container's pid namespace holds others' processes (the host's, or
    // one joined by path: another container's, a pod's): the calls that act
    // on a process by pid with no check Landlock makes (resource limits,
    // priorities, scheduling; signals and ptrace are Landlock's scopes) are
    // allowed only on the caller itself (shared_pid_conditions), unless
    // seccomp.allow names a call.
    bool shared_pid_namespace = false;
};

// The conditions under which the default profile allows `syscall` in a
// shared pid namespace (each entry one allowed form; the call is refused in
// any other); empty when the call is not restricted there.
std::vector<std::vector<ArgCond>> shared_pid_conditions(std::string_view syscall);

// One rule of the final filter.
struct Rule {
    std::string syscall;
    std::vector<ArgCond> conds;
    int errno_override = 0;  // refused rules: this errno instead of the action
    std::string why;         // the group, the refusal's reason, or the policy field
    int number = 0;          // see NewerCall
    bool operator==(const Rule&) const = default;
};

// The filter to build, in two parts checked in order: `refused` (each
// matching call gets the action or its errno; anything else goes on), then,
// for the default profile, the allow-list (`allowed`; anything it does not
// allow gets the action, anything above the newest known number ENOSYS).
struct ResolvedFilter {
    bool allow_list = false;  // profile default
    std::vector<Rule> refused;
    std::vector<Rule> allowed;
    bool operator==(const ResolvedFilter&) const = default;
};

// Applies the policy to the profile:
//   default:  the allow-list  +  seccomp.allow  +  relaxations  -  seccomp.deny
//             (allow and relaxations make a call allowed without conditions
//             and drop the profile's refusals of it; deny wins over both)
//   none:     no allow-list; seccomp.deny refused (allow and relaxations
//             have nothing to add to)
// Order is stable (table order, then policy order). Does not check that names
// exist: compile() does, per architecture.
ResolvedFilter resolve(const FilterSpec& spec);

// The canonical filter source: the resolved rules, the action and the
// architectures, and every name the profile knows. Hashed for the BPF cache
// key; also handy in tests.
std::string canonical_source(const FilterSpec& spec);

// The native audit arch (AUDIT_ARCH_X86_64 on x86_64) when `audit_arch` is 0.
uint32_t effective_arch(uint32_t audit_arch);

}  // namespace osh::seccomp
