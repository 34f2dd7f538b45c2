// The hook -> enforcer handoff. The hook compiles the effective policy into a
// plan (Landlock rules, precompiled seccomp BPF, failure modes, process
// settings) and writes it into the container's plan directory; the enforcer
// reads it inside the container, validates it, and applies it. Versioned;
// an incomplete or tampered plan is rejected (failure kind plan_missing).
//
// On disk: one file, `<plan dir>/plan.json`: a JSON document followed by a
// last line "sha256:<hex of every byte before that line>\n". One file, written
// with file::write_atomic, so a reader sees the old plan or the new one, never
// a mix; the checksum catches truncation and edits (the directory is
// bind-mounted read-only into the container; the checksum is not a signature).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failure/failure.hpp"
#include "landlock/access.hpp"
#include "landlock/ruleset.hpp"
#include "report/event.hpp"
#include "rootfs/facts.hpp"
#include "seccomp/bpf.hpp"
#include "seccomp/settings.hpp"
#include "util/result.hpp"

namespace osh::plan {

inline constexpr int kPlanVersion = 2;
inline constexpr const char* kPlanFileName = "plan.json";
// A plan is a few KiB; 4 MiB is generous.
inline constexpr size_t kMaxPlanBytes = 4u << 20;

// Inside the container: the enforcer (the static oci-sandbox-enforce,
// bind-mounted; the name is the one the spec edit has always used) and its
// plan directory, both under one area nothing else may mount over.
inline constexpr const char* kContainerArea = "/.oci-sandbox";
inline constexpr const char* kContainerEnforcer = "/.oci-sandbox/oci-sandbox-hook";
inline constexpr const char* kContainerPlanDir = "/.oci-sandbox/plan";
// The enforcer's program on the host, installed beside oci-sandbox-hook.
inline constexpr const char* kEnforcerProgram = "oci-sandbox-enforce";

// Something the hook already knows is not enforced (e.g. seccomp compile
// failed under warn); the enforcer repeats it in its final event.
struct Degradation {
    failure::Kind kind;
    std::string what;  // "seccomp filter not compiled: ..."
};

struct Plan {
    int version = kPlanVersion;
    std::string container_id;
    // The spec edit's key: the enforcer accepts only a plan carrying the key
    // its own arguments name.
    std::string edit_key;

    // Landlock.
    // Container paths with no symlink in them (the enforcer refuses any), each
    // bound to the object the hook judged (`id`): the rule applies only to it.
    // The enforcer narrows a mask to file rights when the object is not a
    // directory, and to what the kernel's ABI handles.
    std::vector<landlock::PathRule> landlock_rules;
    landlock::Compatibility landlock_compatibility = landlock::Compatibility::best_effort;
    std::optional<std::vector<uint16_t>> bind_tcp;     // nullopt: not restricted
    std::optional<std::vector<uint16_t>> connect_tcp;  // nullopt: not restricted
    std::vector<landlock::Scope> scopes;               // empty: no IPC scoping

    // Seccomp: the filter, read and checked once; no instructions when there
    // is none (profile none, compile skipped or failed under warn). The
    // plan's audit_arch is the filter's.
    seccomp::Bpf seccomp_bpf;
    seccomp::Action seccomp_action = seccomp::Action::errno_;

    // Process.
    bool no_new_privs = true;
    // Numbers only: the enforcer never uses NSS. When either is set the
    // workload also ends with no supplementary groups (the runtime's
    // additionalGids included).
    std::optional<uint32_t> run_as_uid;
    std::optional<uint32_t> run_as_gid;

    failure::Modes failure;
    std::string exec_log_path;  // "" = none
    report::Level log_level = report::Level::info;
    std::vector<Degradation> degraded;
};

// Writes `<dirfd>/plan.json` atomically (file::write_atomic: temp file, rename), mode 0644.
Result<void> write_plan(int dirfd, const Plan& plan);

// Reads and validates `<dir>/plan.json`: checksum, version, every field. Any
// failure means the caller reports plan_missing.
Result<Plan> read_plan(const std::string& dir);

// The bytes write_plan writes, and their parser (for tests and tools).
std::string serialize(const Plan& plan);
Result<Plan> parse(std::string_view bytes, std::string_view origin);

}  // namespace osh::plan
