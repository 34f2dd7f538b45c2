// Test helpers: the shared corpus ($OSH_CORPUS, set by `meson test`).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "util/file.hpp"

namespace osh_test {

inline std::filesystem::path corpus_dir() {
    const char* c = std::getenv("OSH_CORPUS");
    REQUIRE_MESSAGE(c != nullptr, "OSH_CORPUS is not set (run through `meson test`)");
    return std::filesystem::path(c);
}

// Every regular file under corpus/<sub>, as paths relative to it, sorted.
inline std::vector<std::string> corpus_files(const std::string& sub) {
    std::vector<std::string> out;
    auto root = corpus_dir() / sub;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
        if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), root).string());
    std::sort(out.begin(), out.end());
    return out;
}

inline std::string corpus_text(const std::string& rel) {
    auto r = osh::file::read_regular((corpus_dir() / rel).string());
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().what()));
    return *r;
}

inline bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

}  // namespace osh_test
