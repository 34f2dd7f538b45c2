# bash completion for oci-sandbox-hook and oci-sandbox-runtime (subcommands
# and their options, as `oci-sandbox-hook CMD --help` lists them;
# tests/packaging/man_help_test.py checks this file against --help).
# Needs bash-completion (_init_completion, _filedir); the packages depend on it.
_oci_sandbox_hook() {
    local cur prev words cword split
    _init_completion -s || return

    local cmds="hook exec runtime precreate inject explain check-policy probe setup doctor"
    local cmd="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return
    fi

    case $prev in
        --policy|--config)
            if [[ $cmd == setup ]]; then _filedir; else _filedir json; fi; return ;;
        --runtime-config)
            _filedir json; return ;;
        --bundle|--plan|--root|--policies-dir|--run-root)
            _filedir -d; return ;;
        --runtime-path|--proc-devices|--proc-misc)
            _filedir; return ;;
        --containerd-config-version)
            COMPREPLY=($(compgen -W "2 3" -- "$cur")); return ;;
        --hook-binary|--enforcer)
            _filedir; return ;;
        --format)
            COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --stage)
            COMPREPLY=($(compgen -W "prestart createRuntime poststop" -- "$cur")); return ;;
        --proc-devices)
            _filedir; return ;;
        --id|--hook-arg|--runtime-name|--key)
            return ;;
    esac
    # --stage=VALUE and --format=VALUE forms (_init_completion -s split them).
    [[ $split == true ]] && return

    local opts=""
    case $cmd in
        hook) opts="--policy --policies-dir --run-root --stage --enforcer" ;;
        exec)
            # After --, complete the workload command.
            for ((i = 2; i < cword; i++)); do
                if [[ ${words[i]} == -- ]]; then
                    _command_offset $((i + 1)); return
                fi
            done
            opts="--plan --key --" ;;
        precreate) opts="--hook-binary --hook-arg" ;;
        inject) opts="--bundle --id --hook-binary --hook-arg" ;;
        explain) opts="--bundle --config --policy --policies-dir --proc-devices --proc-misc --format" ;;
        check-policy)
            if [[ $cur != -* ]]; then _filedir json; return; fi ;;
        probe) opts="--format" ;;
        setup)
            if [[ ${words[cword-1]} == setup ]]; then
                COMPREPLY=($(compgen -W "docker containerd crio podman" -- "$cur")); return
            fi
            opts="--dry-run --set-as-default --remove --root --config --runtime-name --runtime-path --containerd-config-version" ;;
        doctor) opts="--format --root --policy --policies-dir --runtime-config --run-root" ;;
        runtime) _oci_sandbox_runtime_args 2; return ;;
    esac
    COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
}
# The shim takes runc's arguments: complete runc's commands and a few of its
# common options (everything is passed on verbatim).
_oci_sandbox_runtime_args() {
    local first=$1 i
    case $prev in
        --bundle|-b|--root) _filedir -d; return ;;
        --log|--pid-file|--process) _filedir; return ;;
    esac
    for ((i = first; i < cword; i++)); do
        case ${words[i]} in
            create|run|start|state|kill|delete|exec|list|ps|pause|resume|events|update|spec|features)
                COMPREPLY=($(compgen -W "--bundle --pid-file --console-socket --help" -- "$cur")); return ;;
        esac
    done
    COMPREPLY=($(compgen -W "create run start state kill delete exec list ps pause resume events update spec features --root --log --log-format --systemd-cgroup --help --version" -- "$cur"))
}
_oci_sandbox_runtime() {
    local cur prev words cword
    _init_completion || return
    _oci_sandbox_runtime_args 1
}
complete -F _oci_sandbox_hook oci-sandbox-hook
complete -F _oci_sandbox_runtime oci-sandbox-runtime
