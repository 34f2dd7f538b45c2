// When GPU detection decides a container has a GPU: from the evidence
// (auto), or always, or never (the policy's gpu.detect).
#pragma once

#include <array>
#include <string_view>

#include "util/words.hpp"

namespace osh::gpu {

enum class DetectMode { auto_, always, never };
inline constexpr auto kDetectModeWords = std::to_array<words::Entry<DetectMode>>({
    {DetectMode::auto_, "auto"},
    {DetectMode::always, "always"},
    {DetectMode::never, "never"},
});
inline std::string_view name(DetectMode m) {
    return words::of(kDetectModeWords, m);
}

}  // namespace osh::gpu
