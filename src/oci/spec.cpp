#include "oci/spec.hpp"

#include "oci/json_read.hpp"
#include "util/json.hpp"

namespace osh::oci {

namespace {

using detail::Reader;
using rapidjson::Value;

#define OSH_TRY_ASSIGN(lhs, expr)                       \
    do {                                                \
        auto osh_r_ = (expr);                           \
        if (!osh_r_) return unexpected(osh_r_.error()); \
        lhs = std::move(*osh_r_);                       \
    } while (0)

Result<void> read_root(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* root = rd.member(doc, "root");
    if (!root) return {};
    if (auto ok = rd.expect_object(*root, "/root"); !ok) return ok;
    if (auto* v = rd.member(*root, "path"))
        OSH_TRY_ASSIGN(spec.root_path, rd.string(*v, "/root/path"));
    if (auto* v = rd.member(*root, "readonly"))
        OSH_TRY_ASSIGN(spec.root_readonly, rd.boolean(*v, "/root/readonly"));
    return {};
}

Result<void> read_process(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* proc = rd.member(doc, "process");
    if (!proc) return {};
    if (auto ok = rd.expect_object(*proc, "/process"); !ok) return ok;
    spec.has_process = true;
    if (auto* v = rd.member(*proc, "args"))
        OSH_TRY_ASSIGN(spec.args, rd.strings(*v, "/process/args"));
    if (auto* v = rd.member(*proc, "env")) OSH_TRY_ASSIGN(spec.env, rd.strings(*v, "/process/env"));
    if (auto* v = rd.member(*proc, "cwd")) OSH_TRY_ASSIGN(spec.cwd, rd.string(*v, "/process/cwd"));
    // Pre-1.0 and CRI specs carry `"user": {}`: uid/gid default to 0 (root).
    if (const Value* user = rd.member(*proc, "user")) {
        if (auto ok = rd.expect_object(*user, "/process/user"); !ok) return ok;
        if (auto* v = rd.member(*user, "uid"))
            OSH_TRY_ASSIGN(spec.uid, rd.u32(*v, "/process/user/uid"));
        if (auto* v = rd.member(*user, "gid"))
            OSH_TRY_ASSIGN(spec.gid, rd.u32(*v, "/process/user/gid"));
    }
    return {};
}

Result<void> read_mounts(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* mounts = rd.member(doc, "mounts");
    if (!mounts) return {};
    if (auto ok = rd.expect_array(*mounts, "/mounts"); !ok) return ok;
    spec.mounts.reserve(mounts->Size());
    for (rapidjson::SizeType i = 0; i < mounts->Size(); ++i) {
        const Value& m = (*mounts)[i];
        std::string ptr = Reader::child("/mounts", i);
        if (auto ok = rd.expect_object(m, ptr); !ok) return ok;
        Mount out;
        const Value* dest = rd.member(m, "destination");
        if (!dest)
            return rd.error(Reader::child(ptr, "destination"), "missing (required for a mount)");
        OSH_TRY_ASSIGN(out.destination, rd.string(*dest, Reader::child(ptr, "destination")));
        if (auto* v = rd.member(m, "type"))
            OSH_TRY_ASSIGN(out.type, rd.string(*v, Reader::child(ptr, "type")));
        if (auto* v = rd.member(m, "source"))
            OSH_TRY_ASSIGN(out.source, rd.string(*v, Reader::child(ptr, "source")));
        if (auto* v = rd.member(m, "options"))
            OSH_TRY_ASSIGN(out.options, rd.strings(*v, Reader::child(ptr, "options")));
        spec.mounts.push_back(std::move(out));
    }
    return {};
}

Result<void> read_devices(const Reader& rd, const Value& linux, Spec& spec) {
    const Value* devices = rd.member(linux, "devices");
    if (!devices) return {};
    if (auto ok = rd.expect_array(*devices, "/linux/devices"); !ok) return ok;
    spec.devices.reserve(devices->Size());
    for (rapidjson::SizeType i = 0; i < devices->Size(); ++i) {
        const Value& d = (*devices)[i];
        std::string ptr = Reader::child("/linux/devices", i);
        if (auto ok = rd.expect_object(d, ptr); !ok) return ok;
        Device out;
        const Value* path = rd.member(d, "path");
        if (!path) return rd.error(Reader::child(ptr, "path"), "missing (required for a device)");
        OSH_TRY_ASSIGN(out.path, rd.string(*path, Reader::child(ptr, "path")));
        if (auto* v = rd.member(d, "type"))
            OSH_TRY_ASSIGN(out.type, rd.string(*v, Reader::child(ptr, "type")));
        if (auto* v = rd.member(d, "major"))
            OSH_TRY_ASSIGN(out.major, rd.i64(*v, Reader::child(ptr, "major")));
        if (auto* v = rd.member(d, "minor"))
            OSH_TRY_ASSIGN(out.minor, rd.i64(*v, Reader::child(ptr, "minor")));
        // fileMode is kept as written: Docker-generated specs carry the whole
        // st_mode in decimal (8576 == S_IFCHR|0600), others a permission set
        // that was meant as octal but is a decimal number (666).
        if (auto* v = rd.member(d, "fileMode")) {
            uint32_t mode = 0;
            OSH_TRY_ASSIGN(mode, rd.u32(*v, Reader::child(ptr, "fileMode")));
            out.file_mode = mode;
        }
        spec.devices.push_back(std::move(out));
    }
    return {};
}

Result<void> read_namespaces(const Reader& rd, const Value& linux, Spec& spec) {
    const Value* nss = rd.member(linux, "namespaces");
    if (!nss) return {};
    if (auto ok = rd.expect_array(*nss, "/linux/namespaces"); !ok) return ok;
    for (rapidjson::SizeType i = 0; i < nss->Size(); ++i) {
        const Value& n = (*nss)[i];
        std::string ptr = Reader::child("/linux/namespaces", i);
        if (auto ok = rd.expect_object(n, ptr); !ok) return ok;
        Namespace out;
        const Value* type = rd.member(n, "type");
        if (!type)
            return rd.error(Reader::child(ptr, "type"), "missing (required for a namespace)");
        OSH_TRY_ASSIGN(out.type, rd.string(*type, Reader::child(ptr, "type")));
        if (auto* v = rd.member(n, "path"))
            OSH_TRY_ASSIGN(out.path, rd.string(*v, Reader::child(ptr, "path")));
        spec.namespaces.push_back(std::move(out));
    }
    return {};
}

Result<void> read_linux(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* linux = rd.member(doc, "linux");
    if (!linux) return {};
    if (auto ok = rd.expect_object(*linux, "/linux"); !ok) return ok;
    spec.has_linux = true;
    if (auto ok = read_devices(rd, *linux, spec); !ok) return ok;
    return read_namespaces(rd, *linux, spec);
}

Result<std::vector<Hook>> read_stage(const Reader& rd, const Value& arr, const std::string& ptr) {
    if (auto ok = rd.expect_array(arr, ptr); !ok) return unexpected(ok.error());
    std::vector<Hook> out;
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
        const Value& h = arr[i];
        std::string hp = Reader::child(ptr, i);
        if (auto ok = rd.expect_object(h, hp); !ok) return unexpected(ok.error());
        Hook hook;
        const Value* path = rd.member(h, "path");
        if (!path) return rd.error(Reader::child(hp, "path"), "missing (required for a hook)");
        OSH_TRY_ASSIGN(hook.path, rd.string(*path, Reader::child(hp, "path")));
        if (auto* v = rd.member(h, "args"))
            OSH_TRY_ASSIGN(hook.args, rd.strings(*v, Reader::child(hp, "args")));
        if (auto* v = rd.member(h, "env"))
            OSH_TRY_ASSIGN(hook.env, rd.strings(*v, Reader::child(hp, "env")));
        if (auto* v = rd.member(h, "timeout")) {
            int t = 0;
            OSH_TRY_ASSIGN(t, rd.i32(*v, Reader::child(hp, "timeout")));
            hook.timeout = t;
        }
        out.push_back(std::move(hook));
    }
    return out;
}

Result<void> read_hooks(const Reader& rd, const Value& doc, Spec& spec) {
    const Value* hooks = rd.member(doc, "hooks");
    if (!hooks) return {};
    if (auto ok = rd.expect_object(*hooks, "/hooks"); !ok) return ok;
    struct StageField {
        const char* key;
        std::vector<Hook> Hooks::*field;
    };
    static constexpr StageField kStages[] = {
        {"prestart", &Hooks::prestart},
        {"createRuntime", &Hooks::create_runtime},
        {"createContainer", &Hooks::create_container},
        {"startContainer", &Hooks::start_container},
        {"poststart", &Hooks::poststart},
        {"poststop", &Hooks::poststop},
    };
    for (const auto& stage : kStages) {
        if (auto* v = rd.member(*hooks, stage.key))
            OSH_TRY_ASSIGN(spec.hooks.*(stage.field),
                           read_stage(rd, *v, Reader::child("/hooks", stage.key)));
    }
    return {};
}

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
    const rapidjson::Document& doc = *parsed;
    Reader rd(origin);
    if (!doc.IsObject()) return rd.error("", "expected an object (the OCI runtime config)");

    Spec spec;
    if (auto* v = rd.member(doc, "ociVersion")) {
        auto s = rd.string(*v, "/ociVersion");
        if (!s) return unexpected(s.error());
        spec.oci_version = std::move(*s);
    }
    for (auto step : {read_root, read_process, read_mounts, read_linux, read_hooks}) {
        if (auto ok = step(rd, doc, spec); !ok) return unexpected(ok.error());
    }
    if (auto* v = rd.member(doc, "annotations")) {
        auto m = rd.string_map(*v, "/annotations");
        if (!m) return unexpected(m.error());
        spec.annotations = std::move(*m);
    }
    return spec;
}

}  // namespace osh::oci
