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
// Order matters: a node that matches several profiles (a DRM render node is
// both AMD and DRM) is attributed to the first.
#include "gpu/vendor.hpp"

namespace osh::gpu {

namespace {

// CUDA's user-space driver creates anonymous executable memory with
// memfd_create (JIT/PTX and the IPC/UVM paths); a filter denying it makes
// cuInit or the first kernel launch fail.
constexpr std::string_view kMemfdReason =
    "CUDA's driver library creates anonymous memory with memfd_create";

const std::vector<VendorProfile>& table() {
    static const std::vector<VendorProfile> profiles = {
        {
            .id = "nvidia",
            .name = "NVIDIA",
            // "/dev/nvidia[0-9]*" needs at least one digit: a bare /dev/nvidia is no GPU.
            .device_patterns = {"/dev/nvidiactl", "/dev/nvidia[0-9]*", "/dev/nvidia-uvm",
                                "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset",
                                "/dev/nvidia-caps/*", "/dev/nvidia-caps-imex-channels/*",
                                "/dev/nvidia-nvswitch*"},
            .read_only_companions = {"/run/nvidia-persistenced"},
            .needs_proc_write = true,
            .seccomp_allow = {{"memfd_create", kMemfdReason}},
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
            .device_patterns = {"/dev/dxg"},
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
            .device_patterns = {"/dev/nvmap", "/dev/nvhost-*", "/dev/nvgpu/**", "/dev/host1x-fence",
                                "/dev/nvsciipc"},
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
            .device_patterns = {"/dev/kfd", "/dev/dri/renderD*"},
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
            .device_patterns = {"/dev/accel/*", "/dev/hl*"},
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
            .device_patterns = {"/dev/dri/*"},
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

}  // namespace osh::gpu
