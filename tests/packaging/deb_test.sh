#!/bin/bash
# Builds the .deb from a copy of the source tree (packaging/debian -> debian/),
# checks it with lintian (no errors), installs it, runs the podman end-to-end
# check against the installed files only (installed_podman.py, PATH without
# any build directory), removes the package and checks that nothing but its
# conffiles is left, then purges it.
#
#   sudo tests/packaging/deb_test.sh [WORKDIR]
#
# Needs root, network access to Debian's apt (installs debhelper, dpkg-dev,
# lintian if missing), podman and runc. Exit 77 = skipped (says why).
# Leaves WORKDIR/oci-sandbox-hook_*.deb (and the file list in
# WORKDIR/deb-files.txt) for rpm_test.sh. Takes 5-10 minutes on 2 cores.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-$(mktemp -d /tmp/osh-deb.XXXXXX)}
mkdir -p "$W"
PKG=oci-sandbox-hook
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok   $*"; }

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (dpkg -i)"; exit 77; }
for t in podman runc git g++; do
    command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
if dpkg-query -W -f '${Status}' $PKG 2>/dev/null | grep -q 'ok installed'; then
    echo "SKIP: $PKG is already installed here; not touching it"; exit 77
fi
missing=""
for p in debhelper dpkg-dev lintian; do
    dpkg-query -W -f '${Status}' $p 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
        || { echo "SKIP: cannot install$missing from apt"; exit 77; }
fi

# 1. A copy of the tree as git sees it (tracked and untracked-not-ignored
#    files, working-tree contents), with debian/ at its top.
VERSION=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$SRC/meson.build" | head -1)
TREE="$W/$PKG-$VERSION"
rm -rf "$TREE"; mkdir -p "$TREE"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | \
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$TREE"
cp -a "$TREE/packaging/debian" "$TREE/debian"

# 2. Build, unsigned, binary only.
(cd "$TREE" && DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b) > "$W/build.log" 2>&1 \
    || { tail -40 "$W/build.log"; fail "dpkg-buildpackage (log: $W/build.log)"; }
DEB=$(ls "$W"/${PKG}_"$VERSION"_*.deb)
ok "dpkg-buildpackage -us -uc -b: $(basename "$DEB")"

# 3. lintian: no errors (warnings are printed).
lintian --fail-on error "$DEB" | tee "$W/lintian.txt" || fail "lintian reports errors"
ok "lintian: no errors"

# 4. Contents.
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^/$' | sort > "$W/deb-files.txt"
for f in /usr/bin/oci-sandbox-hook /usr/bin/oci-sandbox-runtime \
         /usr/share/containers/oci/hooks.d/oci-sandbox-precreate.json \
         /etc/oci-sandbox/policy.json /etc/oci-sandbox/runtime.json /etc/oci-sandbox/policies.d \
         /usr/share/man/man8/oci-sandbox-hook.8.gz /usr/share/man/man5/oci-sandbox-policy.5.gz \
         /usr/share/bash-completion/completions/oci-sandbox-hook \
         /usr/share/doc/$PKG/policy.md /usr/share/doc/$PKG/install.md; do
    grep -qx "$f" "$W/deb-files.txt" || fail "the .deb lacks $f"
done
ok "the .deb has the documented layout"
dpkg-deb -I "$DEB" conffiles > "$W/conffiles.txt"
diff <(sort "$W/conffiles.txt") <(printf '/etc/oci-sandbox/policy.json\n/etc/oci-sandbox/runtime.json\n') \
    || fail "conffiles differ"
ok "conffiles: /etc/oci-sandbox/policy.json, runtime.json"

# The probe goes into the container's rootfs only (never on PATH).
g++ -std=c++20 -O2 -static -pthread -o "$W/osh-probe" "$SRC/tests/integration/osh_probe.cpp"

# 5. Install; from here on, always purge on exit.
cleanup() { dpkg --purge $PKG >/dev/null 2>&1 || true; }
trap cleanup EXIT
dpkg -i "$DEB" || fail "dpkg -i"
ok "dpkg -i $(basename "$DEB")"
file -L /usr/bin/oci-sandbox-hook | grep -q 'statically linked' || fail "/usr/bin/oci-sandbox-hook is not static"
ok "/usr/bin/oci-sandbox-hook is static"
[ "$(readlink -f /usr/bin/oci-sandbox-runtime)" = /usr/bin/oci-sandbox-hook ] || fail "oci-sandbox-runtime link"
man -w oci-sandbox-hook >/dev/null && man -w 5 oci-sandbox-policy >/dev/null && man -w oci-sandbox-runtime >/dev/null \
    || fail "man pages not found by man -w"
ok "man -w finds oci-sandbox-hook(8), oci-sandbox-policy(5), oci-sandbox-runtime(8)"

# 6. End to end against the installed files, PATH without the build tree.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    OSH_PROBE="$W/osh-probe" OSH_BUILD_ROOT="$SRC" \
    python3 "$SRC/tests/packaging/installed_podman.py" || fail "end to end against the installed package"
ok "podman end to end against the installed package"

# 7. Remove: only conffiles (and directories they live in) may stay.
dpkg -r $PKG || fail "dpkg -r"
[ "$(dpkg-query -W -f '${Status}' $PKG)" = "deinstall ok config-files" ] || fail "status after dpkg -r"
left=""
while read -r f; do
    grep -qx "$f" "$W/conffiles.txt" && continue
    if [ -d "$f" ] && [ ! -L "$f" ]; then continue; fi   # shared or non-empty dirs
    [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done < "$W/deb-files.txt"
[ -z "$left" ] || fail "left after dpkg -r:$left"
for c in $(cat "$W/conffiles.txt"); do [ -e "$c" ] || fail "conffile $c removed by dpkg -r"; done
dpkg -L $PKG | grep -v '^/etc/oci-sandbox' | grep -v '^/\.$' | while read -r d; do
    [ -d "$d" ] || fail "dpkg -L still lists $d"
done
ok "dpkg -r: only the conffiles are left"
dpkg --purge $PKG || fail "dpkg --purge"
for c in $(cat "$W/conffiles.txt"); do [ ! -e "$c" ] || fail "$c left after purge"; done
! dpkg -S /usr/bin/oci-sandbox-hook >/dev/null 2>&1 || fail "dpkg -S still knows the binary"
trap - EXIT
ok "dpkg --purge: the conffiles are gone"
echo "all checks passed ($W)"
