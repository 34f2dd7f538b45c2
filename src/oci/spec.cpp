#include "oci/spec.hpp"

#include "util/json.hpp"
#include "util/json_read.hpp"

namespace osh::oci {

namespace {

using json::Reader;
using rapidjson::Value;

#define OSH_TRY_ASSIGN(lhs, expr)                       \
    do {                                                \
        auto osh_r_ = (expr);                           \
        if (!osh_r_) return unexpected(osh_r_.error()); \
        lhs = std::move(*osh_r_);                       \
    } while (0)

#define OSH_TRY(expr)                                   \
    do {                                                \
        auto osh_r_ = (expr);                           \
        if (!osh_r_) return unexpected(osh_r_.error()); \
    } while (0)

Result<void> read_root(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* root = nullptr;
    OSH_TRY_ASSIGN(root, rd.member(doc, "", "root"));
    if (!root) return {};
    OSH_TRY(rd.expect_object(*root, "/root"));
    OSH_TRY(rd.optional(*root, "/root", "path", &Reader::string, spec.root_path));
    OSH_TRY(rd.optional(*root, "/root", "readonly", &Reader::boolean, spec.root_readonly));
    return {};
}

Result<void> read_process(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* proc = nullptr;
    OSH_TRY_ASSIGN(proc, rd.member(doc, "", "process"));
    if (!proc) return {};
    OSH_TRY(rd.expect_object(*proc, "/process"));
    spec.has_process = true;
    OSH_TRY(rd.optional(*proc, "/process", "args", &Reader::strings, spec.args));
    OSH_TRY(rd.optional(*proc, "/process", "env", &Reader::strings, spec.env));
    OSH_TRY(rd.optional(*proc, "/process", "cwd", &Reader::string, spec.cwd));
    // Pre-1.0 and CRI specs carry `"user": {}`: uid/gid default to 0 (root).
    const Value* user = nullptr;
    OSH_TRY_ASSIGN(user, rd.member(*proc, "/process", "user"));
    if (user) {
        OSH_TRY(rd.expect_object(*user, "/process/user"));
        OSH_TRY(rd.optional(*user, "/process/user", "uid", &Reader::u32, spec.uid));
        OSH_TRY(rd.optional(*user, "/process/user", "gid", &Reader::u32, spec.gid));
    }
    return {};
}

// The member `key` of `obj` (at `ptr`) that a record must have.
Result<const Value*> required(const Reader& rd, const Value& obj, const std::string& ptr,
                              std::string_view key, std::string_view what) {
    auto v = rd.member(obj, ptr, key);
    if (!v) return unexpected(v.error());
    if (!*v)
        return rd.error(Reader::child(ptr, key),
                        "missing (required for " + std::string(what) + ")");
    return *v;
}

Result<void> read_mounts(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* mounts = nullptr;
    OSH_TRY_ASSIGN(mounts, rd.member(doc, "", "mounts"));
    if (!mounts) return {};
    OSH_TRY(rd.expect_array(*mounts, "/mounts"));
    spec.mounts.reserve(mounts->Size());
    for (rapidjson::SizeType i = 0; i < mounts->Size(); ++i) {
        const Value& m = (*mounts)[i];
        std::string ptr = Reader::child("/mounts", i);
        OSH_TRY(rd.expect_object(m, ptr));
        Mount out;
        const Value* dest = nullptr;
        OSH_TRY_ASSIGN(dest, required(rd, m, ptr, "destination", "a mount"));
        OSH_TRY_ASSIGN(out.destination, rd.string(*dest, Reader::child(ptr, "destination")));
        OSH_TRY(rd.optional(m, ptr, "type", &Reader::string, out.type));
        OSH_TRY(rd.optional(m, ptr, "source", &Reader::string, out.source));
        OSH_TRY(rd.optional(m, ptr, "options", &Reader::strings, out.options));
        spec.mounts.push_back(std::move(out));
    }
    return {};
}

Result<void> read_devices(const Reader& rd, const Value& linux, Spec& spec) {
    const Value* devices = nullptr;
    OSH_TRY_ASSIGN(devices, rd.member(linux, "/linux", "devices"));
    if (!devices) return {};
    OSH_TRY(rd.expect_array(*devices, "/linux/devices"));
    spec.devices.reserve(devices->Size());
    for (rapidjson::SizeType i = 0; i < devices->Size(); ++i) {
        const Value& d = (*devices)[i];
        std::string ptr = Reader::child("/linux/devices", i);
        OSH_TRY(rd.expect_object(d, ptr));
        Device out;
        const Value* path = nullptr;
        OSH_TRY_ASSIGN(path, required(rd, d, ptr, "path", "a device"));
        OSH_TRY_ASSIGN(out.path, rd.string(*path, Reader::child(ptr, "path")));
        OSH_TRY(rd.optional(d, ptr, "type", &Reader::string, out.type));
        OSH_TRY(rd.optional(d, ptr, "major", &Reader::i64, out.major));
        OSH_TRY(rd.optional(d, ptr, "minor", &Reader::i64, out.minor));
        // fileMode is kept as written: Docker-generated specs carry the whole
        // st_mode in decimal (8576 == S_IFCHR|0600), others a permission set
        // that was meant as octal but is a decimal number (666).
        OSH_TRY(rd.optional(d, ptr, "fileMode", &Reader::u32, out.file_mode));
        spec.devices.push_back(std::move(out));
    }
    return {};
}

Result<void> read_namespaces(const Reader& rd, const Value& linux, Spec& spec) {
    const Value* nss = nullptr;
    OSH_TRY_ASSIGN(nss, rd.member(linux, "/linux", "namespaces"));
    if (!nss) return {};
    OSH_TRY(rd.expect_array(*nss, "/linux/namespaces"));
    for (rapidjson::SizeType i = 0; i < nss->Size(); ++i) {
        const Value& n = (*nss)[i];
        std::string ptr = Reader::child("/linux/namespaces", i);
        OSH_TRY(rd.expect_object(n, ptr));
        Namespace out;
        const Value* type = nullptr;
        OSH_TRY_ASSIGN(type, required(rd, n, ptr, "type", "a namespace"));
        OSH_TRY_ASSIGN(out.type, rd.string(*type, Reader::child(ptr, "type")));
        OSH_TRY(rd.optional(n, ptr, "path", &Reader::string, out.path));
        // runc refuses a second entry of a type, crun takes the last: which
        // namespace the container is in would depend on the runtime.
        for (const auto& earlier : spec.namespaces)
            if (earlier.type == out.type)
                return rd.error(Reader::child(ptr, "type"),
                                "a second \"" + out.type + "\" namespace" +
                                    " (runc refuses it, crun takes the last)");
        spec.namespaces.push_back(std::move(out));
    }
    return {};
}

Result<void> read_linux(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* linux = nullptr;
    OSH_TRY_ASSIGN(linux, rd.member(doc, "", "linux"));
    if (!linux) return {};
    OSH_TRY(rd.expect_object(*linux, "/linux"));
    spec.has_linux = true;
    OSH_TRY(read_devices(rd, *linux, spec));
    return read_namespaces(rd, *linux, spec);
}

Result<std::vector<Hook>> read_stage(const Reader& rd, const Value& arr, const std::string& ptr,
                                     bool bare_name_ok) {
    OSH_TRY(rd.expect_array(arr, ptr));
    std::vector<Hook> out;
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
        const Value& h = arr[i];
        std::string hp = Reader::child(ptr, i);
        OSH_TRY(rd.expect_object(h, hp));
        Hook hook;
        const Value* path = nullptr;
        OSH_TRY_ASSIGN(path, required(rd, h, hp, "path", "a hook"));
        OSH_TRY_ASSIGN(hook.path, rd.string(*path, Reader::child(hp, "path")));
        // The OCI runtime spec asks for an absolute path. runc and crun run
        // a relative one from their working directory: the bundle for the
        // runtime's stages (a bare name there is the engine's file beside
        // config.json, as NVIDIA's toolkit writes it), the container's root
        // for createContainer, where any relative path names the image's
        // file, run on the host's side with the runtime's privileges.
        const bool absolute = !hook.path.empty() && hook.path.front() == '/';
        const bool bare = !hook.path.empty() && hook.path.find('/') == std::string::npos;
        if (!absolute && !(bare && bare_name_ok))
            return rd.error(Reader::child(hp, "path"),
                            "must be an absolute path (the OCI runtime spec): the runtime runs a "
                            "relative one from " +
                                std::string(bare_name_ok ? "the bundle directory, where a path "
                                                           "with a \"/\" reaches the image's "
                                                           "rootfs"
                                                         : "the container's root directory, "
                                                           "where it names the image's file"));
        OSH_TRY(rd.optional(h, hp, "args", &Reader::strings, hook.args));
        OSH_TRY(rd.optional(h, hp, "env", &Reader::strings, hook.env));
        OSH_TRY(rd.optional(h, hp, "timeout", &Reader::i32, hook.timeout));
        out.push_back(std::move(hook));
    }
    return out;
}

Result<void> read_hooks(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* hooks = nullptr;
    OSH_TRY_ASSIGN(hooks, rd.member(doc, "", "hooks"));
    if (!hooks) return {};
    OSH_TRY(rd.expect_object(*hooks, "/hooks"));
    struct StageField {
        const char* key;
        std::vector<Hook> Hooks::*field;
        bool bare_name_ok;  // the runtime runs it from the bundle directory
    };
    static constexpr StageField kStages[] = {
        {"prestart", &Hooks::prestart, true},
        {"createRuntime", &Hooks::create_runtime, true},
        {"createContainer", &Hooks::create_container, false},
        {"startContainer", &Hooks::start_container, false},
        {"poststart", &Hooks::poststart, true},
        {"poststop", &Hooks::poststop, true},
    };
    for (const auto& stage : kStages) {
        const Value* v = nullptr;
        OSH_TRY_ASSIGN(v, rd.member(*hooks, "/hooks", stage.key));
        if (v)
            OSH_TRY_ASSIGN(spec.hooks.*(stage.field),
                           read_stage(rd, *v, Reader::child("/hooks", stage.key), stage.bare_name_ok));
    }
    return {};
}

#undef OSH_TRY
#undef OSH_TRY_ASSIGN

}  // namespace

std::optional<std::string> Spec::env_value(std::string_view key) const {
    // The first entry wins, as getenv(3) in the container would see it.
    for (const std::string& e : env) {
        if (e.size() > key.size() && e[key.size()] == '=' &&
            std::string_view(e).substr(0, key.size()) == key)
            return e.substr(key.size() + 1);
    }
    return std::nullopt;
}

Result<Spec> parse_spec(std::string_view text, std::string_view origin) {
    auto parsed = json::parse(text, origin);
    if (!parsed) return unexpected(parsed.error());
    return read_spec(*parsed, origin);
}

Result<Spec> read_spec(const rapidjson::Value& doc, std::string_view origin) {
    Reader rd(origin);
    if (!doc.IsObject()) return rd.error("", "expected an object (the OCI runtime config)");

    Spec spec;
    if (auto ok = rd.optional(doc, "", "ociVersion", &Reader::string, spec.oci_version); !ok)
        return unexpected(ok.error());
    for (auto step : {read_root, read_process, read_mounts, read_linux, read_hooks}) {
        if (auto ok = step(rd, doc, spec); !ok) return unexpected(ok.error());
    }
    if (auto ok = rd.optional(doc, "", "annotations", &Reader::string_map, spec.annotations); !ok)
        return unexpected(ok.error());
    return spec;
}

}  // namespace osh::oci
