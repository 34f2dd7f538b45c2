#include "util/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace osh::json {

Result<rapidjson::Document> parse(std::string_view text, std::string_view origin) {
    rapidjson::Document doc;
    // kParseStopWhenDoneFlag is deliberately not set: trailing garbage is an error.
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    if (doc.HasParseError()) {
        size_t off = doc.GetErrorOffset();
        size_t clamped = std::min(off, text.size());
        size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + clamped, '\n'));
        size_t bol = text.rfind('\n', clamped == 0 ? 0 : clamped - 1);
        size_t col = (bol == std::string_view::npos || clamped == 0) ? clamped + 1 : clamped - bol;
        return fail(std::string(origin) + ": invalid JSON at offset " + std::to_string(off) +
                    " (line " + std::to_string(line) + ", column " + std::to_string(col) +
                    "): " + rapidjson::GetParseError_En(doc.GetParseError()));
    }
    return doc;
}

std::string write(const rapidjson::Value& v, bool pretty) {
    rapidjson::StringBuffer buf;
    if (pretty) {
        rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
        w.SetIndent(' ', 2);
        v.Accept(w);
    } else {
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        v.Accept(w);
    }
    return std::string(buf.GetString(), buf.GetSize());
}

std::string pointer_token(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

std::string quote(std::string_view s) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace osh::json
