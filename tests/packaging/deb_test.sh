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
for f in /usr/bin/oci-sandbox-hook /usr/bin/oci-sandbox-enforce /usr/bin/oci-sandbox-runtime \
         /usr/share/oci-sandbox-hook/podman-hooks.d/oci-sandbox-precreate.json \
         /etc/logrotate.d/oci-sandbox-hook /usr/share/bash-completion/completions/oci-sandbox-runtime \
         /etc/oci-sandbox/policy.json /etc/oci-sandbox/runtime.json /etc/oci-sandbox/policies.d \
         /etc/oci-sandbox/policies.d/gvisor.json \
         /usr/share/man/man8/oci-sandbox-hook.8.gz /usr/share/man/man5/oci-sandbox-policy.5.gz \
         /usr/share/bash-completion/completions/oci-sandbox-hook \
         /usr/share/doc/$PKG/policy.md /usr/share/doc/$PKG/install.md; do
    grep -qx "$f" "$W/deb-files.txt" || fail "the .deb lacks $f"
done
ok "the .deb has the documented layout"
dpkg-deb -I "$DEB" conffiles > "$W/conffiles.txt"
diff <(sort "$W/conffiles.txt") <(printf '/etc/logrotate.d/oci-sandbox-hook\n/etc/oci-sandbox/policies.d/gvisor.json\n/etc/oci-sandbox/policy.json\n/etc/oci-sandbox/runtime.json\n') \
    || fail "conffiles differ"
ok "conffiles: /etc/logrotate.d/oci-sandbox-hook, /etc/oci-sandbox/policy.json, runtime.json, policies.d/gvisor.json"
# Nothing active for any engine: no file where docker, containerd, CRI-O,
# podman, NRI or CDI read configuration or hooks.
active=$(grep -E '^/(etc/(docker|containerd|crio|containers|cdi|nri)|usr/share/containers|var/run/cdi|run/cdi)(/|$)' "$W/deb-files.txt" || true)
[ -z "$active" ] || fail "the .deb installs into an engine's configuration: $active"
ok "the .deb installs nothing an engine reads"

# The probe goes into the container's rootfs only (never on PATH).
g++ -std=c++20 -O2 -static -pthread -o "$W/osh-probe" "$SRC/tests/integration/osh_probe.cpp"

# Root and rootless podman run before the install (the baseline: if rootless
# podman cannot run here at all, the script says why and the rootless checks
# are skipped).
RL_USER=osh-pkg-rootless
bash "$SRC/tests/packaging/podman_runs.sh" before "$W" "$RL_USER" || fail "podman before install"

# 5. Install; from here on, always purge on exit.
cleanup() {
    rm -f /etc/containers/containers.conf.d/50-oci-sandbox.conf
    dpkg --purge $PKG >/dev/null 2>&1 || true
    bash "$SRC/tests/packaging/podman_runs.sh" cleanup "$W" "$RL_USER" >/dev/null 2>&1 || true
}
trap cleanup EXIT
dpkg -i "$DEB" || fail "dpkg -i"
ok "dpkg -i $(basename "$DEB")"
bash "$SRC/tests/packaging/podman_runs.sh" check "$W" "$RL_USER" || fail "podman after install"
ok "after dpkg -i: root and rootless podman still run"
file -L /usr/bin/oci-sandbox-hook | grep -q 'statically linked' || fail "/usr/bin/oci-sandbox-hook is not static"
ok "/usr/bin/oci-sandbox-hook is static"
file -L /usr/bin/oci-sandbox-enforce | grep -q 'statically linked' || fail "/usr/bin/oci-sandbox-enforce is not static"
ok "/usr/bin/oci-sandbox-enforce is static"
[ "$(readlink -f /usr/bin/oci-sandbox-runtime)" = /usr/bin/oci-sandbox-hook ] || fail "oci-sandbox-runtime link"
man -w oci-sandbox-hook >/dev/null && man -w 5 oci-sandbox-policy >/dev/null && man -w oci-sandbox-runtime >/dev/null \
    || fail "man pages not found by man -w"
ok "man -w finds oci-sandbox-hook(8), oci-sandbox-policy(5), oci-sandbox-runtime(8)"

# 6. Wire podman with the installed binary (setup podman), end to end
#    against the installed files, PATH without the build tree; rootless
#    podman still runs with the drop-in in place; then unwire.
oci-sandbox-hook setup podman || fail "oci-sandbox-hook setup podman"
bash "$SRC/tests/packaging/podman_runs.sh" check "$W" "$RL_USER" || fail "podman after setup podman"
ok "after setup podman: root and rootless podman still run"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    OSH_PROBE="$W/osh-probe" OSH_BUILD_ROOT="$SRC" \
    python3 "$SRC/tests/packaging/installed_podman.py" || fail "end to end against the installed package"
ok "podman end to end against the installed package"
oci-sandbox-hook setup podman --remove || fail "setup podman --remove"
[ ! -e /etc/containers/containers.conf.d/50-oci-sandbox.conf ] || fail "setup podman --remove left the drop-in"

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
dpkg -L $PKG | grep -v '^/\.$' | while read -r d; do
    grep -qx "$d" "$W/conffiles.txt" && continue
    [ -d "$d" ] || fail "dpkg -L still lists $d, which is not a conffile"
done
ok "dpkg -r: only the conffiles are left"
dpkg --purge $PKG || fail "dpkg --purge"
for c in $(cat "$W/conffiles.txt"); do [ ! -e "$c" ] || fail "$c left after purge"; done
! dpkg -S /usr/bin/oci-sandbox-hook >/dev/null 2>&1 || fail "dpkg -S still knows the binary"
trap - EXIT
ok "dpkg --purge: the conffiles are gone"
bash "$SRC/tests/packaging/podman_runs.sh" check "$W" "$RL_USER" || fail "podman after purge"
ok "after dpkg --purge: root and rootless podman still run"
bash "$SRC/tests/packaging/podman_runs.sh" cleanup "$W" "$RL_USER"
echo "all checks passed ($W)"
