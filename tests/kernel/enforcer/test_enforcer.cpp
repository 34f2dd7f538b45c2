// The real enforcer, oci-sandbox-enforce (OSH_ENFORCER, from meson), against
// the real kernel: order of operations, failure modes under fault injection
// (an OUTER seccomp filter installed in the child before the enforcer runs),
// exit codes, events, a busybox-static chroot with no libc, and the plan
// format (seal, version, warm compile); `oci-sandbox-hook exec`
// (OSH_HOOK_BINARY) runs the same code, and `probe` lives there.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "../landlock/child.hpp"
#include "plan/compile.hpp"
#include "plan/plan.hpp"
#include "seccomp/compile.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

using namespace osh;
using osh::test::in_child;
using osh::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string g_enforcer;  // oci-sandbox-enforce, the enforcer under test
std::string g_hook;      // oci-sandbox-hook (its `exec` and `probe`)
// A copy of this test binary, re-executed as a workload, in a directory every
// user can enter: the unprivileged workload cannot exec it from a checkout
// under a directory such as /root.
std::string g_self;
std::string g_self_dir;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The spec edit's key the test plans carry (the enforcer's --key).
const std::string kKey(32, 'e');

bool contains(const std::string& hay, std::string_view needle) {
    return hay.find(needle) != std::string::npos;
}

// A realistic plan: the default seccomp profile compiled through plan::compile,
// the host's system directories read-only, `work` read-write. A merged-/usr
// host's /bin, /lib, /lib64 are symlinks into /usr, which a rule refuses.
plan::Plan make_plan(const std::string& work, failure::Modes modes = {}) {
    policy::EffectivePolicy eff;
    eff.source.failure = modes;
    for (const char* ro : {"/usr", "/bin", "/lib", "/lib64", "/etc"}) {
        struct stat st {};
        if (lstat(ro, &st) == 0 && S_ISDIR(st.st_mode))
            eff.rules.push_back({ro, landlock::kReadOnly, "test", false});
    }
    eff.rules.push_back({g_self_dir, landlock::kReadOnly, "test binary", false});
    eff.rules.push_back({work, landlock::kReadWrite, "test work dir", false});
    eff.rules.push_back({"/dev/null", landlock::kReadWrite, "test", false});
    plan::CompileOptions opts;
    opts.bpf_cache_dir = "";
    opts.container_id = "test-container";
    opts.edit_key = kKey;
    auto p = plan::compile(eff, opts);
    REQUIRE(p);
    const bool seccomp_wanted = failure::should_attempt(modes, failure::Kind::seccomp_compile) &&
                                failure::should_attempt(modes, failure::Kind::seccomp_enforce);
    REQUIRE(p->seccomp_bpf.insns.empty() == !seccomp_wanted);
    return *p;
}

void write_plan_to(const std::string& dir, const plan::Plan& p) {
    fs::create_directories(dir);
    UniqueFd d(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(d);
    auto r = plan::write_plan(d.get(), p);
    REQUIRE(r);
}

enum class Fault { none, landlock_enosys, seccomp_einval, nnp_eperm };

// The outer sandbox, as gVisor or a strict container profile would be: a
// seccomp filter that answers (or, with `kill`, punishes) one step's syscalls.
// As root CAP_SYS_ADMIN allows loading it without no_new_privs, which must
// stay unset for the no_new_privs step to be tested.
bool install_fault(Fault f, bool kill) {
    if (f == Fault::none) return true;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return false;
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    auto act = [kill](int e) { return kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(uint32_t(e)); };
    int rc = 0;
    switch (f) {
        case Fault::landlock_enosys:
            rc |= seccomp_rule_add(ctx, act(ENOSYS), SCMP_SYS(landlock_create_ruleset), 0);
            break;
        case Fault::seccomp_einval:
            rc |= seccomp_rule_add(ctx, act(EINVAL), SCMP_SYS(seccomp), 0);
            rc |= seccomp_rule_add(ctx, act(EINVAL), SCMP_SYS(prctl), 1,
                                   SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP));
            break;
        case Fault::nnp_eperm:
            rc |= seccomp_rule_add(ctx, act(EPERM), SCMP_SYS(prctl), 1,
                                   SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS));
            break;
        case Fault::none:
            break;
    }
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc == 0;
}

struct Run {
    int status = -1;
    std::string err;  // the enforcer's (and workload's) stderr
};

// execv of args[0] with `args` (in a child: returns only on failure).
int exec_args(std::vector<std::string> args) {
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(cargs[0], cargs.data());
    return 92;
}

// Runs `ENFORCER exec --plan DIR -- argv...` in a forked child, after the fault.
Run run_exec(const TempDir& t, const std::string& plan_dir, const std::vector<std::string>& argv,
             Fault fault = Fault::none, bool kill = false, const std::string& binary = g_enforcer) {
    std::string errfile = t / "stderr";
    unlink(errfile.c_str());
    Run r;
    r.status = in_child([&] {
        int fd = open(errfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || dup2(fd, 2) < 0) return 90;
        if (!install_fault(fault, kill)) return 91;
        std::vector<std::string> args = {binary, "exec", "--plan", plan_dir, "--key", kKey, "--"};
        args.insert(args.end(), argv.begin(), argv.end());
        return exec_args(std::move(args));
    });
    r.err = slurp(errfile);
    return r;
}

// A plan body with the seal the hook writes after it, so a test's edit is
// judged by the parser rather than refused by the checksum.
std::string sealed(const std::string& body) {
    return body + "sha256:" + sha256::hex_digest(body) + "\n";
}

}  // namespace

// ---------------------------------------------------------------- plan format

TEST_CASE("plan: round trip, seal, version, unknown fields") {
    TempDir t;
    plan::Plan p = make_plan(t.path());
    p.bind_tcp = std::vector<uint16_t>{8080};
    p.scopes = {landlock::Scope::signal};
    p.run_as_uid = 1000;
    p.failure.kinds[failure::Kind::landlock_unavailable] = failure::Mode::warn;
    p.degraded.push_back({failure::Kind::gpu_detection, "x"});
    p.landlock_rules.push_back({"/dev/nvidia0", landlock::kReadWrite, true});
    std::string bytes = plan::serialize(p);
    auto back = plan::parse(bytes, "mem");
    REQUIRE(back);
    CHECK(plan::serialize(*back) == bytes);
    CHECK(back->landlock_rules.back().gpu_device);
    CHECK(seccomp::serialize(back->seccomp_bpf) == seccomp::serialize(p.seccomp_bpf));
    CHECK(back->run_as_uid == 1000u);
    CHECK_FALSE(back->run_as_gid.has_value());
    CHECK(back->failure.of(failure::Kind::landlock_unavailable) == failure::Mode::warn);

    std::string tampered = bytes;
    tampered[bytes.find("read_file")] = 'R';
    auto bad = plan::parse(tampered, "mem");
    REQUIRE_FALSE(bad);
    CHECK(contains(bad.error().message, "checksum mismatch"));
    CHECK_FALSE(plan::parse(bytes.substr(0, bytes.size() / 2), "mem"));
    CHECK_FALSE(plan::parse("", "mem"));

    std::string body = bytes.substr(0, bytes.rfind("sha256:"));
    std::string v2 = body;
    v2.replace(v2.find("\"version\":2"), 11, "\"version\":3");
    auto r2 = plan::parse(sealed(v2), "mem");
    REQUIRE_FALSE(r2);
    CHECK(contains(r2.error().message, "unsupported plan version 3"));
    std::string extra = body;
    extra.insert(1, "\"surprise\":true,");
    auto r3 = plan::parse(sealed(extra), "mem");
    REQUIRE_FALSE(r3);
    CHECK(contains(r3.error().message, "unknown field \"surprise\""));

    // The checked parse: a duplicate (the first would be read, a later one
    // ignored), a lone surrogate escape, deep nesting; each correctly sealed.
    std::string dup = body;
    dup.insert(1, "\"version\":1,");
    auto r4 = plan::parse(sealed(dup), "mem");
    REQUIRE_FALSE(r4);
    CHECK(contains(r4.error().message, "mem: /version: duplicate member \"version\""));
    std::string lone = body;
    lone.replace(lone.find("\"container_id\":\"test-container\""), 31, "\"container_id\":\"test\\udc00\"");
    auto r5 = plan::parse(sealed(lone), "mem");
    REQUIRE_FALSE(r5);
    CHECK(contains(r5.error().message, "mem: /container_id: the escape \\udc00 is a lone UTF-16 surrogate"));
    auto r6 = plan::parse(sealed("{\"x\":" + std::string(200000, '[') + "\n"), "mem");
    REQUIRE_FALSE(r6);
    CHECK(contains(r6.error().message, "nested deeper than 64"));

    // The plan's audit_arch is the filter's own: one that differs is refused.
    REQUIRE_FALSE(p.seccomp_bpf.insns.empty());
    const std::string arch = "\"audit_arch\":" + std::to_string(p.seccomp_bpf.audit_arch);
    REQUIRE(body.find(arch) != std::string::npos);
    std::string other = body;
    other.replace(other.find(arch), arch.size(),
                  "\"audit_arch\":" + std::to_string(AUDIT_ARCH_AARCH64));
    auto r7 = plan::parse(sealed(other), "mem");
    REQUIRE_FALSE(r7);
    CHECK(contains(r7.error().message,
                   "mem: /seccomp/audit_arch: not the architecture the filter was built for"));
}

TEST_CASE("plan: a bad field of a Landlock rule is named by its JSON Pointer") {
    TempDir t;
    plan::Plan p = make_plan(t.path());
    p.landlock_rules.clear();
    p.landlock_rules.push_back({"/usr", landlock::kReadOnly, false});
    p.landlock_rules.push_back({"/dev/nvidia0", landlock::kReadWrite, true});
    std::string bytes = plan::serialize(p);
    const std::string body = bytes.substr(0, bytes.rfind("sha256:"));
    auto edited = [&](std::string_view from, std::string_view to) {
        std::string b = body;
        const size_t at = b.find(from);
        REQUIRE(at != std::string::npos);
        b.replace(at, from.size(), to);
        return plan::parse(sealed(b), "mem");
    };
    // The second rule's third access word, unknown.
    const size_t rule1 = body.find("\"path\":\"/dev/nvidia0\"");
    REQUIRE(rule1 != std::string::npos);
    const size_t words = body.find("\"access\":[", rule1);
    const size_t third = body.find(',', body.find(',', words) + 1) + 1;
    std::string b = body;
    b.insert(third + 1, "x");
    auto r1 = plan::parse(sealed(b), "mem");
    REQUIRE_FALSE(r1);
    CHECK(contains(r1.error().message, "mem: /landlock/rules/1/access/2: unknown value \"x"));
    auto r2 = edited("\"path\":\"/usr\"", "\"path\":\"/usr/\"");
    REQUIRE_FALSE(r2);
    CHECK(contains(r2.error().message,
                   "mem: /landlock/rules/0/path: not a normalised absolute path"));
    auto r3 = edited("\"gpu_device\":true", "\"gpu_device\":1");
    REQUIRE_FALSE(r3);
    CHECK(contains(r3.error().message,
                   "mem: /landlock/rules/1/gpu_device: expected true or false"));
    auto r4 = edited("\"path\":\"/usr\"", "\"path\":7");
    REQUIRE_FALSE(r4);
    CHECK(contains(r4.error().message, "mem: /landlock/rules/0/path: expected a string"));
    auto r5 = edited("\"access\":[", "\"access\":[7,");
    REQUIRE_FALSE(r5);
    CHECK(contains(r5.error().message, "mem: /landlock/rules/0/access/0: expected one of:"));
}

TEST_CASE("plan: a run_as_user named without a group runs with the primary gid the hook resolved") {
    policy::EffectivePolicy eff;
    eff.source.seccomp.profile = seccomp::Profile::none;
    eff.source.process.run_as_user = policy::IdSpec{std::string("svc")};
    plan::CompileOptions opts;
    opts.bpf_cache_dir = "";
    opts.edit_key = kKey;
    opts.run_as_uid = 1000;
    opts.run_as_gid = 1000;  // svc's primary group in the image's /etc/passwd
    auto p = plan::compile(eff, opts);
    REQUIRE(p);
    CHECK(p->run_as_uid == 1000u);
    CHECK(p->run_as_gid == 1000u);  // never the runtime's gid (root's group in most specs)

    opts.run_as_gid.reset();  // a numeric run_as_user: no group known
    eff.source.process.run_as_user = policy::IdSpec{1000u};
    auto q = plan::compile(eff, opts);
    REQUIRE(q);
    CHECK_FALSE(q->run_as_gid.has_value());
}

TEST_CASE(
    "plan compile: warm compile does no libseccomp work; skip and profile none compile nothing") {
    TempDir t;
    policy::EffectivePolicy eff;
    eff.rules.push_back({"/usr", landlock::kReadOnly, "test", false});
    plan::CompileOptions opts;
    opts.bpf_cache_dir = t / "cache";
    fs::create_directories(opts.bpf_cache_dir);
    uint64_t before = seccomp::compile_count();
    auto cold = plan::compile(eff, opts);
    REQUIRE(cold);
    CHECK(seccomp::compile_count() > before);
    uint64_t after_cold = seccomp::compile_count();
    auto warm = plan::compile(eff, opts);
    REQUIRE(warm);
    CHECK(seccomp::compile_count() == after_cold);
    CHECK(seccomp::serialize(warm->seccomp_bpf) == seccomp::serialize(cold->seccomp_bpf));

    policy::EffectivePolicy none = eff;
    none.source.seccomp.profile = seccomp::Profile::none;
    auto pn = plan::compile(none, opts);
    REQUIRE(pn);
    CHECK(pn->seccomp_bpf.insns.empty());
    CHECK(seccomp::compile_count() == after_cold);

    policy::EffectivePolicy skip = eff;
    skip.source.failure.kinds[failure::Kind::seccomp_compile] = failure::Mode::skip;
    auto ps = plan::compile(skip, opts);
    REQUIRE(ps);
    CHECK(ps->seccomp_bpf.insns.empty());
    REQUIRE(ps->degraded.size() == 1);
    CHECK(ps->degraded[0].kind == failure::Kind::seccomp_compile);

    policy::EffectivePolicy named = eff;
    named.source.process.run_as_user = std::string("app");
    auto unresolved = plan::compile(named, opts);
    REQUIRE_FALSE(unresolved);
    CHECK(unresolved.error().kind == failure::Kind::privilege_drop);
    CHECK(
        contains(unresolved.error().error.message, "process.run_as_user \"app\" was not resolved"));
    opts.run_as_uid = 1234;
    auto resolved = plan::compile(named, opts);
    REQUIRE(resolved);
    CHECK(resolved->run_as_uid == 1234u);

    // A strict compile failure is typed seccomp_compile; under warn it is a degradation.
    policy::EffectivePolicy misspelt = eff;
    misspelt.source.seccomp.deny = {"no_such_call_osh"};
    auto refused = plan::compile(misspelt, opts);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == failure::Kind::seccomp_compile);
    CHECK(contains(refused.error().error.message, "no_such_call_osh"));
    misspelt.source.failure.kinds[failure::Kind::seccomp_compile] = failure::Mode::warn;
    auto degraded = plan::compile(misspelt, opts);
    REQUIRE(degraded);
    REQUIRE(degraded->degraded.size() == 1);
    CHECK(degraded->degraded[0].kind == failure::Kind::seccomp_compile);
}

// ---------------------------------------------------------------- enforcer

TEST_CASE(
    "exec: fully enforced workload sees Landlock, seccomp, no_new_privs; stderr stays clean") {
    for (bool unpriv : {false, true}) {
        CAPTURE(unpriv);
        TempDir t;
        std::string work = t / "work";
        fs::create_directories(work);
        chmod(work.c_str(), 0777);
        plan::Plan p = make_plan(work);
        p.exec_log_path = work + "/exec.log";
        if (unpriv) p.run_as_uid = p.run_as_gid = 65534;
        write_plan_to(t / "plan", p);
        Run r = run_exec(t, t / "plan", {g_self, "--workload-check", work, unpriv ? "65534" : "0"});
        CHECK(r.status == 0);
        CHECK(r.err.empty());
        std::string log = slurp(work + "/exec.log");
        CHECK(contains(log, "\"status\":\"fully_enforced\""));
        CHECK(contains(log, "\"container_id\":\"test-container\""));
    }
}

TEST_CASE("oci-sandbox-hook exec runs the same enforcer: fully enforced, its exit codes") {
    TempDir t;
    std::string work = t / "work";
    fs::create_directories(work);
    chmod(work.c_str(), 0777);
    plan::Plan p = make_plan(work);
    p.exec_log_path = work + "/exec.log";
    p.run_as_uid = p.run_as_gid = 65534;
    write_plan_to(t / "plan", p);
    Run r = run_exec(t, t / "plan", {g_self, "--workload-check", work, "65534"}, Fault::none, false,
                     g_hook);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(contains(slurp(work + "/exec.log"), "\"status\":\"fully_enforced\""));
    CHECK(run_exec(t, t / "no-plan", {"/bin/true"}, Fault::none, false, g_hook).status == 125);
    write_plan_to(t / "plan-root", make_plan(work));
    CHECK(
        run_exec(t, t / "plan-root", {"no-such-command-osh"}, Fault::none, false, g_hook).status ==
        127);
}

TEST_CASE("exec: the event's time never loads a time zone (TZ and /etc/localtime are the image's)") {
    // In a container the environment and /etc/localtime come from the image;
    // glibc's strftime would open whatever TZ names. Watch a TZ file for opens.
    TempDir t;
    std::string work = t / "work";
    fs::create_directories(work);
    const std::string zone = work + "/zone";  // where the sandbox lets it be read
    { std::ofstream(zone) << "TZif"; }
    UniqueFd watch(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    REQUIRE(watch);
    REQUIRE(inotify_add_watch(watch.get(), zone.c_str(), IN_OPEN | IN_ACCESS) >= 0);
    plan::Plan p = make_plan(work);
    p.exec_log_path = work + "/exec.log";
    write_plan_to(t / "plan", p);
    ::setenv("TZ", zone.c_str(), 1);
    Run r = run_exec(t, t / "plan", {"/bin/true"});
    ::unsetenv("TZ");
    CHECK(r.status == 0);
    CHECK(contains(slurp(work + "/exec.log"), "\"status\":\"fully_enforced\""));
    char buf[4096];
    const ssize_t n = read(watch.get(), buf, sizeof buf);
    CHECK_MESSAGE(n < 0, "the enforcer opened the file TZ named");
    CHECK(errno == EAGAIN);
}

TEST_CASE("oci-sandbox-enforce: usage, --version, and no command is a refusal") {
    TempDir t;
    auto run = [&](std::vector<std::string> args) {
        std::string out = t / "out";
        Run r;
        r.status = in_child([&] {
            int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) return 90;
            args.insert(args.begin(), g_enforcer);
            return exec_args(std::move(args));
        });
        r.err = slurp(out);
        return r;
    };
    Run version = run({"--version"});
    CHECK(version.status == 0);
    CHECK(contains(version.err, "oci-sandbox-enforce "));
    Run help = run({"--help"});
    CHECK(help.status == 0);
    CHECK(contains(help.err, "usage: oci-sandbox-enforce exec"));
    Run none = run({"exec", "--key", kKey, "--"});
    CHECK(none.status == 125);
    CHECK(contains(none.err, "usage: oci-sandbox-enforce exec"));
    CHECK(run({}).status == 125);
}

TEST_CASE("exec: exit codes 125 (plan missing / tampered), 126, 127, and the command's own") {
    TempDir t;
    std::string work = t / "work";
    fs::create_directories(work);
    write_plan_to(t / "plan", make_plan(work));

    Run missing = run_exec(t, t / "no-plan", {"/bin/true"});
    CHECK(missing.status == 125);
    CHECK(contains(missing.err, "plan_missing"));

    std::string tampered_dir = t / "tampered";
    fs::create_directories(tampered_dir);
    std::string text = slurp(t / "plan/plan.json");
    text[text.find("execute")] = 'X';
    std::ofstream(tampered_dir + "/plan.json") << text;
    Run tampered = run_exec(t, tampered_dir, {"/bin/true"});
    CHECK(tampered.status == 125);
    CHECK(contains(tampered.err, "checksum mismatch"));

    CHECK(run_exec(t, t / "plan", {"no-such-command-osh"}).status == 127);
    std::string noexec = work + "/script";
    std::ofstream(noexec) << "#!/bin/sh\n";
    chmod(noexec.c_str(), 0644);
    CHECK(run_exec(t, t / "plan", {noexec}).status == 126);
    // The command's own exit status comes back unchanged.
    CHECK(run_exec(t, t / "plan", {"sh", "-c", "exit 7"}).status == 7);
    // The seccomp filter is loaded after the enforcer's own setup, so the
    // PATH search still works under it.
    CHECK(run_exec(t, t / "plan", {"true"}).status == 0);
}

namespace {

struct FaultCase {
    Fault fault;
    failure::Kind kind;
    const char* errno_text;
};

}  // namespace

TEST_CASE("fault injection: strict refuses (125), warn runs and reports, skip never tries") {
    const FaultCase cases[] = {
        {Fault::landlock_enosys, failure::Kind::landlock_unavailable, "errno 38"},
        {Fault::seccomp_einval, failure::Kind::seccomp_enforce, "errno 22"},
        {Fault::nnp_eperm, failure::Kind::no_new_privs, "errno 1"},
    };
    for (const auto& c : cases) {
        std::string kind(failure::name(c.kind));
        CAPTURE(kind);
        TempDir t;
        std::string work = t / "work";
        fs::create_directories(work);
        std::string marker = work + "/ran";
        std::vector<std::string> workload = {"/bin/sh", "-c", "echo ran > " + marker};
        for (auto mode : {failure::Mode::strict, failure::Mode::warn, failure::Mode::skip}) {
            std::string mode_name(failure::name(mode));
            CAPTURE(mode_name);
            unlink(marker.c_str());
            failure::Modes modes;
            modes.kinds[c.kind] = mode;
            std::string dir = t / ("plan-" + mode_name);
            write_plan_to(dir, make_plan(work, modes));
            // Under skip the fault KILLS the process: reaching the syscall at
            // all would show.
            Run r = run_exec(t, dir, workload, c.fault, mode == failure::Mode::skip);
            switch (mode) {
                case failure::Mode::strict:
                    CHECK(r.status == 125);
                    CHECK(access(marker.c_str(), F_OK) != 0);
                    CHECK(contains(r.err, "oci-sandbox-hook exec: " + kind + " (strict)"));
                    CHECK(contains(r.err, c.errno_text));
                    CHECK(contains(r.err, "; fix: "));
                    CHECK(contains(r.err, "\"decision\":\"abort\""));
                    break;
                case failure::Mode::warn:
                    CHECK(r.status == 0);
                    CHECK(access(marker.c_str(), F_OK) == 0);
                    CHECK(contains(r.err, "\"level\":\"warning\""));
                    CHECK(contains(r.err, "\"kind\":\"" + kind +
                                              "\",\"mode\":\"warn\",\"decision\":\"continue\""));
                    CHECK(contains(r.err, "\"status\":\"partially_enforced\""));
                    break;
                case failure::Mode::skip:
                    CHECK(r.status == 0);
                    CHECK(access(marker.c_str(), F_OK) == 0);
                    CHECK(contains(r.err, "\"kind\":\"" + kind +
                                              "\",\"mode\":\"skip\",\"decision\":\"skipped\""));
                    CHECK(contains(r.err, "\"status\":\"partially_enforced\""));
                    break;
            }
        }
    }
}

TEST_CASE("exec: Landlock and seccomp both unavailable under warn is reported as not_enforced") {
    TempDir t;
    std::string work = t / "work";
    fs::create_directories(work);
    failure::Modes modes;
    modes.default_mode = failure::Mode::warn;
    write_plan_to(t / "plan", make_plan(work, modes));
    // Both faults at once: a child-of-child so two filters stack.
    std::string errfile = t / "stderr";
    int status = in_child([&] {
        int fd = open(errfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || dup2(fd, 2) < 0) return 90;
        if (!install_fault(Fault::landlock_enosys, false) ||
            !install_fault(Fault::seccomp_einval, false))
            return 91;
        std::string plan_dir = t / "plan";
        execl(g_enforcer.c_str(), g_enforcer.c_str(), "exec", "--plan", plan_dir.c_str(), "--key",
              kKey.c_str(), "--", "/bin/true", nullptr);
        return 92;
    });
    CHECK(status == 0);
    std::string err = slurp(errfile);
    CHECK(contains(err, "\"status\":\"not_enforced\""));
    CHECK(contains(err, "\"level\":\"error\""));
}

TEST_CASE("exec: landlock_path (a rule's path missing) per mode") {
    TempDir t;
    std::string work = t / "work";
    fs::create_directories(work);
    for (auto mode : {failure::Mode::strict, failure::Mode::warn}) {
        failure::Modes modes;
        modes.kinds[failure::Kind::landlock_path] = mode;
        plan::Plan p = make_plan(work, modes);
        p.landlock_rules.push_back({work + "/missing", landlock::kReadOnly, false});
        std::string dir = t / ("plan-" + std::string(failure::name(mode)));
        write_plan_to(dir, p);
        Run r = run_exec(t, dir, {"/bin/true"});
        if (mode == failure::Mode::strict) {
            CHECK(r.status == 125);
            CHECK(contains(r.err, "landlock_path (strict)"));
            CHECK(contains(r.err, "errno 2"));
        } else {
            CHECK(r.status == 0);
            CHECK(contains(r.err, "\"kind\":\"landlock_path\""));
            CHECK(contains(r.err, "missing"));
        }
    }
}

TEST_CASE("exec in a busybox-static chroot with no libc, switching to uid 65534") {
#if defined(__SANITIZE_ADDRESS__)
    // ASan cannot link statically: this build's binary needs the host's libc.
    MESSAGE("sanitizer build: the binary is dynamic, so the no-libc chroot case is not run");
    return;
#endif
    if (access("/bin/busybox", X_OK) != 0) {
        MESSAGE("busybox-static not installed: chroot case not run");
        CHECK(false);
        return;
    }
    TempDir t;
    std::string root = t / "root";
    for (const char* d : {"/bin", "/tmp", "/.oci-sandbox/bin", "/.oci-sandbox/plan"})
        fs::create_directories(root + d);
    chmod((root + "/tmp").c_str(), 01777);
    fs::copy_file("/bin/busybox", root + "/bin/busybox");
    for (const char* applet : {"sh", "echo", "id", "cat"})
        fs::create_symlink("busybox", root + "/bin/" + applet);
    fs::copy_file(g_enforcer, root + "/.oci-sandbox/bin/oci-sandbox-hook");
    chmod((root + "/.oci-sandbox/bin/oci-sandbox-hook").c_str(), 0755);
    REQUIRE(access((root + "/lib").c_str(), F_OK) != 0);  // no libc anywhere in this root

    policy::EffectivePolicy eff;
    eff.rules.push_back({"/bin", landlock::kReadOnly, "image", false});
    eff.rules.push_back({"/.oci-sandbox", landlock::kReadOnly, "plan", false});
    eff.rules.push_back({"/tmp", landlock::kReadWrite, "image", false});
    plan::CompileOptions opts;
    opts.bpf_cache_dir = "";
    opts.edit_key = kKey;
    auto p = plan::compile(eff, opts);
    REQUIRE(p);
    p->run_as_uid = p->run_as_gid = 65534;
    write_plan_to(root + "/.oci-sandbox/plan", *p);

    auto run_in_root = [&](std::vector<std::string> cmd) {
        return in_child([&] {
            if (chroot(root.c_str()) != 0 || chdir("/") != 0) return 90;
            setenv("PATH", "/bin", 1);
            std::vector<std::string> args = {"/.oci-sandbox/bin/oci-sandbox-hook", "exec", "--key",
                                             kKey, "--"};
            args.insert(args.end(), cmd.begin(), cmd.end());
            std::vector<char*> cargs;
            for (auto& a : args) cargs.push_back(a.data());
            cargs.push_back(nullptr);
            execv(cargs[0], cargs.data());
            return 91;
        });
    };
    CHECK(run_in_root({"sh", "-c", "echo hello > /tmp/out && id -u >> /tmp/out"}) == 0);
    CHECK(slurp(root + "/tmp/out") == "hello\n65534\n");
    // The read-only parts of the image stay read-only.
    CHECK(run_in_root({"sh", "-c", "echo x > /bin/new"}) != 0);
    CHECK(run_in_root({"nope"}) == 127);
}

TEST_CASE("probe: JSON report, and Landlock blocked by an outer filter is reported as such") {
    TempDir t;
    auto probe = [&](bool block) {
        std::string outfile = t / "probe.out";
        int rc = in_child([&] {
            int fd = open(outfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0 || dup2(fd, 1) < 0) return 90;
            if (block) {
                scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
                if (!ctx ||
                    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(landlock_create_ruleset),
                                     0) != 0 ||
                    seccomp_load(ctx) != 0)
                    return 91;
            }
            execl(g_hook.c_str(), g_hook.c_str(), "probe", "--format", "json", nullptr);
            return 92;
        });
        CHECK(rc == 0);
        return slurp(outfile);
    };
    std::string open_kernel = probe(false);
    CHECK(contains(open_kernel, "\"landlock\":{\"status\":\"available\""));
    CHECK(contains(open_kernel, "\"kill_process\":true"));
    CHECK(contains(open_kernel, "\"current_mode\":\"none\""));
    CHECK(contains(open_kernel, "\"libseccomp\":\"2."));
    std::string blocked = probe(true);
    CHECK(contains(blocked, "\"status\":\"blocked\""));
    CHECK(contains(blocked, "\"errno\":1"));
    CHECK(contains(blocked, "\"current_mode\":\"filter\""));
}

// Re-executed by the enforcer as a workload: checks what the sandbox looks like
// from inside. Exit 0 when everything is as the plan says.
int workload_check(const std::string& work, uid_t want_uid) {
    if (getuid() != want_uid || geteuid() != want_uid) return 10;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return 11;
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2) return 12;  // a filter is loaded
    // seccomp default profile: ptrace denied with EPERM.
    errno = 0;
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != -1 || errno != EPERM) return 13;
    // memfd_create stays allowed (GPU runtimes need it).
    int m = memfd_create("osh", MFD_CLOEXEC);
    if (m < 0) return 14;
    close(m);
    // Landlock: the work dir is writable, /etc is not (even for root).
    int fd = open((work + "/w").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return 15;
    close(fd);
    if (open("/etc/osh-should-not-exist", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0 ||
        errno != EACCES)
        return 16;
    return 0;
}

#if defined(__SANITIZE_ADDRESS__)
// The workload exits inside the Landlock domain, where LeakSanitizer cannot
// read /proc/PID/task and reports a fatal error instead of leaks (the enforcer
// clears the environment, so ASAN_OPTIONS does not reach it).
static bool g_workload = false;
extern "C" int __lsan_is_turned_off() { return g_workload ? 1 : 0; }
#endif

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--workload-check") {
#if defined(__SANITIZE_ADDRESS__)
        g_workload = true;
#endif
        return workload_check(argv[2], static_cast<uid_t>(std::stoul(argv[3])));
    }
    doctest::Context ctx(argc, argv);
    osh::test::require_root_or_skip("kernel-enforcer");
    for (auto [var, out] :
         {std::pair{"OSH_ENFORCER", &g_enforcer}, std::pair{"OSH_HOOK_BINARY", &g_hook}}) {
        const char* v = getenv(var);
        if (!v || access(v, X_OK) != 0) {
            printf("kernel-enforcer: %s not set or not executable (meson test sets it)\n", var);
            return 1;
        }
        *out = v;
    }
    // The workload copy, where uid 65534 can reach it.
    TempDir self_dir;
    g_self_dir = self_dir.path();
    g_self = self_dir / "test_enforcer";
    fs::copy_file("/proc/self/exe", g_self);
    chmod(g_self.c_str(), 0755);
    return ctx.run();
}
