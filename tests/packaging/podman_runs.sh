#!/bin/bash
# Do root and rootless podman still run? Used by deb_test.sh before the
# install, after it, after `setup podman` and after the purge.
#
#   podman_runs.sh before|check|cleanup WORKDIR USER
#
# before: creates USER (a real unprivileged user with subuid/subgid ranges,
# as `uidmap` needs for rootless podman) and the test rootfs, and runs both;
# if rootless podman cannot run on this host at all, records why in
# WORKDIR/rootless-skip and later checks skip it saying so.
# check: both run (`echo`, exit 0). cleanup: removes USER and the rootfs.
set -uo pipefail
mode=$1 W=$2 U=$3
RF="$W/podman-runs-rootfs"
fail() { echo "FAIL: $*"; exit 1; }
hn=$(ulimit -Hn); hu=$(ulimit -Hu)
[ "$hn" = unlimited ] && hn=1024; [ "$hu" = unlimited ] && hu=1024
[ "$hn" -gt 1024 ] && hn=1024; [ "$hu" -gt 1024 ] && hu=1024

root_run() {
    podman --runtime runc --cgroup-manager cgroupfs run --rm --network none \
        --ulimit "nofile=$hn:$hn" --ulimit "nproc=$hu:$hu" --rootfs "$RF/root" /bin/busybox echo root-ok
}
rootless_run() {
    (cd / && timeout 180 runuser -u "$U" -- env -i HOME="/home/$U" PATH=/usr/bin:/bin USER="$U" \
        podman --runtime runc --cgroup-manager cgroupfs run --rm --network none \
        --rootfs "$RF/rootless" /bin/busybox echo rootless-ok)
}

case $mode in
before)
    command -v busybox >/dev/null || { echo "SKIP: no busybox for the test rootfs"; echo "no busybox" > "$W/rootless-skip"; exit 0; }
    file -L "$(command -v busybox)" | grep -q 'statically linked' || { echo "busybox is not static" > "$W/rootless-skip"; }
    rm -rf "$RF"; mkdir -p "$RF/root/bin" "$RF/rootless/bin"
    cp "$(command -v busybox)" "$RF/root/bin/busybox"; cp "$(command -v busybox)" "$RF/rootless/bin/busybox"
    chmod 755 "$W" "$RF"
    out=$(root_run 2>&1) && [[ $out == *root-ok* ]] || fail "root podman does not run even before the install: $out"
    echo "ok   root podman runs (before)"
    rm -f "$W/rootless-skip"
    command -v newuidmap >/dev/null || { echo "newuidmap missing (package uidmap)" > "$W/rootless-skip"; }
    if [ ! -e "$W/rootless-skip" ]; then
        id "$U" >/dev/null 2>&1 || useradd -m -s /bin/bash "$U" || fail "useradd $U"
        grep -q "^$U:" /etc/subuid || usermod --add-subuids 300000-365535 "$U"
        grep -q "^$U:" /etc/subgid || usermod --add-subgids 300000-365535 "$U"
        chown -R "$U:" "$RF/rootless"
        out=$(rootless_run 2>&1)
        if [[ $out == *rootless-ok* ]]; then
            echo "ok   rootless podman runs (before, as $U)"
        else
            echo "rootless podman cannot run on this host even before the install: $out" > "$W/rootless-skip"
        fi
    fi
    [ -e "$W/rootless-skip" ] && echo "SKIP rootless checks: $(cat "$W/rootless-skip")"
    exit 0 ;;
check)
    out=$(root_run 2>&1) && [[ $out == *root-ok* ]] || fail "root podman no longer runs: $out"
    echo "ok   root podman runs"
    if [ -e "$W/rootless-skip" ]; then
        echo "SKIP rootless: $(cat "$W/rootless-skip")"
    else
        out=$(rootless_run 2>&1) && [[ $out == *rootless-ok* ]] || fail "rootless podman no longer runs: $out"
        echo "ok   rootless podman runs (as $U)"
    fi
    exit 0 ;;
cleanup)
    if id "$U" >/dev/null 2>&1; then
        uid=$(id -u "$U")
        runuser -u "$U" -- podman system reset -f >/dev/null 2>&1 || true
        # podman's rootless pause process outlives the reset, and userdel
        # refuses a user with processes: stop them first.
        pkill -KILL -u "$uid" >/dev/null 2>&1 || true
        for _ in $(seq 50); do pgrep -u "$uid" >/dev/null || break; sleep 0.1; done
        userdel -r "$U" >/dev/null 2>&1 || true
        sed -i "/^$U:/d" /etc/subuid /etc/subgid
        rm -rf "/run/user/$uid" "/tmp/podman-run-$uid" "/tmp/oci-sandbox-$uid" "/tmp/containers-user-$uid"
    fi
    rm -rf "$RF"
    exit 0 ;;
esac
echo "usage: podman_runs.sh before|check|cleanup WORKDIR USER"; exit 2
