#include "engine_kernels.h"
#include <stdlib.h> /* defines __GLIBC__ (via features.h); without it the #if below was always false */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void engine_configure_allocator(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#endif
}
