// Events: one JSON object per line, for the log file and the enforcer's stderr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failure/failure.hpp"
#include "util/words.hpp"

namespace osh::report {

// Where events go until a policy names another log.
inline constexpr const char* kDefaultLogPath = "/var/log/oci-sandbox-hook.log";

enum class Level { debug, info, warning, error };
inline constexpr auto kLevelWords = std::to_array<words::Entry<Level>>({
    {Level::debug, "debug"},
    {Level::info, "info"},
    {Level::warning, "warning"},
    {Level::error, "error"},
});
inline std::string_view name(Level l) {
    return words::of(kLevelWords, l);
}

// What an event says was done: the failure judge's three decisions, then
// the outcomes of steps that went through.
enum class Decision {
    abort,
    continue_degraded,
    skipped,
    best_effort,    // a right this kernel's Landlock ABI cannot enforce, left out
    rule_left_out,  // a Landlock rule no right applies to (the path stays denied)
    planned,        // the hook wrote the plan
    cleaned,        // poststop removed the plan directory
    orphan_removed,
    exec,  // the enforcer executes the workload
};
inline constexpr auto kDecisionWords = std::to_array<words::Entry<Decision>>({
    {Decision::abort, "abort"},
    {Decision::continue_degraded, "continue"},
    {Decision::skipped, "skipped"},
    {Decision::best_effort, "best_effort"},
    {Decision::rule_left_out, "rule left out"},
    {Decision::planned, "planned"},
    {Decision::cleaned, "cleaned"},
    {Decision::orphan_removed, "orphan removed"},
    {Decision::exec, "exec"},
});
inline std::string_view name(Decision d) {
    return words::of(kDecisionWords, d);
}
Decision decision_of(failure::Decision d);

// A run's final status, as the hook, the enforcer and the dry run all say it:
// fully_enforced when nothing was dropped, not_enforced when neither the
// Landlock domain nor a seccomp filter is in force, else partially_enforced.
inline std::string_view enforcement_status(bool dropped, bool landlock_in_force,
                                           bool filter_in_force) {
    if (!dropped) return "fully_enforced";
    return !landlock_in_force && !filter_in_force ? "not_enforced" : "partially_enforced";
}

struct Event {
    Level level = Level::info;
    std::string component;      // "hook", "exec", "runtime", ...
    std::string container_id;   // empty when unknown
    std::string stage;          // OCI hook stage, or "exec"
    std::optional<failure::Kind> kind;
    std::optional<failure::Mode> mode;
    std::optional<Decision> decision;
    int err = 0;                // errno, 0 when none
    std::string message;
    // Extra string fields, written in order ("status": "fully_enforced", ...).
    std::vector<std::pair<std::string, std::string>> fields;
};

// The event of a judged failure (failure::judge): level, mode, decision and
// message from the judgement; `lost` names the protection not in force when
// the run goes on (field not_enforced), and an abort carries the fix.
Event failure_event(const failure::Judgement& j, const std::string& message,
                    const std::string& lost, int err = 0);

// A spec edit's refusal (shim, precreate, inject) recorded in the default
// log as well as said on stderr: engines may drop their stderr (podman drops
// a precreate hook's). `component` is "runtime", "precreate" or "inject".
void log_refusal(std::string_view component, std::string_view container_id,
                 const std::string& message);

// An error as a runtime logs it (runc's logrus lines, which containerd and
// Docker read back from the runtime's --log file): a JSON object with level,
// msg and time when `json`, else `time="..." level=error msg="..."`. With
// the trailing newline.
std::string runtime_error_line(std::string_view msg, bool json);

// One JSON line (no trailing newline), with an RFC 3339 UTC timestamp.
std::string to_json_line(const Event& e);

// An event's "time": RFC 3339 UTC to the microsecond, "2026-12-02T05:04:10.635698Z",
// by arithmetic alone (no time zone is ever loaded).
std::string utc_time(int64_t secs, long nsec);

// The one-line human summary for stderr: "oci-sandbox-hook: <kind> (<mode>): message".
std::string to_summary(const Event& e);
// One line of UTF-8 for a terminal: stray bytes become U+FFFD and control
// characters (a newline in a name from the image) an escape, so no text of
// the image's making prints a line of its own.
std::string one_line(std::string_view s);

// Whether `e` says a protection is not in force: a failure the run went on
// past, a step skipped by the policy, a right this kernel cannot enforce, or
// a final status short of fully_enforced.
bool says_not_in_force(const Event& e);

// Appends lines to a log file (O_APPEND, one write per line so concurrent
// hooks never interleave within a line). Failure to log is returned, never thrown.
class Log {
public:
    explicit Log(std::string path, Level min_level = Level::info)
        : path_(std::move(path)), min_(min_level) {}
    bool enabled(Level l) const { return static_cast<int>(l) >= static_cast<int>(min_); }
    // Appends the event if its level passes, or whatever its level when it
    // says a protection is not in force (no log level hides a degraded
    // container); returns false when the write failed.
    bool append(const Event& e) const;
    const std::string& path() const { return path_; }

private:
    std::string path_;
    Level min_;
};

}  // namespace osh::report
