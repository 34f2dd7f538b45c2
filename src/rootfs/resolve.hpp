// The one resolver of container paths, used by the hook and `explain`: a path
// a rule names is resolved inside the container's root, one component at a
// time, so every symlink on the way is seen and named (the policy decides
// whether a right may follow it) and none leads out of the root.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "rootfs/facts.hpp"
#include "util/result.hpp"

namespace osh::rootfs {

// Resolves `container_path` (absolute) under `rootfd` (an O_PATH directory
// fd of the container's root). Symlinks are followed as the kernel would
// inside the container (absolute targets from the root, ".." clamped at
// it), at most 40 of them (ELOOP). A path that leads to nothing is a fact
// (kind missing, `resolved` naming where it would be), not an error; an
// error is a lookup the hook could not make (EACCES, ELOOP, ...).
Result<PathFact> resolve(int rootfd, std::string_view container_path);

// Facts for the policy rewrite: nullopt when nothing can be known (no rootfs
// to look at, or the lookup failed: the caller says "unknown").
using PathProbe = std::function<std::optional<PathFact>(const std::string& container_path)>;

// A probe over a root fd that must outlive it.
PathProbe probe_at(int rootfd);

// resolve() with its answers kept: each path costs one lookup however many
// parts of the hook ask about it (the on-image proof of the mounts, the
// rewrite's judgement of the same mounts).
class Resolver {
  public:
    explicit Resolver(int rootfd) : rootfd_(rootfd) {}
    const Result<PathFact>& operator()(const std::string& container_path);
    // A probe over this resolver, which must outlive it.
    PathProbe probe();

  private:
    int rootfd_;
    std::map<std::string, Result<PathFact>, std::less<>> known_;
};

// A probe that knows nothing (`explain --config`, no rootfs).
PathProbe no_rootfs();

// Where a mount on `destination` lands in the container: the spelling
// cleaned as the runtime cleans it ("/" prefixed, ".." resolved lexically:
// "/dev/../data" and "data" are /data), then followed through the image's
// symlinks as the runtime follows them. `resolved` is nullopt where the
// probe cannot follow it (too many links or lookups, unreadable, no rootfs).
// Whether it can be told among the spec's other mounts is
// mounts::land_mounts's question.
struct Landing {
    std::string spelled;
    std::optional<std::string> resolved;
    // Set by mounts::land_mounts (mounts/landing.hpp): the index of the later mount
    // that hides the path this one was mounted through.
    std::optional<size_t> hidden_by;
    // Set by mounts::land_mounts: the link the runtime itself replaced after
    // the spec's mounts ("/dev/ptmx -> pts/ptmx") that the path goes through.
    std::optional<std::string> runtime_link;
    const std::string& at() const { return resolved ? *resolved : spelled; }
};
Landing land(std::string_view destination, const PathProbe& probe);

}  // namespace osh::rootfs
