// GPU detection: a pure function of the spec and, when available, a listing
// of the container's live /dev taken at hook time and the host's device
// numbers. Only character devices with the vendor's device numbers are
// accelerator nodes, and only they grant rights; everything else the
// container's creator writes (process.env, annotations, hooks, a mount at a
// device path, a linux.devices entry with other numbers) is a claim: reported,
// never a right by itself.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/detect_mode.hpp"
#include "oci/spec.hpp"
#include "rootfs/facts.hpp"
#include "rootfs/resolve.hpp"
#include "util/words.hpp"

namespace osh::gpu {

enum class EvidenceSource { linux_devices, mounts, env, annotation, prestart_hook, live_dev };
inline constexpr auto kEvidenceSourceWords = std::to_array<words::Entry<EvidenceSource>>({
    {EvidenceSource::linux_devices, "linux.devices"},
    {EvidenceSource::mounts, "mounts"},
    {EvidenceSource::env, "process.env"},
    {EvidenceSource::annotation, "annotation"},
    {EvidenceSource::prestart_hook, "hook"},
    {EvidenceSource::live_dev, "live /dev"},
});

struct Evidence {
    EvidenceSource source;
    std::string vendor;       // VendorProfile::id
    std::string origin;       // "linux.devices[3]", "process.env NVIDIA_VISIBLE_DEVICES=all", ...
    std::string device_path;  // the node named, "" when the evidence names none (env, annotation)
    // An accelerator node present in the container: a character device with
    // the vendor's numbers. False: a claim (see `note`).
    bool node = false;
    std::string note;  // for a claim: why it grants nothing ("char 1:3 is not ...")
};

struct Detection {
    bool gpu = false;                        // the decision, after gpu.detect
    std::vector<std::string> vendors;        // ids of the nodes' vendors, in profile order
    std::vector<std::string> device_nodes;   // accelerator nodes: sorted, unique
    std::vector<Evidence> evidence;          // everything seen, in source order
    std::string reason;                      // one line: why gpu is true/false
};

// The host's character-device majors by driver name (/proc/devices).
struct HostDevices {
    std::map<std::string, std::vector<uint32_t>, std::less<>> majors;
    // /proc/misc: the minor of each misc device (major 10), by name. Major
    // 10 is shared (kvm, tun, fuse, ...): a vendor's misc node counts only
    // with the minor the host registered under its name.
    std::map<std::string, uint32_t, std::less<>> misc_minors;
    bool misc_read = false;
};
HostDevices parse_proc_devices(std::string_view text);
// Fills host.misc_minors from /proc/misc ("%3d name" lines).
void parse_proc_misc(std::string_view text, HostDevices& host);
// The misc major, which several drivers share.
inline constexpr uint32_t kMiscMajor = 10;
// Whether a misc device (major 10) sits at a vendor's path in the spec or
// the live /dev: only then does /proc/misc need reading.
bool names_misc_device(const oci::Spec& spec, const rootfs::DevListing* live);

struct DetectInputs {
    // The container's /dev at hook time; nullptr when there is none to look at
    // (explain on a bundle on disk).
    const rootfs::DevListing* live = nullptr;
    // `live` lists the bundle's /dev on disk, not the running container's: the
    // hook has no live view (an outer sandbox such as gVisor makes its mounts
    // and devices in its own kernel). Evidence and reasons say so.
    bool bundle_dev = false;
    // The host's dynamic majors; nullptr: only the fixed numbers count.
    const HostDevices* host = nullptr;
    // The container's paths, to find where each spec mount landed (through
    // the image's symlinks, rootfs::land); empty: as spelled.
    rootfs::PathProbe paths;
    // Per spec mount, a bind's source on the host (mounts::land_mounts);
    // nullptr: not looked at.
    const std::vector<std::optional<rootfs::ObjectId>>* bind_sources = nullptr;
    // The container shares the host's IPC namespace (mounts::land_mounts).
    bool host_ipc_namespace = false;
};

Detection detect(const oci::Spec& spec, DetectMode mode, const DetectInputs& in = {});

inline std::string_view name(EvidenceSource s) {
    return words::of(kEvidenceSourceWords, s);
}

}  // namespace osh::gpu
