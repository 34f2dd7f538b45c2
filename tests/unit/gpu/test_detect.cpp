// GPU detection: every evidence source with its origin string, every vendor
// profile, and the gpu.detect modes.
#include <doctest/doctest.h>

#include <algorithm>

#include "gpu/detect.hpp"
#include "gpu/vendor.hpp"
#include "util/path.hpp"

using namespace osh;
using gpu::EvidenceSource;
using policy::GpuDetect;

namespace {

oci::Spec with_devices(std::initializer_list<const char*> paths) {
    oci::Spec s;
    s.has_linux = true;
    for (const char* p : paths) s.devices.push_back({p, "c", 195, 0, std::nullopt});
    return s;
}

bool has_origin(const gpu::Detection& d, std::string_view origin) {
    return std::any_of(d.evidence.begin(), d.evidence.end(),
                       [&](const gpu::Evidence& e) { return e.origin == origin; });
}

}  // namespace

TEST_CASE("bare /dev/nvidia is no GPU; /dev/nvidia[0-9]* needs a digit") {
    CHECK_FALSE(path::glob_match("/dev/nvidia[0-9]*", "/dev/nvidia"));
    CHECK(path::glob_match("/dev/nvidia[0-9]*", "/dev/nvidia0"));
    CHECK(path::glob_match("/dev/nvidia[0-9]*", "/dev/nvidia15"));
    auto d = gpu::detect(with_devices({"/dev/nvidia", "/dev/nvidia-foo", "/dev/nvidiax"}),
                         GpuDetect::auto_);
    CHECK_FALSE(d.gpu);
    CHECK(d.evidence.empty());
    CHECK(d.device_nodes.empty());
}

TEST_CASE("each vendor profile claims its device nodes") {
    struct Case {
        const char* node;
        const char* vendor;
    };
    const Case cases[] = {
        {"/dev/nvidiactl", "nvidia"},
        {"/dev/nvidia0", "nvidia"},
        {"/dev/nvidia7", "nvidia"},
        {"/dev/nvidia-uvm", "nvidia"},
        {"/dev/nvidia-uvm-tools", "nvidia"},
        {"/dev/nvidia-modeset", "nvidia"},
        {"/dev/nvidia-caps/nvidia-cap1", "nvidia"},
        {"/dev/nvidia-caps-imex-channels/channel0", "nvidia"},
        {"/dev/nvidia-nvswitch0", "nvidia"},
        {"/dev/nvidia-nvswitchctl", "nvidia"},
        {"/dev/dxg", "wsl2"},
        {"/dev/nvmap", "tegra"},
        {"/dev/nvhost-ctrl-gpu", "tegra"},
        {"/dev/nvgpu/igpu0/ctrl", "tegra"},
        {"/dev/kfd", "amd"},
        {"/dev/dri/renderD128", "amd"},
        {"/dev/accel/accel5", "habana"},
        {"/dev/hl5", "habana"},
        {"/dev/hl_controlD5", "habana"},
        {"/dev/dri/card1", "drm"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.node);
        auto d = gpu::detect(with_devices({c.node}), GpuDetect::auto_);
        REQUIRE(d.evidence.size() == 1);
        CHECK(d.gpu);
        CHECK(d.evidence[0].vendor == c.vendor);
        CHECK(d.evidence[0].device_path == c.node);
        CHECK(d.vendors == std::vector<std::string>{c.vendor});
    }
    CHECK(gpu::find_vendor("nvidia")->needs_proc_write);
    CHECK(gpu::find_vendor("nvidia")->read_only_companions.front() == "/run/nvidia-persistenced");
    CHECK(gpu::find_vendor("wsl2")->read_only_companions.front() == "/usr/lib/wsl");
    CHECK_FALSE(gpu::find_vendor("amd")->needs_proc_write);
    CHECK(gpu::find_vendor("nosuch") == nullptr);
    CHECK(gpu::vendor_profiles().size() == 6);
}

TEST_CASE("evidence: linux.devices and mounts carry their index") {
    oci::Spec s = with_devices({"/dev/null", "/dev/zero", "/dev/tty", "/dev/nvidia3"});
    for (int i = 0; i < 5; ++i) s.mounts.push_back({"/mnt/" + std::to_string(i), "bind", "/x", {}});
    s.mounts.push_back({"/dev/nvidiactl", "bind", "/dev/nvidiactl", {"bind"}});
    auto d = gpu::detect(s, GpuDetect::auto_);
    REQUIRE(d.evidence.size() == 2);
    CHECK(d.evidence[0].origin == "linux.devices[3]");
    CHECK(d.evidence[0].source == EvidenceSource::linux_devices);
    CHECK(d.evidence[1].origin == "mounts[5]");
    CHECK(d.evidence[1].source == EvidenceSource::mounts);
    CHECK(d.device_nodes == std::vector<std::string>{"/dev/nvidia3", "/dev/nvidiactl"});
    CHECK(d.reason.find("gpu.detect=auto") != std::string::npos);
    CHECK(d.reason.find("linux.devices[3]") != std::string::npos);
}

TEST_CASE("evidence: visible-devices environment variables") {
    for (std::string v : {"all", "0,1", "GPU-3c4b0e2b-5d5e-4c52-8bd0-6b0e0d3c1f2a", "MIG-1"}) {
        oci::Spec s;
        s.env = {"PATH=/bin", "NVIDIA_VISIBLE_DEVICES=" + v};
        auto d = gpu::detect(s, GpuDetect::auto_);
        CAPTURE(v);
        CHECK(d.gpu);
        REQUIRE(d.evidence.size() == 1);
        CHECK(d.evidence[0].origin == "process.env NVIDIA_VISIBLE_DEVICES=" + v);
        CHECK(d.evidence[0].source == EvidenceSource::env);
        CHECK(d.evidence[0].device_path.empty());
    }
    oci::Spec amd;
    amd.env = {"AMD_VISIBLE_DEVICES=0,1,2"};
    CHECK(gpu::detect(amd, GpuDetect::auto_).vendors == std::vector<std::string>{"amd"});
    oci::Spec hab;
    hab.env = {"HABANA_VISIBLE_DEVICES=5"};
    CHECK(gpu::detect(hab, GpuDetect::auto_).vendors == std::vector<std::string>{"habana"});
}

TEST_CASE("NVIDIA_VISIBLE_DEVICES none, void and empty request nothing") {
    for (std::string kv : {"NVIDIA_VISIBLE_DEVICES=none", "NVIDIA_VISIBLE_DEVICES=void",
                           "NVIDIA_VISIBLE_DEVICES=", "NVIDIA_VISIBLE_DEVICES=NONE",
                           "NVIDIA_VISIBLE_DEVICES= void "}) {
        CAPTURE(kv);
        oci::Spec s;
        s.env = {kv};
        auto d = gpu::detect(s, GpuDetect::auto_);
        CHECK_FALSE(d.gpu);
        CHECK(d.evidence.empty());
        CHECK(d.reason.find("requests no device") != std::string::npos);
    }
    // getenv semantics: the first definition wins.
    oci::Spec s;
    s.env = {"NVIDIA_VISIBLE_DEVICES=void", "NVIDIA_VISIBLE_DEVICES=all"};
    CHECK_FALSE(gpu::detect(s, GpuDetect::auto_).gpu);
}

TEST_CASE("evidence: CDI annotations naming NVIDIA kinds") {
    oci::Spec s;
    s.annotations["cdi.k8s.io/foo"] = "nvidia.com/gpu=0";
    s.annotations["nvidia.cdi.k8s.io/bar"] = "vendor.com/x=1, runtime.nvidia.com/gpu=all";
    s.annotations["cdi.k8s.io/other"] = "vendor.com/device=foo";
    s.annotations["io.kubernetes.cri.container-type"] = "nvidia.com/gpu=0";
    auto d = gpu::detect(s, GpuDetect::auto_);
    CHECK(d.gpu);
    REQUIRE(d.evidence.size() == 2);
    CHECK(has_origin(d, "annotation cdi.k8s.io/foo"));
    CHECK(has_origin(d, "annotation nvidia.cdi.k8s.io/bar"));
    CHECK(d.evidence[0].source == EvidenceSource::annotation);

    oci::Spec none;
    none.annotations["cdi.k8s.io/x"] = "vendor.com/device=foo";
    none.annotations["cdi.k8s.io/y"] = "nvidia.com/gpu";  // no "=name": not a device name
    CHECK_FALSE(gpu::detect(none, GpuDetect::auto_).gpu);
}

TEST_CASE("evidence: NVIDIA hooks at prestart, createRuntime, createContainer") {
    // Shape from corpus
    // configs/nvidia-container-toolkit/bundle-output-with-nvidia-prestart-hook.json: a relative
    // path.
    oci::Spec s;
    s.hooks.prestart.push_back(
        {"nvidia-container-runtime-hook", {"nvidia-container-runtime-hook", "prestart"}, {}, {}});
    s.hooks.prestart.push_back(
        {"/usr/bin/nvidia-container-toolkit", {"nvidia-container-toolkit", "prestart"}, {}, {}});
    s.hooks.create_runtime.push_back({"/usr/bin/other", {}, {}, {}});
    s.hooks.create_runtime.push_back({"/usr/bin/nvidia-container-runtime-hook", {}, {}, {}});
    s.hooks.create_container.push_back(
        {"/usr/bin/nvidia-ctk", {"nvidia-ctk", "hook", "update-ldcache"}, {}, {}});
    s.hooks.poststart.push_back({"/usr/bin/nvidia-ctk", {}, {}, {}});  // not a stage that injects
    auto d = gpu::detect(s, GpuDetect::auto_);
    CHECK(d.gpu);
    REQUIRE(d.evidence.size() == 4);
    CHECK(d.evidence[0].origin == "hooks.prestart[0] nvidia-container-runtime-hook");
    CHECK(d.evidence[1].origin == "hooks.prestart[1] nvidia-container-toolkit");
    CHECK(d.evidence[2].origin == "hooks.createRuntime[1] nvidia-container-runtime-hook");
    CHECK(d.evidence[3].origin == "hooks.createContainer[0] nvidia-ctk");
    CHECK(d.evidence[0].source == EvidenceSource::prestart_hook);
    CHECK(d.device_nodes.empty());
}

TEST_CASE("evidence: the live /dev, character devices only") {
    std::vector<gpu::LiveNode> live = {{"/dev/nvidia0", 'c'}, {"/dev/nvidiactl", 'c'},
                                       {"/dev/nvidia1", 'f'}, {"/dev/nvidia-caps", 'd'},
                                       {"/dev/null", 'c'},    {"/dev/nvidia", 'c'}};
    auto d = gpu::detect(oci::Spec{}, GpuDetect::auto_, &live);
    CHECK(d.gpu);
    REQUIRE(d.evidence.size() == 2);
    CHECK(d.evidence[0].origin == "live /dev/nvidia0");
    CHECK(d.evidence[0].source == EvidenceSource::live_dev);
    CHECK(d.device_nodes == std::vector<std::string>{"/dev/nvidia0", "/dev/nvidiactl"});
    CHECK(gpu::name(EvidenceSource::live_dev) == "live /dev");
}

TEST_CASE("gpu.detect: auto, always, never") {
    oci::Spec empty;
    auto a = gpu::detect(empty, GpuDetect::auto_);
    CHECK_FALSE(a.gpu);
    CHECK(a.vendors.empty());
    CHECK(a.reason.find("no accelerator evidence") != std::string::npos);

    auto al = gpu::detect(empty, GpuDetect::always);
    CHECK(al.gpu);
    CHECK(al.vendors == std::vector<std::string>{"nvidia"});
    CHECK(al.reason.find("assuming the NVIDIA profile") != std::string::npos);

    auto amd = gpu::detect(with_devices({"/dev/kfd"}), GpuDetect::always);
    CHECK(amd.vendors == std::vector<std::string>{"amd"});

    auto n = gpu::detect(with_devices({"/dev/nvidia0"}), GpuDetect::never);
    CHECK_FALSE(n.gpu);
    CHECK(n.evidence.size() == 1);  // still reported
    CHECK(n.reason.find("gpu.detect=never") != std::string::npos);
}
