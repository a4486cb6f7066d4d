#!/bin/sh
# bench-workloads-b.sh - the speed figures of mandelbrot, histogram, stencil2d and nbody.
#
# Usage: tools/bench-workloads-b.sh [path/to/hetero]   (default: build/release/hetero)
#
# Prints one table per question; the ratios to read are in the comments.  Every figure is a
# median over --reps with its min..max; take them on a quiet machine (other processes steal the
# cores and make threaded rows, barrier-heavy ones most, look worse than they are).
set -eu
HETERO=${1:-build/release/hetero}
[ -x "$HETERO" ] || { echo "bench-workloads-b.sh: no hetero binary at $HETERO" >&2; exit 2; }
cores=$(nproc)

section() { printf '\n== %s\n' "$1"; }

section "mandelbrot: simd / serial is lanes x useful-lane fraction (target >= 8x on AVX-512)"
"$HETERO" run mandelbrot --size=1024 --iters=256 -b serial,simd,omp,omp-simd --reps=5

section "mandelbrot: omp-simd on 1 and $cores threads (dynamic rows)"
"$HETERO" run mandelbrot --size=1024 -b omp-simd --threads=1 --reps=5
"$HETERO" run mandelbrot --size=1024 -b omp-simd --threads="$cores" --reps=5

section "histogram: uniform vs one hot value, private bins vs one atomic per byte"
for skew in 0 1; do
    "$HETERO" run histogram --size=64M --skew=$skew -b serial,simd,omp,omp-simd --reps=5
    "$HETERO" run histogram --size=16M --skew=$skew --shared-bins=1 -b omp --reps=3
done

section "stencil2d: omp-simd on 2 threads vs 1 (target >= 1.6x), cache-resident and DRAM grids"
for n in 1024 4096; do
    "$HETERO" run stencil2d --size=$n --sweeps=10 -b simd,omp-simd --threads=1 --reps=10
    "$HETERO" run stencil2d --size=$n --sweeps=10 -b simd,omp-simd --threads=2 --reps=10
done

section "nbody: omp-simd on 2 threads vs 1 (target >= 1.6x)"
"$HETERO" run nbody --size=8192 -b simd,omp-simd --threads=1 --reps=5
"$HETERO" run nbody --size=8192 -b simd,omp-simd --threads=2 --reps=5

section "opencl rows on every device found (kernel time and end-to-end)"
for w in mandelbrot histogram stencil2d nbody; do
    "$HETERO" run "$w" -b opencl --device=all --reps=3 || true
done
