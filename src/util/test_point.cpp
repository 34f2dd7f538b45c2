#include "util/test_point.hpp"

#ifdef OSH_TEST_HOOKS
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace osh::test_point {

namespace {
std::string g_name, g_arg;
bool g_set = false;
}  // namespace

void capture_from_env() {
    const char* v = std::getenv("OSH_TEST_POINT");
    if (v == nullptr || *v == '\0') return;
    std::string s(v);
    auto colon = s.find(':');
    g_name = s.substr(0, colon);
    if (colon != std::string::npos) g_arg = s.substr(colon + 1);
    g_set = true;
}

void kill_at(const char* name) {
    if (!g_set || g_name != name) return;
    // Said on stderr so a test can tell "killed here" from "never got here".
    std::string msg = "oci-sandbox-hook: test point reached, SIGKILL at " + g_name +
                      (g_arg.empty() ? "" : ":" + g_arg) + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::kill(::getpid(), SIGKILL);
}

void kill_at(const char* name, std::string_view subject) {
    if (!g_set || g_name != name) return;
    if (!g_arg.empty() && g_arg != subject) return;
    kill_at(name);
}

std::optional<std::string> arg(const char* name) {
    if (!g_set || g_name != name) return std::nullopt;
    return g_arg;
}

}  // namespace osh::test_point
#endif
