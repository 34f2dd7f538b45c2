// Docker: /etc/docker/daemon.json, merged. Adds
//   "runtimes": {"oci-sandbox": {"path": "/usr/bin/oci-sandbox-runtime"}}
// (and "default-runtime": "oci-sandbox" with --set-as-default), keeping every
// other member as it is. dockerd reads no drop-in directory.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "setup/engines.hpp"
#include "util/json.hpp"

namespace osh::setup {

namespace {

constexpr const char* kDaemonJson = "/etc/docker/daemon.json";

std::string config_path(const Options& o) {
    return o.config.empty() ? under_root(o, kDaemonJson) : o.config;
}

std::string pretty(const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 4);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

Result<rapidjson::Document> load(const std::string& path, const std::optional<std::string>& text) {
    if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) {
        rapidjson::Document d;
        d.SetObject();
        return d;
    }
    auto d = json::parse(*text, path);
    if (!d) return unexpected(d.error());
    if (!d->IsObject()) return fail(path + ": expected a JSON object");
    return std::move(*d);
}

bool is_ours(const rapidjson::Value& runtimes, const Options& o) {
    if (!runtimes.IsObject()) return false;
    auto it = runtimes.FindMember(o.runtime_name.c_str());
    if (it == runtimes.MemberEnd() || !it->value.IsObject()) return false;
    auto p = it->value.FindMember("path");
    return p != it->value.MemberEnd() && p->value.IsString() && o.runtime_path == p->value.GetString();
}

}  // namespace

Result<Plan> plan_docker(const Options& o) {
    const std::string path = config_path(o);
    auto before = read_optional(path);
    if (!before) return unexpected(before.error());
    auto doc = load(path, *before);
    if (!doc) return unexpected(doc.error());
    auto& a = doc->GetAllocator();
    Plan plan;
    const rapidjson::Value name(o.runtime_name.c_str(), a);

    auto rt = doc->FindMember("runtimes");
    if (!o.remove) {
        if (rt == doc->MemberEnd()) {
            doc->AddMember("runtimes", rapidjson::Value(rapidjson::kObjectType), a);
            rt = doc->FindMember("runtimes");
        }
        if (!rt->value.IsObject()) return fail(path + ": \"runtimes\" is not an object");
        rapidjson::Value entry(rapidjson::kObjectType);
        entry.AddMember("path", rapidjson::Value(o.runtime_path.c_str(), a), a);
        auto mine = rt->value.FindMember(o.runtime_name.c_str());
        if (mine == rt->value.MemberEnd()) {
            rt->value.AddMember(rapidjson::Value(name, a), entry, a);
        } else if (!is_ours(rt->value, o)) {
            // Same name, other path: point it at our shim, keep its other fields.
            if (!mine->value.IsObject()) mine->value.SetObject();
            auto p = mine->value.FindMember("path");
            if (p == mine->value.MemberEnd())
                mine->value.AddMember("path", rapidjson::Value(o.runtime_path.c_str(), a), a);
            else
                p->value.SetString(o.runtime_path.c_str(), a);
        }
        if (o.set_as_default) {
            auto def = doc->FindMember("default-runtime");
            if (def == doc->MemberEnd())
                doc->AddMember("default-runtime", rapidjson::Value(name, a), a);
            else
                def->value.SetString(o.runtime_name.c_str(), a);
        }
        plan.notes.push_back("restart dockerd (systemctl restart docker); then: docker run --runtime " +
                             o.runtime_name + " ...");
    } else {
        if (rt != doc->MemberEnd() && rt->value.IsObject() && is_ours(rt->value, o)) {
            rt->value.RemoveMember(o.runtime_name.c_str());
            if (rt->value.ObjectEmpty()) doc->RemoveMember("runtimes");
        }
        auto def = doc->FindMember("default-runtime");
        if (def != doc->MemberEnd() && def->value.IsString() && o.runtime_name == def->value.GetString())
            doc->RemoveMember("default-runtime");
        plan.notes.push_back("restart dockerd (systemctl restart docker)");
    }
    std::optional<std::string> after = pretty(*doc);
    // An unchanged document is not rewritten (no reformatting of the operator's file).
    if (before->has_value()) {
        auto old_doc = load(path, *before);
        if (old_doc && *old_doc == *doc) after = *before;
    }
    // Nothing left (a file setup created, or one that held only our runtime):
    // dockerd reads a missing daemon.json as an empty one.
    if (o.remove && doc->ObjectEmpty()) after = std::nullopt;
    if (!before->has_value() && doc->ObjectEmpty()) after = std::nullopt;
    plan.files.push_back({path, *before, after});
    return plan;
}

Result<Wiring> wiring_docker(const Options& o) {
    Wiring w;
    const std::string path = config_path(o);
    auto text = read_optional(path);
    if (!text) return unexpected(text.error());
    w.where = path;
    if (!*text) return w;
    w.config_found = true;
    auto doc = load(path, *text);
    if (!doc) return unexpected(doc.error());
    for (auto& m : doc->GetObject()) {
        if (std::string_view(m.name.GetString()) != "runtimes" || !m.value.IsObject()) continue;
        for (auto& r : m.value.GetObject()) {
            if (!r.value.IsObject()) continue;
            auto p = r.value.FindMember("path");
            if (p == r.value.MemberEnd() || !p->value.IsString()) continue;
            std::string_view bin = p->value.GetString();
            if (bin.size() >= 19 && bin.substr(bin.size() - 19) == "oci-sandbox-runtime") {
                w.wired = true;
                w.detail = std::string("runtime \"") + r.name.GetString() + "\"";
                auto def = doc->FindMember("default-runtime");
                w.is_default = def != doc->MemberEnd() && def->value.IsString() &&
                               std::string_view(def->value.GetString()) == r.name.GetString();
            }
        }
    }
    return w;
}

}  // namespace osh::setup
