#!/usr/bin/env bash
# bench-workloads-a.sh - benchmarks of triad, reduce, dot and scan, each next to a reference
# measured in the same run: the best STREAM kernel that tools/ref/stream.c reaches on all cores
# (compiled here).  sgemm has its own script, tools/bench/sgemm.sh (OpenBLAS, the PoCL fp32
# peak, the variants, zero-copy).
#
#   tools/bench-workloads-a.sh [BUILD_DIR]      (default build/release; run `make build` first)
#
# Targets (reported, never tested): triad and reduce, best CPU backend >= 90% of the streaming
# reference.  Ratios use the best (minimum) time of each row, as the reference does; medians are
# shown too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
hetero=$build/hetero
[ -x "$hetero" ] || { echo "bench-workloads-a.sh: $hetero not found; run 'make build' first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-workloads-a.sh: needs python3" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O3 -march=native -fopenmp "$root/tools/ref/stream.c" -o "$tmp/stream"
run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$hetero" run --format=json "$@"; }
# (dot has a blas row: OpenBLAS with its own kernel for this CPU)

echo "== reference: STREAM's kernels, all cores, best of 20 (GB/s, words read + written x 4)"
"$tmp/stream" 128 20 | tee "$tmp/ref.txt"
for w in triad reduce dot scan; do
    echo "== hetero run $w (default size, --reps=20, --device=cpu)"
    run --reps=20 --device=cpu --output="$tmp/$w.json" "$w"
done

python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
ref = dict((l.split()[0], float(l.split()[1])) for l in open(os.path.join(tmp, "ref.txt")) if l.strip())
best_ref = max(ref.values())
print("\nreference best streaming: %.1f GB/s (%s)" % (best_ref, max(ref, key=ref.get)))

def rows(w):
    return json.load(open(os.path.join(tmp, w + ".json")))["results"]

def best_gbps(r):
    return r["bytes"] / r["time_s"]["min"] * 1e-9

for w in ("triad", "reduce", "dot", "scan"):
    rs = rows(w)
    print("\n%s (n = %d):" % (w, rs[0]["size"]))
    for r in rs:
        print("  %-9s %-34s best %7.1f GB/s (%5.1f%% of reference)  median %7.1f GB/s  %s" % (
            r["backend"], r["device"][:34], best_gbps(r), 100 * best_gbps(r) / best_ref,
            r["gbps"], "verified" if r["verified"] else "NOT VERIFIED"))
    cpu = [r for r in rs if r["backend"] not in ("opencl", "cuda")]
    top = max(cpu, key=best_gbps)
    target = "  (target >= 90%)" if w in ("triad", "reduce") else ""
    print("  best CPU backend %s: %.1f%% of the reference%s" % (
        top["backend"], 100 * best_gbps(top) / best_ref, target))

PY
