// GPU detection: every evidence source with its origin string, every vendor
// profile, and the gpu.detect modes.
#include <doctest/doctest.h>

#include <algorithm>

#include "gpu/detect.hpp"
#include "gpu/vendor.hpp"
#include "rootfs/facts.hpp"
#include "util/path.hpp"

using namespace osh;
using gpu::DetectMode;
using gpu::EvidenceSource;

namespace {

// A host with every vendor's driver loaded: the dynamic majors its
// /proc/devices would name.
// Its /proc/misc: the misc minors (major 10) of the vendors' misc nodes and
// of two other drivers that share the major.
constexpr const char* kProcMisc = " 63 dxg\n 62 nvmap\n 61 nvsciipc\n232 kvm\n200 tun\n";

const gpu::HostDevices& loaded_host() {
    static const gpu::HostDevices host = [] {
        auto h = gpu::parse_proc_devices(
            "Character devices:\n  1 mem\n 10 misc\n195 nvidia-frontend\n226 drm\n"
            "235 nvidia-caps-imex-channels\n236 nvidia-nvswitch\n237 nvidia-caps\n"
            "238 nvidia-uvm\n239 nvhost\n240 nvgpu\n241 host1x-fence\n242 kfd\n"
            "243 habanalabs\n261 accel\n\nBlock devices:\n  8 sd\n238 notachar\n");
        gpu::parse_proc_misc(kProcMisc, h);
        return h;
    }();
    return host;
}

// The major a real node of this path has on loaded_host().
int64_t real_major(std::string_view p) {
    auto m = gpu::match_device_path(p);
    if (!m.device) return 1;
    if (!m.device->majors.empty()) return m.device->majors.front();
    auto it = loaded_host().majors.find(m.device->major_names.front());
    return it == loaded_host().majors.end() ? 1 : it->second.front();
}

// The minor a real node of this path has: a misc node's from /proc/misc.
int64_t real_minor(std::string_view p) {
    if (real_major(p) != gpu::kMiscMajor) return 0;
    auto slash = p.rfind('/');
    auto it = loaded_host().misc_minors.find(p.substr(slash + 1));
    return it == loaded_host().misc_minors.end() ? 0 : it->second;
}

oci::Spec with_devices(std::initializer_list<const char*> paths) {
    oci::Spec s;
    s.has_linux = true;
    for (const char* p : paths) s.devices.push_back({p, "c", real_major(p), real_minor(p), std::nullopt});
    return s;
}

// A spec whose /dev is the runtime's fresh tmpfs (runc spec, Docker, podman):
// nodes seen there were made by the runtime or a hook.
oci::Spec runtime_dev() {
    oci::Spec s;
    s.mounts.push_back({"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755"}});
    return s;
}

gpu::DetectInputs on_loaded_host() {
    gpu::DetectInputs in;
    in.host = &loaded_host();
    return in;
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
                         gpu::DetectMode::auto_);
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
        auto d = gpu::detect(with_devices({c.node}), gpu::DetectMode::auto_, on_loaded_host());
        REQUIRE(d.evidence.size() == 1);
        CHECK(d.gpu);
        CHECK(d.evidence[0].node);
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

TEST_CASE("evidence: linux.devices and mounts carry their index; a mount is only a claim") {
    oci::Spec s = with_devices({"/dev/null", "/dev/zero", "/dev/tty", "/dev/nvidia3"});
    for (int i = 0; i < 5; ++i) s.mounts.push_back({"/mnt/" + std::to_string(i), "bind", "/x", {}});
    s.mounts.push_back({"/dev/nvidiactl", "bind", "/dev/nvidiactl", {"bind"}});
    auto d = gpu::detect(s, gpu::DetectMode::auto_);
    REQUIRE(d.evidence.size() == 2);
    CHECK(d.evidence[0].origin == "linux.devices[3] (char 195:0)");
    CHECK(d.evidence[0].source == EvidenceSource::linux_devices);
    CHECK(d.evidence[0].node);
    CHECK(d.evidence[1].origin == "mounts[5]");
    CHECK(d.evidence[1].source == EvidenceSource::mounts);
    // What a mount puts at a device path is known only in the live /dev.
    CHECK_FALSE(d.evidence[1].node);
    CHECK(d.device_nodes == std::vector<std::string>{"/dev/nvidia3"});
    CHECK(d.reason.find("gpu.detect=auto") != std::string::npos);
    CHECK(d.reason.find("linux.devices[3]") != std::string::npos);
}

TEST_CASE("accelerator nodes: only character devices with the vendor's numbers") {
    // /dev/nvidia0 with /dev/null's numbers, a block device, a bare name.
    oci::Spec s;
    s.devices.push_back({"/dev/nvidia0", "c", 1, 3, std::nullopt});
    s.devices.push_back({"/dev/nvidia1", "b", 195, 1, std::nullopt});
    s.devices.push_back({"/dev/nvidia2", "c", -1, -1, std::nullopt});
    auto d = gpu::detect(s, gpu::DetectMode::auto_, on_loaded_host());
    CHECK_FALSE(d.gpu);
    CHECK(d.device_nodes.empty());
    REQUIRE(d.evidence.size() == 3);
    CHECK(d.evidence[0].note.find("major 1 is not a NVIDIA device number") != std::string::npos);
    CHECK(d.evidence[1].note.find("not a character device") != std::string::npos);
    CHECK(d.evidence[2].note == "no device numbers");
    // A dynamic major counts only as the host registers it.
    oci::Spec uvm = with_devices({"/dev/nvidia-uvm"});
    CHECK(gpu::detect(uvm, gpu::DetectMode::auto_, on_loaded_host()).gpu);
    auto bare = gpu::detect(uvm, gpu::DetectMode::auto_);  // no host numbers given
    CHECK_FALSE(bare.gpu);
    CHECK(bare.evidence[0].note.find("not registered in the host's /proc/devices") !=
          std::string::npos);
    gpu::HostDevices other = gpu::parse_proc_devices("Character devices:\n238 nvidia-uvm\n");
    gpu::DetectInputs in;
    in.host = &other;
    oci::Spec wrong;
    wrong.devices.push_back({"/dev/nvidia-uvm", "c", 239, 0, std::nullopt});
    CHECK_FALSE(gpu::detect(wrong, gpu::DetectMode::auto_, in).gpu);
}

TEST_CASE("/proc/devices: the character section only") {
    auto h = gpu::parse_proc_devices(
        "Character devices:\n  1 mem\n195 nvidia-frontend\n238 nvidia-uvm\n\nBlock devices:\n"
        "259 blkext\n238 nvidia-uvm-fake\n");
    CHECK(h.majors.at("nvidia-uvm") == std::vector<uint32_t>{238});
    CHECK(h.majors.at("mem") == std::vector<uint32_t>{1});
    CHECK(h.majors.count("blkext") == 0);
    CHECK(h.majors.count("nvidia-uvm-fake") == 0);
    CHECK(gpu::parse_proc_devices("garbage\n\x01\n").majors.empty());
}

TEST_CASE("evidence: visible-devices environment variables") {
    for (std::string v : {"all", "0,1", "GPU-3c4b0e2b-5d5e-4c52-8bd0-6b0e0d3c1f2a", "MIG-1"}) {
        oci::Spec s;
        s.env = {"PATH=/bin", "NVIDIA_VISIBLE_DEVICES=" + v};
        auto d = gpu::detect(s, gpu::DetectMode::auto_);
        CAPTURE(v);
        // The container's own claim: reported, no GPU without a node.
        CHECK_FALSE(d.gpu);
        CHECK(d.reason.find("grants nothing by itself") != std::string::npos);
        REQUIRE(d.evidence.size() == 1);
        CHECK_FALSE(d.evidence[0].node);
        CHECK(d.evidence[0].origin == "process.env NVIDIA_VISIBLE_DEVICES=" + v);
        CHECK(d.evidence[0].source == EvidenceSource::env);
        CHECK(d.evidence[0].device_path.empty());
    }
    oci::Spec amd;
    amd.env = {"AMD_VISIBLE_DEVICES=0,1,2"};
    CHECK(gpu::detect(amd, gpu::DetectMode::auto_).evidence.at(0).vendor == "amd");
    CHECK(gpu::detect(amd, gpu::DetectMode::always).vendors == std::vector<std::string>{"amd"});
    oci::Spec hab;
    hab.env = {"HABANA_VISIBLE_DEVICES=5"};
    CHECK(gpu::detect(hab, gpu::DetectMode::auto_).evidence.at(0).vendor == "habana");
    // The claim with a real node: the node decides.
    oci::Spec both = with_devices({"/dev/nvidia0"});
    both.env = {"NVIDIA_VISIBLE_DEVICES=all"};
    CHECK(gpu::detect(both, gpu::DetectMode::auto_).gpu);
}

TEST_CASE("NVIDIA_VISIBLE_DEVICES none, void and empty request nothing") {
    for (std::string kv : {"NVIDIA_VISIBLE_DEVICES=none", "NVIDIA_VISIBLE_DEVICES=void",
                           "NVIDIA_VISIBLE_DEVICES=", "NVIDIA_VISIBLE_DEVICES=NONE",
                           "NVIDIA_VISIBLE_DEVICES= void "}) {
        CAPTURE(kv);
        oci::Spec s;
        s.env = {kv};
        auto d = gpu::detect(s, gpu::DetectMode::auto_);
        CHECK_FALSE(d.gpu);
        CHECK(d.evidence.empty());
        CHECK(d.reason.find("requests no device") != std::string::npos);
    }
    // getenv semantics: the first definition wins.
    oci::Spec s;
    s.env = {"NVIDIA_VISIBLE_DEVICES=void", "NVIDIA_VISIBLE_DEVICES=all"};
    CHECK_FALSE(gpu::detect(s, gpu::DetectMode::auto_).gpu);
}

TEST_CASE("evidence: CDI annotations naming NVIDIA kinds") {
    oci::Spec s;
    s.annotations["cdi.k8s.io/foo"] = "nvidia.com/gpu=0";
    s.annotations["nvidia.cdi.k8s.io/bar"] = "vendor.com/x=1, runtime.nvidia.com/gpu=all";
    s.annotations["cdi.k8s.io/other"] = "vendor.com/device=foo";
    s.annotations["io.kubernetes.cri.container-type"] = "nvidia.com/gpu=0";
    auto d = gpu::detect(s, gpu::DetectMode::auto_);
    CHECK_FALSE(d.gpu);  // annotations are claims
    REQUIRE(d.evidence.size() == 2);
    CHECK(has_origin(d, "annotation cdi.k8s.io/foo"));
    CHECK(has_origin(d, "annotation nvidia.cdi.k8s.io/bar"));
    CHECK(d.evidence[0].source == EvidenceSource::annotation);

    oci::Spec none;
    none.annotations["cdi.k8s.io/x"] = "vendor.com/device=foo";
    none.annotations["cdi.k8s.io/y"] = "nvidia.com/gpu";  // no "=name": not a device name
    CHECK(gpu::detect(none, gpu::DetectMode::auto_).evidence.empty());
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
    auto d = gpu::detect(s, gpu::DetectMode::auto_);
    CHECK_FALSE(d.gpu);  // the nodes such a hook adds count once they are in the live /dev
    REQUIRE(d.evidence.size() == 4);
    CHECK(d.evidence[0].origin == "hooks.prestart[0] nvidia-container-runtime-hook");
    CHECK(d.evidence[1].origin == "hooks.prestart[1] nvidia-container-toolkit");
    CHECK(d.evidence[2].origin == "hooks.createRuntime[1] nvidia-container-runtime-hook");
    CHECK(d.evidence[3].origin == "hooks.createContainer[0] nvidia-ctk");
    CHECK(d.evidence[0].source == EvidenceSource::prestart_hook);
    CHECK(d.device_nodes.empty());
}

TEST_CASE("evidence: the live /dev, character devices with the vendor's numbers only") {
    using rootfs::NodeKind;
    rootfs::DevListing live;
    live.entries = {{"/dev/nvidia0", NodeKind::char_device, false, 195, 0},
                    {"/dev/nvidiactl", NodeKind::char_device, false, 195, 255},
                    {"/dev/nvidia1", NodeKind::regular, false, 0, 0},
                    {"/dev/nvidia2", NodeKind::other, true, 0, 0},  // a symlink
                    {"/dev/nvidia3", NodeKind::char_device, false, 1, 3},
                    {"/dev/nvidia-caps", NodeKind::directory, false, 0, 0},
                    {"/dev/nvidia-caps/rt", NodeKind::directory, false, 0, 0},  // a volume
                    {"/dev/null", NodeKind::char_device, false, 1, 3},
                    {"/dev/nvidia", NodeKind::char_device, false, 195, 0}};
    gpu::DetectInputs in = on_loaded_host();
    in.live = &live;
    auto d = gpu::detect(runtime_dev(), gpu::DetectMode::auto_, in);
    CHECK(d.gpu);
    REQUIRE(d.evidence.size() == 6);
    CHECK(d.evidence[0].origin == "live /dev/nvidia0 (char 195:0)");
    CHECK(d.evidence[0].source == EvidenceSource::live_dev);
    CHECK(d.evidence[2].note == "not a character device");
    CHECK(d.evidence[3].note.find("symbolic link") != std::string::npos);
    CHECK(d.evidence[4].note.find("major 1") != std::string::npos);
    CHECK(d.evidence[5].device_path == "/dev/nvidia-caps/rt");
    CHECK_FALSE(d.evidence[5].node);
    CHECK(d.device_nodes == std::vector<std::string>{"/dev/nvidia0", "/dev/nvidiactl"});
    CHECK(gpu::name(EvidenceSource::live_dev) == "live /dev");
}

TEST_CASE("evidence: a node on the root's own filesystem is the image's, vouched for only by the spec") {
    // No /dev mount: the image's /dev/nvidia0 and /dev/nvidiactl (195:0,
    // 195:255) are content of the image. They once got GPU rights and /proc
    // write; a linux.devices entry at the same path still counts.
    using rootfs::NodeKind;
    rootfs::DevListing live;
    live.entries = {{"/dev/nvidia0", NodeKind::char_device, false, 195, 0, true},
                    {"/dev/nvidiactl", NodeKind::char_device, false, 195, 255, true}};
    gpu::DetectInputs in = on_loaded_host();
    in.live = &live;
    auto d = gpu::detect(oci::Spec{}, gpu::DetectMode::auto_, in);
    CHECK_FALSE(d.gpu);
    REQUIRE(d.evidence.size() == 2);
    for (const auto& e : d.evidence) {
        CHECK_FALSE(e.node);
        CHECK(e.note.find("the image itself holds") != std::string::npos);
    }
    CHECK(d.reason.find("claimed by live /dev/nvidia0 (char 195:0)") != std::string::npos);

    auto declared = gpu::detect(with_devices({"/dev/nvidia0"}), gpu::DetectMode::auto_, in);
    CHECK(declared.gpu);
    CHECK(declared.device_nodes == std::vector<std::string>{"/dev/nvidia0"});

    // On a filesystem of its own: the runtime's /dev tmpfs, or a bind from
    // the host's /dev, vouch for it; a volume at /dev (podman copies an
    // image's VOLUME /dev into one, nodes included), a bind from elsewhere,
    // or no mount of the spec at all do not.
    live.entries[0].on_root_fs = false;
    CHECK(gpu::detect(runtime_dev(), gpu::DetectMode::auto_, in).device_nodes ==
          std::vector<std::string>{"/dev/nvidia0"});
    oci::Spec host_bind;
    host_bind.mounts.push_back({"/dev/nvidia0", "bind", "/dev/nvidia0", {"bind"}});
    CHECK(gpu::detect(host_bind, gpu::DetectMode::auto_, in).gpu);
    oci::Spec volume = runtime_dev();
    volume.mounts.push_back({"/dev", "bind", "/var/lib/containers/storage/volumes/x/_data", {"rbind"}});
    auto v = gpu::detect(volume, gpu::DetectMode::auto_, in);
    CHECK_FALSE(v.gpu);
    CHECK(v.evidence[0].note.find("on mounts[1] (a bind of /var/lib/containers/storage/volumes/x/_data)") !=
          std::string::npos);
    // The last mount at or above the node is on top: a volume at /dev after
    // a tmpfs at the node's own path hides that tmpfs. A destination is read
    // as the runtime cleans it ("/dev/../dev", "dev"). A tmpcopyup tmpfs
    // starts as the image's tree.
    oci::Spec shadow;
    shadow.mounts.push_back({"/dev/nvidia0", "tmpfs", "tmpfs", {"nosuid"}});
    shadow.mounts.push_back({"/dev", "bind", "/srv/filled", {"rbind"}});
    CHECK_FALSE(gpu::detect(shadow, gpu::DetectMode::auto_, in).gpu);
    for (const char* dest : {"/dev/../dev", "dev", "//dev/"}) {
        CAPTURE(dest);
        oci::Spec spelled = runtime_dev();
        spelled.mounts.push_back({dest, "bind", "/srv/filled", {"rbind"}});
        CHECK_FALSE(gpu::detect(spelled, gpu::DetectMode::auto_, in).gpu);
    }
    // Where a mount landed decides, not its spelling: a volume at /data that
    // the image's /data -> /dev put over the runtime's /dev.
    oci::Spec moved = runtime_dev();
    moved.mounts.push_back({"/data", "bind", "/srv/filled", {"rbind"}});
    gpu::DetectInputs landed = in;
    landed.paths = [](const std::string& p) -> std::optional<rootfs::PathFact> {
        rootfs::PathFact f;
        f.resolved = p == "/data" ? "/dev" : p;  // the image's /data -> /dev
        return f;
    };
    CHECK(gpu::detect(moved, gpu::DetectMode::auto_, in).gpu);  // by spelling: the tmpfs
    CHECK_FALSE(gpu::detect(moved, gpu::DetectMode::auto_, landed).gpu);
    // A landing the probe cannot find (runc and crun part on the image's
    // x -> nonexist/../d, d -> dev) may be over the node: no evidence.
    gpu::DetectInputs untold = in;
    untold.paths = [](const std::string& p) -> std::optional<rootfs::PathFact> {
        if (p == "/data") return std::nullopt;
        rootfs::PathFact f;
        f.resolved = p;
        return f;
    };
    auto u = gpu::detect(moved, gpu::DetectMode::auto_, untold);
    CHECK_FALSE(u.gpu);
    CHECK(u.evidence[0].note.find("on mounts[1] (a bind of /srv/filled)") != std::string::npos);
    oci::Spec copyup;
    copyup.mounts.push_back({"/dev", "tmpfs", "tmpfs", {"tmpcopyup"}});
    CHECK_FALSE(gpu::detect(copyup, gpu::DetectMode::auto_, in).gpu);
    oci::Spec elsewhere;
    elsewhere.mounts.push_back({"/dev/nvidia0", "bind", "/srv/nodes/nvidia0", {"bind"}});
    CHECK_FALSE(gpu::detect(elsewhere, gpu::DetectMode::auto_, in).gpu);
    auto none = gpu::detect(oci::Spec{}, gpu::DetectMode::auto_, in);
    CHECK_FALSE(none.gpu);
    CHECK(none.evidence[0].note.find("no mount of the spec puts there") != std::string::npos);
}

TEST_CASE("misc nodes (major 10, shared): only with the minor /proc/misc registers for the name") {
    // /dev/kvm (10:232) or /dev/net/tun (10:200) at a Tegra or WSL2 path is
    // no accelerator: it once got a GPU node's rights and /proc write.
    for (const char* path : {"/dev/nvmap", "/dev/dxg", "/dev/nvsciipc"}) {
        CAPTURE(path);
        for (int64_t minor : {232, 200, 0}) {
            CAPTURE(minor);
            oci::Spec s;
            s.has_linux = true;
            s.devices.push_back({path, "c", 10, minor, std::nullopt});
            auto d = gpu::detect(s, gpu::DetectMode::auto_, on_loaded_host());
            CHECK_FALSE(d.gpu);
            REQUIRE(d.evidence.size() == 1);
            CHECK(d.evidence[0].note.find("is not the host's") != std::string::npos);
        }
        oci::Spec s = with_devices({path});
        CHECK(gpu::detect(s, gpu::DetectMode::auto_, on_loaded_host()).gpu);
        // A host whose /proc/misc was not read, or names no such device.
        gpu::HostDevices unread = loaded_host();
        unread.misc_read = false;
        gpu::DetectInputs in;
        in.host = &unread;
        auto d = gpu::detect(s, gpu::DetectMode::auto_, in);
        CHECK_FALSE(d.gpu);
        CHECK(d.evidence[0].note.find("/proc/misc was not read") != std::string::npos);
        gpu::HostDevices none = gpu::parse_proc_devices("Character devices:\n 10 misc\n");
        gpu::parse_proc_misc("232 kvm\n", none);
        in.host = &none;
        d = gpu::detect(s, gpu::DetectMode::auto_, in);
        CHECK_FALSE(d.gpu);
        CHECK(d.evidence[0].note.find("names no") != std::string::npos);
    }
    // The live /dev too: the image's own /dev/nvmap being tun.
    rootfs::DevListing live;
    live.entries = {{"/dev/nvmap", rootfs::NodeKind::char_device, false, 10, 200}};
    gpu::DetectInputs in = on_loaded_host();
    in.live = &live;
    CHECK(gpu::names_misc_device(oci::Spec{}, &live));
    CHECK_FALSE(gpu::detect(runtime_dev(), gpu::DetectMode::auto_, in).gpu);
    live.entries[0].minor = 62;
    CHECK(gpu::detect(runtime_dev(), gpu::DetectMode::auto_, in).gpu);
    CHECK_FALSE(gpu::names_misc_device(with_devices({"/dev/nvidia0"}), nullptr));
    CHECK(gpu::names_misc_device(with_devices({"/dev/dxg"}), nullptr));
}

TEST_CASE("evidence: the /dev the hook sees outranks the spec's device entry") {
    // A directory mounted at /dev/nvidia0 wins over the runtime's mknod of
    // the spec's entry: the path names no accelerator node. /dev/nvidiactl,
    // declared and present as a device, still counts; /dev/nvidia-uvm,
    // declared and not listed, is the runtime's to create.
    using rootfs::NodeKind;
    rootfs::DevListing live;
    live.entries = {{"/dev/nvidia0", NodeKind::directory, false, 0, 0},
                    {"/dev/nvidiactl", NodeKind::char_device, false, 195, 255}};
    gpu::DetectInputs in = on_loaded_host();
    in.live = &live;
    auto d = gpu::detect(with_devices({"/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"}),
                         gpu::DetectMode::auto_, in);
    CHECK(d.device_nodes == std::vector<std::string>{"/dev/nvidia-uvm", "/dev/nvidiactl"});
    REQUIRE_FALSE(d.evidence.empty());
    CHECK(d.evidence[0].origin.starts_with("linux.devices[0]"));
    CHECK_FALSE(d.evidence[0].node);
    CHECK(d.evidence[0].note ==
          "the spec names a device there, but live /dev/nvidia0 is not one: not a character device");

    live.entries = {{"/dev/nvidia0", NodeKind::directory, false, 0, 0}};
    auto only = gpu::detect(with_devices({"/dev/nvidia0"}), gpu::DetectMode::auto_, in);
    CHECK_FALSE(only.gpu);
    CHECK(only.device_nodes.empty());
}

TEST_CASE("gpu.detect: auto, always, never") {
    oci::Spec empty;
    auto a = gpu::detect(empty, gpu::DetectMode::auto_);
    CHECK_FALSE(a.gpu);
    CHECK(a.vendors.empty());
    CHECK(a.reason.find("no accelerator evidence") != std::string::npos);

    auto al = gpu::detect(empty, gpu::DetectMode::always);
    CHECK(al.gpu);
    CHECK(al.vendors == std::vector<std::string>{"nvidia"});
    CHECK(al.reason.find("as the policy asks") != std::string::npos);

    auto amd = gpu::detect(with_devices({"/dev/kfd"}), gpu::DetectMode::always, on_loaded_host());
    CHECK(amd.vendors == std::vector<std::string>{"amd"});

    auto n = gpu::detect(with_devices({"/dev/nvidia0"}), gpu::DetectMode::never);
    CHECK_FALSE(n.gpu);
    CHECK(n.evidence.size() == 1);  // still reported
    CHECK(n.reason.find("gpu.detect=never") != std::string::npos);
}
