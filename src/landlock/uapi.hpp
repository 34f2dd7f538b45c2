// Landlock's kernel interface, ABI 1-7, defined ONCE for the whole project.
//
// Debian 12 ships the 6.1 uapi header (ABI 2: no truncate, no network, no
// ioctl_dev, no scoping, no log flags), so the newer constants are defined
// here, each guarded with #ifndef and with the values of
// include/uapi/linux/landlock.h (Linux 6.15, ABI 7). The structures that grew
// after 6.1 are our own types, laid out exactly as the uapi ones.
#pragma once

#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

// ABI 3 (Linux 6.2).
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
// ABI 4 (Linux 6.7): TCP ports.
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
// enum landlock_rule_type gained LANDLOCK_RULE_NET_PORT = 2 in ABI 4; the 6.1
// header's enum lacks it, so the value is a plain constant here.
inline constexpr int kLandlockRuleNetPort = 2;
// ABI 5 (Linux 6.10).
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
// ABI 6 (Linux 6.12): IPC scoping.
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
// ABI 7 (Linux 6.15): audit log flags of landlock_restrict_self().
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

namespace osh::landlock::uapi {

// struct landlock_ruleset_attr as of ABI 6 (the kernel accepts a smaller size
// from older callers; we always pass the size the probed ABI knows).
struct RulesetAttr {
    uint64_t handled_access_fs = 0;
    uint64_t handled_access_net = 0;  // ABI 4
    uint64_t scoped = 0;              // ABI 6
};
inline constexpr size_t kRulesetAttrSizeV1 = 8;   // handled_access_fs only
inline constexpr size_t kRulesetAttrSizeV4 = 16;  // + handled_access_net
inline constexpr size_t kRulesetAttrSizeV6 = 24;  // + scoped
static_assert(sizeof(RulesetAttr) == kRulesetAttrSizeV6);

// struct landlock_net_port_attr (ABI 4).
struct NetPortAttr {
    uint64_t allowed_access = 0;
    uint64_t port = 0;
};
static_assert(sizeof(NetPortAttr) == 16);

// struct landlock_path_beneath_attr (packed: 12 bytes) comes from the system header.
static_assert(sizeof(struct landlock_path_beneath_attr) == 12);

inline int create_ruleset(const void* attr, size_t size, uint32_t flags) {
    return static_cast<int>(::syscall(__NR_landlock_create_ruleset, attr, size, flags));
}
inline int add_rule(int ruleset_fd, int rule_type, const void* rule_attr, uint32_t flags) {
    return static_cast<int>(
        ::syscall(__NR_landlock_add_rule, ruleset_fd, rule_type, rule_attr, flags));
}
inline int restrict_self(int ruleset_fd, uint32_t flags) {
    return static_cast<int>(::syscall(__NR_landlock_restrict_self, ruleset_fd, flags));
}

}  // namespace osh::landlock::uapi
