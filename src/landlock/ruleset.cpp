#include "landlock/ruleset.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "landlock/uapi.hpp"
#include "rootfs/open.hpp"
#include "util/fd.hpp"

namespace osh::landlock {

// landlock::Access bit i is LANDLOCK_ACCESS_FS_* bit i.
static_assert(landlock::bit(landlock::Access::execute) == LANDLOCK_ACCESS_FS_EXECUTE);
static_assert(landlock::bit(landlock::Access::make_sym) == LANDLOCK_ACCESS_FS_MAKE_SYM);
static_assert(landlock::bit(landlock::Access::refer) == LANDLOCK_ACCESS_FS_REFER);
static_assert(landlock::bit(landlock::Access::truncate) == LANDLOCK_ACCESS_FS_TRUNCATE);
static_assert(landlock::bit(landlock::Access::ioctl_dev) == LANDLOCK_ACCESS_FS_IOCTL_DEV);

namespace {

std::string needs(std::string_view what, int abi) {
    return std::string(what) + " (needs Landlock ABI " + std::to_string(abi) + ")";
}

}  // namespace

Negotiation negotiate(const Request& req, int abi) {
    Negotiation n;
    AbiRights have = rights_for_abi(abi);
    AbiRights want = rights_for_abi(kNewestKnownAbi);

    n.handled_fs = want.fs & have.fs;
    for (int i = 0; i < landlock::kAccessCount; ++i) {
        auto a = static_cast<landlock::Access>(i);
        if ((want.fs & landlock::bit(a)) && !(have.fs & landlock::bit(a)))
            n.unsupported.push_back(needs(name(a), abi_of(a)));
    }

    if (req.bind_tcp) {
        if (have.net & net_bit_bind())
            n.handled_net |= net_bit_bind();
        else
            n.unsupported.push_back(needs("bind_tcp", kNetAbi));
    }
    if (req.connect_tcp) {
        if (have.net & net_bit_connect())
            n.handled_net |= net_bit_connect();
        else
            n.unsupported.push_back(needs("connect_tcp", kNetAbi));
    }
    for (landlock::Scope s : req.scopes) {
        if (have.scoped & scope_bit(s))
            n.scoped |= scope_bit(s);
        else
            n.unsupported.push_back(needs("scope " + std::string(name(s)), kScopeAbi));
    }
    std::sort(n.unsupported.begin(), n.unsupported.end());
    n.unsupported.erase(std::unique(n.unsupported.begin(), n.unsupported.end()),
                        n.unsupported.end());

    // Ask the kernel to audit denials of the workload we are about to exec
    // (by default only denials before the next execve are logged).
    if (abi >= kLogFlagsAbi) n.restrict_flags = LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON;

    // The smallest attribute size that carries what we handle.
    n.attr_size = n.scoped        ? uapi::kRulesetAttrSizeV6
                  : n.handled_net ? uapi::kRulesetAttrSizeV4
                                  : uapi::kRulesetAttrSizeV1;
    return n;
}

landlock::AccessMask rights_for_node(const PathRule& rule, bool is_directory,
                                   landlock::AccessMask handled_fs) {
    landlock::AccessMask m = rule.access;
    if (rule.gpu_device) m |= landlock::bit(landlock::Access::ioctl_dev);
    if (!is_directory) m &= landlock::kFileRights;
    return m & handled_fs;
}

Expected<Outcome, failure::KindError> enforce(const Request& req, const AbiInfo& abi,
                                     const PathFailureHandler& on_path_failure) {
    using K = failure::Kind;
    if (!abi.available()) return failure::kind_fail(K::landlock_unavailable, Error{abi.describe(), abi.err});

    Outcome out;
    out.abi = abi.abi;
    Negotiation n = negotiate(req, abi.abi);
    if (!n.unsupported.empty()) {
        if (req.compatibility == landlock::Compatibility::hard_requirement) {
            std::string list;
            for (const auto& u : n.unsupported) list += (list.empty() ? "" : ", ") + u;
            return failure::kind_fail(K::landlock_unavailable,
                             Error{"hard_requirement: this kernel's Landlock ABI " +
                                       std::to_string(abi.abi) + " cannot enforce " + list,
                                   0});
        }
        out.unsupported = n.unsupported;
    }

    uapi::RulesetAttr attr;
    attr.handled_access_fs = n.handled_fs;
    attr.handled_access_net = n.handled_net;
    attr.scoped = n.scoped;
    UniqueFd ruleset(uapi::create_ruleset(&attr, n.attr_size, 0));
    if (!ruleset) return failure::kind_fail(K::landlock_enforce, Error{"landlock_create_ruleset", errno});

    // The container's root (the runtime already pivoted into it).
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return failure::kind_fail(K::landlock_enforce, Error{"open /", errno});
    for (const PathRule& rule : req.paths) {
        auto opened = rootfs::open_exact(root.get(), rule.path);
        UniqueFd fd = opened ? std::move(*opened) : UniqueFd();
        Error failure;
        if (!fd) {
            failure = opened.error();
        } else {
            struct stat st {};
            if (::fstat(fd.get(), &st) != 0) {
                failure = Error{"fstat " + rule.path, errno};
            } else if (rule.id && (static_cast<uint64_t>(st.st_dev) != rule.id->dev ||
                                   static_cast<uint64_t>(st.st_ino) != rule.id->ino)) {
                failure = Error{rule.path + " is not the object the hook judged (device:inode " +
                                    std::to_string(rule.id->dev) + ":" +
                                    std::to_string(rule.id->ino) + ", found " +
                                    std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) +
                                    ")",
                                0};
            } else {
                landlock::AccessMask m = rights_for_node(rule, S_ISDIR(st.st_mode), n.handled_fs);
                if (m == 0) {
                    out.empty_rules.push_back(
                        "landlock rule " + rule.path + ": no right applies to a " +
                        (S_ISDIR(st.st_mode) ? "directory" : "non-directory") + " (asked " +
                        landlock::describe(rule.access) + ")");
                    continue;
                }
                struct landlock_path_beneath_attr pb {};
                pb.allowed_access = m;
                pb.parent_fd = fd.get();
                if (uapi::add_rule(ruleset.get(), LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
                    failure = Error{
                        "landlock_add_rule " + rule.path + " (" + landlock::describe(m) + ")", errno};
                } else {
                    ++out.path_rules;
                    continue;
                }
            }
        }
        if (!on_path_failure(rule.path, failure))
            return failure::kind_fail(K::landlock_path, std::move(failure));
    }
    // An empty ruleset denies every handled access everywhere: the workload
    // could not even be executed. Refuse it rather than fail obscurely.
    if (out.path_rules == 0)
        return failure::kind_fail(K::landlock_enforce,
                         Error{"no filesystem rule could be added: refusing an empty ruleset", 0});

    auto add_ports = [&](const std::optional<std::vector<uint16_t>>& ports,
                         uint64_t bit) -> Result<void> {
        if (!ports || !(n.handled_net & bit)) return {};
        for (uint16_t p : *ports) {
            uapi::NetPortAttr na;
            na.allowed_access = bit;
            na.port = p;
            if (uapi::add_rule(ruleset.get(), kLandlockRuleNetPort, &na, 0) != 0)
                return fail_errno("landlock_add_rule port " + std::to_string(p), errno);
            ++out.port_rules;
        }
        return {};
    };
    if (auto r = add_ports(req.bind_tcp, net_bit_bind()); !r)
        return failure::kind_fail(K::landlock_enforce, r.error());
    if (auto r = add_ports(req.connect_tcp, net_bit_connect()); !r)
        return failure::kind_fail(K::landlock_enforce, r.error());

    if (uapi::restrict_self(ruleset.get(), n.restrict_flags) != 0)
        return failure::kind_fail(K::landlock_enforce, Error{"landlock_restrict_self", errno});
    return out;
}

}  // namespace osh::landlock
