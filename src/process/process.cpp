#include "process/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "util/fd.hpp"

extern char** environ;

namespace osh::process {

Result<void> set_no_new_privs() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail_errno("prctl(PR_SET_NO_NEW_PRIVS)", errno);
    return {};
}

Ids current_ids() {
    Ids ids;
    ::getresuid(&ids.ruid, &ids.euid, &ids.suid);
    ::getresgid(&ids.rgid, &ids.egid, &ids.sgid);
    int n = ::getgroups(0, nullptr);
    ids.groups = n > 0 ? static_cast<size_t>(n) : 0;
    return ids;
}

Result<void> switch_ids(uid_t uid, gid_t gid) {
    Ids now = current_ids();
    if (now.groups != 0 && ::setgroups(0, nullptr) != 0) return fail_errno("setgroups(0)", errno);
    if ((now.rgid != gid || now.egid != gid || now.sgid != gid) && ::setresgid(gid, gid, gid) != 0)
        return fail_errno("setresgid " + std::to_string(gid), errno);
    if ((now.ruid != uid || now.euid != uid || now.suid != uid) && ::setresuid(uid, uid, uid) != 0)
        return fail_errno("setresuid " + std::to_string(uid), errno);
    now = current_ids();
    if (now.ruid != uid || now.euid != uid || now.suid != uid || now.rgid != gid ||
        now.egid != gid || now.sgid != gid || now.groups != 0)
        return fail("the process does not hold exactly the planned ids");
    return {};
}

Result<void> pin_login_uid(uid_t uid) {
    UniqueFd fd(::open("/proc/self/loginuid", O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return {};  // no audit support (or no /proc): nothing to pin
    char buf[32] = {};
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0 || std::string_view(buf, static_cast<size_t>(n)) != "4294967295") return {};
    const std::string value = std::to_string(uid);
    if (::pwrite(fd.get(), value.data(), value.size(), 0) != static_cast<ssize_t>(value.size()))
        return fail_errno("pin /proc/self/loginuid to " + value, errno);
    return {};
}

int exec_searching_path(const std::vector<std::string>& args, const char* default_path) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string& cmd = args[0];
    if (cmd.find('/') != std::string::npos) {
        ::execve(cmd.c_str(), argv.data(), environ);
        return errno;
    }
    const char* env_path = ::getenv("PATH");
    const std::string search = env_path ? env_path : default_path;
    bool seen_eacces = false;
    size_t start = 0;
    while (start <= search.size()) {
        size_t end = search.find(':', start);
        if (end == std::string::npos) end = search.size();
        const std::string dir = search.substr(start, end - start);
        start = end + 1;
        const std::string full = (dir.empty() ? std::string(".") : dir) + "/" + cmd;
        ::execve(full.c_str(), argv.data(), environ);
        const int e = errno;
        if (e == EACCES)
            seen_eacces = true;
        else if (e != ENOENT && e != ENOTDIR && e != ELOOP && e != ENAMETOOLONG)
            return e;  // found but not runnable (ENOEXEC, ETXTBSY, EPERM, ...)
    }
    return seen_eacces ? EACCES : ENOENT;
}

}  // namespace osh::process
