// Vendor profiles as data. Sources for the device names:
// - NVIDIA: the nodes nvidia-container-toolkit / nvidia-ctk put in CDI specs
//   (corpus cdi/nvidia-k8s-dra-driver/*.yaml: nvidiactl, nvidiaN, nvidia-uvm,
//   nvidia-uvm-tools, nvidia-modeset, nvidia-caps/nvidia-capN), IMEX channels
//   (cdi/nvidia-container-toolkit/lib-imex_test-expected.yaml.tmpl) and NVSwitch.
// - Tegra: corpus misc/nvidia-tegra-csv/rootfs-orin-devices.csv (nvmap,
//   nvhost-*, nvgpu/igpu0/*, host1x-fence, nvsciipc).
// - AMD ROCm: corpus configs/rocm-container-toolkit (kfd, dri/renderD128).
// - Habana Gaudi: corpus configs/habana-container-runtime (hl5, hl_controlD5,
//   accel/accel5, accel/accel_controlD5).
// Device numbers: NVIDIA's character major 195 (nvidiaN, nvidiactl,
// nvidia-modeset) is fixed by the driver (NV_MAJOR_DEVICE_NUMBER); nvidia-uvm,
// nvidia-caps, nvidia-caps-imex-channels and nvidia-nvswitch get dynamic
// majors named in /proc/devices. DRM is 226 (DRM_MAJOR), the accel subsystem
// 261 (ACCEL_MAJOR), misc devices 10 (MISC_MAJOR: nvmap, dxg on some kernels);
// kfd, habanalabs and Tegra's nodes are dynamic, found by name.
// Order matters: a node that matches several profiles (a DRM render node is
// both AMD and DRM) is attributed to the first.
#include "gpu/vendor.hpp"

#include "util/path.hpp"

namespace osh::gpu {

namespace {

// Kept for WSL2's and Tegra's CUDA libraries, not measured there. NVIDIA's
// datacenter driver (580.159.04 on an H200, docs/gpu-validation.md) never
// called memfd_create through cuInit, a kernel launch (SASS and PTX JIT),
// pinned memory or nvidia-smi, and passed with it denied: no relaxation.
constexpr std::string_view kMemfdReason =
    "CUDA's driver library may create anonymous memory with memfd_create (not measured for "
    "this driver)";

const std::vector<VendorProfile>& table() {
    static const std::vector<VendorProfile> profiles = {
        {
            .id = "nvidia",
            .name = "NVIDIA",
            // "/dev/nvidia[0-9]*" needs at least one digit: a bare /dev/nvidia is no GPU.
            .devices = {{"/dev/nvidiactl", {195}, {}},
                        {"/dev/nvidia[0-9]*", {195}, {}},
                        {"/dev/nvidia-uvm", {}, {"nvidia-uvm"}},
                        {"/dev/nvidia-uvm-tools", {}, {"nvidia-uvm"}},
                        {"/dev/nvidia-modeset", {195}, {}},
                        {"/dev/nvidia-caps/*", {}, {"nvidia-caps"}},
                        {"/dev/nvidia-caps-imex-channels/*", {}, {"nvidia-caps-imex-channels"}},
                        {"/dev/nvidia-nvswitch*", {}, {"nvidia-nvswitch"}}},
            .read_only_companions = {"/run/nvidia-persistenced"},
            // CUDA asks nvidia-persistenced over it (the CDI specs bind it).
            .sockets = {"/run/nvidia-persistenced/socket"},
            .needs_proc_write = true,
            .seccomp_allow = {},
            .visible_devices_env = {"NVIDIA_VISIBLE_DEVICES"},
            .cdi_kinds = {"nvidia.com/gpu", "runtime.nvidia.com/gpu"},
            // The legacy prestart hook (hooks.d/nvidia-container-toolkit in the
            // corpus: both names), and nvidia-ctk's CDI createContainer hooks.
            .legacy_hooks = {"nvidia-container-runtime-hook", "nvidia-container-toolkit",
                             "nvidia-ctk"},
        },
        {
            // CUDA on WSL2: one paravirtual node; the driver libraries come from
            // the Windows host under /usr/lib/wsl.
            .id = "wsl2",
            .name = "NVIDIA on WSL2",
            .devices = {{"/dev/dxg", {10}, {"dxg", "dxgkrnl"}}},
            .read_only_companions = {"/usr/lib/wsl"},
            .needs_proc_write = true,
            .seccomp_allow = {{"memfd_create", kMemfdReason}},
            .visible_devices_env = {},
            .cdi_kinds = {},
            .legacy_hooks = {},
        },
        {
            .id = "tegra",
            .name = "NVIDIA Tegra",
            .devices = {{"/dev/nvmap", {10}, {"nvmap"}},
                        {"/dev/nvhost-*", {}, {"nvhost", "nvhost-gpu", "nvgpu"}},
                        {"/dev/nvgpu/**", {}, {"nvgpu"}},
                        {"/dev/host1x-fence", {}, {"host1x-fence"}},
                        {"/dev/nvsciipc", {10}, {"nvsciipc"}}},
            .read_only_companions = {},
            .needs_proc_write = true,
            .seccomp_allow = {{"memfd_create", kMemfdReason}},
            .visible_devices_env = {},
            .cdi_kinds = {},
            .legacy_hooks = {},
        },
        {
            .id = "amd",
            .name = "AMD ROCm",
            .devices = {{"/dev/kfd", {}, {"kfd"}}, {"/dev/dri/renderD*", {226}, {}}},
            .read_only_companions = {},
            .needs_proc_write = false,
            .seccomp_allow = {},
            .visible_devices_env = {"AMD_VISIBLE_DEVICES"},
            .cdi_kinds = {"amd.com/gpu"},
            .legacy_hooks = {},
        },
        {
            .id = "habana",
            .name = "Habana Gaudi",
            .devices = {{"/dev/accel/*", {261}, {"accel"}}, {"/dev/hl*", {}, {"habanalabs"}}},
            .read_only_companions = {},
            .needs_proc_write = false,
            .seccomp_allow = {},
            .visible_devices_env = {"HABANA_VISIBLE_DEVICES"},
            .cdi_kinds = {},
            .legacy_hooks = {},
        },
        {
            .id = "drm",
            .name = "DRM",
            .devices = {{"/dev/dri/*", {226}, {}}},
            .read_only_companions = {},
            .needs_proc_write = false,
            .seccomp_allow = {},
            .visible_devices_env = {},
            .cdi_kinds = {},
            .legacy_hooks = {},
        },
    };
    return profiles;
}

}  // namespace

std::span<const VendorProfile> vendor_profiles() {
    return table();
}

const VendorProfile* find_vendor(std::string_view id) {
    for (const auto& v : table())
        if (v.id == id) return &v;
    return nullptr;
}

DeviceMatch match_device_path(std::string_view p) {
    for (const auto& v : table())
        for (const auto& d : v.devices)
            if (path::glob_match(d.pattern, p)) return {&v, &d};
    return {};
}

}  // namespace osh::gpu
