#include "specedit/exec.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "oci/spec.hpp"
#include "plan/plan.hpp"
#include "plan/plan_dir.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/json.hpp"

extern char** environ;

namespace osh::specedit {

namespace {

constexpr size_t kMaxStateBytes = 1u << 20;

}  // namespace

Result<std::string> container_bundle(const std::string& next_runtime,
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
    std::string bundle((*doc)["bundle"].GetString(), (*doc)["bundle"].GetStringLength());
    if (bundle.empty() || bundle.front() != '/')
        return fail(next_runtime + " state " + id + ": bundle " + bundle + " is not absolute");
    return bundle;
}

Result<std::optional<oci::EditParams>> exec_params(const std::string& bundle_dir,
                                                   const std::string& run_root) {
    const std::string config_path = bundle_dir + "/config.json";
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
    const auto& key = mount->key;
    if (!key)
        return fail(config_path + ": the plan mount's source " + mount->source +
                    " is not a plan directory under " + run_root);
    if (auto ok = plan::validate_edit_key(wrapped->edit_key); !ok)
        return fail(config_path + ": the enforcer has no valid --key; refusing to run a process "
                                  "in the container unconfined");
    // The plan must be in place: the enforcer would refuse anyway, but a
    // clear error here says why before the runtime starts anything.
    struct stat st {};
    const std::string plan_file = plan::plan_dir_path(*key, run_root) + "/" + plan::kPlanFileName;
    if (::lstat(plan_file.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return fail("the plan of the container (" + plan_file + ") is not there: " +
                    std::strerror(errno ? errno : ENOENT) +
                    "; refusing to run a process in it unconfined");
    oci::EditParams p;
    p.host_binary = "/";  // unused for exec: only the enforcer prefix matters
    p.host_enforcer = "/";
    p.plan_host_dir = plan::plan_dir_path(*key, run_root);
    p.plan_run_root = run_root;
    p.container_enforcer = plan::kContainerEnforcer;
    p.container_plan_dir = wrapped->plan_dir.empty() ? plan::kContainerPlanDir : wrapped->plan_dir;
    p.edit_key = wrapped->edit_key;
    return std::optional<oci::EditParams>(std::move(p));
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
    if (!oci::wrapped_by_enforcer(command, params.container_enforcer)) {
        for (const auto& a : oci::enforcer_prefix(params)) out.push_back(a);
    } else {
        // Already wrapped (by whom?): rewrap with this container's own key.
        auto dash = std::find(command.begin(), command.end(), "--");
        command.erase(command.begin(), dash + 1);
        for (const auto& a : oci::enforcer_prefix(params)) out.push_back(a);
    }
    out.insert(out.end(), command.begin(), command.end());
    return out;
}

}  // namespace osh::specedit
