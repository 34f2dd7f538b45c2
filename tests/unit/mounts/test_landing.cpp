// Where the spec's mounts land: one answer for GPU detection and the
// rewrite, from a probe of the container's paths.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "mounts/landing.hpp"

#include "../fake_rootfs.hpp"

using namespace osh;

namespace {

// A made-up tree where every path asked is a directory unless `missing`.
rootfs::PathProbe tree(std::map<std::string, std::string> links, std::set<std::string> roots = {},
                       std::set<std::string> missing = {}) {
    std::map<std::string, rootfs::NodeKind> present;
    for (const char* p : {"/", "/a", "/a/l", "/d", "/d/l/vol", "/u/x/l/vol", "/v", "/v/sub", "/w", "/e",
                          "/o", "/o/x", "/run", "/t", "/tmp", "/tmp/vol", "/srv/ok", "/srv/plain", "/sbx",
                          "/.oci-sandbox", "/proc", "/data"})
        if (!missing.count(p)) present[p] = rootfs::NodeKind::directory;
    return osh_test::fake_rootfs(present, std::move(links), std::move(roots));
}

oci::Mount bind(std::string dest, std::string src = "/srv/vol") {
    return {std::move(dest), "bind", std::move(src), {"rbind", "rw"}};
}
oci::Mount tmpfs(std::string dest) { return {std::move(dest), "tmpfs", "tmpfs", {"nosuid"}}; }

}  // namespace

TEST_CASE("land_mounts: through the image's links, as spelled without a probe") {
    auto l = mounts::land_mounts({bind("/data"), tmpfs("/run")}, tree({{"/data", "/tmp"}}), false);
    REQUIRE(l.size() == 2);
    CHECK(l[0].resolved == "/tmp");
    CHECK(l[1].resolved == "/run");
    auto none = mounts::land_mounts({bind("/data")}, rootfs::no_rootfs(), false);
    CHECK_FALSE(none[0].resolved);
    CHECK(none[0].at() == "/data");
}

TEST_CASE("land_mounts: a later mount at or above where a mount is spelled or lands hides it") {
    // Spelled above: a tmpfs at /a after a volume at /a/l.
    auto above = mounts::land_mounts({bind("/a/l"), tmpfs("/a")}, tree({{"/a/l", "/tmp"}}), false);
    CHECK_FALSE(above[0].resolved);
    CHECK(above[0].hidden_by == 1u);
    // Landing above, spelled elsewhere: /e -> d, a tmpfs at /e lands on /d
    // over a volume at /d/l/vol.
    auto elsewhere = mounts::land_mounts({bind("/d/l/vol"), tmpfs("/e")}, tree({{"/e", "/d"}}), false);
    CHECK_FALSE(elsewhere[0].resolved);
    CHECK(elsewhere[0].hidden_by == 1u);
    // One exactly where it landed stands where the hook would look for it,
    // put there or not: a decoy of any kind, even a second bind of the same
    // source (our tmpfs over a decoy an image link sent to /.oci-sandbox).
    auto covered = mounts::land_mounts({bind("/sbx"), tmpfs("/.oci-sandbox")},
                                       tree({{"/sbx", "/.oci-sandbox"}}), false);
    CHECK_FALSE(covered[0].resolved);
    CHECK(covered[0].hidden_by == 1u);
    auto same = mounts::land_mounts({bind("/v"), tmpfs("/v")}, tree({}), false);
    CHECK_FALSE(same[0].resolved);
    auto second = mounts::land_mounts({bind("/d/l/vol"), bind("/u/x/l/vol")},
                                      tree({{"/u/x/l/vol", "/d/l/vol"}}), false);
    CHECK_FALSE(second[0].resolved);
    // A decoy at the same path after a mount that hides the way there.
    auto decoy = mounts::land_mounts({bind("/d/l/vol"), tmpfs("/e"), tmpfs("/d/l/vol")},
                                     tree({{"/e", "/d"}}), false);
    CHECK_FALSE(decoy[0].resolved);
    CHECK(decoy[0].hidden_by == 1u);
    // The same entry again hides nothing (an engine's duplicate), nor does
    // a later mount beneath, nor one elsewhere.
    auto again = mounts::land_mounts({bind("/v"), bind("/v"), bind("/v/sub"), bind("/w")}, tree({}), false);
    for (const auto& x : again) CHECK(x.resolved);
    // A fresh tmpfs or a kernel filesystem holds no one's data: not judged.
    auto fresh = mounts::land_mounts({tmpfs("/a/b"), tmpfs("/a")}, tree({}), false);
    CHECK(fresh[0].resolved);
    // In the host's IPC namespace an mqueue filesystem holds the host's
    // queues: hidden so, it is untold too; in its own, nobody's data.
    oci::Mount mq{"/a/l", "mqueue", "mqueue", {"nosuid"}};
    auto queues =
        mounts::land_mounts({mq, tmpfs("/a")}, tree({{"/a/l", "/tmp"}}), false, nullptr, true);
    CHECK_FALSE(queues[0].resolved);
    CHECK(queues[0].hidden_by == 1u);
    CHECK(mounts::land_mounts({mq, tmpfs("/a")}, tree({{"/a/l", "/tmp"}}), false)[0].resolved);
    // An overlay carries data like a bind.
    oci::Mount overlay{"/o/x", "overlay", "overlay", {"lowerdir=/srv/l"}};
    auto ov = mounts::land_mounts({overlay, tmpfs("/o")}, tree({}), false);
    CHECK_FALSE(ov[0].resolved);
}

TEST_CASE("land_mounts: in the running container a data mount is where a mount's root is") {
    const auto probe = tree({{"/data", "/tmp/vol"}}, {"/tmp/vol", "/srv/ok", "/o"}, {"/gone"});
    oci::Mount overlay{"/o", "overlay", "overlay", {"lowerdir=/srv/l"}};
    oci::Mount proc{"/proc", "proc", "proc", {}};
    auto l = mounts::land_mounts({bind("/data"), bind("/srv/ok"), bind("/srv/plain"), bind("/gone"),
                                  overlay, proc, tmpfs("/t")},
                                 probe, true);
    CHECK(l[0].resolved == "/tmp/vol");
    CHECK(l[1].resolved == "/srv/ok");
    CHECK_FALSE(l[2].resolved);  // a plain directory: nothing mounted there
    CHECK_FALSE(l[3].resolved);  // missing
    CHECK_FALSE(l[2].hidden_by);
    CHECK(l[4].resolved == "/o");
    CHECK(l[5].resolved == "/proc");  // a kernel filesystem is not asked
    CHECK(l[6].resolved == "/t");
}

TEST_CASE(
    "land_mounts: a path through /dev/ptmx, which the runtime replaces after the mounts, is "
    "untold") {
    // The running container shows the runtime's link; the mount went
    // through whatever the image had there (/dev/ptmx -> /tmp).
    const rootfs::PathProbe probe = [](const std::string& p) -> std::optional<rootfs::PathFact> {
        rootfs::PathFact f;
        f.path = p;
        f.resolved = p;
        f.kind = rootfs::NodeKind::directory;
        f.id = rootfs::ObjectId{1, std::hash<std::string>{}(p)};
        f.mount_root = true;
        if (p.rfind("/dev/ptmx/", 0) == 0) {
            f.resolved = "/dev/pts/ptmx" + p.substr(9);
            f.links = {"/dev/ptmx -> pts/ptmx"};
        }
        return f;
    };
    oci::Mount overlay{"/dev/ptmx/vol", "overlay", "overlay", {"lowerdir=/srv/l"}};
    for (bool live : {false, true}) {
        CAPTURE(live);
        auto l = mounts::land_mounts(
            {overlay, bind("/dev/ptmx/b"), tmpfs("/dev/ptmx/t"), bind("/data")}, probe, live);
        CHECK_FALSE(l[0].resolved);
        CHECK(l[0].runtime_link == "/dev/ptmx -> pts/ptmx");
        CHECK_FALSE(l[1].resolved);
        CHECK(l[2].resolved);  // a fresh tmpfs holds nobody's data
        CHECK(l[3].resolved == "/data");
        CHECK_FALSE(l[3].runtime_link);
    }
}
