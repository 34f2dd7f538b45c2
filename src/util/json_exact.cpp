#include "util/json_exact.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "util/json.hpp"

namespace osh::json {

namespace {

using rapidjson::SizeType;

// Forwards every SAX event to the document, converting raw number text.
struct ExactNumbers {
    rapidjson::Document& doc;
    bool out_of_range = false;

    bool Null() { return doc.Null(); }
    bool Bool(bool b) { return doc.Bool(b); }
    bool Int(int i) { return doc.Int(i); }
    bool Uint(unsigned u) { return doc.Uint(u); }
    bool Int64(int64_t i) { return doc.Int64(i); }
    bool Uint64(uint64_t u) { return doc.Uint64(u); }
    bool Double(double d) { return doc.Double(d); }
    bool String(const char* s, SizeType n, bool copy) { return doc.String(s, n, copy); }
    bool StartObject() { return doc.StartObject(); }
    bool Key(const char* s, SizeType n, bool copy) { return doc.Key(s, n, copy); }
    bool EndObject(SizeType n) { return doc.EndObject(n); }
    bool StartArray() { return doc.StartArray(); }
    bool EndArray(SizeType n) { return doc.EndArray(n); }

    // `s` has passed rapidjson's number grammar: -?int(.frac)?([eE][+-]?exp)?
    bool RawNumber(const char* s, SizeType n, bool) {
        std::string text(s, n);
        bool integer = text.find_first_of(".eE") == std::string::npos;
        if (integer) {
            errno = 0;
            if (text[0] == '-') {
                long long v = std::strtoll(text.c_str(), nullptr, 10);
                if (errno == 0) return doc.Int64(v);
            } else {
                unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
                if (errno == 0) return doc.Uint64(v);
            }
            // Too long for 64 bits: a double, as rapidjson does.
        }
        double d = std::strtod(text.c_str(), nullptr);
        if (!std::isfinite(d)) {
            out_of_range = true;
            return false;
        }
        return doc.Double(d);
    }
};

}  // namespace

Result<void> parse_exact(rapidjson::Document& doc, std::string_view text, std::string_view origin) {
    ExactNumbers handler{doc};
    rapidjson::ParseResult result;
    auto generate = [&](rapidjson::Document&) {
        rapidjson::MemoryStream ms(text.data(), text.size());
        rapidjson::Reader reader;
        result = reader.Parse<rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag>(ms, handler);
        return !result.IsError();
    };
    doc.Populate(generate);
    if (!result.IsError()) return {};
    if (handler.out_of_range)
        return fail(std::string(origin) + ": byte " + std::to_string(result.Offset()) +
                    ": a number beyond the range of a double");
    // json::parse words the error (offset, line:column).
    auto again = parse(text, origin);
    if (!again) return unexpected(again.error());
    return fail(std::string(origin) + ": invalid JSON");
}

}  // namespace osh::json
