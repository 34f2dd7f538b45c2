// Command layer: each command is a thin function over the library. main.cpp
// only wires these into CLI11. `exit_code` receives the command's status.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace osh::commands {

void add_explain(CLI::App& app, int& exit_code);
void add_check_policy(CLI::App& app, int& exit_code);
void add_probe(CLI::App& app, int& exit_code);
void add_exec(CLI::App& app, int& exit_code);
void add_hook(CLI::App& app, int& exit_code);
void add_precreate(CLI::App& app, int& exit_code);
void add_inject(CLI::App& app, int& exit_code);
void add_setup(CLI::App& app, int& exit_code);
void add_doctor(CLI::App& app, int& exit_code);

// The runc-compatible shim takes its arguments verbatim (runc's flags are not
// ours to parse), so it bypasses CLI11. `args` excludes the program name and
// the "runtime" word.
int runtime_main(const std::vector<std::string>& args);

// The enforcer proper: read the plan in `plan_dir` (it must carry `key`),
// enforce it, exec `command`.
int exec_main(const std::string& plan_dir, const std::string& key,
              const std::vector<std::string>& command);

// The enforcer runs before every workload: its common forms
// (`exec [--plan DIR] -- CMD…`) are recognised without building the whole
// CLI. Returns nullopt for anything else (help, usage errors), which then
// goes through CLI11.
std::optional<int> exec_fast_path(int argc, char** argv);

// `hook` in the form the spec edit writes, without building the CLI (every
// container start runs it twice); nullopt: let the CLI parse (and explain) it.
std::optional<int> hook_fast_path(int argc, char** argv);

}  // namespace osh::commands
