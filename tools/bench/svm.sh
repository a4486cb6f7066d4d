#!/bin/sh
# svm.sh - the figures of docs/svm.md and docs/sched.md: memory modes (kernel, e2e, in place),
# the coop histogram's split and atomic throughput, and the co-scheduling policies.  Run on a quiet
# machine from the repository root after `make build`; DEVICE selects the OpenCL device
# (default cpu), OUT the directory for the JSON reports (default bench-svm).
set -eu
HETERO=${HETERO:-build/release/hetero}
DEVICE=${DEVICE:-cpu}
OUT=${OUT:-bench-svm}
mkdir -p "$OUT"
"$HETERO" run --device="$DEVICE" --mem=all --backend=serial,opencl --size=16M vecadd
"$HETERO" run --device="$DEVICE" --mem=all --backend=serial,opencl --size=16M vecadd \
    --format=json --output="$OUT/mem-vecadd.json"
for share in 0 0.25 0.5 0.75 1; do
    "$HETERO" run --device="$DEVICE" --mem=svm-fine --backend=serial,opencl --size=16M \
        --device-share=$share histogram-coop --format=json --output="$OUT/coop-$share.json"
done
"$HETERO" run --device="$DEVICE" --mem=svm-fine --backend=serial,omp,opencl --size=16M \
    histogram-coop
"$HETERO" sched --device="$DEVICE" --size=2048 --reps=5 mandelbrot
"$HETERO" sched --device="$DEVICE" --size=2048 --reps=5 --format=json \
    --output="$OUT/sched.json" mandelbrot
"$HETERO" sched --device="$DEVICE" --svm-stress=500
