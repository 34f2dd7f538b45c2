// One word table per enum, declared next to the enum: the word each value is
// written as (policies, plans, events, explain, probe) and read back from.
// A table lists its values in the order they are shown to a user.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace osh::words {

template <typename E>
struct Entry {
    E value;
    std::string_view word;
};

// The word of `v`; "unknown" for a value the table does not list.
template <typename E, size_t N>
constexpr std::string_view of(const std::array<Entry<E>, N>& table, E v) {
    for (const auto& e : table)
        if (e.value == v) return e.word;
    return "unknown";
}

// The value written as `word`, or nullopt.
template <typename E, size_t N>
constexpr std::optional<E> parse(const std::array<Entry<E>, N>& table, std::string_view word) {
    for (const auto& e : table)
        if (e.word == word) return e.value;
    return std::nullopt;
}

// Every value, in table order.
template <typename E, size_t N>
constexpr std::array<E, N> values(const std::array<Entry<E>, N>& table) {
    std::array<E, N> out{};
    for (size_t i = 0; i < N; ++i) out[i] = table[i].value;
    return out;
}

// "a, b, c": the words a field allows, for error messages.
template <typename E, size_t N>
std::string list(const std::array<Entry<E>, N>& table) {
    std::string out;
    for (const auto& e : table) {
        if (!out.empty()) out += ", ";
        out += e.word;
    }
    return out;
}

}  // namespace osh::words
