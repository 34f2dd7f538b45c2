#include <doctest/doctest.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <string_view>

#include "failure/failure.hpp"
#include "gpu/detect_mode.hpp"
#include "landlock/access.hpp"
#include "report/event.hpp"
#include "seccomp/settings.hpp"
#include "util/json.hpp"

using namespace osh;

TEST_CASE("every kind round-trips its name") {
    for (auto k : failure::kAllKinds) {
        auto parsed = failure::parse_kind(failure::name(k));
        REQUIRE(parsed);
        CHECK(*parsed == k);
        CHECK_FALSE(failure::fix_hint(k).empty());
    }
    CHECK_FALSE(failure::parse_kind("landlock"));
    CHECK_FALSE(failure::parse_mode("STRICT"));
}

TEST_CASE("modes: default and overrides decide") {
    failure::Modes m;
    m.kinds[failure::Kind::landlock_unavailable] = failure::Mode::warn;
    m.kinds[failure::Kind::netns] = failure::Mode::skip;
    CHECK(failure::on_failure(m, failure::Kind::seccomp_enforce) == failure::Decision::abort);
    CHECK(failure::on_failure(m, failure::Kind::landlock_unavailable) ==
          failure::Decision::continue_degraded);
    CHECK_FALSE(failure::should_attempt(m, failure::Kind::netns));
    CHECK(failure::should_attempt(m, failure::Kind::landlock_path));
}

TEST_CASE("events serialise as one JSON line") {
    report::Event e;
    e.level = report::Level::warning;
    e.component = "hook";
    e.container_id = "abc";
    e.kind = failure::Kind::landlock_path;
    e.mode = failure::Mode::warn;
    e.decision = report::Decision::continue_degraded;
    e.err = 2;
    e.message = "path \"/data\" missing\n";
    std::string line = report::to_json_line(e);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find("\"kind\":\"landlock_path\"") != std::string::npos);
    CHECK(line.find("\"errno\":2") != std::string::npos);
    CHECK(line.find("\"decision\":\"continue\"") != std::string::npos);
    CHECK(report::to_summary(e).find("landlock_path (warn)") != std::string::npos);

    // A name from the image with a newline and a stray byte: the summary
    // stays one line of UTF-8, and the JSON line valid UTF-8.
    e.message = "rule on /tmp: the image's symlink /tmp -> /x\xff\nFAKE: oci-sandbox-hook: sandbox fully_enforced";
    const std::string s = report::to_summary(e);
    CHECK(s.find('\n') == std::string::npos);
    CHECK(s.find("/x\xef\xbf\xbd\\x0aFAKE: ") != std::string::npos);
    CHECK(json::valid_utf8(report::to_json_line(e)));
    CHECK(report::to_json_line(e).find("\\nFAKE") != std::string::npos);

    // The kind's general fix follows a message, unless the message names
    // its own ("Fix: ..."): one fix, the one that fits.
    e.message = "path \"/data\" missing";
    CHECK(report::to_summary(e).find("; fix: " + std::string(failure::fix_hint(*e.kind))) !=
          std::string::npos);
    e.message = "mounts[7] binds the host's socket /s. Fix: grant it write_file";
    CHECK(report::to_summary(e).find("; fix: ") == std::string::npos);
    CHECK(report::to_summary(e).find("Fix: grant it write_file") != std::string::npos);
}

namespace {

// What glibc's gmtime makes of `secs`, written as an event's time with `micros`.
std::string gmtime_stamp(int64_t secs, const char* micros) {
    const time_t t = static_cast<time_t>(secs);
    struct tm tm {};
    REQUIRE(::gmtime_r(&t, &tm));
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%sZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
    return want;
}

}  // namespace

TEST_CASE("an event's time: UTC by arithmetic, as glibc's gmtime says, whatever TZ says") {
    // The enforcer writes events inside the container, where TZ and
    // /etc/localtime are the image's: the stamp never loads a time zone
    // (kernel-enforcer watches for that).
    for (const int64_t secs : {int64_t{0}, int64_t{-1}, int64_t{951782400} /* 2000-02-29 */,
                               int64_t{4107542399} /* 2100-02-28 23:59:59 */, int64_t{4107542400},
                               int64_t{1796187417}, int64_t{-2208988800} /* 1900-01-01 */,
                               int64_t{253402300799} /* 9999-12-31 23:59:59 */})
        CHECK(report::utc_time(secs, 42123) == gmtime_stamp(secs, "000042"));
    // Every day of four centuries, one stamp a day at a moving hour.
    for (int64_t secs = -6311520000; secs < 6311520000; secs += 86400 + 3607)
        REQUIRE(report::utc_time(secs, 999999999) == gmtime_stamp(secs, "999999"));
    // The line starts with it: {"time":"YYYY-MM-DDThh:mm:ss.uuuuuuZ",
    const std::string line = report::to_json_line(report::Event{});
    const std::string form = R"({"time":"dddd-dd-ddTdd:dd:dd.ddddddZ",)";
    REQUIRE(line.size() > form.size());
    for (size_t i = 0; i < form.size(); ++i)
        CHECK_MESSAGE((form[i] == 'd' ? std::isdigit(static_cast<unsigned char>(line[i])) != 0
                                      : line[i] == form[i]),
                      line.substr(0, form.size()));
}

namespace {

// Every value of a table has one word, no word is used twice, and each word
// reads back as its value.
template <typename E, size_t N>
void check_table(const std::array<words::Entry<E>, N>& table) {
    std::set<std::string_view> seen;
    for (const auto& e : table) {
        CHECK(seen.insert(e.word).second);
        CHECK(words::parse(table, e.word) == e.value);
        CHECK(words::of(table, e.value) == e.word);
    }
    CHECK_FALSE(words::parse(table, "no-such-word"));
}

}  // namespace

TEST_CASE("word tables: one word per value, each read back") {
    check_table(failure::kKindWords);
    check_table(failure::kModeWords);
    check_table(report::kLevelWords);
    check_table(report::kDecisionWords);
    check_table(landlock::kAccessWords);
    check_table(landlock::kCompatibilityWords);
    check_table(landlock::kScopeWords);
    check_table(seccomp::kProfileWords);
    check_table(seccomp::kActionWords);
    check_table(gpu::kDetectModeWords);
    for (size_t i = 0; i < landlock::kAccessWords.size(); ++i)  // bit order
        CHECK(static_cast<size_t>(landlock::kAccessWords[i].value) == i);
    CHECK(words::list(seccomp::kActionWords) == "errno, kill, log");
}
