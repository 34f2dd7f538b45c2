#include "seccomp/compact.hpp"

#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>
#include <limits>

#include "seccomp/bpf.hpp"

namespace osh::seccomp {
namespace {

using Kind = NumberAnswer::Kind;

constexpr uint16_t kLoadWord = BPF_LD | BPF_W | BPF_ABS;

// The values where a program's answer may change: 0, and k and k + 1 for
// every comparison against k. Between two of them every comparison of the
// number (or arch) goes the same way, so one of them stands for its range.
void add_cut_points(std::span<const sock_filter> prog, std::vector<uint32_t>& out) {
    for (const sock_filter& f : prog) {
        if (f.code != (BPF_JMP | BPF_JEQ | BPF_K) && f.code != (BPF_JMP | BPF_JGT | BPF_K) &&
            f.code != (BPF_JMP | BPF_JGE | BPF_K))
            continue;
        out.push_back(f.k);
        if (f.k != std::numeric_limits<uint32_t>::max()) out.push_back(f.k + 1);
    }
}

std::vector<uint32_t> cut_points(std::initializer_list<std::span<const sock_filter>> progs) {
    std::vector<uint32_t> out{0};
    for (const auto& p : progs) add_cut_points(p, out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// Where a range of numbers ends up: a constant answer, or the argument part.
struct Leaf {
    bool to_args = false;
    uint32_t ret = 0;
    bool operator==(const Leaf&) const = default;
};

struct Range {
    uint32_t first = 0;  // up to the next range's first
    Leaf leaf;
};

// A jump target while a tree is laid out: an instruction, or a leaf.
struct Target {
    bool is_leaf = false;
    size_t index = 0;  // instruction index, or index into the leaf list
};

class Builder {
  public:
    std::vector<sock_filter> code;

    // The ranges of one arch as a tree of `jge`s from here, then its leaves
    // (each distinct `ret`, and a `ja` to the argument part when used). False when a
    // jump does not fit in 8 bits.
    bool tree(const std::vector<Range>& ranges) {
        code.push_back(stmt(kLoadWord, offsetof(seccomp_data, nr)));
        leaves_.clear();
        fixes_.clear();
        const Target root = node(ranges, 0, ranges.size());
        if (root.is_leaf) {  // one range: straight to its leaf
            fixes_.push_back({code.size(), root, root});
            code.push_back(stmt(BPF_JMP | BPF_JA, 0));
        }
        std::vector<size_t> leaf_at;
        for (const Leaf& l : leaves_) {
            leaf_at.push_back(code.size());
            if (l.to_args) {
                args_jumps.push_back(code.size());
                code.push_back(stmt(BPF_JMP | BPF_JA, 0));  // placed by compact()
            } else {
                code.push_back(stmt(BPF_RET | BPF_K, l.ret));
            }
        }
        for (const Fix& fx : fixes_) {
            sock_filter& f = code[fx.at];
            const size_t t = fx.t.is_leaf ? leaf_at[fx.t.index] : fx.t.index;
            const size_t e = fx.f.is_leaf ? leaf_at[fx.f.index] : fx.f.index;
            if (f.code == (BPF_JMP | BPF_JA)) {
                f.k = static_cast<uint32_t>(t - fx.at - 1);
                continue;
            }
            if (t - fx.at - 1 > 255 || e - fx.at - 1 > 255) return false;
            f.jt = static_cast<uint8_t>(t - fx.at - 1);
            f.jf = static_cast<uint8_t>(e - fx.at - 1);
        }
        return true;
    }

    std::vector<size_t> args_jumps;  // the `ja`s to patch once the argument part is placed

  private:
    struct Fix {
        size_t at;
        Target t, f;
    };
    std::vector<Leaf> leaves_;
    std::vector<Fix> fixes_;

    Target leaf(const Leaf& l) {
        auto it = std::find(leaves_.begin(), leaves_.end(), l);
        if (it == leaves_.end()) it = leaves_.insert(leaves_.end(), l);
        return {true, static_cast<size_t>(it - leaves_.begin())};
    }

    // ranges[lo, hi): below ranges[mid].first to the left, from it on to the right.
    Target node(const std::vector<Range>& ranges, size_t lo, size_t hi) {
        if (hi - lo == 1) return leaf(ranges[lo].leaf);
        const size_t mid = lo + (hi - lo) / 2;
        const size_t at = code.size();
        code.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, ranges[mid].first, 0, 0));
        const Target left = node(ranges, lo, mid);
        const Target right = node(ranges, mid, hi);
        fixes_.push_back({at, right, left});
        return {false, at};
    }
};

// The ranges of numbers with one answer on `arch`, or nullopt.
std::optional<std::vector<Range>> ranges_for(std::span<const sock_filter> whole,
                                             std::span<const sock_filter> args_part, uint32_t arch,
                                             const std::vector<uint32_t>& points) {
    std::vector<Range> out;
    for (uint32_t nr : points) {
        const NumberAnswer a = answer_for(whole, arch, nr);
        Leaf l;
        if (a.kind == Kind::ret) {
            l.ret = a.ret;
        } else if (a.kind == Kind::needs_args &&
                   answer_for(args_part, arch, nr).kind == Kind::needs_args) {
            l.to_args = true;
        } else {
            return std::nullopt;
        }
        if (out.empty() || !(out.back().leaf == l)) out.push_back({nr, l});
    }
    return out;
}

bool is_one_of(uint32_t v, std::span<const uint32_t> set) {
    return std::find(set.begin(), set.end(), v) != set.end();
}

// The one constant answer `prog` gives every arch but `arches`, found without
// the number (each arch cut point stands for its range), or nullopt.
std::optional<uint32_t> other_arch_answer(std::span<const sock_filter> prog,
                                          const std::vector<uint32_t>& points,
                                          std::span<const uint32_t> arches) {
    std::optional<uint32_t> other;
    for (uint32_t arch : points) {
        if (is_one_of(arch, arches)) continue;
        const NumberAnswer a = answer_for(prog, arch, std::nullopt);
        if (a.kind != Kind::ret || (other && *other != a.ret)) return std::nullopt;
        other = a.ret;
    }
    return other;
}

// `small` answers as `whole` at every cut point of either: the same `ret`
// where `whole` decides on the number, and a load of the arguments inside
// `small`'s argument part (from `args_at` on) where `whole` reads them.
bool same_answers(std::span<const sock_filter> whole, std::span<const sock_filter> small,
                  size_t args_at, std::span<const uint32_t> arches) {
    const auto points = cut_points({whole, small});
    const auto other = other_arch_answer(whole, points, arches);
    if (!other || other_arch_answer(small, points, arches) != other) return false;
    for (uint32_t arch : arches) {
        for (uint32_t nr : points) {
            const NumberAnswer w = answer_for(whole, arch, nr);
            const NumberAnswer s = answer_for(small, arch, nr);
            if (w.kind == Kind::ret) {
                if (s.kind != Kind::ret || s.ret != w.ret || s.pc >= args_at) return false;
            } else if (w.kind == Kind::needs_args) {
                if (s.kind != Kind::needs_args || s.pc < args_at) return false;
            } else {
                return false;
            }
        }
    }
    return true;
}

}  // namespace

NumberAnswer answer_for(std::span<const sock_filter> prog, uint32_t arch,
                        std::optional<uint32_t> nr) {
    uint32_t a = 0;
    // Jumps only go forward, so this ends.
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const sock_filter& f = prog[pc];
        switch (f.code) {
            case kLoadWord:
                if (f.k == offsetof(seccomp_data, arch)) {
                    a = arch;
                } else if (f.k == offsetof(seccomp_data, nr)) {
                    if (!nr) return {Kind::unmodelled, 0, pc};
                    a = *nr;
                } else {
                    return {Kind::needs_args, 0, pc};
                }
                break;
            case BPF_JMP | BPF_JA:
                if (f.k >= prog.size() - pc) return {Kind::unmodelled, 0, pc};
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
            case BPF_RET | BPF_K:
                return {Kind::ret, f.k, pc};
            default:
                return {Kind::unmodelled, 0, pc};
        }
    }
    return {Kind::unmodelled, 0, prog.size()};  // ran off the end
}

std::optional<std::vector<sock_filter>> compact(std::span<const sock_filter> whole,
                                                std::span<const sock_filter> args_part,
                                                std::span<const uint32_t> arches) {
    if (whole.empty() || arches.empty()) return std::nullopt;
    const auto points = cut_points({whole, args_part});

    const auto other = other_arch_answer(whole, points, arches);
    if (!other) return std::nullopt;

    std::vector<std::vector<Range>> per_arch;
    for (uint32_t arch : arches) {
        auto r = ranges_for(whole, args_part, arch, points);
        if (!r) return std::nullopt;
        per_arch.push_back(std::move(*r));
    }

    // ld arch; jeq arch_i -> its tree; ...; ret other; the trees; the argument part.
    Builder b;
    b.code.push_back(stmt(kLoadWord, offsetof(seccomp_data, arch)));
    std::vector<size_t> arch_tests;
    for (uint32_t arch : arches) {
        arch_tests.push_back(b.code.size());
        b.code.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 0));
    }
    b.code.push_back(stmt(BPF_RET | BPF_K, *other));
    for (size_t i = 0; i < arches.size(); ++i) {
        const size_t start = b.code.size();
        const size_t at = arch_tests[i];
        if (start - at - 1 > 255) return std::nullopt;
        b.code[at].jt = static_cast<uint8_t>(start - at - 1);  // jf 0: the next test
        if (!b.tree(per_arch[i])) return std::nullopt;
    }
    const size_t args_at = b.code.size();
    for (size_t at : b.args_jumps) b.code[at].k = static_cast<uint32_t>(args_at - at - 1);
    if (!b.args_jumps.empty()) b.code.insert(b.code.end(), args_part.begin(), args_part.end());

    if (b.code.size() >= whole.size()) return std::nullopt;
    if (!same_answers(whole, b.code, args_at, arches)) return std::nullopt;
    return std::move(b.code);
}

}  // namespace osh::seccomp
