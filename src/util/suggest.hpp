// "Did you mean": the closest known word to a misspelt one, for usage errors
// (commands) and policy errors (syscall names).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace osh::suggest {

// Levenshtein distance (insert, delete, substitute; each costs 1).
size_t distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, if it is near enough to be a likely typo:
// at most a third of the word's length (at least 1, at most 3) edits away.
// Ties go to the first candidate.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean \"x\"?" or "" (for appending to an error message).
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace osh::suggest
