#!/usr/bin/env bash
# sgemm.sh - sgemm against its references, every figure a ratio to one measured in the same run:
#   omp-simd (AVX-512 micro-kernel) / OpenBLAS (its own kernel for this CPU), n = 2048 and 4096;
#   omp-simd forced to AVX2 (HETERO_SIMD=avx2) / OpenBLAS forced to its AVX2 kernel
#     (OPENBLAS_CORETYPE=Haswell): the pair an AVX2-only machine would run;
#   opencl on the CPU OpenCL device (PoCL) / OpenBLAS, and / the device's fp32 peak as
#     `hetero devices --bench` measures it (and as clpeak measures it, if CLPEAK names a clpeak
#     binary: the script runs it, never builds it);
#   the five omp-simd variants at n = 1000 (naive .. micro-kernel) / OpenBLAS, the lesson's table;
#   vecadd on the CPU OpenCL device: e2e / kernel time in every memory mode (zero-copy's target).
#
#   tools/bench/sgemm.sh [BUILD_DIR]     (default build/release; `make build` first)
#   SIZES="2048 4096" REPS=3 CLPEAK=/path/to/clpeak tools/bench/sgemm.sh
#
# Targets (reported, never tested): omp-simd >= 0.85 x OpenBLAS with AVX-512, >= 0.80 x with
# AVX2; opencl >= 0.75 x the PoCL fp32 peak and >= 0.25 x OpenBLAS; vecadd zero-copy
# e2e <= 1.3 x kernel.  Ratios are of medians (best times in parentheses).  The load average is
# printed before and after: other programs on the machine move every figure, the ratios less.
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set in some environments for old OpenBLAS builds, force a
# slower kernel: they are unset here except where the AVX2 kernel is asked for.
# The serial row always runs (it is the reference): at n = 4096 it takes a minute or more per
# repetition on one core, so the whole script takes several minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
hetero=$build/hetero
sizes=${SIZES:-2048 4096}
reps=${REPS:-3}
[ -x "$hetero" ] || { echo "sgemm.sh: $hetero not found; run 'make build' first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "sgemm.sh: needs python3" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export POCL_SIGFPE_HANDLER=0
blas_env() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "load average before: $(load)" | tee "$tmp/load.txt"
echo "== hetero devices --bench (fresh measurement)"
XDG_CACHE_HOME=$tmp/xdg "$hetero" devices --bench --format=json --output="$tmp/devices.json"
if [ -n "${CLPEAK:-}" ]; then
    echo "== $CLPEAK --opencl --single-precision-compute"
    "$CLPEAK" --opencl --single-precision-compute | tee "$tmp/clpeak.txt"
fi
for n in $sizes; do
    echo "== n = $n: omp-simd, blas, opencl (AVX-512 where the CPU has it)"
    blas_env "$hetero" run --format=json --device=cpu --size="$n" --reps="$reps" --warmup=1 \
        --backend=omp-simd,blas,opencl --output="$tmp/wide-$n.json" sgemm
    echo "== n = $n: omp-simd and blas on AVX2"
    env -u OPENBLAS_L2_SIZE HETERO_SIMD=avx2 OPENBLAS_CORETYPE=Haswell "$hetero" run \
        --format=json --size="$n" --reps="$reps" --warmup=1 --backend=omp-simd,blas \
        --output="$tmp/avx2-$n.json" sgemm
done
echo "== the variants at n = 1000"
blas_env "$hetero" run --format=json --size=1000 --reps="$reps" --warmup=1 \
    --backend=omp-simd,blas --variant=all --output="$tmp/variants.json" sgemm
echo "== vecadd on the CPU OpenCL device, every memory mode"
"$hetero" run --format=json --device=cpu --backend=opencl --mem=all \
    --output="$tmp/vecadd.json" vecadd
echo "load average after: $(load)" | tee -a "$tmp/load.txt"

python3 - "$tmp" "$sizes" <<'PY'
import json, os, re, sys
tmp, sizes = sys.argv[1], sys.argv[2].split()
def doc(name):
    return json.load(open(os.path.join(tmp, name)))
def rows(name):
    return doc(name)["results"]
def gf(r, stat):
    return r["flops"] / r["time_s"][stat] * 1e-9
def find(rs, backend, variant=None):
    for r in rs:
        if r["backend"] == backend and (variant is None or r.get("variant") == variant):
            return r
    return None
def verdict(value, target, at_least=True):
    ok = value >= target if at_least else value <= target
    return "MET" if ok else "MISSED"

host = doc("wide-%s.json" % sizes[0])["host"]
print("\nhost: %s, %d cores, %s; %s" % (host["cpu"], host["cores"], host["simd"],
      "; ".join(l.strip() for l in open(os.path.join(tmp, "load.txt")))))

peak = None
for d in doc("devices.json").get("devices", []):
    if d.get("kind") == "opencl" and "CPU" in d.get("type", "CPU"):
        f = d.get("bench", {}).get("figures", {}).get("fp32_gflops", {})
        if f.get("measured"):
            # the ceiling is the best run, as the roofline uses it (host/survey/roofline.c): a
            # median of a peak benchmark on a busy machine is the machine's noise, not its peak
            peak = f["max"]
            print("PoCL fp32 peak (hetero devices --bench, best of its runs; median %.1f): %.1f GFLOP/s (%s)"
                  % (f["median"], peak, f.get("note", "")))
            break
clpeak = None
if os.path.exists(os.path.join(tmp, "clpeak.txt")):
    figs = [float(m.group(1)) for m in re.finditer(r"float\d*\s*:\s*([\d.]+)", open(os.path.join(tmp, "clpeak.txt")).read())]
    if figs:
        clpeak = max(figs)
        print("PoCL fp32 peak (clpeak, best vector width): %.1f GFLOP/s" % clpeak)

print("\n%-6s %-34s %10s %10s %8s  %-8s %s" % ("n", "row / reference", "GFLOP/s", "reference", "ratio", "target", ""))
def line(n, what, r, ref_gf, target, ref_best=None):
    if r is None or ref_gf is None:
        print("%-6s %-34s %10s" % (n, what, "-"))
        return
    ratio = gf(r, "median") / ref_gf
    best = " (best %.2f)" % (gf(r, "min") / ref_best) if ref_best else ""
    print("%-6s %-34s %10.1f %10.1f %8.2f  >= %-5.2f %s%s%s" % (n, what, gf(r, "median"), ref_gf, ratio,
          target, verdict(ratio, target), best, "" if r["verified"] else "  NOT VERIFIED"))
for n in sizes:
    wide, avx2 = rows("wide-%s.json" % n), rows("avx2-%s.json" % n)
    blas, blas2 = find(wide, "blas"), find(avx2, "blas")
    omp, omp2, ocl = find(wide, "omp-simd"), find(avx2, "omp-simd"), find(wide, "opencl")
    b = (gf(blas, "median"), gf(blas, "min")) if blas else (None, None)
    b2 = (gf(blas2, "median"), gf(blas2, "min")) if blas2 else (None, None)
    line(n, "omp-simd %s / OpenBLAS" % host["simd"], omp, b[0], 0.85 if host["simd"] == "avx512" else 0.80, b[1])
    line(n, "omp-simd avx2 / OpenBLAS Haswell", omp2, b2[0], 0.80, b2[1])
    line(n, "opencl / OpenBLAS", ocl, b[0], 0.25, b[1])
    if peak:
        line(n, "opencl / PoCL peak (hetero)", ocl, peak, 0.75)
    if clpeak:
        line(n, "opencl / PoCL peak (clpeak)", ocl, clpeak, 0.75)
    if ocl:
        extras = ", ".join("%s=%g" % (k, ocl[k]) for k in ("tile_rows", "tile_cols", "vector_width", "local_memory") if k in ocl)
        print("%-6s   opencl tile: %s" % ("", extras))

vs = rows("variants.json")
blas = find(vs, "blas")
print("\nvariants, omp-simd, n = %d (ratio to OpenBLAS %.1f GFLOP/s; step = gain over the previous row):" % (vs[0]["size"], gf(blas, "median")))
prev = None
for v in ("naive", "transposed", "blocked", "packed", "micro-kernel"):
    r = find(vs, "omp-simd", v)
    step = "" if prev is None else "%6.1fx" % (gf(r, "median") / prev)
    print("  %-13s %8.1f GFLOP/s  %5.2f x OpenBLAS  %s%s" % (v, gf(r, "median"), gf(r, "median") / gf(blas, "median"),
          step, "" if r["verified"] else "  NOT VERIFIED"))
    prev = gf(r, "median")

print("\nvecadd on the CPU OpenCL device (n = %d): e2e / kernel, medians" % rows("vecadd.json")[0]["size"])
for r in rows("vecadd.json"):
    if r["backend"] != "opencl":
        continue
    ratio = r["e2e_time_s"]["median"] / r["time_s"]["median"]
    target = "  (target <= 1.30: %s)" % verdict(ratio, 1.3, False) if r["mem"] == "zero-copy" else ""
    print("  %-11s kernel %8.3f ms  e2e %8.3f ms  %5.2f x%s" % (r["mem"], 1e3 * r["time_s"]["median"],
          1e3 * r["e2e_time_s"]["median"], ratio, target))
PY
