#!/usr/bin/env bash
# conc.sh - `hetero conc` beside an independent lmbench-style reference (tools/ref/conc_ref.c).
#
#   tools/bench/conc.sh              ROUNDS=3 by default; FULL=1 also times a default run
#
# Part 1: creation and switching.  conc_ref.c is compiled here (cc -O2, into a temp directory,
# never installed) and run alternately with `hetero conc --only=create,switch`, ROUNDS times,
# so both see the same machine; each figure is the median over the rounds of each program's
# median.  Compared: fork (hetero's row `fork` is timed inside hetero-conc-helper, a libc-only
# program like the reference), pthread_create + join, and pipe ping-pong between processes and
# between threads (half a round trip, unpinned).  The target is hetero within 1.5x of the
# reference either way.
# Part 2: the global-interpreter-lock table, with the targets for 2 cores beside it.
# Every part prints the load average: figures taken on a busy machine are noisy.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
hetero=${HETERO:-$root/build/release/hetero}
rounds=${ROUNDS:-3}
[ -x "$hetero" ] || { echo "conc.sh: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
cc=${CC:-cc}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cc" -O2 -pthread -o "$tmp/conc_ref" "$root/tools/ref/conc_ref.c"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
isa=avx2
grep -qw avx512f /proc/cpuinfo && isa=avx512
echo "== machine: $(nproc) cores, $cpu, $isa; load average $(cut -d' ' -f1-3 /proc/loadavg)"

for r in $(seq "$rounds"); do
    "$tmp/conc_ref" > "$tmp/ref.$r"
    "$hetero" conc --only=create,switch --format=csv > "$tmp/hetero.$r.csv"
done

# median of the values on stdin
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# hetero's figure of row NAME with variant VARIANT (column 3), per round: column 7 us_min,
# column 8 us_median
hetero_fig() {
    for r in $(seq "$rounds"); do
        awk -F, -v n="$1" -v v="$2" -v c="$3" '$2==n && $3==v {print $c}' "$tmp/hetero.$r.csv"
    done | median
}
# the reference's figure: column 2 min, column 3 median
ref_fig() {
    for r in $(seq "$rounds"); do awk -v n="$1" -v c="$2" '$1==n {print $c}' "$tmp/ref.$r"; done | median
}

echo "== creation and switching, microseconds, median of $rounds rounds; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   best: hetero's fastest single operation vs the reference's fastest loop mean"
echo "   median: hetero's median single operation vs the reference's median loop mean"
printf '%-28s %9s %9s %7s   %9s %9s %7s  %s\n' "figure" "hetero" "ref" "ratio" "hetero" \
    "ref" "ratio" "within 1.5x"
printf '%-28s %27s   %27s\n' "" "---------- best ----------" "--------- median ---------"
compare() { # label hetero-name hetero-variant ref-name
    local hb rb hm rm
    hb=$(hetero_fig "$2" "$3" 7)
    rb=$(ref_fig "$4" 2)
    hm=$(hetero_fig "$2" "$3" 8)
    rm=$(ref_fig "$4" 3)
    awk -v l="$1" -v hb="$hb" -v rb="$rb" -v hm="$hm" -v rm="$rm" 'BEGIN {
        qb = hb / rb; qm = hm / rm;
        ok = (qb <= 1.5 && qb >= 1 / 1.5) ? "best yes" : "best NO";
        ok = ok ((qm <= 1.5 && qm >= 1 / 1.5) ? ", median yes" : ", median NO");
        printf "%-28s %9.2f %9.2f %6.2fx   %9.2f %9.2f %6.2fx  %s\n", l, hb, rb, qb, hm, rm, qm, ok }'
}
compare "fork (small process)" fork "" fork
compare "pthread_create+join" pthread_create "" pthread_create
compare "pipe ping-pong, processes" pipe_pingpong_procs none pipe_procs
compare "pipe ping-pong, threads" pipe_pingpong_threads none pipe_threads
echo "(for information, medians: fork_hetero $(hetero_fig fork_hetero "" 8) us," \
    "fork_large $(hetero_fig fork_large "" 8) us, posix_spawn_large $(hetero_fig posix_spawn_large "" 8) us)"

echo
echo "== global interpreter lock; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$hetero" conc --only=gil --format=csv > "$tmp/gil.csv"
printf '%-5s %-12s %8s  %s\n' work mode speedup "target on 2 cores"
awk -F, 'NR > 1 {
    t = "";
    if ($17 == "cpu" && $18 == "threads-gil") t = "<= 1.2x";
    if ($17 == "cpu" && $18 == "processes") t = ">= 1.6x";
    if ($17 == "io" && $18 == "threads-gil") t = ">= 1.6x";
    printf "%-5s %-12s %7.2fx  %s\n", $17, $18, $19, t }' "$tmp/gil.csv"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${FULL:-0}" = 1 ]; then
    echo
    start=$(date +%s.%N)
    "$hetero" conc --format=csv > /dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN {printf "== a default `hetero conc` run took %.1f s\n", e - s}'
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
