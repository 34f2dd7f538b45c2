// The shim's reading of a runc-style command line: which command, which
// bundle, which container, which process file.
#pragma once

#include <string>
#include <vector>

#include "util/result.hpp"

namespace osh::specedit {

// The parts of a runc-style command line the shim needs. create/run and
// exec are edited; everything else passes through.
struct ShimArgs {
    std::string command;  // "create", "run", "exec", "delete", ... ("" when none)
    std::vector<std::string> global;  // the global options before the command
    std::string bundle;   // --bundle/-b value, "" = current directory
    std::string id;       // create/run: the last positional argument; exec: the first
    // exec only:
    std::string process_file;  // --process/-p FILE ("" = the command is inline)
    size_t id_index = 0;       // index of the id in the argument list
};
Result<ShimArgs> parse_shim_args(const std::vector<std::string>& args);

}  // namespace osh::specedit
