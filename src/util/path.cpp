#include "util/path.hpp"

#include <vector>

namespace osh::path {

std::optional<std::string> normalize(std::string_view p) {
    if (p.empty() || p.front() != '/') return std::nullopt;
    std::string out;
    size_t i = 0;
    while (i < p.size()) {
        while (i < p.size() && p[i] == '/') ++i;
        size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        std::string_view comp = p.substr(i, j - i);
        i = j;
        if (comp.empty() || comp == ".") continue;
        if (comp == "..") return std::nullopt;
        if (comp.find('\0') != std::string_view::npos) return std::nullopt;
        out += '/';
        out += comp;
    }
    if (out.empty()) out = "/";
    return out;
}

std::string lexical(std::string_view p) {
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < p.size()) {
        size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        std::string_view comp = p.substr(i, j - i);
        i = j + 1;
        if (comp.empty() || comp == ".") continue;
        if (comp == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(comp);
    }
    std::string out;
    for (auto c : parts) {
        out += '/';
        out += c;
    }
    return out.empty() ? "/" : out;
}

bool is_within(std::string_view p, std::string_view dir) {
    if (dir == "/") return !p.empty() && p.front() == '/';
    if (p.size() < dir.size() || p.substr(0, dir.size()) != dir) return false;
    return p.size() == dir.size() || p[dir.size()] == '/';
}

namespace {

// Matches one bracket class at pattern[pi] == '['; advances pi past ']'.
bool match_class(std::string_view pat, size_t& pi, char c, bool& ok) {
    size_t i = pi + 1;
    bool negate = i < pat.size() && (pat[i] == '!' || pat[i] == '^');
    if (negate) ++i;
    bool matched = false;
    bool first = true;
    while (i < pat.size() && (first || pat[i] != ']')) {
        first = false;
        char lo = pat[i];
        if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
            if (c >= lo && c <= pat[i + 2]) matched = true;
            i += 3;
        } else {
            if (c == lo) matched = true;
            ++i;
        }
    }
    if (i >= pat.size()) return false;  // unterminated: not a class
    pi = i + 1;
    ok = (matched != negate) && c != '/';
    return true;
}

bool match(std::string_view pat, std::string_view s) {
    size_t pi = 0, si = 0;
    while (pi < pat.size()) {
        if (pat[pi] == '*') {
            bool deep = pi + 1 < pat.size() && pat[pi + 1] == '*';
            size_t rest = pi + (deep ? 2 : 1);
            for (size_t k = si;; ++k) {
                if (match(pat.substr(rest), s.substr(k))) return true;
                if (k >= s.size() || (!deep && s[k] == '/')) return false;
            }
        }
        if (si >= s.size()) return false;
        if (pat[pi] == '?') {
            if (s[si] == '/') return false;
            ++pi, ++si;
            continue;
        }
        if (pat[pi] == '[') {
            bool ok = false;
            size_t save = pi;
            if (match_class(pat, pi, s[si], ok)) {
                if (!ok) return false;
                ++si;
                continue;
            }
            pi = save;
        }
        if (pat[pi] != s[si]) return false;
        ++pi, ++si;
    }
    return si == s.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view p) { return match(pattern, p); }

bool has_glob(std::string_view p) { return p.find_first_of("*?[") != std::string_view::npos; }

std::optional<std::string> glob_problem(std::string_view pat) {
    for (size_t i = 0; i < pat.size(); ++i) {
        if (pat.substr(i, 3) == "***") return std::string("\"***\" at offset ") + std::to_string(i) +
                                                  ": write \"**\" (any depth) or \"*\" (one component)";
        if (pat[i] != '[') continue;
        size_t j = i + 1;
        if (j < pat.size() && (pat[j] == '!' || pat[j] == '^')) ++j;
        if (j < pat.size() && pat[j] == ']') ++j;  // a leading "]" is a member
        while (j < pat.size() && pat[j] != ']') ++j;
        if (j >= pat.size() || pat[j] != ']')
            return std::string("unterminated \"[\" class at offset ") + std::to_string(i) +
                   " (it would match a literal \"[\"; close the class with \"]\")";
        i = j;
    }
    return std::nullopt;
}

}  // namespace osh::path
