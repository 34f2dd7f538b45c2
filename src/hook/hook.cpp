#include "hook/hook.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "failure/failure.hpp"
#include "gpu/detect.hpp"
#include "hook/prelude.hpp"
#include "rootfs/rootfs.hpp"
#include "landlock/abi.hpp"
#include "oci/spec.hpp"
#include "oci/state.hpp"
#include "plan/plan.hpp"
#include "policy/document.hpp"
#include "policy/effective.hpp"
#include "report/event.hpp"
#include "util/file.hpp"
#include "util/path.hpp"
#include "util/test_point.hpp"

namespace osh::hook {

namespace {

constexpr size_t kMaxStateBytes = 1u << 20;  // the state is a few hundred bytes
constexpr size_t kMaxPolicyBytes = 1u << 20;
constexpr size_t kMaxIdDbBytes = 4u << 20;  // /etc/passwd, /etc/group of the image

// The hook's reporting: JSON lines to the log, a one-line summary on stderr
// for warnings and errors (runc puts hook stderr into its error message).
class Reporter {
  public:
    explicit Reporter(std::string default_log) : log_(std::move(default_log)) {}
    void use_policy(const policy::Policy& p) { log_ = report::Log(p.log.path, p.log.level); }
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

    // A failure that is not a policy-decided kind (bad input): always strict.
    int abort(const std::string& message, int err = 0) {
        report::Event e;
        e.level = report::Level::error;
        e.decision = "abort";
        e.err = err;
        e.message = message;
        emit(std::move(e));
        return 1;
    }
    int abort(const Error& err, std::string_view context) {
        return abort(std::string(context) + ": " + err.what(), err.err);
    }

    // A failure of `kind`: decided by the policy's mode. Returns true when the
    // hook must abort.
    bool decide(const failure::Modes& modes, failure::Kind kind, const std::string& message,
                int err = 0) {
        report::Event e;
        e.kind = kind;
        e.mode = modes.of(kind);
        e.err = err;
        switch (failure::on_failure(modes, kind)) {
            case failure::Decision::abort:
                e.level = report::Level::error;
                e.decision = "abort";
                e.message = message;
                break;
            case failure::Decision::continue_degraded:
                e.level = report::Level::warning;
                e.decision = "continue";
                e.message = message + "; continuing without this protection";
                break;
            case failure::Decision::skipped:
                e.level = report::Level::info;
                e.decision = "skipped";
                e.message = message + "; skipped by policy";
                break;
        }
        bool abort = e.decision == "abort";
        emit(std::move(e));
        return abort;
    }

  private:
    report::Log log_;
    std::string id_, stage_;
    bool log_warned_ = false;
};

struct Inputs {
    oci::State state;
    std::string bundle_config_text;
    std::optional<oci::Spec> spec;
};

// Selects and parses the policy: --policy, else the annotation's named
// policy (which must exist), else the admin default, else the built-in one.
Result<policy::Policy> load_policy(const HookOptions& opts, const oci::Spec* spec,
                                   std::string* origin) {
    std::string text, file;
    if (opts.policy_file) {
        file = *opts.policy_file;
    } else if (spec != nullptr && spec->annotations.count(plan::kPolicyAnnotation)) {
        const std::string& name = spec->annotations.at(plan::kPolicyAnnotation);
        if (!valid_policy_name(name))
            return fail(std::string("annotation ") + plan::kPolicyAnnotation + "=" + name +
                        ": not a plain policy name (letters, digits, _ . -)");
        file = opts.policies_dir + "/" + name + ".json";
    }
    if (!file.empty()) {
        auto t = file::read_regular(file, true, kMaxPolicyBytes);
        if (!t) return unexpected(t.error());
        text = std::move(*t);
    } else {
        auto t = file::read_regular(opts.policy_path, true, kMaxPolicyBytes);
        if (t) {
            file = opts.policy_path;
            text = std::move(*t);
        } else if (t.error().err == ENOENT) {
            file = "built-in default policy";
            text = std::string(policy::default_policy_text());
        } else {
            return unexpected(t.error());
        }
    }
    *origin = file;
    auto p = policy::parse_policy(text, file);
    if (!p) {
        std::string msg = "invalid policy";
        for (const auto& prob : p.error()) msg += "; " + prob.to_string();
        return fail(msg);
    }
    return std::move(*p);
}

// The plan key from our bind mount at /.oci-sandbox/plan, or nullopt when
// the spec was not prepared by the spec edit.
Result<std::optional<std::string>> plan_key(const oci::Spec& spec, std::string_view run_root) {
    for (const auto& m : spec.mounts) {
        auto dest = path::normalize(m.destination);
        if (!dest || *dest != plan::kContainerPlanDir) continue;
        auto key = plan::key_from_source(m.source, run_root);
        if (!key)
            return fail("the mount at " + std::string(plan::kContainerPlanDir) + " has source " +
                        m.source + ", not a plan directory under " + std::string(run_root));
        return std::optional<std::string>(*key);
    }
    return std::optional<std::string>();
}

std::string rootfs_path(const oci::State& st, const oci::Spec& spec) {
    if (st.root && !st.root->empty()) return *st.root;
    if (spec.root_path.empty()) return "";
    if (spec.root_path.front() == '/') return spec.root_path;
    return st.bundle + "/" + spec.root_path;
}

bool has_private_netns(const oci::Spec& spec) {
    for (const auto& ns : spec.namespaces)
        if (ns.type == "network") return true;  // new, or joined by path (Kubernetes pods)
    return false;
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
    using failure::Kind;
    if (!failure::should_attempt(modes, Kind::hook_prelude)) {
        rep.decide(modes, Kind::hook_prelude,
                   "the hook's own confinement (seccomp prelude and Landlock domain) is not installed");
        return false;
    }
    // The log may not exist yet: create it now, while creating is allowed.
    UniqueFd log;
    if (!rep.log_path().empty()) {
        log.reset(::open(rep.log_path().c_str(),
                         O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640));
        if (log) rules.push_back({log.get(), "log " + rep.log_path(), log_rights()});
    }
    // The BPF cache (plan::CompileOptions' default), one level, like the compiler makes it.
    const std::string cache = plan::CompileOptions().bpf_cache_dir;
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
                           ok.error().err))
                return true;
        }
    }
    if (auto ok = install_seccomp_prelude(); !ok) {
        if (rep.decide(modes, Kind::hook_prelude,
                       "cannot install the hook's seccomp prelude: " + ok.error().what(),
                       ok.error().err))
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

// The --policy file, read once at the start (it names the log before the
// state is read); the stages select a policy only without it.
struct GivenPolicy {
    std::optional<Result<policy::Policy>> policy;
    std::string origin;
};

Result<policy::Policy> select_policy(const HookOptions& opts, const GivenPolicy& given,
                                     const oci::Spec* spec, std::string* origin) {
    if (!given.policy) return load_policy(opts, spec, origin);
    *origin = given.origin;
    return *given.policy;
}

int create_stage(const HookOptions& opts, const GivenPolicy& given, Reporter& rep,
                 const oci::State& st) {
    // A refused container leaves nothing behind: every abort below removes
    // the plan directory (ours only: the owner check), keyed by the plan
    // mount when we have read it, else by the id (the shim's key).
    std::string cleanup_key = st.id;
    auto refuse = [&](int rc) {
        if (rc != 0) (void)plan::remove_plan_dir(cleanup_key, st.id, opts.run_root);
        return rc;
    };

    const std::string config_path = st.bundle + "/config.json";
    auto text = file::read_regular(config_path, true);
    if (!text) return refuse(rep.abort(text.error(), "read config.json"));
    auto spec = oci::parse_spec(*text, config_path);
    if (!spec) return refuse(rep.abort(spec.error(), "parse config.json"));

    auto key = plan_key(*spec, opts.run_root);
    if (!key) return rep.abort(key.error(), "plan directory");
    if (*key) cleanup_key = **key;

    std::string policy_origin;
    auto pol = select_policy(opts, given, &*spec, &policy_origin);
    if (!pol) return refuse(rep.abort(pol.error(), "policy"));
    rep.use_policy(*pol);
    const failure::Modes& modes = pol->failure;

    if (!*key) {
        bool stop = rep.decide(
            modes, failure::Kind::plan_missing,
            "config.json has no oci-sandbox plan mount at " + std::string(plan::kContainerPlanDir) +
                ": the spec edit (oci-sandbox-runtime, precreate or inject) did not run, so "
                "the workload would start unconfined");
        return stop ? 1 : 0;
    }
    auto dir = plan::open_plan_dir(**key, st.id, opts.run_root);
    if (!dir) return rep.abort(dir.error(), "plan directory");

    // The rootfs as the container will see it, and its live /dev.
    std::string rootfs = rootfs_path(st, *spec);
    UniqueFd rootfd;
    std::optional<Error> rootfs_error;
    if (!rootfs.empty()) {
        if (auto r = rootfs::open_rootfs(st.pid, rootfs))
            rootfd = std::move(*r);
        else
            rootfs_error = r.error();
    }

    // Landlock as the container will meet it (the hook runs under the same
    // outer sandbox as the runtime): refusing here, at create, is clearer
    // than the enforcer's 125 later, and a degraded run is logged where the
    // operator looks. The enforcer decides again inside the container.
    std::optional<landlock::AbiInfo> abi;
    if (failure::should_attempt(modes, failure::Kind::landlock_unavailable)) {
        abi = landlock::probe();
        if (!abi->available() &&
            rep.decide(modes, failure::Kind::landlock_unavailable,
                       "Landlock is unavailable: " + abi->describe() +
                           "; the workload's filesystem, network and IPC rules (and the hook's "
                           "own Landlock domain) cannot be enforced",
                       abi->err))
            return refuse(1);
    }

    // Every input is open: from here on the hook reads only the rootfs,
    // writes only its plan directory, and runs nothing.
    UniqueFd run_root = open_dir_path(opts.run_root);
    if (confine_self(rep, modes, abi,
                     {{rootfd.get(), "rootfs " + rootfs, rootfs_read_rights()},
                      {dir->get(), "plan directory", plan_dir_rights()},
                      {run_root.get(), "run root " + opts.run_root, run_root_remove_rights()}}))
        return refuse(1);

    std::vector<gpu::LiveNode> live;
    bool have_live = false;
    if (!rootfs.empty()) {
        if (rootfd) {
            auto l = rootfs::list_live_dev(rootfd.get());
            if (l) {
                live = std::move(*l);
                have_live = true;
            } else if (rep.decide(modes, failure::Kind::gpu_detection,
                                  "cannot list the container's /dev: " + l.error().what())) {
                return refuse(1);
            }
        } else if (rep.decide(modes, failure::Kind::gpu_detection,
                              "cannot open the container's rootfs: " + rootfs_error->what())) {
            return refuse(1);
        }
    }

    gpu::Detection det = gpu::detect(*spec, pol->gpu.detect, have_live ? &live : nullptr);
    policy::PathProbe probe =
        rootfd ? rootfs::rootfs_probe(rootfd.get()) : policy::PathProbe([](const std::string&) {
            return std::optional<policy::NodeKind>();
        });
    auto eff = policy::rewrite(*pol, *spec, det, probe);
    if (!eff) return refuse(rep.abort(eff.error(), "policy " + policy_origin));

    if (pol->network.require_private_netns && !has_private_netns(*spec)) {
        if (rep.decide(modes, failure::Kind::netns,
                       "the container shares the host's network namespace (no \"network\" entry in "
                       "linux.namespaces) and the policy requires a private one"))
            return refuse(1);
    }

    plan::CompileOptions copts;
    copts.container_id = st.id;
    // run_as names come from the image's own /etc/passwd and /etc/group, read
    // inside the rootfs, never through NSS.
    auto resolve = [&](const std::optional<policy::IdSpec>& want, const char* db,
                       std::optional<uint32_t>* out, std::optional<policy::IdSpec>* drop) -> bool {
        if (!want || !std::holds_alternative<std::string>(*want)) return true;
        const std::string& name = std::get<std::string>(*want);
        std::string why;
        if (!rootfd) {
            why = "no rootfs to read " + std::string(db) + " from";
        } else {
            auto dbtext = rootfs::read_file_in_root(rootfd.get(), db, kMaxIdDbBytes);
            if (!dbtext)
                why = dbtext.error().what();
            else if (auto id = rootfs::lookup_id(*dbtext, name)) {
                *out = *id;
                return true;
            } else {
                why = "no entry \"" + name + "\" in the image's " + db;
            }
        }
        if (rep.decide(modes, failure::Kind::privilege_drop,
                       "cannot resolve run_as " + name + ": " + why))
            return false;
        drop->reset();
        return true;
    };
    if (!resolve(pol->process.run_as_user, "/etc/passwd", &copts.run_as_uid,
                 &eff->source.process.run_as_user) ||
        !resolve(pol->process.run_as_group, "/etc/group", &copts.run_as_gid,
                 &eff->source.process.run_as_group))
        return refuse(1);

    auto compiled = plan::compile(*eff, copts);
    if (!compiled) return refuse(rep.abort(compiled.error(), "compile plan"));

    if (auto ok = file::write_atomic(dir->get(), plan::kOwnerFile, st.id, 0644); !ok)
        return refuse(rep.abort(ok.error(), "write plan"));
    if (auto ok = file::write_atomic(dir->get(), plan::kEffectivePolicyFile,
                                     policy::explain_json(*eff, false) + "\n", 0644);
        !ok)
        return refuse(rep.abort(ok.error(), "write effective policy"));
    if (auto ok = plan::write_plan(dir->get(), *compiled); !ok)
        return refuse(rep.abort(ok.error(), "write plan"));

    report::Event done;
    done.level = report::Level::info;
    done.decision = "planned";
    done.message = "plan written to " + plan::plan_dir_path(**key, opts.run_root) + " (policy " +
                   policy_origin + ")";
    done.fields = {{"gpu", det.gpu ? "true" : "false"}, {"gpu_reason", det.reason}};
    rep.emit(std::move(done));
    return 0;
}

int poststop_stage(const HookOptions& opts, const GivenPolicy& given, Reporter& rep,
                   const oci::State& st) {
    // The key from config.json when it is still there, else the id (the shim's key).
    std::string key = st.id;
    const oci::Spec* specp = nullptr;
    std::optional<oci::Spec> spec;
    if (auto text = file::read_regular(st.bundle + "/config.json", true)) {
        if (auto s = oci::parse_spec(*text, "config.json")) {
            spec = std::move(*s);
            specp = &*spec;
            if (auto k = plan_key(*spec, opts.run_root); k && *k) key = **k;
        }
    }
    std::string origin;
    failure::Modes modes;
    if (auto pol = select_policy(opts, given, specp, &origin)) {
        rep.use_policy(*pol);
        modes = pol->failure;
    }
    // Landlock's absence was reported at create; here the hook goes without it.
    std::optional<landlock::AbiInfo> abi;
    if (failure::should_attempt(modes, failure::Kind::landlock_unavailable)) abi = landlock::probe();
    UniqueFd run_root = open_dir_path(opts.run_root);
    if (confine_self(rep, modes, abi,
                     {{run_root.get(), "run root " + opts.run_root, run_root_remove_rights()}}))
        return 1;
    if (auto ok = plan::remove_plan_dir(key, st.id, opts.run_root); !ok) {
        report::Event e;
        e.level = report::Level::warning;
        e.decision = "continue";
        e.err = ok.error().err;
        e.message = "cleanup: " + ok.error().message;
        rep.emit(std::move(e));
        return 0;
    }
    report::Event e;
    e.level = report::Level::info;
    e.decision = "cleaned";
    e.message = "removed " + plan::plan_dir_path(key, opts.run_root);
    rep.emit(std::move(e));
    return 0;
}

}  // namespace

bool valid_policy_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name.find("..") != std::string_view::npos) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum) continue;
        if (i > 0 && (c == '_' || c == '.' || c == '-')) continue;
        return false;
    }
    return true;
}

int run_hook(const HookOptions& opts, int state_fd) {
    Reporter rep(opts.default_log);
    // A policy named on the command line names the log from the start, so
    // even a bad state is reported where the operator looks.
    GivenPolicy given;
    if (opts.policy_file) {
        given.policy = load_policy(opts, nullptr, &given.origin);
        if (*given.policy) rep.use_policy(**given.policy);
    }
    auto text = file::read_fd(state_fd, "the OCI state on stdin", kMaxStateBytes);
    if (!text) return rep.abort(text.error(), "state");
    auto st = oci::parse_state(*text, "stdin");
    if (!st) return rep.abort(st.error(), "state");
    if (auto ok = oci::validate_container_id(st->id); !ok) return rep.abort(ok.error(), "state");

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
    if (stage == "createRuntime" || stage == "prestart") return create_stage(opts, given, rep, *st);
    if (stage == "poststop") return poststop_stage(opts, given, rep, *st);
    return rep.abort("unsupported stage \"" + stage + "\" (createRuntime, prestart or poststop)");
}

}  // namespace osh::hook
