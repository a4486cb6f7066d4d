#!/usr/bin/env bash
# vecadd.sh - the vecadd benchmark (`make bench`): GB/s per backend at the default size, next to
# the best streaming bandwidth the STREAM reference (tools/ref/stream.c, compiled here) reaches on
# this machine in the same run.
#
#   tools/bench/vecadd.sh [BUILD_DIR]        (default build/release; run `make build` first)
#
# Targets (docs/workloads.md, vecadd): the best CPU backend >= 90% of the reference; opencl on
# PoCL >= 80% of the best CPU backend.  A benchmark, not a test: it reports, it does not fail on a
# figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
hetero=$build/hetero
[ -x "$hetero" ] || { echo "vecadd.sh: $hetero not found; run 'make build' first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "vecadd.sh: needs python3 to read JSON" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O3 -march=native -fopenmp "$root/tools/ref/stream.c" -o "$tmp/stream"

echo "== reference: STREAM's kernels, all cores, best of 20 (GB/s, words read + written x 4)"
"$tmp/stream" 128 20 | tee "$tmp/ref.txt"
echo
echo "== hetero run vecadd (default size, --reps=20)"
"$hetero" run --reps=20 --format=json --output="$tmp/run.json" vecadd
"$hetero" run --reps=20 vecadd

python3 - "$tmp/ref.txt" "$tmp/run.json" <<'PY'
import json, sys
ref = dict((l.split()[0], float(l.split()[1])) for l in open(sys.argv[1]) if l.strip())
best_ref = max(ref.values())
rows = json.load(open(sys.argv[2]))["results"]
cpu = [r for r in rows if r["backend"] not in ("opencl", "cuda")]
best_cpu = max(cpu, key=lambda r: r["gbps"])
print()
print("reference best streaming: %.1f GB/s (%s)" % (best_ref, max(ref, key=ref.get)))
for r in rows:
    print("  %-9s %-40s %7.1f GB/s  %5.1f%% of reference" % (
        r["backend"], r["device"][:40], r["gbps"], 100 * r["gbps"] / best_ref))
print("best CPU backend %s: %.1f%% of the reference (target >= 90%%)" % (
    best_cpu["backend"], 100 * best_cpu["gbps"] / best_ref))
for r in rows:
    if r["backend"] == "opencl":
        print("opencl on %s [%s]: %.1f%% of the best CPU backend (target >= 80%%); "
              "end-to-end with transfers: %.1f GB/s" % (
              r["device"], r["mem"], 100 * r["gbps"] / best_cpu["gbps"],
              r["bytes"] / r["e2e_time_s"]["median"] * 1e-9))
PY
