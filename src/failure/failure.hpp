// Failure kinds and handler modes: the one place that decides abort / warn / skip.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/words.hpp"

namespace osh::failure {

enum class Kind {
    gpu_detection,
    landlock_unavailable,
    landlock_path,
    landlock_enforce,
    seccomp_compile,
    seccomp_enforce,
    no_new_privs,
    netns,
    privilege_drop,
    plan_missing,
    hook_prelude,
};
inline constexpr auto kKindWords = std::to_array<words::Entry<Kind>>({
    {Kind::gpu_detection, "gpu_detection"},
    {Kind::landlock_unavailable, "landlock_unavailable"},
    {Kind::landlock_path, "landlock_path"},
    {Kind::landlock_enforce, "landlock_enforce"},
    {Kind::seccomp_compile, "seccomp_compile"},
    {Kind::seccomp_enforce, "seccomp_enforce"},
    {Kind::no_new_privs, "no_new_privs"},
    {Kind::netns, "netns"},
    {Kind::privilege_drop, "privilege_drop"},
    {Kind::plan_missing, "plan_missing"},
    {Kind::hook_prelude, "hook_prelude"},
});
inline constexpr auto kAllKinds = words::values(kKindWords);

enum class Mode { strict, warn, skip };
inline constexpr auto kModeWords = std::to_array<words::Entry<Mode>>({
    {Mode::strict, "strict"},
    {Mode::warn, "warn"},
    {Mode::skip, "skip"},
});

inline std::string_view name(Kind k) {
    return words::of(kKindWords, k);
}
inline std::string_view name(Mode m) {
    return words::of(kModeWords, m);
}
inline std::optional<Kind> parse_kind(std::string_view s) {
    return words::parse(kKindWords, s);
}
inline std::optional<Mode> parse_mode(std::string_view s) {
    return words::parse(kModeWords, s);
}

// The policy's `failure` section: a default and per-kind overrides.
struct Modes {
    Mode default_mode = Mode::strict;
    std::map<Kind, Mode> kinds;

    Mode of(Kind k) const {
        auto it = kinds.find(k);
        return it == kinds.end() ? default_mode : it->second;
    }
};

// What a step should do before it is attempted.
inline bool should_attempt(const Modes& m, Kind k) { return m.of(k) != Mode::skip; }

// The decision after a step failed: abort (strict) or carry on (warn), or
// that it was not attempted (skip).
// Its word is report's (report::decision_of).
enum class Decision { abort, continue_degraded, skipped };
inline Decision on_failure(const Modes& m, Kind k) {
    switch (m.of(k)) {
        case Mode::strict: return Decision::abort;
        case Mode::warn: return Decision::continue_degraded;
        case Mode::skip: return Decision::skipped;
    }
    return Decision::abort;
}

// The one judge of a step that failed, or that the policy says not to
// attempt: the hook, the enforcer and the dry run all ask it.
struct Judgement {
    Kind kind;
    Mode mode;
    Decision decision;
};
inline Judgement judge(const Modes& m, Kind k) { return {k, m.of(k), on_failure(m, k)}; }

// A failure whose kind the policy decides on, carried typed from where it
// happens to the one judge.
struct KindError {
    Kind kind;
    Error error;
};
inline Unexpected<KindError> kind_fail(Kind k, Error e) {
    return Unexpected<KindError>{KindError{k, std::move(e)}};
}

// A one-line fix suggestion for the operator, per kind.
std::string_view fix_hint(Kind k);

}  // namespace osh::failure
