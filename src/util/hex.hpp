// Lower-case hexadecimal: the plan's BPF, digests, random keys.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace osh::hex {

std::string encode(std::span<const uint8_t> bytes);
// nullopt for an odd length or anything but 0-9a-f.
std::optional<std::vector<uint8_t>> decode(std::string_view text);

}  // namespace osh::hex
