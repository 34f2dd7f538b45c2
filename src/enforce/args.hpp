// The enforcer's command line, as the spec edit writes it in front of the
// container's command (oci::enforcer_prefix):
//   exec [--plan DIR | --plan=DIR] [--key KEY | --key=KEY] -- CMD ARGS...
// Read by hand, before anything else runs: both the small oci-sandbox-enforce
// and `oci-sandbox-hook exec` start every workload with it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace osh::enforce {

struct ExecArgs {
    std::string plan_dir = plan::kContainerPlanDir;
    std::string key;
    std::vector<std::string> command;
};

// argv[first..]: the options after "exec". nullopt for anything but the form
// above with a command (help, a usage error): the caller explains.
std::optional<ExecArgs> parse_exec_args(int argc, const char* const* argv, int first);

}  // namespace osh::enforce
