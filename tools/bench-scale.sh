#!/bin/sh
# bench-scale.sh - the scaling figures quoted for hetero scale, re-runnable on a quiet machine.
#
#   tools/bench-scale.sh [OUTDIR]     (default: bench-scale-out; needs build/release/hetero)
#
# Amdahl's P recovered from the amdahl workload (expected 1 - F), strong scaling of vecadd
# (memory-bound) over every core, and a size sweep of vecadd with the cache levels and the
# OpenCL crossover.  JSON reports and, where gnuplot is installed, SVG figures go to OUTDIR.
set -eu
HETERO=${HETERO:-build/release/hetero}
OUT=${1:-bench-scale-out}
mkdir -p "$OUT"
CORES=$(nproc)
THREADS=1
p=2
while [ "$p" -le "$CORES" ]; do THREADS="$THREADS,$p"; p=$((p * 2)); done
[ "${THREADS##*,}" = "$CORES" ] || [ "$CORES" -eq 1 ] || THREADS="$THREADS,$CORES"
PLOT=
command -v gnuplot >/dev/null 2>&1 && PLOT=yes
plot() { [ -n "$PLOT" ] && echo "--plot=$OUT/$1.svg" || true; }

echo "== uptime (load while measuring)"; uptime
for F in 0.1 0.25; do
    echo "== amdahl --serial-fraction=$F --threads=$THREADS (expected P = 1 - $F)"
    "$HETERO" scale amdahl --serial-fraction="$F" --threads="$THREADS" --reps=7 \
        --format=json --output="$OUT/amdahl-$F.json" $(plot "amdahl-$F")
    "$HETERO" scale amdahl --serial-fraction="$F" --threads="$THREADS" --reps=7 | grep '^fit'
done
echo "== vecadd strong scaling, --threads=$THREADS"
"$HETERO" scale vecadd --threads="$THREADS" --backend=omp,omp-simd,opencl --device=cpu \
    --reps=7 --format=json --output="$OUT/vecadd-strong.json" $(plot vecadd-strong)
"$HETERO" scale vecadd --threads="$THREADS" --backend=omp,omp-simd,opencl --device=cpu --reps=7
echo "== vecadd size sweep"
"$HETERO" scale vecadd --sizes=4K..256M*4 --reps=5 --format=json \
    --output="$OUT/vecadd-sizes.json" $(plot vecadd-sizes)
echo "== uptime"; uptime
