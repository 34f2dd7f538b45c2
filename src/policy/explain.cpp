// explain: the effective policy as an operator reads it (text) and as a tool
// reads it (JSON). Same content in both; docs/explain.md describes the layout.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "policy/document.hpp"
#include "policy/effective.hpp"
#include "report/event.hpp"
#include "seccomp/profile.hpp"
#include "util/json.hpp"

namespace osh::policy {

namespace {

// "ro", "rw", "rw+ioctl_dev", "ro+write_file+truncate", else the full list.
// The file variants (rights a file can hold) read the same as the directory
// sets, for a mask with file rights alone: a directory's ro+write_file+truncate
// is not "rw".
std::string short_access(AccessMask m) {
    if (m == 0) return "none";
    struct Base {
        AccessMask mask;
        const char* name;
        bool file_only;
    };
    const Base bases[] = {{kReadWrite, "rw", false},
                          {kReadWrite & kFileRights, "rw", true},
                          {kReadOnly, "ro", false},
                          {kReadOnly & kFileRights, "ro", true}};
    for (const auto& b : bases) {
        if ((m & b.mask) != b.mask || (b.file_only && (m & ~kFileRights))) continue;
        std::string out = b.name;
        AccessMask extra = m & ~b.mask;
        for (const auto& e : landlock::kAccessWords)
            if (extra & bit(e.value)) out += "+" + std::string(e.word);
        return out;
    }
    return describe(m);
}

std::string_view symbol(ChangeAction a) {
    return words::of(kChangeActionSymbols, a);
}

std::string ports(const std::optional<std::vector<uint16_t>>& p) {
    if (!p) return "not restricted";
    if (p->empty()) return "none allowed";
    std::string out;
    for (auto v : *p) out += (out.empty() ? "" : ",") + std::to_string(v);
    return out;
}

std::string id_text(const std::optional<IdSpec>& id) {
    if (!id) return "unchanged";
    if (const auto* n = std::get_if<uint32_t>(&*id)) return std::to_string(*n);
    return std::get<std::string>(*id);
}

// The default seccomp profile's groups: unconditional calls and, apart, the
// calls allowed only under conditions.
struct SeccompGroup {
    std::string_view name, reason;
    std::vector<std::string_view> calls;
    std::vector<const seccomp::AllowEntry*> conditional;
};

// One pass over the allow-list (the hook writes this into every container's
// effective policy); the list keeps a group's entries together, so a group
// is looked up only where the list moves on to another.
std::vector<SeccompGroup> seccomp_groups() {
    std::vector<SeccompGroup> out;
    const auto groups = seccomp::allow_groups();
    out.reserve(groups.size());
    for (const auto& g : groups) out.push_back(SeccompGroup{g.name, g.reason, {}, {}});
    SeccompGroup* at = nullptr;
    for (const auto& e : seccomp::allow_list()) {
        if (!at || at->name != e.group) {
            auto it = std::find_if(out.begin(), out.end(),
                                   [&](const SeccompGroup& g) { return g.name == e.group; });
            if (it == out.end()) continue;  // a group the table does not name: not listed
            at = &*it;
        }
        if (e.conds.empty()) {
            at->calls.push_back(e.syscall);
        } else {
            at->conditional.push_back(&e);
        }
    }
    return out;
}

// The profile's refusals checked before the allow-list (conditions or an errno of their own).
std::vector<const seccomp::Refusal*> seccomp_refused_first() {
    std::vector<const seccomp::Refusal*> out;
    for (const auto& r : seccomp::refusals())
        if (!r.conds.empty() || r.errno_override != 0) out.push_back(&r);
    return out;
}

std::string list_text(const std::vector<std::string>& v) {
    if (v.empty()) return "-";
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

}  // namespace

namespace {
// What no dry run can see: which wiring the engine uses for `exec`.
constexpr const char* kExecNote =
    "a process started with `runtime exec` (docker/kubectl/podman exec) is confined only "
    "when the engine calls oci-sandbox-runtime (the shim); with hooks.d or precreate wiring "
    "alone the runtime runs no hook for exec and such a process runs unconfined";
}  // namespace

std::string verdict_text(const Verdict& v) {
    std::ostringstream o;
    if (!v.plans) {
        o << "Verdict: the hook would REFUSE this container.\n";
    } else {
        o << "Verdict: the hook would plan this container: " << v.status << ".\n";
    }
    for (const auto& it : v.items) {
        o << "  " << (it.kind ? std::string(failure::name(*it.kind)) : std::string("refused")) << " ("
          << (it.kind ? std::string(failure::name(it.mode)) : std::string("always strict"))
          << "): " << it.message << "\n";
        if (it.decision == failure::Decision::abort) {
            if (it.kind && it.message.find("Fix: ") == std::string::npos)
                o << "    fix: " << failure::fix_hint(*it.kind) << "\n";
        } else {
            o << "    not enforced: " << it.lost << "\n";
        }
    }
    for (const auto& u : v.unchecked) o << "  not checked by a dry run: " << u << "\n";
    o << "  exec: " << kExecNote << "\n";
    return o.str();
}

std::string explain_text(const EffectivePolicy& eff, const Verdict* verdict) {
    std::ostringstream o;
    const auto& g = eff.gpu;
    const auto& src = eff.source;

    o << "GPU: " << (g.gpu ? "yes" : "no");
    if (!g.vendors.empty()) o << " (" << list_text(g.vendors) << ")";
    o << "\n  why: " << g.reason << "\n";
    o << "  gpu.detect=" << name(src.gpu.detect) << "  proc_access=" << name(src.gpu.proc_access)
      << "  promotion=" << name(src.gpu.promotion) << " allow=" << list_text(src.gpu.allow) << "\n";
    if (g.evidence.empty()) {
        o << "  evidence: none\n";
    } else {
        o << "  evidence:\n";
        for (const auto& e : g.evidence) {
            o << "    " << e.origin;
            if (!e.device_path.empty()) o << "  " << e.device_path;
            o << "  (" << e.vendor << ")";
            if (e.node)
                o << "  accelerator node";
            else
                o << "  claim: " << e.note;
            o << "\n";
        }
    }

    size_t pw = 4, rw = 6;
    for (const auto& r : eff.rules) {
        pw = std::max(pw, std::min<size_t>(r.path.size(), 40));
        rw = std::max(rw, short_access(r.access).size());
    }
    o << "\nFilesystem (" << eff.rules.size() << " rules; Landlock compatibility "
      << name(src.landlock.compatibility) << "):\n";
    auto pad = [](std::string s, size_t w) {
        if (s.size() < w) s.append(w - s.size(), ' ');
        return s;
    };
    o << "  " << pad("PATH", pw) << "  " << pad("RIGHTS", rw) << "  ORIGIN\n";
    for (const auto& r : eff.rules)
        o << "  " << pad(r.path, pw) << "  " << pad(short_access(r.access), rw) << "  " << r.origin
          << (r.gpu_device ? " [gpu device]" : "") << "\n";

    const auto& ll = src.landlock;
    o << "\nNetwork: bind_tcp " << ports(ll.bind_tcp) << "; connect_tcp " << ports(ll.connect_tcp)
      << "; private netns " << (src.network.require_private_netns ? "required" : "not required")
      << "\n";
    o << "Scope: ";
    if (!ll.scope) {
        o << "not restricted\n";
    } else {
        std::vector<std::string> s;
        for (auto v : *ll.scope) s.emplace_back(name(v));
        o << (s.empty() ? "none" : list_text(s)) << "\n";
    }

    const auto& sc = src.seccomp;
    o << "Seccomp: profile " << name(sc.profile) << ", action " << name(sc.action) << ", deny "
      << list_text(sc.deny) << ", allow " << list_text(sc.allow) << ", i386 "
      << (sc.allow_i386 ? "allowed" : "refused") << "\n";
    if (sc.profile == seccomp::Profile::default_) {
        o << "  allow-list: a call it does not name gets the action; a call numbered above "
          << seccomp::newest_known_number() << " gets ENOSYS\n";
        for (const auto& group : seccomp_groups()) {
            o << "  allow " << group.name << " (" << group.calls.size();
            std::vector<std::string> cond;
            for (const auto* e : group.conditional)
                if (std::find(cond.begin(), cond.end(), e->syscall) == cond.end())
                    cond.emplace_back(e->syscall);
            if (!cond.empty()) o << ", and with conditions: " << list_text(cond);
            o << "): " << group.reason << "\n";
        }
        for (const auto* r : seccomp_refused_first()) {
            o << "  refuse first: " << r->syscall << ", "
              << (r->condition.empty() ? "always" : r->condition);
            if (r->errno_override != 0)
                o << ", answered "
                  << (r->errno_override == ENOSYS ? std::string("ENOSYS")
                                                  : "errno " + std::to_string(r->errno_override));
            o << "\n";
        }
    }
    if (eff.seccomp_relaxations.empty()) {
        o << "  relaxations: none\n";
    } else {
        for (const auto& [sys, why] : eff.seccomp_relaxations)
            o << "  relaxation: allow " << sys << " (" << why << ")\n";
    }
    o << "Process: no_new_privs " << (src.process.no_new_privs ? "yes" : "no") << ", user "
      << id_text(src.process.run_as_user) << ", group " << id_text(src.process.run_as_group)
      << "\n";

    o << "Failure modes: default " << failure::name(src.failure.default_mode);
    if (src.failure.kinds.empty()) {
        o << ", no overrides\n";
    } else {
        o << "; overrides:";
        for (const auto& [k, m] : src.failure.kinds)
            o << " " << failure::name(k) << "=" << failure::name(m);
        o << "\n";
    }

    o << "\nChanges (" << eff.changes.size()
      << "; + added, ^ promoted, - skipped, x rejected, ! note):\n";
    if (eff.changes.empty()) o << "  none\n";
    for (const auto& c : eff.changes) {
        o << "  " << symbol(c.action) << " ";
        if (!c.path.empty()) {
            o << c.path << " ";
            if (c.action == ChangeAction::promoted || c.action == ChangeAction::rejected)
                o << short_access(c.before) << " -> " << short_access(c.after) << "  ";
            else if (c.action == ChangeAction::added)
                o << short_access(c.after) << "  ";
            else
                o << " ";
        }
        o << c.reason << "\n";
    }
    if (verdict) o << "\n" << verdict_text(*verdict);
    return o.str();
}

namespace {

template <typename W>
void access_array(W& w, AccessMask m) {
    w.StartArray();
    for (const auto& e : landlock::kAccessWords)
        if (m & bit(e.value)) json::put(w, e.word);
    w.EndArray();
}

template <typename W>
void id_json(W& w, const std::optional<IdSpec>& id) {
    if (!id)
        w.Null();
    else if (const auto* n = std::get_if<uint32_t>(&*id))
        w.Uint(*n);
    else
        json::put(w, std::get<std::string>(*id));
}

template <typename W>
void write_verdict(W& w, const Verdict& v) {
    w.StartObject();
    w.Key("plans");
    w.Bool(v.plans);
    w.Key("status");
    if (v.status.empty())
        w.Null();
    else
        json::put(w, v.status);
    w.Key("findings");
    w.StartArray();
    for (const auto& it : v.items) {
        w.StartObject();
        w.Key("kind");
        if (it.kind)
            json::put(w, failure::name(*it.kind));
        else
            w.Null();
        w.Key("mode");
        json::put(w, failure::name(it.mode));
        w.Key("decision");
        json::put(w, report::name(report::decision_of(it.decision)));
        w.Key("message");
        json::put(w, it.message);
        w.Key("not_enforced");
        json::put(w, it.lost);
        w.EndObject();
    }
    w.EndArray();
    w.Key("unchecked");
    json::put(w, v.unchecked);
    w.Key("exec");
    json::put(w, kExecNote);
    w.EndObject();
}

template <typename W>
void write_json(W& w, const EffectivePolicy& eff, const Verdict* verdict) {
    const auto& g = eff.gpu;
    const auto& src = eff.source;
    w.StartObject();
    w.Key("gpu");
    w.StartObject();
    w.Key("detected");
    w.Bool(g.gpu);
    w.Key("vendors");
    json::put(w, g.vendors);
    w.Key("reason");
    json::put(w, g.reason);
    w.Key("detect");
    json::put(w, name(src.gpu.detect));
    w.Key("proc_access");
    json::put(w, name(src.gpu.proc_access));
    w.Key("promotion");
    w.StartObject();
    w.Key("mode");
    json::put(w, name(src.gpu.promotion));
    w.Key("allow");
    json::put(w, src.gpu.allow);
    w.EndObject();
    w.Key("device_nodes");
    json::put(w, g.device_nodes);
    w.Key("evidence");
    w.StartArray();
    for (const auto& e : g.evidence) {
        w.StartObject();
        w.Key("source");
        json::put(w, gpu::name(e.source));
        w.Key("vendor");
        json::put(w, e.vendor);
        w.Key("origin");
        json::put(w, e.origin);
        w.Key("device_path");
        if (e.device_path.empty())
            w.Null();
        else
            json::put(w, e.device_path);
        w.Key("accelerator_node");
        w.Bool(e.node);
        w.Key("note");
        json::put(w, e.note);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    w.Key("filesystem");
    w.StartArray();
    for (const auto& r : eff.rules) {
        w.StartObject();
        w.Key("path");
        json::put(w, r.path);
        w.Key("access");
        access_array(w, r.access);
        w.Key("short");
        json::put(w, short_access(r.access));
        w.Key("origin");
        json::put(w, r.origin);
        w.Key("gpu_device");
        w.Bool(r.gpu_device);
        w.EndObject();
    }
    w.EndArray();

    const auto& ll = src.landlock;
    w.Key("landlock");
    w.StartObject();
    w.Key("compatibility");
    json::put(w, name(ll.compatibility));
    w.Key("bind_tcp");
    json::put(w, ll.bind_tcp);
    w.Key("connect_tcp");
    json::put(w, ll.connect_tcp);
    w.Key("scope");
    if (!ll.scope) {
        w.Null();
    } else {
        w.StartArray();
        for (auto s : *ll.scope) json::put(w, name(s));
        w.EndArray();
    }
    w.EndObject();
    w.Key("network");
    w.StartObject();
    w.Key("require_private_netns");
    w.Bool(src.network.require_private_netns);
    w.EndObject();

    const auto& sc = src.seccomp;
    w.Key("seccomp");
    w.StartObject();
    w.Key("profile");
    json::put(w, name(sc.profile));
    w.Key("action");
    json::put(w, name(sc.action));
    w.Key("deny");
    json::put(w, sc.deny);
    w.Key("allow");
    json::put(w, sc.allow);
    w.Key("allow_i386");
    w.Bool(sc.allow_i386);
    const bool allow_list = sc.profile == seccomp::Profile::default_;
    w.Key("allow_list");
    w.Bool(allow_list);
    w.Key("enosys_above");
    if (allow_list) {
        w.Int(seccomp::newest_known_number());
    } else {
        w.Null();
    }
    w.Key("groups");
    w.StartArray();
    for (const auto& group : allow_list ? seccomp_groups() : std::vector<SeccompGroup>{}) {
        w.StartObject();
        w.Key("name");
        json::put(w, group.name);
        w.Key("reason");
        json::put(w, group.reason);
        w.Key("syscalls");
        json::put(w, group.calls);
        w.Key("conditional");
        w.StartArray();
        for (const auto* e : group.conditional) {
            w.StartObject();
            w.Key("syscall");
            json::put(w, e->syscall);
            w.Key("condition");
            json::put(w, e->condition);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    w.Key("refused_first");
    w.StartArray();
    for (const auto* r :
         allow_list ? seccomp_refused_first() : std::vector<const seccomp::Refusal*>{}) {
        w.StartObject();
        w.Key("syscall");
        json::put(w, r->syscall);
        w.Key("condition");
        json::put(w, r->condition);
        w.Key("errno");
        if (r->errno_override != 0) {
            w.Int(r->errno_override);
        } else {
            w.Null();
        }
        w.Key("reason");
        json::put(w, r->reason);
        w.EndObject();
    }
    w.EndArray();
    w.Key("relaxations");
    w.StartArray();
    for (const auto& [sys, why] : eff.seccomp_relaxations) {
        w.StartObject();
        w.Key("syscall");
        json::put(w, sys);
        w.Key("reason");
        json::put(w, why);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    w.Key("process");
    w.StartObject();
    w.Key("no_new_privs");
    w.Bool(src.process.no_new_privs);
    w.Key("run_as_user");
    id_json(w, src.process.run_as_user);
    w.Key("run_as_group");
    id_json(w, src.process.run_as_group);
    w.EndObject();

    w.Key("failure");
    w.StartObject();
    w.Key("default");
    json::put(w, failure::name(src.failure.default_mode));
    w.Key("kinds");
    w.StartObject();
    for (const auto& [k, m] : src.failure.kinds) {
        json::key(w, failure::name(k));
        json::put(w, failure::name(m));
    }
    w.EndObject();
    w.EndObject();

    w.Key("changes");
    w.StartArray();
    for (const auto& c : eff.changes) {
        w.StartObject();
        w.Key("action");
        json::put(w, name(c.action));
        w.Key("path");
        if (c.path.empty())
            w.Null();
        else
            json::put(w, c.path);
        w.Key("before");
        access_array(w, c.before);
        w.Key("after");
        access_array(w, c.after);
        w.Key("reason");
        json::put(w, c.reason);
        w.EndObject();
    }
    w.EndArray();
    if (verdict) {
        w.Key("verdict");
        write_verdict(w, *verdict);
    }
    w.EndObject();
}

}  // namespace

std::string explain_json(const EffectivePolicy& eff, bool pretty, const Verdict* verdict) {
    // Room for the default policy's (~22 KB) in one allocation.
    rapidjson::StringBuffer buf(nullptr, 32 * 1024);
    if (pretty) {
        rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
        w.SetIndent(' ', 2);
        write_json(w, eff, verdict);
    } else {
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        write_json(w, eff, verdict);
    }
    std::string out;
    out.reserve(buf.GetSize() + 1);  // the newline a file of it ends with, without a copy
    out.append(buf.GetString(), buf.GetSize());
    if (pretty) out += "\n";
    return out;
}

}  // namespace osh::policy
