#!/bin/sh
# scale.sh - the figures of docs/scale.md and of the speedup-and-scaling lab, re-runnable on a
# quiet machine.
#
#   tools/bench/scale.sh [OUTDIR]     (default: bench-scale-out; needs build/release/hetero)
#   PARTS="lab sweep" (default both): lab = the handout's runs on this machine's cores (the
#   2-core ones as written, plus every core where there are more); sweep = amdahl's P for two
#   serial fractions, vecadd strong over every core and the full size sweep.
#
# Every report goes to OUTDIR as JSON (and as a table on stdout); with gnuplot installed, SVG
# figures too.  The load average is printed before and after: figures taken under load are
# marked so in the handout, and the ratios between rows of one run are what to compare.
set -eu
HETERO=${HETERO:-build/release/hetero}
OUT=${1:-bench-scale-out}
PARTS=${PARTS:-lab sweep}
mkdir -p "$OUT"
CORES=$(nproc)
THREADS=1
p=2
while [ "$p" -le "$CORES" ]; do THREADS="$THREADS,$p"; p=$((p * 2)); done
[ "${THREADS##*,}" = "$CORES" ] || [ "$CORES" -eq 1 ] || THREADS="$THREADS,$CORES"
OVER="$THREADS,$((CORES + 1)),$((2 * CORES))" # past the cores: time-slicing
PLOT=
command -v gnuplot >/dev/null 2>&1 && PLOT=yes
plot() { [ -n "$PLOT" ] && echo "--plot=$OUT/$1.svg" || true; }

# run NAME ARGS...: the table on stdout, the JSON into OUTDIR/NAME.json
run() {
    name=$1
    shift
    echo "== hetero scale $*"
    "$HETERO" scale "$@" $(plot "$name")
    "$HETERO" scale "$@" --format=json --output="$OUT/$name.json"
}

echo "== uptime (load while measuring)"; uptime
lscpu | grep -E '^(Model name|L1d|L2|L3)' || true
case " $PARTS " in *" lab "*)
    run amdahl amdahl --serial-fraction=0.1 --threads=1,2
    run amdahl-over amdahl --serial-fraction=0.1 --threads="$OVER"
    run vecadd vecadd --threads=1,2 --backend=omp,omp-simd
    run mandelbrot mandelbrot --threads=1,2 --backend=omp,omp-simd
    run superlinear vecadd --threads=1,2 --size=128K --backend=omp,omp-simd --reps=21
    run sgemm sgemm --threads=1,2 --backend=omp,blas --size=512
    run weak vecadd --mode=weak --size=4M --threads=1,2
    run weak-amdahl amdahl --mode=weak --serial-fraction=0.1 --size=4M --threads=1,2
    run sizes vecadd --sizes=4K..64M*4
    ;;
esac
case " $PARTS " in *" sweep "*)
    for F in 0.1 0.25; do
        run "amdahl-all-$F" amdahl --serial-fraction="$F" --threads="$THREADS" --reps=7
    done
    run vecadd-strong vecadd --threads="$THREADS" --backend=omp,omp-simd,opencl --device=cpu \
        --reps=7
    run vecadd-sizes vecadd --sizes=4K..256M*4 --reps=5
    ;;
esac
echo "== uptime"; uptime
