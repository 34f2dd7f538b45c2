#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include <unistd.h>

#include "util/build_id.hpp"

using namespace osh;

TEST_CASE("build_id: the running program's GNU build ID, as readelf shows it") {
    const auto id = build_id::self();
    REQUIRE(id.has_value());
    CHECK(id->size() >= 16);
    CHECK(id->find_first_not_of("0123456789abcdef") == std::string::npos);
    // The same note read from the file on disk (binutils, where installed).
    char self[4096] = {};
    REQUIRE(::readlink("/proc/self/exe", self, sizeof self - 1) > 0);
    const std::string cmd =
        std::string("readelf -n '") + self + "' 2>/dev/null | sed -n 's/.*Build ID: //p'";
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    REQUIRE(p);
    std::array<char, 256> buf{};
    std::string out;
    while (std::fgets(buf.data(), buf.size(), p.get())) out += buf.data();
    if (out.empty()) {
        MESSAGE("readelf is not installed here: the cross-check with the file is skipped");
        return;
    }
    CHECK(out == *id + "\n");
}
