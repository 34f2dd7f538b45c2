#include "policy/select.hpp"

#include <cerrno>

#include "oci/annotations.hpp"
#include "util/file.hpp"

namespace osh::policy {

namespace {

constexpr size_t kMaxPolicyBytes = 1u << 20;

Result<SelectedPolicy> load(const std::string& file, std::string text) {
    auto p = parse_policy(text, file);
    if (!p) {
        std::string msg = "invalid policy";
        for (const auto& prob : p.error()) msg += "; " + prob.to_string();
        return fail(msg);
    }
    return SelectedPolicy{std::move(*p), file, std::nullopt};
}

Result<SelectedPolicy> load_file(const std::string& file) {
    auto t = file::read_regular(file, true, kMaxPolicyBytes);
    if (!t) return unexpected(t.error());
    return load(file, std::move(*t));
}

}  // namespace

Result<SelectedPolicy> main_policy(const PolicySources& src) {
    if (src.policy_file) return load_file(*src.policy_file);
    auto t = file::read_regular(src.main_path, true, kMaxPolicyBytes);
    if (t) return load(src.main_path, std::move(*t));
    if (t.error().err != ENOENT) return unexpected(t.error());
    return load("built-in default policy", std::string(default_policy_text()));
}

Result<SelectedPolicy> select_policy(const PolicySources& src,
                                     const std::map<std::string, std::string>& annotations,
                                     const SelectedPolicy* main) {
    std::optional<SelectedPolicy> loaded;
    if (!main) {
        auto m = main_policy(src);
        if (!m) return unexpected(m.error());
        loaded = std::move(*m);
        main = &*loaded;
    }
    auto it = annotations.find(oci::kPolicyAnnotation);
    if (it == annotations.end()) return loaded ? std::move(*loaded) : *main;
    const std::string& name = it->second;
    const std::string ann = std::string("annotation ") + oci::kPolicyAnnotation + "=" + name;
    if (!valid_policy_name(name))
        return fail(ann + ": not a plain policy name (letters, digits, _ . -)");
    bool allowed = false;
    std::string listed;
    for (const auto& s : main->policy.selectable) {
        allowed = allowed || s == name;
        listed += (listed.empty() ? "" : ", ") + s;
    }
    if (!allowed)
        return fail(ann + ": the main policy (" + main->origin + ") does not list \"" + name +
                    "\" in \"selectable\" (" + (listed.empty() ? "none is selectable" : listed) +
                    "); an annotation can only choose a policy the administrator marked "
                    "selectable");
    auto sel = load_file(src.policies_dir + "/" + name + ".json");
    if (!sel) return wrap(sel.error(), ann);
    sel->selected_by = ann;
    return sel;
}

}  // namespace osh::policy
