// Acceptance: a config.json made by applying the NVIDIA k8s DRA driver's
// static 8-GPU CDI spec (corpus cdi/nvidia-k8s-dra-driver/nvidia-initial.yaml)
// to a real Docker-generated config (corpus configs/nvidia-container-toolkit/
// docker-config.clone3.input.json) by cdi_apply.py at build time; and the
// rootfs probe against a real directory tree.
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
#include "policy/rootfs_probe.hpp"
#include "util/file.hpp"

using namespace osh;
using namespace osh::policy;

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

const EffectiveRule* rule(const EffectivePolicy& e, std::string_view path) {
    for (const auto& r : e.rules)
        if (r.path == path) return &r;
    return nullptr;
}

}  // namespace

TEST_CASE("acceptance: 8-GPU CDI config detected from every source it carries") {
    oci::Spec s = load_8gpu();
    auto d = gpu::detect(s, GpuDetect::auto_);
    CHECK(d.gpu);
    CHECK(d.vendors == std::vector<std::string>{"nvidia"});
    const std::vector<std::string> nodes = {
        "/dev/nvidia-modeset", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia0",
        "/dev/nvidia1",        "/dev/nvidia2",    "/dev/nvidia3",          "/dev/nvidia4",
        "/dev/nvidia5",        "/dev/nvidia6",    "/dev/nvidia7",          "/dev/nvidiactl"};
    CHECK(d.device_nodes == nodes);
    // 12 device nodes, the CDI annotation and nvidia-ctk's createContainer hook.
    CHECK(d.evidence.size() == 14);
    CHECK(d.evidence[0].origin == "linux.devices[0]");
    CHECK(d.evidence[0].device_path == "/dev/nvidia-modeset");
    bool ann = false, hook = false;
    for (const auto& e : d.evidence) {
        ann = ann || e.origin == "annotation cdi.k8s.io/oci-sandbox-test";
        hook = hook || e.origin == "hooks.createContainer[0] nvidia-ctk";
    }
    CHECK(ann);
    CHECK(hook);
}

TEST_CASE("acceptance: 8-GPU CDI config under the example policy") {
    oci::Spec s = load_8gpu();
    auto d = gpu::detect(s, GpuDetect::auto_);
    auto r = rewrite(product_example_policy(), s, d,
                     [](const std::string&) -> std::optional<NodeKind> { return std::nullopt; });
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
    // /proc: read-only in the policy, write_file added (allowed by gpu.promotion.allow).
    REQUIRE(rule(*r, "/proc"));
    CHECK(rule(*r, "/proc")->access == (kReadOnly | bit(Access::write_file)));
    // The persistenced socket is mounted at /var/run/nvidia-persistenced/socket.
    REQUIRE(rule(*r, "/run/nvidia-persistenced"));
    CHECK(rule(*r, "/run/nvidia-persistenced")->access == kReadOnly);
    // cwd is "/" in this Docker config: never made writable.
    CHECK_FALSE(rule(*r, "/"));
    CHECK(r->seccomp_relaxations.size() == 1);
    std::string t = explain_text(*r);
    CHECK(t.find("+ /dev/nvidia7 rw+ioctl_dev  gpu nvidia: device node from linux.devices[11]") !=
          std::string::npos);
    CHECK(t.find("^ /proc ro -> ro+write_file") != std::string::npos);
}

TEST_CASE("rootfs probe: kinds, missing paths, symlinks stay inside the rootfs") {
    char tmpl[] = "/tmp/osh-gpu-probe-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    std::filesystem::path base(tmpl);
    auto root = base / "rootfs";
    std::filesystem::create_directories(root / "usr/lib");
    std::filesystem::create_directories(base / "outside");
    std::ofstream(base / "outside/secret") << "x";
    std::ofstream(root / "usr/lib/libc.so") << "x";
    std::filesystem::create_directory_symlink("usr/lib", root / "lib");
    // Both spellings of an escape: absolute and "..".
    std::filesystem::create_directory_symlink(base / "outside", root / "abs");
    std::filesystem::create_directory_symlink("../../outside", root / "rel");
    REQUIRE(mkfifo((root / "fifo").c_str(), 0600) == 0);

    auto probe = open_rootfs_probe(root.string());
    REQUIRE_MESSAGE(probe, probe.error().what());
    auto& p = *probe;
    CHECK(p("/") == NodeKind::directory);
    CHECK(p("/usr") == NodeKind::directory);
    CHECK(p("/usr/lib/libc.so") == NodeKind::regular);
    CHECK(p("/lib") == NodeKind::symlink);          // the last component is not followed
    CHECK(p("/lib/libc.so") == NodeKind::regular);  // inner symlinks resolve inside the root
    CHECK(p("/fifo") == NodeKind::fifo);
    CHECK(p("/nope") == NodeKind::missing);
    CHECK(p("/usr/lib/libc.so/x") == NodeKind::missing);  // ENOTDIR
    CHECK(p("/abs/secret") == NodeKind::missing);         // never reaches the host's file
    CHECK(p("/rel/secret") == NodeKind::missing);
    CHECK(p("/../../outside/secret") == NodeKind::missing);

    auto bad = open_rootfs_probe((base / "nope").string());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().err == ENOENT);
    CHECK_FALSE(no_rootfs_probe()("/usr").has_value());
    std::filesystem::remove_all(base);
}

TEST_CASE("live /dev listing: nodes beneath /dev, symlinks never followed, bounded") {
    char tmpl[] = "/tmp/osh-gpu-live-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    std::filesystem::path root(tmpl);
    std::filesystem::create_directories(root / "dev/nvidia-caps");
    std::filesystem::create_directories(root / "dev/a/b/c/d");
    std::ofstream(root / "dev/a/b/c/d/deep") << "x";
    std::ofstream(root / "dev/nvidia1") << "not a device";
    std::filesystem::create_directory_symlink("/dev", root / "dev/hostdev");
    // Character devices need CAP_MKNOD; without it the regular-file and
    // directory cases still run and the char-device checks are skipped.
    bool can_mknod =
        ::mknod((root / "dev/nvidia0").c_str(), S_IFCHR | 0600, makedev(195, 0)) == 0 &&
        ::mknod((root / "dev/nvidia-caps/nvidia-cap1").c_str(), S_IFCHR | 0600, makedev(511, 1)) ==
            0;
    if (!can_mknod) MESSAGE("not root: char-device part of the live /dev test not run");

    UniqueFd rootfd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(rootfd.valid());
    auto live = list_live_dev(rootfd.get());
    REQUIRE_MESSAGE(live, live.error().what());
    std::map<std::string, char> seen;
    for (const auto& n : *live) seen[n.path] = n.type;
    CHECK(seen["/dev/nvidia1"] == 'f');
    CHECK(seen["/dev/nvidia-caps"] == 'd');
    CHECK(seen.count("/dev/hostdev") == 0);  // a symlink: not listed, not followed
    CHECK(seen.count("/dev/hostdev/null") == 0);
    CHECK(seen["/dev/a/b/c/d"] == 'd');           // depth 4
    CHECK(seen.count("/dev/a/b/c/d/deep") == 0);  // beyond it
    if (can_mknod) {
        CHECK(seen["/dev/nvidia0"] == 'c');
        CHECK(seen["/dev/nvidia-caps/nvidia-cap1"] == 'c');
        auto d = gpu::detect(oci::Spec{}, GpuDetect::auto_, &*live);
        CHECK(d.device_nodes ==
              std::vector<std::string>{"/dev/nvidia-caps/nvidia-cap1", "/dev/nvidia0"});
    }
    auto capped = list_live_dev(rootfd.get(), 4, 3);
    REQUIRE_FALSE(capped);
    CHECK(capped.error().message.find("more than 3 entries") != std::string::npos);

    // /dev itself a symlink to the host's /dev: refused, never followed.
    char tmpl2[] = "/tmp/osh-gpu-live2-XXXXXX";
    REQUIRE(mkdtemp(tmpl2));
    std::filesystem::create_directory_symlink("/dev", std::filesystem::path(tmpl2) / "dev");
    UniqueFd root2(::open(tmpl2, O_PATH | O_DIRECTORY | O_CLOEXEC));
    CHECK_FALSE(list_live_dev(root2.get()));

    auto probe = rootfs_probe(std::move(rootfd));
    CHECK(probe("/dev/nvidia-caps") == NodeKind::directory);
    std::filesystem::remove_all(root);
    std::filesystem::remove_all(tmpl2);
}
