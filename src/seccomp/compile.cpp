#include "seccomp/compile.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "seccomp/compact.hpp"
#include "seccomp/splice.hpp"
#include "util/build_id.hpp"
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

uint32_t deny_action(seccomp::Action a) {
    switch (a) {
        case seccomp::Action::errno_:
            return SCMP_ACT_ERRNO(EPERM);
        case seccomp::Action::kill:
            return SCMP_ACT_KILL_PROCESS;
        case seccomp::Action::log:
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

// libseccomp's number for `name` on `arch`: a real one (>= 0), a pseudo number
// (< 0) for a name the arch lacks or multiplexes, or __NR_SCMP_ERROR.
int arch_number(uint32_t arch, const std::string& name) {
    return seccomp_syscall_resolve_name_arch(arch, name.c_str());
}

bool resolves(uint32_t arch, const std::string& name) {
    return arch_number(arch, name) != __NR_SCMP_ERROR;
}

// A name libseccomp knows for `arch`, or one the profile knows by number.
bool known(uint32_t arch, const std::string& name) {
    return resolves(arch, name) || profile_number(name) != 0;
}

// The architectures a filter for `spec` accepts.
std::vector<uint32_t> filter_arches(const FilterSpec& spec) {
    const uint32_t arch = effective_arch(spec.audit_arch);
    if (spec.settings.allow_i386 && arch == AUDIT_ARCH_X86_64) return {arch, AUDIT_ARCH_I386};
    return {arch};
}

// The highest call number known on `arch`: the profile's newest call, or a
// higher one the policy names (a libseccomp newer than the profile).
uint32_t highest_known(const FilterSpec& spec, uint32_t arch) {
    int top = newest_known_number();
    auto see = [&](const std::string& name) { top = std::max(top, arch_number(arch, name)); };
    for (const auto* names : {&spec.settings.allow, &spec.settings.deny, &spec.relaxations})
        for (const auto& n : *names) see(n);
    for (const auto& e : allow_list()) see(std::string(e.syscall));
    for (const auto& r : refusals()) see(std::string(r.syscall));
    return static_cast<uint32_t>(top);
}

// An empty filter for `arch` alone: `fallback` for calls no rule matches,
// the policy's action for calls from any other ABI.
Result<Ctx> new_ctx(uint32_t arch, uint32_t fallback, uint32_t action) {
    Ctx ctx(seccomp_init(fallback));
    if (!ctx) return fail_errno("libseccomp: seccomp_init", ENOMEM);
    int rc = 0;
    // Calls from any other ABI (x32, i386 unless allowed, anything else) get the action.
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

// Adds the rules to a one-arch filter, each answering `answer(rule)`. Numbers
// are given as the host's; libseccomp translates them by name for another
// arch (a name the arch lacks is skipped). A call libseccomp does not know
// (NewerCall) can be added only to a filter for the host's own arch:
// libseccomp 2.5.4 has no name to translate it by.
template <typename Answer>
Result<void> add_rules(void* ctx, uint32_t arch, const std::vector<Rule>& rules, Answer answer) {
    for (const auto& r : rules) {
        int nr = __NR_SCMP_ERROR;
        if (resolves(arch, r.syscall)) {
            nr = seccomp_syscall_resolve_name(r.syscall.c_str());
        } else if (r.number != 0 && arch == seccomp_arch_native()) {
            nr = r.number;
        }
        if (nr == __NR_SCMP_ERROR) continue;
        std::vector<scmp_arg_cmp> cmps;
        for (const auto& c : r.conds)
            cmps.push_back(SCMP_CMP(c.arg, SCMP_CMP_MASKED_EQ, c.mask, c.value));
        const int rc = seccomp_rule_add_array(ctx, answer(r), nr,
                                              static_cast<unsigned>(cmps.size()), cmps.data());
        if (rc != 0) return fail_rc("add rule for " + r.syscall, rc);
    }
    return {};
}

// One part of the filter for `spec`'s architectures: `fallback` when no rule
// matches, `answer(rule)` when one does.
template <typename Answer>
Result<Ctx> build_part(const FilterSpec& spec, uint32_t fallback, const std::vector<Rule>& rules,
                       Answer answer) {
    const uint32_t action = deny_action(spec.settings.action);
    const auto arches = filter_arches(spec);
    auto ctx = new_ctx(arches[0], fallback, action);
    if (!ctx) return unexpected(ctx.error());
    if (auto r = add_rules(ctx->get(), arches[0], rules, answer); !r) return unexpected(r.error());
    if (arches.size() > 1) {
        // Built apart and merged, so the x86_64 part keeps the rules known
        // only by number (libseccomp refuses them in a two-arch filter).
        auto x86 = new_ctx(arches[1], fallback, action);
        if (!x86) return unexpected(x86.error());
        if (auto r = add_rules(x86->get(), arches[1], rules, answer); !r)
            return unexpected(r.error());
        if (int rc = seccomp_merge(ctx->get(), x86->get()); rc != 0)
            return fail_rc("merge the x86 filter", rc);
        (void)x86->release();  // seccomp_merge freed it
    }
    return std::move(*ctx);
}

// Names the policy and the vendors give must exist on the target arch: a
// typo must not silently leave a call allowed (or a relaxation unused).
Result<void> check_names(const FilterSpec& spec) {
    const uint32_t arch = effective_arch(spec.audit_arch);
    auto check = [&](const std::vector<std::string>& names,
                     std::string_view where) -> Result<void> {
        for (const auto& name : names) {
            if (!known(arch, name)) {
                return fail("unknown syscall name \"" + name + "\" in " + std::string(where) +
                            " (for architecture " + arch_name(arch) + ")");
            }
        }
        return {};
    };
    if (auto r = check(spec.settings.deny, "seccomp.deny"); !r) return r;
    if (auto r = check(spec.settings.allow, "seccomp.allow"); !r) return r;
    return check(spec.relaxations, "a vendor relaxation");
}

// The two libseccomp filters for `spec`: the refusals (empty when there are
// none) and the allow-list (empty unless the profile is default).
struct Parts {
    Ctx refused;
    Ctx allowed;
};

Result<Parts> build(const FilterSpec& spec, const ResolvedFilter& f) {
    if (auto r = check_names(spec); !r) return unexpected(r.error());
    const uint32_t action = deny_action(spec.settings.action);
    Parts parts;
    if (!f.refused.empty()) {
        auto ctx = build_part(spec, SCMP_ACT_ALLOW, f.refused, [&](const Rule& r) {
            return r.errno_override != 0 ? SCMP_ACT_ERRNO(static_cast<uint32_t>(r.errno_override))
                                         : action;
        });
        if (!ctx) return unexpected(ctx.error());
        parts.refused = std::move(*ctx);
    }
    if (f.allow_list) {
        auto ctx = build_part(spec, action, f.allowed, [](const Rule&) { return SCMP_ACT_ALLOW; });
        if (!ctx) return unexpected(ctx.error());
        parts.allowed = std::move(*ctx);
    }
    return parts;
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

// A libseccomp filter as classic BPF instructions.
Result<std::vector<sock_filter>> exported_bpf(void* ctx) {
    auto raw = export_to_string(ctx, seccomp_export_bpf, "seccomp_export_bpf");
    if (!raw) return unexpected(raw.error());
    if (raw->empty() || raw->size() % sizeof(sock_filter) != 0) {
        return fail("libseccomp exported " + std::to_string(raw->size()) +
                    " bytes, not a BPF program");
    }
    std::vector<sock_filter> insns(raw->size() / sizeof(sock_filter));
    std::memcpy(insns.data(), raw->data(), raw->size());
    return insns;
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

namespace {

// What decides the filter besides the program's own tables.
std::string settings_text(const FilterSpec& spec) {
    const Settings& s = spec.settings;
    std::string t = "profile " + std::string(name(s.profile)) + "\naction " +
                    std::string(name(s.action)) + "\nallow_i386 " + (s.allow_i386 ? "yes" : "no") +
                    "\n";
    for (const auto& n : s.deny) t += "deny " + n + "\n";
    for (const auto& n : s.allow) t += "allow " + n + "\n";
    for (const auto& n : spec.relaxations) t += "relax " + n + "\n";
    if (spec.host_ipc_namespace) t += "ipc_namespace host\n";
    if (spec.shared_pid_namespace) t += "pid_namespace shared\n";
    return t;
}

}  // namespace

std::string cache_key(const FilterSpec& spec) {
    sha256::Hasher h;
    // The program's build ID stands for its tables (the profile, the
    // refusals, the names it knows), so a lookup need not resolve the filter:
    // every hook run makes one. Without a build ID, the whole resolved source.
    if (auto id = build_id::self())
        h.update("osh-seccomp-key v3\nbuild " + *id + "\n" + settings_text(spec));
    else
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

namespace {

// The rules of the calls whose answer reads their arguments on `arch`, every
// rule with those numbers: the program compact() sends them to. Numbers, not
// names, because two names may share a number.
ResolvedFilter argument_rules(const ResolvedFilter& f, uint32_t arch) {
    // The number add_rules() gives the rule on `arch`; -1 for none (skipped there).
    auto number = [&](const Rule& r) {
        const int nr = resolves(arch, r.syscall) ? arch_number(arch, r.syscall) : r.number;
        return nr > 0 || (nr == 0 && resolves(arch, r.syscall)) ? nr : -1;
    };
    std::set<int> numbers;
    for (const auto* rules : {&f.refused, &f.allowed})
        for (const auto& r : *rules)
            if (!r.conds.empty() && number(r) >= 0) numbers.insert(number(r));
    ResolvedFilter out;
    out.allow_list = f.allow_list;
    auto keep = [&](const Rule& r) { return numbers.count(number(r)) != 0; };
    std::copy_if(f.refused.begin(), f.refused.end(), std::back_inserter(out.refused), keep);
    std::copy_if(f.allowed.begin(), f.allowed.end(), std::back_inserter(out.allowed), keep);
    return out;
}

// Whether each rule of a filter for `arches` becomes code at its own number
// alone. Not so on i386 (and s390, ppc, mips o32), where libseccomp also
// writes socket and IPC calls as socketcall(2)/ipc(2) with a call argument.
bool one_number_per_rule(const std::vector<uint32_t>& arches) {
    return arches.size() == 1 &&
           (arches[0] == AUDIT_ARCH_X86_64 || arches[0] == AUDIT_ARCH_AARCH64);
}

// libseccomp's programs for `f`, the refusals chained to the allow-list.
Result<std::vector<sock_filter>> libseccomp_program(const FilterSpec& spec,
                                                    const ResolvedFilter& f) {
    auto parts = build(spec, f);
    if (!parts) return unexpected(parts.error());
    std::vector<sock_filter> refused, allowed;
    if (parts->refused) {
        auto insns = exported_bpf(parts->refused.get());
        if (!insns) return unexpected(insns.error());
        refused = std::move(*insns);
    }
    if (parts->allowed) {
        auto insns = exported_bpf(parts->allowed.get());
        if (!insns) return unexpected(insns.error());
        allowed = std::move(*insns);
    }
    if (refused.empty()) return allowed;
    if (allowed.empty()) return refused;
    return chain(refused, allowed);
}

// Profile none with nothing denied: no filter at all.
bool no_filter(const FilterSpec& spec) {
    return spec.settings.profile == Profile::none && spec.settings.deny.empty();
}

// The filter as libseccomp builds it (behind the newer-calls prologue), and,
// when `compacted`, as compact() makes it smaller, if it can.
Result<Bpf> build_filter(const FilterSpec& spec, bool compacted) {
    const ResolvedFilter f = resolve(spec);
    auto body = libseccomp_program(spec, f);
    if (!body) return unexpected(body.error());
    ++g_compiles;
    Bpf bpf;
    bpf.audit_arch = effective_arch(spec.audit_arch);
    const auto arches = filter_arches(spec);
    if (f.allow_list) {
        std::vector<ArchHorizon> horizons;
        for (uint32_t a : arches) horizons.push_back({a, highest_known(spec, a)});
        bpf.insns = newer_calls_prologue(horizons);
    }
    bpf.insns.insert(bpf.insns.end(), body->begin(), body->end());
    if (compacted && one_number_per_rule(arches)) {
        auto args_part = libseccomp_program(spec, argument_rules(f, arches[0]));
        if (!args_part) return unexpected(args_part.error());
        if (auto small = compact(bpf.insns, *args_part, arches)) bpf.insns = std::move(*small);
    }
    if (bpf.insns.size() > BPF_MAXINSNS) {
        return fail("the filter has " + std::to_string(bpf.insns.size()) +
                    " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS));
    }
    return bpf;
}

}  // namespace

Result<Bpf> compile(const FilterSpec& spec, const std::string& cache_dir, CompileStats* stats) {
    CompileStats local;
    CompileStats& st = stats ? *stats : local;
    st = CompileStats{};
    const uint32_t arch = effective_arch(spec.audit_arch);
    if (no_filter(spec)) {
        // Nothing to check but the names.
        if (auto r = check_names(spec); !r) return wrap(r.error(), "seccomp compile");
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
    auto bpf = build_filter(spec, true);
    if (!bpf) return wrap(bpf.error(), "seccomp compile");
    ++st.libseccomp_compiles;
    if (!cache_dir.empty()) cache_write(cache_dir, key, *bpf);
    return bpf;
}

Result<Bpf> compile_uncompacted(const FilterSpec& spec) {
    if (no_filter(spec)) return Bpf{{}, effective_arch(spec.audit_arch)};
    auto bpf = build_filter(spec, false);
    if (!bpf) return wrap(bpf.error(), "seccomp compile");
    return bpf;
}

Result<std::string> export_pfc(const FilterSpec& spec) {
    auto parts = build(spec, resolve(spec));
    if (!parts) return wrap(parts.error(), "seccomp export");
    std::string out;
    const std::pair<void*, const char*> shown[] = {{parts->refused.get(), "refused first"},
                                                   {parts->allowed.get(), "then the allow-list"}};
    for (const auto& [ctx, title] : shown) {
        if (!ctx) continue;
        auto pfc = export_to_string(ctx, seccomp_export_pfc, "seccomp_export_pfc");
        if (!pfc) return unexpected(pfc.error());
        out += std::string("# ") + title + "\n" + *pfc;
    }
    return out;
}

}  // namespace osh::seccomp
