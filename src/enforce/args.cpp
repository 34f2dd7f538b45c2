#include "enforce/args.hpp"

#include <string_view>

namespace osh::enforce {

std::optional<ExecArgs> parse_exec_args(int argc, const char* const* argv, int first) {
    ExecArgs out;
    int i = first;
    auto option = [&](std::string_view name, std::string& value) {
        const std::string_view a = i < argc ? std::string_view(argv[i]) : std::string_view();
        if (a == name && i + 1 < argc) {
            value = argv[i + 1];
            i += 2;
            return true;
        }
        if (a.size() > name.size() && a.starts_with(name) && a[name.size()] == '=') {
            value = std::string(a.substr(name.size() + 1));
            i += 1;
            return true;
        }
        return false;
    };
    while (option("--plan", out.plan_dir) || option("--key", out.key)) {
    }
    if (i >= argc || std::string_view(argv[i]) != "--" || i + 1 >= argc) return std::nullopt;
    out.command.assign(argv + i + 1, argv + argc);
    return out;
}

}  // namespace osh::enforce
