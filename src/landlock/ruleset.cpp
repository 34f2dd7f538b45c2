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
static_assert(bit(Access::execute) == LANDLOCK_ACCESS_FS_EXECUTE);
static_assert(bit(Access::make_sym) == LANDLOCK_ACCESS_FS_MAKE_SYM);
static_assert(bit(Access::refer) == LANDLOCK_ACCESS_FS_REFER);
static_assert(bit(Access::truncate) == LANDLOCK_ACCESS_FS_TRUNCATE);
static_assert(bit(Access::ioctl_dev) == LANDLOCK_ACCESS_FS_IOCTL_DEV);

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
    for (int i = 0; i < kAccessCount; ++i) {
        auto a = static_cast<landlock::Access>(i);
        if ((want.fs & bit(a)) && !(have.fs & bit(a)))
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
    for (Scope s : req.scopes) {
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

AccessMask rights_for_object(AccessMask access, bool is_directory, AccessMask handled_fs) {
    if (!is_directory) access &= kFileRights;
    return access & handled_fs;
}

AccessMask rights_for_node(const PathRule& rule, bool is_directory, AccessMask handled_fs) {
    AccessMask m = rule.access;
    if (rule.gpu_device) m |= bit(Access::ioctl_dev);
    return rights_for_object(m, is_directory, handled_fs);
}

Negotiation filesystem_only(int abi) {
    Negotiation n;
    n.handled_fs = rights_for_abi(abi).fs;
    n.attr_size = uapi::kRulesetAttrSizeV1;  // net and scopes stay unhandled
    return n;
}

Result<Ruleset> Ruleset::create(const Negotiation& n) {
    uapi::RulesetAttr attr;
    attr.handled_access_fs = n.handled_fs;
    attr.handled_access_net = n.handled_net;
    attr.scoped = n.scoped;
    UniqueFd fd(uapi::create_ruleset(&attr, n.attr_size, 0));
    if (!fd) return fail_errno("landlock_create_ruleset", errno);
    return Ruleset(std::move(fd), n);
}

Result<AccessMask> Ruleset::add_beneath(int fd, AccessMask access, const std::string& what) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail_errno("stat " + what, errno);
    const AccessMask rights = rights_for_object(access, S_ISDIR(st.st_mode), handled_fs_);
    if (rights == 0) return AccessMask{0};
    if (auto ok = add_exact(fd, rights, what); !ok) return unexpected(ok.error());
    return rights;
}

Result<void> Ruleset::add_exact(int fd, AccessMask rights, const std::string& what) {
    landlock_path_beneath_attr pb{};
    pb.allowed_access = rights;
    pb.parent_fd = fd;
    if (uapi::add_rule(fd_.get(), LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
        return fail_errno("landlock_add_rule " + what, errno);
    return {};
}

Result<void> Ruleset::add_port(uint64_t access, uint16_t port) {
    uapi::NetPortAttr na;
    na.allowed_access = access;
    na.port = port;
    if (uapi::add_rule(fd_.get(), kLandlockRuleNetPort, &na, 0) != 0)
        return fail_errno("landlock_add_rule port " + std::to_string(port), errno);
    return {};
}

Result<void> Ruleset::restrict_self() {
    if (uapi::restrict_self(fd_.get(), restrict_flags_) != 0)
        return fail_errno("landlock_restrict_self", errno);
    return {};
}

Expected<Outcome, failure::KindError> enforce(const Request& req, const AbiInfo& abi,
                                              const PathFailureHandler& on_path_failure) {
    using K = failure::Kind;
    using failure::kind_fail;

    if (!abi.available()) return kind_fail(K::landlock_unavailable, Error{abi.describe(), abi.err});

    Outcome out;
    out.abi = abi.abi;
    Negotiation n = negotiate(req, abi.abi);
    if (!n.unsupported.empty()) {
        if (req.compatibility == Compatibility::hard_requirement) {
            std::string list;
            for (const auto& u : n.unsupported) list += (list.empty() ? "" : ", ") + u;
            return kind_fail(K::landlock_unavailable,
                             Error{"hard_requirement: this kernel's Landlock ABI " +
                                       std::to_string(abi.abi) + " cannot enforce " + list,
                                   0});
        }
        out.unsupported = n.unsupported;
    }

    auto ruleset = Ruleset::create(n);
    if (!ruleset) return kind_fail(K::landlock_enforce, ruleset.error());

    // The container's root (the runtime already pivoted into it).
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return kind_fail(K::landlock_enforce, Error{"open /", errno});
    for (const PathRule& rule : req.paths) {
        auto opened = rootfs::open_exact(root.get(), rule.path);
        Error failure;
        if (!opened) {
            failure = opened.error();
        } else {
            struct stat st {};
            if (::fstat(opened->get(), &st) != 0) {
                failure = Error{"fstat " + rule.path, errno};
            } else if (S_ISLNK(st.st_mode)) {
                // O_NOFOLLOW opened the link itself: a rule on it would
                // grant nothing, and a symlink never carries a right.
                failure = Error{"open " + rule.path + " (a symbolic link)", ELOOP};
            } else if (rule.gpu_device && !S_ISCHR(st.st_mode)) {
                // Accelerator rights go to character devices only.
                failure = Error{rule.path + " is not a character device: no accelerator right "
                                            "applies to it",
                                0};
            } else if (rule.id && rootfs::object_id(st) != *rule.id) {
                failure =
                    Error{rule.path + " is not the object the hook judged (device:inode " +
                              std::to_string(rule.id->dev) + ":" + std::to_string(rule.id->ino) +
                              ", found " + std::to_string(st.st_dev) + ":" +
                              std::to_string(st.st_ino) + ")",
                          0};
            } else {
                const AccessMask m = rights_for_node(rule, S_ISDIR(st.st_mode), n.handled_fs);
                if (m == 0) {
                    out.empty_rules.push_back(
                        "landlock rule " + rule.path + ": no right applies to a " +
                        (S_ISDIR(st.st_mode) ? "directory" : "non-directory") + " (asked " +
                        describe(rule.access) + ")");
                    continue;
                }
                auto added = ruleset->add_exact(opened->get(), m, rule.path);
                if (added) {
                    ++out.path_rules;
                    continue;
                }
                failure =
                    Error{added.error().message + " (" + describe(m) + ")", added.error().err};
            }
        }
        if (!on_path_failure(rule.path, failure))
            return kind_fail(K::landlock_path, std::move(failure));
    }
    // An empty ruleset denies every handled access everywhere: the workload
    // could not even be executed. Refuse it rather than fail obscurely.
    if (out.path_rules == 0)
        return kind_fail(K::landlock_enforce,
                         Error{"no filesystem rule could be added: refusing an empty ruleset", 0});

    for (const auto& [ports, access] : {std::pair{&req.bind_tcp, net_bit_bind()},
                                        std::pair{&req.connect_tcp, net_bit_connect()}}) {
        if (!*ports || !(n.handled_net & access)) continue;
        for (uint16_t p : **ports) {
            if (auto ok = ruleset->add_port(access, p); !ok)
                return kind_fail(K::landlock_enforce, ok.error());
            ++out.port_rules;
        }
    }

    if (auto ok = ruleset->restrict_self(); !ok) return kind_fail(K::landlock_enforce, ok.error());
    return out;
}

}  // namespace osh::landlock
