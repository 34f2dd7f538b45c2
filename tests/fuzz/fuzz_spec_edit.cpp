// libFuzzer target: the spec editor. Properties:
//   - an edited document parses again (as a SpecDocument, and with parse_spec
//     whenever the input itself passed parse_spec);
//   - the edit is idempotent: editing the output reports changed=false and
//     returns the output byte for byte;
//   - an unchanged edit returns the input byte for byte;
//   - the output is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "oci/spec.hpp"
#include "oci/spec_edit.hpp"
#include "util/json.hpp"

namespace {

osh::oci::EditParams params() {
    osh::oci::EditParams p;
    p.host_binary = "/usr/libexec/oci-sandbox/oci-sandbox-hook";
    p.plan_host_dir = "/run/oci-sandbox/fuzz";
    p.hook_args = {"--policy", "/etc/oci-sandbox/policy.json"};
    p.annotations = {{"org.oci-sandbox.plan", "fuzz"}};
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace osh::oci;
    // The whole input is config.json (so corpus configs are seeds as they
    // are); its length picks the output format.
    const SpecFormat format = static_cast<SpecFormat>(size % 3);
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    static const EditParams p = params();

    auto first = edit_spec_text(text, p, "config.json", format);
    if (!first) return 0;
    const std::string& out = first->text;
    if (!first->changed) osh::fuzz::require(out == text, "unchanged edit altered the text", out);
    osh::fuzz::require(osh::json::valid_utf8(out), "the edit wrote invalid UTF-8", out);

    auto doc = SpecDocument::parse(out, "edited");
    osh::fuzz::require(doc.has_value(), "edited config does not parse as a document",
                       doc ? std::string_view{} : std::string_view(doc.error().message));
    if (parse_spec(text, "config.json")) {
        auto spec = parse_spec(out, "edited");
        osh::fuzz::require(spec.has_value(), "edited config does not parse with parse_spec",
                           spec ? std::string_view{} : std::string_view(spec.error().message));
    }

    auto second = edit_spec_text(out, p, "edited", format);
    osh::fuzz::require(second.has_value(), "second edit failed",
                       second ? std::string_view{} : std::string_view(second.error().message));
    osh::fuzz::require(!second->changed, "second edit changed the config", second->text);
    osh::fuzz::require(second->text == out, "second edit altered the text", second->text);
    return 0;
}
