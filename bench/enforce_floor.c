/* The physical floor of the enforcer's work, for bench/bench.py: exactly the
 * kernel calls a plan and the contract need and nothing else — the audit
 * login uid pinned (read, then written when unset), no_new_privs, the
 * Landlock ABI asked for, one Landlock ruleset (per rule one O_PATH openat2
 * under the root that follows no symlink, as the contract requires, the
 * fstat that checks the object is the one the hook judged, and one
 * landlock_add_rule; then landlock_restrict_self), the seccomp filter
 * loaded, then execve. The rules and the BPF come pre-digested (bench.py
 * writes them from a real plan):
 *
 *   enforce_floor RULES BPF -- CMD ARGS...
 *
 * RULES: a first line "FS NET SCOPED FLAGS" (the ruleset's handled masks and
 * landlock_restrict_self's flags, as the enforcer negotiates them), then
 * "MASK PATH" per rule (the mask already narrowed for files). BPF: the raw
 * struct sock_filter array. Not a product: no checks beyond what the calls
 * return, no plan to parse, no seal, no key; the objects' identity is
 * fetched, not compared. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The uapi structs as of Landlock ABI 6 (Debian 12's headers predate it). */
struct ruleset_attr {
    uint64_t handled_access_fs, handled_access_net, scoped;
};
struct path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

static char buf[1 << 20];
static struct sock_filter prog[4096];

static int slurp(const char* path, char* out, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, out, cap - 1);
    close(fd);
    if (n < 0) return -1;
    out[n] = 0;
    return (int)n;
}

int main(int argc, char** argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: enforce_floor RULES BPF -- CMD ARGS...\n");
        return 2;
    }
    if (slurp(argv[1], buf, sizeof buf) < 0) return 3;
    int nb = slurp(argv[2], (char*)prog, sizeof prog);
    if (nb < 0) return 4;
    int lu = open("/proc/self/loginuid", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (lu >= 0) {
        char id[32];
        ssize_t n = read(lu, id, sizeof id - 1);
        if (n == 10 && memcmp(id, "4294967295", 10) == 0) {
            char uid[16];
            int len = snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
            if (pwrite(lu, uid, (size_t)len, 0) != len) return 11;
        }
        close(lu);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 5;
    char* save = NULL;
    char* line = strtok_r(buf, "\n", &save);
    char* p = line;
    struct ruleset_attr attr;
    attr.handled_access_fs = strtoull(p, &p, 10);
    attr.handled_access_net = strtoull(p, &p, 10);
    attr.scoped = strtoull(p, &p, 10);
    unsigned flags = (unsigned)strtoul(p, &p, 10);
    size_t size = attr.scoped ? 24 : attr.handled_access_net ? 16 : 8;
    if (syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* VERSION */) < 1) return 6;
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return 9;
    struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (rs < 0) return 6;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char* path = strchr(line, ' ');
        if (!path) continue;
        *path++ = 0;
        struct path_beneath_attr pb = {.allowed_access = strtoull(line, NULL, 10)};
        pb.parent_fd = (int)syscall(SYS_openat2, root, path + 1, &how, sizeof how);
        if (pb.parent_fd < 0) return 9;
        struct stat st;
        if (fstat(pb.parent_fd, &st) != 0) return 12;
        if (syscall(SYS_landlock_add_rule, rs, 1 /* PATH_BENEATH */, &pb, 0) != 0) return 10;
        close(pb.parent_fd);
    }
    if (syscall(SYS_landlock_restrict_self, rs, flags) != 0) return 7;
    close(rs);
    close(root);
    if (nb > 0) {
        struct sock_fprog fp = {.len = (unsigned short)(nb / sizeof(struct sock_filter)), .filter = prog};
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0) return 8;
    }
    execv(argv[4], argv + 4);
    return 127;
}
