#include "landlock/abi.hpp"

#include <cerrno>
#include <cstring>

#include "landlock/uapi.hpp"

namespace osh::landlock {

std::string AbiInfo::describe() const {
    switch (support) {
        case Support::available: {
            std::string s = "Landlock ABI " + std::to_string(abi);
            if (kernel_abi > abi)
                s += " (kernel reports ABI " + std::to_string(kernel_abi) +
                     ", newer than this build knows)";
            return s;
        }
        case Support::not_implemented:
            return "Landlock is not implemented by this kernel (ENOSYS; e.g. gVisor, or a kernel "
                   "built "
                   "without CONFIG_SECURITY_LANDLOCK)";
        case Support::disabled:
            return "Landlock is built in but disabled (EOPNOTSUPP; add landlock to the lsm= boot "
                   "parameter)";
        case Support::blocked:
            return "Landlock syscalls are refused (EPERM; an outer seccomp profile blocks them)";
        case Support::error:
            return std::string("Landlock probe failed: ") + std::strerror(err) + " (errno " +
                   std::to_string(err) + ")";
    }
    return "unknown";
}

AbiInfo classify_probe(long rc, int err) {
    AbiInfo info;
    if (rc >= 1) {
        info.support = Support::available;
        info.kernel_abi = static_cast<int>(rc);
        info.abi = rc > kNewestKnownAbi ? kNewestKnownAbi : static_cast<int>(rc);
        return info;
    }
    info.err = rc == 0 ? EINVAL : err;  // 0 is not a valid ABI: treat as an error
    switch (info.err) {
        case ENOSYS:
            info.support = Support::not_implemented;
            break;
        case EOPNOTSUPP:
            info.support = Support::disabled;
            break;
        case EPERM:
            info.support = Support::blocked;
            break;
        default:
            info.support = Support::error;
            break;
    }
    return info;
}

AbiInfo probe() {
    int rc = uapi::create_ruleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    int err = errno;
    return classify_probe(rc, rc < 0 ? err : 0);
}

int abi_of(landlock::Access a) {
    switch (a) {
        case landlock::Access::refer:
            return 2;
        case landlock::Access::truncate:
            return 3;
        case landlock::Access::ioctl_dev:
            return 5;
        default:
            return 1;
    }
}

AbiRights rights_for_abi(int abi) {
    AbiRights r;
    if (abi <= 0) return r;
    if (abi > kNewestKnownAbi) abi = kNewestKnownAbi;
    for (int i = 0; i < landlock::kAccessCount; ++i) {
        auto a = static_cast<landlock::Access>(i);
        if (abi_of(a) <= abi) r.fs |= landlock::bit(a);
    }
    if (abi >= kNetAbi) r.net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
    if (abi >= kScopeAbi) r.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
    return r;
}

uint64_t net_bit_bind() {
    return LANDLOCK_ACCESS_NET_BIND_TCP;
}
uint64_t net_bit_connect() {
    return LANDLOCK_ACCESS_NET_CONNECT_TCP;
}
uint64_t scope_bit(landlock::Scope s) {
    return s == landlock::Scope::signal ? LANDLOCK_SCOPE_SIGNAL
                                        : LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
}

}  // namespace osh::landlock
