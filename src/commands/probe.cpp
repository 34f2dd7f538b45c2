// `probe [--format text|json]`: what this kernel offers the sandbox —
// Landlock ABI (or why it is unavailable), seccomp availability and the
// return actions it supports, the architecture, libseccomp's version and the
// kernel release. Always exits 0: it reports, it does not judge.
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "landlock/abi.hpp"
#include "util/json.hpp"

namespace osh::commands {

namespace {

struct ActionProbe {
    const char* name;
    uint32_t action;
    bool available = false;
    int err = 0;
};

struct ProbeReport {
    landlock::AbiInfo landlock;
    int seccomp_mode = -1;  // PR_GET_SECCOMP: 0 none, 2 filter (we already run under one)
    int seccomp_mode_err = 0;
    bool seccomp_syscall = false;  // seccomp(2) answers SECCOMP_GET_ACTION_AVAIL
    int seccomp_err = 0;
    std::vector<ActionProbe> actions;
    std::string machine, release;
    std::string libseccomp;
};

ProbeReport gather() {
    ProbeReport r;
    r.landlock = landlock::probe();

    errno = 0;
    int mode = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    if (mode < 0)
        r.seccomp_mode_err = errno;
    else
        r.seccomp_mode = mode;

    r.actions = {
        {"kill_process", SECCOMP_RET_KILL_PROCESS},
        {"kill_thread", SECCOMP_RET_KILL_THREAD},
        {"trap", SECCOMP_RET_TRAP},
        {"errno", SECCOMP_RET_ERRNO},
        {"user_notif", SECCOMP_RET_USER_NOTIF},
        {"trace", SECCOMP_RET_TRACE},
        {"log", SECCOMP_RET_LOG},
        {"allow", SECCOMP_RET_ALLOW},
    };
    for (auto& a : r.actions) {
        uint32_t act = a.action;
        if (::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0) {
            a.available = true;
            r.seccomp_syscall = true;
        } else {
            a.err = errno;
            if (a.err != EOPNOTSUPP)
                r.seccomp_err = a.err;  // EOPNOTSUPP: this action only
            else
                r.seccomp_syscall = true;
        }
    }

    struct utsname u {};
    if (::uname(&u) == 0) {
        r.machine = u.machine;
        r.release = u.release;
    }
    const scmp_version* v = seccomp_version();
    if (v)
        r.libseccomp = std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                       std::to_string(v->micro);
    return r;
}

std::string errno_text(int err) {
    return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")";
}

std::string seccomp_mode_name(int m) {
    switch (m) {
        case 0:
            return "none";
        case 1:
            return "strict";
        case 2:
            return "filter";
        default:
            return "unknown";
    }
}

std::string to_json(const ProbeReport& r) {
    using json::quote;
    std::string s = "{\"landlock\":{\"status\":" + quote(landlock::name(r.landlock.support)) +
                    ",\"abi\":" + std::to_string(r.landlock.abi) +
                    ",\"kernel_abi\":" + std::to_string(r.landlock.kernel_abi) +
                    ",\"errno\":" + std::to_string(r.landlock.err) +
                    ",\"description\":" + quote(r.landlock.describe()) + "}";
    s += ",\"seccomp\":{\"available\":" + std::string(r.seccomp_syscall ? "true" : "false");
    s += ",\"errno\":" + std::to_string(r.seccomp_err);
    s += ",\"current_mode\":" +
         quote(r.seccomp_mode < 0 ? "unknown" : seccomp_mode_name(r.seccomp_mode));
    s += ",\"actions\":{";
    for (size_t i = 0; i < r.actions.size(); ++i)
        s += (i ? "," : "") + quote(r.actions[i].name) + ":" +
             (r.actions[i].available ? "true" : "false");
    s += "}}";
    s += ",\"architecture\":" + quote(r.machine);
    s += ",\"libseccomp\":" + quote(r.libseccomp);
    s += ",\"kernel\":" + quote(r.release) + "}";
    return s;
}

std::string to_text(const ProbeReport& r) {
    std::string s = "landlock:     " + r.landlock.describe() + "\n";
    s += "seccomp:      ";
    if (r.seccomp_syscall)
        s += "available";
    else
        s += "unavailable: " + errno_text(r.seccomp_err);
    if (r.seccomp_mode >= 0) s += " (this process: " + seccomp_mode_name(r.seccomp_mode) + ")";
    s += "\nactions:     ";
    for (const auto& a : r.actions) s += std::string(" ") + a.name + (a.available ? "" : "(no)");
    s += "\narchitecture: " + r.machine;
    s += "\nlibseccomp:   " + r.libseccomp;
    s += "\nkernel:       " + r.release + "\n";
    return s;
}

}  // namespace

void add_probe(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("probe",
                                   "Show this kernel's Landlock ABI, seccomp actions, architecture "
                                   "and libseccomp version");
    auto format = std::make_shared<std::string>("text");
    cmd->add_option("--format", *format, "text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd->callback([format, &exit_code] {
        ProbeReport r = gather();
        std::cout << (*format == "json" ? to_json(r) + "\n" : to_text(r));
        std::cout.flush();
        exit_code = 0;
    });
}

}  // namespace osh::commands
