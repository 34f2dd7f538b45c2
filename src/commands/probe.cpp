// `probe [--format text|json]`: what this kernel offers the sandbox —
// Landlock ABI (or why it is unavailable), seccomp availability and the
// return actions it supports, the architecture, libseccomp's version and the
// kernel release. Always exits 0: it reports, it does not judge.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <string>

#include "commands/commands.hpp"
#include "landlock/abi.hpp"
#include "seccomp/compile.hpp"
#include "seccomp/load.hpp"
#include "util/json.hpp"

namespace osh::commands {

namespace {

struct ProbeReport {
    landlock::AbiInfo landlock;
    seccomp::Availability seccomp;
    std::string machine, release;
    std::string libseccomp;
};

ProbeReport gather() {
    ProbeReport r;
    r.landlock = landlock::probe();
    r.seccomp = seccomp::probe();
    struct utsname u {};
    if (::uname(&u) == 0) {
        r.machine = u.machine;
        r.release = u.release;
    }
    r.libseccomp = seccomp::libseccomp_version();
    return r;
}

std::string errno_text(int err) {
    return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")";
}

std::string to_json(const ProbeReport& r) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("landlock");
    w.StartObject();
    w.Key("status");
    json::put(w, landlock::name(r.landlock.support));
    w.Key("abi");
    w.Int(r.landlock.abi);
    w.Key("kernel_abi");
    w.Int(r.landlock.kernel_abi);
    w.Key("errno");
    w.Int(r.landlock.err);
    w.Key("description");
    json::put(w, r.landlock.describe());
    w.EndObject();
    w.Key("seccomp");
    w.StartObject();
    w.Key("available");
    w.Bool(r.seccomp.answers);
    w.Key("errno");
    w.Int(r.seccomp.answer_err);
    w.Key("current_mode");
    json::put(w, seccomp::mode_name(r.seccomp.mode));
    w.Key("actions");
    w.StartObject();
    for (const auto& a : r.seccomp.actions) {
        json::key(w, a.name);
        w.Bool(a.available);
    }
    w.EndObject();
    w.EndObject();
    w.Key("architecture");
    json::put(w, r.machine);
    w.Key("libseccomp");
    json::put(w, r.libseccomp);
    w.Key("kernel");
    json::put(w, r.release);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

std::string to_text(const ProbeReport& r) {
    std::string s = "landlock:     " + r.landlock.describe() + "\n";
    s += "seccomp:      ";
    if (r.seccomp.answers)
        s += "available";
    else
        s += "unavailable: " + errno_text(r.seccomp.answer_err);
    if (r.seccomp.mode >= 0)
        s += " (this process: " + std::string(seccomp::mode_name(r.seccomp.mode)) + ")";
    s += "\nactions:     ";
    for (const auto& a : r.seccomp.actions)
        s += " " + std::string(a.name) + (a.available ? "" : "(no)");
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
