#include <doctest/doctest.h>

#include "failure/failure.hpp"
#include "report/event.hpp"

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
    e.decision = "continue";
    e.err = 2;
    e.message = "path \"/data\" missing\n";
    std::string line = report::to_json_line(e);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find("\"kind\":\"landlock_path\"") != std::string::npos);
    CHECK(line.find("\"errno\":2") != std::string::npos);
    CHECK(report::to_summary(e).find("landlock_path (warn)") != std::string::npos);
}
