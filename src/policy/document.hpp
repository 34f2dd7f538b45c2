// The policy document (JSON, "version": 1), exactly as PRODUCT.md describes.
// Parsing rejects unknown fields and unknown enum words; every error names the
// file, the JSON Pointer of the field and what is allowed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "failure/failure.hpp"
#include "gpu/detect_mode.hpp"
#include "landlock/access.hpp"
#include "report/event.hpp"
#include "seccomp/settings.hpp"
#include "util/result.hpp"
#include "util/words.hpp"

namespace osh::policy {

// The policy grants Landlock's rights, in Landlock's words.
using landlock::Access;
using landlock::AccessMask;
using landlock::bit;
using landlock::describe;
using landlock::kFileRights;
using landlock::kReadOnly;
using landlock::kReadWrite;

struct FsRule {
    std::string path;  // normalised absolute path
    AccessMask access = 0;
};

struct FilesystemPolicy {
    std::vector<std::string> read_only;   // normalised
    std::vector<std::string> read_write;  // normalised; never "/"
    std::vector<FsRule> rules;
    bool include_workdir = true;
    bool baseline = true;
};

// What a GPU container gets on /proc (CUDA names its threads there).
enum class ProcAccess { read_write, write_file, none };
inline constexpr auto kProcAccessWords = std::to_array<words::Entry<ProcAccess>>({
    {ProcAccess::read_write, "read_write"},
    {ProcAccess::write_file, "write_file"},
    {ProcAccess::none, "none"},
});
// What happens to a read-only path a GPU needs written.
enum class PromotionMode { reject_unlisted, promote_all, reject_all };
inline constexpr auto kPromotionModeWords = std::to_array<words::Entry<PromotionMode>>({
    {PromotionMode::reject_unlisted, "reject_unlisted"},
    {PromotionMode::promote_all, "promote_all"},
    {PromotionMode::reject_all, "reject_all"},
});

struct GpuPolicy {
    gpu::DetectMode detect = gpu::DetectMode::auto_;
    ProcAccess proc_access = ProcAccess::write_file;
    PromotionMode promotion = PromotionMode::reject_unlisted;
    std::vector<std::string> allow = {"/proc"};  // absolute paths or globs
};

struct LandlockPolicy {
    landlock::Compatibility compatibility = landlock::Compatibility::best_effort;
    // nullopt: that kind of TCP access is not restricted.
    std::optional<std::vector<uint16_t>> bind_tcp;
    std::optional<std::vector<uint16_t>> connect_tcp;
    // nullopt: no IPC scoping.
    std::optional<std::vector<landlock::Scope>> scope;
};

// A user or group as written: a number, or a name resolved by the hook from
// the image's /etc/passwd or /etc/group (never through NSS).
using IdSpec = std::variant<uint32_t, std::string>;

struct ProcessPolicy {
    bool no_new_privs = true;
    std::optional<IdSpec> run_as_user;
    std::optional<IdSpec> run_as_group;
};

struct NetworkPolicy {
    bool require_private_netns = true;
};

struct LogPolicy {
    std::string path = report::kDefaultLogPath;
    report::Level level = report::Level::info;
};

struct Policy {
    int version = 1;
    // Named policies (policies.d/NAME.json) that the annotation
    // oci-sandbox/policy may select; read from the main policy only.
    std::vector<std::string> selectable;
    FilesystemPolicy filesystem;
    GpuPolicy gpu;
    LandlockPolicy landlock;
    seccomp::Settings seccomp;
    ProcessPolicy process;
    NetworkPolicy network;
    failure::Modes failure;
    LogPolicy log;
};

// One validation problem: where (file + JSON Pointer) and what is allowed.
struct Problem {
    std::string file;
    std::string pointer;  // "/gpu/promotion/mode"; "" for the document itself
    std::string message;  // "unknown value \"x\"; allowed: reject_unlisted, promote_all, reject_all"
    std::string to_string() const;  // "FILE: /gpu/promotion/mode: message"
};

// Parses and validates a policy. On failure, every problem found is returned
// (not only the first), so `check-policy` can list them all.
Expected<Policy, std::vector<Problem>> parse_policy(std::string_view text, std::string_view file);

// A named policy's name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no "..".
bool valid_policy_name(std::string_view name);

// The built-in default policy's text (the same bytes as testdata/policy.default.json).
std::string_view default_policy_text();

inline std::string_view name(ProcAccess v) {
    return words::of(kProcAccessWords, v);
}
inline std::string_view name(PromotionMode v) {
    return words::of(kPromotionModeWords, v);
}

}  // namespace osh::policy
