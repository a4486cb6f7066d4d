/*
 * survey_host.c - the host processor's record: ISA features from cpuid (cpu.h) and the topology
 * from hwloc (cores, hardware threads, packages, NUMA nodes, the cache hierarchy).
 *
 * hwloc reads what the kernel exports (sysfs) and the cpuid leaves, and knows their quirks across
 * vendors and hypervisors, so nothing here parses /proc by hand.
 */
#include <hwloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/survey/survey.h"

static void isa_list(const hx_cpu_info *c, char *buf, size_t len) {
    struct {
        bool on;
        const char *name;
    } f[] = {{c->sse42, "sse4.2"},
             {c->avx, "avx"},
             {c->avx2, "avx2"},
             {c->fma, "fma"},
             {c->f16c, "f16c"},
             {c->avx512f, "avx512f"},
             {c->avx512bw, "avx512bw"},
             {c->avx512dq, "avx512dq"},
             {c->avx512vl, "avx512vl"},
             {c->avx512cd, "avx512cd"},
             {c->avx512vnni, "avx512vnni"},
             {c->avx512bf16, "avx512bf16"},
             {c->avx512fp16, "avx512fp16"}};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof f / sizeof f[0] && used < len; i++)
        if (f[i].on)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "", f[i].name);
}

static void add_cache(hx_device_record *r, hwloc_topology_t topo, hwloc_obj_type_t type, int level,
                      const char *kind) {
    int n = hwloc_get_nbobjs_by_type(topo, type);
    if (n <= 0 || r->ncaches == HX_SURVEY_MAX_CACHES)
        return;
    hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, 0);
    if (!o || !o->attr)
        return;
    hx_cache_level *c = &r->caches[r->ncaches++];
    c->level = level;
    snprintf(c->type, sizeof c->type, "%s", kind);
    c->bytes = o->attr->cache.size;
    c->line = o->attr->cache.linesize;
    c->instances = (unsigned)n;
}

static unsigned count_type(hwloc_topology_t topo, hwloc_obj_type_t type) {
    int n = hwloc_get_nbobjs_by_type(topo, type);
    return n > 0 ? (unsigned)n : 0;
}

static int read_topology(hx_device_record *r) {
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return hx_fail(HX_ERR_RUNTIME, "hwloc_topology_init failed");
    hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL);
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return hx_fail(HX_ERR_RUNTIME, "hwloc_topology_load failed: cannot read the topology");
    }
    r->compute_units = count_type(topo, HWLOC_OBJ_CORE);
    r->threads = count_type(topo, HWLOC_OBJ_PU);
    r->packages = count_type(topo, HWLOC_OBJ_PACKAGE);
    r->numa_nodes = count_type(topo, HWLOC_OBJ_NUMANODE);
    if (r->compute_units == 0)
        r->compute_units = r->threads;
    /* hwloc counts the memory of NUMA nodes only; a VM may hot-add memory outside them, so
     * the total is the kernel's count of physical pages (alloc.h). */
    r->global_mem = hx_host_memory_bytes();
    add_cache(r, topo, HWLOC_OBJ_L1CACHE, 1, "data");
    add_cache(r, topo, HWLOC_OBJ_L1ICACHE, 1, "instruction");
    add_cache(r, topo, HWLOC_OBJ_L2CACHE, 2, "unified");
    add_cache(r, topo, HWLOC_OBJ_L3CACHE, 3, "unified");
    hwloc_topology_destroy(topo);
    return HX_OK;
}

int hx_survey_host(hx_device_record *r) {
    const hx_cpu_info *c = hx_cpu();
    snprintf(r->id, sizeof r->id, "host");
    snprintf(r->name, sizeof r->name, "%s", c->brand);
    snprintf(r->vendor, sizeof r->vendor, "%s", c->vendor);
    snprintf(r->type, sizeof r->type, "CPU");
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(r->driver, sizeof r->driver, "%s %s", u.sysname, u.release);
    HX_TRY(read_topology(r));
    r->clock_mhz = (unsigned)hx_cpufreq_mhz("cpuinfo_max_freq"); /* reported maximum */
    isa_list(c, r->isa, sizeof r->isa);
    snprintf(r->simd, sizeof r->simd, "%s", hx_simd_name(c->simd));
    int lanes = hx_simd_float_lanes(c->simd);
    r->vec_float = (unsigned)lanes;
    r->vec_double = lanes > 1 ? (unsigned)lanes / 2 : 1;
    r->vec_int = r->vec_float;
    r->vec_char = 4 * r->vec_float;
    r->vec_short = 2 * r->vec_float;
    r->vec_long = r->vec_double;
    r->vec_half = c->f16c ? r->vec_float : 0;
    r->max_alloc = r->global_mem;
    r->fp64 = true;
    r->fp16 = c->avx512fp16; /* arithmetic on half; f16c only converts */
    r->unified_memory = true;
    snprintf(r->local_mem_type, sizeof r->local_mem_type, "none");
    hx_class_input in = {.host = true,
                         .cores = r->threads,
                         .simd_lanes = (unsigned)lanes,
                         .numa_nodes = r->numa_nodes,
                         .unified_memory = true};
    snprintf(in.type, sizeof in.type, "CPU");
    hx_classify(&in, r->flynn, sizeof r->flynn, r->memory, sizeof r->memory);
    return HX_OK;
}
