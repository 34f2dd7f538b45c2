#include "plan/plan.hpp"

#include <fcntl.h>

#include <algorithm>
#include <span>

#include "seccomp/bpf.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "util/path.hpp"
#include "util/sha256.hpp"
#include "util/test_point.hpp"

namespace osh::plan {

namespace {

constexpr std::string_view kSealPrefix = "sha256:";
constexpr size_t kMaxPlanBytes = 4u << 20;  // a plan is a few KiB; 4 MiB is generous

// ---------- serialise ----------

std::string hex_encode(std::span<const uint8_t> bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

std::optional<std::vector<uint8_t>> hex_decode(std::string_view s) {
    if (s.size() % 2) return std::nullopt;
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::vector<uint8_t> out;
    out.reserve(s.size() / 2);
    for (size_t i = 0; i < s.size(); i += 2) {
        int hi = nib(s[i]), lo = nib(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(uint8_t(hi << 4 | lo));
    }
    return out;
}

std::string ports_json(const std::optional<std::vector<uint16_t>>& ports) {
    if (!ports) return "null";
    std::string s = "[";
    for (size_t i = 0; i < ports->size(); ++i) s += (i ? "," : "") + std::to_string((*ports)[i]);
    return s + "]";
}

std::string opt_id_json(const std::optional<uint32_t>& id) {
    return id ? std::to_string(*id) : "null";
}

std::string access_json(landlock::AccessMask m) {
    std::string s = "[";
    bool first = true;
    for (int i = 0; i < landlock::kAccessCount; ++i) {
        auto a = static_cast<landlock::Access>(i);
        if (!(m & landlock::bit(a))) continue;
        s += (first ? "" : ",") + json::quote(name(a));
        first = false;
    }
    return s + "]";
}

// ---------- parse ----------

using Value = rapidjson::Value;

struct Reader {
    std::string origin;
    Error err(std::string_view ptr, std::string_view msg) const {
        return Error{origin + ": " + std::string(ptr) + ": " + std::string(msg), 0};
    }
    // Every member known and every required member present.
    Result<void> members(const Value& v, std::string_view ptr,
                         std::initializer_list<std::string_view> known) const {
        if (!v.IsObject()) return Unexpected<Error>{err(ptr, "expected an object")};
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            std::string_view k(it->name.GetString(), it->name.GetStringLength());
            if (std::find(known.begin(), known.end(), k) == known.end())
                return Unexpected<Error>{err(ptr, "unknown field \"" + std::string(k) + "\"")};
        }
        for (auto k : known)
            if (!v.HasMember(Value(rapidjson::StringRef(k.data(), k.size()))))
                return Unexpected<Error>{err(ptr, "missing field \"" + std::string(k) + "\"")};
        return {};
    }
};

const Value& at(const Value& v, std::string_view k) {
    return v[Value(rapidjson::StringRef(k.data(), k.size()))];
}

}  // namespace

std::string serialize(const Plan& p) {
    std::string s = "{\"version\":" + std::to_string(p.version);
    s += ",\"container_id\":" + json::quote(p.container_id);
    s += ",\"edit_key\":" + json::quote(p.edit_key);
    s += ",\"landlock\":{\"compatibility\":" + json::quote(name(p.landlock_compatibility));
    s += ",\"rules\":[";
    for (size_t i = 0; i < p.landlock_rules.size(); ++i) {
        const auto& r = p.landlock_rules[i];
        s += std::string(i ? "," : "") + "{\"path\":" + json::quote(r.path) +
             ",\"access\":" + access_json(r.access) +
             ",\"gpu_device\":" + (r.gpu_device ? "true" : "false") + ",\"object\":" +
             (r.id ? "[" + std::to_string(r.id->dev) + "," + std::to_string(r.id->ino) + "]"
                   : std::string("null")) +
             "}";
    }
    s += "],\"bind_tcp\":" + ports_json(p.bind_tcp) +
         ",\"connect_tcp\":" + ports_json(p.connect_tcp);
    s += ",\"scope\":[";
    for (size_t i = 0; i < p.scopes.size(); ++i)
        s += (i ? "," : "") + json::quote(name(p.scopes[i]));
    s += "]}";
    s += ",\"seccomp\":{\"action\":" + json::quote(name(p.seccomp_action)) +
         ",\"audit_arch\":" + std::to_string(p.seccomp_audit_arch) + ",\"bpf\":" +
         json::quote(hex_encode(std::span(reinterpret_cast<const uint8_t*>(p.seccomp_bpf.data()),
                                          p.seccomp_bpf.size()))) +
         "}";
    s += ",\"process\":{\"no_new_privs\":" + std::string(p.no_new_privs ? "true" : "false") +
         ",\"run_as_uid\":" + opt_id_json(p.run_as_uid) +
         ",\"run_as_gid\":" + opt_id_json(p.run_as_gid) + "}";
    s += ",\"failure\":{\"default\":" + json::quote(failure::name(p.failure.default_mode)) +
         ",\"kinds\":{";
    bool first = true;
    for (const auto& [k, m] : p.failure.kinds) {
        s += (first ? "" : ",") + json::quote(failure::name(k)) + ":" +
             json::quote(failure::name(m));
        first = false;
    }
    s += "}}";
    s += ",\"log\":{\"exec_log_path\":" + json::quote(p.exec_log_path) +
         ",\"level\":" + json::quote(report::name(p.log_level)) + "}";
    s += ",\"degraded\":[";
    for (size_t i = 0; i < p.degraded.size(); ++i)
        s += std::string(i ? "," : "") +
             "{\"kind\":" + json::quote(failure::name(p.degraded[i].kind)) +
             ",\"what\":" + json::quote(p.degraded[i].what) + "}";
    s += "]}\n";
    s += std::string(kSealPrefix) + sha256::hex_digest(s) + "\n";
    return s;
}

Result<Plan> parse(std::string_view bytes, std::string_view origin_sv) {
    Reader rd{std::string(origin_sv)};
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
    if (!doc) return Unexpected<Error>{doc.error()};
    const Value& d = *doc;
    auto bad = [&](std::string_view ptr, std::string_view msg) {
        return Unexpected<Error>{rd.err(ptr, msg)};
    };
    if (auto r = rd.members(d, "/",
                            {"version", "container_id", "edit_key", "landlock", "seccomp", "process",
                             "failure", "log", "degraded"});
        !r)
        return Unexpected<Error>{r.error()};
    Plan p;
    if (!at(d, "version").IsInt()) return bad("/version", "expected an integer");
    p.version = at(d, "version").GetInt();
    if (p.version != kPlanVersion)
        return bad("/version", "unsupported plan version " + std::to_string(p.version) +
                                   " (this build reads " + std::to_string(kPlanVersion) + ")");
    if (!at(d, "container_id").IsString()) return bad("/container_id", "expected a string");
    p.container_id = at(d, "container_id").GetString();
    if (!at(d, "edit_key").IsString()) return bad("/edit_key", "expected a string");
    p.edit_key = at(d, "edit_key").GetString();

    // landlock
    const Value& ll = at(d, "landlock");
    if (auto r = rd.members(ll, "/landlock",
                            {"compatibility", "rules", "bind_tcp", "connect_tcp", "scope"});
        !r)
        return Unexpected<Error>{r.error()};
    if (!at(ll, "compatibility").IsString())
        return bad("/landlock/compatibility", "expected a string");
    std::string compat = at(ll, "compatibility").GetString();
    if (compat == "best_effort")
        p.landlock_compatibility = landlock::Compatibility::best_effort;
    else if (compat == "hard_requirement")
        p.landlock_compatibility = landlock::Compatibility::hard_requirement;
    else
        return bad("/landlock/compatibility", "unknown value \"" + compat + "\"");
    const Value& rules = at(ll, "rules");
    if (!rules.IsArray()) return bad("/landlock/rules", "expected an array");
    for (rapidjson::SizeType i = 0; i < rules.Size(); ++i) {
        std::string ptr = "/landlock/rules/" + std::to_string(i);
        const Value& r = rules[i];
        if (auto m = rd.members(r, ptr, {"path", "access", "gpu_device", "object"}); !m)
            return Unexpected<Error>{m.error()};
        LandlockRule rule;
        if (!at(r, "path").IsString()) return bad(ptr + "/path", "expected a string");
        rule.path = at(r, "path").GetString();
        auto norm = path::normalize(rule.path);
        if (!norm || *norm != rule.path)
            return bad(ptr + "/path", "not a normalised absolute path");
        if (!at(r, "access").IsArray()) return bad(ptr + "/access", "expected an array");
        for (const Value& a : at(r, "access").GetArray()) {
            auto acc = a.IsString() ? landlock::parse_access(a.GetString()) : std::nullopt;
            if (!acc) return bad(ptr + "/access", "unknown access right");
            rule.access |= landlock::bit(*acc);
        }
        if (!at(r, "gpu_device").IsBool()) return bad(ptr + "/gpu_device", "expected a boolean");
        rule.gpu_device = at(r, "gpu_device").GetBool();
        const Value& obj = at(r, "object");
        if (!obj.IsNull()) {
            if (!obj.IsArray() || obj.Size() != 2 || !obj[0].IsUint64() || !obj[1].IsUint64())
                return bad(ptr + "/object", "expected [device, inode] or null");
            rule.id = rootfs::ObjectId{obj[0].GetUint64(), obj[1].GetUint64()};
        }
        p.landlock_rules.push_back(std::move(rule));
    }
    auto ports = [&](std::string_view k,
                     std::optional<std::vector<uint16_t>>& out) -> Result<void> {
        const Value& v = at(ll, k);
        std::string ptr = "/landlock/" + std::string(k);
        if (v.IsNull()) return {};
        if (!v.IsArray()) return Unexpected<Error>{rd.err(ptr, "expected an array or null")};
        out.emplace();
        for (const Value& e : v.GetArray()) {
            if (!e.IsUint() || e.GetUint() > 65535)
                return Unexpected<Error>{rd.err(ptr, "expected ports 0-65535")};
            out->push_back(uint16_t(e.GetUint()));
        }
        return {};
    };
    if (auto r = ports("bind_tcp", p.bind_tcp); !r) return Unexpected<Error>{r.error()};
    if (auto r = ports("connect_tcp", p.connect_tcp); !r) return Unexpected<Error>{r.error()};
    if (!at(ll, "scope").IsArray()) return bad("/landlock/scope", "expected an array");
    for (const Value& s : at(ll, "scope").GetArray()) {
        std::string v = s.IsString() ? s.GetString() : "";
        if (v == "abstract_unix_socket")
            p.scopes.push_back(landlock::Scope::abstract_unix_socket);
        else if (v == "signal")
            p.scopes.push_back(landlock::Scope::signal);
        else
            return bad("/landlock/scope", "unknown scope \"" + v + "\"");
    }

    // seccomp
    const Value& sc = at(d, "seccomp");
    if (auto r = rd.members(sc, "/seccomp", {"action", "audit_arch", "bpf"}); !r)
        return Unexpected<Error>{r.error()};
    std::string action = at(sc, "action").IsString() ? at(sc, "action").GetString() : "";
    if (action == "errno")
        p.seccomp_action = seccomp::Action::errno_;
    else if (action == "kill")
        p.seccomp_action = seccomp::Action::kill;
    else if (action == "log")
        p.seccomp_action = seccomp::Action::log;
    else
        return bad("/seccomp/action", "unknown action \"" + action + "\"");
    if (!at(sc, "audit_arch").IsUint())
        return bad("/seccomp/audit_arch", "expected an unsigned integer");
    p.seccomp_audit_arch = at(sc, "audit_arch").GetUint();
    if (!at(sc, "bpf").IsString()) return bad("/seccomp/bpf", "expected a hex string");
    auto raw = hex_decode(at(sc, "bpf").GetString());
    if (!raw) return bad("/seccomp/bpf", "not lower-case hex");
    if (!raw->empty()) {
        auto bpf = seccomp::deserialize(*raw);
        if (!bpf) return bad("/seccomp/bpf", bpf.error().what());
        if (bpf->insns.empty()) return bad("/seccomp/bpf", "a filter with no instructions");
    }
    p.seccomp_bpf.assign(raw->begin(), raw->end());

    // process
    const Value& pr = at(d, "process");
    if (auto r = rd.members(pr, "/process", {"no_new_privs", "run_as_uid", "run_as_gid"}); !r)
        return Unexpected<Error>{r.error()};
    if (!at(pr, "no_new_privs").IsBool()) return bad("/process/no_new_privs", "expected a boolean");
    p.no_new_privs = at(pr, "no_new_privs").GetBool();
    for (auto [k, out] :
         {std::pair{"run_as_uid", &p.run_as_uid}, std::pair{"run_as_gid", &p.run_as_gid}}) {
        const Value& v = at(pr, k);
        if (v.IsNull()) continue;
        // (uid_t)-1 means "unchanged" to setresuid: never a valid target.
        if (!v.IsUint() || v.GetUint() == UINT32_MAX)
            return bad(std::string("/process/") + k, "expected a uid/gid number or null");
        *out = v.GetUint();
    }

    // failure
    const Value& fl = at(d, "failure");
    if (auto r = rd.members(fl, "/failure", {"default", "kinds"}); !r)
        return Unexpected<Error>{r.error()};
    auto mode = at(fl, "default").IsString() ? failure::parse_mode(at(fl, "default").GetString())
                                             : std::nullopt;
    if (!mode) return bad("/failure/default", "expected strict, warn or skip");
    p.failure.default_mode = *mode;
    if (!at(fl, "kinds").IsObject()) return bad("/failure/kinds", "expected an object");
    for (auto it = at(fl, "kinds").MemberBegin(); it != at(fl, "kinds").MemberEnd(); ++it) {
        auto k = failure::parse_kind(it->name.GetString());
        auto m = it->value.IsString() ? failure::parse_mode(it->value.GetString()) : std::nullopt;
        if (!k || !m)
            return bad("/failure/kinds", std::string("bad entry \"") + it->name.GetString() + "\"");
        p.failure.kinds[*k] = *m;
    }

    // log
    const Value& lg = at(d, "log");
    if (auto r = rd.members(lg, "/log", {"exec_log_path", "level"}); !r)
        return Unexpected<Error>{r.error()};
    if (!at(lg, "exec_log_path").IsString()) return bad("/log/exec_log_path", "expected a string");
    p.exec_log_path = at(lg, "exec_log_path").GetString();
    if (!p.exec_log_path.empty() && !path::normalize(p.exec_log_path))
        return bad("/log/exec_log_path", "not an absolute path");
    auto level = at(lg, "level").IsString() ? report::parse_level(at(lg, "level").GetString())
                                            : std::nullopt;
    if (!level) return bad("/log/level", "expected debug, info, warning or error");
    p.log_level = *level;

    // degraded
    const Value& dg = at(d, "degraded");
    if (!dg.IsArray()) return bad("/degraded", "expected an array");
    for (rapidjson::SizeType i = 0; i < dg.Size(); ++i) {
        std::string ptr = "/degraded/" + std::to_string(i);
        if (auto r = rd.members(dg[i], ptr, {"kind", "what"}); !r)
            return Unexpected<Error>{r.error()};
        auto k = at(dg[i], "kind").IsString() ? failure::parse_kind(at(dg[i], "kind").GetString())
                                              : std::nullopt;
        if (!k || !at(dg[i], "what").IsString()) return bad(ptr, "expected {kind, what}");
        p.degraded.push_back({*k, at(dg[i], "what").GetString()});
    }
    return p;
}

Result<void> write_plan(int dirfd, const Plan& plan) {
    test_point::kill_at("plan.write_begin");
    if (auto r = file::write_atomic(dirfd, kPlanFileName, serialize(plan), 0644); !r)
        return wrap(r.error(), "write plan");
    return {};
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
