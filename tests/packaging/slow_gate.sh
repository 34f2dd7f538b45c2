#!/bin/bash
# Runs "$@" only when OSH_PACKAGING_TESTS=1: the .deb/.rpm tests install and
# remove a package on this host and take minutes. Otherwise: skipped (77).
if [ "${OSH_PACKAGING_TESTS:-0}" != 1 ]; then
    echo "SKIP: $(basename "$1") builds a package (deb_test.sh also installs it on this host) and takes minutes;" \
         "run with OSH_PACKAGING_TESTS=1 meson test --suite slow"
    exit 77
fi
script=$1; shift
exec bash "$script" "$@"
