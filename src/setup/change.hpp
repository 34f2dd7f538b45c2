// What `setup ENGINE` does to a node, as data: a list of file changes
// computed from the files as they are (pure), then applied (backup of any
// file rewritten, atomic replace keeping its mode) or shown (--dry-run).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace osh::setup {

struct Options {
    std::string root;    // a prefix for every engine path ("" = this node)
    std::string config;  // the engine's main configuration file ("" = its default under root)
    std::string runtime_name = "oci-sandbox";
    std::string runtime_path = "/usr/bin/oci-sandbox-runtime";
    // The directory holding our podman-only precreate hook.
    std::string podman_hooks_dir = "/usr/share/oci-sandbox-hook/podman-hooks.d";
    bool set_as_default = false;
    bool remove = false;
    int containerd_version = 2;  // config version for a config.toml that does not exist yet
};

// One file: its text now (nullopt: absent) and after (nullopt: delete it).
struct FileChange {
    std::string path;
    std::optional<std::string> before;
    std::optional<std::string> after;
    bool changes() const { return before != after; }
};

struct Plan {
    std::vector<FileChange> files;
    std::vector<std::string> notes;  // what the operator should know or do next
};

// A file's text, or nullopt when it does not exist (any other error fails).
Result<std::optional<std::string>> read_optional(const std::string& path);

// Writes every changed file: a rewritten file is first copied to
// PATH.bak-oci-sandbox-<UTC time>; new files get mode 0644, rewritten ones
// keep their mode; missing parent directories are created (0755). Returns
// one line per action ("wrote X (backup Y)", "removed X").
Result<std::vector<std::string>> apply(const Plan& plan);

// --dry-run: for each changed file, a unified-style line diff (or the whole
// new content for a new file).
std::string describe(const Plan& plan);

// The engine's default path under root.
std::string under_root(const Options& o, const std::string& path);

// The *.conf files of a drop-in directory, sorted as the engines read them
// (none when it does not exist).
std::vector<std::string> conf_files(const std::string& dir);

}  // namespace osh::setup
