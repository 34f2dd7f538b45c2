// libFuzzer target: the OCI state a runtime writes to the hook's stdin.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "oci/state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto st = osh::oci::parse_state(text, "stdin");
    if (!st) return 0;
    // A state that parses names a usable container id and an absolute bundle.
    osh::fuzz::require(osh::oci::validate_container_id(st->id).has_value(),
                       "parse_state accepted an invalid container id", st->id);
    osh::fuzz::require(!st->bundle.empty() && st->bundle.front() == '/',
                       "parse_state accepted a relative bundle", st->bundle);
    return 0;
}
