// containerd: a drop-in conf.d/50-oci-sandbox.toml beside config.toml, and
// conf.d/*.toml in config.toml's top-level `imports`.
//
// containerd 1.6/1.7 merge an imported file by REPLACING each plugin section
// it names (services/server/config/config.go mergeConfig: "Replace entire
// sections"), so the drop-in carries a copy of config.toml's CRI section
// with our runtime added; a re-run of setup refreshes the copy (doctor says
// when it is stale). containerd 2.x merges plugin sections key by key; the
// same drop-in is correct there. The CRI default runtime (runc) is declared
// in the drop-in when config.toml does not declare it, because the imported
// `runtimes` table replaces the built-in one.
#include <fnmatch.h>

#include "oci/annotations.hpp"
#include "setup/engines.hpp"
#include "setup/toml_text.hpp"

namespace osh::setup {

namespace {

constexpr const char* kConfig = "/etc/containerd/config.toml";
constexpr const char* kDropInName = "50-oci-sandbox.toml";
constexpr const char* kAddedLine = "# added by oci-sandbox-hook setup";
constexpr const char* kAppended = "# oci-sandbox-hook setup added ";

struct Paths {
    std::string config, dropin_dir, dropin, import_glob;
};

Paths paths_of(const Options& o) {
    Paths p;
    p.config = o.config.empty() ? under_root(o, kConfig) : o.config;
    auto slash = p.config.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : p.config.substr(0, slash);
    p.dropin_dir = dir + "/conf.d";
    p.dropin = p.dropin_dir + "/" + kDropInName;
    p.import_glob = p.dropin_dir + "/*.toml";
    return p;
}

toml::KeyPath cri_plugin(long version) {
    if (version >= 3) return {"plugins", "io.containerd.cri.v1.runtime"};
    return {"plugins", "io.containerd.grpc.v1.cri"};
}

toml::KeyPath plus(toml::KeyPath p, std::initializer_list<std::string> more) {
    p.insert(p.end(), more.begin(), more.end());
    return p;
}

std::string header(const toml::KeyPath& p) { return "[" + toml::join_key(p) + "]"; }

bool covered(const std::vector<std::string>& imports, const Paths& p) {
    for (const auto& e : imports)
        if (e == p.dropin || e == p.import_glob ||
            (e.find('*') != std::string::npos && ::fnmatch(e.c_str(), p.dropin.c_str(), FNM_PATHNAME) == 0))
            return true;
    return false;
}

struct Main {
    std::optional<std::string> text;
    toml::Document doc;
    long version = 2;
};

Result<Main> load_main(const Paths& p, const Options& o) {
    Main m;
    auto t = read_optional(p.config);
    if (!t) return unexpected(t.error());
    m.text = *t;
    if (!m.text) {
        m.version = o.containerd_version;
        return m;
    }
    auto d = toml::scan(*m.text);
    if (!d) return unexpected(d.error().wrap(p.config));
    m.doc = std::move(*d);
    const auto* v = toml::find_key(m.doc, {"version"});
    auto n = v ? toml::as_int(v->value) : std::optional<long>{};
    if (!n || *n < 2)
        return fail(p.config + ": config version 1 (no \"version = 2\" line) is not supported; "
                    "convert it with `containerd config migrate` (containerd 2.x) or write it in "
                    "version 2 form (`containerd config default`)");
    if (*n > 3) return fail(p.config + ": config version " + std::to_string(*n) + " is newer than this tool knows (2, 3)");
    m.version = *n;
    return m;
}

// The drop-in's text for config.toml as it is now.
Result<std::string> dropin_text(const Main& m, const Options& o) {
    const auto plugin = cri_plugin(m.version);
    const auto runtimes = plus(plugin, {"containerd", "runtimes"});
    const auto ours = plus(runtimes, {o.runtime_name});
    std::string default_rt = "runc";
    if (const auto* s = toml::find_key(m.doc, plus(plugin, {"containerd", "default_runtime_name"})))
        if (auto v = toml::as_string(s->value)) default_rt = *v;

    // Copy config.toml's CRI section, statement by statement, except our own
    // runtime's tables (ours is written below).
    std::string copy;
    bool default_declared = false;
    bool default_line_set = false;
    bool containerd_table = false;
    const auto containerd_path = plus(plugin, {"containerd"});
    for (const auto& s : m.doc.statements) {
        toml::KeyPath full = s.table;
        full.insert(full.end(), s.key.begin(), s.key.end());
        if (!toml::starts_with(full, plugin)) continue;
        if (!s.header && !toml::starts_with(s.table, plugin))
            return fail("config.toml line " + std::to_string(s.first_line + 1) + ": a dotted key into " +
                        toml::join_key(plugin) +
                        " outside its tables; write that setting under a [" + toml::join_key(plugin) +
                        "...] header so setup can copy it");
        if (toml::starts_with(s.table, ours)) continue;
        if (s.header && toml::starts_with(s.table, plus(runtimes, {default_rt}))) default_declared = true;
        if (s.header && s.table == containerd_path) containerd_table = true;
        if (s.header) copy += "\n";
        for (size_t l = s.first_line; l < s.end_line; ++l) {
            if (o.set_as_default && !s.header && full == plus(containerd_path, {"default_runtime_name"}) &&
                l == s.first_line) {
                copy += "    default_runtime_name = " + toml::quote(o.runtime_name) + "\n";
                default_line_set = true;
                break;
            }
            copy += m.doc.lines[l] + "\n";
        }
        if (o.set_as_default && s.header && s.table == containerd_path && !default_line_set &&
            !toml::find_key(m.doc, plus(containerd_path, {"default_runtime_name"}))) {
            copy += "    default_runtime_name = " + toml::quote(o.runtime_name) + "\n";
            default_line_set = true;
        }
    }
    if (o.set_as_default && !default_line_set && !containerd_table)
        copy += "\n" + header(containerd_path) + "\n    default_runtime_name = " + toml::quote(o.runtime_name) + "\n";

    std::optional<bool> systemd;
    for (const auto& rt : {default_rt, std::string("runc")}) {
        if (systemd) break;
        if (const auto* s = toml::find_key(m.doc, plus(runtimes, {rt, "options", "SystemdCgroup"})))
            systemd = toml::as_bool(s->value);
    }

    std::string out = "# " + std::string(kOwnedMarker) + "\n";
    out += "# The CRI runtime handler \"" + o.runtime_name + "\" (RuntimeClass handler) runs the\n"
           "# oci-sandbox-hook shim. containerd 1.x lets an imported file replace a whole\n"
           "# plugin section, so the CRI section of " + std::string("config.toml") +
           " is copied here: after\n# editing it there, run `oci-sandbox-hook setup containerd` again.\n";
    out += "version = " + std::to_string(m.version) + "\n";
    out += copy;
    if (!default_declared && default_rt == "runc") {
        out += "\n# The CRI default runtime, declared because this file's runtimes table\n"
               "# replaces containerd's built-in one.\n";
        out += header(plus(runtimes, {"runc"})) + "\n    runtime_type = \"io.containerd.runc.v2\"\n";
        if (systemd)
            out += header(plus(runtimes, {"runc", "options"})) + "\n    SystemdCgroup = " +
                   (*systemd ? "true" : "false") + "\n";
    }
    out += "\n" + header(ours) + "\n    runtime_type = \"io.containerd.runc.v2\"\n";
    out += "    pod_annotations = " + toml::string_array({oci::kPolicyAnnotation}) + "\n";
    out += header(plus(ours, {"options"})) + "\n    BinaryName = " + toml::quote(o.runtime_path) + "\n";
    if (systemd) out += "    SystemdCgroup = " + std::string(*systemd ? "true" : "false") + "\n";
    return out;
}

// config.toml with our import glob added (or removed).
Result<std::optional<std::string>> main_text(const Main& m, const Paths& p, const Options& o) {
    if (!m.text) {
        if (o.remove) return std::optional<std::string>{};
        return std::optional<std::string>("version = " + std::to_string(m.version) + "\nimports = " +
                                          toml::string_array({p.import_glob}) + "  " + kAddedLine + "\n");
    }
    auto lines = m.doc.lines;
    const toml::Statement* imp = nullptr;
    for (const auto& s : m.doc.statements) {
        if (s.header) break;
        if (s.key == toml::KeyPath{"imports"}) imp = &s;
    }
    auto join = [&](const std::vector<std::string>& ls) {
        std::string out;
        for (const auto& l : ls) out += l + "\n";
        // Keep a missing final newline missing.
        if (!m.text->empty() && m.text->back() != '\n' && !out.empty()) out.pop_back();
        return out;
    };
    if (!o.remove) {
        std::vector<std::string> list;
        if (imp) {
            auto l = toml::as_string_array(imp->value);
            if (!l) return fail(p.config + " line " + std::to_string(imp->first_line + 1) + ": imports is not an array of strings");
            list = *l;
        }
        if (covered(list, p)) return m.text;
        if (!imp) {
            size_t at = 0;
            if (const auto* v = toml::find_key(m.doc, {"version"}); v && v->table.empty()) at = v->end_line;
            lines.insert(lines.begin() + static_cast<long>(at),
                         "imports = " + toml::string_array({p.import_glob}) + "  " + kAddedLine);
        } else {
            list.push_back(p.import_glob);
            lines.erase(lines.begin() + static_cast<long>(imp->first_line), lines.begin() + static_cast<long>(imp->end_line));
            lines.insert(lines.begin() + static_cast<long>(imp->first_line),
                         "imports = " + toml::string_array(list) + "  " + kAppended + toml::quote(p.import_glob));
        }
        return std::optional<std::string>(join(lines));
    }
    if (!imp) return m.text;
    const std::string& raw = m.doc.lines[imp->first_line];
    if (raw.find(kAddedLine) != std::string::npos) {
        lines.erase(lines.begin() + static_cast<long>(imp->first_line), lines.begin() + static_cast<long>(imp->end_line));
    } else if (raw.find(kAppended) != std::string::npos) {
        auto l = toml::as_string_array(imp->value);
        if (!l) return m.text;
        std::vector<std::string> kept;
        for (const auto& e : *l)
            if (e != p.import_glob) kept.push_back(e);
        lines.erase(lines.begin() + static_cast<long>(imp->first_line), lines.begin() + static_cast<long>(imp->end_line));
        lines.insert(lines.begin() + static_cast<long>(imp->first_line), "imports = " + toml::string_array(kept));
    } else {
        return m.text;
    }
    std::string out = join(lines);
    // config.toml as setup created it: remove it again.
    if (out == "version = " + std::to_string(m.version) + "\n") return std::optional<std::string>{};
    return std::optional<std::string>(out);
}

}  // namespace

Result<Plan> plan_containerd(const Options& o) {
    const Paths p = paths_of(o);
    auto m = load_main(p, o);
    if (!m) return unexpected(m.error());
    // A same-named drop-in we did not write is refused, set up or removed.
    auto dropin = dropin_plan(p.dropin);
    if (!dropin) return dropin;
    if (!o.remove) {
        auto t = dropin_text(*m, o);
        if (!t) return unexpected(t.error());
        dropin->files[0].after = *t;
    }
    auto main = main_text(*m, p, o);
    if (!main) return unexpected(main.error());
    Plan plan;
    plan.files.push_back({p.config, m->text, *main});
    plan.files.push_back(std::move(dropin->files[0]));
    if (!o.remove)
        plan.notes.push_back("restart containerd (systemctl restart containerd); Kubernetes: a RuntimeClass "
                             "with handler \"" + o.runtime_name +
                             "\" (/usr/share/oci-sandbox-hook/kubernetes/runtimeclass.yaml)");
    else
        plan.notes.push_back("restart containerd (systemctl restart containerd)");
    return plan;
}

Result<Wiring> wiring_containerd(const Options& o) {
    Wiring w;
    const Paths p = paths_of(o);
    auto main = read_optional(p.config);
    if (!main) return unexpected(main.error());
    auto dropin = read_optional(p.dropin);
    if (!dropin) return unexpected(dropin.error());
    w.config_found = main->has_value();
    w.where = p.dropin;
    if (!*dropin) {
        if (*main && main->value().find("oci-sandbox-runtime") != std::string::npos) {
            w.wired = true;
            w.where = p.config;
            w.detail = "wired by hand in config.toml";
        }
        return w;
    }
    w.wired = dropin->value().find(toml::quote(o.runtime_path)) != std::string::npos ||
              dropin->value().find("oci-sandbox-runtime") != std::string::npos;
    w.is_default = dropin->value().find("default_runtime_name = " + toml::quote(o.runtime_name)) != std::string::npos;
    Options again = o;
    again.set_as_default = w.is_default;
    auto pl = plan_containerd(again);
    if (!pl) {
        w.detail = pl.error().what();
    } else {
        for (const auto& f : pl->files) {
            if (!f.changes()) continue;
            w.detail = f.path == p.dropin
                           ? "the drop-in's copy of config.toml's CRI section is stale: run `oci-sandbox-hook setup containerd` again"
                           : "config.toml's imports do not include " + p.import_glob + ": run `oci-sandbox-hook setup containerd` again";
            w.wired = w.wired && f.path == p.dropin;
        }
    }
    return w;
}

}  // namespace osh::setup
