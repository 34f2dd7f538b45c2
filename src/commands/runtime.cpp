// PLACEHOLDER until its issue lands: replaced by the real shim.
#include <iostream>

#include "commands/commands.hpp"

namespace osh::commands {

int runtime_main(const std::vector<std::string>&) {
    std::cerr << "oci-sandbox-runtime: not implemented yet\n";
    return 2;
}

}  // namespace osh::commands
