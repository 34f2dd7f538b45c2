// Our own files: every policy (the default one and each named one), the
// shim's runtime.json and its next runtime, and /run/oci-sandbox.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "doctor/doctor.hpp"
#include "doctor/policy_check.hpp"
#include "plan/plan_dir.hpp"
#include "specedit/prepare.hpp"
#include "util/file.hpp"

namespace osh::doctor {

namespace {

void check_policy_file(const std::string& path, const std::string& shown, Report& r) {
    auto text = file::read_regular(path);
    if (!text) {
        r.checks.push_back({"policy", Status::fail, shown + ": cannot read: " + text.error().what(),
                            "fix the file's permissions or remove it"});
        return;
    }
    auto problems = check_policy_text(*text, shown);
    if (problems.empty()) {
        r.checks.push_back({"policy", Status::ok, shown + ": valid", ""});
        return;
    }
    std::string msg = shown + ": " + std::to_string(problems.size()) + " problem(s): ";
    for (size_t i = 0; i < problems.size(); ++i)
        msg += (i ? "; " : "") + problems[i].pointer + ": " + problems[i].message;
    r.checks.push_back({"policy", Status::fail, msg,
                        "oci-sandbox-hook check-policy " + shown + " lists each problem; every container "
                        "using this policy is refused until it is fixed"});
}

}  // namespace

void check_policies(const Options& o, Report& r) {
    const std::string main = rooted(o, o.policy_path);
    if (::access(main.c_str(), F_OK) != 0 && errno == ENOENT)
        r.checks.push_back({"policy", Status::info, o.policy_path + " absent: the built-in default applies", ""});
    else
        check_policy_file(main, o.policy_path, r);
    std::vector<std::string> names;
    if (DIR* d = ::opendir(rooted(o, o.policies_dir).c_str())) {
        while (auto* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 5 && n.substr(n.size() - 5) == ".json") names.push_back(n);
        }
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names)
        check_policy_file(rooted(o, o.policies_dir + "/" + n), o.policies_dir + "/" + n, r);
}

void check_runtime(const Options& o, Report& r) {
    const std::string path = rooted(o, o.runtime_config);
    auto cfg = specedit::load_runtime_config(path);
    if (!cfg) {
        r.checks.push_back(
            {"runtime", Status::fail, o.runtime_config + ": " + cfg.error().what(),
             "fix the file (fields: next_runtime, hook_binary, enforcer_binary, hook_args)"});
        return;
    }
    auto self = specedit::self_binary();
    auto next = specedit::resolve_runtime(cfg->next_runtime, self ? *self : std::string("/proc/self/exe"));
    if (next) {
        r.checks.push_back({"runtime", Status::ok,
                            o.runtime_config + ": next runtime " + cfg->next_runtime + " -> " + *next, ""});
    } else if (cfg->next_runtime.find('/') == std::string::npos &&
               ::access(rooted(o, o.gpu_operator_toolkit + "/" + cfg->next_runtime).c_str(), X_OK) == 0) {
        r.checks.push_back({"runtime", Status::fail,
                            o.runtime_config + ": next runtime " + cfg->next_runtime +
                                " is not on the shim's fixed PATH, but NVIDIA's GPU Operator installed it in " +
                                o.gpu_operator_toolkit,
                            "set \"next_runtime\": \"" + o.gpu_operator_toolkit + "/" + cfg->next_runtime +
                                "\" (an absolute path)"});
    } else {
        r.checks.push_back({"runtime", Status::fail, o.runtime_config + ": " + next.error().what(),
                            "install it, or set next_runtime to runc, crun, nvidia-container-runtime or an "
                            "absolute path"});
    }
    if (!cfg->hook_binary.empty() && ::access(rooted(o, cfg->hook_binary).c_str(), X_OK) != 0)
        r.checks.push_back({"runtime", Status::fail,
                            o.runtime_config + ": hook_binary " + cfg->hook_binary + " is not executable",
                            "point hook_binary at the installed oci-sandbox-hook, or remove the field"});
    // The enforcer the spec edit will bind into every container.
    const std::string hook =
        cfg->hook_binary.empty() ? (self ? *self : std::string()) : rooted(o, cfg->hook_binary);
    const std::string enforcer = cfg->enforcer_binary.empty() ? plan::enforcer_beside(hook)
                                                              : rooted(o, cfg->enforcer_binary);
    if (!hook.empty() && ::access(enforcer.c_str(), X_OK) != 0) {
        const std::string fix = "install oci-sandbox-enforce beside oci-sandbox-hook, or set "
                                "enforcer_binary in " + o.runtime_config;
        r.checks.push_back({"runtime", Status::fail,
                            "the enforcer " + enforcer +
                                " is not executable: every container would be refused",
                            fix});
    }
}

void check_run_dir(const Options& o, Report& r) {
    const std::string dir = rooted(o, o.run_root);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        const int e = errno;
        auto slash = dir.rfind('/');
        const std::string parent = slash == 0 ? "/" : dir.substr(0, slash);
        if (e == ENOENT && ::access(parent.c_str(), W_OK) == 0) {
            r.checks.push_back({"run-dir", Status::ok, o.run_root + " absent; created at the first container", ""});
        } else {
            r.checks.push_back({"run-dir", Status::fail,
                                o.run_root + ": " + std::strerror(e == ENOENT ? EACCES : e) +
                                    (e == ENOENT ? " (its parent is not writable)" : ""),
                                "the hook and the shim run as root and need to create " + o.run_root});
        }
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        r.checks.push_back({"run-dir", Status::fail, o.run_root + " is not a directory (a symlink or file)",
                            "remove it; it is recreated at the next container"});
        return;
    }
    if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
        r.checks.push_back({"run-dir", Status::fail,
                            o.run_root + " is owned by uid " + std::to_string(st.st_uid) + " with mode " +
                                std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                                std::to_string(st.st_mode & 7) + ": every plan directory is refused",
                            "chown root:root " + o.run_root + " && chmod 0711 " + o.run_root});
        return;
    }
    r.checks.push_back({"run-dir", Status::ok, o.run_root + " is a root-owned directory", ""});
}

}  // namespace osh::doctor
