// Errors as values: what failed, where, and the errno that explains why.
// Context is prepended as an error travels up ("hook: read config.json: open: ...").
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <type_traits>
#include <variant>
#include <string>
#include <string_view>
#include <utility>

namespace osh {

struct Error {
    std::string message;  // human text, outermost context first
    int err = 0;          // errno of the failing call, 0 when none applies

    // Full text: message plus "(strerror)" when an errno is attached.
    std::string what() const {
        if (err == 0) return message;
        return message + ": " + std::strerror(err) + " (errno " + std::to_string(err) + ")";
    }

    // Wraps this error in outer context: "context: message".
    Error wrap(std::string_view context) const& {
        return Error{std::string(context) + ": " + message, err};
    }
    Error wrap(std::string_view context) && {
        message.insert(0, std::string(context) + ": ");
        return std::move(*this);
    }
};

// A minimal std::expected stand-in: clang 14 (our libFuzzer compiler) cannot
// use libstdc++'s <expected>, so the project carries its own.
template <typename E>
struct Unexpected {
    E value;
};

template <typename T, typename E = Error>
class [[nodiscard]] Expected {
public:
    Expected(const T& v) : v_(std::in_place_index<0>, v) {}
    Expected(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
    template <typename U>
        requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::decay_t<U>, T>) &&
                 (!std::is_same_v<std::decay_t<U>, Unexpected<E>>)
    Expected(U&& v) : v_(std::in_place_index<0>, T(std::forward<U>(v))) {}
    Expected(Unexpected<E> u) : v_(std::in_place_index<1>, std::move(u.value)) {}

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    E& error() & { return std::get<1>(v_); }
    const E& error() const& { return std::get<1>(v_); }
    template <typename U>
    T value_or(U&& d) const& { return has_value() ? value() : T(std::forward<U>(d)); }

private:
    std::variant<T, E> v_;
};

template <typename E>
class [[nodiscard]] Expected<void, E> {
public:
    Expected() = default;
    Expected(Unexpected<E> u) : e_(std::move(u.value)) {}
    bool has_value() const { return !e_.has_value(); }
    explicit operator bool() const { return has_value(); }
    void value() const {}
    E& error() & { return *e_; }
    const E& error() const& { return *e_; }

private:
    std::optional<E> e_;
};

template <typename T>
using Result = Expected<T, Error>;

template <typename E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return Unexpected<std::decay_t<E>>{std::forward<E>(e)};
}

// A failure carrying only text.
inline Unexpected<Error> fail(std::string message) {
    return Unexpected<Error>{Error{std::move(message), 0}};
}

// A failure carrying an errno (pass errno explicitly: it must be read right
// after the failing call).
inline Unexpected<Error> fail_errno(std::string message, int err) {
    return Unexpected<Error>{Error{std::move(message), err}};
}

// Propagate-with-context helper: `return wrap(r.error(), "reading plan");`
inline Unexpected<Error> wrap(const Error& e, std::string_view context) {
    return Unexpected<Error>{e.wrap(context)};
}

}  // namespace osh
