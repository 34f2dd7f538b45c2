// The annotations of ours a config.json may carry.
#pragma once

namespace osh::oci {

// Selects a named policy (policies.d/NAME.json) the main policy lists in
// "selectable"; engines pass it from the pod (containerd's pod_annotations).
inline constexpr const char* kPolicyAnnotation = "oci-sandbox/policy";
// The plan directory's key, written by the spec edit where it chose one.
inline constexpr const char* kPlanKeyAnnotation = "oci-sandbox/plan-key";

}  // namespace osh::oci
