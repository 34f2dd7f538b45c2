// libFuzzer target: the policy document. A policy that parses round-trips:
// its canonical JSON is valid UTF-8 and parses again to the same canonical
// JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../unit/policy/policy_json.hpp"
#include "fuzz_common.hpp"
#include "policy/document.hpp"
#include "util/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace osh::policy;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto pol = parse_policy(text, "policy.json");
    if (!pol) {
        for (const Problem& pr : pol.error()) (void)pr.to_string();
        return 0;
    }
    const std::string canon = osh::test::policy_json(*pol);
    osh::fuzz::require(osh::json::valid_utf8(canon), "canonical policy is not valid UTF-8", canon);
    auto again = parse_policy(canon, "canonical");
    if (!again) {
        std::string why = canon;
        for (const Problem& pr : again.error()) why += "\n" + pr.to_string();
        osh::fuzz::violated("canonical policy does not parse", why);
    }
    osh::fuzz::require(osh::test::policy_json(*again) == canon, "policy round trip changed the policy", canon);
    (void)osh::test::policy_json(*pol, true);
    return 0;
}
