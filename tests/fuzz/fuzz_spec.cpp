// libFuzzer target: the config.json read view.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto spec = osh::oci::parse_spec(text, "config.json");
    if (!spec) return 0;
    // Exercise the accessors over whatever was parsed.
    (void)spec->env_value("PATH");
    (void)spec->env_value("");
    return 0;
}
