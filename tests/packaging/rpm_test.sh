#!/bin/bash
# Builds the RPM with `rpmbuild -bb packaging/rpm/oci-sandbox-hook.spec` from a
# `meson dist` tarball (the COMMITTED tree: meson dist clones HEAD), then
# checks that `rpm -qlp` lists the same files as the .deb built by
# deb_test.sh, modulo distribution paths (Debian's changelog/copyright and
# lintian overrides; man-page compression).
#
#   tests/packaging/rpm_test.sh [DEB_WORKDIR [WORKDIR]]
#
# DEB_WORKDIR (default /tmp/osh-deb) must hold the .deb and deb-files.txt
# from deb_test.sh. Installs Debian's `rpm` package if missing. Builds with
# --nodeps: Debian's rpm database is empty, so BuildRequires cannot be
# checked; the Debian equivalents are installed. Exit 77 = skipped.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBW=${1:-/tmp/osh-deb}
W=${2:-$(mktemp -d /tmp/osh-rpm.XXXXXX)}
mkdir -p "$W"
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok   $*"; }

DEB=$(ls "$DEBW"/oci-sandbox-hook_*.deb 2>/dev/null | head -1 || true)
[ -n "$DEB" ] || { echo "SKIP: no .deb in $DEBW (run tests/packaging/deb_test.sh $DEBW first)"; exit 77; }
if ! command -v rpmbuild >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "SKIP: rpmbuild missing and not root"; exit 77; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rpm \
        || { echo "SKIP: cannot install rpm from apt"; exit 77; }
fi

# 1. meson dist (configure only: -Dtests=false; --allow-dirty because other
#    work in progress may be uncommitted; the tarball holds HEAD).
VERSION=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$SRC/meson.build" | head -1)
rm -rf "$W/dist-build"
meson setup "$W/dist-build" "$SRC" -Dtests=false > "$W/dist.log" 2>&1 || { cat "$W/dist.log"; fail "meson setup"; }
meson dist -C "$W/dist-build" --no-tests --allow-dirty --formats gztar >> "$W/dist.log" 2>&1 \
    || { cat "$W/dist.log"; fail "meson dist"; }
TARBALL="$W/dist-build/meson-dist/oci-sandbox-hook-$VERSION.tar.gz"
[ -f "$TARBALL" ] || fail "no $TARBALL"
ok "meson dist --no-tests: $(basename "$TARBALL")"

# 2. rpmbuild -bb.
TOP="$W/rpmbuild"
rm -rf "$TOP"; mkdir -p "$TOP/SOURCES"
cp "$TARBALL" "$TOP/SOURCES/"
rpmbuild --define "_topdir $TOP" --nodeps -bb "$SRC/packaging/rpm/oci-sandbox-hook.spec" > "$W/rpmbuild.log" 2>&1 \
    || { tail -40 "$W/rpmbuild.log"; fail "rpmbuild -bb (log: $W/rpmbuild.log)"; }
RPM=$(ls "$TOP"/RPMS/*/oci-sandbox-hook-"$VERSION"-*.rpm)
ok "rpmbuild -bb: $(basename "$RPM")"

# 3. Same files as the .deb (regular files and symlinks; directories differ
#    by convention), distribution paths removed, .gz dropped.
norm() {
    sed -e 's/\.gz$//' | grep -v -e '^/usr/share/doc/oci-sandbox-hook/changelog' \
        -e '^/usr/share/doc/oci-sandbox-hook/copyright$' -e '^/usr/share/lintian/' \
        -e '^/usr/share/licenses/' | sort
}
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | norm > "$W/deb.txt"
rpm -qlvp "$RPM" | awk '$1 !~ /^d/ {print $9}' | norm > "$W/rpm.txt"
diff -u "$W/deb.txt" "$W/rpm.txt" || fail "rpm -qlp and the .deb list different files"
ok "rpm -qlp lists the same $(wc -l < "$W/deb.txt") files as the .deb"
rpm -qcp "$RPM" | sort > "$W/rpm-conf.txt"
diff <(printf '/etc/logrotate.d/oci-sandbox-hook\n/etc/oci-sandbox/policies.d/gvisor.json\n/etc/oci-sandbox/policy.json\n/etc/oci-sandbox/runtime.json\n') "$W/rpm-conf.txt" \
    || fail "config files differ"
ok "%config(noreplace): /etc/logrotate.d/oci-sandbox-hook, /etc/oci-sandbox/policy.json, runtime.json, policies.d/gvisor.json"
rpm -qp --qf '[%{FILENAMES} %{FILELINKTOS}\n]' "$RPM" | grep -qx '/usr/bin/oci-sandbox-runtime oci-sandbox-hook' \
    || fail "oci-sandbox-runtime is not a symlink to oci-sandbox-hook"
ok "oci-sandbox-runtime -> oci-sandbox-hook"
echo "all checks passed ($W)"
