// The effective policy: the administrator's policy rewritten for this
// container (baseline, workdir, GPU needs), with a change log saying why.
// Pure: the container's filesystem is consulted only through `PathProbe`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gpu/detect.hpp"
#include "oci/spec.hpp"
#include "policy/document.hpp"

namespace osh::policy {

enum class NodeKind { missing, directory, regular, char_device, block_device, socket, fifo, symlink, other };

// Answers "what is at this container path?" without following symlinks out of
// the rootfs. Returns nullopt when unknown (no rootfs available, e.g. explain
// --config): the rewrite then assumes present and says so in the log.
using PathProbe = std::function<std::optional<NodeKind>(const std::string& container_path)>;

struct EffectiveRule {
    std::string path;       // normalised container path
    AccessMask access = 0;
    std::string origin;     // "policy read_only", "baseline", "gpu nvidia", "workdir", ...
    bool gpu_device = false;
};

enum class ChangeAction { added, promoted, skipped, rejected, note };

struct Change {
    ChangeAction action;
    std::string path;          // "" for non-path changes (seccomp relaxations)
    AccessMask before = 0;
    AccessMask after = 0;
    std::string reason;
};

struct EffectivePolicy {
    Policy source;                     // the policy as parsed (for the plan and explain)
    std::vector<EffectiveRule> rules;  // merged per path, sorted by path
    // Syscalls the detected vendors need the seccomp profile to allow
    // (name, reason); seccomp/ applies them after policy deny/allow.
    std::vector<std::pair<std::string, std::string>> seccomp_relaxations;
    std::vector<Change> changes;
    gpu::Detection gpu;
};

// Fails (a Problem-like error naming the conflict and the two ways to fix it)
// when gpu.promotion rejects a needed promotion.
Result<EffectivePolicy> rewrite(const Policy& policy, const oci::Spec& spec,
                                const gpu::Detection& detection, const PathProbe& probe);

// Readable text for operators and JSON for tools.
std::string explain_text(const EffectivePolicy& eff);
std::string explain_json(const EffectivePolicy& eff, bool pretty = true);

std::string_view name(ChangeAction a);

}  // namespace osh::policy
