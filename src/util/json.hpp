// RapidJSON helpers shared by every parser: parse with a located error, and
// small typed readers that report the JSON Pointer of a bad field.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace osh::json {

// Parses `text`; on failure the error names `origin` (a file name or
// "stdin"), the byte offset and, where it helps, line:column.
Result<rapidjson::Document> parse(std::string_view text, std::string_view origin);

// Serialises a value compactly or indented.
std::string write(const rapidjson::Value& v, bool pretty = false);

// JSON Pointer escaping of one token ("a/b" -> "a~1b").
std::string pointer_token(std::string_view token);

// A JSON string literal for `s` (quotes and escapes included).
std::string quote(std::string_view s);

}  // namespace osh::json
