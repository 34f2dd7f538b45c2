#!/usr/bin/env python3
"""Every shipped hooks.d file loads the way each consumer loads it, and our
CDI spec the way the CDI validator does; any error fails the test.

hooks.d (containers/common pkg/hooks, read.go and 1.0.0/hook.go Validate):
version "1.0.0"; hook.path present and existing; timeout a positive
integer (ours always set one); when.annotations/commands valid regexps;
stages present and each an OCI stage or one of the caller's extension
stages. podman calls it with ["precreate", "poststop"]; CRI-O and
containerd's NRI hook injector with none. A file with the precreate stage
must therefore never be where CRI-O or NRI read (it is shipped in the
podman-only podman-hooks.d), and the createRuntime/poststop file must load
with no extension stages.

CDI (container-device-interface pkg/cdi spec.go, device.go,
container-edits.go, parser.go, specs-go/version.go): strict fields; a
cdiVersion known to the validator of podman 4.3 (CDI v0.5.2: 0.1.0-0.5.0)
and to the current one; kind vendor/class with valid names; at least one
device; each device a valid name and NON-EMPTY containerEdits; each hook a
valid hookName with a path; the corpus's CNCF fixtures are judged the same
way as upstream does (good valid, bad invalid)."""
import json
import os
import re
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, env, finish  # noqa: E402

SRC, BIN = env("OSH_SOURCE_ROOT", "OSH_BINARY")
CORPUS = os.environ.get("OSH_CORPUS")


OCI_STAGES = {"createContainer", "createRuntime", "prestart", "poststart", "poststop", "startContainer"}
HOOK_FIELDS = {"path", "args", "env", "timeout"}


def load_hook(text, extension_stages, binary):
    """containers/common hooks.Read + Validate; returns an error string or None."""
    try:
        d = json.loads(text)
    except ValueError as e:
        return "version check: %s" % e
    if d.get("version") != "1.0.0":
        return "unexpected hook version %r" % d.get("version")
    h = d.get("hook")
    if not isinstance(h, dict) or not h.get("path"):
        return "missing required property: hook.path"
    if set(h) - HOOK_FIELDS:
        return "unknown hook fields %s" % sorted(set(h) - HOOK_FIELDS)
    if not os.path.exists(binary):
        return "stat %s: no such file" % binary
    if "timeout" in h and not (isinstance(h["timeout"], int) and h["timeout"] > 0):
        return "timeout must be a positive integer"
    when = d.get("when", {})
    for k, v in when.get("annotations", {}).items():
        for x in (k, v):
            try:
                re.compile(x)
            except re.error:
                return "invalid annotation regexp %r" % x
    for c in when.get("commands", []):
        try:
            re.compile(c)
        except re.error:
            return "invalid command %r" % c
    if d.get("stages") is None:
        return "missing required property: stages"
    valid = OCI_STAGES | set(extension_stages)
    for s in d["stages"]:
        if s not in valid:
            return "unknown stage %r" % s
    return None


hooks_dir = os.path.join(SRC, "hooks")
shipped = {n: open(os.path.join(hooks_dir, n)).read() for n in os.listdir(hooks_dir) if not n.startswith("cdi-")}
check(set(shipped) == {"oci-sandbox-hook.json", "oci-sandbox-precreate.json"}, "shipped hooks.d files: %s" % sorted(shipped))
for name, text in sorted(shipped.items()):
    d = json.loads(text)
    check(isinstance(d["hook"].get("timeout"), int) and d["hook"]["timeout"] > 0, "%s: hook.timeout set" % name)
    err = load_hook(text, ["precreate", "poststop"], BIN)
    check(err is None, "%s loads as podman loads it (extension stages precreate, poststop): %s" % (name, err))
    err = load_hook(text, [], BIN)
    if "precreate" in d["stages"]:
        check(err is not None and "precreate" in err, "%s is refused by CRI-O/NRI (no extension stages): %s" % (name, err))
    else:
        check(err is None, "%s loads as CRI-O and NRI load it (no extension stages): %s" % (name, err))

# Where they are installed: precreate only in the podman-only directory.
with open(os.path.join(SRC, "packaging", "meson.build")) as f:
    mb = f.read()
check(re.search(r"\['oci-sandbox-precreate.json', examples_dir / 'podman-hooks.d'\]", mb) is not None,
      "the precreate file installs into the podman-only podman-hooks.d")
check("'containers'" not in mb, "packaging installs nothing under DATADIR/containers (read by CRI-O and podman)")


def name_ok(s, first_digit_ok, extra):
    if not s:
        return False
    if not (s[0].isascii() and (s[0].isalpha() or (first_digit_ok and s[0].isdigit()))):
        return False
    if len(s) == 1:
        return True
    if any(not (c.isascii() and (c.isalnum() or c in extra)) for c in s[1:-1]):
        return False
    return not first_digit_ok or (s[-1].isascii() and s[-1].isalnum())


EDIT_FIELDS = {"env", "deviceNodes", "hooks", "mounts", "intelRdt", "additionalGids", "netDevices"}
HOOK_NAMES = OCI_STAGES
PODMAN_43_VERSIONS = {"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0"}
CURRENT_VERSIONS = PODMAN_43_VERSIONS | {"0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0"}


def edits_error(e, where):
    if not isinstance(e, dict) or set(e) - EDIT_FIELDS:
        return "%s: unknown containerEdits fields" % where
    for h in e.get("hooks", []):
        if set(h) - {"hookName", "path", "args", "env", "timeout"}:
            return "%s: unknown hook fields" % where
        if h.get("hookName") not in HOOK_NAMES:
            return "%s: invalid hook name %r" % (where, h.get("hookName"))
        if not h.get("path"):
            return "%s: invalid hook with empty path" % where
    for v in e.get("env", []):
        if "=" not in v or v.index("=") == 0:
            return "%s: invalid environment variable %r" % (where, v)
    return None


def cdi_error(spec, versions):
    if not isinstance(spec, dict) or set(spec) - {"cdiVersion", "kind", "annotations", "devices", "containerEdits"}:
        return "failed to unmarshal CDI Spec (unknown or missing fields)"
    if spec.get("cdiVersion") not in versions:
        return "invalid version %r" % spec.get("cdiVersion")
    vendor, _, cls = spec.get("kind", "").partition("/")
    if not name_ok(vendor, False, "_-.") or not name_ok(cls, False, "_-."):
        return "invalid kind %r" % spec.get("kind")
    if "." in cls and spec["cdiVersion"] in {"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0"}:
        return "the spec version must be at least v0.6.0 (dot in class)"
    if "containerEdits" in spec:
        err = edits_error(spec["containerEdits"], "spec")
        if err:
            return err
    devices = spec.get("devices") or []
    if not devices:
        return "invalid spec, no devices"
    seen = set()
    for d in devices:
        if set(d) - {"name", "annotations", "containerEdits"}:
            return "device: unknown fields"
        if not name_ok(d.get("name", ""), True, "_-.:"):
            return "invalid device name %r" % d.get("name")
        if d["name"] in seen:
            return "invalid spec, multiple device %r" % d["name"]
        seen.add(d["name"])
        e = d.get("containerEdits") or {}
        if not any(e.get(k) for k in EDIT_FIELDS):
            return "invalid device, empty device edits"
        err = edits_error(e, "device %s" % d["name"])
        if err:
            return err
    return None


with open(os.path.join(SRC, "hooks", "cdi-oci-sandbox.json")) as f:
    ours = json.load(f)
for label, versions in (("podman 4.3 (CDI v0.5.2)", PODMAN_43_VERSIONS), ("current CDI", CURRENT_VERSIONS)):
    err = cdi_error(ours, versions)
    check(err is None, "hooks/cdi-oci-sandbox.json is valid for %s: %s" % (label, err))
hooks = [h for d in ours["devices"] for h in d["containerEdits"].get("hooks", [])]
check({h["hookName"] for h in hooks} == {"createRuntime", "poststop"} and all(h.get("timeout") for h in hooks),
      "our CDI spec carries the createRuntime and poststop hooks, each with a timeout")
if not CORPUS or not os.path.isdir(CORPUS):
    print("note: the shared corpus (../shared/corpus) is absent: the CNCF fixtures and the CDI "
          "schema are not checked")
else:
    cdi = os.path.join(CORPUS, "cdi", "cncf-cdi")
    for n in sorted(os.listdir(cdi)):
        try:
            with open(os.path.join(cdi, n)) as f:
                spec = json.load(f)
            err = cdi_error(spec, CURRENT_VERSIONS)
        except ValueError as e:
            err = str(e)
        check((err is None) == n.startswith("good"), "CNCF fixture %s judged as upstream does: %s" % (n, err))
    try:
        import jsonschema
        with open(os.path.join(CORPUS, "schema", "cdi", "schema.json")) as f:
            schema = json.load(f)
        resolver = jsonschema.RefResolver("file://" + os.path.join(CORPUS, "schema", "cdi") + "/", schema)
        jsonschema.validate(ours, schema, resolver=resolver)
        check(True, "our CDI spec validates against the CDI JSON schema")
    except ImportError:
        print("note: python3-jsonschema absent; the CDI schema is not checked")
    except jsonschema.ValidationError as e:
        check(False, "our CDI spec validates against the CDI JSON schema: %s" % e.message)

finish()
