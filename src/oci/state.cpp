#include "oci/state.hpp"

#include <climits>

#include "util/json.hpp"
#include "util/json_read.hpp"

namespace osh::oci {

namespace {

// How much of a refused id goes into an error: enough to recognise it, never
// a 10 KB line in a log.
constexpr size_t kIdShown = 64;

std::string shown_id(std::string_view id) {
    std::string s = json::quote(id.substr(0, kIdShown));
    if (id.size() > kIdShown) s += "...";
    return s;
}

bool id_char(unsigned char c, bool first) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    if (first) return false;
    return c == '_' || c == '.' || c == '+' || c == '-';
}

}  // namespace

Result<void> validate_container_id(std::string_view id) {
    constexpr size_t kMaxIdBytes = 256;
    if (id.empty()) return fail("container id is empty");
    if (id.size() > kMaxIdBytes)
        return fail("container id " + shown_id(id) + " is " + std::to_string(id.size()) +
                    " bytes long (at most " + std::to_string(kMaxIdBytes) + ")");
    if (id == "." || id == "..")
        return fail("container id " + shown_id(id) + " is a path traversal");
    for (size_t i = 0; i < id.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(id[i]);
        if (id_char(c, i == 0)) continue;
        std::string why;
        if (c == '/')
            why = "contains '/'";
        else if (c == 0)
            why = "contains a NUL byte";
        else if (c < 0x20 || c == 0x7f)
            why = "contains a control character";
        else if (i == 0)
            why = "must start with a letter or digit";
        else
            why =
                "contains " + json::quote(id.substr(i, 1)) + " (allowed: letters, digits, _ . + -)";
        return fail("container id " + shown_id(id) + " " + why + " at byte " + std::to_string(i));
    }
    return {};
}

Result<State> parse_state(std::string_view text, std::string_view origin) {
    auto parsed = json::parse(text, origin);
    if (!parsed) return unexpected(parsed.error());
    const rapidjson::Document& doc = *parsed;
    json::Reader rd(origin);
    if (!doc.IsObject()) return rd.error("", "expected an object (the OCI state)");

    State st;
    if (auto ok = rd.optional(doc, "", "ociVersion", &json::Reader::string, st.oci_version); !ok)
        return unexpected(ok.error());

    auto id = rd.member(doc, "", "id");
    if (!id) return unexpected(id.error());
    if (!*id) return rd.error("/id", "missing (the container id is required)");
    auto ids = rd.string(**id, "/id");
    if (!ids) return unexpected(ids.error());
    if (auto ok = validate_container_id(*ids); !ok) return rd.error("/id", ok.error().message);
    st.id = std::move(*ids);

    if (auto ok = rd.optional(doc, "", "status", &json::Reader::string, st.status); !ok)
        return unexpected(ok.error());

    // crun reports pid 0 in stages that run in the container's namespaces
    // before its init exists; absent means the same. gVisor (runsc) reports
    // -1 once its sandbox is gone (poststop): no process, like 0.
    auto pid = rd.member(doc, "", "pid");
    if (!pid) return unexpected(pid.error());
    if (const rapidjson::Value* v = *pid) {
        if (!v->IsInt() || v->GetInt() < -1)
            return rd.error("/pid", "expected an integer from -1 to " + std::to_string(INT_MAX));
        st.pid = v->GetInt() < 0 ? 0 : v->GetInt();
    }

    // `bundlePath` is the pre-1.0 spelling (runc before 1.0.0-rc5).
    std::string bundle_key = "bundle";
    auto bundle = rd.member(doc, "", "bundle");
    if (bundle && !*bundle) {
        bundle = rd.member(doc, "", "bundlePath");
        bundle_key = "bundlePath";
    }
    if (!bundle) return unexpected(bundle.error());
    std::string bundle_ptr = "/" + bundle_key;
    if (!*bundle) return rd.error("/bundle", "missing (the bundle directory is required)");
    auto bs = rd.string(**bundle, bundle_ptr);
    if (!bs) return unexpected(bs.error());
    if (bs->empty() || (*bs)[0] != '/')
        return rd.error(bundle_ptr, "expected an absolute path, got " + json::quote(*bs));
    if (bs->find('\0') != std::string::npos) return rd.error(bundle_ptr, "contains a NUL byte");
    st.bundle = std::move(*bs);

    auto root = rd.member(doc, "", "root");
    if (!root) return unexpected(root.error());
    if (*root) {
        auto s = rd.string(**root, "/root");
        if (!s) return unexpected(s.error());
        if (s->empty()) return rd.error("/root", "expected a non-empty path");
        if (s->find('\0') != std::string::npos) return rd.error("/root", "contains a NUL byte");
        // crun 1.8.1 writes config.json's root.path verbatim ("rootfs"):
        // relative to the bundle, as in the spec.
        st.root = (*s)[0] == '/' ? std::move(*s) : st.bundle + "/" + *s;
    }

    if (auto ok = rd.optional(doc, "", "annotations", &json::Reader::string_map, st.annotations);
        !ok)
        return unexpected(ok.error());
    return st;
}

}  // namespace osh::oci
