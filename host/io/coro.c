/*
 * coro.c - stackful coroutines for the coroutine model: a stack each, and a switch.
 *
 * A coroutine is a function with a stack of its own.  resume() saves where the caller is (its
 * stack pointer and the registers a called function must preserve) and loads the coroutine's;
 * yield() does the reverse.  Nothing enters the kernel, so a switch costs a few nanoseconds,
 * where a thread switch costs a system call and a pass through the scheduler.
 *
 * Two switches, one interface:
 *   - x86-64 (without CET shadow stacks): hx_io_coro_swap below, 20 instructions: push the
 *     six callee-saved registers and the SSE/x87 control words, swap stack pointers, pop.
 *     A new coroutine's stack is laid out as if it had been switched away from just before
 *     calling boot, which calls fn(arg) with the stack aligned as the ABI requires.
 *   - elsewhere, and for comparison in `hetero io switch`: glibc's makecontext/swapcontext,
 *     which also saves and restores the signal mask - one rt_sigprocmask system call per
 *     switch, which is most of its cost.
 * Stacks are mmap'd with a PROT_NONE guard page below them, so an overflow faults instead of
 * corrupting a neighbour; only the pages a coroutine touches become resident.  Freed stacks are
 * kept on a per-thread list for reuse (accepting a connection should not cost an mmap).
 *
 * Sanitizers must be told about stack switches, or they take the coroutine's frames for the
 * caller's: AddressSanitizer through __sanitizer_start/finish_switch_fiber, ThreadSanitizer
 * through its fiber API.  A reused or abandoned stack is unpoisoned, since frames that never
 * returned leave their redzones marked.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define HX_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define HX_TSAN 1
#endif

#if defined(__x86_64__) && !defined(__CET__)
#define HX_CORO_ASM 1
/* void hx_io_coro_swap(void **save_sp, void *load_sp) */
__asm__(".text\n"
        ".p2align 4\n"
        ".type hx_io_coro_swap,@function\n"
        "hx_io_coro_swap:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size hx_io_coro_swap,.-hx_io_coro_swap\n"
        /* first switch into a coroutine lands here: rbx = the coroutine, r12 = entry */
        ".p2align 4\n"
        ".type hx_io_coro_boot,@function\n"
        "hx_io_coro_boot:\n"
        "    movq %rbx, %rdi\n"
        "    callq *%r12\n"
        "    ud2\n"
        ".size hx_io_coro_boot,.-hx_io_coro_boot\n");
void hx_io_coro_swap(void **save_sp, void *load_sp);
void hx_io_coro_boot(void);
#endif

#define GUARD      4096
#define POOL_LIMIT 4096 /* stacks kept for reuse per thread */

struct hx_io_coro {
    bool use_ucontext, done;
    void (*fn)(void *);
    void *arg;
    unsigned char *map; /* guard page + stack */
    size_t map_bytes;
    void *sp, *caller_sp; /* register switch */
    ucontext_t uc, caller_uc;
    struct hx_io_coro *next_free;
#if defined(HX_ASAN)
    void *fake, *caller_fake;
    const void *caller_bottom;
    size_t caller_size;
#endif
#if defined(HX_TSAN)
    void *fiber, *caller_fiber;
#endif
};

static _Thread_local hx_io_coro *current;
static _Thread_local hx_io_coro *pool; /* freed coroutines with their stacks */
static _Thread_local size_t pooled;

const char *hx_io_coro_method(void) {
#if defined(HX_CORO_ASM)
    return "x86-64 register switch";
#else
    return "swapcontext";
#endif
}

/* ---- the switch, with the sanitizers told -----------------------------------------------------
 */

static void switch_in(hx_io_coro *co) {
#if defined(HX_ASAN)
    __sanitizer_start_switch_fiber(&co->caller_fake, co->map + GUARD, co->map_bytes - GUARD);
#endif
#if defined(HX_TSAN)
    co->caller_fiber = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(co->fiber, 0);
#endif
#if defined(HX_CORO_ASM)
    if (!co->use_ucontext)
        hx_io_coro_swap(&co->caller_sp, co->sp);
    else
#endif
        swapcontext(&co->caller_uc, &co->uc);
#if defined(HX_ASAN)
    __sanitizer_finish_switch_fiber(co->caller_fake, NULL, NULL);
#endif
}

static void switch_out(hx_io_coro *co) {
#if defined(HX_ASAN)
    /* a finished coroutine's fake stack is freed (NULL), a paused one's kept */
    __sanitizer_start_switch_fiber(co->done ? NULL : &co->fake, co->caller_bottom, co->caller_size);
#endif
#if defined(HX_TSAN)
    __tsan_switch_to_fiber(co->caller_fiber, 0);
#endif
#if defined(HX_CORO_ASM)
    if (!co->use_ucontext)
        hx_io_coro_swap(&co->sp, co->caller_sp);
    else
#endif
        swapcontext(&co->uc, &co->caller_uc);
#if defined(HX_ASAN)
    __sanitizer_finish_switch_fiber(co->fake, &co->caller_bottom, &co->caller_size);
#endif
}

static void entry(hx_io_coro *co) {
#if defined(HX_ASAN)
    __sanitizer_finish_switch_fiber(NULL, &co->caller_bottom, &co->caller_size);
#endif
    co->fn(co->arg);
    co->done = true;
    switch_out(co); /* never resumed again */
    abort();
}

static void entry_uc(unsigned hi, unsigned lo) {
    entry((hx_io_coro *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}

/* ---- stacks ---------------------------------------------------------------------------------- */

static int lay_out(hx_io_coro *co) {
    unsigned char *stack = co->map + GUARD;
    size_t bytes = co->map_bytes - GUARD;
#if defined(HX_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(stack, bytes); /* redzones of frames that never returned */
#endif
#if defined(HX_CORO_ASM)
    if (!co->use_ucontext) {
        uintptr_t top = ((uintptr_t)(stack + bytes) & ~(uintptr_t)15) - 16;
        uint64_t *f = (uint64_t *)(top - 64); /* what hx_io_coro_swap pops, in its order */
        uint32_t csr[2];
        __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(csr[0]), "=m"(csr[1]));
        memcpy(&f[0], csr, sizeof csr);
        f[1] = f[2] = f[3] = 0;                      /* r15, r14, r13 */
        f[4] = (uint64_t)(uintptr_t)entry;           /* r12: called by boot */
        f[5] = (uint64_t)(uintptr_t)co;              /* rbx: its argument */
        f[6] = 0;                                    /* rbp: the end of the frame chain */
        f[7] = (uint64_t)(uintptr_t)hx_io_coro_boot; /* where ret goes */
        co->sp = f;
        return 0;
    }
#endif
    if (getcontext(&co->uc) != 0)
        return -1;
    co->uc.uc_stack.ss_sp = stack;
    co->uc.uc_stack.ss_size = bytes;
    co->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)co;
    makecontext(&co->uc, (void (*)(void))entry_uc, 2, (unsigned)(p >> 32), (unsigned)p);
    return 0;
}

static hx_io_coro *from_pool(size_t map_bytes) {
    hx_io_coro **at = &pool;
    for (size_t i = 0; *at && i < 8; at = &(*at)->next_free, i++) /* look a little way only */
        if ((*at)->map_bytes == map_bytes) {
            hx_io_coro *co = *at;
            *at = co->next_free;
            pooled--;
            return co;
        }
    return NULL;
}

static hx_io_coro *make(size_t stack_bytes, bool use_ucontext, void (*fn)(void *), void *arg) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t map_bytes = GUARD + (stack_bytes + page - 1) / page * page;
    hx_io_coro *co = from_pool(map_bytes);
    if (!co) {
        co = calloc(1, sizeof *co);
        if (!co)
            return NULL;
        co->map = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (co->map == MAP_FAILED || mprotect(co->map, GUARD, PROT_NONE) != 0) {
            if (co->map != MAP_FAILED)
                munmap(co->map, map_bytes);
            free(co);
            return NULL;
        }
        co->map_bytes = map_bytes;
#if defined(HX_TSAN)
        co->fiber = __tsan_create_fiber(0);
#endif
    }
    co->use_ucontext = use_ucontext;
    co->done = false;
    co->fn = fn;
    co->arg = arg;
    if (lay_out(co) != 0) {
        hx_io_coro_free(co);
        return NULL;
    }
    return co;
}

hx_io_coro *hx_io_coro_new(size_t stack_bytes, void (*fn)(void *), void *arg) {
    return make(stack_bytes, false, fn, arg);
}

hx_io_coro *hx_io_coro_new_ucontext(size_t stack_bytes, void (*fn)(void *), void *arg) {
    return make(stack_bytes, true, fn, arg);
}

bool hx_io_coro_resume(hx_io_coro *co) {
    if (co->done)
        return false;
    hx_io_coro *outer = current; /* NULL: resumed from plain code */
    current = co;
    switch_in(co);
    current = outer;
    return !co->done;
}

void hx_io_coro_yield(void) {
    hx_io_coro *co = current;
    if (co)
        switch_out(co);
}

static void destroy(hx_io_coro *co) {
#if defined(HX_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(co->map + GUARD, co->map_bytes - GUARD);
#endif
#if defined(HX_TSAN)
    __tsan_destroy_fiber(co->fiber);
#endif
    munmap(co->map, co->map_bytes);
    free(co);
}

void hx_io_coro_free(hx_io_coro *co) {
    if (!co)
        return;
    if (pooled < POOL_LIMIT) {
        co->next_free = pool;
        pool = co;
        pooled++;
        return;
    }
    destroy(co);
}

void hx_io_coro_pool_drain(void) {
    while (pool) {
        hx_io_coro *co = pool;
        pool = co->next_free;
        destroy(co);
    }
    pooled = 0;
}
