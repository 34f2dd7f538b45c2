// `setup ENGINE [--dry-run] [--set-as-default] [--remove]`: register the
// shim with an engine, keeping the rest of its configuration. Thin: the
// engines' formats are in src/setup/.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands/commands.hpp"
#include "setup/engines.hpp"

namespace osh::commands {

namespace {

struct SetupArgs {
    std::string engine;
    setup::Options opts;
    bool dry_run = false;
};

int run_setup(const SetupArgs& a) {
    const std::string me = "oci-sandbox-hook setup " + a.engine;
    auto engine = setup::parse_engine(a.engine);
    if (!engine) {
        std::cerr << "oci-sandbox-hook setup: unknown engine \"" << a.engine
                  << "\"; allowed: docker, containerd, crio, podman\n";
        return 2;
    }
    auto plan = setup::plan(*engine, a.opts);
    if (!plan) {
        std::cerr << me << ": " << plan.error().what() << "\n";
        return 1;
    }
    bool changes = false;
    for (const auto& f : plan->files) changes = changes || f.changes();
    if (!changes) {
        std::cout << me << ": nothing to change (" << (a.opts.remove ? "not set up" : "already set up")
                  << ")\n";
        return 0;
    }
    if (a.dry_run) {
        std::cout << setup::describe(*plan) << me << ": dry run, nothing written\n";
        return 0;
    }
    auto done = setup::apply(*plan);
    if (!done) {
        std::cerr << me << ": " << done.error().what() << "\n";
        return 1;
    }
    for (const auto& line : *done) std::cout << me << ": " << line << "\n";
    for (const auto& note : plan->notes) std::cout << me << ": next: " << note << "\n";
    return 0;
}

}  // namespace

void add_setup(CLI::App& app, int& exit_code) {
    auto a = std::make_shared<SetupArgs>();
    auto* cmd = app.add_subcommand(
        "setup", "Register the shim with an engine (docker, containerd, crio, podman), keeping the rest of its configuration");
    cmd->description(
        "Register oci-sandbox-runtime with an engine, like `nvidia-ctk runtime configure`:\n"
        "  docker      merges \"runtimes\" (and \"default-runtime\") into /etc/docker/daemon.json\n"
        "  containerd  writes /etc/containerd/conf.d/50-oci-sandbox.toml (a copy of config.toml's\n"
        "              CRI section plus the runtime handler) and adds conf.d/*.toml to its imports\n"
        "  crio        writes /etc/crio/crio.conf.d/50-oci-sandbox.conf (runtime handler)\n"
        "  podman      writes /etc/containers/containers.conf.d/50-oci-sandbox.conf (the runtime and\n"
        "              the podman-only precreate hooks directory)\n"
        "A file it rewrites is first copied to FILE.bak-oci-sandbox-TIME. Running it twice changes\n"
        "nothing the second time; --remove undoes what it added.\n"
        "Exit status: 0 done (or nothing to do), 1 failed, 2 usage.");
    cmd->footer("Then restart the engine and run `oci-sandbox-hook doctor`.\n"
                "Docs: /usr/share/doc/oci-sandbox-hook/install.md; man oci-sandbox-hook");
    cmd->add_option("ENGINE", a->engine, "docker, containerd, crio or podman")->required();
    cmd->add_flag("--dry-run", a->dry_run, "show the change (a line diff), write nothing");
    cmd->add_flag("--set-as-default", a->opts.set_as_default, "also make it the engine's default runtime");
    cmd->add_flag("--remove", a->opts.remove, "undo what setup added");
    cmd->add_option("--root", a->opts.root, "prefix for every configuration path (a test tree, an image)");
    cmd->add_option("--config", a->opts.config,
                    "the engine's main configuration file (default: daemon.json, config.toml, crio.conf, "
                    "containers.conf in /etc)");
    cmd->add_option("--runtime-name", a->opts.runtime_name, "runtime (handler) name")->capture_default_str();
    cmd->add_option("--runtime-path", a->opts.runtime_path, "the shim the engine runs")->capture_default_str();
    cmd->add_option("--containerd-config-version", a->opts.containerd_version,
                    "config version for a config.toml that does not exist yet (2: containerd 1.x and 2.x; 3: 2.x)")
        ->check(CLI::IsMember({2, 3}))
        ->capture_default_str();
    cmd->callback([a, &exit_code] { exit_code = run_setup(*a); });
}

}  // namespace osh::commands
