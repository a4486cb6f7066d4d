# bash completion for hetero.  Installed as share/bash-completion/completions/hetero; from a
# source tree: `source tools/completion/hetero.bash`.
#
# Nothing is listed here by hand: commands come from `hetero --help`, options from
# `hetero COMMAND --help`, workload names from `hetero list`, so the completion never drifts from
# the binary it completes (the one typed: build/release/hetero completes as well as hetero).

_hetero_commands() {
    "$1" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
                                   on && /^  [a-z]/ { print $1 }'
}

_hetero_options() {
    # the option lines only: "  -r, --reps=N    ..." -> "--reps="
    "$1" "$2" --help 2>/dev/null |
        sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*=\{0,1\}\).*/\2/p'
}

_hetero_workloads() {
    "$1" list 2>/dev/null | awk 'NR > 2 && /^$/ { exit } NR > 2 { print $1 }'
}

_hetero() {
    local cur="${COMP_WORDS[COMP_CWORD]}" bin="${COMP_WORDS[0]}" cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ "${COMP_WORDS[i]}" != -* ]]; then
            cmd="${COMP_WORDS[i]}"
            break
        fi
    done
    if [[ -z "$cmd" ]]; then
        COMPREPLY=($(compgen -W "$(_hetero_commands "$bin") --help --version" -- "$cur"))
        return
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_hetero_options "$bin" "$cmd")" -- "$cur"))
        [[ "${COMPREPLY[0]}" == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    case "$cmd" in
    run | scale)
        COMPREPLY=($(compgen -W "$(_hetero_workloads "$bin")" -- "$cur"))
        ;;
    compare | report)
        COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
        ;;
    help)
        COMPREPLY=($(compgen -W "$(_hetero_commands "$bin")" -- "$cur"))
        ;;
    esac
}

complete -F _hetero hetero
