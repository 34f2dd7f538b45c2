#include "report/event.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>

#include "util/fd.hpp"
#include "util/json.hpp"

namespace osh::report {

namespace {
std::string timestamp() {
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm {};
    gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%06ldZ", ts.tv_nsec / 1000);
    return buf;
}
}  // namespace

std::string to_json_line(const Event& e) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto field = [&](std::string_view k, std::string_view v) {
        json::key(w, k);
        json::put(w, v);
    };
    w.StartObject();
    field("time", timestamp());
    field("level", name(e.level));
    if (!e.component.empty()) field("component", e.component);
    if (!e.container_id.empty()) field("container_id", e.container_id);
    if (!e.stage.empty()) field("stage", e.stage);
    if (e.kind) field("kind", failure::name(*e.kind));
    if (e.mode) field("mode", failure::name(*e.mode));
    if (e.decision) field("decision", name(*e.decision));
    if (e.err != 0) {
        json::key(w, "errno");
        w.Int(e.err);
    }
    field("message", e.message);
    for (const auto& [k, v] : e.fields) field(k, v);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

Decision decision_of(failure::Decision d) {
    switch (d) {
        case failure::Decision::abort:
            return Decision::abort;
        case failure::Decision::continue_degraded:
            return Decision::continue_degraded;
        case failure::Decision::skipped:
            return Decision::skipped;
    }
    return Decision::abort;
}

std::string to_summary(const Event& e) {
    std::string s = "oci-sandbox-hook";
    if (!e.component.empty()) s += " " + e.component;
    s += ": ";
    if (e.kind) {
        s += failure::name(*e.kind);
        if (e.mode) s += " (" + std::string(failure::name(*e.mode)) + ")";
        s += ": ";
    }
    s += e.message;
    if (e.kind && e.level >= Level::warning) {
        s += "; fix: ";
        s += failure::fix_hint(*e.kind);
    }
    return s;
}

bool Log::append(const Event& e) const {
    if (!enabled(e.level) || path_.empty()) return true;
    UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!fd) return false;
    std::string line = to_json_line(e) + "\n";
    return ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

Event failure_event(const failure::Judgement& j, const std::string& message,
                    const std::string& lost, int err) {
    Event e;
    e.kind = j.kind;
    e.mode = j.mode;
    e.err = err;
    e.decision = decision_of(j.decision);
    switch (j.decision) {
        case failure::Decision::abort:
            e.level = Level::error;
            e.message = message;
            e.fields.emplace_back("fix", std::string(failure::fix_hint(j.kind)));
            break;
        case failure::Decision::continue_degraded:
            e.level = Level::warning;
            e.message = message + "; continuing without " + lost;
            e.fields.emplace_back("not_enforced", lost);
            break;
        case failure::Decision::skipped:
            e.level = Level::info;
            e.message = message + "; skipped by policy";
            e.fields.emplace_back("not_enforced", lost);
            break;
    }
    return e;
}

void log_refusal(std::string_view component, std::string_view container_id,
                 const std::string& message) {
    Event e;
    e.level = Level::error;
    e.component = std::string(component);
    e.container_id = std::string(container_id);
    e.decision = Decision::abort;
    e.message = message;
    (void)Log(kDefaultLogPath).append(e);
}

}  // namespace osh::report
