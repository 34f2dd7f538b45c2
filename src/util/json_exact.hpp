// Parsing JSON whose numbers must come out exactly as they went in (the spec
// editor rewrites a whole config.json). rapidjson 1.1.0, Debian 12's, gets
// some valid numbers wrong: its full-precision strtod returns garbage for a
// zero with a large exponent or more than 22 zero decimals (0e44,
// 0.00000000000000000000000: Tencent/rapidjson#1249, #1441, found by
// fuzz_spec_edit), and its normal one can miss the last bit. Here numbers
// are read as text and converted by glibc (strtoll, strtoull, correctly
// rounded strtod), the same types rapidjson would pick.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

#include "util/result.hpp"

namespace osh::json {

// Parses `text` into `doc` (UTF-8 validated). Errors name `origin`; a number
// beyond a double's range is an error too.
Result<void> parse_exact(rapidjson::Document& doc, std::string_view text, std::string_view origin);

}  // namespace osh::json
