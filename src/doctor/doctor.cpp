#include "doctor/doctor.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/json.hpp"

namespace osh::doctor {

std::string rooted(const Options& o, const std::string& path) {
    if (o.root.empty() || o.root == "/") return path;
    std::string r = o.root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    return r + path;
}

bool Report::ready() const {
    for (const auto& c : checks)
        if (c.status == Status::fail) return false;
    return true;
}

Report run(const Options& o) {
    Report r;
    check_kernel(o, r);
    check_policies(o, r);
    check_runtime(o, r);
    check_run_dir(o, r);
    check_hooks(o, r);
    check_engines(o, r);
    return r;
}

std::string to_text(const Report& r) {
    std::string out;
    for (const auto& c : r.checks) {
        std::string w(name(c.status));
        for (auto& ch : w) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        w.resize(5, ' ');
        out += w + c.area + ": " + c.message + "\n";
        if (!c.fix.empty() && c.status != Status::ok) out += "     fix: " + c.fix + "\n";
    }
    out += r.ready() ? "ready: this node can confine containers\n"
                     : "NOT ready: fix the FAIL lines above\n";
    return out;
}

std::string to_json(const Report& r) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("ready");
    w.Bool(r.ready());
    w.Key("checks");
    w.StartArray();
    for (const auto& c : r.checks) {
        w.StartObject();
        w.Key("area");
        json::put(w, c.area);
        w.Key("status");
        json::put(w, name(c.status));
        w.Key("message");
        json::put(w, c.message);
        w.Key("fix");
        json::put(w, c.fix);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace osh::doctor
