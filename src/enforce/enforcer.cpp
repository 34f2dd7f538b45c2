// The in-container enforcer (`oci-sandbox-enforce exec`, and the same code as
// `oci-sandbox-hook exec`).
//
// Runs as the container's first program, in any image (scratch, busybox):
// the binary is static, never uses NSS, and reads nothing from the image but
// CMD. Order (each step's failure has its kind, and every failure goes through
// fail_step(), the one handler):
//   1. read + validate the plan, and its key against --key
//                                           plan_missing (always strict: the modes
//                                           live in the plan)
//   2. pin the audit login uid (so the workload cannot set it), then switch
//      user, group and supplementary groups (if the plan says)
//                                           privilege_drop
//   3. prctl(PR_SET_NO_NEW_PRIVS)           no_new_privs
//   4. Landlock                             landlock_unavailable, landlock_path, landlock_enforce
//   5. seccomp (precompiled BPF), LAST so the filter never restricts our own setup
//                                           seccomp_enforce
//   6. execvp-style PATH search of CMD      127 not found, 126 not executable
// Events (JSON lines) go to the plan's exec log always, and to stderr only when
// something was degraded, skipped or refused (or at log level debug), so a
// fully enforced workload's stderr stays clean; whatever is not in force, from
// the hook or from here, is named in the final event and in a one-line
// summary on stderr at every log level.
#include "enforce/enforcer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "failure/failure.hpp"
#include "landlock/abi.hpp"
#include "landlock/ruleset.hpp"
#include "plan/plan.hpp"
#include "process/process.hpp"
#include "report/event.hpp"
#include "seccomp/bpf.hpp"
#include "seccomp/load.hpp"
#include "util/fd.hpp"

namespace osh::enforce {

namespace {

using failure::Kind;
using failure::Mode;

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

class Enforcer {
  public:
    explicit Enforcer(plan::Plan p) : plan_(std::move(p)) {}

    int run(const std::vector<std::string>& argv);

  private:
    report::Event event(report::Level level, std::string message) const {
        report::Event e;
        e.level = level;
        e.message = std::move(message);
        stamp(e);
        return e;
    }
    void stamp(report::Event& e) const {
        e.component = "exec";
        e.container_id = plan_.container_id;
        e.stage = "exec";
    }
    void record(report::Event e) { events_.push_back(std::move(e)); }

    // The one failure handler: returns true to go on (warn, skip), false to
    // abort (strict; the caller exits 125). `lost` names what is not enforced.
    bool fail_step(Kind k, const Error& err, const std::string& lost);
    // A step the plan's mode says not to attempt at all.
    void skip_step(Kind k, const std::string& lost);

    bool pin_login_uid();
    bool switch_user();
    bool set_no_new_privs();
    bool apply_landlock();
    bool apply_seccomp();

    // Writes the collected events: always to the exec log, to stderr when
    // `to_stderr`; an abort adds the human summary line.
    void flush(bool to_stderr);
    void open_exec_log();

    plan::Plan plan_;
    std::vector<report::Event> events_;
    std::vector<std::string> dropped_;
    UniqueFd log_fd_;
    bool landlock_applied_ = false;
    bool seccomp_applied_ = false;
    int landlock_abi_ = 0;
};

bool Enforcer::fail_step(Kind k, const Error& err, const std::string& lost) {
    const auto j = failure::judge(plan_.failure, k);
    report::Event e = report::failure_event(j, err.what(), lost, err.err);
    stamp(e);
    if (j.decision == failure::Decision::abort) {
        e.fields.emplace_back("not_enforced", lost);
        record(e);
        flush(true);
        write_all(2, report::to_summary(e) + "\n");
        return false;
    }
    record(std::move(e));
    dropped_.push_back(lost);
    return true;
}

void Enforcer::skip_step(Kind k, const std::string& lost) {
    const failure::Judgement j{k, Mode::skip, failure::Decision::skipped};
    report::Event e = report::failure_event(j, lost + ": not attempted (failure mode skip)", lost);
    stamp(e);
    record(std::move(e));
    // The hook already named the same skip in the plan: one entry, not two.
    const bool named = std::any_of(plan_.degraded.begin(), plan_.degraded.end(),
                                   [k](const plan::Degradation& d) { return d.kind == k; });
    if (!named) dropped_.push_back(lost + " (skipped)");
}

void Enforcer::open_exec_log() {
    if (plan_.exec_log_path.empty()) return;
    // Opened before Landlock so the final event can still be written; never
    // inherited by the workload.
    log_fd_.reset(::open(plan_.exec_log_path.c_str(),
                         O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640));
    if (!log_fd_) {
        report::Event e =
            event(report::Level::debug, "exec log " + plan_.exec_log_path + " not writable");
        e.err = errno;
        record(std::move(e));
    }
}

void Enforcer::flush(bool to_stderr) {
    for (const auto& e : events_) {
        const bool shown = to_stderr && (e.level != report::Level::debug ||
                                         plan_.log_level == report::Level::debug);
        if (!log_fd_ && !shown) continue;  // formatted only for a reader
        std::string line = report::to_json_line(e) + "\n";
        if (log_fd_) write_all(log_fd_.get(), line);
        if (shown) write_all(2, line);
    }
    events_.clear();
}

// Pinned to the uid the workload runs as (process::pin_login_uid says why).
bool Enforcer::pin_login_uid() {
    const uid_t uid = plan_.run_as_uid ? *plan_.run_as_uid : ::geteuid();
    if (auto ok = process::pin_login_uid(uid); !ok)
        return fail_step(Kind::privilege_drop, ok.error(),
                         "the audit login uid (the workload could set its own)");
    return true;
}

bool Enforcer::switch_user() {
    if (!plan_.run_as_uid && !plan_.run_as_gid) return true;
    const process::Ids now = process::current_ids();
    const uid_t uid = plan_.run_as_uid.value_or(now.euid);
    const gid_t gid = plan_.run_as_gid.value_or(now.egid);
    const std::string lost = "the switch to uid " + std::to_string(uid) + " gid " +
                             std::to_string(gid) + " with no supplementary groups";
    if (!failure::should_attempt(plan_.failure, Kind::privilege_drop)) {
        skip_step(Kind::privilege_drop, lost);
        return true;
    }
    // Exactly the planned ids, and no supplementary group (the runtime's
    // additionalGids, root's group among them, go too).
    if (auto ok = process::switch_ids(uid, gid); !ok)
        return fail_step(Kind::privilege_drop, ok.error(), lost);
    record(event(report::Level::info, "running as uid " + std::to_string(uid) + " gid " +
                                          std::to_string(gid) + ", no supplementary groups"));
    return true;
}

bool Enforcer::set_no_new_privs() {
    if (!plan_.no_new_privs) return true;
    if (!failure::should_attempt(plan_.failure, Kind::no_new_privs)) {
        skip_step(Kind::no_new_privs, "no_new_privs");
        return true;
    }
    if (auto ok = process::set_no_new_privs(); !ok)
        return fail_step(Kind::no_new_privs, ok.error(), "no_new_privs");
    return true;
}

bool Enforcer::apply_landlock() {
    const std::string lost = "landlock";
    for (Kind k : {Kind::landlock_unavailable, Kind::landlock_enforce}) {
        if (!failure::should_attempt(plan_.failure, k)) {
            skip_step(k, lost);
            return true;
        }
    }
    landlock::AbiInfo abi = landlock::probe();
    landlock_abi_ = abi.abi;
    landlock::Request req;
    req.paths = plan_.landlock_rules;
    req.compatibility = plan_.landlock_compatibility;
    req.bind_tcp = plan_.bind_tcp;
    req.connect_tcp = plan_.connect_tcp;
    req.scopes = plan_.scopes;

    auto on_path = [this](const std::string& path, const Error& err) {
        if (plan_.failure.of(Kind::landlock_path) == Mode::strict) return false;
        // warn/skip: the rule is left out (that path is then denied, not opened up).
        return fail_step(Kind::landlock_path, err, "landlock rule " + path);
    };
    auto out = landlock::enforce(req, abi, on_path);
    if (!out) {
        const auto& ke = out.error();
        std::string what =
            ke.kind == Kind::landlock_path ? "landlock (a rule's path failed)" : lost;
        return fail_step(ke.kind, ke.error, what);
    }
    landlock_applied_ = true;
    for (const auto& u : out->unsupported) {
        // best_effort: rights this kernel cannot enforce (reported, not fatal).
        report::Event e =
            event(report::Level::warning, "landlock " + u + ": not enforced on this kernel");
        e.kind = Kind::landlock_unavailable;
        e.decision = report::Decision::best_effort;
        record(std::move(e));
        dropped_.push_back("landlock " + u);
    }
    for (const auto& r : out->empty_rules) {
        // Not a loss of protection (the path stays denied), so not "dropped".
        report::Event e = event(report::Level::info, r);
        e.kind = Kind::landlock_path;
        e.decision = report::Decision::rule_left_out;
        record(std::move(e));
    }
    record(event(report::Level::debug, "Landlock ABI " + std::to_string(out->abi) + ": " +
                                           std::to_string(out->path_rules) + " path rules, " +
                                           std::to_string(out->port_rules) + " port rules"));
    return true;
}

bool Enforcer::apply_seccomp() {
    // No filter: profile none, or the hook already reported why.
    if (plan_.seccomp_bpf.insns.empty()) return true;
    const std::string lost = "seccomp filter";
    if (!failure::should_attempt(plan_.failure, Kind::seccomp_enforce)) {
        skip_step(Kind::seccomp_enforce, lost);
        return true;
    }
    if (auto r = seccomp::load(plan_.seccomp_bpf, 0); !r)
        return fail_step(Kind::seccomp_enforce, r.error(), lost);
    seccomp_applied_ = true;
    return true;
}

// 127 when no PATH entry has CMD, 126 when one does but cannot be executed.
int exec_command(const std::vector<std::string>& args) {
    const int err = process::exec_searching_path(args, kDefaultPath);
    const std::string& cmd = args[0];
    bool not_found = err == ENOENT || err == ENOTDIR;
    std::string msg =
        report::one_line("oci-sandbox-hook exec: " + cmd + ": " +
                         (not_found ? std::string("command not found")
                                    : std::string(std::strerror(err)))) +
        "\n";
    write_all(2, msg);
    return not_found ? kExitNotFound : kExitNotExecutable;
}

int Enforcer::run(const std::vector<std::string>& argv) {
    open_exec_log();
    for (const auto& d : plan_.degraded) {
        const bool skipped = plan_.failure.of(d.kind) == Mode::skip;
        report::Event e = event(skipped ? report::Level::info : report::Level::warning,
                                "from the hook: " + d.what);
        e.kind = d.kind;
        e.mode = plan_.failure.of(d.kind);
        e.decision = skipped ? report::Decision::skipped : report::Decision::continue_degraded;
        record(std::move(e));
        dropped_.push_back(d.what);
    }
    if (!pin_login_uid() || !switch_user() || !set_no_new_privs() || !apply_landlock() ||
        !apply_seccomp())
        return kExitRefused;

    const bool wants_seccomp =
        !plan_.seccomp_bpf.insns.empty() ||
        std::any_of(plan_.degraded.begin(), plan_.degraded.end(), [](const auto& d) {
            return d.kind == Kind::seccomp_compile || d.kind == Kind::seccomp_enforce;
        });
    const std::string status(
        report::enforcement_status(!dropped_.empty(), landlock_applied_, seccomp_applied_));
    const report::Level level = status == "fully_enforced" ? report::Level::info
                                : status == "not_enforced" ? report::Level::error
                                                           : report::Level::warning;
    std::string dropped;
    for (const auto& d : dropped_) dropped += (dropped.empty() ? "" : "; ") + d;
    report::Event fin = event(level, "sandbox " + status + ", executing " + argv[0]);
    fin.decision = report::Decision::exec;
    fin.fields.emplace_back("status", status);
    fin.fields.emplace_back("dropped", dropped);
    fin.fields.emplace_back(
        "landlock", landlock_applied_ ? "ABI " + std::to_string(landlock_abi_) : "not applied");
    fin.fields.emplace_back("seccomp",
                            seccomp_applied_ ? "loaded" : (wants_seccomp ? "not loaded" : "none"));
    record(std::move(fin));
    flush(status != "fully_enforced" || plan_.log_level == report::Level::debug);
    if (status != "fully_enforced")
        write_all(2, report::one_line("oci-sandbox-hook: sandbox " + status +
                                      "; not enforced: " + dropped) +
                         "\n");
    log_fd_.reset();
    return exec_command(argv);
}

}  // namespace

void write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        ssize_t n = ::write(fd, s.data(), s.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        s.remove_prefix(static_cast<size_t>(n));
    }
}

int enforce_and_exec(const std::string& plan_dir, const std::string& key,
                     const std::vector<std::string>& argv) {
    if (argv.empty()) {
        write_all(
            2,
            "oci-sandbox-hook exec: no command given (usage: exec [--plan DIR] -- CMD ARGS...)\n");
        return kExitRefused;
    }
    auto plan = plan::read_plan(plan_dir);
    // A valid plan of another container or another edit is no plan for this one.
    if (plan && (key.empty() || plan->edit_key != key))
        plan = fail(plan_dir + "/" + plan::kPlanFileName + ": " +
                    (key.empty() ? std::string("no --key given: the enforcer accepts only the plan "
                                               "its arguments name")
                                 : "the plan was made for another spec edit (its key is not " +
                                       key + ")"));
    if (!plan) {
        // The failure modes live in the plan: without a valid plan nothing
        // says the administrator allowed running unconfined, so this is strict.
        report::Event e;
        e.level = report::Level::error;
        e.component = "exec";
        e.stage = "exec";
        e.kind = Kind::plan_missing;
        e.mode = Mode::strict;
        e.decision = report::Decision::abort;
        e.err = plan.error().err;
        e.message = plan.error().what();
        write_all(2, report::to_json_line(e) + "\n" + report::to_summary(e) + "\n");
        return kExitRefused;
    }
    Enforcer enforcer(std::move(*plan));
    return enforcer.run(argv);
}

}  // namespace osh::enforce
