// A policy checked for everything that would fail when a container is
// created, not only for being a valid document: syscall names resolved by
// libseccomp for this node's architecture (with a suggestion), globs that
// glob_match would read differently than written, glob characters in paths
// that are taken literally. Shared by `check-policy` and `doctor`.
#pragma once

#include <string_view>
#include <vector>

#include "policy/document.hpp"

namespace osh::doctor {

// Every problem, document problems first; empty when the policy is ready.
std::vector<policy::Problem> check_policy_text(std::string_view text, std::string_view label);

// The create-time checks alone, on a parsed policy.
std::vector<policy::Problem> check_policy(const policy::Policy& p, std::string_view label);

}  // namespace osh::doctor
