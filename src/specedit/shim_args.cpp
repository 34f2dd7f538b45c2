#include "specedit/shim_args.hpp"

#include <set>

#include "plan/plan_dir.hpp"

namespace osh::specedit {

Result<ShimArgs> parse_shim_args(const std::vector<std::string>& args) {
    // Global options of runc and crun that take a separate value.
    static const std::set<std::string> kGlobalWithValue = {
        "--root", "--log", "--log-format", "--log-level", "--criu", "--cgroup-manager"};
    static const std::set<std::string> kCreateWithValue = {
        "--bundle", "-b", "--console-socket", "--pid-file", "--preserve-fds", "--config", "-f"};
    // runc exec / crun exec options that take a value.
    static const std::set<std::string> kExecWithValue = {
        "--console-socket", "--cwd", "--env", "-e", "--user", "-u", "--additional-gids", "-g",
        "--process", "-p", "--pid-file", "--process-label", "--apparmor", "--cap", "-c",
        "--preserve-fds", "--cgroup"};
    ShimArgs out;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.empty() || a.front() != '-') break;
        out.global.push_back(a);
        if (a.find('=') != std::string::npos) continue;
        if (kGlobalWithValue.count(a) && i + 1 < args.size()) {
            out.global.push_back(args[++i]);
        } else if (a == "--rootless" && i + 1 < args.size() &&
                   (args[i + 1] == "true" || args[i + 1] == "false" || args[i + 1] == "auto")) {
            out.global.push_back(args[++i]);
        }
    }
    if (i >= args.size()) return out;
    out.command = args[i++];
    if (out.command == "exec") {
        for (; i < args.size(); ++i) {
            const std::string& a = args[i];
            if (a == "--") {
                ++i;
                break;
            }
            if (a.empty() || a.front() != '-' || a == "-") break;
            std::string name = a, value;
            bool has_value = false;
            if (size_t eq = a.find('='); eq != std::string::npos && a.starts_with("--")) {
                name = a.substr(0, eq);
                value = a.substr(eq + 1);
                has_value = true;
            }
            if (!kExecWithValue.count(name)) continue;  // a boolean flag
            if (!has_value) {
                if (i + 1 >= args.size()) return fail("exec: " + name + " needs a value");
                value = args[++i];
            }
            if (name == "--process" || name == "-p") out.process_file = value;
        }
        if (i >= args.size()) return fail("exec: no container id on the command line");
        out.id = args[i];
        out.id_index = i;
        if (auto ok = plan::validate_key(out.id); !ok) return wrap(ok.error(), "exec");
        if (out.process_file.empty() && i + 1 >= args.size())
            return fail("exec " + out.id + ": no command (and no --process file)");
        return out;
    }
    if (out.command != "create" && out.command != "run") return out;
    std::vector<std::string> positional;
    bool options_done = false;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (options_done || a.empty() || a.front() != '-' || a == "-") {
            positional.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        std::string name = a, value;
        bool has_value = false;
        if (size_t eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            has_value = true;
        }
        if (!kCreateWithValue.count(name)) continue;  // a boolean flag
        if (!has_value) {
            if (i + 1 >= args.size()) return fail(out.command + ": " + name + " needs a value");
            value = args[++i];
        }
        if (name == "--config" || name == "-f")
            return fail(out.command + ": " + name +
                        " (a config file outside the bundle) is not supported by the shim");
        if (name == "--bundle" || name == "-b") out.bundle = value;
    }
    if (positional.empty()) return fail(out.command + ": no container id on the command line");
    out.id = positional.back();
    if (auto ok = plan::validate_key(out.id); !ok) return wrap(ok.error(), out.command);
    return out;
}

}  // namespace osh::specedit
