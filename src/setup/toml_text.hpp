// Just enough TOML to edit engine configuration files as text: find the
// tables and key lines of a file, read a string, a boolean or an array of
// strings, and quote a string. Files we own are written whole; in files we
// do not own, only the lines we add or remove change (comments, order and
// formatting stay as the operator left them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace osh::setup::toml {

using KeyPath = std::vector<std::string>;

// One statement: a table header or a key = value (possibly spanning lines).
struct Statement {
    size_t first_line = 0, end_line = 0;  // [first, end) line indexes
    bool header = false;                  // [table] (array tables [[x]] too)
    bool array_table = false;
    KeyPath table;  // the header's path, or the table a key belongs to
    KeyPath key;    // a key line's (dotted) key, relative to `table`
    std::string value;  // a key line's raw value text (comments stripped)
};

struct Document {
    std::vector<std::string> lines;  // without newlines
    std::vector<Statement> statements;
};

// Splits and classifies; fails on what it cannot follow (an unterminated
// array or multi-line string, a malformed header).
Result<Document> scan(std::string_view text);

// "a.\"b.c\".d" -> {"a", "b.c", "d"}.
std::optional<KeyPath> split_key(std::string_view key);

// A value as a string ("x" or 'x'), a boolean, an integer, or an array of strings.
std::optional<std::string> as_string(std::string_view value);
std::optional<bool> as_bool(std::string_view value);
std::optional<long> as_int(std::string_view value);
std::optional<std::vector<std::string>> as_string_array(std::string_view value);

// A TOML basic string literal for s.
std::string quote(std::string_view s);
// ["a", "b"]
std::string string_array(const std::vector<std::string>& items);
// plugins."io.containerd.grpc.v1.cri".containerd (quoting segments that need it).
std::string join_key(const KeyPath& path);

// The key statement `key` in table `table` (the full path is table + key,
// however the file spells it), if any.
const Statement* find_key(const Document& d, const KeyPath& full);

// True when `path` starts with `prefix`.
bool starts_with(const KeyPath& path, const KeyPath& prefix);

}  // namespace osh::setup::toml
