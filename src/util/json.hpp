// RapidJSON helpers shared by every parser: the one checked parse, and small
// writers. Every JSON input (config.json, the OCI state, policies, plans,
// runtime.json) becomes a document through parse(), so none can skip its
// checks.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "util/result.hpp"

namespace osh::json {

// The deepest nesting of arrays and objects parse() accepts. The deepest real
// input in the corpus (the runtime-spec JSON schemas) nests 10, a config.json
// 6; Go's decoder (runc, containerd) accepts 10000. The bound also caps the
// recursion of rapidjson's parser (checked as each array or object opens,
// before it recurses), its writer and its value comparison, which overflow
// the stack on 200,000 '[' otherwise. Freeing a document does not recurse:
// its MemoryPoolAllocator frees no value one by one.
inline constexpr size_t kMaxDepth = 64;

// Parses `text` so that we read exactly what an OCI runtime reads, or refuses
// it. Besides the grammar (no trailing garbage) and UTF-8, it refuses:
//   - a duplicate member in any object, and two members whose names differ
//     only in letter case: Go's decoder (runc, containerd) matches member
//     names to fields case-insensitively and keeps the last, where a reader
//     of the first would see another document;
//   - nesting deeper than kMaxDepth;
//   - a \uDC00-\uDFFF escape without its leading surrogate: no UTF-8 text can
//     hold it (rapidjson would keep it as invalid UTF-8, Go's decoder reads
//     U+FFFD, yajl in crun the raw bytes), so it cannot be written back;
//   - a number beyond a double's range;
//   - a raw NUL byte anywhere (rapidjson's streams read it as the end of
//     the input, so the text after it went unread).
// Numbers are converted by glibc (see json_parse.cpp). Errors name `origin`
// (a file name or "stdin"), the JSON Pointer where that applies, the byte
// offset and line:column. Cost: one pass, no recursion beyond kMaxDepth, no
// allocation per member name; 0.8-1.2x the instructions of rapidjson's own
// UTF-8-validating DOM parse of a config.json (docs/security.md has the
// figures).
Result<rapidjson::Document> parse(std::string_view text, std::string_view origin);

// The same parse, its error in parts for a reader that reports them apart
// (the policy's problems): the JSON Pointer ("" for a grammar error, which
// has none) and the rest, without an origin.
struct ParseProblem {
    std::string pointer;
    std::string message;
};
Expected<rapidjson::Document, ParseProblem> parse_parts(std::string_view text);

// Whether `s` is valid UTF-8 (no surrogates, no overlong forms).
bool valid_utf8(std::string_view s);
// `s` with each byte that starts no valid UTF-8 sequence replaced by U+FFFD:
// text from the image (a link's target, a name) can hold any bytes, and what
// we write (logs, plans, stderr) is UTF-8.
std::string utf8_or_replaced(std::string_view s);

// Everything we write is written by rapidjson's Writer (or PrettyWriter) over
// a StringBuffer, event by event; these put the views rapidjson takes as
// pointer and length. A string that is not UTF-8 is written with U+FFFD for
// its stray bytes (a plan path so written names nothing, and the enforcer
// refuses its rule).
template <typename W>
void put(W& w, std::string_view s) {
    if (!valid_utf8(s)) {
        std::string fixed = utf8_or_replaced(s);
        w.String(fixed.data(), static_cast<rapidjson::SizeType>(fixed.size()));
        return;
    }
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
template <typename W>
void key(W& w, std::string_view k) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
// A list of strings (std::string or std::string_view).
template <typename W, typename S>
void put(W& w, const std::vector<S>& list) {
    static_assert(std::is_convertible_v<const S&, std::string_view>);
    w.StartArray();
    for (const auto& s : list) put(w, s);
    w.EndArray();
}
// A list of numbers (ports), or null when there is none.
template <typename W, typename T>
void put(W& w, const std::optional<std::vector<T>>& list) {
    if (!list) {
        w.Null();
        return;
    }
    w.StartArray();
    for (T v : *list) w.Uint64(v);
    w.EndArray();
}

// Serialises a value compactly or indented. A document from parse() holds
// only valid UTF-8, so its text is valid UTF-8.
std::string write(const rapidjson::Value& v, bool pretty = false);

// JSON Pointer escaping of one token ("a/b" -> "a~1b").
std::string pointer_token(std::string_view token);

// A JSON string literal for `s` (quotes and escapes included).
std::string quote(std::string_view s);

// Whether Go's encoding/json (runc, containerd) decodes members named `a` and
// `b` into the same struct field: equal but for the case of ASCII letters,
// U+212A KELVIN SIGN counting as k and U+017F LATIN SMALL LETTER LONG S as s.
// (OCI field names are ASCII, so no other rune can reach a field.)
bool same_go_field(std::string_view a, std::string_view b);

}  // namespace osh::json
