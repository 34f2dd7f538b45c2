// Pure tests: the profile data, rule resolution, compile and the BPF cache,
// and the compiled program run instruction by instruction. No kernel state is
// touched (libseccomp only builds programs).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "../bpf_run.hpp"
#include "seccomp/bpf.hpp"
#include "seccomp/compact.hpp"
#include "seccomp/compile.hpp"
#include "seccomp/profile.hpp"
#include "seccomp/splice.hpp"
#include "util/json.hpp"

using namespace osh;
using namespace osh::seccomp;

namespace {

constexpr int kNewest = 469;  // file_setattr, Linux 6.17

std::set<std::string> allowed_names() {
    std::set<std::string> s;
    for (const auto& e : allow_list()) s.insert(std::string(e.syscall));
    return s;
}

std::set<std::string> unconditionally_allowed() {
    std::set<std::string> s;
    for (const auto& e : allow_list())
        if (e.conds.empty()) s.insert(std::string(e.syscall));
    return s;
}

std::set<std::string> refused_names() {
    std::set<std::string> s;
    for (const auto& r : refusals()) s.insert(std::string(r.syscall));
    return s;
}

bool has_rule(const std::vector<Rule>& rules, const std::string& name) {
    return std::any_of(rules.begin(), rules.end(),
                       [&](const Rule& r) { return r.syscall == name; });
}

long count_rules(const std::vector<Rule>& rules, const std::string& name) {
    return std::count_if(rules.begin(), rules.end(),
                         [&](const Rule& r) { return r.syscall == name; });
}

std::string read_source_file(const std::string& rel) {
    const char* root = std::getenv("OSH_SOURCE_ROOT");
    REQUIRE_MESSAGE(root != nullptr, "OSH_SOURCE_ROOT is set by meson test");
    std::ifstream f(std::string(root) + "/" + rel);
    REQUIRE_MESSAGE(f.good(), rel);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

const uint32_t kArches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_AARCH64};

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/osh-seccomp-test.XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        REQUIRE(p != nullptr);
        path = p;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

}  // namespace

TEST_CASE("profile: every name is a real call somewhere, every entry says why") {
    std::set<std::string_view> groups;
    for (const auto& g : allow_groups()) {
        CAPTURE(g.name);
        CHECK(g.reason.size() > 20);
        CHECK(groups.insert(g.name).second);
    }
    auto real_somewhere = [](std::string_view name) {
        const std::string n(name);
        for (uint32_t a : kArches)
            if (seccomp_syscall_resolve_name_arch(a, n.c_str()) >= 0) return true;
        // socket calls that only exist inside i386's socketcall
        return n == "send" || n == "recv";
    };
    for (const auto& e : allow_list()) {
        CAPTURE(e.syscall);
        CHECK(groups.count(e.group) == 1);
        CHECK((real_somewhere(e.syscall) || profile_number(e.syscall) != 0));
        CHECK(e.conds.empty() == e.condition.empty());
    }
    for (const auto& r : refusals()) {
        CAPTURE(r.syscall);
        CHECK(r.reason.size() > 10);
        CHECK((real_somewhere(r.syscall) || profile_number(r.syscall) != 0));
        CHECK(r.conds.empty() == r.condition.empty());
    }
    // A typo'd name would be left out silently: libseccomp or the number
    // table must know every one, and a libseccomp that knows a numbered call agrees.
    for (const auto& n : newer_calls()) {
        CAPTURE(n.name);
        CHECK(n.number >= 424);  // unified numbering: the same on every arch we build
        const int nr =
            seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, std::string(n.name).c_str());
        CHECK((nr == __NR_SCMP_ERROR || nr == n.number));
        CHECK(profile_number(n.name) == n.number);
    }
    CHECK(newest_known_number() == kNewest);
}

TEST_CASE("profile: nothing is both allowed and refused outright; the newest number bounds all") {
    const auto allowed = allowed_names();
    for (const auto& r : refusals()) {
        if (!r.conds.empty()) continue;  // refused first under conditions (ioctl)
        CAPTURE(r.syscall);
        CHECK(allowed.count(std::string(r.syscall)) == 0);
    }
    std::set<std::string> every = allowed;
    for (const auto& n : refused_names()) every.insert(n);
    for (uint32_t a : kArches) {
        for (const auto& n : every) {
            CAPTURE(n);
            CHECK(seccomp_syscall_resolve_name_arch(a, n.c_str()) <= kNewest);
        }
    }
}

TEST_CASE("profile: the deliberate refusals are all there, each with a reason") {
    const auto refused = refused_names();
    const auto allowed = allowed_names();
    for (const char* n : {"ptrace",
                          "process_vm_readv",
                          "process_vm_writev",
                          "pidfd_getfd",
                          "bpf",
                          "perf_event_open",
                          "userfaultfd",
                          "io_uring_setup",
                          "io_uring_enter",
                          "io_uring_register",
                          "mount",
                          "umount2",
                          "mount_setattr",
                          "fsopen",
                          "fsconfig",
                          "fsmount",
                          "fspick",
                          "move_mount",
                          "open_tree",
                          "open_tree_attr",
                          "pivot_root",
                          "chroot",
                          "setns",
                          "init_module",
                          "finit_module",
                          "delete_module",
                          "kexec_load",
                          "kexec_file_load",
                          "keyctl",
                          "add_key",
                          "request_key",
                          "open_by_handle_at",
                          "syslog",
                          "acct",
                          "swapon",
                          "swapoff",
                          "settimeofday",
                          "clock_settime",
                          "adjtimex",
                          "clock_adjtime",
                          "iopl",
                          "ioperm",
                          "clone3"}) {
        CAPTURE(n);
        CHECK(refused.count(n) == 1);
        CHECK(allowed.count(n) == 0);
    }
    // Terminal requests: refused before ioctl's allow, on the low 32 bits.
    std::set<uint64_t> tty;
    for (const auto& r : refusals()) {
        if (r.syscall != "ioctl") continue;
        REQUIRE(r.conds.size() == 1);
        CHECK(r.conds[0].arg == 1);
        CHECK(r.conds[0].mask == 0xffffffffu);
        tty.insert(r.conds[0].value);
    }
    CHECK(tty ==
          std::set<uint64_t>{0x5412 /* TIOCSTI */, 0x541c /* TIOCLINUX */, 0x5423 /* TIOCSETD */});
    // MPTCP sockets: refused before socket's allow with a kernel's own answer.
    long mptcp = 0;
    for (const auto& r : refusals()) {
        if (r.syscall != "socket") continue;
        REQUIRE(r.conds.size() == 1);
        CHECK(r.conds[0].arg == 2);
        CHECK(r.conds[0].mask == 0xffffffffu);
        CHECK(r.conds[0].value == 262);  // IPPROTO_MPTCP
        CHECK(r.errno_override == EPROTONOSUPPORT);
        ++mptcp;
    }
    CHECK(mptcp == 1);
}

TEST_CASE("profile: what GPUs, runtimes, busybox and static glibc programs need is allowed") {
    const auto plain = unconditionally_allowed();
    for (const char* n : {"memfd_create",
                          "mmap",
                          "mremap",
                          "munmap",
                          "mprotect",
                          "madvise",
                          "ioctl",
                          "openat",
                          "read",
                          "write",
                          "close",
                          "fstat",
                          "newfstatat",
                          "statx",
                          "getdents64",
                          "execve",
                          "exit_group",
                          "wait4",
                          "futex",
                          "rseq",
                          "set_robust_list",
                          "set_tid_address",
                          "arch_prctl",
                          "prlimit64",
                          "getrandom",
                          "epoll_create1",
                          "epoll_ctl",
                          "epoll_pwait",
                          "eventfd2",
                          "signalfd4",
                          "inotify_init1",
                          "inotify_add_watch",
                          "timerfd_create",
                          "timer_create",
                          "clock_nanosleep",
                          "rt_sigaction",
                          "rt_sigprocmask",
                          "sigaltstack",
                          "pipe2",
                          "dup3",
                          "sched_getaffinity",
                          "sched_setaffinity",
                          "sysinfo",
                          "uname",
                          "get_mempolicy",
                          "set_mempolicy",
                          "mbind",
                          "move_pages",
                          "seccomp",
                          "landlock_create_ruleset",
                          "landlock_add_rule",
                          "landlock_restrict_self",
                          "prctl",
                          "connect",
                          "bind",
                          "listen",
                          "accept4",
                          "sendmsg",
                          "recvmsg",
                          "socketpair",
                          "shmget",
                          "semget",
                          "setresuid",
                          "setgroups",
                          "capget",
                          "fchmodat2",
                          "map_shadow_stack",
                          "futex_waitv",
                          "close_range",
                          "pidfd_open",
                          "membarrier",
                          "copy_file_range"}) {
        CAPTURE(n);
        CHECK(plain.count(n) == 1);
    }
    // Only with conditions.
    for (const char* n : {"clone", "unshare", "socket", "personality"}) {
        CAPTURE(n);
        CHECK(plain.count(n) == 0);
        CHECK(allowed_names().count(n) == 1);
    }
}

TEST_CASE("profile: Docker's default allow-list is covered, except what is left out on purpose" *
          doctest::test_suite("corpus")) {
    const char* corpus = std::getenv("OSH_CORPUS");
    REQUIRE_MESSAGE(corpus != nullptr, "OSH_CORPUS is set by meson test");
    std::ifstream f(std::string(corpus) + "/seccomp/moby-profiles/default.json");
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    auto doc = json::parse(ss.str(), "default.json");
    REQUIRE(doc);
    // The first rule's names: the unconditional allow-list.
    REQUIRE((*doc)["syscalls"].IsArray());
    const auto& names = (*doc)["syscalls"][0]["names"];
    REQUIRE(names.IsArray());
    std::set<std::string> docker;
    for (const auto& n : names.GetArray()) docker.insert(n.GetString());
    REQUIRE(docker.size() > 300);
    // Left out, with the reason docs/seccomp.md gives.
    const std::set<std::string> left_out = {
        "adjtimex",      "clock_adjtime", "clock_adjtime64",  // refused: the host's clock
        "fanotify_mark",                                      // useless without fanotify_init
        "socketcall",     // i386: its socket() hides the domain; subcalls are allowed one by one
        "riscv_hwprobe",  // no riscv64 build
        "uretprobe",      // x86_64 number below 424, unknown to libseccomp 2.5.4: see docs
        "statmount",     "listmount",  // refused, ENOSYS: any mount namespace by id with
                                       // CAP_SYS_ADMIN
    };
    const auto ours = allowed_names();
    for (const auto& n : docker) {
        CAPTURE(n);
        CHECK((ours.count(n) == 1 || left_out.count(n) == 1));
    }
}

TEST_CASE("resolve: the default profile is an allow-list with its refusals first") {
    const auto f = resolve(FilterSpec{});
    CHECK(f.allow_list);
    CHECK(f.allowed.size() == allow_list().size());
    // Refused first: the conditional refusals and clone3's ENOSYS, nothing else.
    CHECK(count_rules(f.refused, "ioctl") == 3);
    CHECK(count_rules(f.refused, "socketcall") == 1);
    auto c3 = std::find_if(f.refused.begin(), f.refused.end(),
                           [](const Rule& r) { return r.syscall == "clone3"; });
    REQUIRE(c3 != f.refused.end());
    CHECK(c3->errno_override == ENOSYS);
    CHECK(count_rules(f.refused, "socket") == 1);  // MPTCP
    CHECK(f.refused.size() == 8);
    CHECK_FALSE(has_rule(f.allowed, "ptrace"));
    // Numbered calls carry their number; the mount-table calls are answered
    // ENOSYS (libmount falls back to /proc/self/mountinfo).
    for (const auto& [name, nr] : {std::pair{"statmount", 457}, std::pair{"listmount", 458}}) {
        CAPTURE(name);
        auto sm = std::find_if(f.refused.begin(), f.refused.end(),
                               [&](const Rule& r) { return r.syscall == name; });
        REQUIRE(sm != f.refused.end());
        CHECK(sm->number == nr);
        CHECK(sm->errno_override == ENOSYS);
        CHECK_FALSE(has_rule(f.allowed, name));
    }
}

TEST_CASE("resolve: in the host's IPC namespace the IPC calls leave the allow-list") {
    FilterSpec host;
    host.host_ipc_namespace = true;
    const auto own = resolve(FilterSpec{});
    const auto f = resolve(host);
    for (const char* n : {"shmget", "shmat", "semget", "semop", "msgget", "msgrcv", "mq_open",
                          "mq_unlink", "mq_timedsend"}) {
        CAPTURE(n);
        CHECK(has_rule(own.allowed, n));
        CHECK_FALSE(has_rule(f.allowed, n));
    }
    // Exactly the ipc group, nothing else.
    size_t ipc = 0;
    for (const auto& r : own.allowed) {
        CAPTURE(r.syscall);
        if (r.why == "ipc") ++ipc;
        CHECK(has_rule(f.allowed, r.syscall) == (r.why != "ipc"));
    }
    CHECK(own.allowed.size() - f.allowed.size() == ipc);
    host.settings.allow = {"semget"};
    CHECK(has_rule(resolve(host).allowed, "semget"));
    CHECK(canonical_source(host).find("ipc_namespace host\n") != std::string::npos);
}

TEST_CASE("resolve: in the host's pid namespace the calls by pid are kept to the caller") {
    FilterSpec host;
    host.shared_pid_namespace = true;
    const auto own = resolve(FilterSpec{});
    const auto f = resolve(host);
    for (const char* n : {"prlimit64", "sched_setaffinity", "sched_setscheduler",
                          "sched_setparam", "sched_setattr", "setpriority", "ioprio_set"}) {
        CAPTURE(n);
        auto rule = std::find_if(f.allowed.begin(), f.allowed.end(),
                                 [&](const Rule& r) { return r.syscall == n; });
        REQUIRE(rule != f.allowed.end());
        CHECK_FALSE(rule->conds.empty());
        CHECK(rule->conds == shared_pid_conditions(n).front());
        CHECK(std::count_if(own.allowed.begin(), own.allowed.end(), [&](const Rule& r) {
                  return r.syscall == n && r.conds.empty();
              }) == 1);
    }
    // Nothing else changes.
    CHECK(own.allowed.size() == f.allowed.size());
    CHECK(shared_pid_conditions("getpriority").empty());
    CHECK(shared_pid_conditions("kill").empty());  // Landlock's signal scope
    host.settings.allow = {"prlimit64"};
    const auto g = resolve(host);
    auto p = std::find_if(g.allowed.begin(), g.allowed.end(),
                     [](const Rule& r) { return r.syscall == "prlimit64"; });
    REQUIRE(p != g.allowed.end());
    CHECK(p->conds.empty());
    CHECK(canonical_source(host).find("pid_namespace shared\n") != std::string::npos);
}

TEST_CASE("resolve: allow and relaxations add outright, deny wins over both") {
    FilterSpec spec;
    spec.settings.allow = {"ptrace", "ioctl", "socket", "clone3", "kcmp"};
    spec.settings.deny = {"kcmp", "getcwd", "clone3", "getcwd"};
    spec.relaxations = {"keyctl", "getcwd", "memfd_create"};
    const auto f = resolve(spec);
    CHECK(has_rule(f.allowed, "ptrace"));
    CHECK(has_rule(f.allowed, "keyctl"));
    // allow makes the call unconditional and drops the profile's refusals of it.
    CHECK(count_rules(f.allowed, "socket") == 1);
    CHECK(count_rules(f.refused, "ioctl") == 0);
    CHECK(count_rules(f.allowed, "memfd_create") == 1);
    for (const auto& r : f.allowed)
        if (r.syscall == "socket" || r.syscall == "ioctl") CHECK(r.conds.empty());
    // deny wins over allow and over a relaxation; clone3's ENOSYS stays refused.
    CHECK_FALSE(has_rule(f.allowed, "kcmp"));
    CHECK_FALSE(has_rule(f.allowed, "getcwd"));
    CHECK_FALSE(has_rule(f.allowed, "clone3"));
    CHECK(count_rules(f.refused, "clone3") == 1);
}

TEST_CASE("resolve: profile none keeps only the policy's denies") {
    FilterSpec spec;
    spec.settings.profile = seccomp::Profile::none;
    spec.relaxations = {"memfd_create"};
    spec.settings.allow = {"ptrace"};
    auto f = resolve(spec);
    CHECK_FALSE(f.allow_list);
    CHECK(f.refused.empty());
    CHECK(f.allowed.empty());
    spec.settings.deny = {"ptrace", "ptrace"};
    f = resolve(spec);
    REQUIRE(f.refused.size() == 1);
    CHECK(f.refused[0].syscall == "ptrace");
    CHECK(f.allowed.empty());
}

TEST_CASE("compile: unknown syscall names are errors naming the name") {
    for (int which = 0; which < 3; ++which) {
        FilterSpec spec;
        if (which == 0) spec.settings.deny = {"ptrace", "no_such_call"};
        if (which == 1) spec.settings.allow = {"no_such_call"};
        if (which == 2) spec.relaxations = {"no_such_call"};
        auto r = compile(spec, "");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find("\"no_such_call\"") != std::string::npos);
    }
}

TEST_CASE("compile: profile none with nothing denied is no filter") {
    FilterSpec spec;
    spec.settings.profile = seccomp::Profile::none;
    auto r = compile(spec, "");
    REQUIRE(r.has_value());
    CHECK(r->insns.empty());
}

TEST_CASE("compile: native x86_64 program, arch check first, binary tree") {
    const auto before = compile_count();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = compile(FilterSpec{}, "");
    const auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("cold native compile: " << ms << " ms, " << (r ? r->insns.size() : 0)
                                    << " instructions");
    REQUIRE(r.has_value());
    CHECK(compile_count() == before + 1);
    CHECK(r->audit_arch == AUDIT_ARCH_X86_64);
    REQUIRE(r->insns.size() > 4);
    CHECK(r->insns.size() < 2000);
    // ld [arch] ; jeq AUDIT_ARCH_X86_64 (compact.hpp's arch test)
    CHECK(r->insns[0].code == (BPF_LD | BPF_W | BPF_ABS));
    CHECK(r->insns[0].k == 4);  // offsetof(seccomp_data, arch)
    CHECK(r->insns[1].k == AUDIT_ARCH_X86_64);
    // Ranges of numbers are told apart with jge.
    auto count = [](const Bpf& b, uint16_t code) {
        return std::count_if(b.insns.begin(), b.insns.end(),
                             [&](const sock_filter& f) { return f.code == code; });
    };
    CHECK(count(*r, BPF_JMP | BPF_JGE | BPF_K) >= 30);
    // Before compact.hpp: the prologue, then libseccomp's binary tree of jgt.
    auto whole = compile_uncompacted(FilterSpec{});
    REQUIRE(whole.has_value());
    MESSAGE("libseccomp's program: " << whole->insns.size() << " instructions");
    CHECK(whole->insns[1].k == AUDIT_ARCH_X86_64);
    CHECK(count(*whole, BPF_JMP | BPF_JGT | BPF_K) >= 8);
    CHECK(r->insns.size() * 2 < whole->insns.size());
}

TEST_CASE("compile: allow_i386 adds the x86 arch; other targets compile too") {
    FilterSpec spec;
    spec.settings.allow_i386 = true;
    auto r = compile(spec, "");
    REQUIRE(r.has_value());
    MESSAGE("x86_64 + x86: " << r->insns.size() << " instructions");
    const auto i386 = std::count_if(r->insns.begin(), r->insns.end(), [](const sock_filter& f) {
        return f.code == (BPF_JMP | BPF_JEQ | BPF_K) && f.k == AUDIT_ARCH_I386;
    });
    CHECK(i386 == 3);  // the prologue, the refusals, the allow-list
    auto pfc = export_pfc(spec);
    REQUIRE(pfc.has_value());
    CHECK(pfc->find("filter for arch x86 ") != std::string::npos);
    CHECK(pfc->find("# refused first") != std::string::npos);
    CHECK(pfc->find("# then the allow-list") != std::string::npos);

    FilterSpec arm;
    arm.audit_arch = AUDIT_ARCH_AARCH64;
    auto a = compile(arm, "");
    REQUIRE(a.has_value());
    CHECK(a->audit_arch == AUDIT_ARCH_AARCH64);
    CHECK(a->insns[1].k == AUDIT_ARCH_AARCH64);
    CHECK(cache_key(arm) != cache_key(FilterSpec{}));
}

TEST_CASE("cache: the second compile is a hit with no libseccomp work") {
    TempDir dir;
    const std::string cache = dir.path + "/bpf";  // created on first write
    FilterSpec spec;
    spec.settings.deny = {"getcwd"};
    CompileStats st1;
    auto first = compile(spec, cache, &st1);
    REQUIRE(first.has_value());
    CHECK_FALSE(st1.cache_hit);
    CHECK(st1.libseccomp_compiles == 1);
    const std::string file = cache + "/" + cache_key(spec) + ".bpf";
    struct stat sb {};
    REQUIRE(::stat(file.c_str(), &sb) == 0);
    CHECK(sb.st_size % 8 == 0);

    const auto before = compile_count();
    CompileStats st2;
    const auto t0 = std::chrono::steady_clock::now();
    auto second = compile(spec, cache, &st2);
    const auto us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("warm compile (cache hit): " << us << " us");
    REQUIRE(second.has_value());
    CHECK(st2.cache_hit);
    CHECK(st2.libseccomp_compiles == 0);
    CHECK(compile_count() == before);
    REQUIRE(second->insns.size() == first->insns.size());
    CHECK(serialize(*second) == serialize(*first));

    SUBCASE("a corrupt cache file is ignored and rewritten") {
        {
            std::ofstream f(file, std::ios::binary | std::ios::trunc);
            f << "OSHBPF1";  // 7 bytes: bad length and header
        }
        CompileStats st3;
        auto third = compile(spec, cache, &st3);
        REQUIRE(third.has_value());
        CHECK_FALSE(st3.cache_hit);
        CHECK(serialize(*third) == serialize(*first));
        CompileStats st4;
        REQUIRE(compile(spec, cache, &st4).has_value());
        CHECK(st4.cache_hit);
    }

    SUBCASE("a cache directory others can write is not trusted") {
        REQUIRE(::chmod(cache.c_str(), 0777) == 0);
        CompileStats st5;
        REQUIRE(compile(spec, cache, &st5).has_value());
        CHECK_FALSE(st5.cache_hit);
        CHECK(st5.libseccomp_compiles == 1);
        REQUIRE(::chmod(cache.c_str(), 0700) == 0);
        CompileStats st6;
        REQUIRE(compile(spec, cache, &st6).has_value());
        CHECK(st6.cache_hit);
    }
}

TEST_CASE("cache key: a hex SHA-256 that changes with the policy") {
    FilterSpec base;
    const auto k = cache_key(base);
    CHECK(k.size() == 64);
    CHECK(k.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(cache_key(base) == k);
    FilterSpec s = base;
    s.settings.action = seccomp::Action::kill;
    CHECK(cache_key(s) != k);
    s = base;
    s.settings.deny = {"reboot"};
    CHECK(cache_key(s) != k);
    s = base;
    s.settings.allow = {"ptrace"};
    CHECK(cache_key(s) != k);
    s = base;
    s.settings.allow_i386 = true;
    CHECK(cache_key(s) != k);
    s = base;
    s.relaxations = {"keyctl"};
    CHECK(cache_key(s) != k);
    s = base;
    s.settings.profile = seccomp::Profile::none;
    s.settings.deny = {"reboot"};
    FilterSpec none_deny = s;
    CHECK(cache_key(none_deny) != k);
    const auto src = canonical_source(base);
    CHECK(src.find("default action\n") != std::string::npos);
    CHECK(src.find("refuse clone3 errno=38\n") != std::string::npos);
    CHECK(src.find("refuse statmount errno=38 nr=457\n") != std::string::npos);
    CHECK(src.find("known open_tree_attr nr=467\n") != std::string::npos);
    CHECK(canonical_source(none_deny).find("default allow\n") != std::string::npos);
}

TEST_CASE("bpf: serialize round-trips; damaged blobs are refused") {
    auto r = compile(FilterSpec{}, "");
    REQUIRE(r.has_value());
    const auto bytes = serialize(*r);
    CHECK(bytes.size() == 16 + 8 * r->insns.size());
    auto back = deserialize(bytes);
    REQUIRE(back.has_value());
    CHECK(back->audit_arch == r->audit_arch);
    CHECK(serialize(*back) == bytes);

    auto bad = bytes;
    bad[0] = 'X';
    CHECK_FALSE(deserialize(bad).has_value());
    bad = bytes;
    bad.resize(bad.size() - 8);  // one instruction short of the header's count
    CHECK_FALSE(deserialize(bad).has_value());
    bad = bytes;
    bad.push_back(0);  // not a multiple of 8
    CHECK_FALSE(deserialize(bad).has_value());
    bad = bytes;
    bad[12] = 0xff;
    bad[13] = 0xff;  // count far above BPF_MAXINSNS
    CHECK_FALSE(deserialize(bad).has_value());
    CHECK_FALSE(deserialize(std::span<const uint8_t>()).has_value());
}

TEST_CASE("docs/seccomp.md shows every group with its reason and calls, every refusal with its") {
    const std::string doc = read_source_file("docs/seccomp.md");
    for (const auto& g : allow_groups()) {
        CAPTURE(g.name);
        CHECK(doc.find("`" + std::string(g.name) + "`") != std::string::npos);
        CHECK(doc.find(std::string(g.reason)) != std::string::npos);
    }
    for (const auto& e : allow_list()) {
        CAPTURE(e.syscall);
        CHECK(doc.find("`" + std::string(e.syscall) + "`") != std::string::npos);
        if (!e.condition.empty()) CHECK(doc.find(std::string(e.condition)) != std::string::npos);
    }
    for (const auto& r : refusals()) {
        CAPTURE(r.syscall);
        CHECK(doc.find("`" + std::string(r.syscall) + "`") != std::string::npos);
        CHECK(doc.find(std::string(r.reason)) != std::string::npos);
    }
    for (const auto& n : newer_calls()) {
        CAPTURE(n.name);
        CHECK(doc.find("`" + std::string(n.name) + "` " + std::to_string(n.number)) !=
              std::string::npos);
    }
}

// The program run by the classic-BPF interpreter (../bpf_run.hpp), so its
// answer for other ABIs (i386, foreign arches) can be checked even where the
// kernel cannot run those calls (e.g. int $0x80 unsupported).
namespace {

using test::FakeCall;
using test::kBadInsn;
using test::kNotConstant;
using test::run_bpf;

constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kEprotonosupport = SECCOMP_RET_ERRNO | EPROTONOSUPPORT;

Bpf compiled(const FilterSpec& spec) {
    auto r = compile(spec, "");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().what()));
    return std::move(*r);
}

uint32_t call(const Bpf& bpf, int nr, std::initializer_list<uint64_t> args = {},
              uint32_t arch = AUDIT_ARCH_X86_64) {
    FakeCall c{nr, arch, {}};
    size_t i = 0;
    for (uint64_t a : args) c.args[i++] = a;
    return run_bpf(bpf, c);
}

int x86_64_nr(std::string_view name) {
    const std::string n(name);
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, n.c_str());
    if (nr >= 0) return nr;
    return profile_number(name);
}

}  // namespace

TEST_CASE("splice: the prologue answers ENOSYS above the horizon only; chain jumps on") {
    const ArchHorizon h[] = {{AUDIT_ARCH_X86_64, 469}, {AUDIT_ARCH_I386, 469}};
    Bpf p;
    p.insns = newer_calls_prologue(h);
    const sock_filter allow = {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW};
    const sock_filter marker = {BPF_RET | BPF_K, 0, 0, 0x7fff0000 | 7};  // "fell through"
    p.insns.push_back(marker);
    CHECK(call(p, 469) == marker.k);
    CHECK(call(p, 470) == kEnosys);
    CHECK(call(p, 0x3fffffff) == kEnosys);
    CHECK(call(p, 0x40000000 | 470) == marker.k);  // x32: left to the filter
    CHECK(call(p, 470, {}, AUDIT_ARCH_I386) == kEnosys);
    CHECK(call(p, 0x40000000, {}, AUDIT_ARCH_I386) == kEnosys);
    CHECK(call(p, 3, {}, AUDIT_ARCH_I386) == marker.k);
    CHECK(call(p, 470, {}, AUDIT_ARCH_AARCH64) == marker.k);  // not one of its arches

    const std::vector<sock_filter> first = {
        {BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
        {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 5},
        {BPF_RET | BPF_K, 0, 0, kEperm},
        allow,
    };
    const std::vector<sock_filter> then = {marker};
    Bpf c;
    c.insns = chain(first, then);
    CHECK(call(c, 5) == kEperm);
    CHECK(call(c, 6) == marker.k);
}

TEST_CASE("bpf program: unlisted calls get the action, calls above the newest get ENOSYS") {
    const Bpf plain = compiled(FilterSpec{});
    CHECK(call(plain, 110) == SECCOMP_RET_ALLOW);  // getppid
    CHECK(call(plain, 39) == SECCOMP_RET_ALLOW);   // getpid
    // Known, unlisted: reboot, kcmp, quotactl, sethostname, vhangup, lsm_set_self_attr.
    for (int nr : {169, 312, 179, 170, 153, 460}) {
        CAPTURE(nr);
        CHECK(call(plain, nr) == kEperm);
    }
    CHECK(call(plain, x86_64_nr("open_tree_attr")) == kEperm);  // refused, by number
    CHECK(call(plain, x86_64_nr("file_setattr")) == SECCOMP_RET_ALLOW);
    CHECK(call(plain, x86_64_nr("statmount")) == kEnosys);  // refused, by number
    CHECK(call(plain, x86_64_nr("listmount")) == kEnosys);
    CHECK(call(plain, kNewest) == SECCOMP_RET_ALLOW);
    for (int nr : {kNewest + 1, 500, 1000, 0x3fffffff}) {
        CAPTURE(nr);
        CHECK(call(plain, nr) == kEnosys);
    }
    // x32 numbers stay a refused ABI, whatever their number.
    CHECK(call(plain, 0x40000000 | 39) == kEperm);
    CHECK(call(plain, 0x40000000 | (kNewest + 1)) == kEperm);
    CHECK(call(plain, -1) == kEperm);
    // Every name the allow-list allows without conditions is allowed.
    for (const auto& e : allow_list()) {
        if (!e.conds.empty()) continue;
        const int nr =
            seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, std::string(e.syscall).c_str());
        const int numbered = profile_number(e.syscall);
        if (nr < 0 && numbered == 0) continue;  // not an x86_64 call
        CAPTURE(e.syscall);
        CHECK(call(plain, nr >= 0 ? nr : numbered) == SECCOMP_RET_ALLOW);
    }

    FilterSpec kill;
    kill.settings.action = seccomp::Action::kill;
    const Bpf k = compiled(kill);
    CHECK(call(k, 169) == SECCOMP_RET_KILL_PROCESS);
    CHECK(call(k, kNewest + 1) == kEnosys);
    CHECK(call(k, 435) == kEnosys);  // clone3
    CHECK(call(k, 110) == SECCOMP_RET_ALLOW);

    FilterSpec log;
    log.settings.action = seccomp::Action::log;
    const Bpf l = compiled(log);
    CHECK(call(l, 169) == SECCOMP_RET_LOG);
    CHECK(call(l, 16, {0, 0x5412}) == SECCOMP_RET_LOG);  // TIOCSTI
    CHECK(call(l, 435) == kEnosys);
    CHECK(call(l, kNewest + 1) == kEnosys);
}

TEST_CASE("bpf program: allowed calls without conditions are constant (the kernel caches them)") {
    FilterSpec with_i386;
    with_i386.settings.allow_i386 = true;
    // Plain names, not a structured binding: clang 14 cannot capture those
    // in CAPTURE's lambda.
    for (const auto& entry : {std::pair{std::string("default"), FilterSpec{}},
                              std::pair{std::string("i386 too"), with_i386}}) {
        const std::string& label = entry.first;
        const FilterSpec& spec = entry.second;
        CAPTURE(label);
        const Bpf bpf = compiled(spec);
        int constant = 0, argument = 0;
        for (int nr = 0; nr <= kNewest + 5; ++nr) {
            const uint32_t answer = run_bpf(bpf, FakeCall{nr, AUDIT_ARCH_X86_64, {}}, false);
            CAPTURE(nr);
            CHECK(answer != kBadInsn);
            if (answer == SECCOMP_RET_ALLOW) ++constant;
            if (answer == kNotConstant) ++argument;
        }
        MESSAGE(label << ": " << constant << " x86_64 calls constant-allowed, " << argument
                      << " decided by their arguments");
        for (const char* n : {"getppid", "read", "write", "futex", "mmap", "openat", "epoll_pwait",
                              "mseal", "file_setattr"}) {
            CAPTURE(n);
            CHECK(run_bpf(bpf, FakeCall{x86_64_nr(n), AUDIT_ARCH_X86_64, {}}, false) ==
                  SECCOMP_RET_ALLOW);
        }
        // Argument-checked calls: socket, clone, unshare, personality, ioctl (terminal requests).
        for (const char* n : {"socket", "clone", "unshare", "personality", "ioctl"}) {
            CAPTURE(n);
            CHECK(run_bpf(bpf, FakeCall{x86_64_nr(n), AUDIT_ARCH_X86_64, {}}, false) ==
                  kNotConstant);
        }
        CHECK(argument == 5);
        // ... and every x86_64 call allowed without conditions is one of the
        // constant ones, but those refused first under conditions (ioctl).
        std::set<std::string_view> refused_first;
        for (const auto& r : refusals())
            if (!r.conds.empty()) refused_first.insert(r.syscall);
        std::set<int> plain;
        for (const auto& e : allow_list())
            if (e.conds.empty() && refused_first.count(e.syscall) == 0 &&
                (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64,
                                                   std::string(e.syscall).c_str()) >= 0 ||
                 profile_number(e.syscall) != 0))
                plain.insert(x86_64_nr(e.syscall));
        CHECK(constant == static_cast<int>(plain.size()));
    }
}

TEST_CASE("bpf program: i386 and foreign arches get the action unless allow_i386") {
    const Bpf plain = compiled(FilterSpec{});
    CHECK(call(plain, 20, {}, AUDIT_ARCH_I386) == kEperm);   // getpid
    CHECK(call(plain, 470, {}, AUDIT_ARCH_I386) == kEperm);  // a refused ABI, not ENOSYS
    CHECK(call(plain, 39, {}, AUDIT_ARCH_AARCH64) == kEperm);
    CHECK(call(plain, 161) == kEperm);   // chroot
    CHECK(call(plain, 435) == kEnosys);  // clone3

    FilterSpec spec;
    spec.settings.allow_i386 = true;
    const Bpf i386 = compiled(spec);
    auto i = [&](int nr, std::initializer_list<uint64_t> args = {}) {
        return call(i386, nr, args, AUDIT_ARCH_I386);
    };
    CHECK(i(20) == SECCOMP_RET_ALLOW);  // getpid
    CHECK(i(61) == kEperm);             // chroot
    CHECK(i(26) == kEperm);             // ptrace
    CHECK(i(88) == kEperm);             // reboot: unlisted
    CHECK(i(470) == kEnosys);           // above the newest
    CHECK(i(457) == kEperm);  // statmount: numbered calls are x86_64-only (libseccomp 2.5.4)
    CHECK(i(359, {AF_PACKET}) == kEperm);  // socket
    CHECK(i(359, {AF_INET}) == SECCOMP_RET_ALLOW);
    CHECK(i(359, {AF_INET, 1, 262}) == kEprotonosupport);  // MPTCP, the direct i386 call
    CHECK(i(102, {1}) == kEperm);             // socketcall(SYS_SOCKET): domain unreadable
    CHECK(i(102, {3}) == SECCOMP_RET_ALLOW);  // socketcall(SYS_CONNECT)
    CHECK(i(54, {0, 0x5412}) == kEperm);      // ioctl TIOCSTI
    CHECK(i(54, {0, 0x5401}) == SECCOMP_RET_ALLOW);
    CHECK(i(120, {0x10000000 | 17}) == kEperm);  // clone(CLONE_NEWUSER)
    CHECK(i(120, {17}) == SECCOMP_RET_ALLOW);
    CHECK(i(435) == kEnosys);
    CHECK(call(i386, 0x40000000 | 39) == kEperm);  // x32 still refused
    CHECK(call(i386, 39, {}, AUDIT_ARCH_AARCH64) == kEperm);
    CHECK(call(i386, 39) == SECCOMP_RET_ALLOW);
    CHECK(call(i386, 470) == kEnosys);

    FilterSpec kill;
    kill.settings.action = seccomp::Action::kill;
    const Bpf k = compiled(kill);
    CHECK(call(k, 20, {}, AUDIT_ARCH_I386) == SECCOMP_RET_KILL_PROCESS);
    CHECK(call(k, 101) == SECCOMP_RET_KILL_PROCESS);  // ptrace
    CHECK(call(k, 41, {AF_INET, 1, 262}) == kEprotonosupport);  // MPTCP: Go's listeners try it first

    FilterSpec arm;
    arm.audit_arch = AUDIT_ARCH_AARCH64;
    const Bpf a = compiled(arm);
    CHECK(call(a, 173, {}, AUDIT_ARCH_AARCH64) == SECCOMP_RET_ALLOW);  // getppid
    CHECK(call(a, 470, {}, AUDIT_ARCH_AARCH64) == kEnosys);
    CHECK(call(a, 142, {}, AUDIT_ARCH_AARCH64) == kEperm);  // reboot
    CHECK(call(a, 110) == kEperm);                          // an x86_64 call: foreign ABI
}

TEST_CASE("bpf program: argument conditions compare what the kernel reads") {
    const Bpf r = compiled(FilterSpec{});
    auto c = [&](int nr, std::initializer_list<uint64_t> args) { return call(r, nr, args); };
    // socket: the listed domains only, low 32 bits compared.
    CHECK(c(41, {AF_INET, 1, 0}) == SECCOMP_RET_ALLOW);
    CHECK(c(41, {AF_INET6, 2, 0}) == SECCOMP_RET_ALLOW);
    CHECK(c(41, {AF_UNIX, 1, 0}) == SECCOMP_RET_ALLOW);
    CHECK(c(41, {(1ull << 32) | AF_INET, 1, 0}) == SECCOMP_RET_ALLOW);  // the kernel reads AF_INET
    for (uint64_t d : {AF_PACKET, AF_VSOCK, AF_ALG, AF_BLUETOOTH, AF_KEY, AF_CAN, AF_RDS, AF_TIPC,
                       AF_XDP, AF_UNSPEC}) {
        CAPTURE(d);
        CHECK(c(41, {d, 3, 0}) == kEperm);
        CHECK(c(41, {(1ull << 32) | d, 3, 0}) == kEperm);
    }
    CHECK(c(41, {AF_NETLINK, 3, 0}) == SECCOMP_RET_ALLOW);
    CHECK(c(41, {AF_NETLINK, 3, (1ull << 32)}) == SECCOMP_RET_ALLOW);  // protocol reads 0
    CHECK(c(41, {AF_NETLINK, 3, 9}) == kEperm);                        // NETLINK_AUDIT
    CHECK(c(41, {AF_NETLINK, 3, 15}) == kEperm);                       // NETLINK_KOBJECT_UEVENT
    // MPTCP (protocol 262), which Landlock's TCP port rules do not see: the
    // answer of a kernel without it, on the low 32 bits; TCP stays allowed.
    for (uint64_t d : {AF_INET, AF_INET6}) {
        CAPTURE(d);
        CHECK(c(41, {d, 1, 262}) == kEprotonosupport);
        CHECK(c(41, {d, 1 | 0x80000, (1ull << 32) | 262}) == kEprotonosupport);
        CHECK(c(41, {d, 1, 6}) == SECCOMP_RET_ALLOW);  // IPPROTO_TCP
        CHECK(c(41, {d, 1, 263}) == SECCOMP_RET_ALLOW);
    }
    // ioctl: terminal requests refused first, low 32 bits compared.
    for (uint64_t req : {0x5412ull, 0x541cull, 0x5423ull}) {
        CAPTURE(req);
        CHECK(c(16, {0, req, 0}) == kEperm);
        CHECK(c(16, {0, (1ull << 40) | req, 0}) == kEperm);
    }
    CHECK(c(16, {0, 0x5401, 0}) == SECCOMP_RET_ALLOW);      // TCGETS
    CHECK(c(16, {3, 0xc020462a, 0}) == SECCOMP_RET_ALLOW);  // an NVIDIA request
    CHECK(c(16, {3, 0xffffffffc020462aull, 0}) == SECCOMP_RET_ALLOW);
    // unshare / clone namespace flags.
    CHECK(c(272, {0}) == SECCOMP_RET_ALLOW);          // unshare(0)
    CHECK(c(272, {0x400}) == SECCOMP_RET_ALLOW);      // unshare(CLONE_FILES)
    CHECK(c(272, {0x10000000}) == kEperm);            // CLONE_NEWUSER
    CHECK(c(272, {0x80}) == kEperm);                  // CLONE_NEWTIME
    CHECK(c(56, {0x80 | 17}) == SECCOMP_RET_ALLOW);   // clone: 0x80 is in the signal byte
    CHECK(c(56, {0x003d0f00}) == SECCOMP_RET_ALLOW);  // glibc's pthread_create flags
    CHECK(c(56, {0x40000000 | 17}) == kEperm);        // clone(CLONE_NEWNET)
    CHECK(c(56, {0x00020000 | 17}) == kEperm);        // clone(CLONE_NEWNS)
    // personality: Docker's five values, low 32 bits compared.
    for (uint64_t p : {0x0ull, 0x8ull, 0x20000ull, 0x20008ull, 0xffffffffull, ~0ull}) {
        CAPTURE(p);
        CHECK(c(135, {p}) == SECCOMP_RET_ALLOW);
    }
    CHECK(c(135, {0x0040000}) == kEperm);  // ADDR_NO_RANDOMIZE
    CHECK(c(135, {0x0400000}) == kEperm);  // READ_IMPLIES_EXEC
}

TEST_CASE("bpf program: policy allow and deny on top of the allow-list") {
    FilterSpec spec;
    spec.settings.allow = {"ptrace", "kcmp", "open_tree_attr"};
    spec.settings.deny = {"kcmp", "getcwd"};
    spec.relaxations = {"memfd_create", "getcwd"};
    const Bpf b = compiled(spec);
    CHECK(call(b, 101) == SECCOMP_RET_ALLOW);  // ptrace: allowed
    CHECK(call(b, 312) == kEperm);             // kcmp: deny wins
    CHECK(call(b, 79) == kEperm);              // getcwd: deny beats relaxation
    CHECK(call(b, 319) == SECCOMP_RET_ALLOW);  // memfd_create
    CHECK(call(b, x86_64_nr("open_tree_attr")) == SECCOMP_RET_ALLOW);  // by number
    CHECK(call(b, 110) == SECCOMP_RET_ALLOW);

    // Profile none: only the denies, everything else allowed (no ENOSYS prologue).
    FilterSpec none;
    none.settings.profile = seccomp::Profile::none;
    none.settings.deny = {"open_tree_attr", "getcwd"};
    const Bpf n = compiled(none);
    CHECK(call(n, x86_64_nr("open_tree_attr")) == kEperm);
    CHECK(call(n, 79) == kEperm);
    CHECK(call(n, 169) == SECCOMP_RET_ALLOW);
    CHECK(call(n, kNewest + 1) == SECCOMP_RET_ALLOW);
    CHECK(call(n, 0x40000000 | 39) == kEperm);
}

namespace {

// Argument values worth trying against `p`: every constant it compares or
// masks with, in the low and the high half, and their neighbours.
std::vector<uint64_t> argument_values(const Bpf& p) {
    std::set<uint64_t> v = {0, 1, ~0ull, 0xffffffffull, 1ull << 32};
    for (const sock_filter& f : p.insns) {
        if (BPF_CLASS(f.code) != BPF_JMP && BPF_CLASS(f.code) != BPF_ALU) continue;
        for (uint64_t k : {uint64_t(f.k), uint64_t(f.k) + 1, uint64_t(f.k) - 1}) {
            v.insert(k & 0xffffffffull);
            v.insert((k << 32) | 17);
        }
    }
    return {v.begin(), v.end()};
}

// compile() and compile_uncompacted() give the same answer to every call:
// every number (and the x32 and top ones) on every arch with unknown
// arguments, and, where the answer reads them, to every argument value
// either program compares with, one argument at a time, and random mixes.
void same_answers(const FilterSpec& spec, size_t* small = nullptr, size_t* whole = nullptr) {
    const Bpf q = compiled(spec);
    auto r = compile_uncompacted(spec);
    REQUIRE(r.has_value());
    const Bpf& p = *r;
    if (small) *small = q.insns.size();
    if (whole) *whole = p.insns.size();
    std::vector<uint64_t> values = argument_values(p);
    for (uint64_t v : argument_values(q)) values.push_back(v);
    std::mt19937_64 rng(42);
    std::vector<int> numbers;
    for (int nr = -2; nr <= kNewest + 64; ++nr) numbers.push_back(nr);
    for (int nr :
         {0x3fffffff, 0x40000000, 0x40000000 | 39, 0x40000000 | 512, 0x7fffffff, int(0x80000000u)})
        numbers.push_back(nr);
    for (uint32_t arch : {uint32_t(AUDIT_ARCH_X86_64), uint32_t(AUDIT_ARCH_I386),
                          uint32_t(AUDIT_ARCH_AARCH64), 0u, uint32_t(AUDIT_ARCH_X86_64) + 1}) {
        for (int nr : numbers) {
            CAPTURE(arch);
            CAPTURE(nr);
            const FakeCall c{nr, arch, {}};
            const uint32_t pa = run_bpf(p, c, false);
            REQUIRE(pa != kBadInsn);
            REQUIRE(run_bpf(q, c, false) == pa);
            if (pa != kNotConstant) continue;
            for (int i = 0; i < 6; ++i) {
                for (uint64_t v : values) {
                    FakeCall a = c;
                    a.args[i] = v;
                    CAPTURE(i);
                    CAPTURE(v);
                    REQUIRE(run_bpf(q, a) == run_bpf(p, a));
                }
            }
            for (int n = 0; n < 2000; ++n) {
                FakeCall a = c;
                for (auto& arg : a.args) arg = values[rng() % values.size()];
                REQUIRE(run_bpf(q, a) == run_bpf(p, a));
            }
        }
    }
}

}  // namespace

TEST_CASE("compact: the smaller program answers every call as libseccomp's does") {
    size_t small = 0, whole = 0;
    same_answers(FilterSpec{}, &small, &whole);
    MESSAGE("default profile: " << small << " instructions, libseccomp's " << whole);
    CHECK(small * 2 < whole);

    FilterSpec kill;
    kill.settings.action = seccomp::Action::kill;
    same_answers(kill);
    FilterSpec log;
    log.settings.action = seccomp::Action::log;
    same_answers(log);
    FilterSpec policy;
    policy.settings.allow = {"ptrace", "kcmp", "open_tree_attr"};
    policy.settings.deny = {"kcmp", "getcwd", "socket", "ioctl"};
    policy.relaxations = {"memfd_create", "getcwd", "personality"};
    same_answers(policy);
    FilterSpec none;
    none.settings.profile = seccomp::Profile::none;
    none.settings.deny = {"open_tree_attr", "getcwd", "kexec_load"};
    same_answers(none, &small, &whole);
    CHECK(small <= whole);  // three calls: nothing to gain, kept
    FilterSpec arm;
    arm.audit_arch = AUDIT_ARCH_AARCH64;
    same_answers(arm, &small, &whole);
    CHECK(small * 2 < whole);
    // i386's socketcall(2) and ipc(2) carry calls libseccomp writes at more
    // than one number: left as libseccomp builds it.
    FilterSpec i386;
    i386.settings.allow_i386 = true;
    same_answers(i386, &small, &whole);
    CHECK(small == whole);
}

TEST_CASE("compact: keeps the program when it cannot show the same answers") {
    using K = NumberAnswer::Kind;
    const uint32_t arches[] = {AUDIT_ARCH_X86_64};
    const sock_filter allow = {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW};
    const sock_filter deny = {BPF_RET | BPF_K, 0, 0, kEperm};
    const sock_filter ld_arch = {BPF_LD | BPF_W | BPF_ABS, 0, 0, 4};
    const sock_filter ld_nr = {BPF_LD | BPF_W | BPF_ABS, 0, 0, 0};
    const sock_filter ld_arg = {BPF_LD | BPF_W | BPF_ABS, 0, 0, 16};
    // Numbers 10..19 allowed one by one, the rest refused; call 5 reads its argument.
    std::vector<sock_filter> whole = {
        ld_arch, {BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64}, deny, ld_nr};
    for (uint32_t nr = 10; nr < 20; ++nr)
        whole.push_back({BPF_JMP | BPF_JEQ | BPF_K, uint8_t(20 - nr + 4), 0, nr});
    whole.push_back({BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 5});
    whole.push_back(ld_arg);
    whole.push_back({BPF_JMP | BPF_JEQ | BPF_K, 2, 1, 7});
    whole.push_back(deny);
    whole.push_back(deny);
    whole.push_back(allow);
    const std::vector<sock_filter> args_part = {ld_nr,  {BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 5},
                                                ld_arg, {BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 7},
                                                deny,   allow};
    CHECK(answer_for(whole, AUDIT_ARCH_X86_64, 12).kind == K::ret);
    CHECK(answer_for(whole, AUDIT_ARCH_X86_64, 12).ret == SECCOMP_RET_ALLOW);
    CHECK(answer_for(whole, AUDIT_ARCH_X86_64, 5).kind == K::needs_args);
    CHECK(answer_for(whole, AUDIT_ARCH_I386, std::nullopt).ret == kEperm);
    CHECK(answer_for(whole, AUDIT_ARCH_X86_64, std::nullopt).kind == K::unmodelled);

    auto small = compact(whole, args_part, arches);
    REQUIRE(small.has_value());
    CHECK(small->size() < whole.size());
    Bpf p, q;
    p.insns = whole;
    q.insns = *small;
    for (int nr = 0; nr < 40; ++nr)
        for (uint64_t arg : {0, 7, 8})
            for (uint32_t arch : {uint32_t(AUDIT_ARCH_X86_64), uint32_t(AUDIT_ARCH_I386)}) {
                CAPTURE(nr);
                CAPTURE(arg);
                CHECK(call(q, nr, {arg}, arch) == call(p, nr, {arg}, arch));
            }

    // The argument part lacks call 5: kept.
    CHECK_FALSE(compact(whole, std::vector<sock_filter>{deny}, arches).has_value());
    // A jset on the number: not reasoned about, kept.
    auto jset = whole;
    jset[4] = {BPF_JMP | BPF_JSET | BPF_K, 0, 0, 1};
    CHECK(answer_for(jset, AUDIT_ARCH_X86_64, 10).kind == K::unmodelled);
    CHECK_FALSE(compact(jset, args_part, arches).has_value());
    // Other arches answered by the number: kept.
    auto by_number = whole;
    by_number[2] = ld_nr;
    CHECK_FALSE(compact(by_number, args_part, arches).has_value());
}
