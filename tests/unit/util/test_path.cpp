#include <doctest/doctest.h>

#include "util/path.hpp"

using namespace osh;

TEST_CASE("normalize collapses separators and trailing slashes") {
    CHECK(path::normalize("/proc/") == "/proc");
    CHECK(path::normalize("//usr//lib/./x") == "/usr/lib/x");
    CHECK(path::normalize("/") == "/");
    CHECK(path::normalize("///") == "/");
}

TEST_CASE("normalize refuses relative paths and dot-dot") {
    CHECK_FALSE(path::normalize("usr/lib"));
    CHECK_FALSE(path::normalize(""));
    CHECK_FALSE(path::normalize("/usr/../etc"));
    CHECK_FALSE(path::normalize("/.."));
}

TEST_CASE("is_within works on component boundaries") {
    CHECK(path::is_within("/dev/nvidia0", "/dev"));
    CHECK(path::is_within("/dev", "/dev"));
    CHECK_FALSE(path::is_within("/devices", "/dev"));
    CHECK(path::is_within("/anything", "/"));
}

TEST_CASE("glob_match") {
    CHECK(path::glob_match("/dev/nvidia[0-9]*", "/dev/nvidia0"));
    CHECK(path::glob_match("/dev/nvidia[0-9]*", "/dev/nvidia15"));
    CHECK_FALSE(path::glob_match("/dev/nvidia[0-9]*", "/dev/nvidia"));
    CHECK_FALSE(path::glob_match("/dev/nvidia[0-9]*", "/dev/nvidiactl"));
    CHECK(path::glob_match("/dev/nvidia-caps/*", "/dev/nvidia-caps/nvidia-cap1"));
    CHECK_FALSE(path::glob_match("/dev/*", "/dev/nvidia-caps/nvidia-cap1"));
    CHECK(path::glob_match("/dev/**", "/dev/nvidia-caps/nvidia-cap1"));
    CHECK(path::glob_match("/dev/hl?", "/dev/hl5"));
    CHECK_FALSE(path::glob_match("/dev/hl?", "/dev/hl55"));
    CHECK(path::glob_match("/proc", "/proc"));
    CHECK(path::glob_match("/dev/[!a]x", "/dev/bx"));
    CHECK_FALSE(path::glob_match("/dev/[!a]x", "/dev/ax"));
}
