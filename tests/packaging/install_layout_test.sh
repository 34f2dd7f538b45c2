#!/bin/bash
# `meson install --destdir` produces the documented layout (docs/install.md)
# for this build's prefix, and the installed hooks.d/CDI files name the
# installed binary. Run by meson test (OSH_BUILD_ROOT, OSH_PREFIX set).
set -euo pipefail
B=${OSH_BUILD_ROOT:?run through meson test}
P=${OSH_PREFIX:?}
D=$(mktemp -d /tmp/osh-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok   $*"; }

meson install -C "$B" --no-rebuild --destdir "$D" --quiet > "$D.log" 2>&1 || { cat "$D.log"; rm -f "$D.log"; fail "meson install"; }
rm -f "$D.log"
intro=$(meson introspect "$B" --installed)
py() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); $1" "$intro"; }
bindir=$(dirname "$(py 'print([v for k,v in d.items() if k.endswith("/src/oci-sandbox-hook")][0])')")
datadir=$(dirname "$(dirname "$(py 'print([v for v in d.values() if v.endswith("/man8/oci-sandbox-hook.8")][0])')")")
datadir=$(dirname "$datadir")   # .../share/man/man8 -> .../share
confdir=$(dirname "$(py 'print([v for v in d.values() if v.endswith("/oci-sandbox/policy.json")][0])')")
ok "prefix $P: bindir $bindir, datadir $datadir, config $confdir"

bin="$bindir/oci-sandbox-hook"
[ -x "$D$bin" ] || fail "$bin not installed"
if [ "${OSH_STATIC:-true}" = true ]; then
    file "$D$bin" | grep -q 'statically linked' || fail "$bin is not static"
    ok "$bin is static"
fi
enforcer="$bindir/oci-sandbox-enforce"
[ -x "$D$enforcer" ] || fail "$enforcer not installed"
if [ "${OSH_STATIC:-true}" = true ]; then
    file "$D$enforcer" | grep -q 'statically linked' || fail "$enforcer is not static"
    ok "$enforcer is static"
fi
"$D$enforcer" --version | grep -q '^oci-sandbox-enforce ' || fail "$enforcer --version"
ok "$enforcer installed beside $bin"
[ "$(readlink "$D$bindir/oci-sandbox-runtime")" = oci-sandbox-hook ] || fail "oci-sandbox-runtime is not a link to oci-sandbox-hook"
ok "$bindir/oci-sandbox-runtime -> oci-sandbox-hook"
[ "$("$D$bindir/oci-sandbox-runtime" --version 2>&1 | head -1)" != "" ] || true

[ ! -e "$D$datadir/containers" ] || fail "something is installed under $datadir/containers (an engine reads it)"
ok "nothing installed where an engine reads hooks or configuration"
for f in "$datadir/oci-sandbox-hook/podman-hooks.d/oci-sandbox-precreate.json" \
         "$datadir/oci-sandbox-hook/hooks.d/oci-sandbox-hook.json" \
         "$datadir/oci-sandbox-hook/cdi/cdi-oci-sandbox.json"; do
    [ -f "$D$f" ] || fail "$f not installed"
    paths=$(python3 -c 'import json,re,sys; print(" ".join(sorted(set(re.findall(r"\"path\": \"([^\"]+)\"", open(sys.argv[1]).read())))))' "$D$f")
    [ "$paths" = "$bin" ] || fail "$f names '$paths', not $bin"
    python3 -m json.tool "$D$f" >/dev/null || fail "$f is not JSON"
    ok "$f names $bin"
done
for f in "$confdir/policy.json" "$confdir/runtime.json" \
         "$datadir/man/man8/oci-sandbox-hook.8" "$datadir/man/man5/oci-sandbox-policy.5" \
         "$datadir/bash-completion/completions/oci-sandbox-hook" \
         "$(dirname "$confdir")/logrotate.d/oci-sandbox-hook" \
         "$datadir/oci-sandbox-hook/kubernetes/runtimeclass.yaml" \
         "$datadir/oci-sandbox-hook/kubernetes/containerd-config.toml" \
         "$datadir/oci-sandbox-hook/nvidia/config.toml" \
         "$datadir/doc/oci-sandbox-hook/install.md" "$datadir/doc/oci-sandbox-hook/policy.md" \
         "$datadir/doc/oci-sandbox-hook/integrations/README.md"; do
    [ -f "$D$f" ] || fail "$f not installed"
done
[ -d "$D$confdir/policies.d" ] || fail "$confdir/policies.d not installed"
[ -f "$D$confdir/policies.d/gvisor.json" ] || fail "$confdir/policies.d/gvisor.json not installed"
[ "$(readlink "$D$datadir/man/man8/oci-sandbox-runtime.8")" = oci-sandbox-hook.8 ] || fail "oci-sandbox-runtime.8 link"
[ "$(readlink "$D$datadir/bash-completion/completions/oci-sandbox-runtime")" = oci-sandbox-hook ] || fail "oci-sandbox-runtime completion link"
ok "policy, runtime.json, policies.d/gvisor.json, man pages, completion, examples, docs installed"
"$D$bin" check-policy "$D$confdir/policy.json" || fail "installed policy invalid"
"$D$bin" check-policy "$D$confdir/policies.d/gvisor.json" || fail "installed gvisor.json invalid"
ok "the installed policy and policies.d/gvisor.json are valid"
# The completion loads in bash and completes the subcommands (a stub for
# bash-completion's _init_completion when that package is absent).
out=$(bash -c '
  _init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
  _filedir() { :; }
  source "$1"
  COMP_WORDS=(oci-sandbox-hook ex); COMP_CWORD=1; _oci_sandbox_hook; echo "${COMPREPLY[*]}"
  COMP_WORDS=(oci-sandbox-hook explain --f); COMP_CWORD=2; _oci_sandbox_hook; echo "${COMPREPLY[*]}"
  COMP_WORDS=(oci-sandbox-hook probe --format ""); COMP_CWORD=3; _oci_sandbox_hook; echo "${COMPREPLY[*]}"
' _ "$D$datadir/bash-completion/completions/oci-sandbox-hook")
[ "$out" = $'exec explain\n--format\ntext json' ] || fail "bash completion gave: $out"
ok "bash completion: subcommands, options, --format values"
echo "all checks passed"
