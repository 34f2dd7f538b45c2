#include <doctest/doctest.h>

#include "util/json.hpp"

using namespace osh;

TEST_CASE("parse reports origin, offset, line and column") {
    auto r = json::parse("{\n  \"a\": 1,\n  oops\n}", "config.json");
    REQUIRE_FALSE(r);
    const std::string& m = r.error().message;
    CHECK(m.find("config.json") != std::string::npos);
    CHECK(m.find("offset 14") != std::string::npos);
    CHECK(m.find("line 3") != std::string::npos);
}

TEST_CASE("parse rejects trailing garbage and empty input") {
    CHECK_FALSE(json::parse("{} x", "s"));
    CHECK_FALSE(json::parse("", "s"));
    CHECK(json::parse("{\"k\":[1,2]}", "s"));
}

TEST_CASE("quote escapes") {
    CHECK(json::quote("a\"b\n") == "\"a\\\"b\\n\"");
    CHECK(json::pointer_token("a/b~c") == "a~1b~0c");
}
