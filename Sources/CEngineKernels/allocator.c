#include "engine_kernels.h"
#include <stdint.h>
#include <stdlib.h> /* defines __GLIBC__ (via features.h); without it the #if below was always false */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void engine_configure_allocator(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, -1);  /* -1: never trim (an int cannot say more than 2 GB, which a step frees) */
#endif
}

void *engine_aligned_alloc(size_t bytes) {
    void *raw = malloc(bytes + 64);
    if (raw == NULL) return NULL;
    uintptr_t aligned = ((uintptr_t)raw + 64) & ~(uintptr_t)63;  /* at least 8 bytes above raw */
    ((void **)aligned)[-1] = raw;
    return (void *)aligned;
}

void engine_aligned_free(void *p) {
    if (p != NULL) free(((void **)p)[-1]);
}

