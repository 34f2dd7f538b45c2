#include <doctest/doctest.h>

#include <set>
#include <string_view>

#include "failure/failure.hpp"
#include "gpu/detect_mode.hpp"
#include "landlock/access.hpp"
#include "report/event.hpp"
#include "seccomp/settings.hpp"

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
