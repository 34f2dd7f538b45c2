// The kernel's part: Landlock's ABI and seccomp filters. Which one is a
// failure depends on the administrator's policy: with
// failure.kinds.landlock_unavailable warn or skip, a kernel without Landlock
// is a warning.
#include <cstring>

#include "doctor/doctor.hpp"
#include "landlock/abi.hpp"
#include "policy/document.hpp"
#include "seccomp/load.hpp"
#include "util/file.hpp"

namespace osh::doctor {

namespace {

failure::Modes admin_modes(const Options& o) {
    auto text = file::read_regular(rooted(o, o.policy_path));
    auto p = policy::parse_policy(text ? *text : std::string(policy::default_policy_text()), o.policy_path);
    return p ? p->failure : failure::Modes{};
}

}  // namespace

void check_kernel(const Options& o, Report& r) {
    const auto ll = landlock::probe();
    if (ll.available()) {
        r.checks.push_back({"kernel", Status::ok, ll.describe(), ""});
    } else {
        const auto mode = admin_modes(o).of(failure::Kind::landlock_unavailable);
        r.checks.push_back({"kernel", mode == failure::Mode::strict ? Status::fail : Status::warn,
                            "Landlock " + ll.describe() + " (landlock_unavailable is " +
                                std::string(failure::name(mode)) + " in the policy)",
                            "boot a kernel with CONFIG_SECURITY_LANDLOCK=y and landlock in lsm=, or set "
                            "failure.kinds.landlock_unavailable to warn/skip where an outer sandbox is the "
                            "boundary"});
    }
    const auto sc = seccomp::probe();
    if (sc.offers("errno")) {
        r.checks.push_back({"kernel", Status::ok, "seccomp filters available", ""});
    } else {
        int e = 0;
        for (const auto& a : sc.actions)
            if (a.name == "errno") e = a.err;
        r.checks.push_back({"kernel", Status::fail,
                            std::string("seccomp filters unavailable: ") + std::strerror(e),
                            "boot a kernel with CONFIG_SECCOMP_FILTER=y"});
    }
}

}  // namespace osh::doctor
