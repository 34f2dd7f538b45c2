// The policy rewrite's working state, shared by its parts (private to
// src/policy; rewrite() in effective.hpp is the one way in):
//   rewrite.cpp       the policy's own rules, their binding to objects, the run
//   baseline.cpp      the baseline and the workdir
//   mount_judges.cpp  mounts judged where they land
//   gpu_needs.cpp     what a detected GPU needs (nodes, companions, /proc, seccomp)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gpu/vendor.hpp"
#include "mounts/landing.hpp"
#include "policy/effective.hpp"
#include "util/path.hpp"

namespace osh::policy::rewriting {

// One path of the baseline (baseline.cpp).
struct BaselineEntry {
    std::string_view path;
    AccessMask access;
    std::string_view why;
    // A standard device's numbers (char major:minor); 0:0 for the rest.
    uint32_t major = 0;
    uint32_t minor = 0;
};

// Whether one path is at, above or below the other: a Landlock rule on
// either reaches the other's objects or is reached by them.
inline bool overlaps(std::string_view a, std::string_view b) {
    return path::is_within(a, b) || path::is_within(b, a);
}

// runtime-spec config-linux.md "Default Devices": every runtime provides
// these (/dev/ptmx as a symlink to pts/ptmx).
inline bool is_default_device(std::string_view p) {
    for (std::string_view d : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                               "/dev/tty", "/dev/ptmx"})
        if (p == d) return true;
    return false;
}

inline std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

inline std::string join_links(const std::vector<std::string>& links) {
    std::string out;
    for (const auto& l : links) out += (out.empty() ? "" : ", then ") + l;
    return out;
}

// A path normalized, /var/run spelled /run (as in every FHS image);
// nullopt where it does not normalize.
inline std::optional<std::string> as_run(const std::string& p) {
    auto n = path::normalize(p);
    if (n && path::is_within(*n, "/var/run")) *n = "/run" + n->substr(8);
    return n;
}

struct Listed {
    AccessMask access = 0;
    std::string where;  // "filesystem.read_only", "filesystem.rules[2]" (first listing)
};

struct Entry {
    AccessMask access = 0;
    std::vector<std::string> origins;
    bool gpu_device = false;
};

class Rewriter {
  public:
    Rewriter(const Policy& policy, const oci::Spec& spec, const gpu::Detection& det,
             const PathProbe& probe, const HostView* host);

    Result<EffectivePolicy> run();

  private:
    const Policy& policy_;
    const oci::Spec& spec_;
    const gpu::Detection& det_;
    const PathProbe& probe_;
    const HostView* host_;                  // nullptr: no host to look at
    std::map<std::string, Entry> entries_;  // sorted by path
    std::map<std::string, Listed> listed_;  // what the policy itself names
    std::vector<Change> changes_;
    std::vector<std::string> rejections_;
    std::vector<PathFailure> failures_;  // rules not made, decided by landlock_path
    std::vector<std::pair<std::string, std::string>> relaxations_;
    mutable std::map<std::string, std::optional<rootfs::PathFact>> facts_;
    // spec_.mounts by index: the destination as rules name it (normalized,
    // /var/run as /run; nullopt where it does not normalize), and where the
    // runtime mounts it.
    std::vector<std::optional<std::string>> dests_;
    std::vector<rootfs::Landing> landings_;
    // spec_.devices by index: the path normalized (nullopt where it does not).
    std::vector<std::optional<std::string>> device_paths_;

    // rewrite.cpp: the policy's own rules and what every part shares.
    void note(std::string path, std::string reason);
    void merge(const std::string& p, AccessMask access, const std::string& origin, bool gpu_device);
    Result<void> list(std::string_view raw, AccessMask access, const std::string& where,
                      const std::string& origin);
    bool spec_device(const std::string& p) const;
    std::optional<std::string> device_landing(size_t i) const;
    Result<void> add_policy();
    const std::optional<rootfs::PathFact>& look(const std::string& p) const;
    AccessMask granted_by_own_path(const std::string& target) const;
    void bind_to_objects(EffectivePolicy& eff);
    static std::string denied_lost(const std::string& p);
    std::optional<std::string> mount_at_or_below(const std::string& p) const;
    void add_convenience(const std::string& p, AccessMask access, const std::string& origin,
                         const std::string& why, bool create_if_missing);
    // mounts[i]'s destination as the runtime cleans it, before it follows
    // the image's symlinks (rootfs::land).
    const std::string& mount_path(size_t i) const { return landings_[i].spelled; }
    // Where mounts[i] lands: through the image's symlinks, else as spelled.
    const std::string& landing(size_t i) const { return landings_[i].at(); }

    // baseline.cpp
    void add_baseline();
    std::optional<size_t> mount_landed_at(const std::string& p) const;
    bool standard_device_at(const BaselineEntry& b);
    bool host_shm_bound();
    bool devpts_at_dev_pts() const;
    void add_engine_init();
    void add_workdir();

    // mount_judges.cpp
    AccessMask spelled_rights(const std::string& p) const;
    std::optional<std::string> judged_at(size_t i) const;
    static AccessMask rights_at(const EffectivePolicy& eff, const std::string& at);
    void judge_mounts(EffectivePolicy& eff);
    void judge_read_only_binds(EffectivePolicy& eff);
    void judge_socket_binds(EffectivePolicy& eff);
    void judge_plan_root_binds(EffectivePolicy& eff);
    void judge_kernel_mounts(EffectivePolicy& eff);
    void judge_devices(EffectivePolicy& eff);
    void note_ungranted_devices(EffectivePolicy& eff);

    // gpu_needs.cpp
    void grant_gpu(const std::string& p, AccessMask want, const std::string& origin,
                   const std::string& reason, bool gpu_device);
    std::string origin_of_node(const std::string& node, std::string& vendor) const;
    void add_gpu();
    std::optional<std::string> foreign_proc() const;
    std::optional<std::string> pid_namespace() const;
    void add_proc(const gpu::VendorProfile& v);
};

}  // namespace osh::policy::rewriting
