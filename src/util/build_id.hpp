// The running program's GNU build ID (the linker's hash of its output): two
// programs with the same one are the same bytes. Keys caches of what the
// program's own tables decide.
#pragma once

#include <optional>
#include <string>

namespace osh::build_id {

// Lower-case hex; nullopt when the program was linked without one.
std::optional<std::string> self();

}  // namespace osh::build_id
