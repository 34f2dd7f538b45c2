// Pure tests: the profile data, rule resolution, compile and the BPF cache.
// No kernel state is touched (libseccomp only builds programs).
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
#include <set>
#include <sstream>
#include <string>

#include "seccomp/bpf.hpp"
#include "seccomp/compile.hpp"
#include "seccomp/profile.hpp"

using namespace osh;
using namespace osh::seccomp;

namespace {

std::set<std::string> profile_names() {
    std::set<std::string> s;
    for (const auto& e : default_profile()) s.insert(std::string(e.syscall));
    return s;
}

bool has_rule(const std::vector<Rule>& rules, const std::string& name) {
    return std::any_of(rules.begin(), rules.end(),
                       [&](const Rule& r) { return r.syscall == name; });
}

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

TEST_CASE("profile: the issue's deny list is all there, each with a reason") {
    const auto names = profile_names();
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
                          "iopl",
                          "ioperm",
                          "unshare",
                          "clone",
                          "clone3",
                          "socket",
                          "ioctl"}) {
        CAPTURE(n);
        CHECK(names.count(n) == 1);
    }
    for (const auto& e : default_profile()) {
        CAPTURE(e.syscall);
        CHECK(e.reason.size() > 10);
        // Every name exists on x86_64 (a typo here would silently allow the
        // call), or carries its number; a libseccomp that knows it agrees.
        const int nr =
            seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, std::string(e.syscall).c_str());
        if (e.number == 0) {
            CHECK(nr != __NR_SCMP_ERROR);
        } else {
            CHECK(e.number >= 424);  // unified numbering: the same on every arch we build
            CHECK((nr == __NR_SCMP_ERROR || nr == e.number));
            CHECK(profile_number(e.syscall) == e.number);
        }
    }
}

TEST_CASE("profile: what GPUs and runtimes need stays allowed") {
    const auto rules = resolve_rules(FilterSpec{});
    for (const char* n : {"memfd_create", "mmap", "mprotect", "seccomp", "landlock_create_ruleset",
                          "landlock_add_rule", "landlock_restrict_self", "prctl", "openat"}) {
        CAPTURE(n);
        CHECK_FALSE(has_rule(rules, n));
    }
    // ioctl, socket, clone and unshare are only denied with argument conditions.
    for (const auto& r : rules) {
        if (r.syscall == "ioctl" || r.syscall == "socket" || r.syscall == "clone" ||
            r.syscall == "unshare") {
            CAPTURE(r.syscall);
            CHECK_FALSE(r.conds.empty());
        }
    }
}

TEST_CASE("profile: clone3 is answered ENOSYS; namespace flags are one rule per bit") {
    const auto rules = resolve_rules(FilterSpec{});
    auto it = std::find_if(rules.begin(), rules.end(),
                           [](const Rule& r) { return r.syscall == "clone3"; });
    REQUIRE(it != rules.end());
    CHECK(it->errno_override == ENOSYS);
    const auto unshares = std::count_if(rules.begin(), rules.end(),
                                        [](const Rule& r) { return r.syscall == "unshare"; });
    CHECK(unshares == 8);  // NS, CGROUP, UTS, IPC, USER, PID, NET, TIME
    for (const auto& r : rules) {
        for (const auto& c : r.conds) CHECK(c.op != CondOp::any_bit);
    }
}

TEST_CASE("resolve: deny adds, allow removes, relaxations remove but never an explicit deny") {
    FilterSpec spec;
    spec.policy.deny = {"reboot", "reboot", "clone3", "socket"};
    spec.policy.allow = {"chroot"};
    spec.relaxations = {"keyctl", "reboot"};
    const auto rules = resolve_rules(spec);
    CHECK(std::count_if(rules.begin(), rules.end(),
                        [](const Rule& r) { return r.syscall == "reboot"; }) == 1);
    CHECK_FALSE(has_rule(rules, "chroot"));
    CHECK_FALSE(has_rule(rules, "keyctl"));
    // clone3 stays a single ENOSYS rule.
    auto c3 = std::find_if(rules.begin(), rules.end(),
                           [](const Rule& r) { return r.syscall == "clone3"; });
    REQUIRE(c3 != rules.end());
    CHECK(c3->errno_override == ENOSYS);
    // An outright socket deny replaces the per-family rules.
    CHECK(std::count_if(rules.begin(), rules.end(),
                        [](const Rule& r) { return r.syscall == "socket"; }) == 1);
    auto sock = std::find_if(rules.begin(), rules.end(),
                             [](const Rule& r) { return r.syscall == "socket"; });
    CHECK(sock->conds.empty());
}

TEST_CASE("resolve: profile none keeps only the policy's denies") {
    FilterSpec spec;
    spec.policy.profile = policy::SeccompProfile::none;
    CHECK(resolve_rules(spec).empty());
    spec.policy.deny = {"ptrace"};
    const auto rules = resolve_rules(spec);
    REQUIRE(rules.size() == 1);
    CHECK(rules[0].syscall == "ptrace");
}

TEST_CASE("compile: unknown syscall names are errors naming the name") {
    for (int which = 0; which < 3; ++which) {
        FilterSpec spec;
        if (which == 0) spec.policy.deny = {"ptrace", "no_such_call"};
        if (which == 1) spec.policy.allow = {"no_such_call"};
        if (which == 2) spec.relaxations = {"no_such_call"};
        auto r = compile(spec, "");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find("\"no_such_call\"") != std::string::npos);
    }
}

TEST_CASE("compile: profile none with nothing denied is no filter") {
    FilterSpec spec;
    spec.policy.profile = policy::SeccompProfile::none;
    auto r = compile(spec, "");
    REQUIRE(r.has_value());
    CHECK(r->insns.empty());
}

TEST_CASE("compile: native x86_64 program, binary tree, arch check first") {
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
    CHECK(r->insns.size() < 400);
    // ld [arch] ; jeq AUDIT_ARCH_X86_64
    CHECK(r->insns[0].code == (BPF_LD | BPF_W | BPF_ABS));
    CHECK(r->insns[0].k == 4);  // offsetof(seccomp_data, arch)
    CHECK(r->insns[1].k == AUDIT_ARCH_X86_64);
    // The binary-tree optimisation compares syscall numbers with jgt.
    const auto jgts = std::count_if(r->insns.begin(), r->insns.end(), [](const sock_filter& f) {
        return f.code == (BPF_JMP | BPF_JGT | BPF_K);
    });
    CHECK(jgts >= 4);
    // x32 numbers (>= 0x40000000) are tested for.
    const auto x32 = std::count_if(r->insns.begin(), r->insns.end(), [](const sock_filter& f) {
        return f.code == (BPF_JMP | BPF_JGE | BPF_K) && f.k == 0x40000000;
    });
    CHECK(x32 == 1);
}

TEST_CASE("compile: allow_i386 adds the x86 arch; other targets compile too") {
    FilterSpec spec;
    spec.policy.allow_i386 = true;
    auto r = compile(spec, "");
    REQUIRE(r.has_value());
    const auto i386 = std::count_if(r->insns.begin(), r->insns.end(), [](const sock_filter& f) {
        return f.code == (BPF_JMP | BPF_JEQ | BPF_K) && f.k == AUDIT_ARCH_I386;
    });
    CHECK(i386 == 1);
    auto pfc = export_pfc(spec);
    REQUIRE(pfc.has_value());
    CHECK(pfc->find("filter for arch x86 ") != std::string::npos);

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
    spec.policy.deny = {"reboot"};
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
    s.policy.action = policy::SeccompAction::kill;
    CHECK(cache_key(s) != k);
    s = base;
    s.policy.deny = {"reboot"};
    CHECK(cache_key(s) != k);
    s = base;
    s.policy.allow = {"ptrace"};
    CHECK(cache_key(s) != k);
    s = base;
    s.policy.allow_i386 = true;
    CHECK(cache_key(s) != k);
    s = base;
    s.relaxations = {"keyctl"};
    CHECK(cache_key(s) != k);
    CHECK(canonical_source(base).find("deny clone3 errno=38") != std::string::npos);
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

TEST_CASE("docs/seccomp.md lists every default entry with its reason") {
    const char* root = std::getenv("OSH_SOURCE_ROOT");
    REQUIRE_MESSAGE(root != nullptr, "OSH_SOURCE_ROOT is set by meson test");
    std::ifstream f(std::string(root) + "/docs/seccomp.md");
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string doc = ss.str();
    for (const auto& e : default_profile()) {
        CAPTURE(e.syscall);
        CHECK(doc.find("`" + std::string(e.syscall) + "`") != std::string::npos);
        CHECK(doc.find(std::string(e.reason)) != std::string::npos);
    }
}

// A small classic-BPF interpreter for the instructions libseccomp emits, so the
// program's answer for other ABIs (i386, foreign arches) can be checked even
// where the kernel cannot run those calls (e.g. int $0x80 unsupported).
namespace {

struct FakeCall {
    int nr = 0;
    uint32_t arch = AUDIT_ARCH_X86_64;
    uint64_t args[6] = {};
};

// Returns the SECCOMP_RET_* value, or 0xdeadbeef on an instruction it does not know.
uint32_t run_bpf(const Bpf& bpf, const FakeCall& c) {
    uint32_t words[16] = {};
    words[0] = static_cast<uint32_t>(c.nr);
    words[1] = c.arch;
    for (int i = 0; i < 6; ++i) {
        words[4 + 2 * i] = static_cast<uint32_t>(c.args[i]);
        words[5 + 2 * i] = static_cast<uint32_t>(c.args[i] >> 32);
    }
    uint32_t a = 0;
    for (size_t pc = 0; pc < bpf.insns.size(); ++pc) {
        const sock_filter& f = bpf.insns[pc];
        switch (f.code) {
            case BPF_LD | BPF_W | BPF_ABS:
                if (f.k % 4 != 0 || f.k / 4 >= 16) return 0xdeadbeef;
                a = words[f.k / 4];
                break;
            case BPF_ALU | BPF_AND | BPF_K:
                a &= f.k;
                break;
            case BPF_JMP | BPF_JA:
                pc += f.k;
                break;
            case BPF_JMP | BPF_JEQ | BPF_K:
                pc += (a == f.k) ? f.jt : f.jf;
                break;
            case BPF_JMP | BPF_JGT | BPF_K:
                pc += (a > f.k) ? f.jt : f.jf;
                break;
            case BPF_JMP | BPF_JGE | BPF_K:
                pc += (a >= f.k) ? f.jt : f.jf;
                break;
            case BPF_JMP | BPF_JSET | BPF_K:
                pc += (a & f.k) ? f.jt : f.jf;
                break;
            case BPF_RET | BPF_K:
                return f.k;
            default:
                return 0xdeadbeef;
        }
    }
    return 0xdeadbeef;
}

constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;

}  // namespace

TEST_CASE("bpf program: a call newer than libseccomp is denied by its number") {
    constexpr int kOpenTreeAttr = 467;
    REQUIRE(profile_number("open_tree_attr") == kOpenTreeAttr);
    const FakeCall call{kOpenTreeAttr, AUDIT_ARCH_X86_64, {}};
    auto plain = compile(FilterSpec{}, "");
    REQUIRE(plain.has_value());
    CHECK(run_bpf(*plain, call) == kEperm);
    CHECK(run_bpf(*plain, FakeCall{kOpenTreeAttr + 1, AUDIT_ARCH_X86_64, {}}) ==
          SECCOMP_RET_ALLOW);  // file_getattr: allowed
    // With i386 the filter is two merged ones: the x86_64 part keeps the number.
    FilterSpec i386;
    i386.policy.allow_i386 = true;
    auto both = compile(i386, "");
    REQUIRE(both.has_value());
    CHECK(run_bpf(*both, call) == kEperm);
    CHECK(run_bpf(*both, FakeCall{61, AUDIT_ARCH_I386, {}}) == kEperm);  // i386 chroot
    CHECK(run_bpf(*both, FakeCall{20, AUDIT_ARCH_I386, {}}) == SECCOMP_RET_ALLOW);
    // The policy may name it: deny with profile none, allow with the default.
    FilterSpec none;
    none.policy.profile = policy::SeccompProfile::none;
    none.policy.deny = {"open_tree_attr"};
    auto denied = compile(none, "");
    REQUIRE(denied.has_value());
    CHECK(run_bpf(*denied, call) == kEperm);
    FilterSpec allow;
    allow.policy.allow = {"open_tree_attr"};
    auto allowed = compile(allow, "");
    REQUIRE(allowed.has_value());
    CHECK(run_bpf(*allowed, call) == SECCOMP_RET_ALLOW);
    // The number is part of the source, so of the cache key.
    CHECK(canonical_source(FilterSpec{}).find("deny open_tree_attr nr=467\n") != std::string::npos);
}

TEST_CASE("bpf program: i386 and foreign arches get the action unless allow_i386") {
    auto plain = compile(FilterSpec{}, "");
    REQUIRE(plain.has_value());
    FakeCall getpid32{20, AUDIT_ARCH_I386, {}};
    CHECK(run_bpf(*plain, getpid32) == kEperm);
    CHECK(run_bpf(*plain, FakeCall{39, AUDIT_ARCH_AARCH64, {}}) == kEperm);
    CHECK(run_bpf(*plain, FakeCall{39, AUDIT_ARCH_X86_64, {}}) == SECCOMP_RET_ALLOW);    // getpid
    CHECK(run_bpf(*plain, FakeCall{0x40000000 | 39, AUDIT_ARCH_X86_64, {}}) == kEperm);  // x32
    CHECK(run_bpf(*plain, FakeCall{161, AUDIT_ARCH_X86_64, {}}) == kEperm);              // chroot
    CHECK(run_bpf(*plain, FakeCall{435, AUDIT_ARCH_X86_64, {}}) ==
          (SECCOMP_RET_ERRNO | ENOSYS));  // clone3

    FilterSpec spec;
    spec.policy.allow_i386 = true;
    auto i386 = compile(spec, "");
    REQUIRE(i386.has_value());
    CHECK(run_bpf(*i386, getpid32) == SECCOMP_RET_ALLOW);
    CHECK(run_bpf(*i386, FakeCall{61, AUDIT_ARCH_I386, {}}) == kEperm);            // i386 chroot
    CHECK(run_bpf(*i386, FakeCall{26, AUDIT_ARCH_I386, {}}) == kEperm);            // i386 ptrace
    CHECK(run_bpf(*i386, FakeCall{359, AUDIT_ARCH_I386, {AF_PACKET}}) == kEperm);  // i386 socket
    CHECK(run_bpf(*i386, FakeCall{359, AUDIT_ARCH_I386, {AF_INET}}) == SECCOMP_RET_ALLOW);
    CHECK(run_bpf(*i386, FakeCall{102, AUDIT_ARCH_I386, {1}}) == kEperm);  // socketcall(SYS_SOCKET)
    CHECK(run_bpf(*i386, FakeCall{102, AUDIT_ARCH_I386, {3}}) ==
          SECCOMP_RET_ALLOW);  // socketcall(SYS_CONNECT)
    CHECK(run_bpf(*i386, FakeCall{0x40000000 | 39, AUDIT_ARCH_X86_64, {}}) ==
          kEperm);  // x32 still refused
    CHECK(run_bpf(*i386, FakeCall{39, AUDIT_ARCH_AARCH64, {}}) == kEperm);

    FilterSpec kill;
    kill.policy.action = policy::SeccompAction::kill;
    auto k = compile(kill, "");
    REQUIRE(k.has_value());
    CHECK(run_bpf(*k, getpid32) == SECCOMP_RET_KILL_PROCESS);
    CHECK(run_bpf(*k, FakeCall{101, AUDIT_ARCH_X86_64, {}}) == SECCOMP_RET_KILL_PROCESS);
}

TEST_CASE("bpf program: argument conditions compare what the kernel reads") {
    auto r = compile(FilterSpec{}, "");
    REQUIRE(r.has_value());
    auto call = [&](int nr, std::initializer_list<uint64_t> args) {
        FakeCall c{nr, AUDIT_ARCH_X86_64, {}};
        size_t i = 0;
        for (uint64_t a : args) c.args[i++] = a;
        return run_bpf(*r, c);
    };
    CHECK(call(41, {AF_PACKET, 3, 0}) == kEperm);
    CHECK(call(41, {(1ull << 32) | AF_PACKET, 3, 0}) == kEperm);
    CHECK(call(41, {AF_INET, 1, 0}) == SECCOMP_RET_ALLOW);
    CHECK(call(41, {AF_NETLINK, 3, 0}) == SECCOMP_RET_ALLOW);
    CHECK(call(41, {AF_NETLINK, 3, 9}) == kEperm);
    CHECK(call(16, {0, 0x5412, 0}) == kEperm);
    CHECK(call(16, {0, (1ull << 40) | 0x5412, 0}) == kEperm);
    CHECK(call(16, {0, 0x5401, 0}) == SECCOMP_RET_ALLOW);  // TCGETS
    CHECK(call(272, {0}) == SECCOMP_RET_ALLOW);            // unshare(0)
    CHECK(call(272, {0x400}) == SECCOMP_RET_ALLOW);        // unshare(CLONE_FILES)
    CHECK(call(272, {0x10000000}) == kEperm);              // CLONE_NEWUSER
    CHECK(call(272, {0x80}) == kEperm);                    // CLONE_NEWTIME
    CHECK(call(56, {0x80 | 17}) == SECCOMP_RET_ALLOW);     // clone: 0x80 is in the signal byte
    CHECK(call(56, {0x40000000 | 17}) == kEperm);          // clone(CLONE_NEWNET)
}
