/* The physical floor of the hook's createRuntime work, for bench/bench.py:
 * the kernel calls the contract (PRODUCT.md) asks of any hook, in the
 * hook's order, with no parsing, no policy logic and no checks beyond what
 * the calls return:
 *
 *   hook_floor ROOTFS PATHS PLAN_DIR PLAN_BYTES EFF_BYTES LOG FILE... < STATE
 *
 * Reads stdin (the OCI state) and each FILE (policy, config.json, the host's
 * /proc/devices, the cached BPF); opens ROOTFS and, per line of PATHS, looks
 * the container path up in it (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS,
 * then fstat, as the hook's resolver does); opens the plan directory and the
 * log; binds the plan directory to this container as the contract says (a
 * plan belongs to exactly one spec edit and one container: the directory
 * locked against its removal, the spec edit's key read from PLAN_DIR/edit,
 * PLAN_DIR/owner looked for, then written), and finds its own enforcer
 * binary (/proc/self/exe, then a stat); confines itself as the contract says
 * the hook does once its inputs are open (no_new_privs, a Landlock domain
 * that may read the rootfs and write only the plan directory and the log, a
 * seccomp filter refusing exec, ptrace, the mount family, module and kexec
 * calls, searched as a tree); writes the owner file (the hook's 18 bytes:
 * the id and the uid and gid), PLAN_BYTES bytes to PLAN_DIR/plan.json and
 * EFF_BYTES to PLAN_DIR/effective-policy.json, each through a temporary
 * file and a rename; appends one line to LOG. Not a product. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "hook_floor: add this architecture's AUDIT_ARCH"
#endif

/* The uapi structs (Debian 12's headers predate Landlock ABI 4). */
struct ruleset_attr {
    uint64_t handled_access_fs;
};
struct path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

enum {
    LL_WRITE_FILE = 1 << 1,
    LL_READ_FILE = 1 << 2,
    LL_READ_DIR = 1 << 3,
    LL_REMOVE_FILE = 1 << 5,
    LL_MAKE_REG = 1 << 8,
    LL_TRUNCATE = 1 << 14,
};

static char buf[1 << 20];

static long slurp_fd(int fd) {
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
    return n < 0 ? -1 : total;
}

static long slurp(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    long n = slurp_fd(fd);
    close(fd);
    return n;
}

static int write_replacing(int dir, const char* tmp, const char* name, long bytes) {
    if (bytes > (long)sizeof buf) bytes = sizeof buf;
    memset(buf, 'x', (size_t)bytes);
    int out = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0 || write(out, buf, (size_t)bytes) != bytes) return -1;
    close(out);
    return renameat(dir, tmp, dir, name);
}

/* The contract's refused calls, sorted by number. */
static const uint32_t refused[] = {
    SYS_execve,        SYS_execveat,   SYS_ptrace,          SYS_mount,       SYS_umount2,
    SYS_pivot_root,    SYS_move_mount, SYS_open_tree,       SYS_fsopen,      SYS_fsmount,
    SYS_fspick,        SYS_fsconfig,   SYS_mount_setattr,   SYS_init_module, SYS_finit_module,
    SYS_delete_module, SYS_kexec_load, SYS_kexec_file_load,
};
#define N_REFUSED (sizeof refused / sizeof refused[0])

static struct sock_filter prog[256];
static unsigned short len;

static void put(uint16_t code, uint8_t jt, uint8_t jf, uint32_t k) {
    prog[len++] = (struct sock_filter){code, jt, jf, k};
}

/* A tree of jge tests down to jeq chains of at most 6, as the hook's prelude. */
static void search(const uint32_t* nrs, size_t n) {
    if (n <= 6) {
        for (size_t i = 0; i < n; ++i) put(BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(n - i), 0, nrs[i]);
        put(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
        put(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | 1 /* EPERM */);
        return;
    }
    size_t mid = n / 2;
    put(BPF_JMP | BPF_JGE | BPF_K, 0, 1, nrs[mid]);
    unsigned short far = len;
    put(BPF_JMP | BPF_JA, 0, 0, 0);
    search(nrs, mid);
    prog[far].k = (uint32_t)(len - far - 1);
    search(nrs + mid, n - mid);
}

static int cmp_u32(const void* a, const void* b) {
    uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
    return x < y ? -1 : x > y;
}

static int confine(int rootfs, int plan_dir, int log) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* VERSION */);
    if (abi > 0) {
        int bits = abi >= 5 ? 16 : abi >= 3 ? 15 : abi >= 2 ? 14 : 13;
        struct ruleset_attr attr = {.handled_access_fs = (1ull << bits) - 1};
        int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
        if (rs < 0) return -1;
        struct path_beneath_attr rules[] = {
            {LL_READ_FILE | LL_READ_DIR, rootfs},
            {LL_READ_FILE | LL_READ_DIR | LL_WRITE_FILE | LL_MAKE_REG | LL_REMOVE_FILE |
                 LL_TRUNCATE,
             plan_dir},
            {LL_WRITE_FILE, log},
        };
        for (size_t i = 0; i < sizeof rules / sizeof rules[0]; ++i)
            if (syscall(SYS_landlock_add_rule, rs, 1 /* PATH_BENEATH */, &rules[i], 0) != 0)
                return -1;
        if (syscall(SYS_landlock_restrict_self, rs, 0) != 0) return -1;
        close(rs);
    }
    uint32_t nrs[N_REFUSED];
    memcpy(nrs, refused, sizeof nrs);
    qsort(nrs, N_REFUSED, sizeof nrs[0], cmp_u32);
    put(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    put(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, NATIVE_ARCH);
    put(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
    put(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
    put(BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000); /* x32 */
    put(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
#endif
    search(nrs, N_REFUSED);
    struct sock_fprog fp = {.len = len, .filter = prog};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}

int main(int argc, char** argv) {
    if (argc < 8) {
        fprintf(
            stderr,
            "usage: hook_floor ROOTFS PATHS PLAN_DIR PLAN_BYTES EFF_BYTES LOG FILE... < STATE\n");
        return 2;
    }
    if (slurp_fd(0) < 0) return 3;
    for (int i = 7; i < argc; ++i)
        if (slurp(argv[i]) < 0) return 4;
    int root = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return 5;
    static char paths[1 << 20];
    int pf = open(argv[2], O_RDONLY | O_CLOEXEC);
    if (pf < 0) return 6;
    ssize_t pn = read(pf, paths, sizeof paths - 1);
    close(pf);
    if (pn < 0) return 6;
    paths[pn] = 0;
    char* save = NULL;
    for (char* p = strtok_r(paths, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
        while (*p == '/') ++p;
        struct open_how how = {
            .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        long fd = syscall(SYS_openat2, root, *p ? p : ".", &how, sizeof how);
        if (fd < 0) continue;
        struct stat st;
        fstat((int)fd, &st);
        close((int)fd);
    }
    int dir = open(argv[3], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0 || flock(dir, LOCK_SH) != 0) return 7;
    char key[64];
    int edit = openat(dir, "edit", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat est;
    if (edit < 0 || fstat(edit, &est) != 0) return 7;
    ssize_t kn = read(edit, key, sizeof key);
    if (kn <= 0 || read(edit, key, sizeof key) < 0) return 7;
    close(edit);
    int owner = openat(dir, "owner", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (owner >= 0) close(owner);
    char self[4096];
    ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sn < 0) return 7;
    self[sn] = 0;
    struct stat xst;
    if (stat(self, &xst) != 0) return 7;
    int log = open(argv[6], O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (log < 0) return 10;
    if (confine(root, dir, log) != 0) return 12;
    if (write_replacing(dir, ".owner.tmp", "owner", 18) != 0) return 8;
    if (write_replacing(dir, ".plan.json.tmp", "plan.json", atol(argv[4])) != 0) return 8;
    if (write_replacing(dir, ".effective-policy.json.tmp", "effective-policy.json",
                        atol(argv[5])) != 0)
        return 9;
    static const char line[] =
        "{\"level\":\"info\",\"component\":\"hook\",\"decision\":\"planned\"}\n";
    if (write(log, line, sizeof line - 1) < 0) return 11;
    return 0;
}
