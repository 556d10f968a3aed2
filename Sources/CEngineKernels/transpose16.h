// Internal: a 16 × 16 transpose in AVX-512 registers, shared by the attention packing and `engine_transpose`.
#ifndef ENGINE_TRANSPOSE16_H
#define ENGINE_TRANSPOSE16_H
#include <immintrin.h>
#define ENGINE_UNROLL _Pragma("clang loop unroll(full)")

/// Transposes the 16 × 16 block held in `r` (row i in r[i]) in place (column c ends in r[c]).
static inline __attribute__((always_inline, target("avx512f"))) void engine_transpose16(__m512 r[16]) {
    __m512 t[16];
    // Per 128-bit lane L: t[2p] = rows 2p, 2p+1 at columns 4L, 4L+1 interleaved; t[2p+1] the same at 4L+2, 4L+3.
    ENGINE_UNROLL for (int i = 0; i < 16; i += 2) { t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]); t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]); }
    // Lane L of r[4q + s]: rows 4q ..< 4q + 4 at column 4L + s.
    ENGINE_UNROLL for (int i = 0; i < 16; i += 4) {
        const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
        const __m512d c = _mm512_castps_pd(t[i + 2]), e = _mm512_castps_pd(t[i + 3]);
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
    }
    // Column 4L + s gathers lane L of r[s], r[4 + s], r[8 + s], r[12 + s] (a 4 × 4 transpose of lanes).
    __m512 o[16];
    ENGINE_UNROLL for (int s = 0; s < 4; s++) {
        const __m512 u0 = _mm512_shuffle_f32x4(r[s], r[4 + s], 0x44), u1 = _mm512_shuffle_f32x4(r[s], r[4 + s], 0xEE);
        const __m512 u2 = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0x44), u3 = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0xEE);
        o[s] = _mm512_shuffle_f32x4(u0, u2, 0x88);
        o[4 + s] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
        o[8 + s] = _mm512_shuffle_f32x4(u1, u3, 0x88);
        o[12 + s] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
    }
    ENGINE_UNROLL for (int i = 0; i < 16; i++) r[i] = o[i];
}
#endif
