// What a seccomp filter is asked to do, in the words the policy document and
// the plan use: the profile it starts from, the calls added and refused, the
// action for a refused call, and whether i386 calls pass on x86_64.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "util/words.hpp"

namespace osh::seccomp {

enum class Profile { default_, none };
inline constexpr auto kProfileWords = std::to_array<words::Entry<Profile>>({
    {Profile::default_, "default"},
    {Profile::none, "none"},
});
inline std::string_view name(Profile p) {
    return words::of(kProfileWords, p);
}

enum class Action { errno_, kill, log };
inline constexpr auto kActionWords = std::to_array<words::Entry<Action>>({
    {Action::errno_, "errno"},
    {Action::kill, "kill"},
    {Action::log, "log"},
});
inline std::string_view name(Action a) {
    return words::of(kActionWords, a);
}

struct Settings {
    Profile profile = Profile::default_;
    std::vector<std::string> deny;   // syscall names refused (wins over allow)
    std::vector<std::string> allow;  // syscall names added to the profile's allow-list
    Action action = Action::errno_;
    // x86_64 only: whether i386 (int 0x80 / 32-bit) calls are allowed through
    // the filter. x32 calls are always refused. An addition to PRODUCT.md's
    // example document, documented in docs/policy.md.
    bool allow_i386 = false;
};

}  // namespace osh::seccomp
