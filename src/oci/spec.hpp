// A read view of config.json: only what the hook needs, tolerant of every
// real shape (pre-1.0 flat capabilities, no `linux`, decimal or octal
// fileMode, 170 devices, unknown fields).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace osh::oci {

struct Mount {
    std::string destination;
    std::string type;
    std::string source;
    std::vector<std::string> options;

    // A bind mount as runc and crun read it: type "bind", or a bind/rbind
    // option whatever the type says.
    bool is_bind() const {
        for (const auto& o : options)
            if (o == "bind" || o == "rbind") return true;
        return type == "bind";
    }
    // Mounted read-only: the last of "ro" and "rw" in its options is "ro"
    // (the runtimes apply them in order).
    bool is_read_only() const {
        bool ro = false;
        for (const auto& o : options)
            if (o == "ro" || o == "rw") ro = o == "ro";
        return ro;
    }
    // A recursive bind ("rbind"): the host's mounts beneath its source come
    // along.
    bool is_recursive_bind() const {
        for (const auto& o : options)
            if (o == "rbind") return true;
        return false;
    }
    // A recursive bind made read-only on its top mount only ("rbind" and a
    // final "ro", no "rro"): the host's mounts it carries from beneath its
    // source keep their own flags, writable ones included.
    bool is_read_only_on_top_only() const {
        bool rbind = false, rro = false;
        for (const auto& o : options) {
            rbind = rbind || o == "rbind";
            rro = rro || o == "rro";
        }
        return rbind && !rro && is_read_only();
    }
    // Holds files someone put there (a bind, an overlay, a block or network
    // filesystem, a tmpfs copied up from the image), not a fresh tmpfs or
    // a kernel filesystem the runtime makes.
    bool carries_data() const {
        if (is_bind()) return true;
        if (is_fresh_tmpfs()) return false;
        for (const char* k : {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"})
            if (type == k) return false;
        return true;
    }
    // A fresh tmpfs: empty, nobody's data (a "tmpfs" with a bind option is a
    // bind; with crun's "tmpcopyup" it starts as a copy of the image's tree).
    bool is_fresh_tmpfs() const {
        if (type != "tmpfs" || is_bind()) return false;
        for (const auto& o : options)
            if (o == "tmpcopyup") return false;
        return true;
    }
};

struct Device {
    std::string path;
    std::string type;  // "c", "b", "u", "p"
    int64_t major = -1;
    int64_t minor = -1;
    std::optional<uint32_t> file_mode;
};

struct Namespace {
    std::string type;  // "network", "mount", "pid", ...
    std::string path;  // empty: a new namespace
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int> timeout;
};

struct Hooks {
    std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
        poststop;
};

struct Spec {
    std::string oci_version;
    std::string root_path;  // as written: relative to the bundle or absolute; may be empty
    bool root_readonly = false;
    std::vector<std::string> args;
    std::vector<std::string> env;  // "KEY=VALUE"
    std::string cwd;
    uint32_t uid = 0;
    uint32_t gid = 0;
    bool has_process = false;
    std::vector<Mount> mounts;
    bool has_linux = false;
    std::vector<Device> devices;
    std::vector<Namespace> namespaces;
    std::map<std::string, std::string> annotations;
    Hooks hooks;

    // Value of an environment variable in process.env, if set.
    std::optional<std::string> env_value(std::string_view key) const;
};

// Parses config.json text (json::parse: what runc would read differently is
// refused). Unknown fields are ignored; a field of the wrong type among those
// we read, or spelled in another letter case, is an error naming its JSON
// Pointer.
Result<Spec> parse_spec(std::string_view text, std::string_view origin);

// The same read of a parsed document (the spec editor checks its input with
// it, so the edit and the hook accept the same configs).
Result<Spec> read_spec(const rapidjson::Value& doc, std::string_view origin);

}  // namespace osh::oci
