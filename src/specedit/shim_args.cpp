#include "specedit/shim_args.hpp"

#include <optional>
#include <set>
#include <string_view>

#include "plan/plan_dir.hpp"

namespace osh::specedit {

namespace {

// The options of one part of the command line, in the spellings runc (Go's
// flag package), crun (argp) and runsc (Go) all read the same way:
// `--name VALUE`, `--name=VALUE` and `-x VALUE` for an option with a value;
// `--name`, `-x` and `--name=true|false` for a flag.
struct Section {
    std::set<std::string_view> with_value;
    std::set<std::string_view> flags;
    // The global options: an option the shim does not know is passed on
    // when its value is attached (`--platform=ptrace`): it cannot take the
    // next word, and the same words go to the runtime's `state` for exec.
    bool pass_unknown_attached = false;
};

const Section kGlobal{
    {"--root", "--log", "--log-format", "--log-level", "--criu", "--cgroup-manager"},
    {"--debug", "--systemd-cgroup", "--help", "-h", "--version", "-v"},
    true};
const Section kCreate{
    {"--bundle", "-b", "--console-socket", "--pid-file", "--preserve-fds", "--config", "-f"},
    {"--no-pivot", "--no-new-keyring", "--detach", "-d", "--keep", "--no-subreaper", "--help",
     "-h"},
    false};
const Section kExec{
    {"--console-socket", "--cwd", "--env", "-e", "--user", "-u", "--additional-gids", "-g",
     "--process", "-p", "--pid-file", "--process-label", "--apparmor", "--cap", "-c",
     "--preserve-fds", "--cgroup"},
    {"--tty", "-t", "--detach", "-d", "--no-new-privs", "--ignore-paused", "--no-subreaper",
     "--help", "-h"},
    false};

// Commands that start no process: passed on as they are.
const std::set<std::string_view> kPassThrough = {
    "start", "delete", "kill",   "state", "list", "ps",         "events", "pause",
    "resume", "update", "features", "spec", "help", "checkpoint", "wait", "version"};

std::string known(const Section& s) {
    std::string out;
    for (const auto* set : {&s.with_value, &s.flags})
        for (auto n : *set) out += (out.empty() ? "" : " ") + std::string(n);
    return out;
}

struct Option {
    std::string name;
    std::string value;  // an option's value; a flag's "", "true" or "false"
};

// Reads the option at args[i] ("-..." but not "-" or "--"), moving i past
// its value. `where` names the part for messages ("runtime", "run", "exec").
Result<Option> read_option(const Section& s, std::string_view where,
                           const std::vector<std::string>& args, size_t& i) {
    const std::string& a = args[i];
    const std::string who = std::string(where) + ": ";
    if (!a.starts_with("--") && a.size() != 2)
        return fail(who + "refusing \"" + a +
                    "\": a single-dash option longer than one letter (a Go-style long option, "
                    "letters run together, a value attached to a short option) is read "
                    "differently by runc and crun; write --name VALUE, --name=VALUE or -x VALUE");
    Option o;
    std::optional<std::string> attached;
    if (size_t eq = a.find('='); eq != std::string::npos && a.starts_with("--")) {
        o.name = a.substr(0, eq);
        attached = a.substr(eq + 1);
    } else {
        o.name = a;
    }
    if (s.with_value.count(o.name)) {
        if (attached) {
            o.value = *attached;
        } else {
            if (i + 1 >= args.size()) return fail(who + o.name + " needs a value");
            o.value = args[++i];
        }
        return o;
    }
    if (s.flags.count(o.name)) {
        if (attached && *attached != "true" && *attached != "false")
            return fail(who + o.name + " is a flag: it takes no value but true or false (got \"" +
                        *attached + "\")");
        if (attached) o.value = *attached;
        return o;
    }
    if (attached && s.pass_unknown_attached) {
        o.value = *attached;
        return o;
    }
    if (s.pass_unknown_attached)
        return fail(who + "unknown option " + o.name +
                    ": the shim cannot tell whether it takes the next word as its value; write "
                    "it " + o.name + "=VALUE (known here: " + known(s) + ")");
    return fail(who + "unknown option " + a +
                ": the shim passes on only the options it knows, since an abbreviation or an "
                "option it does not know could name another bundle or process file (known: " +
                known(s) + ")");
}

bool is_option(const std::string& a) { return a.size() > 1 && a.front() == '-'; }

}  // namespace

ShimArgs runtime_log_of(const std::vector<std::string>& args) {
    ShimArgs out;
    for (size_t i = 0; i < args.size() && is_option(args[i]); ++i) {
        const std::string& a = args[i];
        for (auto [name, field] : {std::pair{"--log", &out.log_file},
                                   std::pair{"--log-format", &out.log_format}}) {
            const std::string n = name;
            if (a == n && i + 1 < args.size()) *field = args[i + 1];
            else if (a.rfind(n + "=", 0) == 0) *field = a.substr(n.size() + 1);
        }
        if (kGlobal.with_value.count(a)) ++i;  // its value, written apart
    }
    return out;
}

Result<ShimArgs> parse_shim_args(const std::vector<std::string>& args) {
    ShimArgs out;
    size_t i = 0;
    for (; i < args.size() && is_option(args[i]); ++i) {
        if (args[i] == "--") {
            ++i;
            break;
        }
        size_t first = i;
        auto o = read_option(kGlobal, "runtime", args, i);
        if (!o) return unexpected(o.error());
        if (o->name == "--log") out.log_file = o->value;
        if (o->name == "--log-format") out.log_format = o->value;
        out.global.insert(out.global.end(), args.begin() + first, args.begin() + i + 1);
    }
    if (i >= args.size()) return out;
    out.command = args[i++];

    const bool edit = out.command == "create" || out.command == "run";
    if (out.command == "restore")
        return fail("restore: refused: a restored process does not start under the enforcer, "
                    "so it would run unconfined (checkpoint passes through; restore a checkpoint "
                    "you trust with the next runtime itself)");
    if (!edit && out.command != "exec") {
        if (kPassThrough.count(out.command)) return out;
        std::string list;
        for (auto c : kPassThrough) list += " " + std::string(c);
        return fail("unknown command \"" + out.command +
                    "\": the shim passes on only the commands it knows start no process (" +
                    list.substr(1) +
                    "); create and run are edited, exec is confined, restore is refused");
    }

    const Section& section = edit ? kCreate : kExec;
    bool asked_help = false;
    for (; i < args.size() && is_option(args[i]); ++i) {
        if (args[i] == "--") {
            ++i;
            break;
        }
        const size_t at = i;
        auto o = read_option(section, out.command, args, i);
        if (!o) return unexpected(o.error());
        // The last one counts, as in Go (--help --help=false runs the command).
        if (o->name == "--help" || o->name == "-h") asked_help = o->value != "false";
        if (o->name == "--config" || o->name == "-f")
            return fail(out.command + ": " + o->name +
                        " (a config file outside the bundle) is not supported by the shim");
        if (o->name == "--bundle" || o->name == "-b") out.bundle = o->value;
        if (o->name == "--process" || o->name == "-p") {
            // runc reads an empty one as none (the command from the line),
            // crun as a file named "": the two would run different things.
            if (o->value.empty())
                return fail(out.command + ": " + o->name +
                            " with an empty value (runc reads the command from the line, crun "
                            "a file named \"\"): name the file, or leave the option out");
            out.process_file = o->value;
            out.process_index = i;
            out.process_attached = i == at;
        }
    }
    if (i >= args.size()) {
        // `run --help`: the runtime prints its help; with no id there is
        // nothing to edit or confine. Given an id, help or not, the line is
        // edited as any other.
        out.help = asked_help;
        if (out.help) return out;
        return fail(out.command + ": no container id on the command line");
    }
    out.id = args[i];
    out.id_index = i;
    if (auto ok = plan::validate_key(out.id); !ok) return wrap(ok.error(), out.command);
    if (edit) {
        if (i + 1 != args.size())
            return fail(out.command + " " + out.id + ": unexpected \"" + args[i + 1] +
                        "\" after the container id (options go before it)");
        return out;
    }
    if (out.process_file.empty() && i + 1 >= args.size())
        return fail("exec " + out.id + ": no command (and no --process file)");
    return out;
}

}  // namespace osh::specedit
