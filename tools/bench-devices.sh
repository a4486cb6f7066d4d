#!/bin/sh
# bench-devices.sh - put hetero's host figures against independent references, on this machine,
# in one run:
#   bandwidth  hetero's host triad/copy (`hetero devices --bench`) over the best rate of
#              tools/stream-ref.c (compiled here with -O3 -march=native -fopenmp: plain,
#              non-temporal and memcpy variants, best of REPS);
#   FP32 peak  hetero's host fp32 figure over the theoretical FMA peak at the measured clock:
#              cores x 2 FMA pipes x lanes (8 AVX2, 16 AVX-512) x 2 flops x clock, where the
#              clock is hetero's dependent-add measurement (and /proc/cpuinfo MHz is shown next
#              to it for comparison).  The 2-pipe assumption holds for the x86 cores of the last
#              decade (Haswell on, Zen on); check the core's documentation elsewhere.
# Usage: tools/bench-devices.sh [BENCH_TIME, default 4s] [MiB per reference array, default 128]
# Run on a quiet machine: every figure is a rate, and other load lowers it.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${HETERO:-$here/build/release/hetero}
bench_time=${1:-4s}
mib=${2:-128}
reps=${REPS:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$bin" ] || { echo "bench-devices: build hetero first (make build)" >&2; exit 2; }
${CC:-cc} -O3 -march=native -fopenmp -o "$tmp/stream-ref" "$here/tools/stream-ref.c"

echo "== reference: tools/stream-ref ($mib MiB per array, best of $reps)"
"$tmp/stream-ref" "$mib" "$reps" | tee "$tmp/ref.txt"
echo "== hetero devices --device=host --bench --bench-time=$bench_time"
"$bin" devices --device=host --bench --bench-time="$bench_time" --no-cache --format=json \
    > "$tmp/host.json"
"$tmp/stream-ref" "$mib" "$reps" > "$tmp/ref2.txt" # again after, to see drift under load

# value of STAT (median, max) inside the figure object KEY of the (pretty-printed) JSON
figure() {
    awk -v key="\"$1\":" -v stat="\"${2:-median}\":" '$1 == key { inside = 1 }
        inside && $1 == stat { gsub(/,/, "", $2); print $2; exit }' "$tmp/host.json"
}
field() { awk -v key="\"$1\":" '$1 == key { gsub(/,/, "", $2); print $2; exit }' "$tmp/host.json"; }

triad=$(figure triad_gbps)
copy=$(figure copy_gbps)
triad_max=$(figure triad_gbps max)
copy_max=$(figure copy_gbps max)
fp32=$(figure fp32_gflops)
fp32_max=$(figure fp32_gflops max)
clock=$(field clock_mhz_measured)
cores=$(field compute_units)
simd=$(awk '$1 == "\"simd\":" { gsub(/[",]/, "", $2); print $2; exit }' "$tmp/host.json")
ref=$(awk '$1 == "best" { print $2 }' "$tmp/ref.txt")
ref2=$(awk '$1 == "best" { print $2 }' "$tmp/ref2.txt")
cpuinfo_mhz=$(awk -F: '/^cpu MHz/ { s += $2; n++ } END { if (n) printf "%.0f", s / n }' \
    /proc/cpuinfo 2>/dev/null || true)
lanes=8
[ "$simd" = avx512 ] && lanes=16
[ "$simd" = scalar ] && lanes=1

awk -v triad="$triad" -v copy="$copy" -v tmax="$triad_max" -v cmax="$copy_max" -v fmax="$fp32_max" -v ref="$ref" -v ref2="$ref2" -v fp32="$fp32" \
    -v clock="$clock" -v cores="$cores" -v lanes="$lanes" -v simd="$simd" \
    -v cpuinfo="$cpuinfo_mhz" 'BEGIN {
    best_ref = ref > ref2 ? ref : ref2
    best_h = triad > copy ? triad : copy
    printf "\n== summary\n"
    printf "host bandwidth   hetero triad %.2f, copy %.2f GB/s (medians); reference best %.2f GB/s (runs: %.2f, %.2f)\n", triad, copy, best_ref, ref, ref2
    best_max = tmax > cmax ? tmax : cmax
    printf "                 hetero median / reference best = %.1f%%  (goal: >= 90%%); hetero max / reference best = %.1f%%\n", 100 * best_h / best_ref, 100 * best_max / best_ref
    peak = cores * 2 * lanes * 2 * clock / 1000
    printf "host FP32 peak   hetero %.1f GFLOP/s; theoretical %d cores x 2 pipes x %d lanes (%s) x 2 x %.0f MHz = %.1f GFLOP/s\n", fp32, cores, lanes, simd, clock, peak
    printf "                 hetero median / theoretical = %.1f%%  (goal: >= 85%%), max %.1f%%; /proc/cpuinfo says %s MHz\n", 100 * fp32 / peak, 100 * fmax / peak, cpuinfo
}'
