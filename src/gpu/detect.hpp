// GPU detection: a pure function of the spec and, when available, a listing
// of the container's live /dev taken at hook time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/spec.hpp"
#include "policy/document.hpp"

namespace osh::gpu {

enum class EvidenceSource { linux_devices, mounts, env, annotation, prestart_hook, live_dev };

struct Evidence {
    EvidenceSource source;
    std::string vendor;       // VendorProfile::id
    std::string origin;       // "linux.devices[3]", "process.env NVIDIA_VISIBLE_DEVICES=all", ...
    std::string device_path;  // the node named, "" when the evidence names none (env, annotation)
};

struct Detection {
    bool gpu = false;                        // the decision, after gpu.detect
    std::vector<std::string> vendors;        // ids, in profile order, without repeats
    std::vector<std::string> device_nodes;   // normalised container paths, sorted, unique
    std::vector<Evidence> evidence;          // everything seen, in source order
    std::string reason;                      // one line: why gpu is true/false
};

// A node in the container's /dev as seen at hook time (relative walk under the rootfs).
struct LiveNode {
    std::string path;  // container path, "/dev/nvidia0"
    char type = 'c';   // 'c', 'b', 'd' (dir), 'f' (regular), 'o' (other)
};

Detection detect(const oci::Spec& spec, policy::GpuDetect mode,
                 const std::vector<LiveNode>* live_dev = nullptr);

std::string_view name(EvidenceSource s);

}  // namespace osh::gpu
