// The one checked JSON parse (see json.hpp for what it refuses and why).
//
// rapidjson's reader drives a SAX handler that checks each event before it
// reaches the document: depth on every array and object start (before the
// reader recurses into it), member names against the names already seen in
// their object, strings for lone surrogates. It also keeps the JSON Pointer of
// the current value so an error can name it.
//
// Numbers: rapidjson 1.1.0, Debian 12's, gets some valid numbers wrong: its
// full-precision strtod returns garbage for a zero with a large exponent or
// more than 22 zero decimals (0e44, 0.00000000000000000000000:
// Tencent/rapidjson#1249, #1441, found by fuzz_spec_edit), and its normal one
// can miss the last bit. Numbers are read as text: integers of up to 18
// digits are summed in place, the rest converted by glibc (strtoll, strtoull,
// correctly rounded strtod, like Go's strconv), to the same types rapidjson
// would pick; the spec editor writes them back unchanged.
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/json.hpp"

namespace osh::json {

namespace {

using rapidjson::SizeType;

// Up to this many members, a new name is compared with each earlier one;
// beyond it, a hash map keeps the check linear.
constexpr size_t kLinearMembers = 16;

// Member names as Go's encoding/json matches them to a struct field (its
// foldName): ASCII letters in one case, and the two non-ASCII runes whose
// case folding reaches an ASCII letter (U+212A KELVIN SIGN: k, U+017F LATIN
// SMALL LETTER LONG S: s). OCI field names are ASCII, so no other rune can
// reach a field; names that differ in other runes stay apart.
// The bytes a fold can start at: A-Z and the lead bytes of U+212A and U+017F.
constexpr bool fold_starts(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || c == 0xE2 || c == 0xC5;
}

// fold_next returns the folded byte at `i` of `name` and steps past it.
char fold_next(std::string_view name, size_t& i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (!fold_starts(c)) {
        ++i;
        return static_cast<char>(c);
    }
    if (c <= 'Z') {
        ++i;
        return static_cast<char>(c - 'A' + 'a');
    }
    if (c == 0xE2 && name.substr(i, 3) == "\xE2\x84\xAA") {
        i += 3;
        return 'k';
    }
    if (c == 0xC5 && name.substr(i, 2) == "\xC5\xBF") {
        i += 2;
        return 's';
    }
    ++i;
    return static_cast<char>(c);
}

// Whether fold_next may change `name` (most names are lower case already).
bool folds(std::string_view name) {
    return std::any_of(name.begin(), name.end(),
                       [](char c) { return fold_starts(static_cast<unsigned char>(c)); });
}

// Where rapidjson left a \uDC00-\uDFFF escape that had no leading surrogate
// (it encodes it as ED B0..BF xx, invalid UTF-8). The input's raw bytes are
// validated, so only an escape can produce one. npos when none.
size_t lone_surrogate(std::string_view s) {
    // A plain loop: most strings are short and ASCII, where memchr's call
    // costs more than the scan.
    for (size_t i = 0; i + 1 < s.size(); ++i)
        if (s[i] == '\xED' && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return i;
    return std::string_view::npos;
}

std::string surrogate_escape(std::string_view s, size_t at) {
    unsigned cp = ((static_cast<unsigned char>(s[at]) & 0x0Fu) << 12) |
                  ((static_cast<unsigned char>(s[at + 1]) & 0x3Fu) << 6) |
                  (at + 2 < s.size() ? (static_cast<unsigned char>(s[at + 2]) & 0x3Fu) : 0u);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", cp);
    return buf;
}

// `s` with each lone surrogate written as its escape.
std::string with_escapes(std::string_view s) {
    std::string out;
    for (size_t at = lone_surrogate(s); at != std::string_view::npos; at = lone_surrogate(s)) {
        out.append(s.substr(0, at));
        out += surrogate_escape(s, at);
        s.remove_prefix(std::min(at + 3, s.size()));
    }
    out.append(s);
    return out;
}

// Member names as seen, kept in one buffer reserved up front so that views
// into it stay valid: a name and its folded form are never longer than the
// name's text in the input (quotes included), so twice the input's size
// always suffices and no name costs an allocation of its own.
class NameArena {
  public:
    explicit NameArena(size_t input_size) { bytes_.reserve(2 * input_size + 2); }

    // Whether `n` more bytes of name and fold fit without moving the buffer
    // (always, by the bound above).
    bool room_for(size_t n) const { return bytes_.size() + 2 * n <= bytes_.capacity(); }
    std::string_view keep(std::string_view name) {
        size_t at = bytes_.size();
        bytes_.append(name);
        return {bytes_.data() + at, name.size()};
    }
    std::string_view keep_folded(std::string_view name) {
        size_t at = bytes_.size();
        for (size_t i = 0; i < name.size();) bytes_ += fold_next(name, i);
        return {bytes_.data() + at, bytes_.size() - at};
    }

  private:
    std::string bytes_;
};

// One open array or object.
struct Frame {
    bool object = false;
    size_t count = 0;      // elements or members so far
    std::string_view key;  // the current member's name as written (objects)
    // The members so far, folded name to name as written: a list while
    // short, then a hash map.
    std::vector<std::pair<std::string_view, std::string_view>> names;
    std::unordered_map<std::string_view, std::string_view> name_map;

    void open(bool is_object) {
        object = is_object;
        count = 0;
        key = {};
        names.clear();
        if (!name_map.empty()) name_map = {};  // drops a big table instead of clearing it
    }
};

// Checks every SAX event, then forwards it to the document.
class CheckedHandler {
  public:
    // Only a \u escape can make a lone surrogate (see lone_surrogate): input
    // without one skips the scan of every string.
    CheckedHandler(rapidjson::Document& doc, std::string_view text)
        : doc_(doc),
          arena_(text.size()),
          has_u_escape_(text.find("\\u") != std::string_view::npos) {}

    // Set when a check refused the input: the pointer and what is wrong.
    std::string problem_pointer;
    std::string problem;

    bool Null() { return value() && doc_.Null(); }
    bool Bool(bool b) { return value() && doc_.Bool(b); }
    bool Int(int i) { return value() && doc_.Int(i); }
    bool Uint(unsigned u) { return value() && doc_.Uint(u); }
    bool Int64(int64_t i) { return value() && doc_.Int64(i); }
    bool Uint64(uint64_t u) { return value() && doc_.Uint64(u); }
    bool Double(double d) { return value() && doc_.Double(d); }

    bool String(const char* s, SizeType n, bool copy) {
        if (!value()) return false;
        if (size_t at = surrogate_at({s, n}); at != std::string_view::npos)
            return refuse(pointer(depth_), surrogate_message({s, n}, at));
        return doc_.String(s, n, copy);
    }

    bool StartObject() { return open(true) && doc_.StartObject(); }
    bool StartArray() { return open(false) && doc_.StartArray(); }
    bool EndObject(SizeType n) {
        --depth_;
        return doc_.EndObject(n);
    }
    bool EndArray(SizeType n) {
        --depth_;
        return doc_.EndArray(n);
    }

    bool Key(const char* s, SizeType n, bool copy) {
        std::string_view name(s, n);
        Frame& f = frames_[depth_ - 1];
        ++f.count;
        if (size_t at = surrogate_at(name); at != std::string_view::npos) {
            f.key = escaped_ = with_escapes(name);  // the error stays valid UTF-8
            return refuse(pointer(depth_), "member name: " + surrogate_message(name, at));
        }
        if (!arena_.room_for(n))
            return refuse(pointer(depth_ - 1), "member names longer than the input");
        f.key = arena_.keep(name);
        const std::string_view folded = folds(name) ? arena_.keep_folded(name) : f.key;
        if (auto clash = earlier_member(f, f.key, folded)) return refuse(pointer(depth_), *clash);
        return doc_.Key(s, n, copy);
    }

    // `s` has passed rapidjson's number grammar: -?int(.frac)?([eE][+-]?exp)?
    bool RawNumber(const char* s, SizeType n, bool) {
        if (!value()) return false;
        const std::string_view text(s, n);
        bool negative = text[0] == '-';
        bool integer = true;
        for (char c : text) integer = integer && c != '.' && c != 'e' && c != 'E';
        // Up to 18 digits always fit in 64 bits: summed here, exactly.
        if (integer && n - negative <= 18) {
            uint64_t v = 0;
            for (char c : text.substr(negative)) v = v * 10 + static_cast<uint64_t>(c - '0');
            return negative ? doc_.Int64(-static_cast<int64_t>(v)) : doc_.Uint64(v);
        }
        // NUL-terminated for strto*: on the stack unless absurdly long.
        char buf[64];
        std::string long_text;
        const char* z = buf;
        if (n < sizeof buf) {
            std::memcpy(buf, s, n);
            buf[n] = '\0';
        } else {
            long_text.assign(text);
            z = long_text.c_str();
        }
        if (integer) {
            errno = 0;
            if (negative) {
                long long v = std::strtoll(z, nullptr, 10);
                if (errno == 0) return doc_.Int64(v);
            } else {
                unsigned long long v = std::strtoull(z, nullptr, 10);
                if (errno == 0) return doc_.Uint64(v);
            }
            // Too long for 64 bits: a double, as rapidjson does.
        }
        double d = std::strtod(z, nullptr);
        if (!std::isfinite(d))
            return refuse(pointer(depth_), "a number beyond the range of a double");
        return doc_.Double(d);
    }

  private:
    rapidjson::Document& doc_;
    NameArena arena_;
    std::string escaped_;        // a refused name, for the error's pointer
    std::vector<Frame> frames_;  // frames_[0, depth_) are open; never shrinks
    size_t depth_ = 0;
    bool has_u_escape_;  // the input has a \u escape

    size_t surrogate_at(std::string_view s) const {
        return has_u_escape_ ? lone_surrogate(s) : std::string_view::npos;
    }

    // Every value: counts it as the next element of an enclosing array.
    bool value() {
        if (depth_ > 0 && !frames_[depth_ - 1].object) ++frames_[depth_ - 1].count;
        return true;
    }

    bool open(bool object) {
        value();
        if (depth_ == kMaxDepth)
            return refuse(pointer(depth_), "nested deeper than " + std::to_string(kMaxDepth) +
                                               " arrays and objects");
        if (frames_.size() == depth_) frames_.emplace_back();
        frames_[depth_++].open(object);
        return true;
    }

    // Why `name` (folded: `folded`) cannot join the members of `f`, if it cannot.
    static std::optional<std::string> earlier_member(Frame& f, std::string_view name,
                                                     std::string_view folded) {
        std::optional<std::string_view> earlier;
        if (f.name_map.empty() && f.names.size() < kLinearMembers) {
            for (const auto& [fold, written] : f.names)
                if (fold == folded) earlier = written;
            if (!earlier) f.names.emplace_back(folded, name);
        } else {
            if (f.name_map.empty()) f.name_map.insert(f.names.begin(), f.names.end());
            auto [it, inserted] = f.name_map.emplace(folded, name);
            if (!inserted) earlier = it->second;
        }
        if (!earlier) return std::nullopt;
        if (*earlier == name) return "duplicate member " + quote(name);
        return "member " + quote(name) + " and the earlier " + quote(*earlier) +
               " differ only in letter case (Go's decoder, in runc and containerd, reads both "
               "into one field)";
    }

    static std::string surrogate_message(std::string_view s, size_t at) {
        return "the escape " + surrogate_escape(s, at) +
               " is a lone UTF-16 surrogate, not a character (it cannot be written back as UTF-8)";
    }

    // The JSON Pointer of the current value at `depth` open containers.
    std::string pointer(size_t depth) const {
        std::string p;
        for (size_t i = 0; i < depth; ++i) {
            const Frame& f = frames_[i];
            if (f.object)
                p += "/" + pointer_token(f.key);
            else if (f.count > 0)
                p += "/" + std::to_string(f.count - 1);
        }
        return p.empty() ? "/" : p;
    }

    bool refuse(std::string ptr, std::string what) {
        problem_pointer = std::move(ptr);
        problem = std::move(what);
        return false;
    }
};

// "offset N (line L, column C)" of byte `off` in `text`.
std::string location(std::string_view text, size_t off) {
    size_t clamped = std::min(off, text.size());
    size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + clamped, '\n'));
    size_t bol = text.rfind('\n', clamped == 0 ? 0 : clamped - 1);
    size_t col = (bol == std::string_view::npos || clamped == 0) ? clamped + 1 : clamped - bol;
    return "offset " + std::to_string(off) + " (line " + std::to_string(line) + ", column " +
           std::to_string(col) + ")";
}

}  // namespace

bool same_go_field(std::string_view a, std::string_view b) {
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size())
        if (fold_next(a, i) != fold_next(b, j)) return false;
    return i == a.size() && j == b.size();
}

namespace {

// Zeros after the text for rapidjson's 16-byte loads (parse_parts).
constexpr size_t kPadding = 16;

bool is_ascii(std::string_view text) {
    uint64_t high = 0;
    size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        high |= w;
    }
    for (; i < text.size(); ++i) high |= static_cast<unsigned char>(text[i]);
    return (high & 0x8080808080808080ULL) == 0;
}

}  // namespace

Expected<rapidjson::Document, ParseProblem> parse_parts(std::string_view text) {
    // rapidjson's streams read a NUL as the end of the input: "{}\0{...}"
    // would parse as "{}" alone. JSON has no raw NUL anywhere (U+0000 is
    // written \u0000), so one refuses the text before the parse.
    if (size_t nul = text.find('\0'); nul != std::string_view::npos)
        return Unexpected<ParseProblem>{
            {"", "invalid JSON at " + location(text, nul) +
                     ": a NUL byte (JSON writes U+0000 only as the escape \\u0000)"}};
    rapidjson::Document doc;
    CheckedHandler handler(doc, text);
    rapidjson::ParseResult result;
    // ASCII is valid UTF-8: rapidjson's per-character validation (a third of
    // the parse) is needed only for text with a byte >= 0x80. Control
    // characters, escapes and surrogates are checked either way.
    const bool ascii = is_ascii(text);
    auto generate = [&](rapidjson::Document&) {
        rapidjson::Reader reader;
        // kParseStopWhenDoneFlag is deliberately not set: trailing garbage is an error.
        constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag;
        if (ascii) {
            // rapidjson copies the runs of a string between escapes 16 bytes
            // at a time (RAPIDJSON_SSE2, meson.build) only from a
            // NUL-terminated StringStream, whose aligned loads may read up to
            // 15 bytes past the NUL: a copy with 16 bytes of zeros after it
            // (the text has no NUL of its own, checked above).
            std::string padded;
            padded.reserve(text.size() + kPadding);
            padded.append(text).append(kPadding, '\0');
            rapidjson::StringStream ss(padded.c_str());
            result = reader.Parse<kFlags>(ss, handler);
        } else {
            rapidjson::MemoryStream ms(text.data(), text.size());
            result = reader.Parse<kFlags | rapidjson::kParseValidateEncodingFlag>(ms, handler);
        }
        return !result.IsError();
    };
    doc.Populate(generate);
    if (!result.IsError()) return doc;
    if (!handler.problem.empty())
        return Unexpected<ParseProblem>{
            {std::move(handler.problem_pointer),
             handler.problem + " at " + location(text, result.Offset())}};
    return Unexpected<ParseProblem>{{"", "invalid JSON at " + location(text, result.Offset()) +
                                             ": " + rapidjson::GetParseError_En(result.Code())}};
}

Result<rapidjson::Document> parse(std::string_view text, std::string_view origin) {
    auto doc = parse_parts(text);
    if (doc) return std::move(*doc);
    const ParseProblem& p = doc.error();
    return fail(std::string(origin) + ": " + (p.pointer.empty() ? "" : p.pointer + ": ") +
                p.message);
}

}  // namespace osh::json
