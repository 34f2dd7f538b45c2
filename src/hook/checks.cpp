#include "hook/checks.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "rootfs/iddb.hpp"
#include "rootfs/open.hpp"

namespace osh::hook {

namespace {
constexpr size_t kMaxIdDbBytes = 4u << 20;  // /etc/passwd, /etc/group of the image
}

NetnsVerdict netns_verdict(const oci::Spec& spec) {
    struct stat host {};
    const bool host_known = ::stat("/proc/self/ns/net", &host) == 0;
    for (const auto& ns : spec.namespaces) {
        if (ns.type != "network") continue;
        if (ns.path.empty()) return {true, "a new network namespace"};
        struct stat joined {};
        if (::stat(ns.path.c_str(), &joined) != 0)
            return {false, "the network namespace path " + ns.path + " cannot be checked (" +
                               std::strerror(errno) + ")"};
        if (!host_known)
            return {false, "the host's network namespace cannot be checked against " + ns.path};
        if (joined.st_dev == host.st_dev && joined.st_ino == host.st_ino)
            return {false, "linux.namespaces joins " + ns.path +
                               ", which is the host's network namespace"};
        return {true, "joins " + ns.path + ", not the host's network namespace"};
    }
    return {false, "no \"network\" entry in linux.namespaces: the container shares the host's "
                   "network namespace"};
}

Result<PlannedIds> plan_ids(const policy::ProcessPolicy& proc, int rootfd) {
    PlannedIds out;
    std::string why;
    std::string* problem = &why;
    auto from_db = [&](const char* db, const std::string& name) -> std::optional<rootfs::IdEntry> {
        if (rootfd < 0) {
            *problem = "no rootfs to read " + std::string(db) + " from";
            return std::nullopt;
        }
        auto text = rootfs::read_file_in_root(rootfd, db, kMaxIdDbBytes);
        if (!text) {
            *problem = text.error().what();
            return std::nullopt;
        }
        auto e = rootfs::lookup_id(*text, name);
        if (!e) *problem = "no entry \"" + name + "\" in the image's " + db;
        return e;
    };
    std::optional<uint32_t> user_group;
    if (proc.run_as_user) {
        if (const auto* n = std::get_if<uint32_t>(&*proc.run_as_user)) {
            out.uid = *n;
        } else {
            const auto& name = std::get<std::string>(*proc.run_as_user);
            auto e = from_db("/etc/passwd", name);
            if (!e) return fail("cannot resolve run_as_user " + name + ": " + *problem);
            if (e->id == 0)
                return fail("run_as_user \"" + name +
                            "\" is uid 0 in the image's /etc/passwd: a name from the image never "
                            "yields root (write the number 0 in the policy to run as root)");
            out.uid = e->id;
            user_group = e->group;
        }
    }
    if (proc.run_as_group) {
        if (const auto* n = std::get_if<uint32_t>(&*proc.run_as_group)) {
            out.gid = *n;
        } else {
            const auto& name = std::get<std::string>(*proc.run_as_group);
            auto e = from_db("/etc/group", name);
            if (!e) return fail("cannot resolve run_as_group " + name + ": " + *problem);
            if (e->id == 0)
                return fail("run_as_group \"" + name +
                            "\" is gid 0 in the image's /etc/group: a name from the image never "
                            "yields root's group (write the number 0 in the policy)");
            out.gid = e->id;
        }
    } else if (user_group) {
        // A user named without a group runs with its primary group, as
        // `docker run --user NAME` does; a primary group 0 is root's group.
        if (*user_group == 0)
            return fail("run_as_user's primary group in the image's /etc/passwd is gid 0; set "
                        "run_as_group");
        out.gid = *user_group;
    }
    return out;
}


}  // namespace osh::hook
