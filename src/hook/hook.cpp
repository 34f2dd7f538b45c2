#include "hook/hook.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iostream>
#include <set>
#include <variant>

#include "failure/failure.hpp"
#include "gpu/detect.hpp"
#include "hook/checks.hpp"
#include "hook/prelude.hpp"
#include "landlock/abi.hpp"
#include "oci/spec.hpp"
#include "oci/spec_edit.hpp"
#include "oci/state.hpp"
#include "plan/compile.hpp"
#include "plan/plan.hpp"
#include "plan/plan_dir.hpp"
#include "plan/proof.hpp"
#include "policy/document.hpp"
#include "policy/effective.hpp"
#include "policy/select.hpp"
#include "report/event.hpp"
#include "rootfs/dev.hpp"
#include "rootfs/iddb.hpp"
#include "rootfs/open.hpp"
#include "rootfs/resolve.hpp"
#include "seccomp/compile.hpp"
#include "util/file.hpp"
#include "util/path.hpp"
#include "util/test_point.hpp"

namespace osh::hook {

namespace {

constexpr size_t kMaxStateBytes = 1u << 20;  // the state is a few hundred bytes
constexpr size_t kMaxProcDevicesBytes = 64u << 10;

using failure::Kind;

// The hook's reporting: JSON lines to the log, a one-line summary on stderr
// for warnings and errors (runc puts hook stderr into its error message).
// Every protection a decision leaves out is collected for the plan, so the
// enforcer's final status names it.
class Reporter {
  public:
    explicit Reporter(std::string default_log)
        : default_(default_log), log_(std::move(default_log)) {}
    // The policy's log, except that the default log path stands for
    // whatever default this run has (a rootless engine's is its own).
    void use_policy(const policy::Policy& p) {
        log_ = report::Log(p.log.path == report::kDefaultLogPath ? default_ : p.log.path,
                           p.log.level);
    }
    const std::string& log_path() const { return log_.path(); }
    void set(const std::string& id, const std::string& stage) {
        id_ = id;
        stage_ = stage;
    }

    void emit(report::Event e) {
        e.component = "hook";
        e.container_id = id_;
        e.stage = stage_;
        if (e.level >= report::Level::warning) std::cerr << report::to_summary(e) << "\n";
        if (!log_.append(e) && e.level >= report::Level::warning && !log_warned_) {
            log_warned_ = true;
            std::cerr << "oci-sandbox-hook hook: cannot append to log " << log_.path() << "\n";
        }
    }

    // A failure that is not a policy-decided kind (bad input, a broken proof):
    // always strict.
    int abort(const std::string& message, int err = 0) {
        report::Event e;
        e.level = report::Level::error;
        e.decision = report::Decision::abort;
        e.err = err;
        e.message = message;
        emit(std::move(e));
        return 1;
    }
    int abort(const Error& err, std::string_view context) {
        return abort(std::string(context) + ": " + err.what(), err.err);
    }
    // A failure of a policy-decided kind that leaves nothing to run with (no
    // plan): refused whatever the mode, and reported under its kind.
    int abort(const failure::Modes& modes, const failure::KindError& ke, std::string_view context,
              const std::string& lost) {
        const failure::Judgement j{ke.kind, modes.of(ke.kind), failure::Decision::abort};
        emit(report::failure_event(j, std::string(context) + ": " + ke.error.what(), lost,
                                   ke.error.err));
        return 1;
    }

    // A failure of `kind`, decided by the policy's mode. `lost` names the
    // protection that is not in force when the run goes on. Returns true
    // when the hook must abort.
    bool decide(const failure::Modes& modes, Kind kind, const std::string& message,
                const std::string& lost, int err = 0) {
        const auto j = failure::judge(modes, kind);
        if (j.decision != failure::Decision::abort) degraded_.push_back({kind, lost + ": " + message});
        emit(report::failure_event(j, message, lost, err));
        return j.decision == failure::Decision::abort;
    }

    // A step the policy says not to attempt (mode skip): recorded, never silent.
    void skipped(Kind kind, const std::string& lost) {
        const failure::Judgement j{kind, failure::Mode::skip, failure::Decision::skipped};
        degraded_.push_back({kind, lost + " (skipped by policy)"});
        emit(report::failure_event(j, lost + ": not attempted (failure mode skip)", lost));
    }

    const std::vector<plan::Degradation>& degraded() const { return degraded_; }

  private:
    std::string default_;
    report::Log log_;
    std::string id_, stage_;
    bool log_warned_ = false;
    std::vector<plan::Degradation> degraded_;
};

std::string rootfs_path(const oci::State& st, const oci::Spec& spec) {
    if (st.root && !st.root->empty()) return *st.root;
    if (spec.root_path.empty()) return "";
    if (spec.root_path.front() == '/') return spec.root_path;
    return st.bundle + "/" + spec.root_path;
}

// A path from config.json in a message: its start only when it is long.
std::string shown(const std::string& text) {
    constexpr size_t kShown = 256;
    return text.size() > kShown ? text.substr(0, kShown) + "..." : text;
}

// The enforcer the spec edit bound into the container: --enforcer, else the
// one installed beside this binary.
Result<std::pair<std::string, rootfs::ObjectId>> our_enforcer(const HookOptions& opts) {
    std::string path;
    if (opts.enforcer) {
        path = *opts.enforcer;
    } else {
        char self[PATH_MAX];
        ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
        if (n < 0) return fail_errno("readlink /proc/self/exe", errno);
        path = plan::enforcer_beside(std::string_view(self, static_cast<size_t>(n)));
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return fail_errno("the enforcer " + path, errno);
    return std::pair{path, rootfs::object_id(st)};
}

// Without a live view (an outer sandbox such as gVisor mounts inside its
// own kernel) the hook proves the same on the image: no mount destination,
// resolved through the image's symlinks as the runtime resolves it, lands
// at, above or below our mount points, and none lies beneath a bind mount
// (whose host content could hold symlinks the image does not show).
Result<void> prove_on_image(rootfs::Resolver& resolve, const oci::Spec& spec,
                            const std::string& run_root) {
    const std::string area = plan::kContainerArea;
    std::set<std::string> binds;  // resolved destinations of the bind mounts so far
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        const std::string lex = path::lexical(m.destination);
        const bool ours =
            ((lex == plan::kContainerEnforcer || lex == plan::kContainerPlanDir) &&
             (lex != plan::kContainerPlanDir || plan::key_from_source(m.source, run_root))) ||
            (lex == area && m.is_fresh_tmpfs() && m.source == oci::kAreaSource);
        if (ours) continue;
        const auto& f = resolve(lex);
        if (!f) return wrap(f.error(), "mounts[" + std::to_string(i) + "]");
        const std::string& dest = f->resolved;
        if (path::is_within(dest, area) || path::is_within(area, dest))
            return fail("mounts[" + std::to_string(i) + "] " + m.destination + " resolves to " +
                        dest + ", at, above or below the sandbox's own mounts under " + area);
        // Each proper ancestor of dest looked up once: linear in the mounts.
        for (std::string b = dest; b != "/";) {
            b = b.substr(0, std::max<size_t>(b.rfind('/'), 1));
            if (binds.count(b))
                return fail("mounts[" + std::to_string(i) + "] " + m.destination +
                            " lies beneath the bind mount at " + b +
                            ", which this hook cannot see into without a live view of the "
                            "container");
        }
        if (m.is_bind()) binds.insert(dest);
    }
    return {};
}

#ifdef OSH_TEST_HOOKS
// Test builds: OSH_TEST_POINT=hook.after_prelude:PATH makes the hook try, once
// confined, what the prelude must stop: run a program and write outside its
// state directory. The results go to stderr for tests/integration/test_prelude.py.
void try_escape_after_prelude() {
    auto path = test_point::arg("hook.after_prelude");
    if (!path) return;
    int exec_err = 0;
    pid_t child = ::fork();
    if (child == 0) {
        char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
        char* const envp[] = {nullptr};
        ::execve("/bin/true", argv, envp);
        ::_exit(errno == EPERM ? 100 : 101);
    }
    int status = 0;
    if (child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status))
        exec_err = WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 100 ? EPERM : EINVAL;
    int fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int write_err = fd < 0 ? errno : 0;
    if (fd >= 0) ::close(fd);
    std::cerr << "test point hook.after_prelude: exec=" << (exec_err ? strerrorname_np(exec_err) : "OK")
              << " write=" << (write_err ? strerrorname_np(write_err) : "OK") << "\n";
}
#endif

// The hook's confinement of itself (prelude.hpp), once its inputs are open:
// `rules` name the fds it may still use. `abi` is nullopt when the policy
// skips Landlock (landlock_unavailable: skip), and an unavailable ABI has
// been reported under landlock_unavailable already: the same cause stops
// both the workload's and the hook's domain, and is decided once. Returns
// true when the hook must abort.
bool install_prelude(Reporter& rep, const failure::Modes& modes,
                     const std::optional<landlock::AbiInfo>& abi, std::vector<PreludeRule> rules) {
    if (!failure::should_attempt(modes, Kind::hook_prelude)) {
        rep.skipped(Kind::hook_prelude,
                    "the hook's own confinement (seccomp prelude and Landlock domain)");
        return false;
    }
    // The log may not exist yet: create it now, while creating is allowed.
    UniqueFd log;
    if (!rep.log_path().empty()) {
        log.reset(::open(rep.log_path().c_str(),
                         O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640));
        if (log) rules.push_back({log.get(), "log " + rep.log_path(), log_rights()});
    }
    // The BPF cache, one level, like the compiler makes it.
    const std::string cache = seccomp::kBpfCacheDir;
    UniqueFd cache_fd;
    if (!cache.empty()) {
        ::mkdir(cache.c_str(), 0700);
        cache_fd.reset(::open(cache.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (cache_fd) rules.push_back({cache_fd.get(), "BPF cache " + cache, cache_rights()});
    }
    if (abi && abi->available()) {
        if (auto ok = install_landlock_prelude(*abi, rules); !ok) {
            if (rep.decide(modes, Kind::hook_prelude,
                           "cannot confine the hook with Landlock: " + ok.error().what(),
                           "the hook's own Landlock domain", ok.error().err))
                return true;
        }
    }
    if (auto ok = install_seccomp_prelude(); !ok) {
        if (rep.decide(modes, Kind::hook_prelude,
                       "cannot install the hook's seccomp prelude: " + ok.error().what(),
                       "the hook's own seccomp prelude", ok.error().err))
            return true;
    }
    return false;
}

bool confine_self(Reporter& rep, const failure::Modes& modes,
                  const std::optional<landlock::AbiInfo>& abi, std::vector<PreludeRule> rules) {
    bool stop = install_prelude(rep, modes, abi, std::move(rules));
#ifdef OSH_TEST_HOOKS
    if (!stop) try_escape_after_prelude();
#endif
    return stop;
}

UniqueFd open_dir_path(const std::string& path) {
    return UniqueFd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

// Landlock as the container will meet it (the hook runs under the same
// outer sandbox as the runtime, gVisor aside): refusing here, at create, is
// clearer than the enforcer's 125 later. nullopt: not attempted (skip) or
// unavailable under warn. Returns false when the hook must abort.
bool probe_landlock(Reporter& rep, const failure::Modes& modes,
                    std::optional<landlock::AbiInfo>& abi) {
    if (!failure::should_attempt(modes, Kind::landlock_unavailable)) {
        rep.skipped(Kind::landlock_unavailable, "Landlock (filesystem, network and IPC rules)");
        return true;
    }
    abi = landlock::probe();
    if (abi->available()) return true;
    return !rep.decide(modes, Kind::landlock_unavailable,
                       "Landlock is unavailable: " + abi->describe(),
                       "Landlock (filesystem, network and IPC rules, and the hook's own domain)",
                       abi->err);
}

int create_stage(const HookOptions& opts, const policy::SelectedPolicy* given, Reporter& rep,
                 const oci::State& st) {
    // A refused container leaves nothing behind: every abort below removes
    // the plan directory (ours only: the owner check), keyed by the plan
    // mount when we have read it.
    std::optional<std::string> cleanup_key;
    auto refuse = [&](int rc) {
        if (rc != 0 && cleanup_key) (void)plan::remove_plan_dir(*cleanup_key, st.id, opts.run_root);
        return rc;
    };

    const std::string config_path = st.bundle + "/config.json";
    auto text = file::read_regular(config_path, true);
    if (!text) return rep.abort(text.error(), "read config.json");
    auto spec = oci::parse_spec(*text, config_path);
    if (!spec) return rep.abort(spec.error(), "parse config.json");

    auto pol = policy::select_policy(opts.sources, spec->annotations, given);
    if (!pol) return rep.abort(pol.error(), "policy");
    rep.use_policy(pol->policy);
    const failure::Modes& modes = pol->policy.failure;

    // The spec edit's marks: the plan mount and the enforcer in front of the
    // command, with its edit key.
    const auto mount = plan::find_plan_mount(spec->mounts, opts.run_root);
    auto wrapped = oci::wrapped_by_enforcer(spec->args, plan::kContainerEnforcer);
    if (!mount && !wrapped) {
        bool stop = rep.decide(
            modes, Kind::plan_missing,
            "config.json has no oci-sandbox plan mount at " + std::string(plan::kContainerPlanDir) +
                ": the spec edit (oci-sandbox-runtime, precreate or inject) did not run, so "
                "the workload would start unconfined",
            "the whole sandbox");
        return stop ? 1 : 0;
    }
    if (!mount || !mount->key || !wrapped || wrapped->plan_dir != plan::kContainerPlanDir ||
        !plan::validate_edit_key(wrapped->edit_key))
        return rep.abort("config.json: the spec edit's marks are incomplete or not ours (" +
                         (mount && !mount->key
                              ? "the plan mount's source " + shown(mount->source) +
                                    " is not a plan directory; expected "
                              : std::string()) +
                         "the plan mount at " + std::string(plan::kContainerPlanDir) +
                         " from a plan directory under " + opts.run_root +
                         ", and process.args starting with " + plan::kContainerEnforcer +
                         " exec --plan " + plan::kContainerPlanDir + " --key KEY --); run the "
                         "spec edit again");
    const std::string& dir_key = *mount->key;
    const std::string& edit_key = wrapped->edit_key;
    // A startContainer hook runs the image's file in the container before
    // the workload: the spec edit puts it under the enforcer too. One that
    // is not (added by something that edited config.json after ours) would
    // run unconfined.
    for (size_t i = 0; i < spec->hooks.start_container.size(); ++i) {
        const auto& h = spec->hooks.start_container[i];
        auto w = oci::wrapped_by_enforcer(h.args, plan::kContainerEnforcer);
        if (h.path != plan::kContainerEnforcer || !w || w->plan_dir != plan::kContainerPlanDir ||
            w->edit_key != edit_key)
            return rep.abort("config.json: hooks.startContainer[" + std::to_string(i) + "] (" +
                             shown(h.path) +
                             ") would run in the container without the enforcer: something "
                             "edited config.json after the spec edit; run the spec edit last "
                             "(or again)");
    }
    // From here on the spec's command is the workload's own (the rewrite
    // looks at its program), not the enforcer's prefix.
    spec->args = oci::workload_command(spec->args, plan::kContainerEnforcer);

    plan::Owner owner{st.id, st.pid, plan::process_start_time(st.pid)};
    auto dir = plan::open_plan_dir(dir_key, edit_key, owner, opts.run_root);
    if (!dir) return rep.abort(dir.error(), "plan directory");
    // A plan belongs to one hook run: another copy of our hook in the spec
    // (another name, another --policy) must not replace the one written. A
    // second run that makes the very same plan (our hook registered twice)
    // leaves it as it is.
    std::optional<std::string> earlier;
    if (auto t = file::read_regular_at(dir->get(), plan::kPlanFileName, "the plan already there",
                                       /*nofollow=*/true, plan::kMaxPlanBytes))
        earlier = std::move(*t);
    else if (t.error().err != ENOENT)
        return rep.abort(t.error(), "plan directory");
    cleanup_key = dir_key;

    // The rootfs as the container sees it, with its mounts in place.
    std::string rootfs = rootfs_path(st, *spec);
    UniqueFd rootfd;
    bool live = false;
    std::optional<Error> rootfs_error;
    if (rootfs.empty()) {
        rootfs_error = Error{"config.json has no root.path", 0};
    } else if (auto r = rootfs::open_rootfs(st.pid, rootfs, &live)) {
        rootfd = std::move(*r);
    } else {
        rootfs_error = r.error();
    }

    // The proof that the enforcer and its plan are ours. No mode waives it.
    auto enforcer = our_enforcer(opts);
    if (!enforcer) return refuse(rep.abort(enforcer.error(), "cannot tell which enforcer is ours"));
    if (!rootfd)
        return refuse(rep.abort("cannot open the container's rootfs to prove what it will run: " +
                                rootfs_error->what(), rootfs_error->err));
    rootfs::Resolver paths(rootfd.get());  // the container's paths, each looked up once
    if (live) {
        if (auto ok = plan::prove_ours(rootfd.get(), enforcer->first, enforcer->second, dir->get());
            !ok)
            return refuse(rep.abort(ok.error(), "refused: the enforcer or its plan is not ours"));
        owner.enforcer = enforcer->second;  // proved again before each exec
    } else if (auto ok = prove_on_image(paths, *spec, opts.run_root); !ok) {
        return refuse(rep.abort(ok.error(), "refused: the sandbox's mounts could be shadowed"));
    }

    std::optional<landlock::AbiInfo> abi;
    if (!probe_landlock(rep, modes, abi)) return refuse(1);

    // Host facts the confined hook cannot read any more.
    gpu::HostDevices host_devices;
    if (auto t = file::read_regular("/proc/devices", false, kMaxProcDevicesBytes))
        host_devices = gpu::parse_proc_devices(*t);
    // /proc/misc is opened now and read only if a misc device sits at a
    // vendor's path (after the /dev listing).
    UniqueFd proc_misc(::open("/proc/misc", O_RDONLY | O_CLOEXEC));
    const NamespaceVerdict netns = namespace_verdict(*spec, "network", st.pid);
    policy::HostView host = host_view(*spec, st.bundle, st.pid, opts.run_root);
    host.mounts_made = live;

    // Every input is open: from here on the hook reads only the rootfs,
    // writes only its plan directory, and runs nothing.
    UniqueFd run_root = open_dir_path(opts.run_root);
    if (confine_self(rep, modes, abi,
                     {{rootfd.get(), "rootfs " + rootfs, rootfs_read_rights()},
                      {dir->get(), "plan directory", plan_dir_rights()},
                      {run_root.get(), "run root " + opts.run_root, run_root_remove_rights()}}))
        return refuse(1);

    std::optional<rootfs::DevListing> dev;
    if (auto l = rootfs::list_dev(rootfd.get())) {
        dev = std::move(*l);
        for (const auto& problem : dev->problems)
            if (rep.decide(modes, Kind::gpu_detection,
                           "part of the container's /dev could not be looked at: " + problem,
                           "GPU evidence from that part of /dev"))
                return refuse(1);
    } else if (rep.decide(modes, Kind::gpu_detection,
                          "cannot list the container's /dev: " + l.error().what(),
                          "GPU evidence from the live /dev")) {
        return refuse(1);
    }

    if (proc_misc && gpu::names_misc_device(*spec, dev ? &*dev : nullptr))
        if (auto t = file::read_fd(proc_misc.get(), "/proc/misc", kMaxProcDevicesBytes))
            gpu::parse_proc_misc(*t, host_devices);
    gpu::DetectInputs din;
    din.paths = paths.probe();
    din.bind_sources = &host.bind_sources;
    din.host_ipc_namespace = host.host_ipc_namespace.has_value();
    din.live = dev ? &*dev : nullptr;
    din.bundle_dev = !live;
    din.host = &host_devices;
    gpu::Detection det = gpu::detect(*spec, pol->policy.gpu.detect, din);
    auto eff = policy::rewrite(pol->policy, *spec, det, paths.probe(), &host);
    if (!eff) return refuse(rep.abort(eff.error(), "policy " + pol->origin));

    for (const auto& pf : eff->path_failures)
        if (rep.decide(modes, Kind::landlock_path, pf.message, pf.lost))
            return refuse(1);

    if (pol->policy.network.require_private_netns && !netns.private_ns) {
        if (rep.decide(modes, Kind::netns,
                       netns.why + ", and the policy requires a private one",
                       "a private network namespace"))
            return refuse(1);
    }

    for (auto& note : shared_namespace_notes(host, pol->policy)) {
        eff->changes.push_back({policy::ChangeAction::note, "", 0, 0, note});
        report::Event e;
        e.level = report::Level::info;
        e.message = std::move(note);
        rep.emit(std::move(e));
    }
    plan::CompileOptions copts;
    copts.container_id = st.id;
    copts.host_ipc_namespace = host.host_ipc_namespace.has_value();
    copts.shared_pid_namespace = host.shared_pid_namespace.has_value();
    copts.edit_key = edit_key;
    if (auto ids = plan_ids(pol->policy.process, rootfd.get())) {
        copts.run_as_uid = ids->uid;
        copts.run_as_gid = ids->gid;
    } else {
        if (rep.decide(modes, Kind::privilege_drop, ids.error().what(),
                       "the switch to the policy's run_as user and group"))
            return refuse(1);
        eff->source.process.run_as_user.reset();
        eff->source.process.run_as_group.reset();
    }

    auto compiled = plan::compile(*eff, copts);
    if (!compiled)
        return refuse(rep.abort(modes, compiled.error(), "compile plan", "the whole sandbox"));
    for (const auto& d : compiled->degraded)  // the compiler's own (seccomp) decisions
        rep.decide(modes, d.kind, d.what, "the seccomp filter");
    // Steps only the enforcer takes, which the policy says to skip: named
    // here too, so the planned status is the one the enforcer will report.
    if (!failure::should_attempt(modes, Kind::landlock_enforce))
        rep.skipped(Kind::landlock_enforce, "landlock");
    if (compiled->no_new_privs && !failure::should_attempt(modes, Kind::no_new_privs))
        rep.skipped(Kind::no_new_privs, "no_new_privs");
    if ((compiled->run_as_uid || compiled->run_as_gid) &&
        !failure::should_attempt(modes, Kind::privilege_drop))
        rep.skipped(Kind::privilege_drop, "the switch to the policy's run_as user and group");
    compiled->degraded = rep.degraded();

    if (earlier && *earlier != plan::serialize(*compiled))
        return refuse(rep.abort(
            "a different plan is already in " + plan::plan_dir_path(dir_key, opts.run_root) +
            ": another copy of our hook planned this container (with another policy?); "
            "refusing to replace it"));
    if (auto ok = plan::write_owner(dir->get(), owner); !ok)
        return refuse(rep.abort(ok.error(), "write plan"));
    if (auto ok = file::write_atomic(dir->get(), plan::kEffectivePolicyFile,
                                     policy::explain_json(*eff, false) + "\n", 0644);
        !ok)
        return refuse(rep.abort(ok.error(), "write effective policy"));
    if (!earlier)
        if (auto ok = plan::write_plan(dir->get(), *compiled); !ok)
            return refuse(rep.abort(ok.error(), "write plan"));

    report::Event done;
    std::string dropped;
    for (const auto& d : compiled->degraded) dropped += (dropped.empty() ? "" : "; ") + d.what;
    // The status the enforcer will report for this plan: nothing is in
    // force when neither Landlock nor a wanted filter is planned. Without a
    // live view the container runs behind a kernel this hook cannot see
    // (gVisor's): what this host offers (Landlock) says nothing of what
    // applies there, so nothing dropped here is not "fully enforced".
    auto lost = [&](Kind k) {
        return std::any_of(compiled->degraded.begin(), compiled->degraded.end(),
                           [k](const plan::Degradation& d) { return d.kind == k; });
    };
    const std::string status = !dropped.empty() || live
                                   ? std::string(report::enforcement_status(
                                         !dropped.empty(),
                                         !lost(Kind::landlock_unavailable) &&
                                             !lost(Kind::landlock_enforce),
                                         !compiled->seccomp_bpf.insns.empty()))
                                   : "unverified";
    done.level = dropped.empty() ? report::Level::info : report::Level::warning;
    done.decision = report::Decision::planned;
    done.message = "plan written to " + plan::plan_dir_path(dir_key, opts.run_root) + " (policy " +
                   pol->origin + (pol->selected_by ? ", " + *pol->selected_by : "") + ")" +
                   (dropped.empty() ? "" : "; not enforced: " + dropped) +
                   (live ? "" : "; no live view of the container: its kernel decides what applies, "
                                "and the enforcer's final event (the container's stderr) says it");
    done.fields = {{"gpu", det.gpu ? "true" : "false"},
                   {"gpu_reason", det.reason},
                   {"status", status},
                   {"dropped", dropped},
                   {"rootfs_view", live ? "live" : "bundle (no live view of the container)"}};
    rep.emit(std::move(done));
    return 0;
}

int poststop_stage(const HookOptions& opts, const policy::SelectedPolicy* given, Reporter& rep,
                   const oci::State& st) {
    // The key from config.json when it is still there, else the id (the
    // shim's key). Whatever the state says of the pid (gVisor reports -1,
    // crun 0): the container is stopped.
    std::string key = st.id;
    failure::Modes modes;
    if (auto text = file::read_regular(st.bundle + "/config.json", true)) {
        if (auto spec = oci::parse_spec(*text, "config.json")) {
            if (auto pm = plan::find_plan_mount(spec->mounts, opts.run_root); pm && pm->key)
                key = *pm->key;
            if (auto pol = policy::select_policy(opts.sources, spec->annotations, given)) {
                rep.use_policy(pol->policy);
                modes = pol->policy.failure;
            }
        }
    } else if (given) {
        rep.use_policy(given->policy);
        modes = given->policy.failure;
    }
    // Landlock's absence was reported at create; here the hook goes without it.
    std::optional<landlock::AbiInfo> abi;
    if (failure::should_attempt(modes, Kind::landlock_unavailable)) abi = landlock::probe();
    UniqueFd run_root = open_dir_path(opts.run_root);
    if (confine_self(rep, modes, abi,
                     {{run_root.get(), "run root " + opts.run_root, run_root_remove_rights()}}))
        return 1;
    if (auto ok = plan::remove_plan_dir(key, st.id, opts.run_root); !ok) {
        report::Event e;
        e.level = report::Level::warning;
        e.decision = report::Decision::continue_degraded;
        e.err = ok.error().err;
        e.message = "cleanup: " + ok.error().message;
        rep.emit(std::move(e));
        return 0;
    }
    report::Event e;
    e.level = report::Level::info;
    e.decision = report::Decision::cleaned;
    e.message = "removed " + plan::plan_dir_path(key, opts.run_root);
    rep.emit(std::move(e));
    return 0;
}

}  // namespace

int run_hook(const HookOptions& opts, int state_fd) {
    Reporter rep(opts.default_log);
    // A policy named on the command line names the log from the start, so
    // even a bad state is reported where the operator looks.
    std::optional<policy::SelectedPolicy> given;
    if (opts.sources.policy_file) {
        auto p = policy::main_policy(opts.sources);
        if (!p) return rep.abort(p.error(), "policy");
        given = std::move(*p);
        rep.use_policy(given->policy);
    }
    auto text = file::read_fd(state_fd, "the OCI state on stdin", kMaxStateBytes);
    if (!text) return rep.abort(text.error(), "state");
    auto st = oci::parse_state(*text, "stdin");
    if (!st) return rep.abort(st.error(), "state");  // parse_state validates the id

    std::string stage;
    if (opts.stage) {
        stage = *opts.stage;
    } else if (st->status == "creating" || st->status == "created") {
        stage = "createRuntime";
    } else if (st->status == "stopped") {
        stage = "poststop";
    } else {
        rep.set(st->id, "");
        return rep.abort("cannot tell the hook stage from status \"" + st->status +
                         "\"; pass --stage");
    }
    rep.set(st->id, stage);
    // A plan is made while the container is created, never later (a hook
    // at poststart with --stage createRuntime would plan a running one).
    if ((stage == "createRuntime" || stage == "prestart") && st->status != "creating" &&
        st->status != "created")
        return rep.abort("the state says \"" + st->status + "\": the " + stage +
                         " stage plans a container only while it is created (creating or "
                         "created)");
    const policy::SelectedPolicy* g = given ? &*given : nullptr;
    if (stage == "createRuntime" || stage == "prestart") return create_stage(opts, g, rep, *st);
    if (stage == "poststop") return poststop_stage(opts, g, rep, *st);
    return rep.abort("unsupported stage \"" + stage + "\" (createRuntime, prestart or poststop)");
}

}  // namespace osh::hook
