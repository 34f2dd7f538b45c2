// The spec edit (PRODUCT.md "How it is wired", step 1): our hooks, two
// read-only bind mounts (the static enforcer and the container's plan
// directory) and process.args prefixed with the in-container enforcer.
// The runtime shim, `precreate` and `inject` all call this one editor, so the
// three ways produce the same edit. The whole config.json is kept as a DOM:
// unknown fields survive, in their original order.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/spec.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::oci {

// The /proc paths the edit keeps read-only in every container: runc's
// default linux.readonlyPaths, and /proc/pressure (a PSI trigger written
// there acts host-wide, and the runtimes leave it writable).
inline constexpr const char* kHostWideProcPaths[] = {"/proc/bus",      "/proc/fs",
                                                      "/proc/irq",      "/proc/pressure",
                                                      "/proc/sys",      "/proc/sysrq-trigger"};

// The source of the tmpfs the edit mounts at the directory holding the
// enforcer and the plan (/.oci-sandbox): how a later edit knows it as ours.
inline constexpr const char* kAreaSource = "oci-sandbox";

struct EditParams {
    // Absolute host path of oci-sandbox-hook: the hooks' path.
    std::string host_binary;
    // Absolute host path of the static enforcer: the source of its bind
    // mount, and what the hooks are told to prove (--enforcer).
    std::string host_enforcer;
    // Absolute host directory of this container's plan, bound read-only.
    std::string plan_host_dir;
    // The host directory holding every plan directory: a mount at our plan
    // point from beneath it is an earlier edit of ours, replaced, not a conflict.
    std::string plan_run_root;
    // The spec edit's random key: the enforcer accepts only a plan carrying it.
    std::string edit_key;
    // Where the enforcer and the plan appear inside the container.
    std::string container_enforcer;
    std::string container_plan_dir;
    // Extra args for our hooks, after "--stage STAGE", e.g. {"--policy", "/etc/x.json"}.
    std::vector<std::string> hook_args;
    // Set on the spec (e.g. a plan key); existing keys are overwritten.
    std::map<std::string, std::string> annotations;
};

// How an edited document is written.
enum class SpecFormat {
    like_input,  // pretty when the input spans several lines, compact otherwise
    compact,
    pretty,  // two-space indent, trailing newline
};

struct EditOutcome {
    std::string text;  // the edited config; byte-identical to the input when !changed
    bool changed = false;
};

// A whole config.json held as a DOM: every field, known or not, in order.
class SpecDocument {
  public:
    // Parses `text` (numbers at full precision so a rewrite keeps them);
    // errors name `origin` and the byte offset.
    static Result<SpecDocument> parse(std::string_view text, std::string_view origin);

    // Applies the edit; true when the document changed. Idempotent: a second
    // apply with the same params returns false and leaves the DOM as it was.
    // On error the document may be partly edited: discard it.
    Result<bool> apply(const EditParams& params);

    std::string write(SpecFormat format) const;

    const rapidjson::Document& document() const { return doc_; }
    rapidjson::Document& document() { return doc_; }
    // The fields the hook reads, as parsed (read_spec); apply does not update them.
    const Spec& parsed() const { return parsed_; }

  private:
    rapidjson::Document doc_;
    Spec parsed_;
    std::string origin_;
    bool multiline_ = false;  // the input spanned several lines
};

// Checks that the params can produce a sane edit (absolute paths, no NUL,
// distinct container destinations, an edit key).
Result<void> validate_edit_params(const EditParams& params);

// What the enforcer's invocation puts in front of a command:
// BINARY exec --plan PLAN_DIR --key EDIT_KEY --
std::vector<std::string> enforcer_prefix(const EditParams& params);

// The enforcer invocation found at the start of a process's args, when the
// command is already wrapped by one of ours.
struct WrappedCommand {
    std::string plan_dir;  // --plan
    std::string edit_key;  // --key ("" when absent)
    size_t command_at = 0;  // the index of the command, after "--"
};
std::optional<WrappedCommand> wrapped_by_enforcer(const std::vector<std::string>& args,
                                                  std::string_view container_enforcer);

// The workload's own command: what follows the enforcer's "--" when `args`
// is wrapped by one of ours, else `args` as they are.
std::vector<std::string> workload_command(const std::vector<std::string>& args,
                                          std::string_view container_enforcer);

// Edits the process object of `runtime exec --process FILE` (runc's and
// crun's format: the spec's `process`): its args get the enforcer prefix,
// every other field is kept. Idempotent.
Result<EditOutcome> edit_process_text(std::string_view process_json, const EditParams& params,
                                      std::string_view origin);

// Applies the edit to `doc`, parsed from `text`. When nothing changes, the
// outcome's text is `text` itself.
Result<EditOutcome> edit_document(SpecDocument& doc, std::string_view text,
                                  const EditParams& params,
                                  SpecFormat format = SpecFormat::like_input);

// Edits config.json text. When nothing changes, `text` is the input itself.
Result<EditOutcome> edit_spec_text(std::string_view config_json, const EditParams& params,
                                   std::string_view origin,
                                   SpecFormat format = SpecFormat::like_input);

// A bundle's config.json, read for an edit: the bundle directory (the
// rewrite's rename happens in it), the file's text and mode. The file is
// refused when it is a symlink, not a regular file, or larger than
// file::kMaxInputBytes (file::read_regular_at: a device is never opened).
struct BundleConfig {
    UniqueFd dir;
    std::string path;  // bundle_dir/config.json, for messages
    std::string text;
    int mode = 0644;
};
Result<BundleConfig> read_bundle_config(const std::string& bundle_dir);

// Applies the edit to `doc` (parsed from config.text) and, when it changed,
// rewrites config.json atomically (file::write_atomic: temp file, rename in
// the bundle directory) keeping its mode and layout. Returns whether the
// file was rewritten; on error the original is untouched.
Result<bool> rewrite_bundle_config(const BundleConfig& config, SpecDocument& doc,
                                   const EditParams& params);

}  // namespace osh::oci
