// A smaller program with the same answers as libseccomp's: libseccomp tests
// call numbers one by one (a tree of `jeq`s, ~450 instructions for the
// default profile, checked and compiled by the kernel at every container
// start); most allowed and refused numbers come in runs, so a tree of ranges
// decides them in a fifth of that. Calls whose answer reads their arguments
// are left to a second libseccomp program holding only their rules.
// Pure: instructions in, instructions out; no libseccomp here.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace osh::seccomp {

// What a program answers for one call when only its architecture and number
// are known (as the kernel's action cache sees it).
struct NumberAnswer {
    enum class Kind {
        ret,         // a constant answer: `ret`
        needs_args,  // it reads more of seccomp_data (the arguments, the IP)
        unmodelled,  // an instruction compact() does not reason about
    };
    Kind kind = Kind::unmodelled;
    uint32_t ret = 0;
    size_t pc = 0;  // where it stopped: the `ret` or the load of more
};

// Runs `prog` for (arch, nr). With `nr` empty, reading the number is
// `unmodelled`. Only loads of the number and arch, `ja`, `jeq`/`jgt`/`jge`
// against constants, and `ret` are followed; an ALU operation or a `jset` on
// the number or arch, or any other instruction, is `unmodelled`.
NumberAnswer answer_for(std::span<const sock_filter> prog, uint32_t arch,
                        std::optional<uint32_t> nr);

// A program answering as `whole` does on every (arch, number), for the
// architectures `arches` (the first is the native one):
//   - the answer `whole` gives every other arch (it must not read the number);
//   - for each of `arches`, a balanced tree of `jge`s over the ranges of
//     numbers with one answer, ending in a `ret`, or, for numbers whose answer
//     reads arguments, in a jump to `args_part`, which must read arguments for
//     each of them too (it is libseccomp's program for their rules alone).
// Returns nullopt (keep `whole`) when `whole` has an instruction it does not
// reason about, when a jump would not fit, when the result is not smaller,
// or when the result, checked at every number and arch where either program
// can change its answer, does not answer as `whole` does.
std::optional<std::vector<sock_filter>> compact(std::span<const sock_filter> whole,
                                                std::span<const sock_filter> args_part,
                                                std::span<const uint32_t> arches);

}  // namespace osh::seccomp
