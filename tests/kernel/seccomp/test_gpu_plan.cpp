// The 8-GPU acceptance config (tests/unit/gpu/cdi_apply.py: NVIDIA's 8-GPU
// CDI spec applied to a real Docker config) through detection, the rewrite
// and the plan compiler with the shipped default policy: the plan carries a
// filter, it survives the plan file round trip, and a child under it does
// what CUDA's driver library does while the refusals still hold.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "child.hpp"
#include "gpu/detect.hpp"
#include "oci/spec.hpp"
#include "plan/compile.hpp"
#include "plan/plan.hpp"
#include "policy/document.hpp"
#include "policy/effective.hpp"
#include "seccomp/bpf.hpp"
#include "seccomp/profile.hpp"
#include "util/file.hpp"

using namespace osh;
using namespace osh::seccomp_test;

namespace {

plan::Plan gpu8_plan() {
    const char* path = std::getenv("OSH_GPU8_CONFIG");
    REQUIRE_MESSAGE(path, "OSH_GPU8_CONFIG is set by meson");
    auto text = file::read_regular(path);
    REQUIRE_MESSAGE(text, text.error().what());
    auto spec = oci::parse_spec(*text, path);
    REQUIRE_MESSAGE(spec, spec.error().what());
    auto pol = policy::parse_policy(policy::default_policy_text(), "built-in default");
    REQUIRE(pol.has_value());
    const auto detection = gpu::detect(*spec, pol->gpu.detect);
    REQUIRE(detection.gpu);
    // No rootfs to look at (as explain --config).
    auto eff =
        policy::rewrite(*pol, *spec, detection, [](const std::string&) { return std::nullopt; });
    REQUIRE_MESSAGE(eff, eff.error().what());
    plan::CompileOptions opts;
    opts.bpf_cache_dir = "";
    auto p = plan::compile(*eff, opts);
    REQUIRE_MESSAGE(p, p.error().error.what());
    return std::move(*p);
}

void* thread_fn(void*) {
    return reinterpret_cast<void*>(7);
}

}  // namespace

TEST_SUITE("kernel") {
    TEST_CASE("kernel: the 8-GPU plan compiles, round-trips and runs what CUDA needs" *
              doctest::test_suite("kernel-corpus")) {
        const plan::Plan p = gpu8_plan();
        REQUIRE_FALSE(p.seccomp_bpf.insns.empty());
        CHECK(p.degraded.empty());
        auto back = plan::parse(plan::serialize(p), "8-GPU plan");
        REQUIRE_MESSAGE(back, back.error().what());
        CHECK(seccomp::serialize(back->seccomp_bpf) == seccomp::serialize(p.seccomp_bpf));
        const seccomp::Bpf* bpf = &back->seccomp_bpf;
        MESSAGE("8-GPU plan: " << bpf->insns.size() << " BPF instructions");

        auto r = in_child(bpf, [](std::vector<long>& v) {
            // CUDA's driver library: anonymous memory files, mappings moved and
            // grown, device ioctls (here on /dev/null: ENOTTY, not EPERM), threads.
            long mfd = sc(__NR_memfd_create, reinterpret_cast<long>("cuda"), MFD_CLOEXEC);
            v.push_back(mfd >= 0);  // 0
            bool remapped = false;
            if (mfd >= 0 && ::ftruncate(static_cast<int>(mfd), 8192) == 0) {
                void* m = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
                                 static_cast<int>(mfd), 0);
                if (m != MAP_FAILED) {
                    void* g = ::mremap(m, 4096, 8192, MREMAP_MAYMOVE);
                    remapped = g != MAP_FAILED && ::munmap(g, 8192) == 0;
                }
            }
            v.push_back(remapped);  // 1
            int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            termios t{};
            v.push_back(sc(__NR_ioctl, null, TCGETS, reinterpret_cast<long>(&t)));  // 2
            v.push_back(sc(__NR_ioctl, null, 0xc020462a, 0));                       // 3
            ::close(null);
            pthread_t th;
            void* ret = nullptr;
            v.push_back(::pthread_create(&th, nullptr, thread_fn, nullptr) == 0 &&
                        ::pthread_join(th, &ret) == 0 && ret == reinterpret_cast<void*>(7));  // 4
            unsigned long mask = 0;
            v.push_back(sc(__NR_get_mempolicy, 0, reinterpret_cast<long>(&mask), 64, 0, 0));  // 5
            int ldisc = 0;
            v.push_back(sc(__NR_ioctl, 0, TIOCSETD, reinterpret_cast<long>(&ldisc)));  // 6
            v.push_back(sc(__NR_reboot, 0, 0, 0, 0));                                  // 7
            v.push_back(sc(seccomp::newest_known_number() + 1, 0, 0, 0, 0, 0, 0));     // 8
            v.push_back(sc(__NR_clone3, 0, 0));                                        // 9
            v.push_back(sc(457, 0, 0, 0, 0));  // 10: statmount (any mount namespace by id)
            v.push_back(sc(458, 0, 0, 0, 0));  // 11: listmount
        });
        REQUIRE(r.exited_ok());
        REQUIRE(r.values.size() == 12);
        CHECK(r.values[0] == 1);
        CHECK(r.values[1] == 1);
        CHECK(r.values[2] == -ENOTTY);
        CHECK(r.values[3] == -ENOTTY);
        CHECK(r.values[4] == 1);
        CHECK(r.values[5] != -EPERM);  // 0, or ENOSYS on a kernel without NUMA
        CHECK(r.values[6] == -EPERM);
        CHECK(r.values[7] == -EPERM);
        CHECK(r.values[8] == -ENOSYS);
        CHECK(r.values[9] == -ENOSYS);
        CHECK(r.values[10] == -ENOSYS);
        CHECK(r.values[11] == -ENOSYS);
    }
}
