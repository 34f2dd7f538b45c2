/* The physical floor of the hook's createRuntime work, for bench/bench.py:
 * the same inputs read, the same container paths looked up, the same plan
 * written, with no parsing, no policy logic and no self-confinement:
 *
 *   hook_floor ROOTFS PATHS PLAN_DIR PLAN_BYTES LOG FILE... < STATE
 *
 * Reads stdin (the OCI state) and each FILE (policy, config.json, the cached
 * BPF); opens ROOTFS and, per line of PATHS, looks the container path up in it
 * (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS, then fstat, as the hook's
 * resolver does); writes PLAN_BYTES bytes to PLAN_DIR/plan.json through a
 * temporary file and a rename; appends one line to LOG. Not a product. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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

int main(int argc, char** argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: hook_floor ROOTFS PATHS PLAN_DIR PLAN_BYTES LOG FILE... < STATE\n");
        return 2;
    }
    if (slurp_fd(0) < 0) return 3;
    for (int i = 6; i < argc; ++i)
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
        struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        long fd = syscall(SYS_openat2, root, *p ? p : ".", &how, sizeof how);
        if (fd < 0) continue;
        struct stat st;
        fstat((int)fd, &st);
        close((int)fd);
    }
    int dir = open(argv[3], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return 7;
    long bytes = atol(argv[4]);
    if (bytes > (long)sizeof buf) bytes = sizeof buf;
    memset(buf, 'x', (size_t)bytes);
    int out = openat(dir, ".plan.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0 || write(out, buf, (size_t)bytes) != bytes) return 8;
    close(out);
    if (renameat(dir, ".plan.json.tmp", dir, "plan.json") != 0) return 9;
    int log = open(argv[5], O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (log < 0) return 10;
    static const char line[] = "{\"level\":\"info\",\"component\":\"hook\",\"decision\":\"planned\"}\n";
    if (write(log, line, sizeof line - 1) < 0) return 11;
    return 0;
}
