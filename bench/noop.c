/* The no-op stand-in for our hook and enforcer in the shape floors of the
 * container rows: as a hook it reads the OCI state on its stdin to the end
 * (crun fails the start with EPIPE when a hook exits before it has written
 * the state) and exits 0; as the enforcer
 * (`noop exec --plan DIR --key KEY -- CMD ARGS...`) it execs CMD, the one
 * extra static exec in the container. Built static: it runs in a busybox
 * image. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 && i + 1 < argc) {
			execv(argv[i + 1], argv + i + 1);
			perror(argv[i + 1]);
			return 127;
		}
	}
	char buf[4096];
	while (read(0, buf, sizeof buf) > 0) {
	}
	return 0;
}
