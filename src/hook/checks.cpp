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

namespace {

// How one policy field names an id, and what a name must never yield.
struct IdField {
    const char* field;  // "run_as_user"
    const char* db;     // the image's file that names it
    const char* kind;   // "uid"
    const char* never;  // what a name from the image never yields, and the way to ask for it
};
constexpr IdField kUser{"run_as_user", "/etc/passwd", "uid",
                        "root (write the number 0 in the policy to run as root)"};
constexpr IdField kGroup{"run_as_group", "/etc/group", "gid",
                         "root's group (write the number 0 in the policy)"};

// The id a field asks for: its number, or its name's entry in the image's
// database (nullopt: the field is absent).
Result<std::optional<rootfs::IdEntry>> resolve(const std::optional<policy::IdSpec>& spec,
                                               const IdField& f, int rootfd) {
    if (!spec) return std::optional<rootfs::IdEntry>{};
    if (const auto* n = std::get_if<uint32_t>(&*spec))
        return std::optional<rootfs::IdEntry>{rootfs::IdEntry{*n, std::nullopt}};
    const auto& name = std::get<std::string>(*spec);
    auto cannot = [&](const std::string& why) {
        return fail("cannot resolve " + std::string(f.field) + " " + name + ": " + why);
    };
    if (rootfd < 0) return cannot("no rootfs to read " + std::string(f.db) + " from");
    auto text = rootfs::read_file_in_root(rootfd, f.db, kMaxIdDbBytes);
    if (!text) return cannot(text.error().what());
    auto e = rootfs::lookup_id(*text, name);
    if (!e) return cannot("no entry \"" + name + "\" in the image's " + f.db);
    if (e->id == 0)
        return fail(std::string(f.field) + " \"" + name + "\" is " + f.kind + " 0 in the image's " +
                    f.db + ": a name from the image never yields " + f.never);
    return std::optional<rootfs::IdEntry>{*e};
}

}  // namespace

Result<PlannedIds> plan_ids(const policy::ProcessPolicy& proc, int rootfd) {
    PlannedIds out;
    auto user = resolve(proc.run_as_user, kUser, rootfd);
    if (!user) return unexpected(user.error());
    auto group = resolve(proc.run_as_group, kGroup, rootfd);
    if (!group) return unexpected(group.error());
    if (*user) out.uid = (*user)->id;
    const bool named = proc.run_as_user && std::holds_alternative<std::string>(*proc.run_as_user);
    if (*group) {
        out.gid = (*group)->id;
    } else if (*user && named) {
        // A user named without a group runs with its primary group, as
        // `docker run --user NAME` does; a primary group 0 is root's group,
        // and one the line does not give as a number is no group at all
        // (the process would keep the spec's gid, often 0).
        if (!(*user)->group)
            return fail("run_as_user's primary group in the image's /etc/passwd is missing or not "
                        "a number; set run_as_group");
        if (*(*user)->group == 0)
            return fail("run_as_user's primary group in the image's /etc/passwd is gid 0; set "
                        "run_as_group");
        out.gid = (*user)->group;
    }
    return out;
}

}  // namespace osh::hook
