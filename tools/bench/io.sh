#!/usr/bin/env bash
# io.sh - the IO lab's figures, rerunnable on a quiet machine: one event loop per core against
# one loop, the coroutine against epoll-et, the memory each model spends per idle connection,
# the switch costs, and libevent/libuv as an outside reference in the same run.
#
#   tools/bench/io.sh                    every part below (about 3 minutes on 2 cores)
#   PARTS="done ref" tools/bench/io.sh   only some parts
#   REPS=9 DURATION=3s tools/bench/io.sh more rounds, longer windows on a quiet machine
#
# Parts:
#   done   the figures issue-style targets are stated in: epoll-reuseport (WORKERS=2) and
#          coroutine against epoll-et at 100 connections x 64 B, in-process, REPS rounds
#          alternating the models, medians; epoll-reuseport's conns_per_worker
#   idle   server memory growth per 1000 idle connections (IDLE=1000) for blocking-thread,
#          blocking-fork (PSS summed over the children), epoll-et, coroutine, epoll-reuseport
#   ref    every server its own process (`hetero io serve`, tools/ref/event_echo.c and
#          uv_echo.c compiled into a temp directory), driven through --target by the same load
#          generator: msgs/s, p50, p99 and the server's CPU per message from /proc (children
#          included, for epoll-reuseport's workers), REPS rounds
#   switch `hetero io switch`: coroutine vs swapcontext vs thread switch
#   lab    the handout's runs: the short sweep, poll vs epoll open loop with idle connections,
#          blocking-fork's set-up of 1000 connections, workers <= cores vs > cores, and
#          `strace -c -f` of `hetero io serve` alone (strace if installed)
# The load average is printed before and after: on a shared machine every figure is relative
# to the ones measured in the same part.  A benchmark, not a test: it reports, never fails on a
# figure.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
hetero=${HETERO:-$root/build/release/hetero}
duration=${DURATION:-1s}
reps=${REPS:-5}
workers=${WORKERS:-2}
idle=${IDLE:-1000}
parts=${PARTS:-done idle ref switch lab}
[ -x "$hetero" ] || { echo "io.sh: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
want() { [[ " $parts " == *" $1 "* ]]; }
median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# ---- done: the targets, in-process ------------------------------------------------------------
if want done; then
    echo
    echo "== done: epoll-et, epoll-reuseport (${workers} workers), coroutine; 100 connections x 64 B;"
    echo "   ${reps} rounds of ${duration}, medians (in-process: server and generator share the cores)"
    declare -A d_mps
    spread=""
    for _ in $(seq "$reps"); do
        "$hetero" io bench --model=epoll-et,epoll-reuseport,coroutine --workers="$workers" \
            --conns=100 --size=64 --duration="$duration" --format=csv > "$tmp/done.csv"
        while IFS=, read -r model _ _ _ mps _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ per; do
            d_mps[$model]+="$mps "
            [ "$model" = epoll-reuseport ] && spread+="$per "
        done < <(tail -n +2 "$tmp/done.csv")
    done
    et=$(echo "${d_mps[epoll-et]}" | median)
    for m in epoll-et epoll-reuseport coroutine; do
        v=$(echo "${d_mps[$m]}" | median)
        awk -v m="$m" -v v="$v" -v et="$et" 'BEGIN{printf "  %-16s %9.0f msgs/s  %5.2fx epoll-et\n", m, v, v/et}'
    done
    echo "  epoll-reuseport conns_per_worker per round: $spread"
    echo "  (all rounds, msgs/s:)"
    for m in epoll-et epoll-reuseport coroutine; do echo "    $m: ${d_mps[$m]}"; done
fi

# ---- idle: memory per idle connection ----------------------------------------------------------
if want idle; then
    echo
    echo "== idle: ${idle} idle connections beside 10 active ones; server memory growth per 1000"
    "$hetero" io bench --model=blocking-thread,blocking-fork,epoll-et,coroutine,epoll-reuseport \
        --workers="$workers" --conns=10 --idle="$idle" --duration="$duration" --format=csv > "$tmp/idle.csv"
    printf '  %-16s %14s %14s %12s\n' model "KiB per 1k idle" "RSS MiB" "idle set-up s"
    tail -n +2 "$tmp/idle.csv" | while IFS=, read -r model _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ isetup rss per _; do
        awk -v m="$model" -v p="$per" -v r="$rss" -v s="$isetup" \
            'BEGIN{printf "  %-16s %14.0f %14.1f %12.3f\n", m, p/1024, r/1048576, s}'
    done
    echo "  (RSS of this process for the single-process models, server and generator together;"
    echo "   Pss of the process and every child for blocking-fork and epoll-reuseport)"
fi

# ---- ref: every server its own process, libevent and libuv beside them ---------------------------
declare -A port spid
# start_server NAME CMD...: run it in the background, wait for its "listening on" line and
# record its port (not in a $(...) subshell: the pid must reach cleanup)
start_server() {
    local name=$1
    shift
    : > "$tmp/$name.out"
    "$@" > "$tmp/$name.out" 2>&1 &
    pids+=($!)
    spid[$name]=$!
    for _ in $(seq 100); do
        if grep -q '^listening on' "$tmp/$name.out"; then
            port[$name]=$(sed -n 's/^listening on [0-9.]*:\([0-9]*\).*$/\1/p' "$tmp/$name.out" | head -1)
            return 0
        fi
        sleep 0.05
    done
    echo "io.sh: $name did not start: $(cat "$tmp/$name.out")" >&2
    exit 1
}
# utime+stime ticks of a process and its children (epoll-reuseport's workers)
cpu_ticks() {
    local p=$1 kids
    kids=$(cat /proc/"$p"/task/*/children 2>/dev/null || true)
    for k in $p $kids; do awk '{print $14 + $15}' "/proc/$k/stat" 2>/dev/null || echo 0; done |
        awk '{s += $1} END{print s}'
}

if want ref; then
    echo
    echo "== ref: 100 connections x 64 B, each server its own process, ${reps} rounds of ${duration};"
    echo "   medians.  CPU: the server's utime+stime (children included) from /proc per message"
    built=()
    if pkg-config --exists libevent 2>/dev/null &&
       cc -O2 -o "$tmp/event_echo" "$root/tools/ref/event_echo.c" $(pkg-config --cflags --libs libevent); then
        built+=(libevent)
    else
        echo "io.sh: libevent-dev missing; skipping the libevent reference" >&2
    fi
    if pkg-config --exists libuv 2>/dev/null &&
       cc -O2 -o "$tmp/uv_echo" "$root/tools/ref/uv_echo.c" $(pkg-config --cflags --libs libuv); then
        built+=(libuv)
    else
        echo "io.sh: libuv1-dev missing; skipping the libuv reference" >&2
    fi
    ours=(epoll-lt epoll-et io_uring coroutine epoll-reuseport epoll-threads)
    for m in "${ours[@]}"; do
        start_server "$m" "$hetero" io serve --model="$m" --workers="$workers" --port=0
    done
    for r in "${built[@]}"; do
        case $r in
            libevent) start_server "$r" "$tmp/event_echo" ;;
            libuv) start_server "$r" "$tmp/uv_echo" ;;
        esac
    done
    tck=$(getconf CLK_TCK)
    names=("${ours[@]}" "${built[@]}")
    declare -A mps_list cpu_list p50_list p99_list
    for _ in $(seq "$reps"); do   # rounds over all servers, so load from elsewhere hits all alike
        for name in "${names[@]}"; do
            c0=$(cpu_ticks "${spid[$name]}")
            l=$("$hetero" io bench --target=127.0.0.1:"${port[$name]}" --model="$name" \
                --conns=100 --size=64 --duration="$duration" --format=csv | tail -1)
            c1=$(cpu_ticks "${spid[$name]}")
            IFS=, read -r _ _ msgs _ mps _ p50 p99 _ <<< "$l"
            mps_list[$name]+="$mps "
            p50_list[$name]+="$p50 "
            p99_list[$name]+="$p99 "
            cpu_list[$name]+="$(awk -v d=$((c1 - c0)) -v t="$tck" -v m="$msgs" \
                                 'BEGIN{printf "%.4f", (m > 0 ? d / t / m * 1e6 : 0)}') "
        done
    done
    ref=$(echo "${mps_list[libevent]:-${mps_list[epoll-et]}}" | median)
    printf '  %-16s %10s %9s %9s %11s %12s\n' server "msgs/s" "p50 us" "p99 us" "CPU us/msg" "x libevent"
    for name in "${names[@]}"; do
        m=$(echo "${mps_list[$name]}" | median)
        a=$(echo "${p50_list[$name]}" | median)
        b=$(echo "${p99_list[$name]}" | median)
        c=$(echo "${cpu_list[$name]}" | median)
        awk -v n="$name" -v m="$m" -v a="$a" -v b="$b" -v c="$c" -v r="$ref" \
            'BEGIN{printf "  %-16s %10.0f %9.1f %9.1f %11.2f %12.2f\n", n, m, a*1e6, b*1e6, c, m/r}'
    done
    [ -n "${mps_list[libevent]:-}" ] || echo "  (no libevent: the last column is x epoll-et)"
    echo "  (all rounds, msgs/s:)"
    for name in "${names[@]}"; do echo "    $name: ${mps_list[$name]}"; done
fi

# ---- switch ---------------------------------------------------------------------------------------
if want switch; then
    echo
    echo "== switch: what a switch costs (hetero io switch)"
    "$hetero" io switch --reps=9
fi

# ---- lab: the handout's runs ------------------------------------------------------------------------
if want lab; then
    echo
    echo "== lab 1: the short sweep (every model at 10 and 1000 connections, 500 ms per point)"
    "$hetero" io bench --model=all --conns=10,1000 --duration=500ms || true
    echo
    echo "== lab 2: the O(n) scan - open loop, 2000 msgs/s over 1000 connections"
    "$hetero" io bench --model=poll,select,epoll-lt --conns=1000 --rate=2000 --duration=2s || true
    echo
    echo "== lab 3: the O(n) scan with 5000 idle connections beside 100 active ones"
    "$hetero" io bench --model=poll,epoll-lt --conns=100 --idle=5000 --rate=2000 --duration=2s || true
    echo
    echo "== lab 4: set-up of 1000 connections (connect, accept, fork/thread/nothing, first echo)"
    "$hetero" io bench --model=blocking-fork,blocking-thread,epoll-et --conns=1000 --duration=500ms || true
    echo
    echo "== lab 5: workers <= cores (parallel) vs > cores (concurrent): epoll-reuseport, 100 conns"
    "$hetero" io bench --model=epoll-reuseport,epoll-threads --workers=1,2,4,8 --conns=100 --duration=2s || true
    if command -v strace > /dev/null; then
        echo
        echo "== lab 6: strace -c -f of the server alone (epoll-lt, then epoll-et), 100 connections"
        for m in epoll-lt epoll-et; do
            # OPENBLAS_NUM_THREADS=1: no idle BLAS pool threads calling sched_yield in the trace
            OPENBLAS_NUM_THREADS=1 strace -c -f -o "$tmp/strace-$m.txt" "$hetero" io serve \
                --model="$m" --port=0 > "$tmp/serve-$m.out" 2>&1 &
            spid_s=$!
            pids+=($spid_s)
            for _ in $(seq 100); do grep -q '^listening on' "$tmp/serve-$m.out" && break; sleep 0.05; done
            p=$(sed -n 's/^listening on [0-9.]*:\([0-9]*\).*$/\1/p' "$tmp/serve-$m.out")
            "$hetero" io bench --target=127.0.0.1:"$p" --model="$m" --conns=100 --duration=1s --format=csv |
                tail -1 | awk -F, '{printf "  %s: %d messages in the window\n", $1, $3}'
            # strace keeps SIGINT from the program it runs: stop the traced server itself
            kill -INT $(cat /proc/"$spid_s"/task/*/children) 2>/dev/null || true
            wait "$spid_s" || true
            echo "  $m: the ten most frequent system calls"
            awk 'NR > 2 && $NF != "total" && $1 ~ /^[0-9.]+$/ {print}' "$tmp/strace-$m.txt" |
                sort -k4 -n -r | head -10 | sed 's/^/    /'
        done
    fi
fi

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
