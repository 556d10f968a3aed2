// Internal: the register tile behind attention's scores (attention_gemm.c) and the packed GEMM
// (packed_gemm.c): `rows` rows of A, read in place and broadcast one element at a time, against one
// packed 32-column panel of B, with the whole depth summed in registers.
#ifndef ENGINE_PANEL_TILE_H
#define ENGINE_PANEL_TILE_H
#include "isa_level.h"
#include <immintrin.h>

/// Rows of the tile (each row: two vectors of 16 columns), and the width of a packed panel.
#define SCORE_ROWS 12
#define PANEL 32

/// Writes one tile row's 32 sums: `line = s · (c0, c1)`, `+ bias` when not NULL, `+ line` when
/// accumulate, in that order; masked by `m0`, `m1`; non-temporal when `stream` and the row is full.
static inline __attribute__((always_inline, target("avx512f")))
void tile_write_row(float *line, __m512 c0, __m512 c1, __m512 s, const float *bias, int accumulate, __mmask16 m0, __mmask16 m1,
                    const int stream) {
    __m512 o0 = _mm512_mul_ps(s, c0), o1 = _mm512_mul_ps(s, c1);
    if (bias) {
        o0 = _mm512_add_ps(o0, _mm512_maskz_loadu_ps(m0, bias));
        o1 = _mm512_add_ps(o1, _mm512_maskz_loadu_ps(m1, bias + 16));
    }
    if (accumulate) {
        o0 = _mm512_add_ps(o0, _mm512_maskz_loadu_ps(m0, line));
        o1 = _mm512_add_ps(o1, _mm512_maskz_loadu_ps(m1, line + 16));
    }
    if (stream && m1 == 0xFFFF) {
        _mm512_stream_ps(line, o0);
        _mm512_stream_ps(line + 16, o1);
    } else {
        _mm512_mask_storeu_ps(line, m0, o0);
        _mm512_mask_storeu_ps(line + 16, m1, o1);
    }
}

/// `c [rows × 32] = alpha · a [rows × d] · panel (+ bias) (+ c when accumulate)`: `panel` holds depth row
/// `k`'s 32 columns at `panel + k · PANEL` (64-byte aligned); `bias` (or NULL) the tile's 32 column biases,
/// added to every row; `m0`, `m1` mask the columns of `c` (and of `bias`) that exist.
/// With `stream` (a constant; not with accumulate), full tiles go out as non-temporal stores: `c`'s rows
/// must then be 64-byte aligned.
static inline __attribute__((always_inline, target("avx512f,fma")))
void scores_tile(const int rows, long d, const float *a, long lda, const float *panel, float *c, long ldc, float alpha,
                 int accumulate, __mmask16 m0, __mmask16 m1, const int stream, const float *bias) {
    __m512 c0[SCORE_ROWS], c1[SCORE_ROWS];
    _Pragma("clang loop unroll(full)") for (int i = 0; i < rows; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (long k = 0; k < d; k++) {
        const __m512 b0 = _mm512_load_ps(panel + k * PANEL), b1 = _mm512_load_ps(panel + k * PANEL + 16);
        _Pragma("clang loop unroll(full)") for (int i = 0; i < rows; i++) {
            const __m512 x = _mm512_set1_ps(a[i * lda + k]);
            c0[i] = _mm512_fmadd_ps(x, b0, c0[i]);
            c1[i] = _mm512_fmadd_ps(x, b1, c1[i]);
        }
    }
    const __m512 s = _mm512_set1_ps(alpha);
    _Pragma("clang loop unroll(full)") for (int i = 0; i < rows; i++) tile_write_row(c + i * ldc, c0[i], c1[i], s, bias, accumulate, m0, m1, stream);
}

/// `c [n × m] = alpha · A[:, k0 ..< k0 + kc] · B[k0 ..< k0 + kc, :]` (plus `bias [m]` on every row when not
/// NULL, plus `c` when accumulate), a tile of
/// rows at a time (so c is written row by row); `a` points at `A[0, k0]`, its rows `lda` apart. B is packed
/// as 32-column panels of `depth` rows each (panel `j0 / 32` at `packed + j0 · depth`, depth row `k` at
/// `+ k · PANEL`), its missing columns zero. `stream` as in `scores_tile`.
static inline __attribute__((always_inline, target("avx512f,fma")))
void panel_sweep_tiles(long n, long m, long depth, long k0, long kc, float alpha, const float *a, long lda, const float *packed,
                       float *c, long ldc, int accumulate, const int stream, const float *bias) {
    for (long i = 0; i < n; i += SCORE_ROWS) {
        const long rows = n - i < SCORE_ROWS ? n - i : SCORE_ROWS;
        const float *ai = a + i * lda;
        float *ci = c + i * ldc;
        for (long j0 = 0; j0 < m; j0 += PANEL) {
            const __mmask16 m0 = engine_lane_mask16(m - j0), m1 = engine_lane_mask16(m - j0 - 16);
            const float *panel = packed + j0 * depth + k0 * PANEL, *bj = bias ? bias + j0 : 0;
            switch (rows) {
#define PANEL_SWEEP_ROWS(r) case r: scores_tile(r, kc, ai, lda, panel, ci + j0, ldc, alpha, accumulate, m0, m1, stream, bj); break;
                PANEL_SWEEP_ROWS(1) PANEL_SWEEP_ROWS(2) PANEL_SWEEP_ROWS(3) PANEL_SWEEP_ROWS(4) PANEL_SWEEP_ROWS(5)
                PANEL_SWEEP_ROWS(6) PANEL_SWEEP_ROWS(7) PANEL_SWEEP_ROWS(8) PANEL_SWEEP_ROWS(9) PANEL_SWEEP_ROWS(10)
                PANEL_SWEEP_ROWS(11) PANEL_SWEEP_ROWS(12)
#undef PANEL_SWEEP_ROWS
                default: break;
            }
        }
    }
}

/// `panel_sweep_tiles` with ordinary stores.
static __attribute__((target("avx512f,fma"), unused))
void panel_sweep(long n, long m, long depth, long k0, long kc, float alpha, const float *a, long lda, const float *packed,
                 float *c, long ldc, int accumulate, const float *bias) {
    panel_sweep_tiles(n, m, depth, k0, kc, alpha, a, lda, packed, c, ldc, accumulate, 0, bias);
}
#endif
