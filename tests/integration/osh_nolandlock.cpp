// Test helper: runs a command with Landlock made unavailable, the way an outer
// sandbox (gVisor, an old kernel) presents it: a seccomp filter that answers
// landlock_create_ruleset / add_rule / restrict_self with ENOSYS. Filters are
// inherited across fork and exec, so the runtime, our hook and the container's
// enforcer all see a kernel without Landlock. x86_64 only (checked).
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: osh-nolandlock CMD ARGS...\n");
        return 2;
    }
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 444, 0, 2),  // landlock_create_ruleset
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 446, 1, 0),  // landlock_restrict_self
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {static_cast<unsigned short>(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("osh-nolandlock: seccomp");
        return 1;
    }
    execvp(argv[1], argv + 1);
    perror("osh-nolandlock: exec");
    return 127;
}
