// Building and applying a Landlock ruleset: the one place that calls
// landlock_create_ruleset, landlock_add_rule and landlock_restrict_self.
//
// Pure part: negotiate() decides what the ruleset handles on a given ABI and
// what the request loses there; rights_for_node() decides what one opened
// path is granted. Kernel part: Ruleset, the one installer (the enforcer's
// domain and the hook's own prelude), and enforce(), which opens each path
// of a plan (O_PATH, refusing any symlink on the way or at the end: a rule
// names its object's own path), checks it is the object the hook judged, adds the
// rules and restricts the calling thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "failure/failure.hpp"
#include "landlock/abi.hpp"
#include "landlock/access.hpp"
#include "rootfs/facts.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::landlock {

struct PathRule {
    std::string path;  // absolute, with no symlink in it
    AccessMask access = 0;
    bool gpu_device = false;  // gets ioctl_dev where the ABI handles it
    // The object the rule is for; a different one at the path is a path
    // failure. nullopt: whatever is there (not judged beforehand).
    std::optional<rootfs::ObjectId> id;
};

struct Request {
    std::vector<PathRule> paths;
    Compatibility compatibility = Compatibility::best_effort;
    std::optional<std::vector<uint16_t>> bind_tcp;     // nullopt: not restricted
    std::optional<std::vector<uint16_t>> connect_tcp;  // nullopt: not restricted
    std::vector<Scope> scopes;
};

// What the ruleset handles on one ABI, and what the request asked for that the
// ABI lacks (each entry "truncate (needs Landlock ABI 3)").
struct Negotiation {
    AccessMask handled_fs = 0;
    uint64_t handled_net = 0;
    uint64_t scoped = 0;
    uint32_t restrict_flags = 0;
    size_t attr_size = 0;
    std::vector<std::string> unsupported;
};

// Pure. Every filesystem right this build knows is requested as handled (an
// unhandled right is allowed everywhere); net rights only for the kinds the
// request restricts; scopes as listed.
Negotiation negotiate(const Request& req, int abi);

// What a ruleset grants an object: a directory `access`; anything else
// (regular files, devices, sockets, FIFOs) only the file rights
// (kFileRights): Landlock rejects the others on a non-directory. Masked by
// `handled_fs`. Pure.
AccessMask rights_for_object(AccessMask access, bool is_directory, AccessMask handled_fs);

// What a ruleset grants one opened path of a plan: rights_for_object, with
// ioctl_dev added for a GPU device rule. Pure.
AccessMask rights_for_node(const PathRule& rule, bool is_directory, AccessMask handled_fs);

// A ruleset being built; restrict_self() puts the calling thread in its
// domain. Errors carry the errno.
class Ruleset {
  public:
    // landlock_create_ruleset for what `n` handles (its attribute size).
    static Result<Ruleset> create(const Negotiation& n);

    // A rule beneath the open `fd` (O_PATH is enough) for `what`:
    // rights_for_object of `access` by what fstat says `fd` is. Returns the
    // rights added; 0 when none applies (no rule is added then).
    Result<AccessMask> add_beneath(int fd, AccessMask access, const std::string& what);
    // The same for rights already narrowed to what the object can carry.
    Result<void> add_exact(int fd, AccessMask rights, const std::string& what);
    // A TCP port rule (`access`: LANDLOCK_ACCESS_NET_*).
    Result<void> add_port(uint64_t access, uint16_t port);
    Result<void> restrict_self();

  private:
    Ruleset(UniqueFd fd, const Negotiation& n)
        : fd_(std::move(fd)), handled_fs_(n.handled_fs), restrict_flags_(n.restrict_flags) {}
    UniqueFd fd_;
    AccessMask handled_fs_ = 0;
    uint32_t restrict_flags_ = 0;
};

// What a ruleset handles when it restricts only filesystem access: every
// right `abi` knows, nothing else (the hook's prelude). Pure.
Negotiation filesystem_only(int abi);

struct Outcome {
    int abi = 0;
    size_t path_rules = 0;
    size_t port_rules = 0;
    // best_effort: rights this kernel's ABI cannot enforce ("truncate (needs Landlock ABI 3)").
    std::vector<std::string> unsupported;
    // Rules left out because no requested right applies to what the path is
    // (e.g. only read_dir on a regular file). Path failures are not listed
    // here: the PathFailureHandler saw them.
    std::vector<std::string> empty_rules;
};

// Called for a path that cannot be opened or added. Returns true to go on
// without that rule (warn/skip), false to abort (strict: enforce() then fails
// with kind landlock_path).
using PathFailureHandler = std::function<bool(const std::string& path, const Error& error)>;

// Builds the ruleset and restricts the calling thread. The caller probed the
// ABI (so it can report availability as its own failure kind) and passes it.
// Fails with landlock_unavailable when the ABI is unavailable or, under
// hard_requirement, lacks a requested right; landlock_path when a path fails
// and the handler says abort; landlock_enforce when the kernel refuses the
// ruleset, the ruleset would be empty, or restrict_self fails.
Expected<Outcome, failure::KindError> enforce(const Request& req, const AbiInfo& abi,
                                              const PathFailureHandler& on_path_failure);

}  // namespace osh::landlock
