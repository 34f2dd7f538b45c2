#include "oci/spec_edit.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "oci/spec.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "util/path.hpp"

namespace osh::oci {

namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

constexpr const char* kProgramName = "oci-sandbox-hook";

Value str(std::string_view s, Alloc& a) {
    return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

bool is_string(const Value& v, std::string_view s) {
    return v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == s;
}

Value string_array(const std::vector<std::string>& items, Alloc& a) {
    Value arr(rapidjson::kArrayType);
    for (const auto& s : items) arr.PushBack(str(s, a), a);
    return arr;
}

// Ensures `obj[key]` is a container of `type`, creating it at the end (or
// replacing a null); a member of another type is an error naming `ptr`, and
// so is one spelled in another letter case (Go would read it as `key`, and
// the one added here beside it).
Result<Value*> child_container(Value& obj, const char* key, rapidjson::Type type,
                               const std::string& ptr, std::string_view origin, Alloc& a,
                               bool& changed) {
    auto it = obj.FindMember(key);
    for (auto m = obj.MemberBegin(); it == obj.MemberEnd() && m != obj.MemberEnd(); ++m)
        if (json::same_go_field({m->name.GetString(), m->name.GetStringLength()}, key))
            return fail(std::string(origin) + ": " + ptr + ": spelled " +
                        json::quote({m->name.GetString(), m->name.GetStringLength()}) +
                        " (Go's decoder, in runc and containerd, reads it as " + json::quote(key) +
                        ")");
    if (it == obj.MemberEnd()) {
        obj.AddMember(Value(key, a), Value(type), a);
        changed = true;
        return &obj[key];
    }
    if (it->value.IsNull()) {
        it->value = Value(type);
        changed = true;
        return &it->value;
    }
    if (it->value.GetType() != type)
        return fail(std::string(origin) + ": " + ptr + ": expected " +
                    (type == rapidjson::kArrayType ? "an array" : "an object"));
    return &it->value;
}

bool absolute_clean(const std::string& p) {
    return !p.empty() && p[0] == '/' && p.find('\0') == std::string::npos;
}

// Puts `desired` into `arr` exactly once, after everything else: every
// element `ours` matches is erased (order of the rest kept). An array that
// already ends with `desired` as its only match is left as it is.
template <typename Pred>
void place_last(Value& arr, Value&& desired, Pred ours, Alloc& a, bool& changed) {
    size_t matches = 0;
    for (auto it = arr.Begin(); it != arr.End(); ++it)
        if (ours(*it)) ++matches;
    if (matches == 1 && !arr.Empty() && arr[arr.Size() - 1] == desired) return;
    for (auto it = arr.Begin(); it != arr.End();) {
        if (!ours(*it)) {
            ++it;
            continue;
        }
        it = arr.Erase(it);
    }
    arr.PushBack(desired, a);
    changed = true;
}

Value hook_value(const EditParams& p, const char* stage, Alloc& a) {
    std::vector<std::string> args = {kProgramName, "hook",       "--stage",
                                     stage,        "--enforcer", p.host_enforcer};
    args.insert(args.end(), p.hook_args.begin(), p.hook_args.end());
    Value h(rapidjson::kObjectType);
    h.AddMember("path", str(p.host_binary, a), a);
    h.AddMember("args", string_array(args, a), a);
    return h;
}

Value mount_value(const std::string& dest, const char* type, const std::string& source,
                  std::vector<std::string> options, Alloc& a) {
    Value m(rapidjson::kObjectType);
    m.AddMember("destination", str(dest, a), a);
    m.AddMember("type", rapidjson::StringRef(type), a);
    m.AddMember("source", str(source, a), a);
    m.AddMember("options", string_array(options, a), a);
    return m;
}

// Puts the enforcer prefix in front of `process.args` (a command already
// wrapped by an enforcer invocation is rewrapped with this one's). `ptr` is
// the JSON Pointer of the process object for errors.
Result<bool> wrap_command(Value& process, const EditParams& p, const std::string& ptr,
                          const std::string& o, Alloc& a) {
    if (!process.IsObject()) return fail(o + ": " + ptr + ": expected an object");
    auto args_it = process.FindMember("args");
    if (args_it == process.MemberEnd() || args_it->value.IsNull())
        return fail(o + ": " + ptr + "/args: missing (no command to run under the sandbox)");
    Value& args = args_it->value;
    if (!args.IsArray()) return fail(o + ": " + ptr + "/args: expected an array of strings");
    for (rapidjson::SizeType i = 0; i < args.Size(); ++i)
        if (!args[i].IsString())
            return fail(o + ": " + ptr + "/args/" + std::to_string(i) + ": expected a string");
    if (args.Empty())
        return fail(o + ": " + ptr + "/args: empty (no command to run under the sandbox)");

    const std::vector<std::string> prefix = enforcer_prefix(p);
    rapidjson::SizeType cmd_start = 0;  // index of the wrapped command
    if (args.Size() >= 2 && is_string(args[0], p.container_enforcer) &&
        is_string(args[1], "exec")) {
        // Already wrapped: the command starts where the enforcer takes it
        // (an option's value may be "--").
        std::vector<std::string> words;
        for (const auto& v : args.GetArray()) words.emplace_back(v.GetString(), v.GetStringLength());
        const auto w = wrapped_by_enforcer(words, p.container_enforcer);
        if (!w)
            return fail(o + ": " + ptr + "/args: starts with " + json::quote(p.container_enforcer) +
                        " exec but has no \"--\" before the command");
        cmd_start = static_cast<rapidjson::SizeType>(w->command_at);
    }
    if (cmd_start >= args.Size())
        return fail(o + ": " + ptr + "/args: the enforcer wraps no command (nothing after \"--\")");
    bool prefix_ok = cmd_start == prefix.size();
    for (size_t i = 0; prefix_ok && i < prefix.size(); ++i)
        prefix_ok = is_string(args[static_cast<rapidjson::SizeType>(i)], prefix[i]);
    if (prefix_ok) return false;
    Value wrapped = string_array(prefix, a);
    for (rapidjson::SizeType i = cmd_start; i < args.Size(); ++i) wrapped.PushBack(args[i], a);
    args = wrapped;
    return true;
}

// Puts a startContainer hook under the enforcer: its path resolves in the
// container (the image's file) and it runs there before the workload, so
// it is a process entering the container like any other. The hook becomes
// the enforcer, its command the original path and arguments (argv[0] is
// the path). `ptr` is its JSON Pointer for errors.
Result<bool> wrap_start_container_hook(Value& hook, const EditParams& p, const std::string& ptr,
                                       const std::string& o, Alloc& a) {
    if (!hook.IsObject()) return fail(o + ": " + ptr + ": expected an object");
    auto path = hook.FindMember("path");
    if (path == hook.MemberEnd() || !path->value.IsString())
        return fail(o + ": " + ptr + "/path: expected a string");
    const bool ours = is_string(path->value, p.container_enforcer);
    Value cmd(rapidjson::kArrayType);
    // Already the enforcer: its args are a wrapped command (argv[0] read as
    // the enforcer's own, however spelled).
    if (ours) cmd.PushBack(str(p.container_enforcer, a), a);
    else cmd.PushBack(Value(path->value, a), a);
    if (auto args = hook.FindMember("args"); args != hook.MemberEnd() && !args->value.IsNull()) {
        if (!args->value.IsArray()) return fail(o + ": " + ptr + "/args: expected an array of strings");
        for (rapidjson::SizeType i = 1; i < args->value.Size(); ++i)
            cmd.PushBack(Value(args->value[i], a), a);
    }
    Value proc(rapidjson::kObjectType);
    proc.AddMember("args", cmd, a);
    auto w = wrap_command(proc, p, ptr, o, a);
    if (!w) return unexpected(w.error());
    if (!*w && ours) {
        auto args = hook.FindMember("args");
        if (args != hook.MemberEnd() && args->value == proc["args"]) return false;
    }
    path->value = str(p.container_enforcer, a);
    if (auto args = hook.FindMember("args"); args != hook.MemberEnd())
        args->value = proc["args"];
    else
        hook.AddMember("args", proc["args"], a);
    return true;
}

bool multiline(std::string_view text) {
    size_t last = text.find_last_not_of(" \t\r\n");
    return last != std::string_view::npos &&
           text.substr(0, last).find('\n') != std::string_view::npos;
}

}  // namespace

Result<void> validate_edit_params(const EditParams& p) {
    struct Named {
        const char* name;
        const std::string& value;
    };
    for (const Named& n :
         {Named{"host binary", p.host_binary}, Named{"host enforcer", p.host_enforcer},
          Named{"plan directory", p.plan_host_dir},
          Named{"container enforcer", p.container_enforcer},
          Named{"container plan directory", p.container_plan_dir}}) {
        if (!absolute_clean(n.value))
            return fail(std::string("spec edit: the ") + n.name +
                        " must be an absolute path, got " + json::quote(n.value));
    }
    if (p.container_enforcer == p.container_plan_dir)
        return fail("spec edit: the container enforcer and plan directory must differ (both " +
                    json::quote(p.container_enforcer) + ")");
    // config.json is UTF-8: nothing the edit adds may make it invalid.
    std::vector<std::string_view> texts = {p.host_binary, p.host_enforcer, p.plan_host_dir,
                                           p.container_enforcer, p.container_plan_dir};
    texts.insert(texts.end(), p.hook_args.begin(), p.hook_args.end());
    for (const auto& [key, value] : p.annotations) {
        texts.push_back(key);
        texts.push_back(value);
    }
    for (std::string_view t : texts)
        if (!json::valid_utf8(t))
            return fail("spec edit: " + json::quote(t) + " is not valid UTF-8");
    if (p.edit_key.empty() || p.edit_key.find_first_of(" \t\n/") != std::string::npos)
        return fail("spec edit: no edit key");
    return {};
}

std::vector<std::string> enforcer_prefix(const EditParams& p) {
    return {p.container_enforcer, "exec", "--plan", p.container_plan_dir, "--key",
            p.edit_key,           "--"};
}

std::optional<WrappedCommand> wrapped_by_enforcer(const std::vector<std::string>& args,
                                                  std::string_view container_enforcer) {
    if (args.size() < 2 || args[0] != container_enforcer || args[1] != "exec") return std::nullopt;
    WrappedCommand w;
    for (size_t i = 2; i < args.size(); ++i) {
        if (args[i] == "--") {
            w.command_at = i + 1;
            return w;
        }
        if (i + 1 < args.size() && args[i] == "--plan") w.plan_dir = args[++i];
        else if (i + 1 < args.size() && args[i] == "--key") w.edit_key = args[++i];
    }
    return std::nullopt;  // no "--": not a wrapped command
}

std::vector<std::string> workload_command(const std::vector<std::string>& args,
                                          std::string_view container_enforcer) {
    const auto w = wrapped_by_enforcer(args, container_enforcer);
    if (!w) return args;
    return {args.begin() + static_cast<std::ptrdiff_t>(w->command_at), args.end()};
}

Result<SpecDocument> SpecDocument::parse(std::string_view text, std::string_view origin) {
    SpecDocument sd;
    sd.origin_ = std::string(origin);
    sd.multiline_ = multiline(text);
    // The checked parse keeps numbers exact: a rewrite must not move the last
    // digit of a float.
    auto doc = json::parse(text, origin);
    if (!doc) return unexpected(doc.error());
    sd.doc_.Swap(*doc);
    if (!sd.doc_.IsObject())
        return fail(std::string(origin) + ": expected an object (the OCI runtime config)");
    // What the hook will refuse is refused here already: a field it reads in
    // another letter case or of the wrong type.
    auto spec = read_spec(sd.doc_, origin);
    if (!spec) return unexpected(spec.error());
    sd.parsed_ = std::move(*spec);
    return sd;
}

std::string SpecDocument::write(SpecFormat format) const {
    bool pretty = format == SpecFormat::pretty || (format == SpecFormat::like_input && multiline_);
    std::string out = json::write(doc_, pretty);
    if (pretty) out += '\n';
    return out;
}

Result<bool> SpecDocument::apply(const EditParams& p) {
    if (auto ok = validate_edit_params(p); !ok) return unexpected(ok.error());
    Alloc& a = doc_.GetAllocator();
    const std::string& o = origin_;
    bool changed = false;

    auto proc = doc_.FindMember("process");
    if (proc == doc_.MemberEnd() || proc->value.IsNull())
        return fail(o + ": /process: missing (no command to run under the sandbox)");
    if (auto w = wrap_command(proc->value, p, "/process", o, a); !w)
        return unexpected(w.error());
    else
        changed = *w || changed;

    // Hooks: ours run after any existing ones (NVIDIA's prestart/createRuntime
    // hooks first, so the devices they add are there when we look).
    auto hooks = child_container(doc_, "hooks", rapidjson::kObjectType, "/hooks", o, a, changed);
    if (!hooks) return unexpected(hooks.error());
    // Our hook, however its path or argv[0] is spelled: a copy the spec
    // already carries (in any stage, with its own --policy) would plan
    // again after ours. Each stage we add holds exactly ours, last; every
    // other stage loses its copies.
    auto ours = [&](const Value& h) {
        if (!h.IsObject()) return false;
        auto path = h.FindMember("path");
        auto hargs = h.FindMember("args");
        if (hargs == h.MemberEnd() || !hargs->value.IsArray() || hargs->value.Size() < 2)
            return false;
        auto named_ours = [&](const Value& v) {
            if (!v.IsString()) return false;
            std::string_view s(v.GetString(), v.GetStringLength());
            return s == p.host_binary || s.substr(s.rfind('/') + 1) == kProgramName;
        };
        bool by_path = path != h.MemberEnd() && named_ours(path->value);
        return (by_path || named_ours(hargs->value[0])) && is_string(hargs->value[1], "hook");
    };
    for (const char* stage : {"createRuntime", "poststop"}) {
        auto arr = child_container(**hooks, stage, rapidjson::kArrayType,
                                   std::string("/hooks/") + stage, o, a, changed);
        if (!arr) return unexpected(arr.error());
        place_last(**arr, hook_value(p, stage, a), ours, a, changed);
    }
    for (auto it = (*hooks)->MemberBegin(); it != (*hooks)->MemberEnd(); ++it) {
        std::string_view stage(it->name.GetString(), it->name.GetStringLength());
        if (stage == "createRuntime" || stage == "poststop" || !it->value.IsArray()) continue;
        for (auto h = it->value.Begin(); h != it->value.End();) {
            if (!ours(*h)) {
                ++h;
                continue;
            }
            h = it->value.Erase(h);
            changed = true;
        }
    }

    if (auto sc = (*hooks)->FindMember("startContainer");
        sc != (*hooks)->MemberEnd() && sc->value.IsArray())
        for (rapidjson::SizeType i = 0; i < sc->value.Size(); ++i) {
            auto w = wrap_start_container_hook(sc->value[i], p,
                                               "/hooks/startContainer/" + std::to_string(i), o, a);
            if (!w) return unexpected(w.error());
            changed = *w || changed;
        }

    // Mounts: ours last, after everything they could be shadowed by, and
    // nothing else at, above or below them. Destinations are compared as
    // the runtime resolves them lexically ("//", "/./", "..", a missing
    // leading or a trailing "/"); an image symlink leading onto them is
    // caught by the hook, which proves what the container will run.
    auto mounts = child_container(doc_, "mounts", rapidjson::kArrayType, "/mounts", o, a, changed);
    if (!mounts) return unexpected(mounts.error());
    {
        Value& arr = **mounts;
        Value before(arr, a);  // to tell whether anything moved
        const std::vector<std::string> points = {path::lexical(p.container_enforcer),
                                                 path::lexical(p.container_plan_dir)};
        auto parent = [](const std::string& q) {
            size_t slash = q.find_last_of('/');
            return slash == 0 ? std::string("/") : q.substr(0, slash);
        };
        // The directory holding both (/.oci-sandbox) is a tmpfs of ours:
        // a mount point cannot be renamed or removed from inside the
        // container (EBUSY), so no workload, Landlock or not, puts another
        // "enforcer" where a later `runtime exec` looks for it.
        const std::string area = parent(points[0]) == parent(points[1]) && parent(points[0]) != "/"
                                     ? parent(points[0])
                                     : std::string();
        auto conflicts = [&](const std::string& dest) -> std::string {
            for (const auto& pt : points) {
                if (path::is_within(dest, pt) || path::is_within(pt, dest)) return pt;
                const std::string up = parent(pt);
                if (up != "/" && path::is_within(dest, up)) return up;
            }
            return "";
        };
        const std::string plan_prefix =
            p.plan_run_root.empty() ? std::string() : path::lexical(p.plan_run_root) + "/";
        auto field = [](const Value& m, const char* k) -> std::string {
            auto it = m.FindMember(k);
            if (it == m.MemberEnd() || !it->value.IsString()) return "";
            return std::string(it->value.GetString(), it->value.GetStringLength());
        };
        rapidjson::SizeType idx = 0;
        for (auto it = arr.Begin(); it != arr.End(); ++idx) {
            if (!it->IsObject()) {
                ++it;
                continue;
            }
            const std::string raw = field(*it, "destination");
            const std::string dest = path::lexical(raw);
            const std::string source = field(*it, "source");
            // An earlier edit's enforcer mount: this one's, or the hook
            // binary itself (editions that ran the enforcer from it).
            const bool our_binary = dest == path::lexical(p.container_enforcer) &&
                                    (source == p.host_enforcer || source == p.host_binary);
            const bool our_plan = dest == path::lexical(p.container_plan_dir) &&
                                  !plan_prefix.empty() && source.starts_with(plan_prefix) &&
                                  source.size() > plan_prefix.size() &&
                                  source.find('/', plan_prefix.size()) == std::string::npos;
            const bool our_area = !area.empty() && dest == area && field(*it, "type") == "tmpfs" &&
                                  source == kAreaSource;
            if (our_binary || our_plan || our_area) {
                it = arr.Erase(it);
                continue;
            }
            if (auto hit = conflicts(dest); !hit.empty())
                return fail(o + ": /mounts/" + std::to_string(idx) + ": destination " +
                            json::quote(raw) + (raw == dest ? "" : " (" + dest + ")") +
                            " is at, above or below the sandbox's own mount " + hit +
                            " (the enforcer and its plan): it could shadow them, so the "
                            "container is refused; remove that mount");
            ++it;
        }
        if (!area.empty()) {
            arr.PushBack(mount_value(area, "tmpfs", kAreaSource,
                                     {"nosuid", "nodev", "noexec", "mode=755", "size=64k"}, a),
                         a);
        }
        arr.PushBack(mount_value(p.container_enforcer, "bind", p.host_enforcer,
                                 {"bind", "ro", "nosuid", "nodev"}, a),
                     a);
        arr.PushBack(mount_value(p.container_plan_dir, "bind", p.plan_host_dir,
                                 {"bind", "ro", "nosuid", "nodev", "noexec"}, a),
                     a);
        if (arr != before) changed = true;
    }

    // Host-wide /proc files stay read-only whatever Landlock allows: a GPU
    // container's /proc gains write_file for CUDA's thread names
    // (gpu.proc_access), and /proc/sys/kernel/core_pattern or
    // /proc/sysrq-trigger must not come with it. runc's, podman's and
    // Docker's default specs list these; a Linux spec without them
    // (privileged, systempaths=unconfined) gets them here. Nothing is removed;
    // a spec without a "linux" object (another OS) is left alone.
    auto linux_it = doc_.FindMember("linux");
    if (linux_it != doc_.MemberEnd() && linux_it->value.IsObject()) {
        auto ro = child_container(linux_it->value, "readonlyPaths", rapidjson::kArrayType,
                                  "/linux/readonlyPaths", o, a, changed);
        if (!ro) return unexpected(ro.error());
        for (const char* path : kHostWideProcPaths) {
            bool present = false;
            for (const auto& v : (*ro)->GetArray()) present = present || is_string(v, path);
            if (!present) {
                (*ro)->PushBack(Value(rapidjson::StringRef(path)), a);
                changed = true;
            }
        }
    }

    if (!p.annotations.empty()) {
        auto ann = child_container(doc_, "annotations", rapidjson::kObjectType, "/annotations", o,
                                   a, changed);
        if (!ann) return unexpected(ann.error());
        for (const auto& [key, value] : p.annotations) {
            Value k = str(key, a);
            auto it = (*ann)->FindMember(k);
            if (it == (*ann)->MemberEnd()) {
                (*ann)->AddMember(k, str(value, a), a);
                changed = true;
            } else if (!is_string(it->value, value)) {
                it->value = str(value, a);
                changed = true;
            }
        }
    }
    return changed;
}

Result<EditOutcome> edit_process_text(std::string_view process_json, const EditParams& params,
                                      std::string_view origin) {
    if (auto ok = validate_edit_params(params); !ok) return unexpected(ok.error());
    auto parsed = json::parse(process_json, origin);
    if (!parsed) return unexpected(parsed.error());
    rapidjson::Document doc;
    doc.Swap(*parsed);
    auto changed = wrap_command(doc, params, "", std::string(origin), doc.GetAllocator());
    if (!changed) return unexpected(changed.error());
    if (!*changed) return EditOutcome{std::string(process_json), false};
    std::string out = json::write(doc, multiline(process_json));
    if (multiline(process_json)) out += '\n';
    return EditOutcome{std::move(out), true};
}

Result<EditOutcome> edit_spec_text(std::string_view config_json, const EditParams& params,
                                   std::string_view origin, SpecFormat format) {
    auto doc = SpecDocument::parse(config_json, origin);
    if (!doc) return unexpected(doc.error());
    return edit_document(*doc, config_json, params, format);
}

Result<EditOutcome> edit_document(SpecDocument& doc, std::string_view text,
                                  const EditParams& params, SpecFormat format) {
    auto changed = doc.apply(params);
    if (!changed) return unexpected(changed.error());
    if (!*changed) return EditOutcome{std::string(text), false};
    return EditOutcome{doc.write(format), true};
}

Result<BundleConfig> read_bundle_config(const std::string& bundle_dir) {
    BundleConfig c;
    c.path = bundle_dir + "/config.json";
    c.dir.reset(::open(bundle_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    // Named as open(2) of the file's path would name it.
    if (!c.dir) return fail_errno("open " + c.path, errno);
    // O_NOFOLLOW: a config.json that is a symlink could point the rename's
    // victim anywhere.
    struct stat st {};
    auto text = file::read_regular_at(c.dir.get(), "config.json", c.path, true,
                                      file::kMaxInputBytes, &st);
    if (!text) return unexpected(text.error());
    c.text = std::move(*text);
    c.mode = static_cast<int>(st.st_mode & 07777);
    return c;
}

Result<bool> rewrite_bundle_config(const BundleConfig& config, SpecDocument& doc,
                                   const EditParams& params) {
    auto out = edit_document(doc, config.text, params);
    if (!out) return unexpected(out.error());
    if (!out->changed) return false;
    auto written = file::write_atomic(config.dir.get(), "config.json", out->text, config.mode);
    if (!written) return wrap(written.error(), "rewrite " + config.path);
    return true;
}

}  // namespace osh::oci
