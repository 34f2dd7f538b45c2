#include "setup/change.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "util/fd.hpp"
#include "util/file.hpp"

namespace osh::setup {

namespace {

std::string dir_of(const std::string& p) {
    auto slash = p.rfind('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
}

std::string base_of(const std::string& p) {
    auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

Result<void> make_dirs(const std::string& dir) {
    if (dir.empty() || dir == "/" || dir == ".") return {};
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return fail(dir + " exists and is not a directory");
        return {};
    }
    if (auto r = make_dirs(dir_of(dir)); !r) return r;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return fail_errno("mkdir " + dir, errno);
    return {};
}

Result<void> write_file(const std::string& path, const std::string& text, int mode) {
    const std::string dir = dir_of(path);
    if (auto r = make_dirs(dir); !r) return r;
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return fail_errno("open " + dir, errno);
    return file::write_atomic(dfd.get(), base_of(path), text, mode);
}

std::string utc_stamp() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < s.size()) {
        auto nl = s.find('\n', start);
        if (nl == std::string::npos) nl = s.size();
        out.push_back(s.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

// A line diff from the longest common subsequence; the files are small.
std::string line_diff(const std::string& a, const std::string& b) {
    auto x = lines_of(a), y = lines_of(b);
    std::vector<std::vector<int>> l(x.size() + 1, std::vector<int>(y.size() + 1, 0));
    for (size_t i = x.size(); i-- > 0;)
        for (size_t j = y.size(); j-- > 0;)
            l[i][j] = x[i] == y[j] ? l[i + 1][j + 1] + 1 : std::max(l[i + 1][j], l[i][j + 1]);
    std::string out;
    size_t i = 0, j = 0;
    while (i < x.size() || j < y.size()) {
        if (i < x.size() && j < y.size() && x[i] == y[j]) {
            out += "  " + x[i] + "\n";
            ++i, ++j;
        } else if (j < y.size() && (i == x.size() || l[i][j + 1] >= l[i + 1][j])) {
            out += "+ " + y[j++] + "\n";
        } else {
            out += "- " + x[i++] + "\n";
        }
    }
    return out;
}

}  // namespace

std::string under_root(const Options& o, const std::string& path) {
    if (o.root.empty() || o.root == "/") return path;
    std::string r = o.root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    return r + path;
}

Result<std::optional<std::string>> read_optional(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return fail_errno("stat " + path, errno);
    }
    auto t = file::read_regular(path);
    if (!t) return unexpected(t.error());
    return std::optional<std::string>(std::move(*t));
}

Result<std::vector<std::string>> apply(const Plan& plan) {
    std::vector<std::string> done;
    for (const auto& f : plan.files) {
        if (!f.changes()) continue;
        if (!f.after) {
            if (::unlink(f.path.c_str()) != 0 && errno != ENOENT) return fail_errno("remove " + f.path, errno);
            done.push_back("removed " + f.path);
            continue;
        }
        int mode = 0644;
        std::string backup;
        if (f.before) {
            struct stat st {};
            if (::stat(f.path.c_str(), &st) == 0) mode = static_cast<int>(st.st_mode & 07777);
            backup = f.path + ".bak-oci-sandbox-" + utc_stamp();
            if (auto r = write_file(backup, *f.before, mode); !r)
                return unexpected(r.error().wrap("back up " + f.path));
        }
        if (auto r = write_file(f.path, *f.after, mode); !r) return unexpected(r.error());
        done.push_back("wrote " + f.path + (backup.empty() ? "" : " (backup " + backup + ")"));
    }
    return done;
}

std::string describe(const Plan& plan) {
    std::string out;
    for (const auto& f : plan.files) {
        if (!f.changes()) continue;
        if (!f.after) {
            out += "would remove " + f.path + "\n";
        } else if (!f.before) {
            out += "would create " + f.path + ":\n" + line_diff("", *f.after);
        } else {
            out += "would change " + f.path + " (a backup is kept):\n" + line_diff(*f.before, *f.after);
        }
    }
    return out;
}

std::vector<std::string> conf_files(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* e = ::readdir(d)) {
            const std::string n = e->d_name;
            if (n.size() > 5 && n.ends_with(".conf")) out.push_back(dir + "/" + n);
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace osh::setup
