#!/usr/bin/env bash
# gpu-check.sh - run hetero's GPU checks on a machine with an NVIDIA GPU and nothing installable.
#
# Two halves, one on each machine (docs/gpu.md):
#
#   tools/gpu-check.sh --prepare [--with-cublas]      on the build machine, after the release
#       build: copies into build/gpu-carry/ the hetero binary and what the GPU machine may lack
#       (ocl-icd's libOpenCL.so.1 and the other non-glibc libraries the binary links) and compiles
#       tools/gpu-ref (D2D copy bandwidth and the cuBLAS SGEMM reference) with the CUDA runtime
#       linked statically.  --with-cublas also copies libcublas/libcublasLt (about 600 MB).
#
#   tools/gpu-check.sh [--dry-run] OUTDIR              on the GPU machine, from the repository
#       root, with build/gpu-carry copied over (it is all that travels): finds the NVIDIA driver
#       (libcuda.so.1) and its OpenCL library (libnvidia-opencl.so.1), points ocl-icd at the
#       latter with OCL_ICD_VENDORS, and runs, each step under `timeout` and within 5 minutes:
#         hetero devices; hetero run --device=gpu --backend=serial,opencl,cuda for every
#         workload; gpu-ref copy, sgemm and info; hetero devices --bench --device=gpu.
#       Writes each step's JSON and stderr, a log and summary.txt into OUTDIR, and prints the
#       summary last: every cuda/opencl row, and the targets (vecadd and triad cuda >= 90% of the
#       D2D copy bandwidth, cuda sgemm >= 50% of cuBLAS).  --dry-run stops after the discovery
#       and prints what it would run.
#
# Environment: HETERO_BUILD (default build/release: where --prepare takes the binary from),
# HETERO_CARRY (default build/gpu-carry),
# HETERO_NVIDIA_LIB_DIRS (colon-separated directories searched instead of the default list and
# ldconfig; tests use it).  Exit status: 0 ran (targets are reported, not enforced), 1 a step
# failed or a result failed verification, 2 usage, 3 no NVIDIA driver or missing prepare step.
set -uo pipefail

BUILD=${HETERO_BUILD:-build/release}
CARRY=${HETERO_CARRY:-build/gpu-carry}
BUDGET_S=285 # the whole run stays under 5 minutes
SGEMM_N=2048 # large enough to fill an H100 with 128x128 tiles, small enough for serial

say() { printf 'gpu-check: %s\n' "$*" >&2; }
die() { # die CODE MESSAGE
    local code=$1
    shift
    say "$*"
    exit "$code"
}

usage() {
    sed -n '2,/^set -uo/p' "$0" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//'
}

# ---- the build machine ---------------------------------------------------------------------

# Libraries hetero links that a bare machine may lack: everything ldd lists except glibc's own.
carry_libraries() {
    local bin=$1 dest=$2 name path
    mkdir -p "$dest"
    while read -r name _ path _; do
        case "$name" in
        linux-vdso.so.* | ld-linux* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | \
            librt.so.* | libresolv.so.*) continue ;;
        esac
        if [ -z "${path:-}" ] || [ ! -f "$path" ]; then continue; fi
        cp -L "$path" "$dest/$name" || return 1
    done < <(ldd "$bin" | grep '=> /')
}

prepare() {
    local with_cublas=$1
    [ -x "$BUILD/hetero" ] || die 3 "no $BUILD/hetero: build first (cmake --preset release &&" \
        "cmake --build --preset release)"
    if ! "$BUILD/hetero" list | awk 'NR == 1 { found = / cuda$/ } END { exit !found }'; then
        die 3 "$BUILD/hetero has no cuda backend: configure on a machine with nvcc"
    fi
    local nvcc=${CUDACXX:-}
    [ -n "$nvcc" ] || nvcc=$(command -v nvcc || true)
    [ -n "$nvcc" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || nvcc=/usr/local/cuda/bin/nvcc
    [ -n "$nvcc" ] || die 3 "nvcc not found (PATH, CUDACXX, /usr/local/cuda/bin): cannot build" \
        "tools/gpu-ref"
    rm -rf "$CARRY"
    mkdir -p "$CARRY/lib" "$CARRY/bin"
    cp "$BUILD/hetero" "$CARRY/bin/hetero" || die 1 "cannot copy $BUILD/hetero"
    carry_libraries "$BUILD/hetero" "$CARRY/lib" || die 1 "cannot copy the libraries"
    [ -f "$CARRY/lib/libOpenCL.so.1" ] || die 1 "hetero does not link libOpenCL.so.1?"
    say "building tools/gpu-ref with $nvcc"
    "$nvcc" -O2 -std=c++17 -gencode arch=compute_80,code=sm_80 \
        -gencode arch=compute_90,code='[sm_90,compute_90]' tools/gpu-ref/gpu_ref.cu \
        -o "$CARRY/gpu-ref" -ldl || die 1 "tools/gpu-ref did not build"
    carry_libraries "$CARRY/gpu-ref" "$CARRY/lib" || die 1 "cannot copy the libraries"
    if [ "$with_cublas" = 1 ]; then
        local cudalib
        cudalib=$(dirname "$(readlink -f "$nvcc")")/../lib64
        mkdir -p "$CARRY/cublas"
        cp -L "$cudalib/libcublas.so.13" "$cudalib/libcublasLt.so.13" "$CARRY/cublas/" ||
            die 1 "cannot copy libcublas from $cudalib"
    fi
    {
        echo "prepared: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
        echo "build: $BUILD"
        echo "nvcc: $("$nvcc" --version | tail -1)"
        echo "libraries: $(cd "$CARRY/lib" && echo *)"
        echo "cublas: $([ -d "$CARRY/cublas" ] && echo carried || echo 'not carried')"
    } >"$CARRY/manifest.txt"
    say "ready: $(du -sh "$CARRY" | cut -f1) in $CARRY; copy it to the GPU machine and run" \
        "tools/gpu-check.sh OUTDIR from the repository root"
}

# ---- the GPU machine: discovery ------------------------------------------------------------

search_dirs() {
    if [ -n "${HETERO_NVIDIA_LIB_DIRS:-}" ]; then
        tr ':' '\n' <<<"$HETERO_NVIDIA_LIB_DIRS"
        return
    fi
    printf '%s\n' /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
        /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu/nvidia/current /usr/lib/nvidia \
        /run/nvidia/driver/usr/lib/x86_64-linux-gnu /usr/local/cuda/compat \
        /usr/local/cuda/lib64
}

# find_library NAME: the first NAME (or NAME.<version>) in ldconfig's cache or the search dirs.
find_library() {
    local name=$1 dir hit
    if [ -z "${HETERO_NVIDIA_LIB_DIRS:-}" ] && command -v ldconfig >/dev/null 2>&1; then
        hit=$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }')
        [ -n "$hit" ] && [ -e "$hit" ] && { echo "$hit"; return 0; }
    fi
    while read -r dir; do
        [ -d "$dir" ] || continue
        for hit in "$dir/$name" "$dir/$name".*; do
            [ -e "$hit" ] && { echo "$hit"; return 0; }
        done
    done < <(search_dirs)
    # a versioned name only, e.g. libnvidia-opencl.so.550.54.15 without the .so.1 link
    local base=${name%.so.*}
    while read -r dir; do
        for hit in "$dir/$base".so.[0-9]*; do
            [ -e "$hit" ] && { echo "$hit"; return 0; }
        done
    done < <(search_dirs)
    return 1
}

# ---- the GPU machine: steps ----------------------------------------------------------------

START=$SECONDS
FAILED=0
LAST_RC=0

log() { printf '%s\n' "$*" >>"$OUT/log.txt"; }

# step NAME TIMEOUT OUTFILE CMD...: run CMD under timeout, stdout to OUTFILE, stderr to NAME.err.
step() {
    local name=$1 limit=$2 out=$3
    shift 3
    local left=$((BUDGET_S - (SECONDS - START)))
    if [ "$left" -lt 10 ]; then
        LAST_RC=124
        log "== $name: skipped, the 5-minute budget is spent"
        say "$name: skipped (time budget spent)"
        return 0
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    log "== $name (timeout ${limit}s): $*"
    local t0=$SECONDS rc
    timeout --kill-after=5 "$limit" "$@" >"$out" 2>"$OUT/$name.err"
    rc=$?
    LAST_RC=$rc
    log "   exit $rc after $((SECONDS - t0))s"
    sed 's/^/   | /' "$OUT/$name.err" >>"$OUT/log.txt"
    case $rc in
    0) ;;
    124 | 137) say "$name: timed out after ${limit}s" && FAILED=1 ;;
    3) say "$name: device or feature missing: $(tail -1 "$OUT/$name.err")" ;;
    *) say "$name: failed (exit $rc): $(tail -1 "$OUT/$name.err")" && FAILED=1 ;;
    esac
    return 0
}

# Extra arguments per workload: streaming sizes well beyond the L2 cache, and an sgemm order
# that fills the GPU while serial (the reference every row is checked against) stays quick.
run_args() {
    case $1 in
    vecadd | triad | reduce | dot | scan) echo "--size=64M --reps=10 --warmup=2" ;;
    sgemm) echo "--size=$SGEMM_N --reps=3 --warmup=1" ;;
    *) echo "--reps=5 --warmup=1" ;;
    esac
}

# rows FILE: "workload backend device median_s gbps gflops verified", tab-separated, per result
# of a run JSON
# (hetero writes one key per line; no JSON tool is needed on the GPU machine).
rows() {
    awk '
        BEGIN { OFS = "\t" }
        function flush() { if (w != "") print w, b, d, t, g, f, v; w = "" }
        /"results":/ { inres = 1 }
        /"skipped":/ { flush(); inres = 0 }
        !inres { next }
        /"workload":/ { flush(); w = $2; gsub(/[",]/, "", w) }
        /"backend":/ { b = $2; gsub(/[",]/, "", b) }
        /"device":/ { d = $0; sub(/^[^:]*: "/, "", d); sub(/",?$/, "", d) }
        /"time_s":/ { intime = 1 }
        intime && /"median":/ { t = $2; gsub(/,/, "", t); intime = 0 }
        /"gbps":/ { g = $2; gsub(/,/, "", g) }
        /"gflops":/ { f = $2; gsub(/,/, "", f) }
        /"verified":/ { v = $2; gsub(/,/, "", v) }
        END { flush() }' "$1"
}

# ref_value FILE KEY: the median of KEY in a gpu-ref JSON.
ref_value() {
    [ -s "$1" ] || return 0
    sed -n "s/.*\"$2\": {\"median\": \\([^,]*\\),.*/\\1/p" "$1" | head -1
}

# row_value WORKLOAD BACKEND COLUMN (5: GB/s, 6: GFLOP/s): the first such row of this run.
row_value() {
    awk -F'\t' -v w="$1" -v b="$2" -v c="$3" '$1 == w && $2 == b { print $c; exit }' \
        "$OUT/rows.txt" 2>/dev/null
}

target_line() { # target_line LABEL VALUE REF RATIO_MIN UNIT REFNAME
    local label=$1 value=$2 ref=$3 min=$4 unit=$5 refname=$6
    if [ -z "$value" ] || [ -z "$ref" ]; then
        printf '  %-22s no figure (%s)\n' "$label" "${value:+no $refname}${value:-no cuda row}"
        return
    fi
    awk -v l="$label" -v v="$value" -v r="$ref" -v m="$min" -v u="$unit" -v n="$refname" 'BEGIN {
        p = 100 * v / r
        printf "  %-22s %10.1f %s = %5.1f%% of %s %.1f %s (target >= %d%%): %s\n",
               l, v, u, p, n, r, u, 100 * m, (v >= m * r ? "MET" : "MISSED") }'
}

summary() {
    local f
    : >"$OUT/rows.txt"
    for f in "$OUT"/run-*.json; do
        [ -s "$f" ] && rows "$f" >>"$OUT/rows.txt"
    done
    {
        echo "hetero GPU check: $(date -u +%Y-%m-%dT%H:%M:%SZ), $((SECONDS - START))s"
        echo "gpu: ${GPU_NAME:-unknown}; driver: ${DRIVER:-unknown}"
        echo
        printf '%-11s %-8s %-34s %12s %10s %10s %s\n' workload backend device "median" "GB/s" \
            "GFLOP/s" verified
        awk -F'\t' '$2 != "serial" {
            printf "%-11s %-8s %-34.34s %10.3g s %10.1f %10.1f %s\n", $1, $2, $3, $4, $5, $6,
                   ($7 == "true" ? "yes" : "NO") }' "$OUT/rows.txt"
        echo
        local copy sgemm peak
        copy=$(ref_value "$OUT/ref-copy.json" gbps)
        sgemm=$(ref_value "$OUT/ref-sgemm.json" gflops)
        peak=$(sed -n 's/.*"peak_fp32_gflops": \([^,]*\),.*/\1/p' "$OUT/ref-info.json" 2>/dev/null)
        echo "targets (kernel time; references measured in this run):"
        target_line "vecadd cuda" "$(row_value vecadd cuda 5)" "$copy" 0.9 GB/s "D2D copy"
        target_line "triad cuda" "$(row_value triad cuda 5)" "$copy" 0.9 GB/s "D2D copy"
        target_line "sgemm cuda (n=$SGEMM_N)" "$(row_value sgemm cuda 6)" "$sgemm" 0.5 GFLOP/s \
            "cuBLAS"
        [ -n "$peak" ] && target_line "sgemm cuda vs peak" "$(row_value sgemm cuda 6)" "$peak" 0 \
            GFLOP/s "FP32 peak"
        if awk -F'\t' '$7 == "false" { f = 1 } END { exit !f }' "$OUT/rows.txt"; then
            echo "VERIFICATION FAILED in: $(awk -F'\t' '$7 == "false" { print $1 "/" $2 }' \
                "$OUT/rows.txt" | tr '\n' ' ')"
        fi
    } >"$OUT/summary.txt"
}

gpu_run() {
    local dry=$1
    if [ ! -x "$CARRY/bin/hetero" ] || [ ! -f "$CARRY/lib/libOpenCL.so.1" ] ||
        [ ! -x "$CARRY/gpu-ref" ]; then
        die 3 "no $CARRY: run tools/gpu-check.sh --prepare on the build machine and copy" \
            "$CARRY here"
    fi
    local cuda ocl searched
    searched="$([ -z "${HETERO_NVIDIA_LIB_DIRS:-}" ] && printf 'ldconfig -p, ')$(search_dirs |
        paste -sd ' ')"
    cuda=$(find_library libcuda.so.1) ||
        die 3 "no NVIDIA driver: libcuda.so.1 not found (searched: $searched); this check" \
            "needs a machine with an NVIDIA GPU and its driver"
    ocl=$(find_library libnvidia-opencl.so.1) || ocl=""

    mkdir -p "$OUT/lib" || die 2 "cannot create $OUT"
    : >"$OUT/log.txt"
    # ocl-icd's loader always (it honours OCL_ICD_VENDORS=library path); the other carried
    # libraries only where the machine lacks them, so its own newer ones win.
    local lib name
    for lib in "$CARRY"/lib/*; do
        name=$(basename "$lib")
        if [ "$name" = libOpenCL.so.1 ] || ! find_system_lib "$name"; then
            ln -sf "$(readlink -f "$lib")" "$OUT/lib/$name"
        fi
    done
    [ -d "$CARRY/cublas" ] && for lib in "$CARRY"/cublas/*; do
        ln -sf "$(readlink -f "$lib")" "$OUT/lib/$(basename "$lib")"
    done
    local libdir
    libdir=$(readlink -f "$OUT/lib")
    export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    if [ -n "$ocl" ]; then
        export OCL_ICD_VENDORS="$ocl"
    else
        say "no libnvidia-opencl.so.1 (searched: $searched): the opencl rows run on whatever" \
            "OpenCL device exists, or are skipped"
        export OCL_ICD_VENDORS="$OUT/no-vendors"
        mkdir -p "$OCL_ICD_VENDORS"
    fi
    log "libcuda: $cuda"
    log "libnvidia-opencl: ${ocl:-none}"
    log "OCL_ICD_VENDORS=$OCL_ICD_VENDORS"
    log "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    [ -f "$CARRY/manifest.txt" ] && log "carried: $(tr '\n' ';' <"$CARRY/manifest.txt")"
    local workloads
    workloads=$("$CARRY/bin/hetero" list | awk '/^---/ { body = 1; next } body && NF == 0 { exit }
                                             body { print $1 }')
    [ -n "$workloads" ] || die 1 "hetero list printed no workloads (see $OUT/log.txt)"
    local devarg=--device=gpu backends=serial,opencl,cuda
    [ -n "$ocl" ] || backends=serial,cuda
    if [ "$dry" = 1 ]; then
        echo "libcuda: $cuda"
        echo "libnvidia-opencl: ${ocl:-none}"
        echo "OCL_ICD_VENDORS=$OCL_ICD_VENDORS"
        echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
        for w in $workloads; do
            echo "would run: hetero run $devarg --backend=$backends --format=json $(run_args "$w") $w"
        done
        return 0
    fi

    if command -v nvidia-smi >/dev/null 2>&1; then
        timeout 20 nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
        GPU_NAME=$(timeout 10 nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
        DRIVER=$(timeout 10 nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null |
            head -1)
    fi
    export POCL_SIGFPE_HANDLER=0
    local H="$CARRY/bin/hetero" w
    step devices 30 "$OUT/devices.json" "$H" devices --format=json
    step ref-info 30 "$OUT/ref-info.json" "$CARRY/gpu-ref" info
    [ -z "${GPU_NAME:-}" ] && GPU_NAME=$(sed -n 's/.*"device": "\(.*\)",/\1/p' "$OUT/ref-info.json")
    step ref-copy 60 "$OUT/ref-copy.json" "$CARRY/gpu-ref" copy $((512 << 20))
    step ref-sgemm 60 "$OUT/ref-sgemm.json" "$CARRY/gpu-ref" sgemm "$SGEMM_N"
    for w in $workloads; do
        # shellcheck disable=SC2046 # run_args is a list of options
        step "run-$w" 120 "$OUT/run-$w.json" "$H" run "$devarg" --backend="$backends" \
            --format=json $(run_args "$w") "$w"
        if [ "$LAST_RC" = 3 ] && [ "$backends" != serial,cuda ]; then
            # no OpenCL GPU after all (the library did not load): keep the cuda rows
            # shellcheck disable=SC2046
            step "run-$w-cuda" 120 "$OUT/run-$w-cuda.json" "$H" run --backend=serial,cuda \
                --format=json $(run_args "$w") "$w"
        fi
    done
    if [ -n "$ocl" ]; then
        step devices-bench 90 "$OUT/devices-bench.json" "$H" devices --bench --device=gpu \
            --bench-time=1s --no-cache --format=json
    fi
    summary
    cat "$OUT/log.txt" >&2
    echo
    cat "$OUT/summary.txt"
    awk -F'\t' '$7 == "false" { f = 1 } END { exit !f }' "$OUT/rows.txt" && FAILED=1
    if ! awk -F'\t' '$2 == "cuda" { f = 1 } END { exit !f }' "$OUT/rows.txt"; then
        say "no cuda row was measured: nothing ran on the GPU (see $OUT/log.txt)"
        [ "$FAILED" = 1 ] || FAILED=3
    fi
    return "$FAILED"
}

# A library the machine itself has (ldconfig cache or the search dirs).
find_system_lib() {
    local name=$1
    if command -v ldconfig >/dev/null 2>&1 &&
        ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { f = 1 } END { exit !f }'; then
        return 0
    fi
    local dir
    for dir in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /lib64; do
        [ -e "$dir/$name" ] && return 0
    done
    return 1
}

# ---- command line --------------------------------------------------------------------------

main() {
    local mode=run with_cublas=0 dry=0 outdir=""
    while [ $# -gt 0 ]; do
        case $1 in
        --prepare) mode=prepare ;;
        --with-cublas) with_cublas=1 ;;
        --dry-run) dry=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        -*) die 2 "unknown option '$1'; accepted: --prepare, --with-cublas, --dry-run, --help" ;;
        *)
            [ -z "$outdir" ] || die 2 "one output directory only, not '$outdir' and '$1'"
            outdir=$1
            ;;
        esac
        shift
    done
    if [ "$mode" = prepare ]; then
        [ -z "$outdir" ] || die 2 "--prepare takes no output directory"
        prepare "$with_cublas"
        exit $?
    fi
    [ "$with_cublas" = 0 ] || die 2 "--with-cublas goes with --prepare"
    [ -n "$outdir" ] || die 2 "usage: tools/gpu-check.sh --prepare [--with-cublas] | tools/gpu-check.sh [--dry-run] OUTDIR"
    OUT=$outdir
    gpu_run "$dry"
    exit $?
}

# Sourced (by a test) it only defines the functions.
[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"
