#include "setup/toml_text.hpp"

#include <cctype>

namespace osh::setup::toml {

namespace {

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
    return std::string(s.substr(b, e - b));
}

bool bare_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// Tracks brackets and strings across the lines of one value.
struct ValueState {
    int depth = 0;
    bool in_ml_basic = false, in_ml_literal = false;
    bool open() const { return depth > 0 || in_ml_basic || in_ml_literal; }
};

// Feeds one line of a value; returns the line with any comment removed.
std::string feed(std::string_view line, ValueState& st) {
    std::string out;
    size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (st.in_ml_basic || st.in_ml_literal) {
            std::string_view close = st.in_ml_basic ? "\"\"\"" : "'''";
            if (st.in_ml_basic && c == '\\' && i + 1 < line.size()) {
                out += line.substr(i, 2);
                i += 2;
                continue;
            }
            if (line.substr(i, 3) == close) {
                st.in_ml_basic = st.in_ml_literal = false;
                out += close;
                i += 3;
                continue;
            }
            out += c;
            ++i;
            continue;
        }
        if (c == '#') break;
        if (line.substr(i, 3) == "\"\"\"" || line.substr(i, 3) == "'''") {
            (line[i] == '"' ? st.in_ml_basic : st.in_ml_literal) = true;
            out += line.substr(i, 3);
            i += 3;
            continue;
        }
        if (c == '"' || c == '\'') {
            size_t j = i + 1;
            while (j < line.size() && line[j] != c) j += (c == '"' && line[j] == '\\') ? 2 : 1;
            out += line.substr(i, j + 1 - i);
            i = j + 1;
            continue;
        }
        if (c == '[' || c == '{') ++st.depth;
        if (c == ']' || c == '}') --st.depth;
        out += c;
        ++i;
    }
    if (st.in_ml_basic || st.in_ml_literal) out += '\n';
    return out;
}

// Position of the first "=" outside quotes, or npos.
size_t key_end(std::string_view line) {
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '"' || c == '\'') {
            size_t j = i + 1;
            while (j < line.size() && line[j] != c) j += (c == '"' && line[j] == '\\') ? 2 : 1;
            i = j;
        } else if (c == '=') {
            return i;
        }
    }
    return std::string_view::npos;
}

}  // namespace

std::optional<KeyPath> split_key(std::string_view key) {
    KeyPath out;
    size_t i = 0;
    auto skip_ws = [&] {
        while (i < key.size() && (key[i] == ' ' || key[i] == '\t')) ++i;
    };
    while (true) {
        skip_ws();
        if (i >= key.size()) return std::nullopt;
        std::string seg;
        if (key[i] == '"' || key[i] == '\'') {
            char q = key[i++];
            while (i < key.size() && key[i] != q) {
                if (q == '"' && key[i] == '\\' && i + 1 < key.size()) {
                    seg += key[i + 1];
                    i += 2;
                } else {
                    seg += key[i++];
                }
            }
            if (i >= key.size()) return std::nullopt;
            ++i;
        } else {
            while (i < key.size() && bare_char(key[i])) seg += key[i++];
            if (seg.empty()) return std::nullopt;
        }
        out.push_back(seg);
        skip_ws();
        if (i >= key.size()) return out;
        if (key[i] != '.') return std::nullopt;
        ++i;
    }
}

Result<Document> scan(std::string_view text) {
    Document d;
    size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        d.lines.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    KeyPath table;
    for (size_t n = 0; n < d.lines.size();) {
        const std::string t = trim(d.lines[n]);
        if (t.empty() || t[0] == '#') {
            ++n;
            continue;
        }
        Statement s;
        s.first_line = n;
        if (t[0] == '[') {
            const bool arr = t.size() > 1 && t[1] == '[';
            ValueState st;
            std::string body = trim(feed(t, st));
            const size_t open = arr ? 2 : 1;
            if (body.size() < 2 * open || body.substr(body.size() - open) != std::string(open, ']'))
                return fail("line " + std::to_string(n + 1) + ": malformed table header");
            auto path = split_key(std::string_view(body).substr(open, body.size() - 2 * open));
            if (!path) return fail("line " + std::to_string(n + 1) + ": malformed table header");
            s.header = true;
            s.array_table = arr;
            s.table = table = *path;
            s.end_line = n + 1;
            d.statements.push_back(std::move(s));
            ++n;
            continue;
        }
        const size_t eq = key_end(d.lines[n]);
        if (eq == std::string::npos) return fail("line " + std::to_string(n + 1) + ": expected key = value");
        auto key = split_key(trim(std::string_view(d.lines[n]).substr(0, eq)));
        if (!key) return fail("line " + std::to_string(n + 1) + ": malformed key");
        ValueState st;
        std::string value = feed(std::string_view(d.lines[n]).substr(eq + 1), st);
        size_t m = n + 1;
        while (st.open()) {
            if (m >= d.lines.size())
                return fail("line " + std::to_string(n + 1) + ": unterminated value");
            value += feed(d.lines[m], st);
            ++m;
        }
        s.table = table;
        s.key = *key;
        s.value = trim(value);
        s.end_line = m;
        d.statements.push_back(std::move(s));
        n = m;
    }
    return d;
}

std::optional<std::string> as_string(std::string_view v) {
    std::string s = trim(v);
    if (s.size() < 2 || (s.front() != '"' && s.front() != '\'') || s.back() != s.front()) return std::nullopt;
    if (s.front() == '\'') return s.substr(1, s.size() - 2);
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '\\' && i + 2 < s.size()) {
            char e = s[++i];
            out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::optional<bool> as_bool(std::string_view v) {
    std::string s = trim(v);
    if (s == "true") return true;
    if (s == "false") return false;
    return std::nullopt;
}

std::optional<long> as_int(std::string_view v) {
    std::string s = trim(v);
    if (s.empty()) return std::nullopt;
    size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
    if (i >= s.size()) return std::nullopt;
    for (size_t j = i; j < s.size(); ++j)
        if (!std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '_') return std::nullopt;
    std::string digits;
    for (char c : s)
        if (c != '_') digits += c;
    return std::stol(digits);
}

std::optional<std::vector<std::string>> as_string_array(std::string_view v) {
    std::string s = trim(v);
    if (s.size() < 2 || s.front() != '[' || s.back() != ']') return std::nullopt;
    std::vector<std::string> out;
    size_t i = 1;
    while (i < s.size() - 1) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
            ++i;
            continue;
        }
        if (c != '"' && c != '\'') return std::nullopt;
        size_t j = i + 1;
        while (j < s.size() && s[j] != c) j += (c == '"' && s[j] == '\\') ? 2 : 1;
        if (j >= s.size()) return std::nullopt;
        auto str = as_string(std::string_view(s).substr(i, j + 1 - i));
        if (!str) return std::nullopt;
        out.push_back(*str);
        i = j + 1;
    }
    return out;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string string_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quote(items[i]);
    return out + "]";
}

std::string join_key(const KeyPath& path) {
    std::string out;
    for (size_t i = 0; i < path.size(); ++i) {
        bool bare = !path[i].empty();
        for (char c : path[i]) bare = bare && bare_char(c);
        out += (i ? "." : "") + (bare ? path[i] : quote(path[i]));
    }
    return out;
}

bool starts_with(const KeyPath& path, const KeyPath& prefix) {
    if (path.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (path[i] != prefix[i]) return false;
    return true;
}

const Statement* find_key(const Document& d, const KeyPath& full) {
    for (const auto& s : d.statements) {
        if (s.header) continue;
        KeyPath p = s.table;
        p.insert(p.end(), s.key.begin(), s.key.end());
        if (p == full) return &s;
    }
    return nullptr;
}

}  // namespace osh::setup::toml
