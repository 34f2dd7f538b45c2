// What the hook learns about paths inside a container's root filesystem:
// plain values, no kernel state. The policy rewrite and GPU detection take
// these facts; src/rootfs/ gathers them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace osh::rootfs {

enum class NodeKind { missing, directory, regular, char_device, block_device, socket, fifo, other };

// True for every kind Landlock treats as a file (only file rights apply).
inline bool is_file_kind(NodeKind k) {
    return k == NodeKind::regular || k == NodeKind::char_device || k == NodeKind::block_device ||
           k == NodeKind::socket || k == NodeKind::fifo;
}

// "a directory", "a regular file", ... for messages.
inline const char* kind_phrase(NodeKind k) {
    switch (k) {
        case NodeKind::missing: return "missing";
        case NodeKind::directory: return "a directory";
        case NodeKind::regular: return "a regular file";
        case NodeKind::char_device: return "a character device";
        case NodeKind::block_device: return "a block device";
        case NodeKind::socket: return "a socket";
        case NodeKind::fifo: return "a FIFO";
        case NodeKind::other: break;
    }
    return "neither a file nor a directory";
}

// The identity of a filesystem object: what the enforcer checks it opened.
struct ObjectId {
    uint64_t dev = 0;
    uint64_t ino = 0;
    bool operator==(const ObjectId&) const = default;
};

// A container path, resolved inside the container's root: symlinks followed
// (never out of the root), ".." clamped at the root.
struct PathFact {
    std::string path;      // as asked, normalised
    std::string resolved;  // the object's own path: no symlink in it ("/usr/bin" for "/bin")
    // Each symlink met on the way, "LINK -> TARGET" as the image wrote it.
    std::vector<std::string> links;
    // Where a walk through a symlink looked: every path it looked up, in
    // order, including names a ".." later stepped back out of (empty when
    // no symlink was met: then the path's own prefixes are all).
    std::vector<std::string> walked;
    NodeKind kind = NodeKind::missing;  // of the object; missing: nothing is there
    std::optional<ObjectId> id;         // when present
    // Device numbers of a character or block device.
    uint32_t major = 0;
    uint32_t minor = 0;
    // The object is the root of a mount (statx's STATX_ATTR_MOUNT_ROOT): in
    // a live view, where a mount of the spec really is.
    bool mount_root = false;

    bool through_link() const { return !links.empty(); }
};

// One entry of the container's live /dev (symlinks listed, never followed).
struct DevEntry {
    std::string path;  // "/dev/nvidia0"
    NodeKind kind = NodeKind::other;
    bool symlink = false;
    uint32_t major = 0;  // character and block devices
    uint32_t minor = 0;
    // On the filesystem of the container's root: a file of the image itself,
    // not one the runtime's /dev mount, a bind mount or a hook put there.
    bool on_root_fs = false;
};

// The live /dev, with what could not be seen (GPU evidence may be missing
// then, and the hook reports it).
struct DevListing {
    std::vector<DevEntry> entries;
    std::vector<std::string> problems;  // "/dev/x: more than 4096 entries", "/dev/y: EACCES"
};

}  // namespace osh::rootfs
