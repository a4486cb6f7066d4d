#!/bin/sh
# map.sh - the figures quoted for hetero map (docs/map.md, the design and mapping labs),
# re-runnable on a quiet machine.
#
#   tools/bench/map.sh [OUTDIR]      (default: bench-map-out; needs build/release/hetero)
#
# For 2 workers (one per core here) and 4 and 8 (oversubscribed, for the shape):
#   mandelbrot rows, every policy, with the timeline      (static-block imbalance vs dynamic)
#   balanced and geometric trees, static vs work-stealing  (stealing near static / ahead)
#   tiny synthetic tasks at chunk 1                        (overhead per task, dynamic vs omp)
# and on 2 workers: the chunk sweep (U-curve), a slow worker, decomposition, communication; and,
# where an OpenCL CPU device (PoCL) is installed, mandelbrot rows with the device as one more
# worker (--device=cpu: one CPU worker and the device on the other core, at chunk 1 and 4).
# Load averages are printed before and after: on a shared machine, quote them with the figures.
set -eu
HETERO=${HETERO:-build/release/hetero}
OUT=${1:-bench-map-out}
REPS=${REPS:-7}
mkdir -p "$OUT"
GANTT=
command -v gnuplot >/dev/null 2>&1 && GANTT=yes
gantt() { [ -n "$GANTT" ] && echo "--gantt=$OUT/$1" || true; }
plot() { [ -n "$GANTT" ] && echo "--plot=$OUT/$1.svg" || true; }
run() { # NAME ARGS...: the table to stdout, the JSON to OUTDIR/NAME.json
    name=$1
    shift
    echo "== hetero map $*"
    "$HETERO" map "$@" --reps="$REPS" --format=json --output="$OUT/$name.json"
    "$HETERO" map "$@" --reps="$REPS"
}

echo "== host"; grep -m1 'model name' /proc/cpuinfo || true; nproc
echo "== uptime (load while measuring)"; uptime
for W in 2 4 8; do
    run "mandelbrot-w$W" --tasks=mandelbrot --workers="$W" $(gantt "mandelbrot-w$W")
    for T in balanced geometric; do
        run "tree-$T-w$W" --tasks=tree --tree="$T" --workers="$W" \
            --policy=static-block,static-cyclic,omp-static,dynamic,work-stealing
    done
    run "overhead-w$W" --tasks=synthetic --dist=uniform --count=200000 --cost=50 --chunk=1 \
        --workers="$W" --policy=dynamic,omp-dynamic,manager-worker,work-stealing
done
run sweep sweep --chunk=1..4096 --workers=2 $(plot sweep)
run slow --tasks=mandelbrot --workers=2 --slow=1:3 \
    --policy=static-block,static-cyclic,dynamic,work-stealing $(gantt slow)
run decompose decompose --workers=2
run comm comm --workers=2
if "$HETERO" map --tasks=mandelbrot --device=cpu --size=16 --reps=1 --warmup=0 \
    --policy=dynamic >/dev/null 2>&1; then
    for C in 1 4; do
        run "device-c$C" --tasks=mandelbrot --device=cpu --chunk="$C" \
            --policy=static-block,static-cyclic,dynamic,work-stealing $(gantt "device-c$C")
    done
else
    echo "== no OpenCL CPU device: the device-worker runs are left out"
fi
echo "== uptime"; uptime
