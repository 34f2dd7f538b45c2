// The policy document: parse and validate (collecting every problem, not only
// the first), and the built-in default.
#include "policy/document.hpp"

#include <array>
#include <limits>
#include <map>
#include <utility>

#include "policy/default_policy_text.hpp"  // generated from testdata/policy.default.json
#include "util/json.hpp"
#include "util/path.hpp"

namespace osh::policy {

namespace {

using rapidjson::Value;

template <typename Range>
std::string join_words(const Range& words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += ", ";
        out += w;
    }
    return out;
}

// "a, b, c" for the rights in `m`, in bit order.
std::string rights(AccessMask m) {
    std::vector<std::string_view> words;
    for (const auto& e : landlock::kAccessWords)
        if (m & bit(e.value)) words.push_back(e.word);
    return join_words(words);
}

std::string_view type_of(const Value& v) {
    if (v.IsNull()) return "null";
    if (v.IsBool()) return "a boolean";
    if (v.IsNumber()) return "a number";
    if (v.IsString()) return "a string";
    if (v.IsArray()) return "an array";
    return "an object";
}

std::string_view as_view(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string child(const std::string& ptr, std::string_view key) {
    return ptr + "/" + json::pointer_token(key);
}
std::string child(const std::string& ptr, size_t index) { return ptr + "/" + std::to_string(index); }

bool is_syscall_name(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// ^[a-z_][a-z0-9_-]*[$]?$ (the shadow-utils portable name rule).
bool is_account_name(std::string_view s) {
    if (s.empty()) return false;
    if (s.back() == '$') s.remove_suffix(1);
    if (s.empty()) return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

// Walks a document, filling a Policy and collecting every problem.
class Checker {
public:
    explicit Checker(std::string_view file) : file_(file) {}

    std::vector<Problem> problems;

    void report(std::string pointer, std::string message) {
        problems.push_back(Problem{file_, std::move(pointer), std::move(message)});
    }

    // Checks that `v` is an object whose fields are all in `allowed` (each
    // appears once: json::parse refuses duplicates); returns the fields by
    // name, or nullopt when `v` is not an object.
    std::optional<std::map<std::string, const Value*, std::less<>>> object(
        const Value& v, const std::string& ptr, std::initializer_list<std::string_view> allowed) {
        if (!v.IsObject()) {
            report(ptr, "expected an object, got " + std::string(type_of(v)));
            return std::nullopt;
        }
        std::map<std::string, const Value*, std::less<>> fields;
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            std::string key(as_view(it->name));
            bool known = false;
            for (auto a : allowed) known = known || a == key;
            if (!known) {
                report(child(ptr, key), "unknown field " + json::quote(key) + "; allowed: " +
                                            join_words(allowed));
                continue;
            }
            fields.emplace(key, &it->value);  // json::parse refused duplicates
        }
        return fields;
    }

    void boolean(const Value& v, const std::string& ptr, bool& out) {
        if (!v.IsBool()) {
            report(ptr, "expected a boolean (true or false), got " + std::string(type_of(v)));
            return;
        }
        out = v.GetBool();
    }

    template <typename E, size_t N>
    std::optional<E> word(const Value& v, const std::string& ptr,
                          const std::array<words::Entry<E>, N>& table) {
        if (!v.IsString()) {
            report(ptr, "expected a string (one of: " + words::list(table) + "), got " +
                            std::string(type_of(v)));
            return std::nullopt;
        }
        if (auto e = words::parse(table, as_view(v))) return e;
        report(ptr,
               "unknown value " + json::quote(as_view(v)) + "; allowed: " + words::list(table));
        return std::nullopt;
    }

    template <typename E, size_t N>
    void word(const Value& v, const std::string& ptr, const std::array<words::Entry<E>, N>& table,
              E& out) {
        if (auto e = word(v, ptr, table)) out = *e;
    }

    // An array, each element checked by `elem(value, pointer)`. Returns false
    // when `v` is not an array.
    template <typename F>
    bool array(const Value& v, const std::string& ptr, std::string_view what, F&& elem) {
        if (!v.IsArray()) {
            report(ptr, "expected an array of " + std::string(what) + ", got " + std::string(type_of(v)));
            return false;
        }
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i) elem(v[i], child(ptr, i));
        return true;
    }

    // An absolute, normalised path with no ".." component.
    std::optional<std::string> abs_path(const Value& v, const std::string& ptr) {
        if (!v.IsString()) {
            report(ptr, "expected a string (an absolute path), got " + std::string(type_of(v)));
            return std::nullopt;
        }
        std::string_view s = as_view(v);
        if (s.empty() || s.front() != '/') {
            report(ptr, "path " + json::quote(s) + " must be absolute (start with \"/\")");
            return std::nullopt;
        }
        auto n = path::normalize(s);
        if (!n) {
            report(ptr, "path " + json::quote(s) +
                            " must not contain a \"..\" component or a NUL byte; write the path it means");
            return std::nullopt;
        }
        return n;
    }

    void path_list(const Value& v, const std::string& ptr, std::vector<std::string>& out) {
        std::vector<std::string> paths;
        if (!array(v, ptr, "absolute paths", [&](const Value& e, const std::string& p) {
                if (auto n = abs_path(e, p)) paths.push_back(std::move(*n));
            }))
            return;
        out = std::move(paths);
    }

    // A list of names of one kind (`what`: "syscall"), each `valid`; `rule`
    // says what a valid one looks like.
    void names_of(const Value& v, const std::string& ptr, std::string_view what,
                  bool (*valid)(std::string_view), std::string_view rule,
                  std::vector<std::string>& out) {
        std::vector<std::string> names;
        if (!array(v, ptr, std::string(what) + " names", [&](const Value& e, const std::string& p) {
                if (!e.IsString()) {
                    report(p, "expected a string (a " + std::string(what) + " name), got " +
                                  std::string(type_of(e)));
                } else if (!valid(as_view(e))) {
                    report(p, "invalid " + std::string(what) + " name " + json::quote(as_view(e)) +
                                  "; " + std::string(rule));
                } else {
                    names.emplace_back(as_view(e));
                }
            }))
            return;
        out = std::move(names);
    }

    void name_list(const Value& v, const std::string& ptr, std::vector<std::string>& out) {
        names_of(v, ptr, "syscall", is_syscall_name,
                 "a name is made of a-z, 0-9 and _ (e.g. \"ptrace\")", out);
    }

    void policy_names(const Value& v, const std::string& ptr, std::vector<std::string>& out) {
        names_of(v, ptr, "policy", valid_policy_name,
                 "a name is [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, the file policies.d/NAME.json", out);
    }

    void port_list(const Value& v, const std::string& ptr, std::optional<std::vector<uint16_t>>& out) {
        std::vector<uint16_t> ports;
        if (!array(v, ptr, "TCP ports (integers 0..65535)", [&](const Value& e, const std::string& p) {
                if (e.IsInt64() && e.GetInt64() >= 0 && e.GetInt64() <= 65535) {
                    ports.push_back(static_cast<uint16_t>(e.GetInt64()));
                } else if (e.IsNumber()) {
                    report(p, "port must be an integer in 0..65535, got " + json::write(e));
                } else {
                    report(p, "expected a TCP port (an integer 0..65535), got " + std::string(type_of(e)));
                }
            }))
            return;
        out = std::move(ports);
    }

    void id_spec(const Value& v, const std::string& ptr, std::string_view what,
                 std::optional<IdSpec>& out) {
        // (uint32_t)-1 is "no change" to setresuid/setresgid, never a real id.
        constexpr uint64_t kMaxId = std::numeric_limits<uint32_t>::max() - 1;
        if (v.IsNull()) {
            out.reset();
        } else if (v.IsUint64() && v.GetUint64() <= kMaxId) {
            out = static_cast<uint32_t>(v.GetUint64());
        } else if (v.IsNumber()) {
            report(ptr, std::string(what) + " id must be an integer in 0.." + std::to_string(kMaxId) +
                            ", got " + json::write(v));
        } else if (v.IsString()) {
            if (is_account_name(as_view(v))) {
                out = std::string(as_view(v));
            } else {
                report(ptr, "invalid " + std::string(what) + " name " + json::quote(as_view(v)) +
                                "; a name matches ^[a-z_][a-z0-9_-]*[$]?$ (write a numeric id as a "
                                "number, without quotes)");
            }
        } else {
            report(ptr, "expected null, a non-negative integer or a " + std::string(what) +
                            " name, got " + std::string(type_of(v)));
        }
    }

    // ---- sections --------------------------------------------------------

    void filesystem(const Value& v, const std::string& ptr, FilesystemPolicy& fs) {
        auto f = object(v, ptr, {"read_only", "read_write", "rules", "include_workdir", "baseline"});
        if (!f) return;
        if (auto it = f->find("read_only"); it != f->end())
            path_list(*it->second, child(ptr, "read_only"), fs.read_only);
        if (auto it = f->find("read_write"); it != f->end()) {
            std::vector<std::string> paths;
            if (array(*it->second, child(ptr, "read_write"), "absolute paths",
                      [&](const Value& e, const std::string& p) {
                          auto n = abs_path(e, p);
                          if (n && *n == "/")
                              report(p, "\"/\" cannot be read_write: it would make the whole container "
                                        "writable; list the directories the workload writes instead");
                          else if (n)
                              paths.push_back(std::move(*n));
                      }))
                fs.read_write = std::move(paths);
        }
        if (auto it = f->find("rules"); it != f->end()) {
            std::vector<FsRule> rules;
            if (array(*it->second, child(ptr, "rules"), "rules ({\"path\", \"access\"} objects)",
                      [&](const Value& e, const std::string& p) {
                          if (auto r = rule(e, p)) rules.push_back(std::move(*r));
                      }))
                fs.rules = std::move(rules);
        }
        if (auto it = f->find("include_workdir"); it != f->end())
            boolean(*it->second, child(ptr, "include_workdir"), fs.include_workdir);
        if (auto it = f->find("baseline"); it != f->end())
            boolean(*it->second, child(ptr, "baseline"), fs.baseline);
    }

    std::optional<FsRule> rule(const Value& v, const std::string& ptr) {
        auto f = object(v, ptr, {"path", "access"});
        if (!f) return std::nullopt;
        FsRule r;
        bool ok = true;
        auto p = f->find("path");
        if (p == f->end()) {
            report(child(ptr, "path"), "required field \"path\" is missing (an absolute path)");
            ok = false;
        } else if (auto n = abs_path(*p->second, child(ptr, "path"))) {
            r.path = std::move(*n);
        } else {
            ok = false;
        }
        auto a = f->find("access");
        std::string ap = child(ptr, "access");
        if (a == f->end()) {
            report(ap, "required field \"access\" is missing (a list of: " +
                           words::list(landlock::kAccessWords) + ")");
            return std::nullopt;
        }
        bool words_ok = true;
        if (!array(*a->second, ap, "access rights", [&](const Value& e, const std::string& ep) {
                if (!e.IsString()) {
                    report(ep, "expected a string (an access right), got " + std::string(type_of(e)));
                    words_ok = false;
                } else if (auto acc = landlock::parse_access(as_view(e))) {
                    r.access |= bit(*acc);
                } else {
                    report(ep, "unknown value " + json::quote(as_view(e)) +
                                   "; allowed: " + words::list(landlock::kAccessWords));
                    words_ok = false;
                }
            }))
            return std::nullopt;
        if (words_ok && a->second->Size() == 0) {
            report(ap, "a rule must grant at least one right; allowed: " +
                           words::list(landlock::kAccessWords));
            return std::nullopt;
        }
        if (!ok || !words_ok) return std::nullopt;
        if (r.path == "/" && (r.access & ~kReadOnly) != 0) {
            report(ap, "a rule on \"/\" may grant only read-only rights (" + rights(kReadOnly) +
                           "); refused: " + rights(r.access & ~kReadOnly));
            return std::nullopt;
        }
        return r;
    }

    void gpu(const Value& v, const std::string& ptr, GpuPolicy& g) {
        auto f = object(v, ptr, {"detect", "proc_access", "promotion"});
        if (!f) return;
        if (auto it = f->find("detect"); it != f->end())
            word(*it->second, child(ptr, "detect"), gpu::kDetectModeWords, g.detect);
        if (auto it = f->find("proc_access"); it != f->end())
            word(*it->second, child(ptr, "proc_access"), kProcAccessWords, g.proc_access);
        if (auto it = f->find("promotion"); it != f->end()) {
            std::string pp = child(ptr, "promotion");
            auto pf = object(*it->second, pp, {"mode", "allow"});
            if (!pf) return;
            if (auto m = pf->find("mode"); m != pf->end())
                word(*m->second, child(pp, "mode"), kPromotionModeWords, g.promotion);
            if (auto al = pf->find("allow"); al != pf->end()) {
                std::vector<std::string> globs;
                if (array(*al->second, child(pp, "allow"), "absolute paths or globs",
                          [&](const Value& e, const std::string& ep) {
                              if (auto n = abs_path(e, ep)) globs.push_back(std::move(*n));
                          }))
                    g.allow = std::move(globs);
            }
        }
    }

    void landlock(const Value& v, const std::string& ptr, LandlockPolicy& l) {
        auto f = object(v, ptr, {"compatibility", "network", "scope"});
        if (!f) return;
        if (auto it = f->find("compatibility"); it != f->end())
            word(*it->second, child(ptr, "compatibility"), landlock::kCompatibilityWords,
                 l.compatibility);
        if (auto it = f->find("network"); it != f->end()) {
            std::string np = child(ptr, "network");
            if (auto nf = object(*it->second, np, {"bind_tcp", "connect_tcp"})) {
                if (auto b = nf->find("bind_tcp"); b != nf->end())
                    port_list(*b->second, child(np, "bind_tcp"), l.bind_tcp);
                if (auto c = nf->find("connect_tcp"); c != nf->end())
                    port_list(*c->second, child(np, "connect_tcp"), l.connect_tcp);
            }
        }
        if (auto it = f->find("scope"); it != f->end()) {
            std::vector<landlock::Scope> scopes;
            if (array(*it->second, child(ptr, "scope"),
                      "scope words (" + words::list(landlock::kScopeWords) + ")",
                      [&](const Value& e, const std::string& ep) {
                          if (auto s = word(e, ep, landlock::kScopeWords)) scopes.push_back(*s);
                      }))
                l.scope = std::move(scopes);
        }
    }

    void seccomp(const Value& v, const std::string& ptr, seccomp::Settings& s) {
        auto f = object(v, ptr, {"profile", "deny", "allow", "action", "allow_i386"});
        if (!f) return;
        if (auto it = f->find("profile"); it != f->end())
            word(*it->second, child(ptr, "profile"), seccomp::kProfileWords, s.profile);
        if (auto it = f->find("deny"); it != f->end()) name_list(*it->second, child(ptr, "deny"), s.deny);
        if (auto it = f->find("allow"); it != f->end()) name_list(*it->second, child(ptr, "allow"), s.allow);
        if (auto it = f->find("action"); it != f->end())
            word(*it->second, child(ptr, "action"), seccomp::kActionWords, s.action);
        if (auto it = f->find("allow_i386"); it != f->end())
            boolean(*it->second, child(ptr, "allow_i386"), s.allow_i386);
    }

    void process(const Value& v, const std::string& ptr, ProcessPolicy& p) {
        auto f = object(v, ptr, {"no_new_privs", "run_as_user", "run_as_group"});
        if (!f) return;
        if (auto it = f->find("no_new_privs"); it != f->end())
            boolean(*it->second, child(ptr, "no_new_privs"), p.no_new_privs);
        if (auto it = f->find("run_as_user"); it != f->end())
            id_spec(*it->second, child(ptr, "run_as_user"), "user", p.run_as_user);
        if (auto it = f->find("run_as_group"); it != f->end())
            id_spec(*it->second, child(ptr, "run_as_group"), "group", p.run_as_group);
    }

    void network(const Value& v, const std::string& ptr, NetworkPolicy& n) {
        auto f = object(v, ptr, {"require_private_netns"});
        if (!f) return;
        if (auto it = f->find("require_private_netns"); it != f->end())
            boolean(*it->second, child(ptr, "require_private_netns"), n.require_private_netns);
    }

    void failure_modes(const Value& v, const std::string& ptr, failure::Modes& m) {
        auto f = object(v, ptr, {"default", "kinds"});
        if (!f) return;
        if (auto it = f->find("default"); it != f->end())
            word(*it->second, child(ptr, "default"), failure::kModeWords, m.default_mode);
        if (auto it = f->find("kinds"); it != f->end()) {
            std::string kp = child(ptr, "kinds");
            const Value& kv = *it->second;
            if (!kv.IsObject()) {
                report(kp, "expected an object (failure kind -> strict|warn|skip), got " +
                               std::string(type_of(kv)));
                return;
            }
            for (auto k = kv.MemberBegin(); k != kv.MemberEnd(); ++k) {
                std::string ep = child(kp, as_view(k->name));
                auto kind = failure::parse_kind(as_view(k->name));
                if (!kind) {
                    report(ep, "unknown failure kind " + json::quote(as_view(k->name)) +
                                   "; allowed: " + words::list(failure::kKindWords));
                    continue;
                }
                if (auto mode = word(k->value, ep, failure::kModeWords))
                    m.kinds.emplace(*kind, *mode);
            }
        }
    }

    void log(const Value& v, const std::string& ptr, LogPolicy& l) {
        auto f = object(v, ptr, {"path", "level"});
        if (!f) return;
        if (auto it = f->find("path"); it != f->end()) {
            if (auto n = abs_path(*it->second, child(ptr, "path"))) {
                if (*n == "/") report(child(ptr, "path"), "log path must name a file, not \"/\"");
                else l.path = std::move(*n);
            }
        }
        if (auto it = f->find("level"); it != f->end())
            word(*it->second, child(ptr, "level"), report::kLevelWords, l.level);
    }

    void document(const Value& v, Policy& p) {
        auto f = object(v, "", {"version", "selectable", "filesystem", "gpu", "landlock", "seccomp",
                                "process", "network", "failure", "log"});
        if (!f) return;
        auto ver = f->find("version");
        if (ver == f->end()) {
            report("/version", "required field \"version\" is missing; allowed: 1");
        } else if (!ver->second->IsInt64() || ver->second->GetInt64() != 1) {
            report("/version", "unsupported version " + json::write(*ver->second) + "; allowed: 1");
        }
        if (auto it = f->find("selectable"); it != f->end())
            policy_names(*it->second, "/selectable", p.selectable);
        if (auto it = f->find("filesystem"); it != f->end()) filesystem(*it->second, "/filesystem", p.filesystem);
        if (auto it = f->find("gpu"); it != f->end()) gpu(*it->second, "/gpu", p.gpu);
        if (auto it = f->find("landlock"); it != f->end()) landlock(*it->second, "/landlock", p.landlock);
        if (auto it = f->find("seccomp"); it != f->end()) seccomp(*it->second, "/seccomp", p.seccomp);
        if (auto it = f->find("process"); it != f->end()) process(*it->second, "/process", p.process);
        if (auto it = f->find("network"); it != f->end()) network(*it->second, "/network", p.network);
        if (auto it = f->find("failure"); it != f->end()) failure_modes(*it->second, "/failure", p.failure);
        if (auto it = f->find("log"); it != f->end()) log(*it->second, "/log", p.log);
    }

private:
    std::string file_;
};

}  // namespace

std::string Problem::to_string() const {
    if (pointer.empty()) return file + ": " + message;
    return file + ": " + pointer + ": " + message;
}

Expected<Policy, std::vector<Problem>> parse_policy(std::string_view text, std::string_view file) {
    auto doc = json::parse_parts(text);
    if (!doc)
        return unexpected(std::vector<Problem>{Problem{
            std::string(file), std::move(doc.error().pointer), std::move(doc.error().message)}});
    Checker c(file);
    Policy p;
    c.document(*doc, p);
    if (!c.problems.empty()) return unexpected(std::move(c.problems));
    return p;
}

std::string_view default_policy_text() { return kDefaultPolicyText; }

bool valid_policy_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name.find("..") != std::string_view::npos) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum) continue;
        if (i > 0 && (c == '_' || c == '.' || c == '-')) continue;
        return false;
    }
    return true;
}

}  // namespace osh::policy
