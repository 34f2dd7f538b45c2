// Test helpers: a temp directory removed at scope exit, and writing a file.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace osh_test {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/osh-unit-XXXXXX";
        path = ::mkdtemp(tmpl);
        ::chmod(path.c_str(), 0755);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

inline void write_file(const std::string& p, const std::string& text) {
    std::ofstream(p) << text;
}

}  // namespace osh_test
