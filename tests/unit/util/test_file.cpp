// file::create_whole: a name that appears whole or not at all, never replaced.
// file::read_fd: everything to EOF, and nothing past its limit.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../temp_dir.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

using namespace osh;
using osh_test::TempDir;

namespace {

std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        out.push_back(e.path().filename());
    return out;
}

using CreateWhole = Result<void> (*)(int, const std::string&, std::string_view, int);

// The same promise through O_TMPFILE and through the named-temp fallback.
void check_create_whole(CreateWhole create) {
    TempDir t;
    UniqueFd dir(::open(t.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dir);
    REQUIRE(create(dir.get(), "edit", "first\n", 0640));
    CHECK(slurp(t.path + "/edit") == "first\n");
    struct stat st {};
    REQUIRE(::stat((t.path + "/edit").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(st.st_nlink == 1);
    // Nothing else is left in the directory (no temp beside it).
    CHECK(names_in(t.path) == std::vector<std::string>{"edit"});

    auto again = create(dir.get(), "edit", "second\n", 0644);
    REQUIRE_FALSE(again);
    CHECK(again.error().err == EEXIST);
    CHECK(slurp(t.path + "/edit") == "first\n");
    // The refused write leaves nothing behind (no temp, no second name).
    CHECK(names_in(t.path) == std::vector<std::string>{"edit"});

    // A symlink at the name is an existing name: not followed, not replaced.
    REQUIRE(::symlink((t.path + "/target").c_str(), (t.path + "/link").c_str()) == 0);
    auto through = create(dir.get(), "link", "x", 0644);
    REQUIRE_FALSE(through);
    CHECK(through.error().err == EEXIST);
    CHECK_FALSE(std::filesystem::exists(t.path + "/target"));
    CHECK(std::filesystem::is_symlink(t.path + "/link"));
}

// A pipe holding `data`, its write end closed (read_fd sees EOF after it).
// Written by a child when it is larger than a pipe's buffer.
UniqueFd pipe_with(const std::string& data) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    if (::fork() == 0) {
        ::close(p[0]);
        size_t done = 0;
        while (done < data.size()) {
            // Pieces of 1000 bytes: read_fd must put them together.
            ssize_t n =
                ::write(p[1], data.data() + done, std::min<size_t>(1000, data.size() - done));
            if (n <= 0) std::_Exit(1);
            done += static_cast<size_t>(n);
        }
        std::_Exit(0);
    }
    ::close(p[1]);
    return UniqueFd(p[0]);
}

std::string bytes(size_t n) {
    std::string s(n, 'x');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

}  // namespace

TEST_CASE("read_fd: everything to EOF, whatever the expected size; nothing past the limit") {
    for (size_t n :
         {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{4097}, size_t{70000}}) {
        CAPTURE(n);
        const std::string data = bytes(n);
        for (size_t expected : {size_t{0}, n, n / 2, n + 100}) {
            CAPTURE(expected);
            auto fd = pipe_with(data);
            auto got = file::read_fd(fd.get(), "pipe", 1u << 20, expected);
            REQUIRE(got);
            CHECK(*got == data);
        }
        // Exactly the limit is read; one byte more is refused, and says so.
        auto at = pipe_with(data);
        auto exact = file::read_fd(at.get(), "pipe", n, n);
        REQUIRE(exact);
        CHECK(exact->size() == n);
        auto over_fd = pipe_with(data + "!");
        auto over = file::read_fd(over_fd.get(), "the pipe", n, n);
        REQUIRE_FALSE(over);
        CHECK(over.error().message == "the pipe: larger than " + std::to_string(n) + " bytes");
    }
    int status = 0;
    while (::wait(&status) > 0) CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

TEST_CASE("create_whole: creates the file with its data and mode; never replaces one") {
    check_create_whole(file::create_whole);
}

TEST_CASE("create_whole_named (no O_TMPFILE): the same, and its temp file is gone") {
    check_create_whole(file::create_whole_named);
}
