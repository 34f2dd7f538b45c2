// In-container probe for the end-to-end tests (static: the test rootfs has
// only busybox). Each argument is one check; each prints "check=RESULT" where
// RESULT is OK or the errno name, so the tests compare exact errors.
//   write:PATH    create/append PATH
//   open:PATH     open PATH read-write (a fake GPU node gives ENXIO)
//   comm          rename ANOTHER thread (pthread_setname_np writes
//                 /proc/self/task/<tid>/comm, what CUDA does at init)
//   chroot        chroot("/") (denied by the default seccomp profile)
//   syslog        klogctl(SYSLOG_ACTION_SIZE_BUFFER) (denied by the default
//                 seccomp profile; allowed by gVisor's own kernel)
//   status        the NoNewPrivs, Seccomp and Seccomp_filters lines of
//                 /proc/self/status
#include <fcntl.h>
#include <pthread.h>
#include <sys/klog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// The errno's name ("EPERM"), "OK" for 0: the tests compare exact errors.
const char* errname(int e) {
    if (e == 0) return "OK";
    const char* name = strerrorname_np(e);
    return name != nullptr ? name : "E?";
}

void* sleeper(void*) {
    pause();
    return nullptr;
}

int check(const std::string& c) {
    if (c.rfind("write:", 0) == 0) {
        int fd = open(c.c_str() + 6, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) return errno;
        int e = write(fd, "x\n", 2) == 2 ? 0 : errno;
        close(fd);
        return e;
    }
    if (c.rfind("open:", 0) == 0) {
        int fd = open(c.c_str() + 5, O_RDWR | O_CLOEXEC);
        if (fd < 0) return errno;
        close(fd);
        return 0;
    }
    if (c == "comm") {
        pthread_t t;
        if (pthread_create(&t, nullptr, sleeper, nullptr) != 0) return EAGAIN;
        return pthread_setname_np(t, "osh-renamed");  // returns the errno
    }
    if (c == "chroot") return chroot("/") == 0 ? 0 : errno;
    if (c == "syslog") return klogctl(10, nullptr, 0) >= 0 ? 0 : errno;
    return EINVAL;
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string c = argv[i];
        if (c == "status") {
            FILE* f = fopen("/proc/self/status", "re");
            if (!f) {
                printf("status=%s\n", errname(errno));
                continue;
            }
            char line[256];
            while (fgets(line, sizeof line, f))
                if (!strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "Seccomp:", 8) ||
                    !strncmp(line, "Seccomp_filters:", 16)) {
                    line[strcspn(line, ":")] = '=';
                    std::string s = line;
                    std::string out;
                    for (char ch : s)
                        if (ch != ' ' && ch != '\t') out += ch;
                    printf("%s", out.c_str());
                }
            fclose(f);
            continue;
        }
        printf("%s=%s\n", c.c_str(), errname(check(c)));
    }
    fflush(stdout);
    _exit(0);  // the sleeping thread must not keep us alive
}
