#include "specedit/prepare.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "oci/annotations.hpp"
#include "oci/spec.hpp"
#include "plan/plan_dir.hpp"
#include "report/event.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "util/json_read.hpp"
#include "util/test_point.hpp"

namespace osh::specedit {

namespace {
constexpr size_t kMaxRuntimeConfigBytes = 64 * 1024;
}

Result<RuntimeConfig> parse_runtime_config(std::string_view text, std::string_view origin) {
    auto doc = json::parse(text, origin);
    if (!doc) return unexpected(doc.error());
    const json::Reader rd(origin);
    if (auto ok = rd.expect_object(*doc, ""); !ok) return unexpected(ok.error());
    RuntimeConfig cfg;
    for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
        const std::string key(it->name.GetString(), it->name.GetStringLength());
        const std::string ptr = json::Reader::child("", key);
        if (key == "hook_args") {
            auto args = rd.strings(it->value, ptr);
            if (!args) return unexpected(args.error());
            cfg.hook_args = std::move(*args);
            continue;
        }
        std::string* field = key == "next_runtime"      ? &cfg.next_runtime
                             : key == "hook_binary"     ? &cfg.hook_binary
                             : key == "enforcer_binary" ? &cfg.enforcer_binary
                                                        : nullptr;
        if (!field)
            return rd.error(ptr,
                            "unknown field; allowed: next_runtime, hook_binary, "
                            "enforcer_binary, hook_args");
        auto s = rd.string(it->value, ptr);
        if (!s) return unexpected(s.error());
        if (s->empty()) return rd.error(ptr, "expected a non-empty string");
        if (s->find('\0') != std::string::npos) return rd.error(ptr, "contains a NUL byte");
        if (field != &cfg.next_runtime && s->front() != '/')
            return rd.error(ptr, "expected an absolute path");
        *field = std::move(*s);
    }
    return cfg;
}

Result<RuntimeConfig> load_runtime_config(const std::string& path) {
    auto text = file::read_regular(path, false, kMaxRuntimeConfigBytes);
    if (!text) {
        if (text.error().err == ENOENT) return RuntimeConfig{};
        return unexpected(text.error());
    }
    return parse_runtime_config(*text, path);
}

Result<std::string> self_binary() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n < 0) return fail_errno("readlink /proc/self/exe", errno);
    std::string p(buf, static_cast<size_t>(n));
    // A binary replaced on disk while running reads "/path (deleted)".
    if (p.empty() || p.front() != '/' || p.ends_with(" (deleted)"))
        return fail("/proc/self/exe: " + p + " is not a usable path; set hook_binary in " +
                    kRuntimeConfigPath);
    return p;
}

Result<std::string> resolve_runtime(const std::string& name, const std::string& self) {
    auto same_as_self = [&](const std::string& p) {
        struct stat a {
        }, b{};
        return ::stat(p.c_str(), &a) == 0 && ::stat(self.c_str(), &b) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    };
    std::string found;
    if (name.front() == '/') {
        if (::access(name.c_str(), X_OK) != 0) return fail_errno("next runtime " + name, errno);
        found = name;
    } else {
        if (name.find('/') != std::string::npos)
            return fail("next runtime " + name + ": expected a bare name or an absolute path");
        std::string_view dirs = kSafePath;
        while (!dirs.empty() && found.empty()) {
            size_t colon = dirs.find(':');
            std::string cand = std::string(dirs.substr(0, colon)) + "/" + name;
            dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
            struct stat st {};
            if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
                ::access(cand.c_str(), X_OK) == 0)
                found = cand;
        }
        if (found.empty()) return fail("next runtime " + name + ": not found in " + kSafePath);
    }
    if (same_as_self(found))
        return fail("next runtime " + found +
                    " is this shim itself (would loop); set next_runtime to runc, crun or "
                    "nvidia-container-runtime");
    return found;
}

Result<PlanKeys> choose_keys(const oci::Spec& spec, const std::optional<std::string>& preferred,
                             std::string_view run_root) {
    if (preferred)
        if (auto ok = plan::validate_key(*preferred); !ok) return unexpected(ok.error());
    PlanKeys keys;
    // An earlier edit of ours: its plan mount and its enforcer's key.
    std::optional<std::string> old_dir, old_edit;
    if (auto pm = plan::find_plan_mount(spec.mounts, run_root)) old_dir = pm->key;
    if (auto w = oci::wrapped_by_enforcer(spec.args, plan::kContainerEnforcer);
        w && plan::validate_edit_key(w->edit_key))
        old_edit = w->edit_key;
    if (old_dir && old_edit && (!preferred || *preferred == *old_dir)) {
        keys.dir_key = *old_dir;
        keys.edit_key = *old_edit;
        return keys;
    }
    if (old_dir && preferred && *preferred != *old_dir) keys.replaced_dir_key = old_dir;
    if (preferred) {
        keys.dir_key = *preferred;
    } else if (old_dir) {
        keys.dir_key = *old_dir;
    } else {
        auto k = plan::random_key();
        if (!k) return unexpected(k.error());
        keys.dir_key = *k;
    }
    auto e = plan::random_edit_key();
    if (!e) return unexpected(e.error());
    keys.edit_key = *e;
    return keys;
}

oci::EditParams edit_params(const EditSetup& setup, const PlanKeys& keys) {
    oci::EditParams p;
    p.host_binary = setup.host_binary;
    p.host_enforcer = setup.host_enforcer;
    p.plan_host_dir = plan::plan_dir_path(keys.dir_key, setup.run_root);
    p.plan_run_root = setup.run_root;
    p.edit_key = keys.edit_key;
    p.container_enforcer = plan::kContainerEnforcer;
    p.container_plan_dir = plan::kContainerPlanDir;
    p.hook_args = setup.hook_args;
    // A rootless engine's hooks keep their plans where the edit put them.
    if (setup.run_root != plan::kRunRoot) {
        p.hook_args.push_back("--run-root");
        p.hook_args.push_back(setup.run_root);
    }
    p.annotations[oci::kPlanKeyAnnotation] = keys.dir_key;
    return p;
}

namespace {

// Orphaned plan directories go at every edit; each removal is logged.
void sweep(std::string_view run_root) {
    auto rep = plan::sweep_orphans(run_root);
    report::Log log(report::kDefaultLogPath);
    for (const auto& r : rep.removed) {
        report::Event e;
        e.level = report::Level::info;
        e.component = "spec-edit";
        e.decision = report::Decision::orphan_removed;
        e.message = "removed orphaned plan directory " + r;
        (void)log.append(e);
    }
}

}  // namespace

Result<bool> prepare_bundle(const std::string& bundle_dir, const std::optional<std::string>& id,
                            const EditSetup& setup) {
    // config.json is read and parsed once: its keys, then the edit.
    auto config = oci::read_bundle_config(bundle_dir);
    if (!config) return unexpected(config.error());
    test_point::kill_at("prepare.config_read");
    auto doc = oci::SpecDocument::parse(config->text, config->path);
    if (!doc) return unexpected(doc.error());
    auto keys = choose_keys(doc->parsed(), id, setup.run_root);
    if (!keys) return unexpected(keys.error());
    sweep(setup.run_root);
    bool created = false;
    if (auto ok = plan::create_plan_dir(keys->dir_key, keys->edit_key, &created, setup.run_root);
        !ok)
        return unexpected(ok.error());
    test_point::kill_at("prepare.plan_dir_created");
    auto changed = oci::rewrite_bundle_config(*config, *doc, edit_params(setup, *keys));
    if (!changed) {
        if (created) (void)plan::remove_plan_dir(keys->dir_key, std::nullopt, setup.run_root);
        return changed;
    }
    if (keys->replaced_dir_key)
        (void)plan::remove_unused_plan_dir(*keys->replaced_dir_key, setup.run_root);
    return changed;
}

Result<std::string> prepare_spec_text(std::string_view spec_text, const EditSetup& setup) {
    auto doc = oci::SpecDocument::parse(spec_text, "stdin");
    if (!doc) return unexpected(doc.error());
    auto keys = choose_keys(doc->parsed(), std::nullopt, setup.run_root);
    if (!keys) return unexpected(keys.error());
    // Validate the edit before creating anything on the host.
    auto out = oci::edit_document(*doc, spec_text, edit_params(setup, *keys));
    if (!out) return unexpected(out.error());
    sweep(setup.run_root);
    if (auto ok = plan::create_plan_dir(keys->dir_key, keys->edit_key, nullptr, setup.run_root);
        !ok)
        return unexpected(ok.error());
    return std::move(out->text);
}

Result<EditSetup> edit_setup(const std::string& hook_binary, const std::string& enforcer_binary,
                             std::vector<std::string> hook_args) {
    EditSetup setup;
    setup.hook_args = std::move(hook_args);
    setup.host_binary = hook_binary;
    if (setup.host_binary.empty()) {
        auto self = self_binary();
        if (!self) return unexpected(self.error());
        setup.host_binary = *self;
    }
    setup.host_enforcer =
        enforcer_binary.empty() ? plan::enforcer_beside(setup.host_binary) : enforcer_binary;
    return setup;
}

}  // namespace osh::specedit
