#include "plan/plan.hpp"

#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <span>

#include "seccomp/bpf.hpp"
#include "util/file.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"
#include "util/json_read.hpp"
#include "util/path.hpp"
#include "util/sha256.hpp"
#include "util/test_point.hpp"

namespace osh::plan {

namespace {

constexpr std::string_view kSealPrefix = "sha256:";

using rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void id(Writer& w, const std::optional<uint32_t>& v) {
    if (v)
        w.Uint(*v);
    else
        w.Null();
}

Result<std::optional<std::vector<uint16_t>>> read_ports(const json::Reader& rd, const Value& v,
                                                        const std::string& ptr) {
    if (v.IsNull()) return std::optional<std::vector<uint16_t>>{};
    if (!v.IsArray()) return rd.error(ptr, "expected an array or null");
    std::vector<uint16_t> out;
    for (const Value& e : v.GetArray()) {
        if (!e.IsUint() || e.GetUint() > 65535) return rd.error(ptr, "expected ports 0-65535");
        out.push_back(static_cast<uint16_t>(e.GetUint()));
    }
    return std::optional<std::vector<uint16_t>>{std::move(out)};
}

// (uid_t)-1 means "unchanged" to setresuid: never a valid target.
Result<std::optional<uint32_t>> read_id(const json::Reader& rd, const Value& v,
                                        const std::string& ptr) {
    if (v.IsNull()) return std::optional<uint32_t>{};
    if (!v.IsUint() || v.GetUint() == UINT32_MAX)
        return rd.error(ptr, "expected a uid/gid number or null");
    return std::optional<uint32_t>{v.GetUint()};
}

// Rule `index` of /landlock/rules. Its pointers are spelled only for an
// error: a plan has dozens of rules, each with a handful of access words.
Result<landlock::PathRule> read_rule(const json::Reader& rd, const Value& r, size_t index) {
    auto ptr = [index](std::string_view field) {
        return "/landlock/rules/" + std::to_string(index) + std::string(field);
    };
    if (auto ok = rd.exactly(r, ptr(""), {"path", "access", "gpu_device", "object"}); !ok)
        return unexpected(ok.error());
    landlock::PathRule rule;
    auto path = rd.string(rd.at(r, "path"), [&] { return ptr("/path"); });
    if (!path) return unexpected(path.error());
    rule.path = std::move(*path);
    if (auto norm = path::normalize(rule.path); !norm || *norm != rule.path)
        return rd.error(ptr("/path"), "not a normalised absolute path");
    const Value& access = rd.at(r, "access");
    if (!access.IsArray()) return rd.error(ptr("/access"), "expected an array");
    for (rapidjson::SizeType i = 0; i < access.Size(); ++i) {
        auto a = rd.word(
            access[i], [&] { return ptr("/access/" + std::to_string(i)); }, landlock::kAccessWords);
        if (!a) return unexpected(a.error());
        rule.access |= landlock::bit(*a);
    }
    auto gpu = rd.boolean(rd.at(r, "gpu_device"), [&] { return ptr("/gpu_device"); });
    if (!gpu) return unexpected(gpu.error());
    rule.gpu_device = *gpu;
    const Value& obj = rd.at(r, "object");
    if (!obj.IsNull()) {
        if (!obj.IsArray() || obj.Size() != 2 || !obj[0].IsUint64() || !obj[1].IsUint64())
            return rd.error(ptr("/object"), "expected [device, inode] or null");
        rule.id = rootfs::ObjectId{obj[0].GetUint64(), obj[1].GetUint64()};
    }
    return rule;
}

Result<void> read_landlock(const json::Reader& rd, const Value& ll, Plan& p) {
    if (auto ok = rd.exactly(ll, "/landlock",
                             {"compatibility", "rules", "bind_tcp", "connect_tcp", "scope"});
        !ok)
        return ok;
    auto compat = rd.word(rd.at(ll, "compatibility"), "/landlock/compatibility",
                          landlock::kCompatibilityWords);
    if (!compat) return unexpected(compat.error());
    p.landlock_compatibility = *compat;
    const Value& rules = rd.at(ll, "rules");
    if (!rules.IsArray()) return rd.error("/landlock/rules", "expected an array");
    p.landlock_rules.reserve(rules.Size());
    for (rapidjson::SizeType i = 0; i < rules.Size(); ++i) {
        auto rule = read_rule(rd, rules[i], i);
        if (!rule) return unexpected(rule.error());
        p.landlock_rules.push_back(std::move(*rule));
    }
    auto bind = read_ports(rd, rd.at(ll, "bind_tcp"), "/landlock/bind_tcp");
    if (!bind) return unexpected(bind.error());
    p.bind_tcp = std::move(*bind);
    auto connect = read_ports(rd, rd.at(ll, "connect_tcp"), "/landlock/connect_tcp");
    if (!connect) return unexpected(connect.error());
    p.connect_tcp = std::move(*connect);
    const Value& scope = rd.at(ll, "scope");
    if (!scope.IsArray()) return rd.error("/landlock/scope", "expected an array");
    for (rapidjson::SizeType i = 0; i < scope.Size(); ++i) {
        auto s = rd.word(scope[i], "/landlock/scope/" + std::to_string(i), landlock::kScopeWords);
        if (!s) return unexpected(s.error());
        p.scopes.push_back(*s);
    }
    return {};
}

Result<void> read_seccomp(const json::Reader& rd, const Value& sc, Plan& p) {
    if (auto ok = rd.exactly(sc, "/seccomp", {"action", "audit_arch", "bpf"}); !ok) return ok;
    auto action = rd.word(rd.at(sc, "action"), "/seccomp/action", seccomp::kActionWords);
    if (!action) return unexpected(action.error());
    p.seccomp_action = *action;
    auto arch = rd.u32(rd.at(sc, "audit_arch"), "/seccomp/audit_arch");
    if (!arch) return unexpected(arch.error());
    auto text = rd.string(rd.at(sc, "bpf"), "/seccomp/bpf");
    if (!text) return unexpected(text.error());
    auto raw = hex::decode(*text);
    if (!raw) return rd.error("/seccomp/bpf", "not lower-case hex");
    if (raw->empty()) return {};
    auto bpf = seccomp::deserialize(*raw);
    if (!bpf) return rd.error("/seccomp/bpf", bpf.error().what());
    if (bpf->insns.empty()) return rd.error("/seccomp/bpf", "a filter with no instructions");
    if (bpf->audit_arch != *arch)
        return rd.error("/seccomp/audit_arch", "not the architecture the filter was built for");
    p.seccomp_bpf = std::move(*bpf);
    return {};
}

Result<void> read_process(const json::Reader& rd, const Value& pr, Plan& p) {
    if (auto ok = rd.exactly(pr, "/process", {"no_new_privs", "run_as_uid", "run_as_gid"}); !ok)
        return ok;
    auto nnp = rd.boolean(rd.at(pr, "no_new_privs"), "/process/no_new_privs");
    if (!nnp) return unexpected(nnp.error());
    p.no_new_privs = *nnp;
    auto uid = read_id(rd, rd.at(pr, "run_as_uid"), "/process/run_as_uid");
    if (!uid) return unexpected(uid.error());
    p.run_as_uid = *uid;
    auto gid = read_id(rd, rd.at(pr, "run_as_gid"), "/process/run_as_gid");
    if (!gid) return unexpected(gid.error());
    p.run_as_gid = *gid;
    return {};
}

Result<void> read_failure(const json::Reader& rd, const Value& fl, Plan& p) {
    if (auto ok = rd.exactly(fl, "/failure", {"default", "kinds"}); !ok) return ok;
    auto mode = rd.word(rd.at(fl, "default"), "/failure/default", failure::kModeWords);
    if (!mode) return unexpected(mode.error());
    p.failure.default_mode = *mode;
    const Value& kinds = rd.at(fl, "kinds");
    if (!kinds.IsObject()) return rd.error("/failure/kinds", "expected an object");
    for (auto it = kinds.MemberBegin(); it != kinds.MemberEnd(); ++it) {
        const std::string name(it->name.GetString(), it->name.GetStringLength());
        const std::string ptr = json::Reader::child("/failure/kinds", name);
        auto k = failure::parse_kind(name);
        if (!k) return rd.error(ptr, "unknown failure kind");
        auto m = rd.word(it->value, ptr, failure::kModeWords);
        if (!m) return unexpected(m.error());
        p.failure.kinds[*k] = *m;
    }
    return {};
}

Result<void> read_log(const json::Reader& rd, const Value& lg, Plan& p) {
    if (auto ok = rd.exactly(lg, "/log", {"exec_log_path", "level"}); !ok) return ok;
    auto path = rd.string(rd.at(lg, "exec_log_path"), "/log/exec_log_path");
    if (!path) return unexpected(path.error());
    if (!path->empty() && !path::normalize(*path))
        return rd.error("/log/exec_log_path", "not an absolute path");
    p.exec_log_path = std::move(*path);
    auto level = rd.word(rd.at(lg, "level"), "/log/level", report::kLevelWords);
    if (!level) return unexpected(level.error());
    p.log_level = *level;
    return {};
}

Result<void> read_degraded(const json::Reader& rd, const Value& dg, Plan& p) {
    if (!dg.IsArray()) return rd.error("/degraded", "expected an array");
    for (rapidjson::SizeType i = 0; i < dg.Size(); ++i) {
        const std::string ptr = "/degraded/" + std::to_string(i);
        if (auto ok = rd.exactly(dg[i], ptr, {"kind", "what"}); !ok) return ok;
        auto k = rd.word(rd.at(dg[i], "kind"), ptr + "/kind", failure::kKindWords);
        if (!k) return unexpected(k.error());
        auto what = rd.string(rd.at(dg[i], "what"), ptr + "/what");
        if (!what) return unexpected(what.error());
        p.degraded.push_back({*k, std::move(*what)});
    }
    return {};
}

}  // namespace

std::string serialize(const Plan& p) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    json::key(w, "version");
    w.Int(p.version);
    json::key(w, "container_id");
    json::put(w, p.container_id);
    json::key(w, "edit_key");
    json::put(w, p.edit_key);

    json::key(w, "landlock");
    w.StartObject();
    json::key(w, "compatibility");
    json::put(w, name(p.landlock_compatibility));
    json::key(w, "rules");
    w.StartArray();
    for (const auto& r : p.landlock_rules) {
        w.StartObject();
        json::key(w, "path");
        json::put(w, r.path);
        json::key(w, "access");
        w.StartArray();
        for (const auto& e : landlock::kAccessWords)
            if (r.access & landlock::bit(e.value)) json::put(w, e.word);
        w.EndArray();
        json::key(w, "gpu_device");
        w.Bool(r.gpu_device);
        json::key(w, "object");
        if (r.id) {
            w.StartArray();
            w.Uint64(r.id->dev);
            w.Uint64(r.id->ino);
            w.EndArray();
        } else {
            w.Null();
        }
        w.EndObject();
    }
    w.EndArray();
    json::key(w, "bind_tcp");
    json::put(w, p.bind_tcp);
    json::key(w, "connect_tcp");
    json::put(w, p.connect_tcp);
    json::key(w, "scope");
    w.StartArray();
    for (auto s : p.scopes) json::put(w, name(s));
    w.EndArray();
    w.EndObject();

    json::key(w, "seccomp");
    w.StartObject();
    json::key(w, "action");
    json::put(w, name(p.seccomp_action));
    json::key(w, "audit_arch");
    w.Uint(p.seccomp_bpf.audit_arch);
    json::key(w, "bpf");
    json::put(w, p.seccomp_bpf.insns.empty() ? std::string()
                                             : hex::encode(seccomp::serialize(p.seccomp_bpf)));
    w.EndObject();

    json::key(w, "process");
    w.StartObject();
    json::key(w, "no_new_privs");
    w.Bool(p.no_new_privs);
    json::key(w, "run_as_uid");
    id(w, p.run_as_uid);
    json::key(w, "run_as_gid");
    id(w, p.run_as_gid);
    w.EndObject();

    json::key(w, "failure");
    w.StartObject();
    json::key(w, "default");
    json::put(w, failure::name(p.failure.default_mode));
    json::key(w, "kinds");
    w.StartObject();
    for (const auto& [k, m] : p.failure.kinds) {
        json::key(w, failure::name(k));
        json::put(w, failure::name(m));
    }
    w.EndObject();
    w.EndObject();

    json::key(w, "log");
    w.StartObject();
    json::key(w, "exec_log_path");
    json::put(w, p.exec_log_path);
    json::key(w, "level");
    json::put(w, report::name(p.log_level));
    w.EndObject();

    json::key(w, "degraded");
    w.StartArray();
    for (const auto& d : p.degraded) {
        w.StartObject();
        json::key(w, "kind");
        json::put(w, failure::name(d.kind));
        json::key(w, "what");
        json::put(w, d.what);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    std::string s(buf.GetString(), buf.GetSize());
    s += '\n';
    s += std::string(kSealPrefix) + sha256::hex_digest(s) + "\n";
    return s;
}

Result<Plan> parse(std::string_view bytes, std::string_view origin_sv) {
    const std::string origin(origin_sv);
    // The seal: the last line, over every byte before it.
    if (bytes.empty() || bytes.back() != '\n')
        return fail(origin + ": truncated (no final newline)");
    size_t nl = bytes.rfind('\n', bytes.size() - 2);
    if (nl == std::string_view::npos) return fail(origin + ": no checksum line");
    std::string_view body = bytes.substr(0, nl + 1);
    std::string_view seal = bytes.substr(nl + 1, bytes.size() - nl - 2);
    if (seal.substr(0, kSealPrefix.size()) != kSealPrefix)
        return fail(origin + ": no checksum line");
    if (seal.substr(kSealPrefix.size()) != sha256::hex_digest(body))
        return fail(origin + ": checksum mismatch (the plan was modified or damaged)");

    auto doc = json::parse(body, origin);
    if (!doc) return unexpected(doc.error());
    const Value& d = *doc;
    const json::Reader rd(origin);
    if (auto ok = rd.exactly(d, "",
                             {"version", "container_id", "edit_key", "landlock", "seccomp",
                              "process", "failure", "log", "degraded"});
        !ok)
        return unexpected(ok.error());
    Plan p;
    auto version = rd.i32(rd.at(d, "version"), "/version");
    if (!version) return unexpected(version.error());
    p.version = *version;
    if (p.version != kPlanVersion)
        return rd.error("/version", "unsupported plan version " + std::to_string(p.version) +
                                        " (this build reads " + std::to_string(kPlanVersion) + ")");
    auto cid = rd.string(rd.at(d, "container_id"), "/container_id");
    if (!cid) return unexpected(cid.error());
    p.container_id = std::move(*cid);
    auto key = rd.string(rd.at(d, "edit_key"), "/edit_key");
    if (!key) return unexpected(key.error());
    p.edit_key = std::move(*key);
    if (auto ok = read_landlock(rd, rd.at(d, "landlock"), p); !ok) return unexpected(ok.error());
    if (auto ok = read_seccomp(rd, rd.at(d, "seccomp"), p); !ok) return unexpected(ok.error());
    if (auto ok = read_process(rd, rd.at(d, "process"), p); !ok) return unexpected(ok.error());
    if (auto ok = read_failure(rd, rd.at(d, "failure"), p); !ok) return unexpected(ok.error());
    if (auto ok = read_log(rd, rd.at(d, "log"), p); !ok) return unexpected(ok.error());
    if (auto ok = read_degraded(rd, rd.at(d, "degraded"), p); !ok) return unexpected(ok.error());
    return p;
}

Result<void> write_plan(int dirfd, const Plan& plan) {
    test_point::kill_at("plan.write_begin");
    return file::write_atomic(dirfd, kPlanFileName, serialize(plan), 0644);
}

Result<Plan> read_plan(const std::string& dir) {
    std::string path = dir + "/" + kPlanFileName;
    auto text = file::read_regular(path, /*nofollow=*/true, kMaxPlanBytes);
    if (!text) return wrap(text.error(), "read plan");
    auto p = parse(*text, path);
    if (!p) return wrap(p.error(), "invalid plan");
    return p;
}

}  // namespace osh::plan
