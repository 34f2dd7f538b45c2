#include "specedit/exec.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "oci/annotations.hpp"
#include "oci/spec.hpp"
#include "plan/plan.hpp"
#include "plan/plan_dir.hpp"
#include "plan/proof.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/json.hpp"

extern char** environ;

namespace osh::specedit {

namespace {

constexpr size_t kMaxStateBytes = 1u << 20;

}  // namespace

Result<ContainerState> container_state(const std::string& next_runtime,
                                       const std::vector<std::string>& global,
                                       const std::string& id) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno("pipe", errno);
    UniqueFd rd(fds[0]), wr(fds[1]);
    std::vector<std::string> argv_s = {next_runtime};
    argv_s.insert(argv_s.end(), global.begin(), global.end());
    argv_s.push_back("state");
    argv_s.push_back(id);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return fail_errno("fork", errno);
    if (pid == 0) {
        ::dup2(wr.get(), STDOUT_FILENO);
        ::execve(next_runtime.c_str(), argv.data(), environ);
        ::_exit(127);
    }
    wr.reset();
    auto out = file::read_fd(rd.get(), next_runtime + " state " + id, kMaxStateBytes);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!out) return unexpected(out.error());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(next_runtime + " state " + id + " failed (exit " +
                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
                    "): no such container?");
    auto doc = json::parse(*out, next_runtime + " state " + id);
    if (!doc) return unexpected(doc.error());
    if (!doc->IsObject() || !doc->HasMember("bundle") || !(*doc)["bundle"].IsString())
        return fail(next_runtime + " state " + id + ": no \"bundle\" in its output");
    ContainerState st;
    st.bundle.assign((*doc)["bundle"].GetString(), (*doc)["bundle"].GetStringLength());
    if (auto p = doc->FindMember("pid"); p != doc->MemberEnd() && p->value.IsInt())
        st.pid = p->value.GetInt();
    if (st.bundle.empty() || st.bundle.front() != '/')
        return fail(next_runtime + " state " + id + ": bundle " + st.bundle + " is not absolute");
    if (auto ann = doc->FindMember("annotations");
        ann != doc->MemberEnd() && ann->value.IsObject()) {
        if (auto k = ann->value.FindMember(oci::kPlanKeyAnnotation); k != ann->value.MemberEnd()) {
            if (!k->value.IsString())
                return fail(next_runtime + " state " + id + ": annotation " +
                            oci::kPlanKeyAnnotation + " is not a string");
            st.plan_key.emplace(k->value.GetString(), k->value.GetStringLength());
        }
    }
    return st;
}

namespace {

// A container the runtime created from a spec edit of ours: its plan
// directory says which edit key the enforcer checks. When the hook proved
// the container's /.oci-sandbox at create (it had a live view: not under an
// outer sandbox such as gVisor), it must still hold that enforcer and this
// plan directory, seen through the pid the runtime will enter: a mount
// detached since (our tmpfs renamed away from another mount namespace)
// refuses the exec rather than run whatever took its place.
Result<oci::EditParams> planned_params(const ContainerState& state, const std::string& key,
                                       const std::string& id, const std::string& run_root) {
    auto planned = plan::planned_for_exec(key, id, run_root);
    if (!planned)
        return fail(planned.error().what() + "; refusing to run a process in it unconfined");
    if (planned->owner.enforcer)
        if (auto ok = plan::prove_running(state.pid, "the enforcer the hook proved at create",
                                          *planned->owner.enforcer, planned->dir.get());
            !ok)
            return fail(ok.error().what() + "; refusing to run a process in it unconfined");
    oci::EditParams p;
    p.host_binary = "/";  // unused for exec: only the enforcer prefix matters
    p.host_enforcer = "/";
    p.plan_host_dir = plan::plan_dir_path(key, run_root);
    p.plan_run_root = run_root;
    p.container_enforcer = plan::kContainerEnforcer;
    p.container_plan_dir = plan::kContainerPlanDir;
    p.edit_key = std::move(planned->edit_key);
    return p;
}

}  // namespace

Result<std::optional<oci::EditParams>> exec_params(const ContainerState& state,
                                                   const std::string& id,
                                                   const std::string& run_root) {
    if (state.plan_key) {
        auto p = planned_params(state, *state.plan_key, id, run_root);
        if (!p) return unexpected(p.error());
        return std::optional<oci::EditParams>(std::move(*p));
    }
    // No plan-key annotation (a runtime that reports none, or a container
    // not ours): the bundle's config.json decides.
    const std::string config_path = state.bundle + "/config.json";
    auto text = file::read_regular(config_path, true);
    if (!text) return unexpected(text.error());
    auto spec = oci::parse_spec(*text, config_path);
    if (!spec) return unexpected(spec.error());
    const auto mount = plan::find_plan_mount(spec->mounts, run_root);
    auto wrapped = oci::wrapped_by_enforcer(spec->args, plan::kContainerEnforcer);
    if (!mount && !wrapped) return std::optional<oci::EditParams>();  // not ours
    if (!mount || !wrapped)
        return fail(config_path + ": the container was started through the sandbox, but " +
                    (mount ? "its command is not wrapped by the enforcer"
                           : "it has no plan mount at " + std::string(plan::kContainerPlanDir)) +
                    "; refusing to run a process in it unconfined");
    if (!mount->key)
        return fail(config_path + ": the plan mount's source " + mount->source +
                    " is not a plan directory under " + run_root);
    auto p = planned_params(state, *mount->key, id, run_root);
    if (!p) return unexpected(p.error());
    return std::optional<oci::EditParams>(std::move(*p));
}

Result<std::vector<std::string>> confine_exec(const std::vector<std::string>& args,
                                              const ShimArgs& parsed,
                                              const oci::EditParams& params) {
    if (!parsed.process_file.empty()) {
        // The file is read once, and the runtime gets the edited text as a
        // sealed memory file of ours: the path it names may lie where the
        // workload writes (a volume, the container's /tmp), and a file the
        // runtime opened again by name could be swapped after our edit.
        const std::string& f = parsed.process_file;
        auto text = file::read_regular(f, true);
        if (!text) return unexpected(text.error());
        auto out = oci::edit_process_text(*text, params, f);
        if (!out) return unexpected(out.error());
        auto copy = file::sealed_memfd("oci-sandbox-process.json", out->text);
        if (!copy) return wrap(copy.error(), "exec " + parsed.id + ": the process file's copy");
        const std::string path = "/proc/self/fd/" + std::to_string(copy->release());
        std::vector<std::string> edited = args;
        std::string& arg = edited[parsed.process_index];
        arg = parsed.process_attached ? arg.substr(0, arg.find('=') + 1) + path : path;
        return edited;
    }
    std::vector<std::string> out(args.begin(), args.begin() + parsed.id_index + 1);
    std::vector<std::string> command(args.begin() + parsed.id_index + 1, args.end());
    // Already wrapped (by whom?): rewrapped with this container's own key,
    // the command taken where the enforcer would take it.
    if (auto w = oci::wrapped_by_enforcer(command, params.container_enforcer))
        command.erase(command.begin(), command.begin() + static_cast<std::ptrdiff_t>(w->command_at));
    for (const auto& a : oci::enforcer_prefix(params)) out.push_back(a);
    out.insert(out.end(), command.begin(), command.end());
    return out;
}

}  // namespace osh::specedit
