// A broad ordinary workload for the end-to-end tests (static glibc: the test
// rootfs has only busybox). Each check exercises one area the way ordinary
// programs do and prints "check=OK" or the errno name of the first call that
// failed; run under the default policy it must print the same as unconfined.
// Works in /tmp (the default policy's read-write directory).
//   osh-workload            every check
//   osh-workload NAME...    the named ones
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "errname.hpp"

extern char** environ;

namespace {

// Each check returns 0 or the errno of the first call that failed, whose
// line is kept in g_line for the report.
int g_line = 0;
#define TRY(expr)              \
    do {                       \
        if ((expr) < 0) {      \
            g_line = __LINE__; \
            return errno;      \
        }                      \
    } while (0)
#define WANT(cond)             \
    do {                       \
        if (!(cond)) {         \
            g_line = __LINE__; \
            return EPROTO;     \
        }                      \
    } while (0)

int files() {
    const char* d = "/tmp/osh-w-files";
    TRY(mkdir(d, 0755));
    int fd = open("/tmp/osh-w-files/a", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    TRY(fd);
    TRY(write(fd, "hello world\n", 12));
    TRY(fsync(fd));
    TRY(fdatasync(fd));
    char buf[32] = {};
    TRY(pread(fd, buf, 5, 0));
    WANT(memcmp(buf, "hello", 5) == 0);
    iovec iov[2] = {{buf, 3}, {buf + 3, 3}};
    TRY(preadv(fd, iov, 2, 6));
    TRY(lseek(fd, 0, SEEK_END));
    TRY(ftruncate(fd, 64));
    TRY(fallocate(fd, 0, 0, 128));
    TRY(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0 ? 0 : -1);
    struct stat st {};
    TRY(fstat(fd, &st));
    WANT(st.st_size == 128);
    struct statx sx {};
    TRY(statx(AT_FDCWD, "/tmp/osh-w-files/a", 0, STATX_SIZE, &sx));
    TRY(flock(fd, LOCK_EX));
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    TRY(fcntl(fd, F_OFD_SETLK, &fl));
    int fd2 = dup3(fd, 100, O_CLOEXEC);
    TRY(fd2);
    TRY(fcntl(fd2, F_GETFD));
    TRY(close(fd2));
    TRY(fchmod(fd, 0600));
    timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    TRY(futimens(fd, times));
    int out = open("/tmp/osh-w-files/copy", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    TRY(out);
    off_t off = 0;
    TRY(sendfile(out, fd, &off, 12));
    loff_t in_off = 0;
    TRY(copy_file_range(fd, &in_off, out, nullptr, 12, 0));
    TRY(close(out));
    TRY(close(fd));
    TRY(link("/tmp/osh-w-files/a", "/tmp/osh-w-files/b"));
    TRY(symlink("a", "/tmp/osh-w-files/c"));
    char target[16] = {};
    TRY(readlink("/tmp/osh-w-files/c", target, sizeof target - 1));
    WANT(strcmp(target, "a") == 0);
    TRY(rename("/tmp/osh-w-files/b", "/tmp/osh-w-files/d"));
    TRY(renameat2(AT_FDCWD, "/tmp/osh-w-files/d", AT_FDCWD, "/tmp/osh-w-files/copy",
                  RENAME_EXCHANGE));
    TRY(access("/tmp/osh-w-files/a", R_OK | W_OK));
    TRY(faccessat(AT_FDCWD, "/tmp/osh-w-files/a", R_OK, AT_EACCESS));
    TRY(chmod("/tmp/osh-w-files/a", 0644));
    TRY(truncate("/tmp/osh-w-files/a", 4));
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    TRY(dfd);
    char dents[4096];
    long n = syscall(SYS_getdents64, dfd, dents, sizeof dents);
    TRY(n);
    WANT(n > 0);
    TRY(fchdir(dfd));
    char cwd[256];
    WANT(getcwd(cwd, sizeof cwd) != nullptr);
    TRY(chdir("/"));
    TRY(unlinkat(dfd, "c", 0));
    TRY(close(dfd));
    for (const char* f : {"/tmp/osh-w-files/a", "/tmp/osh-w-files/d", "/tmp/osh-w-files/copy"})
        TRY(unlink(f));
    TRY(mkfifo("/tmp/osh-w-files/fifo", 0600));
    TRY(unlink("/tmp/osh-w-files/fifo"));
    TRY(rmdir(d));
    umask(022);
    sync();
    return 0;
}

int pipes_and_polling() {
    int p[2];
    TRY(pipe2(p, O_CLOEXEC | O_NONBLOCK));
    TRY(write(p[1], "x", 1));
    pollfd pf{p[0], POLLIN, 0};
    TRY(poll(&pf, 1, 1000));
    WANT(pf.revents & POLLIN);
    timespec ts{1, 0};
    TRY(ppoll(&pf, 1, &ts, nullptr));
    fd_set rf;
    FD_ZERO(&rf);
    FD_SET(p[0], &rf);
    timeval tv{1, 0};
    TRY(select(p[0] + 1, &rf, nullptr, nullptr, &tv));
    char c;
    TRY(read(p[0], &c, 1));
    int q[2];
    TRY(pipe(q));
    TRY(write(p[1], "yz", 2));
    TRY(splice(p[0], nullptr, q[1], nullptr, 2, 0));
    for (int fd : {p[0], p[1], q[0], q[1]}) TRY(close(fd));
    return 0;
}

int epoll() {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    TRY(ep);
    int ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    TRY(ev);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = ev;
    TRY(epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e));
    uint64_t one = 1;
    TRY(write(ev, &one, sizeof one));
    epoll_event got[4];
    int n = epoll_wait(ep, got, 4, 1000);
    TRY(n);
    WANT(n == 1 && got[0].data.fd == ev);
    sigset_t none;
    sigemptyset(&none);
    TRY(epoll_pwait(ep, got, 4, 0, &none));
    TRY(epoll_ctl(ep, EPOLL_CTL_DEL, ev, nullptr));
    TRY(close(ev));
    TRY(close(ep));
    return 0;
}

int eventfd_counter() {
    int ev = eventfd(3, EFD_CLOEXEC | EFD_SEMAPHORE);
    TRY(ev);
    uint64_t v = 0;
    TRY(read(ev, &v, sizeof v));
    WANT(v == 1);
    v = 5;
    TRY(write(ev, &v, sizeof v));
    TRY(close(ev));
    return 0;
}

int signalfd_read() {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    TRY(sigprocmask(SIG_BLOCK, &set, &old));
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    TRY(sfd);
    TRY(kill(getpid(), SIGUSR1));
    signalfd_siginfo si{};
    TRY(read(sfd, &si, sizeof si));
    WANT(si.ssi_signo == SIGUSR1);
    TRY(close(sfd));
    TRY(sigprocmask(SIG_SETMASK, &old, nullptr));
    return 0;
}

volatile sig_atomic_t g_alarms = 0;
void on_alarm(int) {
    g_alarms = g_alarms + 1;
}

int timers() {
    // POSIX timer delivering a signal, waited for with sigtimedwait.
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    TRY(sigprocmask(SIG_BLOCK, &set, &old));
    sigevent sev{};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    timer_t t;
    TRY(timer_create(CLOCK_MONOTONIC, &sev, &t));
    itimerspec its{};
    its.it_value.tv_nsec = 1000000;
    TRY(timer_settime(t, 0, &its, nullptr));
    timespec wait{2, 0};
    TRY(sigtimedwait(&set, nullptr, &wait));
    TRY(timer_gettime(t, &its));
    TRY(timer_delete(t));
    TRY(sigprocmask(SIG_SETMASK, &old, nullptr));
    // timerfd.
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    TRY(tfd);
    its.it_value.tv_nsec = 1000000;
    TRY(timerfd_settime(tfd, 0, &its, nullptr));
    uint64_t expirations = 0;
    TRY(read(tfd, &expirations, sizeof expirations));
    WANT(expirations >= 1);
    TRY(close(tfd));
    // Interval timer with a handler; sleeps.
    struct sigaction sa {};
    sa.sa_handler = on_alarm;
    TRY(sigaction(SIGALRM, &sa, nullptr));
    itimerval iv{};
    iv.it_value.tv_usec = 1000;
    TRY(setitimer(ITIMER_REAL, &iv, nullptr));
    timespec nap{0, 20000000};
    while (g_alarms == 0 && nanosleep(&nap, &nap) != 0 && errno == EINTR) {
    }
    WANT(g_alarms == 1);
    timespec now;
    TRY(clock_gettime(CLOCK_MONOTONIC, &now));
    timespec until = now;
    until.tv_nsec += 1000000;
    if (until.tv_nsec >= 1000000000) until.tv_sec += 1, until.tv_nsec -= 1000000000;
    errno = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
    TRY(errno == 0 ? 0 : -1);
    TRY(clock_getres(CLOCK_REALTIME, &now));
    timeval tv;
    TRY(gettimeofday(&tv, nullptr));
    return 0;
}

int inotify() {
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    TRY(in);
    int wd = inotify_add_watch(in, "/tmp", IN_CREATE);
    TRY(wd);
    int fd = open("/tmp/osh-w-inotify", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    TRY(fd);
    close(fd);
    alignas(inotify_event) char buf[4096];
    pollfd pf{in, POLLIN, 0};
    TRY(poll(&pf, 1, 2000));
    ssize_t n = read(in, buf, sizeof buf);
    TRY(n);
    WANT(n >= static_cast<ssize_t>(sizeof(inotify_event)));
    TRY(inotify_rm_watch(in, wd));
    TRY(close(in));
    TRY(unlink("/tmp/osh-w-inotify"));
    return 0;
}

int memfd() {
    int fd = memfd_create("osh-w", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    TRY(fd);
    TRY(ftruncate(fd, 8192));
    void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    WANT(p != MAP_FAILED);
    memcpy(p, "memfd", 5);
    TRY(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    char buf[5];
    TRY(pread(fd, buf, 5, 0));
    WANT(memcmp(buf, "memfd", 5) == 0);
    TRY(munmap(p, 8192));
    TRY(close(fd));
    return 0;
}

int mappings() {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    WANT(p != MAP_FAILED);
    static_cast<char*>(p)[0] = 1;
    void* q = mremap(p, page, 64 * page, MREMAP_MAYMOVE);
    WANT(q != MAP_FAILED);
    static_cast<char*>(q)[63 * page] = 2;
    TRY(mprotect(q, page, PROT_READ));
    TRY(madvise(q, 64 * page, MADV_DONTNEED));
    unsigned char vec[64];
    TRY(mincore(q, 64 * page, vec));
    TRY(msync(q, page, MS_ASYNC));
    TRY(mlock(q, page));
    TRY(munlock(q, page));
    TRY(munmap(q, 64 * page));
    void* brk0 = sbrk(0);
    WANT(brk0 != reinterpret_cast<void*>(-1));
    WANT(sbrk(static_cast<intptr_t>(page)) != reinterpret_cast<void*>(-1));
    return 0;
}

std::atomic<uint32_t> g_futex{0};

void* futex_waker(void*) {
    timespec nap{0, 5000000};
    nanosleep(&nap, nullptr);
    g_futex.store(1);
    syscall(SYS_futex, &g_futex, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    return nullptr;
}

int futex() {
    pthread_t t;
    errno = pthread_create(&t, nullptr, futex_waker, nullptr);
    TRY(errno == 0 ? 0 : -1);
    timespec limit{2, 0};
    while (g_futex.load() == 0) {
        long r = syscall(SYS_futex, &g_futex, FUTEX_WAIT_PRIVATE, 0, &limit, nullptr, 0);
        if (r < 0 && errno != EAGAIN && errno != EINTR) return errno;
    }
    errno = pthread_join(t, nullptr);
    TRY(errno == 0 ? 0 : -1);
    return 0;
}

struct Shared {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    int count = 0;
};

thread_local int tls_value = 0;

void* worker(void* arg) {
    auto* s = static_cast<Shared*>(arg);
    tls_value = 7;
    cpu_set_t cpus;
    sched_getaffinity(0, sizeof cpus, &cpus);
    pthread_mutex_lock(&s->m);
    s->count += tls_value;
    pthread_cond_broadcast(&s->c);
    pthread_mutex_unlock(&s->m);
    sched_yield();
    return nullptr;
}

int threads() {
    Shared s;
    pthread_t t[4];
    for (auto& th : t) {
        errno = pthread_create(&th, nullptr, worker, &s);
        TRY(errno == 0 ? 0 : -1);
    }
    pthread_mutex_lock(&s.m);
    timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 5;
    while (s.count < 28)
        if (pthread_cond_timedwait(&s.c, &s.m, &limit) == ETIMEDOUT) break;
    pthread_mutex_unlock(&s.m);
    for (auto& th : t) {
        errno = pthread_join(th, nullptr);
        TRY(errno == 0 ? 0 : -1);
    }
    WANT(s.count == 28 && tls_value == 0);
    TRY(prctl(PR_SET_NAME, "osh-workload"));
    return 0;
}

int rseq_registered() {
    // glibc registers rseq for every thread; a refused rseq leaves __rseq_size 0.
    WANT(__rseq_size > 0);
    const auto* area = reinterpret_cast<const struct rseq*>(
        static_cast<const char*>(__builtin_thread_pointer()) + __rseq_offset);
    WANT(static_cast<int32_t>(area->cpu_id) >= 0);
    return 0;
}

int sockets_unix() {
    int sv[2];
    TRY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    // Pass a descriptor across.
    int pass = eventfd(0, EFD_CLOEXEC);
    TRY(pass);
    char byte = 'f';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &pass, sizeof(int));
    TRY(sendmsg(sv[0], &msg, 0));
    msghdr in{};
    char rbyte = 0;
    iovec riov{&rbyte, 1};
    alignas(cmsghdr) char rcontrol[CMSG_SPACE(sizeof(int))] = {};
    in.msg_iov = &riov;
    in.msg_iovlen = 1;
    in.msg_control = rcontrol;
    in.msg_controllen = sizeof rcontrol;
    TRY(recvmsg(sv[1], &in, MSG_CMSG_CLOEXEC));
    WANT(rbyte == 'f' && CMSG_FIRSTHDR(&in) != nullptr);
    int got = -1;
    memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&in)), sizeof(int));
    TRY(close(got));
    TRY(close(pass));
    TRY(shutdown(sv[0], SHUT_RDWR));
    TRY(close(sv[0]));
    TRY(close(sv[1]));
    // A path-name stream socket: listen, connect, accept, send, receive.
    const char* path = "/tmp/osh-w.sock";
    unlink(path);
    int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    TRY(srv);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    TRY(bind(srv, reinterpret_cast<sockaddr*>(&sa), sizeof sa));
    TRY(listen(srv, 4));
    int cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    TRY(cli);
    TRY(connect(cli, reinterpret_cast<sockaddr*>(&sa), sizeof sa));
    int acc = accept4(srv, nullptr, nullptr, SOCK_CLOEXEC);
    TRY(acc);
    TRY(send(cli, "ping", 4, 0));
    char buf[8] = {};
    TRY(recv(acc, buf, sizeof buf, 0));
    WANT(memcmp(buf, "ping", 4) == 0);
    ucred cred{};
    socklen_t len = sizeof cred;
    TRY(getsockopt(acc, SOL_SOCKET, SO_PEERCRED, &cred, &len));
    for (int fd : {acc, cli, srv}) TRY(close(fd));
    TRY(unlink(path));
    // Datagrams.
    int dg[2];
    TRY(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg));
    mmsghdr mm[2] = {};
    char a = 'a', b = 'b';
    iovec ia{&a, 1}, ib{&b, 1};
    mm[0].msg_hdr.msg_iov = &ia;
    mm[0].msg_hdr.msg_iovlen = 1;
    mm[1].msg_hdr.msg_iov = &ib;
    mm[1].msg_hdr.msg_iovlen = 1;
    TRY(sendmmsg(dg[0], mm, 2, 0));
    TRY(recvmmsg(dg[1], mm, 2, MSG_DONTWAIT, nullptr));
    TRY(close(dg[0]));
    TRY(close(dg[1]));
    return 0;
}

int sockets_inet() {
    // The container's network namespace has only a down loopback: create,
    // bind, query and set options; no traffic.
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    TRY(u);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    TRY(bind(u, reinterpret_cast<sockaddr*>(&sin), sizeof sin));
    socklen_t len = sizeof sin;
    TRY(getsockname(u, reinterpret_cast<sockaddr*>(&sin), &len));
    int one = 1;
    TRY(setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    TRY(close(u));
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    TRY(t);
    TRY(setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    sockaddr_in any{};
    any.sin_family = AF_INET;
    TRY(bind(t, reinterpret_cast<sockaddr*>(&any), sizeof any));
    TRY(listen(t, 1));
    TRY(close(t));
    int six = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (six >= 0) {
        close(six);
    } else if (errno != EAFNOSUPPORT) {
        return errno;
    }
    return 0;
}

int netlink_route() {
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    TRY(s);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    TRY(bind(s, reinterpret_cast<sockaddr*>(&local), sizeof local));
    struct {
        nlmsghdr h;
        ifinfomsg i;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 1;
    req.i.ifi_family = AF_UNSPEC;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    TRY(sendto(s, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel));
    alignas(nlmsghdr) char buf[8192];
    ssize_t n = recvfrom(s, buf, sizeof buf, 0, nullptr, nullptr);
    TRY(n);
    WANT(n >= static_cast<ssize_t>(sizeof(nlmsghdr)));
    TRY(close(s));
    return 0;
}

int processes() {
    // fork + execve + wait4.
    pid_t pid = fork();
    TRY(pid);
    if (pid == 0) {
        // A process group of its own (the container's first process leads a
        // session, so it cannot move itself).
        if (setpgid(0, 0) != 0 || getpgrp() != getpid()) _exit(126);
        char* const argv[] = {const_cast<char*>("true"), nullptr};
        execve("/bin/true", argv, environ);
        _exit(127);
    }
    int st = 0;
    rusage ru{};
    TRY(wait4(pid, &st, 0, &ru));
    WANT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    // posix_spawn (clone with CLONE_VM | CLONE_VFORK; clone3 first in newer glibc).
    char* const argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"),
                          const_cast<char*>("exit 3"), nullptr};
    errno = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ);
    TRY(errno == 0 ? 0 : -1);
    // pidfd: open the child, signal 0, wait on it.
    int pfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    TRY(pfd);
    TRY(syscall(SYS_pidfd_send_signal, pfd, 0, nullptr, 0));
    siginfo_t si{};
    TRY(waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED));
    WANT(si.si_status == 3);
    TRY(close(pfd));
    // Process groups, sessions, priorities, limits, identity.
    TRY(getpgid(0));
    TRY(getsid(0));
    TRY(setpriority(PRIO_PROCESS, 0, 1));
    errno = 0;
    getpriority(PRIO_PROCESS, 0);
    TRY(errno == 0 ? 0 : -1);
    rlimit rl{};
    TRY(getrlimit(RLIMIT_NOFILE, &rl));
    TRY(setrlimit(RLIMIT_NOFILE, &rl));
    TRY(prlimit(0, RLIMIT_STACK, nullptr, &rl));
    TRY(getrusage(RUSAGE_SELF, &ru));
    tms tm;
    TRY(times(&tm) == static_cast<clock_t>(-1) ? -1 : 0);
    cpu_set_t cpus;
    TRY(sched_getaffinity(0, sizeof cpus, &cpus));
    TRY(sched_setaffinity(0, sizeof cpus, &cpus));
    sched_param sp{};
    TRY(sched_getparam(0, &sp));
    TRY(sched_getscheduler(0));
    unsigned cpu = 0, node = 0;
    TRY(getcpu(&cpu, &node));
    TRY(personality(0xffffffff));
    uid_t r, e, s;
    TRY(getresuid(&r, &e, &s));
    TRY(setresuid(r, e, s));
    gid_t groups[64];
    TRY(getgroups(64, groups));
    return 0;
}

int system_info() {
    utsname u;
    TRY(uname(&u));
    struct sysinfo si;
    TRY(sysinfo(&si));
    char rnd[16];
    TRY(getrandom(rnd, sizeof rnd, 0));
    return 0;
}

// System V shared memory. (POSIX message queues are left out: opening one is
// a file open on the mqueue filesystem, which the default Landlock policy
// does not grant.)
int ipc() {
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    TRY(id);
    void* p = shmat(id, nullptr, 0);
    WANT(p != reinterpret_cast<void*>(-1));
    static_cast<char*>(p)[0] = 1;
    TRY(shmdt(p));
    TRY(shmctl(id, IPC_RMID, nullptr));
    return 0;
}

struct Check {
    const char* name;
    int (*fn)();
};

const Check kChecks[] = {
    {"files", files},
    {"pipes", pipes_and_polling},
    {"epoll", epoll},
    {"eventfd", eventfd_counter},
    {"signalfd", signalfd_read},
    {"timers", timers},
    {"inotify", inotify},
    {"memfd", memfd},
    {"mmap_mremap", mappings},
    {"futex", futex},
    {"threads", threads},
    {"rseq", rseq_registered},
    {"sockets_unix", sockets_unix},
    {"sockets_inet", sockets_inet},
    {"netlink_route", netlink_route},
    {"processes", processes},
    {"system_info", system_info},
    {"ipc", ipc},
};

}  // namespace

int main(int argc, char** argv) {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    for (const auto& c : kChecks) {
        bool wanted = argc == 1;
        for (int i = 1; i < argc; ++i) wanted = wanted || std::string(argv[i]) == c.name;
        if (!wanted) continue;
        errno = 0;
        g_line = 0;
        const int e = c.fn();
        if (e == 0) {
            printf("%s=OK\n", c.name);
        } else {
            printf("%s=%s (line %d)\n", c.name, errname(e), g_line);
        }
    }
    return 0;
}
