// Per-call cost of a few system calls, for bench/bench.py.
//
//   syscall_bench [--rules FILE] ITERS TEST [PATH]
//
// TEST: getppid | socket (socket(AF_INET, SOCK_DGRAM, 0) + close: the
// argument-filtered path in both our profile and Docker's) | open (open PATH
// O_RDONLY + close). Prints "<ns per call>" on stdout (best of 5 rounds of
// ITERS calls each, after a warm-up round).
//
// --rules FILE loads a seccomp filter built with libseccomp at its default
// optimisation before the loop (no_new_privs first), from a line format that
// bench.py writes from a Docker/moby JSON profile:
//   default ACTION            first line; ACTION = allow | errno N | kill
//   arch NAME                 x86_64 | x86 | x32 (native arch is always in)
//   rule ACTION NAME [ARG OP VALUE VALUE2]...
// OP: eq ne lt le gt ge masked_eq. Names libseccomp does not know are skipped.
// Without --rules nothing is loaded (the caller may already have put a filter
// or a Landlock ruleset on this process, e.g. through `oci-sandbox-hook exec`).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint32_t parse_action(char** tok, int* used) {
    if (strcmp(tok[0], "allow") == 0) {
        *used = 1;
        return SCMP_ACT_ALLOW;
    }
    if (strcmp(tok[0], "kill") == 0) {
        *used = 1;
        return SCMP_ACT_KILL_PROCESS;
    }
    if (strcmp(tok[0], "errno") == 0 && tok[1]) {
        *used = 2;
        return SCMP_ACT_ERRNO((uint16_t)strtoul(tok[1], NULL, 0));
    }
    fprintf(stderr, "syscall_bench: bad action %s\n", tok[0]);
    exit(2);
}

static enum scmp_compare parse_op(const char* s) {
    if (!strcmp(s, "eq")) return SCMP_CMP_EQ;
    if (!strcmp(s, "ne")) return SCMP_CMP_NE;
    if (!strcmp(s, "lt")) return SCMP_CMP_LT;
    if (!strcmp(s, "le")) return SCMP_CMP_LE;
    if (!strcmp(s, "gt")) return SCMP_CMP_GT;
    if (!strcmp(s, "ge")) return SCMP_CMP_GE;
    if (!strcmp(s, "masked_eq")) return SCMP_CMP_MASKED_EQ;
    fprintf(stderr, "syscall_bench: bad op %s\n", s);
    exit(2);
}

static void load_rules(const char* file) {
    FILE* f = fopen(file, "r");
    if (!f) {
        perror(file);
        exit(2);
    }
    char line[4096];
    scmp_filter_ctx ctx = NULL;
    int skipped = 0, rules = 0;
    while (fgets(line, sizeof line, f)) {
        char* tok[64];
        int n = 0;
        for (char* p = strtok(line, " \t\n"); p && n < 63; p = strtok(NULL, " \t\n")) tok[n++] = p;
        tok[n] = NULL;
        if (n == 0) continue;
        int used = 0;
        if (!strcmp(tok[0], "default")) {
            ctx = seccomp_init(parse_action(tok + 1, &used));
            if (!ctx) exit(2);
        } else if (!strcmp(tok[0], "arch")) {
            uint32_t a = seccomp_arch_resolve_name(tok[1]);
            if (a && a != seccomp_arch_native() && seccomp_arch_add(ctx, a) != 0) {
                fprintf(stderr, "syscall_bench: arch %s\n", tok[1]);
                exit(2);
            }
        } else if (!strcmp(tok[0], "rule")) {
            uint32_t act = parse_action(tok + 1, &used);
            const char* name = tok[1 + used];
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR) {
                skipped++;
                continue;
            }
            struct scmp_arg_cmp cmp[6];
            int nc = 0;
            for (int i = 2 + used; i + 3 < n + 1 && tok[i] && nc < 6; i += 4) {
                cmp[nc].arg = (unsigned)atoi(tok[i]);
                cmp[nc].op = parse_op(tok[i + 1]);
                cmp[nc].datum_a = strtoull(tok[i + 2], NULL, 0);
                cmp[nc].datum_b = strtoull(tok[i + 3], NULL, 0);
                nc++;
            }
            int rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)nc, cmp);
            if (rc != 0) {
                // libseccomp refuses a rule whose action is the default one; harmless.
                if (rc != -EACCES && rc != -EEXIST) fprintf(stderr, "syscall_bench: rule %s: %s\n", name, strerror(-rc));
                skipped++;
            } else {
                rules++;
            }
        }
    }
    fclose(f);
    if (!ctx) {
        fprintf(stderr, "syscall_bench: no default line in %s\n", file);
        exit(2);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0) {
        perror("syscall_bench: load filter");
        exit(2);
    }
    seccomp_release(ctx);
    fprintf(stderr, "syscall_bench: loaded %d rules (%d skipped)\n", rules, skipped);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char** argv) {
    int a = 1;
    if (a + 1 < argc && !strcmp(argv[a], "--rules")) {
        load_rules(argv[a + 1]);
        a += 2;
    }
    if (argc - a < 2) {
        fprintf(stderr, "usage: syscall_bench [--rules FILE] ITERS getppid|socket|open [PATH]\n");
        return 2;
    }
    long iters = atol(argv[a]);
    const char* test = argv[a + 1];
    const char* path = a + 2 < argc ? argv[a + 2] : NULL;
    int kind = !strcmp(test, "getppid") ? 0 : !strcmp(test, "socket") ? 1 : !strcmp(test, "open") ? 2 : -1;
    if (kind < 0 || (kind == 2 && !path)) {
        fprintf(stderr, "syscall_bench: unknown test %s\n", test);
        return 2;
    }
    // Fail loudly rather than time an error path.
    if (kind == 1) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        if (s < 0) {
            perror("syscall_bench: socket(AF_INET, SOCK_DGRAM)");
            return 1;
        }
        close(s);
    } else if (kind == 2) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        close(fd);
    }
    double best = 1e30;
    for (int round = 0; round < 6; round++) {
        uint64_t t0 = now_ns();
        for (long i = 0; i < iters; i++) {
            if (kind == 0) {
                syscall(SYS_getppid);
            } else if (kind == 1) {
                close(socket(AF_INET, SOCK_DGRAM, 0));
            } else {
                close(open(path, O_RDONLY | O_CLOEXEC));
            }
        }
        double per = (double)(now_ns() - t0) / (double)iters;
        if (round > 0 && per < best) best = per;  // round 0 warms up
    }
    printf("%.1f\n", best);
    return 0;
}
