// Accelerator vendor profiles: data, not code. Adding a vendor is adding a
// table entry in vendor.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace osh::gpu {

// A kind of accelerator node: where it lives and which device numbers make
// it the vendor's. Only a character device with one of these majors is an
// accelerator node; a file, directory or mount at the path is nothing.
struct DeviceClass {
    std::string_view pattern;  // path::glob_match; a bare "/dev/nvidia" matches none
    // Majors fixed by the kernel or the driver (NVIDIA's 195, DRM's 226).
    std::vector<uint32_t> majors;
    // Names in the host's /proc/devices whose (dynamic) major counts too.
    std::vector<std::string_view> major_names;
};

struct VendorProfile {
    std::string_view id;    // "nvidia", "wsl2", "tegra", "amd", "habana", "drm"
    std::string_view name;  // "NVIDIA"
    std::vector<DeviceClass> devices;
    // Paths the workload needs read-only when a device of this vendor is present.
    std::vector<std::string_view> read_only_companions;
    // A vendor daemon's socket its library connects to: where a bind of the
    // spec puts a host socket there, the workload may use it (read, write).
    std::vector<std::string_view> sockets;
    // Whether the vendor's user-space library writes /proc/<pid>/task/<tid>/comm
    // of other threads (CUDA does, with O_TRUNC; error 304 when it cannot).
    bool needs_proc_write = false;
    // Syscalls the default seccomp profile must leave allowed for this vendor,
    // each with the reason, e.g. {"memfd_create", "..."}.
    std::vector<std::pair<std::string_view, std::string_view>> seccomp_allow;
    // Environment variables that request this vendor's devices
    // (NVIDIA_VISIBLE_DEVICES); values none/void/empty request nothing.
    std::vector<std::string_view> visible_devices_env;
    // CDI kinds that request this vendor ("nvidia.com/gpu", "runtime.nvidia.com/gpu").
    std::vector<std::string_view> cdi_kinds;
    // Prestart hook executables (basename) that inject devices at hook time.
    std::vector<std::string_view> legacy_hooks;
};

std::span<const VendorProfile> vendor_profiles();
const VendorProfile* find_vendor(std::string_view id);

// The first profile and device class whose pattern matches `path` (normalised).
struct DeviceMatch {
    const VendorProfile* vendor = nullptr;
    const DeviceClass* device = nullptr;
};
DeviceMatch match_device_path(std::string_view path);

}  // namespace osh::gpu
