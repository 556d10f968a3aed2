// The three matrix products inside attention, for one item (one head of one window) at a time, as
// AVX-512 register-tiled loops. OpenBLAS packs both operands on every call; attention calls it once
// per block of query rows with a head dimension of only 32–80, so the packing (of the same k and v,
// again for every block) and the C-tile overhead of a 64-deep product cost a quarter of the time.
// Here the A operand is read in place (broadcast), and the only packing — kᵀ or vᵀ for the scores —
// is done once per item by the caller. Row-major throughout; every product is single-threaded (the
// caller runs items in parallel).
#include "engine_kernels.h"
#include "isa_level.h"
#include "transpose16.h"
#include "panel_tile.h"
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,fma")))
#define TILE static inline __attribute__((always_inline)) T512
#define UNROLL _Pragma("clang loop unroll(full)")

/// Rows of B kept in L1 per pass of the `apply` product (64 rows of a 64-wide v: 16 KB).
#define APPLY_CHUNK 64

int engine_attention_kernels_available(long dv) { return engine_isa_level() == 2 && dv > 0 && dv % 16 == 0; }

long engine_attention_packed_count(long m, long d) { return (m + PANEL - 1) / PANEL * PANEL * d; }

/// `engine_attention_pack_transposed` for `d` a multiple of 16: 16 × 16 blocks transposed in registers;
/// rows past `m` are read as zeros (never loaded).
T512 static void pack_transposed512(const float *b, long m, long d, long ldb, float *packed) {
    for (long j0 = 0; j0 < m; j0 += PANEL) {
        float *panel = packed + j0 * d;
        for (long h = 0; h < PANEL; h += 16) {
            const long rows = m - j0 - h;
            for (long k = 0; k < d; k += 16) {
                __m512 r[16];
                UNROLL for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_loadu_ps(b + (j0 + h + i) * ldb + k) : _mm512_setzero_ps();
                engine_transpose16(r);
                UNROLL for (int t = 0; t < 16; t++) _mm512_storeu_ps(panel + (k + t) * PANEL + h, r[t]);
            }
        }
    }
}

void engine_attention_pack_transposed(const float *b, long m, long d, long ldb, float *packed) {
    if (engine_isa_level() == 2 && d % 16 == 0) { pack_transposed512(b, m, d, ldb, packed); return; }
    for (long j0 = 0; j0 < m; j0 += PANEL) {
        float *panel = packed + j0 * d;
        const long width = m - j0 < PANEL ? m - j0 : PANEL;
        for (long k = 0; k < d; k++) {
            float *line = panel + k * PANEL;
            long j = 0;
            for (; j < width; j++) line[j] = b[(j0 + j) * ldb + k];
            for (; j < PANEL; j++) line[j] = 0;
        }
    }
}

// ---- scores: C[n × m] = alpha · A[n × d] · Bᵀ (+ C) -------------------------------------------------

void engine_attention_scores(long n, long m, long d, float alpha, const float *a, long lda, const float *packed, float *c,
                             long ldc, int accumulate) {
    panel_sweep(n, m, d, 0, d, alpha, a, lda, packed, c, ldc, accumulate, 0);
}

// ---- apply: C[n × dv] = alpha · A[n × m] · B[m × dv] (+ C) ------------------------------------------
// A tile is `rows` rows by `vectors` × 16 columns of C; B is read in chunks of APPLY_CHUNK rows (kept
// in L1 across the row tiles), each chunk's alpha-scaled sum added into C (`from_c`: all but the first
// chunk, and the first too when accumulating).

TILE void apply_tile(const int rows, const int vectors, long k0, long kc, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc, float alpha, int from_c) {
    __m512 acc[12][4];
    UNROLL for (int i = 0; i < rows; i++) UNROLL for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_setzero_ps();
    for (long k = k0; k < k0 + kc; k++) {
        __m512 bk[4];
        UNROLL for (int v = 0; v < vectors; v++) bk[v] = _mm512_loadu_ps(b + k * ldb + 16 * v);
        UNROLL for (int i = 0; i < rows; i++) {
            const __m512 x = _mm512_set1_ps(a[i * lda + k]);
            UNROLL for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_fmadd_ps(x, bk[v], acc[i][v]);
        }
    }
    const __m512 s = _mm512_set1_ps(alpha);
    UNROLL for (int i = 0; i < rows; i++) UNROLL for (int v = 0; v < vectors; v++) {
        float *p = c + i * ldc + 16 * v;
        _mm512_storeu_ps(p, from_c ? _mm512_fmadd_ps(s, acc[i][v], _mm512_loadu_ps(p)) : _mm512_mul_ps(s, acc[i][v]));
    }
}

// A remainder of r < R rows (r is a constant in each case; `r < R ? r : 1` keeps the cases that
// cannot happen for this R small).
#define REMAINDER_CASES(R, CALL)                                                                          \
    case 1: CALL(1) break;  case 2: CALL(2 < R ? 2 : 1) break;  case 3: CALL(3 < R ? 3 : 1) break;          \
    case 4: CALL(4 < R ? 4 : 1) break;  case 5: CALL(5 < R ? 5 : 1) break;  case 6: CALL(6 < R ? 6 : 1) break; \
    case 7: CALL(7 < R ? 7 : 1) break;  case 8: CALL(8 < R ? 8 : 1) break;  case 9: CALL(9 < R ? 9 : 1) break; \
    case 10: CALL(10 < R ? 10 : 1) break; case 11: CALL(11 < R ? 11 : 1) break; default: break;

// Row-tile heights by vector count: 24 accumulators at most (of 32 registers).
#define APPLY_GROUP(V, R)                                                                                         \
    T512 static void apply##V(long n, long k0, long kc, const float *a, long lda, const float *b, long ldb, float *c, \
                              long ldc, float alpha, int from_c) {                                              \
        long i = 0;                                                                                             \
        for (; i + R <= n; i += R) APPLY_CALL(R)                                                                \
        switch (n - i) { REMAINDER_CASES(R, APPLY_CALL) }                                                       \
    }
#define APPLY_CALL(r) apply_tile(r, V_, k0, kc, a + i * lda, lda, b, ldb, c + i * ldc, ldc, alpha, from_c);
#define V_ 1
APPLY_GROUP(1, 12)
#undef V_
#define V_ 2
APPLY_GROUP(2, 12)
#undef V_
#define V_ 3
APPLY_GROUP(3, 8)
#undef V_
#define V_ 4
APPLY_GROUP(4, 6)
#undef V_

void engine_attention_apply(long n, long m, long dv, float alpha, const float *a, long lda, const float *b, long ldb, float *c,
                            long ldc, int accumulate) {
    for (long k0 = 0; k0 < m; k0 += APPLY_CHUNK) {
        const long kc = m - k0 < APPLY_CHUNK ? m - k0 : APPLY_CHUNK;
        const int from_c = k0 > 0 || accumulate;
        for (long col = 0; col < dv; col += 64) {   // groups of up to four vectors of columns
            const long vectors = (dv - col) / 16 < 4 ? (dv - col) / 16 : 4;
            const float *bc = b + col;
            float *cc = c + col;
            switch (vectors) {
                case 1: apply1(n, k0, kc, a, lda, bc, ldb, cc, ldc, alpha, from_c); break;
                case 2: apply2(n, k0, kc, a, lda, bc, ldb, cc, ldc, alpha, from_c); break;
                case 3: apply3(n, k0, kc, a, lda, bc, ldb, cc, ldc, alpha, from_c); break;
                default: apply4(n, k0, kc, a, lda, bc, ldb, cc, ldc, alpha, from_c); break;
            }
        }
    }
}

// ---- transposed: C[m × dv] = alpha · A[n × m]ᵀ · B[n × dv] (+ C) ----------------------------------------
// A tile is `rows` consecutive columns of A (rows of C) by `vectors` × 16 columns of C, summed over
// all n rows of A and B; n is one block of query rows, so B stays in L1.

TILE void transposed_tile(const int rows, const int vectors, long n, const float *a, long lda, const float *b, long ldb,
                          float *c, long ldc, float alpha, int accumulate) {
    __m512 acc[12][4];
    UNROLL for (int i = 0; i < rows; i++) UNROLL for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_setzero_ps();
    for (long r = 0; r < n; r++) {
        __m512 br[4];
        UNROLL for (int v = 0; v < vectors; v++) br[v] = _mm512_loadu_ps(b + r * ldb + 16 * v);
        UNROLL for (int i = 0; i < rows; i++) {
            const __m512 x = _mm512_set1_ps(a[r * lda + i]);
            UNROLL for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_fmadd_ps(x, br[v], acc[i][v]);
        }
    }
    const __m512 s = _mm512_set1_ps(alpha);
    UNROLL for (int i = 0; i < rows; i++) UNROLL for (int v = 0; v < vectors; v++) {
        float *p = c + i * ldc + 16 * v;
        const __m512 o = _mm512_mul_ps(s, acc[i][v]);
        _mm512_storeu_ps(p, accumulate ? _mm512_add_ps(o, _mm512_loadu_ps(p)) : o);
    }
}

#define TRANSPOSED_GROUP(V, R)                                                                                   \
    T512 static void transposed##V(long n, long m, const float *a, long lda, const float *b, long ldb, float *c,   \
                                   long ldc, float alpha, int accumulate) {                                     \
        long i = 0;                                                                                             \
        for (; i + R <= m; i += R) TRANSPOSED_CALL(R)                                                           \
        switch (m - i) { REMAINDER_CASES(R, TRANSPOSED_CALL) }                                                  \
    }
#define TRANSPOSED_CALL(r) transposed_tile(r, V_, n, a + i, lda, b, ldb, c + i * ldc, ldc, alpha, accumulate);
#define V_ 1
TRANSPOSED_GROUP(1, 12)
#undef V_
#define V_ 2
TRANSPOSED_GROUP(2, 12)
#undef V_
#define V_ 3
TRANSPOSED_GROUP(3, 8)
#undef V_
#define V_ 4
TRANSPOSED_GROUP(4, 6)
#undef V_

void engine_attention_transposed(long n, long m, long dv, float alpha, const float *a, long lda, const float *b, long ldb,
                                 float *c, long ldc, int accumulate) {
    for (long col = 0; col < dv; col += 64) {
        const long vectors = (dv - col) / 16 < 4 ? (dv - col) / 16 : 4;
        const float *bc = b + col;
        float *cc = c + col;
        switch (vectors) {
            case 1: transposed1(n, m, a, lda, bc, ldb, cc, ldc, alpha, accumulate); break;
            case 2: transposed2(n, m, a, lda, bc, ldb, cc, ldc, alpha, accumulate); break;
            case 3: transposed3(n, m, a, lda, bc, ldb, cc, ldc, alpha, accumulate); break;
            default: transposed4(n, m, a, lda, bc, ldb, cc, ldc, alpha, accumulate); break;
        }
    }
}
