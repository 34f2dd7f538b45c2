#include "doctor/policy_check.hpp"

#include "seccomp/names.hpp"
#include "util/json.hpp"
#include "util/path.hpp"
#include "util/suggest.hpp"

namespace osh::doctor {

namespace {

void check_names(const std::vector<std::string>& names, const std::string& ptr, std::string_view label,
                 const std::vector<std::string>& known_names, std::vector<policy::Problem>& out) {
    for (size_t i = 0; i < names.size(); ++i) {
        if (seccomp::syscall_known(names[i])) continue;
        out.push_back({std::string(label), ptr + "/" + std::to_string(i),
                       "unknown syscall name " + json::quote(names[i]) + " for " + seccomp::arch_label() +
                           " (libseccomp's names)" + suggest::did_you_mean(names[i], known_names) +
                           "; the hook would refuse every container (seccomp_compile)"});
    }
}

void check_literal(const std::vector<std::string>& paths, const std::string& ptr, std::string_view label,
                   std::vector<policy::Problem>& out) {
    for (size_t i = 0; i < paths.size(); ++i) {
        if (!path::has_glob(paths[i])) continue;
        out.push_back({std::string(label), ptr + "/" + std::to_string(i),
                       "path " + json::quote(paths[i]) +
                           " has a glob character (*, ? or [), but filesystem paths are literal; "
                           "globs are allowed only in gpu.promotion.allow"});
    }
}

}  // namespace

std::vector<policy::Problem> check_policy(const policy::Policy& p, std::string_view label) {
    std::vector<policy::Problem> out;
    if (!p.seccomp.deny.empty() || !p.seccomp.allow.empty()) {
        const auto known_names = seccomp::syscall_names();
        check_names(p.seccomp.deny, "/seccomp/deny", label, known_names, out);
        check_names(p.seccomp.allow, "/seccomp/allow", label, known_names, out);
    }
    check_literal(p.filesystem.read_only, "/filesystem/read_only", label, out);
    check_literal(p.filesystem.read_write, "/filesystem/read_write", label, out);
    for (size_t i = 0; i < p.filesystem.rules.size(); ++i)
        check_literal({p.filesystem.rules[i].path}, "/filesystem/rules/" + std::to_string(i) + "/path", label,
                      out);
    for (size_t i = 0; i < p.gpu.allow.size(); ++i)
        if (auto why = path::glob_problem(p.gpu.allow[i]))
            out.push_back({std::string(label), "/gpu/promotion/allow/" + std::to_string(i),
                           "glob " + json::quote(p.gpu.allow[i]) + ": " + *why});
    return out;
}

std::vector<policy::Problem> check_policy_text(std::string_view text, std::string_view label) {
    auto p = policy::parse_policy(text, label);
    if (!p) return p.error();
    return check_policy(*p, label);
}

}  // namespace osh::doctor
