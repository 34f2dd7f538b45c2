// The hooks files each engine would load, checked the way the engine loads
// them (containers/common pkg/hooks: version 1.0.0, hook.path present,
// stages known; podman adds the extension stages precreate and poststop,
// CRI-O and containerd's NRI hook injector add none, so a precreate file in
// a directory they read makes every container fail there), and which
// engines are wired to the shim.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "doctor/doctor.hpp"
#include "setup/engines.hpp"
#include "util/file.hpp"
#include "util/json.hpp"

namespace osh::doctor {

namespace {

constexpr const char* kCrioHooksDir = "/usr/share/containers/oci/hooks.d";
constexpr const char* kOverrideHooksDir = "/etc/containers/oci/hooks.d";

setup::Options setup_options(const Options& o) {
    setup::Options s;
    s.root = o.root;
    s.podman_hooks_dir = o.podman_hooks_dir;
    return s;
}

struct HookFile {
    std::string path;
    std::vector<std::string> stages;
    bool ours = false;
    bool has_timeout = false;
    std::string error;  // the file itself is broken (any consumer refuses it)
};

HookFile read_hook(const Options& o, const std::string& path) {
    HookFile h;
    h.path = path;
    auto text = file::read_regular(rooted(o, path));
    if (!text) {
        h.error = text.error().what();
        return h;
    }
    auto d = json::parse(*text, path);
    if (!d || !d->IsObject()) {
        h.error = d ? "not a JSON object" : d.error().what();
        return h;
    }
    auto ver = d->FindMember("version");
    if (ver == d->MemberEnd() || !ver->value.IsString() || std::string_view(ver->value.GetString()) != "1.0.0") {
        h.error = "version is not \"1.0.0\"";
        return h;
    }
    auto hook = d->FindMember("hook");
    if (hook == d->MemberEnd() || !hook->value.IsObject()) {
        h.error = "missing hook";
        return h;
    }
    auto p = hook->value.FindMember("path");
    if (p == hook->value.MemberEnd() || !p->value.IsString() || !*p->value.GetString()) {
        h.error = "missing required property: hook.path";
        return h;
    }
    const std::string bin = p->value.GetString();
    h.ours = bin.size() >= 16 && bin.substr(bin.size() - 16) == "oci-sandbox-hook";
    if (::access(rooted(o, bin).c_str(), F_OK) != 0) h.error = "hook.path " + bin + " does not exist";
    auto t = hook->value.FindMember("timeout");
    h.has_timeout = t != hook->value.MemberEnd() && t->value.IsInt() && t->value.GetInt() > 0;
    auto st = d->FindMember("stages");
    if (st == d->MemberEnd() || !st->value.IsArray()) {
        if (h.error.empty()) h.error = "missing required property: stages";
        return h;
    }
    for (auto& s : st->value.GetArray())
        if (s.IsString()) h.stages.emplace_back(s.GetString());
    return h;
}

bool oci_stage(const std::string& s) {
    static const std::set<std::string> k = {"createContainer", "createRuntime", "prestart",
                                            "poststart",       "poststop",      "startContainer"};
    return k.count(s) != 0;
}

std::vector<std::string> json_files(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 5 && n.substr(n.size() - 5) == ".json") out.push_back(n);
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

void check_hooks(const Options& o, Report& r) {
    // directory -> the consumers that read it
    std::map<std::string, std::vector<std::string>> readers;
    auto podman_dirs = setup::podman_hooks_dirs(setup_options(o));
    if (podman_dirs)
        for (const auto& d : *podman_dirs) readers[d].push_back("podman");
    readers[kCrioHooksDir].push_back("CRI-O");
    readers[kOverrideHooksDir];
    readers[o.podman_hooks_dir];
    bool any = false;
    for (const auto& [dir, who] : readers) {
        for (const auto& name : json_files(rooted(o, dir))) {
            HookFile h = read_hook(o, dir + "/" + name);
            if (!h.ours) continue;
            any = true;
            std::string stages;
            for (const auto& s : h.stages) stages += (stages.empty() ? "" : ",") + s;
            const std::string shown = h.path + " (" + stages + ")";
            if (!h.error.empty()) {
                r.checks.push_back({"hooks", who.empty() ? Status::warn : Status::fail, shown + ": " + h.error,
                                    "reinstall the package or remove the file"});
                continue;
            }
            std::string readers_text;
            for (const auto& w : who) readers_text += (readers_text.empty() ? "" : ", ") + w;
            if (who.empty()) {
                r.checks.push_back({"hooks", Status::info, shown + ": inactive (no engine reads " + dir + ")", ""});
                continue;
            }
            bool bad = false;
            for (const auto& s : h.stages) {
                if (oci_stage(s)) continue;
                const bool crio_reads = std::find(who.begin(), who.end(), "CRI-O") != who.end();
                if (s == "precreate" && !crio_reads) continue;
                bad = true;
                r.checks.push_back({"hooks", Status::fail,
                                    shown + ": stage " + s + " in a directory CRI-O reads: CRI-O (and containerd's "
                                            "NRI hook injector) refuse the file, so every container fails there",
                                    "remove it; `oci-sandbox-hook setup podman` wires precreate through " +
                                        o.podman_hooks_dir + ", which only podman reads"});
            }
            if (bad) continue;
            r.checks.push_back({"hooks", h.has_timeout ? Status::ok : Status::warn,
                                shown + ": active for " + readers_text +
                                    (h.has_timeout ? "" : "; no hook.timeout (a hung hook blocks the engine)"),
                                h.has_timeout ? "" : "add \"timeout\": 30 to its \"hook\""});
        }
    }
    if (!any)
        r.checks.push_back({"hooks", Status::info, "no oci-sandbox hooks.d file is active (the shim needs none)", ""});
}

void check_engines(const Options& o, Report& r) {
    bool any = false;
    for (auto e : setup::kAllEngines) {
        const std::string n(setup::name(e));
        auto w = setup::wiring(e, setup_options(o));
        if (!w) {
            r.checks.push_back({"engine", Status::warn, n + ": " + w.error().what(),
                                "fix the engine's configuration file"});
            continue;
        }
        if (!w->config_found && !w->wired) {
            r.checks.push_back({"engine", Status::info, n + ": no configuration found (not installed?)", ""});
            continue;
        }
        if (!w->wired) {
            r.checks.push_back({"engine", Status::info, n + ": not wired to the shim",
                                "oci-sandbox-hook setup " + n});
            continue;
        }
        any = true;
        std::string msg = n + ": wired (" + w->where + (w->detail.empty() ? "" : "; " + w->detail) + ")" +
                          (w->is_default ? ", the default runtime" : "");
        const bool stale = w->detail.find("run `oci-sandbox-hook setup") != std::string::npos;
        r.checks.push_back({"engine", stale ? Status::warn : Status::ok, msg,
                            stale ? "oci-sandbox-hook setup " + n : ""});
    }
    if (!any)
        r.checks.push_back({"engine", Status::fail, "no engine is wired to oci-sandbox-hook",
                            "oci-sandbox-hook setup docker|containerd|crio|podman"});
}

}  // namespace osh::doctor
