#include "seccomp/compile.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/sha256.hpp"

namespace osh::seccomp {
namespace {

std::atomic<uint64_t> g_compiles{0};

struct CtxDeleter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

// libseccomp returns -errno.
Unexpected<Error> fail_rc(std::string what, int rc) {
    return fail_errno("libseccomp: " + what, -rc);
}

uint32_t deny_action(policy::SeccompAction a) {
    switch (a) {
        case policy::SeccompAction::errno_:
            return SCMP_ACT_ERRNO(EPERM);
        case policy::SeccompAction::kill:
            return SCMP_ACT_KILL_PROCESS;
        case policy::SeccompAction::log:
            return SCMP_ACT_LOG;
    }
    return SCMP_ACT_ERRNO(EPERM);
}

std::string arch_name(uint32_t arch) {
    switch (arch) {
        case AUDIT_ARCH_X86_64:
            return "x86_64";
        case AUDIT_ARCH_I386:
            return "x86";
        case AUDIT_ARCH_AARCH64:
            return "aarch64";
        default: {
            char buf[16];
            std::snprintf(buf, sizeof buf, "0x%08x", arch);
            return buf;
        }
    }
}

bool resolves(uint32_t arch, const std::string& name) {
    return seccomp_syscall_resolve_name_arch(arch, name.c_str()) != __NR_SCMP_ERROR;
}

// A name libseccomp knows for `arch`, or one the profile knows by number.
bool known(uint32_t arch, const std::string& name) {
    return resolves(arch, name) || profile_number(name) != 0;
}

// An empty filter (default allow) with our attributes, for `arch` alone.
Result<Ctx> new_ctx(uint32_t arch, uint32_t action) {
    Ctx ctx(seccomp_init(SCMP_ACT_ALLOW));
    if (!ctx) return fail_errno("libseccomp: seccomp_init", ENOMEM);
    int rc = 0;
    // Calls from any other ABI (x32, i386 unless allowed, anything else) get the deny action.
    if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, action)) != 0)
        return fail_rc("set bad-arch action", rc);
    if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2)) != 0)
        return fail_rc("set binary-tree optimisation", rc);
    const uint32_t native = seccomp_arch_native();
    if (arch != native) {
        if ((rc = seccomp_arch_add(ctx.get(), arch)) != 0)
            return fail_rc("add arch " + arch_name(arch), rc);
        if ((rc = seccomp_arch_remove(ctx.get(), native)) != 0)
            return fail_rc("remove native arch", rc);
    }
    return Ctx(std::move(ctx));
}

// Adds the rules to a one-arch filter. Numbers are given as the host's;
// libseccomp translates them by name for another arch. A profile name the
// arch lacks is skipped. A call libseccomp does not know (ProfileEntry::number)
// can be added only to a filter for the host's own arch: libseccomp 2.5.4 has
// no name to translate it by.
Result<void> add_rules(void* ctx, uint32_t arch, uint32_t action, const std::vector<Rule>& rules) {
    for (const auto& r : rules) {
        int nr = __NR_SCMP_ERROR;
        if (resolves(arch, r.syscall)) {
            nr = seccomp_syscall_resolve_name(r.syscall.c_str());
        } else if (r.number != 0 && arch == seccomp_arch_native()) {
            nr = r.number;
        }
        if (nr == __NR_SCMP_ERROR) continue;
        std::vector<scmp_arg_cmp> cmps;
        for (const auto& c : r.conds) {
            if (c.op == CondOp::ne) {
                cmps.push_back(SCMP_CMP(c.arg, SCMP_CMP_NE, c.value));
            } else {
                cmps.push_back(SCMP_CMP(c.arg, SCMP_CMP_MASKED_EQ, c.mask, c.value));
            }
        }
        const uint32_t act = r.errno_override != 0
                                 ? SCMP_ACT_ERRNO(static_cast<uint32_t>(r.errno_override))
                                 : action;
        const int rc =
            seccomp_rule_add_array(ctx, act, nr, static_cast<unsigned>(cmps.size()), cmps.data());
        if (rc != 0) return fail_rc("add rule for " + r.syscall, rc);
    }
    return {};
}

// Builds the libseccomp filter for `spec` (rules already resolved).
Result<Ctx> build(const FilterSpec& spec, const std::vector<Rule>& rules) {
    const uint32_t arch = effective_arch(spec.audit_arch);
    const uint32_t action = deny_action(spec.policy.action);
    // Names the policy and the vendors give must exist on the target arch:
    // a typo must not silently leave a call allowed (or a relaxation unused).
    auto check = [&](const std::string& name, std::string_view where) -> Result<void> {
        if (!known(arch, name)) {
            return fail("unknown syscall name \"" + name + "\" in " + std::string(where) +
                        " (for architecture " + arch_name(arch) + ")");
        }
        return {};
    };
    for (const auto& n : spec.policy.deny)
        if (auto r = check(n, "seccomp.deny"); !r) return unexpected(r.error());
    for (const auto& n : spec.policy.allow)
        if (auto r = check(n, "seccomp.allow"); !r) return unexpected(r.error());
    for (const auto& n : spec.relaxations)
        if (auto r = check(n, "a vendor relaxation"); !r) return unexpected(r.error());

    auto ctx = new_ctx(arch, action);
    if (!ctx) return unexpected(ctx.error());
    if (auto r = add_rules(ctx->get(), arch, action, rules); !r) return unexpected(r.error());
    if (spec.policy.allow_i386 && arch == AUDIT_ARCH_X86_64) {
        // Built apart and merged, so the x86_64 part keeps the rules known
        // only by number (libseccomp refuses them in a two-arch filter).
        auto x86 = new_ctx(AUDIT_ARCH_I386, action);
        if (!x86) return unexpected(x86.error());
        if (auto r = add_rules(x86->get(), AUDIT_ARCH_I386, action, rules); !r)
            return unexpected(r.error());
        if (int rc = seccomp_merge(ctx->get(), x86->get()); rc != 0)
            return fail_rc("merge the x86 filter", rc);
        (void)x86->release();  // seccomp_merge freed it
    }
    return std::move(*ctx);
}

// Runs an export function into a memfd and reads the bytes back (2.5.4 has no
// seccomp_export_bpf_mem).
Result<std::string> export_to_string(void* ctx, int (*fn)(const scmp_filter_ctx, int),
                                     const char* what) {
    UniqueFd fd(::memfd_create("osh-seccomp-export", MFD_CLOEXEC));
    if (!fd) return fail_errno("memfd_create for seccomp export", errno);
    if (int rc = fn(ctx, fd.get()); rc != 0) return fail_rc(what, rc);
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) return fail_errno("seek seccomp export", errno);
    return file::read_fd(fd.get(), what);
}

std::string cache_name(const std::string& key) {
    return key + ".bpf";
}

// The cache directory, when it is safe to trust: owned by us and writable by
// nobody else (a planted file would become the container's filter).
UniqueFd open_cache_dir(const std::string& dir, bool create) {
    if (create) ::mkdir(dir.c_str(), 0700);  // one level; EEXIST is fine
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!dfd) return {};
    struct stat st {};
    if (::fstat(dfd.get(), &st) != 0 || st.st_uid != ::geteuid() ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return {};
    return dfd;
}

// Best effort: a missing, untrusted or unreadable cache is not an error.
std::optional<Bpf> cache_read(const std::string& dir, const std::string& key, uint32_t arch) {
    UniqueFd dfd = open_cache_dir(dir, false);
    if (!dfd) return std::nullopt;
    UniqueFd fd(::openat(dfd.get(), cache_name(key).c_str(),
                         O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd) return std::nullopt;
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
        return std::nullopt;
    auto bytes = file::read_fd(fd.get(), "seccomp cache", 1u << 20);
    if (!bytes) return std::nullopt;
    auto bpf = deserialize(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
    if (!bpf || bpf->audit_arch != arch || bpf->insns.empty()) return std::nullopt;
    return std::move(*bpf);
}

void cache_write(const std::string& dir, const std::string& key, const Bpf& bpf) {
    UniqueFd dfd = open_cache_dir(dir, true);
    if (!dfd) return;
    const auto bytes = serialize(bpf);
    (void)file::write_atomic(
        dfd.get(), cache_name(key),
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0644);
}

}  // namespace

std::string libseccomp_version() {
    const scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->micro);
}

std::string cache_key(const FilterSpec& spec) {
    sha256::Hasher h;
    h.update(canonical_source(spec));
    h.update("libseccomp " + libseccomp_version() + "\n");
    char arch[16];
    std::snprintf(arch, sizeof arch, "%08x", effective_arch(spec.audit_arch));
    h.update(std::string("arch ") + arch + "\n");
    return sha256::hex(h.finish());
}

uint64_t compile_count() {
    return g_compiles.load();
}

Result<Bpf> compile(const FilterSpec& spec, const std::string& cache_dir, CompileStats* stats) {
    CompileStats local;
    CompileStats& st = stats ? *stats : local;
    st = CompileStats{};
    const uint32_t arch = effective_arch(spec.audit_arch);
    const auto rules = resolve_rules(spec);
    if (rules.empty() && spec.policy.profile == policy::SeccompProfile::none) {
        // Profile none: nothing to validate beyond the names, no filter.
        for (const auto* names : {&spec.policy.allow, &spec.relaxations}) {
            for (const auto& n : *names) {
                if (!known(arch, n)) {
                    return fail("seccomp compile: unknown syscall name \"" + n +
                                "\" (for architecture " + arch_name(arch) + ")");
                }
            }
        }
        return Bpf{{}, arch};
    }
    std::string key;
    if (!cache_dir.empty()) {
        key = cache_key(spec);
        if (auto hit = cache_read(cache_dir, key, arch)) {
            st.cache_hit = true;
            return std::move(*hit);
        }
    }
    auto ctx = build(spec, rules);
    if (!ctx) return wrap(ctx.error(), "seccomp compile");
    auto raw = export_to_string(ctx->get(), seccomp_export_bpf, "seccomp_export_bpf");
    if (!raw) return wrap(raw.error(), "seccomp compile");
    ++g_compiles;
    ++st.libseccomp_compiles;
    if (raw->empty() || raw->size() % sizeof(sock_filter) != 0 ||
        raw->size() / sizeof(sock_filter) > BPF_MAXINSNS) {
        return fail("seccomp compile: libseccomp exported " + std::to_string(raw->size()) +
                    " bytes, not a valid BPF program");
    }
    Bpf bpf;
    bpf.audit_arch = arch;
    bpf.insns.resize(raw->size() / sizeof(sock_filter));
    std::memcpy(bpf.insns.data(), raw->data(), raw->size());
    if (!cache_dir.empty()) cache_write(cache_dir, key, bpf);
    return bpf;
}

Result<std::string> export_pfc(const FilterSpec& spec) {
    auto ctx = build(spec, resolve_rules(spec));
    if (!ctx) return wrap(ctx.error(), "seccomp export");
    return export_to_string(ctx->get(), seccomp_export_pfc, "seccomp_export_pfc");
}

}  // namespace osh::seccomp
