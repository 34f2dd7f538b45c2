// json::parse_exact: numbers converted by glibc, not by rapidjson 1.1.0's
// strtod (which gets 0e44 and long zero fractions wrong).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "util/json.hpp"
#include "util/json_exact.hpp"

using namespace osh;

namespace {

rapidjson::Document parsed(const std::string& text) {
    rapidjson::Document d;
    auto ok = json::parse_exact(d, text, "t.json");
    REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().what()));
    return d;
}

}  // namespace

TEST_CASE("zeros with a large exponent or a long fraction stay zero (Tencent/rapidjson#1249, #1441)") {
    for (const char* z : {"0e44", "0e300", "0.0e100", "-0e44", "0.0000000000000000000000000",
                          "0.00000000000000000000000000000000000000e10"}) {
        INFO(z);
        auto d = parsed(std::string("[") + z + "]");
        REQUIRE(d[0].IsDouble());
        CHECK(d[0].GetDouble() == 0.0);
    }
}

TEST_CASE("every double is glibc's correctly rounded one, and writes back the same") {
    for (const char* s : {"1.13", "2.220446049250313e-16", "0.184467440737095516159", "3.141592653589793",
                          "1e-300", "5e-324", "1.7976931348623157e308", "0.1"}) {
        INFO(s);
        auto d = parsed(std::string("[") + s + "]");
        REQUIRE(d[0].IsDouble());
        CHECK(d[0].GetDouble() == std::strtod(s, nullptr));
        // Written and read again: the same bits.
        auto again = parsed(json::write(d));
        CHECK(again[0].GetDouble() == d[0].GetDouble());
    }
}

TEST_CASE("integers keep their types and values at the 64-bit edges") {
    auto d = parsed(R"([0, -1, 4294967295, 18446744073709551615, -9223372036854775808, 123456789012345678901234])");
    CHECK(d[0].IsUint());
    CHECK(d[0].GetUint() == 0);
    CHECK(d[1].IsInt());
    CHECK(d[1].GetInt() == -1);
    CHECK(d[2].IsUint());
    CHECK(d[3].IsUint64());
    CHECK(d[3].GetUint64() == 18446744073709551615ull);
    CHECK(d[4].IsInt64());
    CHECK(d[4].GetInt64() == INT64_MIN);
    CHECK(d[5].IsDouble());  // beyond 64 bits: a double, as rapidjson does
    CHECK(d[5].GetDouble() == std::strtod("123456789012345678901234", nullptr));
    // The integers write back digit for digit.
    CHECK(json::write(d).rfind("[0,-1,4294967295,18446744073709551615,-9223372036854775808,", 0) == 0);
}

TEST_CASE("errors: out of range numbers and bad JSON name the input") {
    rapidjson::Document d;
    auto big = json::parse_exact(d, R"({"a": 1e308, "b": 1.8e308})", "big.json");
    REQUIRE_FALSE(big);
    CHECK(big.error().message.find("big.json") != std::string::npos);
    CHECK(big.error().message.find("beyond the range of a double") != std::string::npos);

    auto bad = json::parse_exact(d, "{\"a\": [1, 2}", "bad.json");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("bad.json") != std::string::npos);

    auto utf = json::parse_exact(d, "[\"\xff\"]", "utf.json");
    CHECK_FALSE(utf);
}
