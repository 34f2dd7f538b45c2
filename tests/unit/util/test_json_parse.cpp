// json::parse, the one checked parse: what it refuses so that we read what an
// OCI runtime reads (duplicates, case variants, depth, lone surrogates), and
// numbers converted by glibc, not by rapidjson 1.1.0's strtod (which gets 0e44
// and long zero fractions wrong).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "util/json.hpp"

using namespace osh;

namespace {

rapidjson::Document parsed(const std::string& text) {
    auto d = json::parse(text, "t.json");
    REQUIRE_MESSAGE(d, (d ? "" : d.error().what()));
    return std::move(*d);
}

// The whole error of a refused input.
std::string refusal(const std::string& text, const std::string& origin = "t.json") {
    auto d = json::parse(text, origin);
    REQUIRE_FALSE_MESSAGE(d, text.substr(0, 80));
    return d.error().message;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}
bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

std::string nested(size_t depth, const std::string& open, const std::string& close) {
    std::string s;
    for (size_t i = 0; i < depth; ++i) s += open;
    s += "1";
    for (size_t i = 0; i < depth; ++i) s += close;
    return s;
}

}  // namespace

TEST_CASE(
    "zeros with a large exponent or a long fraction stay zero (Tencent/rapidjson#1249, #1441)") {
    for (const char* z : {"0e44", "0e300", "0.0e100", "-0e44", "0.0000000000000000000000000",
                          "0.00000000000000000000000000000000000000e10"}) {
        INFO(z);
        auto d = parsed(std::string("[") + z + "]");
        REQUIRE(d[0].IsDouble());
        CHECK(d[0].GetDouble() == 0.0);
    }
}

TEST_CASE("every double is glibc's correctly rounded one, and writes back the same") {
    for (const char* s :
         {"1.13", "2.220446049250313e-16", "0.184467440737095516159", "3.141592653589793", "1e-300",
          "5e-324", "1.7976931348623157e308", "0.1"}) {
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
    auto d = parsed(
        R"([0, -1, 4294967295, 18446744073709551615, -9223372036854775808, 123456789012345678901234])");
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
    CHECK(json::write(d).rfind("[0,-1,4294967295,18446744073709551615,-9223372036854775808,", 0) ==
          0);
}

TEST_CASE("errors: out of range numbers and bad JSON name the input") {
    std::string big = refusal(R"({"a": 1e308, "b": 1.8e308})", "big.json");
    CHECK(starts_with(
        big,
        "big.json: /b: a number beyond the range of a double at offset 18 (line 1, column 19)"));

    CHECK(
        starts_with(refusal("{\"a\": [1, 2}", "bad.json"), "bad.json: invalid JSON at offset 11"));
    CHECK(contains(refusal("[\"\xff\"]"), "Invalid encoding in string"));
    CHECK(contains(refusal("{} x"), "invalid JSON at offset 3"));
    CHECK(contains(refusal(""), "invalid JSON at offset 0"));
}

TEST_CASE("encoding: a byte >= 0x80 anywhere is validated; all-ASCII text parses alike") {
    // The parser skips rapidjson's per-character validation for ASCII text:
    // one invalid byte at any place (the word-at-a-time scan and its tail)
    // must still be refused, and what ASCII alone can break still is.
    const std::string body = R"({"k": "0123456789abcdef0123456789abcdef"})";
    for (size_t at = 7; at < 7 + 32; ++at) {  // each character of the value
        std::string bad = body;
        bad[at] = '\xff';
        CHECK_MESSAGE(contains(refusal(bad), "Invalid encoding in string"), "0xff at ", at);
        std::string ok = body;
        ok.replace(at, 1, "\xc3\xa9");  // é: valid UTF-8, so the validating parse passes
        CHECK_MESSAGE(json::parse(ok, "t"), "é at ", at);
    }
    // A raw control character, in ASCII text and in text that is not.
    CHECK(starts_with(refusal("[\"a\x01\"]"), "t.json: invalid JSON at offset 3"));
    CHECK(starts_with(refusal("[\"\xc3\xa9\x01\"]"), "t.json: invalid JSON at offset 4"));
    CHECK(contains(refusal(R"(["\ud800"])"), "surrogate"));
}

TEST_CASE("a raw NUL byte is refused wherever it is: nothing after it goes unread") {
    // rapidjson's input streams read a NUL as the end of the input, so a
    // document followed by a NUL and anything at all parsed as the document
    // alone, the rest unchecked, where any other trailing byte is refused.
    using namespace std::string_literals;
    CHECK(starts_with(refusal("{\"a\":1}\0{\"a\":2}"s),
                      "t.json: invalid JSON at offset 7 (line 1, column 8): a NUL byte"));
    CHECK(starts_with(refusal("{\"a\":1}\0"s), "t.json: invalid JSON at offset 7"));
    CHECK(starts_with(refusal("{\"a\":1}\n \0 \"b\""s),
                      "t.json: invalid JSON at offset 9 (line 2, column 2): a NUL byte"));
    CHECK(contains(refusal("[\"a\0b\"]"s), "offset 3 (line 1, column 4): a NUL byte"));
    CHECK(contains(refusal("[\"\xc3\xa9\0\"]"s), "offset 4 (line 1, column 5): a NUL byte"));
    // Escaped, U+0000 is a character like any other.
    rapidjson::Document d = parsed(R"(["a\u0000b"])");
    CHECK(std::string(d[0].GetString(), d[0].GetStringLength()) == "a\0b"s);
}

TEST_CASE("a duplicate member is refused in every object, naming its JSON Pointer") {
    CHECK(starts_with(
        refusal(R"({"process": {"args": ["a"]}, "process": {"args": ["b"]}})", "config.json"),
        "config.json: /process: duplicate member \"process\" at offset 38 (line 1, column 39)"));
    CHECK(starts_with(refusal(R"({"process": {"args": ["a"], "cwd": "/", "args": ["b"]}})"),
                      "t.json: /process/args: duplicate member \"args\""));
    CHECK(starts_with(
        refusal(
            R"({"mounts": [{"destination": "/a"}, {"destination": "/b", "destination": "/c"}]})"),
        "t.json: /mounts/1/destination: duplicate member \"destination\""));
    CHECK(starts_with(refusal(R"([[], [0, {"k": {"x": 1, "x": 1}}]])"),
                      "t.json: /1/1/k/x: duplicate member \"x\""));
    // Pointer escaping of the member name.
    CHECK(
        starts_with(refusal(R"({"a/b~c": 1, "a/b~c": 2})"), "t.json: /a~1b~0c: duplicate member"));
    // The same name in different objects is fine.
    CHECK(json::parse(R"({"a": {"x": 1}, "b": {"x": 1}, "x": [{"x": 1}, {"x": 2}]})", "t"));
}

TEST_CASE("a duplicate in a big object is found too (hash set beyond the first names)") {
    std::string text = "{";
    for (int i = 0; i < 5000; ++i)
        text += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
    CHECK(json::parse(text + "\"last\": 0}", "t"));
    CHECK(
        starts_with(refusal(text + "\"k4321\": 0}"), "t.json: /k4321: duplicate member \"k4321\""));
    CHECK(starts_with(refusal(text + "\"K17\": 0}"),
                      "t.json: /K17: member \"K17\" and the earlier \"k17\""));
    // A big object, then small ones at the same depth: each starts afresh.
    std::string many = "[" + text + "\"z\": 0}";
    for (int i = 0; i < 100; ++i) many += ", {\"k1\": 1, \"z\": 0}";
    CHECK(json::parse(many + "]", "t"));
}

TEST_CASE("member names that Go's decoder reads as one field are refused") {
    // runc and containerd (Go's encoding/json) match names to fields without
    // regard to letter case and keep the last.
    std::string m =
        refusal(R"({"process": {"args": ["sh"]}, "Process": {"args": ["evil"]}})", "config.json");
    CHECK(starts_with(
        m,
        "config.json: /Process: member \"Process\" and the earlier \"process\" differ only "
        "in letter case (Go's decoder, in runc and containerd, reads both into one field)"));
    CHECK(refusal(R"({"linux": {}, "LINUX": {}})").find("/LINUX") != std::string::npos);
    // U+212A KELVIN SIGN folds to k, U+017F LATIN SMALL LETTER LONG S to s.
    CHECK(contains(refusal("{\"hooks\": {}, \"hoo\\u212as\": {}}"), "differ only in letter case"));
    CHECK(
        contains(refusal("{\"mounts\": [], \"mount\xc5\xbf\": []}"), "differ only in letter case"));
    // Other runes never reach an (ASCII) OCI field: names that differ in them stay apart.
    CHECK(json::parse("{\"\xc3\xa9\": 1, \"\xc3\x89\": 2}", "t"));  // é, É
    CHECK(json::parse(R"({"a": 1, "a ": 2, "a_": 3})", "t"));
}

TEST_CASE("same_go_field") {
    CHECK(json::same_go_field("process", "process"));
    CHECK(json::same_go_field("Process", "process"));
    CHECK(json::same_go_field("OCIVERSION", "ociVersion"));
    CHECK(json::same_go_field("\xe2\x84\xaa", "k"));
    CHECK(json::same_go_field("\xc5\xbf", "S"));
    CHECK_FALSE(json::same_go_field("process", "processes"));
    CHECK_FALSE(json::same_go_field("\xc3\xa9", "\xc3\x89"));
    CHECK_FALSE(json::same_go_field("a", ""));
}

TEST_CASE("nesting is bounded before the parser can recurse deeper") {
    CHECK(json::parse(nested(json::kMaxDepth, "[", "]"), "t"));
    CHECK(json::parse(nested(json::kMaxDepth, "{\"a\":", "}"), "t"));
    std::string too_deep = refusal(nested(json::kMaxDepth + 1, "[", "]"));
    std::string ptr = "/";
    for (size_t i = 1; i < json::kMaxDepth; ++i) ptr += "0/";
    ptr += "0";
    CHECK(starts_with(
        too_deep, "t.json: " + ptr + ": nested deeper than 64 arrays and objects at offset 65 "));
    CHECK(contains(refusal(nested(json::kMaxDepth + 1, "{\"a\":", "}")), "/a/a/a"));
    // 200,000 '[' (195 KiB) once overflowed the stack (SIGSEGV).
    std::string brackets(200000, '[');
    CHECK(contains(refusal(brackets), ": nested deeper than 64 arrays and objects at offset 65 "));
    CHECK(contains(refusal("{\"a\": " + brackets), "t.json: /a/0/0/0/"));
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    CHECK(contains(refusal(objects), "nested deeper than 64"));
}

TEST_CASE("a lone surrogate escape is refused; pairs and other escapes are kept") {
    // rapidjson 1.1.0 would keep \udc00 as the invalid UTF-8 bytes ED B0 80
    // and write them back raw (Tencent/rapidjson#1738).
    CHECK(starts_with(
        refusal(R"({"process": {"cwd": "/w\udc00"}})", "config.json"),
        "config.json: /process/cwd: the escape \\udc00 is a lone UTF-16 surrogate, not a "
        "character (it cannot be written back as UTF-8) at offset 30"));
    CHECK(starts_with(refusal(R"(["a", "b\uDFFFc"])"), "t.json: /1: the escape \\udfff is a lone"));
    // The pointer shows the escape: an error is valid UTF-8 too.
    std::string key = refusal(R"({"x": {"k\udc80\udc81": 1}})");
    CHECK(
        starts_with(key, "t.json: /x/k\\udc80\\udc81: member name: the escape \\udc80 is a lone"));
    CHECK(json::valid_utf8(key));
    // Only an escape can make one: the same bytes written raw are invalid
    // UTF-8 (the parse skips the scan for input with no \u).
    CHECK(contains(refusal("[\"a\xed\xb0\x80\"]"), "Invalid encoding in string"));
    CHECK(contains(refusal("{\"k\xed\xb0\x80\": 1}"), "Invalid encoding in string"));
    CHECK(contains(refusal(R"(["\ud800"])"), "The surrogate pair in string is invalid"));
    CHECK(contains(refusal(R"(["\ud800\u0041"])"), "The surrogate pair in string is invalid"));
    auto ok = parsed(R"(["\ud83d\ude00", "\ud7ff\ue000", "\u00e9\u0000"])");
    CHECK(std::string(ok[0].GetString()) == "\xf0\x9f\x98\x80");
    CHECK(std::string(ok[1].GetString()) == "\xed\x9f\xbf\xee\x80\x80");
    CHECK(ok[2].GetStringLength() == 3);
    CHECK(json::valid_utf8(json::write(ok)));
}

TEST_CASE("valid_utf8") {
    CHECK(json::valid_utf8(""));
    CHECK(json::valid_utf8("plain /usr/bin"));
    CHECK(json::valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\xf4\x8f\xbf\xbf"));
    CHECK_FALSE(json::valid_utf8("\xff"));
    CHECK_FALSE(json::valid_utf8("\xc3"));              // truncated
    CHECK_FALSE(json::valid_utf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(json::valid_utf8("\xe0\x80\xaf"));      // overlong
    CHECK_FALSE(json::valid_utf8("\xed\xb0\x80"));      // U+DC00, a surrogate
    CHECK_FALSE(json::valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(json::valid_utf8("\xf0\x8f\xbf\xbf"));  // overlong
}

TEST_CASE("what we write is UTF-8: stray bytes from the image become U+FFFD") {
    CHECK(json::utf8_or_replaced("plain") == "plain");
    CHECK(json::utf8_or_replaced("\xc3\xa9") == "\xc3\xa9");
    CHECK(json::utf8_or_replaced("x\xff\ny") == "x\xef\xbf\xbd\ny");
    CHECK(json::utf8_or_replaced("\xed\xb0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(json::utf8_or_replaced("\xc3") == "\xef\xbf\xbd");
    // A link's target with a 0xFF byte, as a log message or a plan path.
    const std::string quoted = json::quote("/tmp/x\xff\n{\"level\":\"info\"}");
    CHECK(json::valid_utf8(quoted));
    CHECK(quoted == "\"/tmp/x\xef\xbf\xbd\\n{\\\"level\\\":\\\"info\\\"}\"");
}

TEST_CASE("the fuzz seeds of each refused case are refused") {
    const char* src = std::getenv("OSH_SOURCE_ROOT");
    REQUIRE_MESSAGE(src != nullptr, "OSH_SOURCE_ROOT is not set (run through meson test)");
    size_t seen = 0;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(std::string(src) + "/tests/fuzz/seeds")) {
        std::string name = e.path().filename().string();
        bool refused_case = false;
        for (const char* prefix : {"regress-duplicate-", "regress-case-variant-", "regress-deep-",
                                   "regress-lone-surrogate-", "regress-nul-"})
            refused_case = refused_case || starts_with(name, prefix);
        if (!e.is_regular_file() || !refused_case) continue;
        CAPTURE(e.path().string());
        std::ifstream in(e.path(), std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto d = json::parse(text, name);
        REQUIRE_FALSE(d);
        CHECK((contains(d.error().message, "duplicate member") ||
               contains(d.error().message, "differ only in letter case") ||
               contains(d.error().message, "nested deeper than 64") ||
               contains(d.error().message, "lone UTF-16 surrogate") ||
               contains(d.error().message, "a NUL byte")));
        ++seen;
    }
    CHECK(seen >= 15);
}
