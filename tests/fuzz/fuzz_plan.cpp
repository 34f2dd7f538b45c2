// libFuzzer target: the plan parser (what the enforcer reads inside the
// container). Each input is tried twice: as the whole file (seal included, so
// damaged seals are exercised), and as the JSON body with a correct seal
// appended (so the fuzzer reaches field validation). A plan that parses
// round-trips through serialize, as valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "plan/plan.hpp"
#include "util/json.hpp"
#include "util/sha256.hpp"

namespace {

void check(std::string_view bytes) {
    auto plan = osh::plan::parse(bytes, "plan.json");
    if (!plan) return;
    const std::string again = osh::plan::serialize(*plan);
    osh::fuzz::require(osh::json::valid_utf8(again), "serialized plan is not valid UTF-8", again);
    auto reparsed = osh::plan::parse(again, "serialized");
    osh::fuzz::require(reparsed.has_value(), "serialized plan does not parse",
                       reparsed ? std::string_view(again) : std::string_view(reparsed.error().message));
    osh::fuzz::require(osh::plan::serialize(*reparsed) == again, "plan round trip changed the plan",
                       again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check(text);
    std::string sealed(text);
    if (!sealed.empty() && sealed.back() != '\n') sealed += '\n';
    sealed += "sha256:" + osh::sha256::hex_digest(sealed) + "\n";
    check(sealed);
    return 0;
}
