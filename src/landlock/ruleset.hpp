// Building and applying a Landlock ruleset.
//
// Pure part: negotiate() decides what the ruleset handles on a given ABI and
// what the request loses there; rights_for_node() decides what one opened
// path is granted. Kernel part: enforce() opens each path (O_PATH, refusing
// any symlink on the way: a rule names its object's own path), checks it is
// the object the hook judged, decides file vs directory with fstat on that
// fd, adds the rules and restricts the calling thread.
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
#include "util/result.hpp"

namespace osh::landlock {

struct PathRule {
    std::string path;  // absolute, with no symlink in it
    landlock::AccessMask access = 0;
    bool gpu_device = false;  // gets ioctl_dev where the ABI handles it
    // The object the rule is for; a different one at the path is a path
    // failure. nullopt: whatever is there (not judged beforehand).
    std::optional<rootfs::ObjectId> id;
};

struct Request {
    std::vector<PathRule> paths;
    landlock::Compatibility compatibility = landlock::Compatibility::best_effort;
    std::optional<std::vector<uint16_t>> bind_tcp;     // nullopt: not restricted
    std::optional<std::vector<uint16_t>> connect_tcp;  // nullopt: not restricted
    std::vector<landlock::Scope> scopes;
};

// What the ruleset handles on one ABI, and what the request asked for that the
// ABI lacks (each entry "truncate (needs Landlock ABI 3)").
struct Negotiation {
    landlock::AccessMask handled_fs = 0;
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

// What a ruleset grants one opened path. Directories get the rule's rights;
// everything else (regular files, devices, sockets, FIFOs) only the file
// rights (landlock::kFileRights) — Landlock rejects the others on a non-directory.
// GPU device rules gain ioctl_dev when it is handled. Masked by `handled_fs`. Pure.
landlock::AccessMask rights_for_node(const PathRule& rule, bool is_directory,
                                   landlock::AccessMask handled_fs);

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
