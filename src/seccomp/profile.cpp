#include "seccomp/profile.hpp"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace osh::seccomp {
namespace {

// CLONE_NEWTIME (5.6) is missing from older headers. For clone(2) its bit
// (0x80) is part of the exit-signal byte, so it is checked for unshare only
// (clone3, the only other way to pass it, is answered ENOSYS).
constexpr uint64_t kCloneNewTime = 0x00000080;
constexpr uint64_t kCloneNamespaces = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                      CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
constexpr uint64_t kUnshareNamespaces = kCloneNamespaces | kCloneNewTime;

// Calls newer than libseccomp 2.5.4's table, by number (see ProfileEntry::number).
constexpr int kNrOpenTreeAttr = 467;

// int arguments: the kernel reads only the low 32 bits, so compare only those
// (a plain 64-bit compare is bypassed by setting a high bit).
constexpr uint64_t kLow32 = 0xffffffffu;

ArgCond int_eq(unsigned arg, uint64_t value) {
    return ArgCond{arg, CondOp::masked_eq, kLow32, value};
}
ArgCond any_bit(unsigned arg, uint64_t mask) {
    return ArgCond{arg, CondOp::any_bit, mask, 0};
}
ArgCond ne(unsigned arg, uint64_t value) {
    return ArgCond{arg, CondOp::ne, 0, value};
}

const std::vector<ProfileEntry>& table() {
    static const std::vector<ProfileEntry> kTable = {
        // Other processes' memory and state.
        {"ptrace", {}, 0, "inspects and controls other processes (read their memory, inject code)"},
        {"process_vm_readv", {}, 0, "reads another process's memory directly"},
        {"process_vm_writev", {}, 0, "writes another process's memory directly"},
        {"pidfd_getfd", {}, 0, "steals a file descriptor from another process"},
        // Large kernel attack surface, rarely needed by workloads.
        {"bpf", {}, 0, "loads eBPF programs and maps: large kernel attack surface"},
        {"perf_event_open",
         {},
         0,
         "kernel profiling interface: information leaks and a history of exploits"},
        {"userfaultfd",
         {},
         0,
         "lets a process stall kernel page faults: a standard exploit primitive for races"},
        {"io_uring_setup",
         {},
         0,
         "io_uring: large attack surface, and its operations bypass seccomp checks"},
        {"io_uring_enter",
         {},
         0,
         "io_uring: large attack surface, and its operations bypass seccomp checks"},
        {"io_uring_register",
         {},
         0,
         "io_uring: large attack surface, and its operations bypass seccomp checks"},
        // Mount table and root changes.
        {"mount",
         {},
         0,
         "changes the mount table (could uncover what the container's mounts hide)"},
        {"umount2",
         {},
         0,
         "removes mounts (could uncover what over-mounts such as masked paths hide)"},
        {"mount_setattr",
         {},
         0,
         "changes mount attributes (e.g. makes a read-only mount writable)"},
        {"fsopen", {}, 0, "new mount API: creates a filesystem context"},
        {"fsconfig", {}, 0, "new mount API: configures a filesystem context"},
        {"fsmount", {}, 0, "new mount API: creates a mount"},
        {"fspick", {}, 0, "new mount API: reconfigures an existing mount"},
        {"move_mount", {}, 0, "new mount API: attaches or moves a mount"},
        {"open_tree", {}, 0, "new mount API: clones a mount tree"},
        {"open_tree_attr",
         {},
         0,
         "new mount API (Linux 6.15): clones a mount tree like open_tree; a clone of /proc "
         "without its submounts has no read-only /proc/sys",
         kNrOpenTreeAttr},
        {"pivot_root", {}, 0, "changes the root filesystem"},
        {"chroot", {}, 0, "changes the root directory (with other bugs, a classic escape step)"},
        // Namespaces.
        {"setns", {}, 0, "joins another namespace"},
        {"unshare",
         {any_bit(0, kUnshareNamespaces)},
         0,
         "creating namespaces (CLONE_NEW*) opens user-namespace-only kernel code to the workload; "
         "unshare without namespace flags stays allowed"},
        {"clone",
         {any_bit(0, kCloneNamespaces)},
         0,
         "creating namespaces (CLONE_NEW*) through clone; plain thread and process creation stays "
         "allowed "
         "(flags are argument 0 on x86_64 and aarch64)"},
        {"clone3",
         {},
         ENOSYS,
         "its flags live in memory seccomp cannot read; ENOSYS makes libc fall back to clone, "
         "whose flags are "
         "checked"},
        // Kernel modules and kexec.
        {"init_module", {}, 0, "loads a kernel module"},
        {"finit_module", {}, 0, "loads a kernel module from a file"},
        {"delete_module", {}, 0, "unloads a kernel module"},
        {"kexec_load", {}, 0, "replaces the running kernel"},
        {"kexec_file_load", {}, 0, "replaces the running kernel"},
        // Kernel keyrings are not namespaced.
        {"keyctl",
         {},
         0,
         "kernel keyrings are not namespaced: reads or changes keys of other containers"},
        {"add_key", {}, 0, "kernel keyrings are not namespaced"},
        {"request_key", {}, 0, "kernel keyrings are not namespaced"},
        {"open_by_handle_at",
         {},
         0,
         "opens files by handle, bypassing path checks (the 'shocker' container escape)"},
        // Host-wide state that is not namespaced. Most of these need a
        // capability a container rarely has; denying them keeps a container
        // given one (CAP_SYS_ADMIN, CAP_SYSLOG, ...) from reaching the host.
        {"syslog",
         {},
         0,
         "reads the host kernel log (kernel addresses, other containers' messages and GPU "
         "errors); needs no capability where kernel.dmesg_restrict is 0"},
        {"acct", {}, 0, "switches host-wide process accounting on or off"},
        {"swapon", {}, 0, "adds host swap space"},
        {"swapoff", {}, 0, "removes host swap space (memory pressure on the whole host)"},
        {"settimeofday", {}, 0, "sets the host's clock (time is not namespaced)"},
        {"clock_settime", {}, 0, "sets the host's clock (time is not namespaced)"},
        {"iopl", {}, 0, "raw I/O port access: reaches hardware directly (x86)"},
        {"ioperm", {}, 0, "raw I/O port access: reaches hardware directly (x86)"},
        // Socket families with kernel attack surface and no use in workloads.
        {"socket",
         {int_eq(0, AF_PACKET)},
         0,
         "AF_PACKET: raw link-layer access (sniffing, spoofing, past CVEs)"},
        {"socket", {int_eq(0, AF_VSOCK)}, 0, "AF_VSOCK: talks to the hypervisor and other VMs"},
        {"socket", {int_eq(0, AF_ALG)}, 0, "AF_ALG: kernel crypto API, a source of past exploits"},
        {"socket",
         {int_eq(0, AF_BLUETOOTH)},
         0,
         "AF_BLUETOOTH: host radio access and a large stack"},
        {"socket",
         {int_eq(0, AF_NETLINK), ne(2, NETLINK_ROUTE)},
         0,
         "AF_NETLINK other than NETLINK_ROUTE (audit, netfilter, uevents, ...): kernel "
         "configuration channels; "
         "NETLINK_ROUTE stays allowed for interface and address queries"},
        // Terminal injection.
        {"ioctl",
         {ArgCond{1, CondOp::masked_eq, kLow32, TIOCSTI}},
         0,
         "TIOCSTI: injects input into a terminal (runs commands in the outer shell)"},
        {"ioctl",
         {ArgCond{1, CondOp::masked_eq, kLow32, TIOCLINUX}},
         0,
         "TIOCLINUX: console selection and paste (injects input like TIOCSTI)"},
    };
    return kTable;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// Expands any_bit conditions (at most one per entry) into one rule per bit.
void expand(const ProfileEntry& e, std::vector<Rule>& out) {
    auto it = std::find_if(e.conds.begin(), e.conds.end(),
                           [](const ArgCond& c) { return c.op == CondOp::any_bit; });
    if (it == e.conds.end()) {
        out.push_back(Rule{std::string(e.syscall), e.conds, e.errno_override, std::string(e.reason),
                           e.number});
        return;
    }
    for (int bit = 0; bit < 64; ++bit) {
        const uint64_t b = uint64_t{1} << bit;
        if ((it->mask & b) == 0) continue;
        Rule r{std::string(e.syscall), e.conds, e.errno_override, std::string(e.reason), e.number};
        auto& c = r.conds[static_cast<size_t>(it - e.conds.begin())];
        c = ArgCond{c.arg, CondOp::masked_eq, b, b};
        out.push_back(std::move(r));
    }
}

}  // namespace

std::span<const ProfileEntry> default_profile() {
    return table();
}

int profile_number(std::string_view name) {
    for (const auto& e : table())
        if (e.syscall == name && e.number != 0) return e.number;
    return 0;
}

uint32_t effective_arch(uint32_t audit_arch) {
    if (audit_arch != 0) return audit_arch;
#if defined(__x86_64__) && !defined(__ILP32__)
    return AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    return AUDIT_ARCH_AARCH64;
#elif defined(__i386__)
    return AUDIT_ARCH_I386;
#else
#error "effective_arch: add this architecture"
#endif
}

std::vector<Rule> resolve_rules(const FilterSpec& spec) {
    const auto& pol = spec.policy;
    std::vector<Rule> rules;
    if (pol.profile == policy::SeccompProfile::default_) {
        for (const auto& e : table()) expand(e, rules);
    }
    std::set<std::string> denied;  // names the policy denies outright
    for (const auto& name : pol.deny) {
        if (!denied.insert(name).second) continue;
        const bool unconditional = std::any_of(rules.begin(), rules.end(), [&](const Rule& r) {
            return r.syscall == name && r.conds.empty();
        });
        if (unconditional) continue;  // already denied for every call (keeps e.g. clone3's ENOSYS)
        // An outright deny covers the profile's conditional rules for the name.
        std::erase_if(rules, [&](const Rule& r) { return r.syscall == name; });
        rules.push_back(Rule{name, {}, 0, "policy seccomp.deny", profile_number(name)});
    }
    const std::set<std::string> allowed(pol.allow.begin(), pol.allow.end());
    std::erase_if(rules, [&](const Rule& r) { return allowed.count(r.syscall) != 0; });
    // A vendor relaxation never overrides the administrator's explicit deny.
    std::erase_if(rules, [&](const Rule& r) {
        return denied.count(r.syscall) == 0 &&
               std::find(spec.relaxations.begin(), spec.relaxations.end(), r.syscall) !=
                   spec.relaxations.end();
    });
    return rules;
}

std::string canonical_source(const FilterSpec& spec) {
    std::string s = "osh-seccomp-source v1\n";
    s += "arch " + hex(effective_arch(spec.audit_arch)) + "\n";
    s += std::string("allow_i386 ") + (spec.policy.allow_i386 ? "yes" : "no") + "\n";
    s += "action " + std::string(policy::name(spec.policy.action)) + "\n";
    s += "default allow\n";
    // Names that must resolve (checked at compile time) are part of the source too.
    for (const auto& n : spec.policy.allow) s += "name-allow " + n + "\n";
    for (const auto& n : spec.relaxations) s += "name-relax " + n + "\n";
    for (const auto& r : resolve_rules(spec)) {
        s += "deny " + r.syscall;
        for (const auto& c : r.conds) {
            s += " arg" + std::to_string(c.arg);
            if (c.op == CondOp::ne) {
                s += "!=" + hex(c.value);
            } else {
                s += "&" + hex(c.mask) + "==" + hex(c.value);
            }
        }
        if (r.errno_override != 0) s += " errno=" + std::to_string(r.errno_override);
        if (r.number != 0) s += " nr=" + std::to_string(r.number);
        s += "\n";
    }
    return s;
}

}  // namespace osh::seccomp
