/*
 * deque.h - the Chase-Lev work-stealing deque, with the C11 atomics of Le, Pop, Cohen and
 * Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory Models" (PPoPP 2013).
 *
 * One owner thread pushes and takes at the bottom (LIFO: depth-first, cache-warm); any number of
 * thieves steal at the top (FIFO: the oldest, usually largest, work).  Only the last element is
 * contended, settled by one compare-and-swap on top.  The circular buffer grows when full; the
 * old buffers stay allocated until the deque is destroyed, because a thief may still be reading
 * one (the paper leaves reclamation out too).
 *
 * Elements are 64-bit task words, stored and loaded atomically (relaxed), so a thief that reads
 * a slot the owner is overwriting reads a stale word and then loses its CAS, without a data
 * race.  The task word carries everything a task is (a range of indices, a tree node), so no
 * other memory is handed over through the deque.
 */
#ifndef HETERO_MAP_DEQUE_H
#define HETERO_MAP_DEQUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hx_deque_array {
    size_t size; /* a power of two */
    _Atomic uint64_t *buffer;
    struct hx_deque_array *older; /* retired arrays, freed with the deque */
} hx_deque_array;

/* top and bottom are signed: take() on an empty deque computes bottom - 1, which must compare
 * below top (the paper's size_t would wrap around). */
typedef struct hx_deque {
    _Alignas(64) _Atomic int64_t top;
    _Alignas(64) _Atomic int64_t bottom;
    _Atomic(hx_deque_array *) array;
    char pad[64 - sizeof(void *)];
} hx_deque;

typedef enum { HX_DEQUE_OK, HX_DEQUE_EMPTY, HX_DEQUE_ABORT } hx_deque_status;

/* capacity: rounded up to a power of two (at least 2). HX_OK or HX_ERR_RUNTIME (memory). */
int hx_deque_init(hx_deque *q, size_t capacity);
void hx_deque_destroy(hx_deque *q);

/* Owner only.  push fails (false) only when growing the buffer runs out of memory. */
bool hx_deque_push(hx_deque *q, uint64_t x);
hx_deque_status hx_deque_take(hx_deque *q, uint64_t *x);

/* Any thread.  HX_DEQUE_ABORT: lost the race for the element to another thief or the owner. */
hx_deque_status hx_deque_steal(hx_deque *q, uint64_t *x);

/* A hint for thieves choosing a victim: whether top < bottom when looked at. */
bool hx_deque_looks_nonempty(hx_deque *q);

/* Owner only, a hint: how many tasks the deque held when looked at (thieves may be taking). */
size_t hx_deque_size_hint(hx_deque *q);

#endif
