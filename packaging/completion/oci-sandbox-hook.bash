# bash completion for oci-sandbox-hook (subcommands and their options, as
# `oci-sandbox-hook CMD --help` lists them; tests/packaging/man_help_test.py
# checks this file against --help).
_oci_sandbox_hook() {
    local cur prev words cword
    _init_completion || return

    local cmds="hook exec runtime precreate inject explain check-policy probe"
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
            _filedir json; return ;;
        --bundle|--plan)
            _filedir -d; return ;;
        --hook-binary)
            _filedir; return ;;
        --format)
            COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --stage)
            COMPREPLY=($(compgen -W "prestart createRuntime poststop" -- "$cur")); return ;;
        --id|--hook-arg)
            return ;;
    esac

    local opts=""
    case $cmd in
        hook) opts="--policy --stage" ;;
        exec)
            # After --, complete the workload command.
            for ((i = 2; i < cword; i++)); do
                if [[ ${words[i]} == -- ]]; then
                    _command_offset $((i + 1)); return
                fi
            done
            opts="--plan --" ;;
        precreate) opts="--hook-binary --hook-arg" ;;
        inject) opts="--bundle --id --hook-binary --hook-arg" ;;
        explain) opts="--bundle --config --policy --format" ;;
        check-policy)
            if [[ $cur != -* ]]; then _filedir json; return; fi ;;
        probe) opts="--format" ;;
        runtime) return ;;  # runc's arguments, passed on verbatim
    esac
    COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
}
complete -F _oci_sandbox_hook oci-sandbox-hook
