// oci-sandbox-enforce: the in-container enforcer as a program of its own, so
// that the first process of every container links only what it runs (the
// plan format, Landlock, BPF loading, process set-up): no CLI parser, no
// libseccomp, no policy parser, no GPU detection, no spec editor.
// `oci-sandbox-hook exec` runs the same code.
#include <cstring>
#include <string_view>

#include "enforce/args.hpp"
#include "enforce/enforcer.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: oci-sandbox-enforce exec [--plan DIR] --key KEY -- CMD ARGS...\n"
    "Enforces the container's plan (user, no_new_privs, Landlock, seccomp), then execs CMD.\n"
    "The spec edit of oci-sandbox-hook writes this command line; see man oci-sandbox-hook.\n"
    "Exit: CMD's own; 125 refused; 126 not executable; 127 not found.\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace osh::enforce;
    if (argc > 1 && std::strcmp(argv[1], "exec") == 0) {
        if (auto args = parse_exec_args(argc, argv, 2))
            return enforce_and_exec(args->plan_dir, args->key, args->command);
    }
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        write_all(1, std::string("oci-sandbox-enforce ") + OSH_VERSION + "\n");
        return 0;
    }
    if (argc == 2 && std::strcmp(argv[1], "--help") == 0) {
        write_all(1, kUsage);
        return 0;
    }
    write_all(2, kUsage);
    return kExitRefused;
}
