#include "report/event.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "util/fd.hpp"
#include "util/json.hpp"

namespace osh::report {

// H. Hinnant's civil_from_days. Not gmtime_r or strftime: glibc's load the
// time zone (for leap seconds too), and in a container TZ and /etc/localtime
// are the image's.
std::string utc_time(int64_t secs, long nsec) {
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t doe = days - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char buf[128];
    snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06ldZ",
             static_cast<long long>(year), static_cast<long long>(month),
             static_cast<long long>(day), static_cast<long long>(rem / 3600),
             static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60), nsec / 1000);
    return buf;
}

std::string runtime_error_line(std::string_view msg, bool json) {
    struct timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    const std::string time = utc_time(now.tv_sec, now.tv_nsec);
    if (json)
        return "{\"level\":\"error\",\"msg\":" + json::quote(msg) + ",\"time\":" +
               json::quote(time) + "}\n";
    return "time=" + json::quote(time) + " level=error msg=" + json::quote(msg) + "\n";
}

std::string to_json_line(const Event& e) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto field = [&](std::string_view k, std::string_view v) {
        json::key(w, k);
        json::put(w, v);
    };
    w.StartObject();
    struct timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    field("time", utc_time(now.tv_sec, now.tv_nsec));
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

std::string one_line(std::string_view s) {
    std::string u = json::utf8_or_replaced(s);
    std::string out;
    out.reserve(u.size());
    for (char ch : u) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c != 0x7f) {
            out += ch;
            continue;
        }
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
    return out;
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
    // A message that names its own fix (the rewrite's "Fix: ...") is not
    // followed by the kind's general one.
    if (e.kind && e.level >= Level::warning && e.message.find("Fix: ") == std::string::npos) {
        s += "; fix: ";
        s += failure::fix_hint(*e.kind);
    }
    return one_line(s);
}

bool says_not_in_force(const Event& e) {
    if (e.decision == Decision::continue_degraded || e.decision == Decision::skipped ||
        e.decision == Decision::best_effort)
        return true;
    for (const auto& [key, value] : e.fields)
        if (key == "status" && value != "fully_enforced") return true;
    return false;
}

bool Log::append(const Event& e) const {
    if ((!enabled(e.level) && !says_not_in_force(e)) || path_.empty()) return true;
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
