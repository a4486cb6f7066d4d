#!/usr/bin/env bash
# devices.sh - hetero's device survey next to independent references, on this machine, in one run:
#   clock      five surveys: the spread of bench.clock_mhz_measured (goal: within 5%), and the
#              measured fp32 peak against the theoretical one hetero reports beside it;
#   bandwidth  hetero's memory ceiling (bandwidth_gbps, best of 8 kernels) over the best kernel of
#              tools/ref/stream.c (compiled here, run before and after);
#   latency    hetero's pointer-chase latency per level (--hierarchy) over tools/ref/lat_mem_rd.c
#              -t (lmbench's random mode, compiled here) at the nearest working set (goal: within
#              1.5x), and over clpeak's CPU backend when CLPEAK names a clpeak binary;
#   OpenCL     the PoCL fp32 peak over clpeak's best fp32 width on the same device (goal: >= 0.95),
#              when CLPEAK names a clpeak binary (build it yourself; it is not part of hetero);
#   roofline   RUNS (default 5) `hetero run --roofline --device=cpu` over every workload: the
#              largest pct_peak of each (goal: never above 100).
# The theoretical peak, the clock and the ceilings are hetero's own figures (`hetero devices`);
# this script only puts them beside the references.  The load average is printed before and
# after: on a loaded machine every rate is low, so rerun on a quiet one.
#
#   tools/bench/devices.sh [BUILD_DIR]       (default build/release; run `make build` first)
#   CLPEAK=/path/to/clpeak RUNS=5 SURVEYS=5 tools/bench/devices.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
hetero=$build/hetero
runs=${RUNS:-5}
surveys=${SURVEYS:-5}
[ -x "$hetero" ] || { echo "devices.sh: $hetero not found; run 'make build' first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "devices.sh: needs python3 to read JSON" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache" # the user's cache is neither read nor written
cc -O3 -march=native -fopenmp "$root/tools/ref/stream.c" -o "$tmp/stream"
cc -O2 "$root/tools/ref/lat_mem_rd.c" -o "$tmp/lat_mem_rd"

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "== reference: tools/ref/stream.c, 256 MiB per array, best of 20"
"$tmp/stream" 256 20 | tee "$tmp/stream1.txt"
echo "== hetero devices --bench --hierarchy (every device)"
"$hetero" devices --bench --hierarchy --format=json --output="$tmp/survey.json"
"$tmp/stream" 256 20 > "$tmp/stream2.txt" # again after, to see the drift under load
for i in $(seq 1 "$surveys"); do
    "$hetero" devices --device=host --bench --no-cache --format=json --output="$tmp/host$i.json"
done
dram_mib=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))["devices"][0]["bench"]["hierarchy"]
print(max(1, d[-1]["latency_bytes"] >> 20))' "$tmp/survey.json")
echo "== reference: tools/ref/lat_mem_rd -t $dram_mib 64"
"$tmp/lat_mem_rd" -t "$dram_mib" 64 > "$tmp/lat.txt"
if [ -n "${CLPEAK:-}" ]; then
    echo "== clpeak (OpenCL fp32/fp64, CPU latency): $CLPEAK"
    "$CLPEAK" --opencl --single-precision-compute --double-precision-compute > "$tmp/clpeak-cl.txt"
    "$CLPEAK" --cpu --memory-latency > "$tmp/clpeak-cpu.txt"
fi
for i in $(seq 1 "$runs"); do
    echo "== hetero run --roofline --device=cpu (every workload), run $i of $runs"
    "$hetero" run --roofline --device=cpu --format=json --output="$tmp/run$i.json" \
        $("$hetero" list --format=json | python3 -c 'import json,sys
print(" ".join(w["name"] for w in json.load(sys.stdin)["workloads"]))')
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$tmp" "$surveys" "$runs" <<'PY'
import json, os, re, sys
tmp, surveys, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
doc = json.load(open(os.path.join(tmp, "survey.json")))
host = doc["devices"][0]
fig = lambda d, k: d["bench"]["figures"][k]
print("\n== summary on %s (%s, simd %s)" % (host["name"], " ".join(host["features"]["isa"]),
                                          host["features"]["simd"]))

clocks = []
for i in range(1, surveys + 1):
    h = json.load(open(os.path.join(tmp, "host%d.json" % i)))["devices"][0]["bench"]
    clocks.append(h["clock_mhz_measured"] or 0)
c = host["bench"]["clock"]
print("clock            %s MHz, confidence %s (%s)" % (c["mhz"], c["confidence"], c["method"]))
if c.get("disagreement"):
    print("                 disagreement: %s" % c["disagreement"])
fma = c["sources"].get("fma_chain")
if c["mhz"] and fma:
    print("                 the FMA chain (latency %d cycles) implies %.0f MHz: clock / FMA-chain "
          "clock = %.3f (goal: within 15%%)" % (c["sources"]["fma_latency_cycles"], fma,
                                                c["mhz"] / fma))
if clocks and min(clocks) > 0:
    print("                 %d surveys: %s MHz, spread %.1f%% (goal: <= 5%%)" % (
        surveys, ", ".join("%.0f" % x for x in clocks), 100 * (max(clocks) / min(clocks) - 1)))
fp32, theo = fig(host, "fp32_gflops"), fig(host, "fp32_gflops_theoretical")
if fp32["measured"] and theo["measured"]:
    print("host fp32        best %.1f GFLOP/s = %.1f%% of the theoretical %.1f (%s)" % (
        fp32["best"], 100 * fp32["best"] / theo["best"], theo["best"], theo["note"]))

ref = [float(l.split()[1]) for f in ("stream1.txt", "stream2.txt")
       for l in open(os.path.join(tmp, f)) if l.startswith("best ")]
bw = fig(host, "bandwidth_gbps")
print("host memory      ceiling %.1f GB/s (median %.1f; %s) = %.1f%% of the STREAM reference "
      "best %.1f GB/s" % (bw["best"], bw["median"], bw["note"][:60], 100 * bw["best"] / max(ref),
                          max(ref)))

lat = [tuple(map(float, l.split())) for l in open(os.path.join(tmp, "lat.txt"))
       if not l.startswith('"')]
clpeak_lat = {}
if os.path.exists(os.path.join(tmp, "clpeak-cpu.txt")):
    for l in open(os.path.join(tmp, "clpeak-cpu.txt")):
        m = re.match(r"\s*(L1|L2|L3|DRAM)\s*:\s*([\d.]+)", l)
        if m:
            clpeak_lat[m.group(1)] = float(m.group(2))
print("latency          level   bytes       hetero ns   lat_mem_rd -t ns (at MiB)  ratio  "
      "clpeak ns  ratio")
for l in host["bench"]["hierarchy"]:
    if l["latency_ns"] is None:
        continue
    mib = l["latency_bytes"] / 2**20
    near = min(lat, key=lambda p: abs(p[0] - mib))
    cl = clpeak_lat.get(l["level"])
    print("                 %-6s %10d  %9.2f   %9.2f (%.3f)            %5.2f  %s" % (
        l["level"], l["latency_bytes"], l["latency_ns"], near[1], near[0],
        l["latency_ns"] / near[1],
        "%9.2f  %5.2f" % (cl, l["latency_ns"] / cl) if cl else "        -      -"))

cl_best, section = {}, None
if os.path.exists(os.path.join(tmp, "clpeak-cl.txt")):
    for l in open(os.path.join(tmp, "clpeak-cl.txt")):
        m = re.match(r"\s*(float|double)\d*\s*:\s*([\d.]+)", l)
        if "Single-precision" in l or "Double-precision" in l:
            section = "fp32" if "Single" in l else "fp64"
        elif m and section:
            cl_best[section] = max(cl_best.get(section, 0), float(m.group(2)))
        elif l.strip():
            section = None
for d in doc["devices"]:
    if d["kind"] == "opencl" and d["bench"]:
        f32 = fig(d, "fp32_gflops")
        line = "opencl fp32      %s: best %.1f GFLOP/s (%s)" % (d["name"], f32["best"], f32["note"])
        if "fp32" in cl_best:
            line += "; clpeak best %.1f: ratio %.2f (goal: >= 0.95)" % (
                cl_best["fp32"], f32["best"] / cl_best["fp32"])
        print(line)

worst = 0
for i in range(1, runs + 1):
    rows = json.load(open(os.path.join(tmp, "run%d.json" % i)))["results"]
    pct = [r["pct_peak"] for r in rows if r.get("pct_peak") is not None]
    top = max(pct) if pct else 0
    worst = max(worst, top)
    print("roofline run %d   %d rows with pct_peak, largest %.1f%%" % (i, len(pct), top))
print("roofline         largest pct_peak over %d runs: %.1f%% (goal: <= 100)" % (runs, worst))
PY
