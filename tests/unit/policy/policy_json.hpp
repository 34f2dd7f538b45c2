// Test support: a policy as its canonical JSON document, for round trips
// (parse(policy_json(p)) == p) and the check that the built-in default is
// canonical. The product never writes a policy, so this lives with the tests.
#pragma once

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <variant>
#include <vector>

#include "policy/document.hpp"
#include "util/json.hpp"

namespace osh::test {

template <typename W>
void write_policy(W& w, const policy::Policy& p) {
    auto strings = [&](const std::vector<std::string>& v) {
        w.StartArray();
        for (const auto& s : v) json::put(w, s);
        w.EndArray();
    };
    auto ports = [&](const std::vector<uint16_t>& v) {
        w.StartArray();
        for (auto port : v) w.Uint(port);
        w.EndArray();
    };
    auto id = [&](const std::optional<policy::IdSpec>& v) {
        if (!v)
            w.Null();
        else if (const auto* n = std::get_if<uint32_t>(&*v))
            w.Uint(*n);
        else
            json::put(w, std::get<std::string>(*v));
    };
    w.StartObject();
    w.Key("version");
    w.Int(p.version);
    w.Key("selectable");
    strings(p.selectable);

    w.Key("filesystem");
    w.StartObject();
    w.Key("read_only");
    strings(p.filesystem.read_only);
    w.Key("read_write");
    strings(p.filesystem.read_write);
    w.Key("rules");
    w.StartArray();
    for (const auto& r : p.filesystem.rules) {
        w.StartObject();
        w.Key("path");
        json::put(w, r.path);
        w.Key("access");
        w.StartArray();
        for (const auto& e : landlock::kAccessWords)
            if (r.access & landlock::bit(e.value)) json::put(w, e.word);
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    w.Key("include_workdir");
    w.Bool(p.filesystem.include_workdir);
    w.Key("baseline");
    w.Bool(p.filesystem.baseline);
    w.EndObject();

    w.Key("gpu");
    w.StartObject();
    w.Key("detect");
    json::put(w, name(p.gpu.detect));
    w.Key("proc_access");
    json::put(w, name(p.gpu.proc_access));
    w.Key("promotion");
    w.StartObject();
    w.Key("mode");
    json::put(w, name(p.gpu.promotion));
    w.Key("allow");
    strings(p.gpu.allow);
    w.EndObject();
    w.EndObject();

    w.Key("landlock");
    w.StartObject();
    w.Key("compatibility");
    json::put(w, name(p.landlock.compatibility));
    if (p.landlock.bind_tcp || p.landlock.connect_tcp) {
        w.Key("network");
        w.StartObject();
        if (p.landlock.bind_tcp) {
            w.Key("bind_tcp");
            ports(*p.landlock.bind_tcp);
        }
        if (p.landlock.connect_tcp) {
            w.Key("connect_tcp");
            ports(*p.landlock.connect_tcp);
        }
        w.EndObject();
    }
    if (p.landlock.scope) {
        w.Key("scope");
        w.StartArray();
        for (auto s : *p.landlock.scope) json::put(w, name(s));
        w.EndArray();
    }
    w.EndObject();

    w.Key("seccomp");
    w.StartObject();
    w.Key("profile");
    json::put(w, name(p.seccomp.profile));
    w.Key("deny");
    strings(p.seccomp.deny);
    w.Key("allow");
    strings(p.seccomp.allow);
    w.Key("action");
    json::put(w, name(p.seccomp.action));
    w.Key("allow_i386");
    w.Bool(p.seccomp.allow_i386);
    w.EndObject();

    w.Key("process");
    w.StartObject();
    w.Key("no_new_privs");
    w.Bool(p.process.no_new_privs);
    w.Key("run_as_user");
    id(p.process.run_as_user);
    w.Key("run_as_group");
    id(p.process.run_as_group);
    w.EndObject();

    w.Key("network");
    w.StartObject();
    w.Key("require_private_netns");
    w.Bool(p.network.require_private_netns);
    w.EndObject();

    w.Key("failure");
    w.StartObject();
    w.Key("default");
    json::put(w, failure::name(p.failure.default_mode));
    w.Key("kinds");
    w.StartObject();
    for (auto k : failure::kAllKinds)
        if (auto it = p.failure.kinds.find(k); it != p.failure.kinds.end()) {
            json::key(w, failure::name(k));
            json::put(w, failure::name(it->second));
        }
    w.EndObject();
    w.EndObject();

    w.Key("log");
    w.StartObject();
    w.Key("path");
    json::put(w, p.log.path);
    w.Key("level");
    json::put(w, report::name(p.log.level));
    w.EndObject();
    w.EndObject();
}

// Compact, or indented by two with lists on one line (the default policy file).
inline std::string policy_json(const policy::Policy& p, bool pretty = false) {
    rapidjson::StringBuffer buf;
    if (pretty) {
        rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
        w.SetIndent(' ', 2);
        w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
        write_policy(w, p);
    } else {
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        write_policy(w, p);
    }
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace osh::test
