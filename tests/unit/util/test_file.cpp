// file::create_whole: a name that appears whole or not at all, never replaced.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace

TEST_CASE("create_whole: creates the file with its data and mode; never replaces one") {
    check_create_whole(file::create_whole);
}

TEST_CASE("create_whole_named (no O_TMPFILE): the same, and its temp file is gone") {
    check_create_whole(file::create_whole_named);
}
