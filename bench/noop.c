/* The no-op stand-in for our hook and enforcer in the Docker row's shape
 * floor: as a hook it exits 0 at once; as the enforcer
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
	return 0;
}
