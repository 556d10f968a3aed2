// Internal: row updates with every product rounded before it is added (no FMA), on AVX-512 (masked
// tails) and portable loops that give the same bits; shared by the depthwise kernels.
#ifndef ENGINE_ROUNDED_ROWS_H
#define ENGINE_ROUNDED_ROWS_H
#include "isa_level.h"
#include <immintrin.h>

#pragma STDC FP_CONTRACT OFF

/// `dst[c] += a[c] · b[c]` for `c < C` (the product rounded, then added).
static inline void mul_add_portable(float *dst, const float *a, const float *b, long C) {
    for (long c = 0; c < C; c++) { const float t = a[c] * b[c]; dst[c] += t; }
}

/// `dst[c] += a[c]` for `c < C`.
static inline void add_portable(float *dst, const float *a, long C) {
    for (long c = 0; c < C; c++) dst[c] += a[c];
}

static inline __attribute__((target("avx512f"))) void add512(float *dst, const float *a, long C) {
    for (long c = 0; c < C; c += 16) {
        const __mmask16 m = engine_lane_mask16(C - c);
        _mm512_mask_storeu_ps(dst + c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst + c), _mm512_maskz_loadu_ps(m, a + c)));
    }
}

static inline __attribute__((target("avx512f"))) void mul_add512(float *dst, const float *a, const float *b, long C) {
    for (long c = 0; c < C; c += 16) {
        const __mmask16 m = engine_lane_mask16(C - c);
        const __m512 t = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + c), _mm512_maskz_loadu_ps(m, b + c));
        _mm512_mask_storeu_ps(dst + c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst + c), t));
    }
}
#endif
