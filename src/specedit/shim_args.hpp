// The shim's reading of a runc-style command line: which command, which
// bundle, which container, which process file. It fails closed: a spelling
// that runc, crun or runsc could read differently from the shim (an
// abbreviation, a single-dash long option, a short option with its value
// attached, an option it does not know) is refused, never guessed, so no
// command can reach the next runtime unseen.
#pragma once

#include <string>
#include <vector>

#include "util/result.hpp"

namespace osh::specedit {

// The parts of a runc-style command line the shim needs. create/run are
// edited, exec is confined, restore is refused; the other known commands
// start no process and pass through.
struct ShimArgs {
    std::string command;  // "create", "run", "exec", "delete", ... ("" when none)
    std::vector<std::string> global;  // the global options before the command
    // The runtime's own log (--log FILE, --log-format text|json): where
    // containerd and Docker look for the runtime's last error.
    std::string log_file;
    std::string log_format;
    std::string bundle;   // --bundle/-b value, "" = current directory
    std::string id;       // create/run: the last positional argument; exec: the first
    // exec only:
    std::string process_file;  // --process/-p FILE ("" = the command is inline)
    // Where the last --process value is: args[process_index], whole, or
    // after "--process=" when process_attached.
    size_t process_index = 0;
    bool process_attached = false;
    size_t id_index = 0;       // index of the id in the argument list
    // create/run/exec --help with no container id: the runtime prints its
    // help, and there is nothing to edit or confine.
    bool help = false;
};
Result<ShimArgs> parse_shim_args(const std::vector<std::string>& args);

// Only the runtime's log (--log, --log-format) of a command line the shim
// refuses, read leniently from the global options (up to the first word
// that is not one): where to report that very refusal.
ShimArgs runtime_log_of(const std::vector<std::string>& args);

}  // namespace osh::specedit
