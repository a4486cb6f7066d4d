#!/usr/bin/env bash
# trust.sh - how far hetero's figures can be trusted on this machine, rerunnable on a quiet one:
#
#   stable  two consecutive `hetero run` reports of the same rows, compared with `hetero
#           compare`: how many rows come out "same" (on a quiet machine: all of them), and the
#           median ratio new/base
#   amdahl  `hetero scale amdahl --serial-fraction=0.1` quiet and under BURN CPU-burning
#           processes (default cores + 1): the fitted P against the law's 0.9, or "no fit" and
#           its reason, and how many points were marked noisy
#   reps    how many runs the adaptive rule took per row, and on how many rows it reached the
#           ±3% target within --max-time
#
#   tools/bench/trust.sh                   every part (about a minute on 2 cores)
#   PARTS="amdahl" tools/bench/trust.sh    some parts
#   HETERO=build/dev/hetero tools/bench/trust.sh
# The load average is printed before each part.  A benchmark, not a test: it reports, never
# fails on a figure.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
hetero=${HETERO:-$root/build/release/hetero}
parts=${PARTS:-stable amdahl reps}
cores=$(nproc)
burn=${BURN:-$((cores + 1))}
tmp=$(mktemp -d)
burners=()
cleanup() {
    for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$root/build/pocl-cache} POCL_SIGFPE_HANDLER=0

load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $cores cores"; }

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

stable() {
    echo "== stable: a run compared with the next one"; load
    for k in base new; do
        "$hetero" run --backend=serial,simd,omp --size=1M --format=json -o "$tmp/$k.json" \
            vecadd triad reduce 2>/dev/null || true
    done
    "$hetero" compare "$tmp/base.json" "$tmp/new.json" --fail-above=none --format=json \
        -o "$tmp/cmp.json" 2>/dev/null || true
    json "$tmp/cmp.json" "'same %d of %d rows; median ratio %.3f' % (d['summary']['same'], \
len(d['rows']), sorted(r['ratio'] for r in d['rows'] if r['ratio'])[len(d['rows'])//2])"
}

amdahl_once() {
    "$hetero" scale amdahl --serial-fraction=0.1 --threads=1,2 --format=json -o "$tmp/a.json" \
        2>/dev/null || true
    json "$tmp/a.json" "'; '.join(('P = %.3f (law 0.9, ratio %.3f)' % (f['P'], f['P']/0.9)) \
if f['ok'] else ('no fit: ' + (f.get('no_fit') or '?')) for f in d['fits']) + \
'; noisy points %d of %d' % (sum(p['noisy'] for p in d['points']), len(d['points']))"
}

amdahl() {
    echo "== amdahl: quiet (as quiet as the machine is)"; load
    amdahl_once
    echo "== amdahl: under $burn CPU-burning processes"
    for _ in $(seq "$burn"); do (while :; do :; done) & burners+=($!); done
    sleep 2; load
    amdahl_once
    for pid in "${burners[@]}"; do kill "$pid"; done
    burners=()
}

reps() {
    echo "== reps: the adaptive rule (default --target-ci=3% --max-time=2s)"; load
    "$hetero" run --backend=serial,simd,omp --format=json -o "$tmp/r.json" vecadd reduce \
        2>/dev/null || true
    json "$tmp/r.json" "'\n'.join('%s/%s: %d runs, stop %s, reached %s, ±%.1f%%' % (r['workload'], \
r['backend'], r['reps'], r['repetitions']['stop'], r['repetitions']['reached'], \
100*(r['ci95_s'][1]-r['ci95_s'][0])/2/r['time_s']['median'] if r['ci95_s'] else float('nan')) \
for r in d['results'])"
}

for part in $parts; do "$part"; done
