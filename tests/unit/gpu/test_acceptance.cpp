// Acceptance: a config.json made by applying the NVIDIA k8s DRA driver's
// static 8-GPU CDI spec (corpus cdi/nvidia-k8s-dra-driver/nvidia-initial.yaml)
// to a real Docker-generated config (corpus configs/nvidia-container-toolkit/
// docker-config.clone3.input.json) by cdi_apply.py at build time, on a host
// whose NVIDIA driver registered nvidia-uvm as major 510 (as cdi_apply.py
// numbers it).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "gpu/detect.hpp"
#include "oci/spec.hpp"
#include "policy/effective.hpp"
#include "rootfs/resolve.hpp"
#include "util/file.hpp"

using namespace osh;
using namespace osh::policy;
using namespace osh::landlock;

namespace {

constexpr AccessMask kGpuNode = (kReadWrite | bit(Access::ioctl_dev)) & kFileRights;

// PRODUCT.md's example policy, filesystem and gpu sections.
Policy product_example_policy() {
    Policy p;
    p.filesystem.read_only = {"/usr",  "/lib", "/lib64", "/bin",
                              "/sbin", "/etc", "/proc",  "/dev/urandom"};
    p.filesystem.read_write = {"/tmp", "/dev/null"};
    p.filesystem.rules.push_back({"/data", bit(Access::read_file) | bit(Access::read_dir) |
                                               bit(Access::write_file) | bit(Access::truncate)});
    p.gpu.proc_access = ProcAccess::write_file;
    p.gpu.promotion = PromotionMode::reject_unlisted;
    p.gpu.allow = {"/proc"};
    return p;
}

oci::Spec load_8gpu() {
    const char* path = std::getenv("OSH_GPU8_CONFIG");
    REQUIRE_MESSAGE(path, "OSH_GPU8_CONFIG is set by meson");
    auto text = file::read_regular(path);
    REQUIRE_MESSAGE(text, text.error().what());
    auto spec = oci::parse_spec(*text, path);
    REQUIRE_MESSAGE(spec, spec.error().what());
    return std::move(*spec);
}

gpu::DetectInputs nvidia_host() {
    static const gpu::HostDevices host =
        gpu::parse_proc_devices("Character devices:\n195 nvidia-frontend\n510 nvidia-uvm\n");
    gpu::DetectInputs in;
    in.host = &host;
    return in;
}

const EffectiveRule* rule(const EffectivePolicy& e, std::string_view path) {
    for (const auto& r : e.rules)
        if (r.path == path) return &r;
    return nullptr;
}

}  // namespace

TEST_CASE("acceptance: 8-GPU CDI config detected from every source it carries" *
          doctest::test_suite("corpus")) {
    oci::Spec s = load_8gpu();
    auto d = gpu::detect(s, gpu::DetectMode::auto_, nvidia_host());
    CHECK(d.gpu);
    CHECK(d.vendors == std::vector<std::string>{"nvidia"});
    const std::vector<std::string> nodes = {
        "/dev/nvidia-modeset", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia0",
        "/dev/nvidia1",        "/dev/nvidia2",    "/dev/nvidia3",          "/dev/nvidia4",
        "/dev/nvidia5",        "/dev/nvidia6",    "/dev/nvidia7",          "/dev/nvidiactl"};
    CHECK(d.device_nodes == nodes);
    // 12 device nodes, the CDI annotation and nvidia-ctk's createContainer hook.
    CHECK(d.evidence.size() == 14);
    CHECK(d.evidence[0].origin == "linux.devices[0] (char 195:254)");
    CHECK(d.evidence[0].device_path == "/dev/nvidia-modeset");
    bool ann = false, hook = false;
    for (const auto& e : d.evidence) {
        ann = ann || e.origin == "annotation cdi.k8s.io/oci-sandbox-test";
        hook = hook || e.origin == "hooks.createContainer[0] nvidia-ctk";
    }
    CHECK(ann);
    CHECK(hook);
}

TEST_CASE("acceptance: 8-GPU CDI config under the example policy" * doctest::test_suite("corpus")) {
    oci::Spec s = load_8gpu();
    auto d = gpu::detect(s, gpu::DetectMode::auto_, nvidia_host());
    auto r = rewrite(product_example_policy(), s, d, rootfs::no_rootfs());
    REQUIRE_MESSAGE(r, r.error().what());
    for (int i = 0; i < 8; ++i) {
        std::string n = "/dev/nvidia" + std::to_string(i);
        CAPTURE(n);
        REQUIRE(rule(*r, n));
        CHECK(rule(*r, n)->access == kGpuNode);
        CHECK(rule(*r, n)->gpu_device);
    }
    for (const char* n :
         {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"}) {
        CAPTURE(n);
        REQUIRE(rule(*r, n));
        CHECK(rule(*r, n)->access == kGpuNode);
    }
    // /proc: read-only in the policy, write_file+truncate added (allowed by gpu.promotion.allow).
    REQUIRE(rule(*r, "/proc"));
    CHECK(rule(*r, "/proc")->access == (kReadOnly | bit(Access::write_file) | bit(Access::truncate)));
    // The persistenced socket is mounted at /var/run/nvidia-persistenced/socket.
    REQUIRE(rule(*r, "/run/nvidia-persistenced"));
    CHECK(rule(*r, "/run/nvidia-persistenced")->access == kReadOnly);
    // cwd is "/" in this Docker config: never made writable.
    CHECK_FALSE(rule(*r, "/"));
    CHECK(r->seccomp_relaxations.empty());  // NVIDIA needs none (docs/gpu-validation.md)
    std::string t = explain_text(*r);
    CHECK(t.find("+ /dev/nvidia7 rw+ioctl_dev  gpu nvidia: device node from linux.devices[11] (char 195:7)") !=
          std::string::npos);
    CHECK(t.find("^ /proc ro -> ro+write_file+truncate") != std::string::npos);

    // On a host where nvidia-persistenced runs, that bind's source is a
    // socket: Landlock cannot keep CUDA's connect from it, so the GPU grant
    // says the workload may use it, and nothing fails. No GPU detected: the
    // policy is silent on it, a landlock_path failure.
    policy::HostView host;
    for (size_t i = 0; i < s.mounts.size(); ++i)
        if (s.mounts[i].destination == "/var/run/nvidia-persistenced/socket")
            host.socket_binds = {i};
    REQUIRE(host.socket_binds.size() == 1);
    auto withd = rewrite(product_example_policy(), s, d, rootfs::no_rootfs(), &host);
    REQUIRE_MESSAGE(withd, withd.error().what());
    REQUIRE(rule(*withd, "/run/nvidia-persistenced/socket"));
    CHECK(rule(*withd, "/run/nvidia-persistenced/socket")->access ==
          (bit(Access::read_file) | bit(Access::write_file)));
    CHECK(withd->path_failures.empty());
    auto nogpu = rewrite(product_example_policy(), s, gpu::Detection{}, rootfs::no_rootfs(), &host);
    REQUIRE_MESSAGE(nogpu, nogpu.error().what());
    REQUIRE(nogpu->path_failures.size() == 1);
    CHECK(nogpu->path_failures[0].message.find(
              "(/run/nvidia-persistenced/socket) binds the host's socket") != std::string::npos);
}
