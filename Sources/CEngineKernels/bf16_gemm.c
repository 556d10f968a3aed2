// Mixed-precision GEMM `C = alpha · A · op(B) (+ bias) (+ C)` with bf16 operands and fp32 accumulation
// (docs/PERFORMANCE.md, "bf16"): both operands are rounded to bf16 (round to nearest even, denormals to
// zero: VCVTNE2PS2BF16), B once per call into 32-column panels of depth pairs, A one 12-row tile at a
// time. The products run on VDPBF16PS (AVX512_BF16) when `path` is 1, else on a portable loop that gives
// the same bits. Per fp32 lane VDPBF16PS does `acc = fma(a[2p+1], b[2p+1], acc)` then
// `acc = fma(a[2p], b[2p], acc)`, each step rounded to nearest even with a subnormal result flushed to a
// signed zero; the product is not rounded to fp32's range first (checked on this repository's AMD Zen 4
// over 32 million random lanes, overflowing and subnormal ones included: the SDM's "+=" of the product
// would have turned inf + (−inf) into NaN where the CPU keeps inf). The depth is summed in blocks of
// BF16_DEPTH values, each from zero, then `c = alpha · block (+ bias on the first) (+ c)`, in that order.
#include "engine_kernels.h"
#include "isa_level.h"
#include "panel_tile.h"
#include "transpose16.h"
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define BF16_ROWS SCORE_ROWS
#define BF16_PANEL PANEL
/// Depth values per block (even): the 12-row A tile (24 KB) and a panel's block (32 KB) share L1/L2.
#define BF16_DEPTH 1024

long engine_gemm_bf16_depth(void) { return BF16_DEPTH; }

int engine_bf16_dot_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16") && engine_isa_level() == 2;
}

long engine_gemm_bf16_packed_count(long n, long k) { return ((n + BF16_PANEL - 1) / BF16_PANEL) * BF16_PANEL * ((k + 1) & ~1L); }

static inline uint32_t bits_of(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static inline float float_of(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }

uint16_t engine_bf16_round(float x) {
    uint32_t u = bits_of(x);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40);   // NaN stays NaN, quiet
    if ((u & 0x7F800000u) == 0) u &= 0x80000000u;                                // subnormal: signed zero
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1)) >> 16);
}

/// Rounds `n` floats to bf16 (`engine_bf16_round` on every one; the vector instruction where present).
__attribute__((target("avx512f,avx512bf16")))
static void round_row_dpbf16(const float *src, long n, uint16_t *dst) {
    long x = 0;
    for (; x + 32 <= n; x += 32) {
        const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + x + 16), _mm512_loadu_ps(src + x));
        _mm512_storeu_si512(dst + x, (__m512i)v);
    }
    for (; x < n; x++) dst[x] = engine_bf16_round(src[x]);
}

static void round_row(const float *src, long n, uint16_t *dst, int path) {
    if (path == 1) { round_row_dpbf16(src, n, dst); return; }
    for (long x = 0; x < n; x++) dst[x] = engine_bf16_round(src[x]);
}

/// Panel `j0 / 32` at `packed + j0 · kp` (`kp`: k rounded up to even); depth pair `p`'s 64 values at
/// `+ 64 p`: columns 0–15 then 16–31, each as (b[2p][j], b[2p+1][j]); missing rows and columns zero.
/// `at(r, j)` reads B's depth row r, column j.
static void pack_panels(const float *b, long n, long k, long ldb, int transposed, uint16_t *packed) {
    const long kp = (k + 1) & ~1L;
    for (long j0 = 0; j0 < n; j0 += BF16_PANEL) {
        uint16_t *panel = packed + j0 * kp;
        for (long p = 0; p < kp / 2; p++) {
            uint16_t *dst = panel + p * 64;
            for (long jj = 0; jj < BF16_PANEL; jj++) {
                const long j = j0 + jj;
                uint16_t lo = 0, hi = 0;
                if (j < n) {
                    const long r0 = 2 * p, r1 = 2 * p + 1;
                    lo = engine_bf16_round(transposed ? b[j * ldb + r0] : b[r0 * ldb + j]);
                    if (r1 < k) hi = engine_bf16_round(transposed ? b[j * ldb + r1] : b[r1 * ldb + j]);
                }
                dst[2 * jj] = lo;
                dst[2 * jj + 1] = hi;
            }
        }
    }
}

/// `engine_bf16_round` on 16 lanes, the bf16 in each lane's upper half (the lower half zero).
static inline __attribute__((always_inline, target("avx512f"))) __m512i round16(__m512 x) {
    __m512i u = _mm512_castps_si512(x);
    const __m512i exponent = _mm512_set1_epi32(0x7F800000);
    u = _mm512_mask_and_epi32(u, _mm512_testn_epi32_mask(u, exponent), u, _mm512_set1_epi32((int)0x80000000));
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_epi32(u, _mm512_set1_epi32(0x7FFFFFFF)), exponent);
    const __m512i odd = _mm512_and_epi32(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7FFF)));
    r = _mm512_mask_or_epi32(r, nan, u, _mm512_set1_epi32(0x00400000));
    return _mm512_and_epi32(r, _mm512_set1_epi32((int)0xFFFF0000));
}

/// Depth rows `r0` and `r1` (nil: past the depth, zero) of 16 columns (`m`: those present) rounded and interleaved
/// into 16 pair words, `r0`'s value in each word's low half: the layout both operands' packings write.
static inline __attribute__((always_inline, target("avx512f")))
__m512i pair_words16(const float *r0, const float *r1, __mmask16 m) {
    const __m512i lo = r0 ? round16(_mm512_maskz_loadu_ps(m, r0)) : _mm512_setzero_si512();
    const __m512i hi = r1 ? round16(_mm512_maskz_loadu_ps(m, r1)) : _mm512_setzero_si512();
    return _mm512_or_si512(hi, _mm512_srli_epi32(lo, 16));
}

/// Panels `pack_rows512` fills together: per depth pair it reads 2 × 256 contiguous floats. Walking one
/// panel's 16 columns down the whole depth instead read one cache line per row, rows `ldb` apart, which the
/// prefetchers do not follow: a 1×1 convolution's activations (`ldb` = 4096) packed at 7 ns a value.
#define PACK_GROUP 8

/// `pack_panels` of `b [k × n]` on AVX-512F: per depth pair and 16 columns, two rows rounded and
/// interleaved into 16 pair words (the same bits).
__attribute__((target("avx512f")))
static void pack_rows512(const float *b, long n, long k, long ldb, uint16_t *packed) {
    const long kp = (k + 1) & ~1L;
    for (long g0 = 0; g0 < n; g0 += PACK_GROUP * BF16_PANEL) {
        const long g1 = g0 + PACK_GROUP * BF16_PANEL < n ? g0 + PACK_GROUP * BF16_PANEL : n;
        for (long p = 0; p < kp / 2; p++) {
            const float *r0 = b + 2 * p * ldb, *r1 = b + (2 * p + 1) * ldb;
            for (long j0 = g0; j0 < g1; j0 += BF16_PANEL) {
                uint16_t *dst = packed + j0 * kp + p * 64;
                for (long h = 0; h < BF16_PANEL; h += 16) {
                    const __mmask16 m = engine_lane_mask16(n - j0 - h);
                    _mm512_store_si512(dst + 2 * h, pair_words16(r0 + j0 + h, 2 * p + 1 < k ? r1 + j0 + h : 0, m));
                }
            }
        }
    }
}

/// `pack_panels` of `b [n × k]` transposed on AVX-512F, for the depth's whole 32-value runs: each of 16
/// rows' 16 pair words, then a 16 × 16 transpose of the words (the same bits); the rest scalar.
__attribute__((target("avx512f")))
static void pack_transposed512(const float *b, long n, long k, long ldb, uint16_t *packed) {
    const long kp = (k + 1) & ~1L, whole = k & ~31L;
    for (long j0 = 0; j0 < n; j0 += BF16_PANEL) {
        uint16_t *panel = packed + j0 * kp;
        for (long h = 0; h < BF16_PANEL; h += 16) {
            const long rows = n - j0 - h;
            for (long r0 = 0; r0 < whole; r0 += 32) {
                __m512 w[16];
                ENGINE_UNROLL for (int i = 0; i < 16; i++) {
                    if (i >= rows) { w[i] = _mm512_setzero_ps(); continue; }
                    const float *src = b + (j0 + h + i) * ldb + r0;
                    const __m256i e = _mm512_cvtepi32_epi16(_mm512_srli_epi32(round16(_mm512_loadu_ps(src)), 16));
                    const __m256i o = _mm512_cvtepi32_epi16(_mm512_srli_epi32(round16(_mm512_loadu_ps(src + 16)), 16));
                    w[i] = _mm512_castsi512_ps(_mm512_inserti64x4(_mm512_castsi256_si512(e), o, 1));
                }
                engine_transpose16(w);
                ENGINE_UNROLL for (int t = 0; t < 16; t++) _mm512_store_ps((float *)(panel + (r0 / 2 + t) * 64 + 2 * h), w[t]);
            }
        }
        if (whole < k) {   // the depth's last pairs, scalar
            for (long p = whole / 2; p < kp / 2; p++) {
                uint16_t *dst = panel + p * 64;
                for (long jj = 0; jj < BF16_PANEL; jj++) {
                    const long j = j0 + jj, r0 = 2 * p, r1 = 2 * p + 1;
                    dst[2 * jj] = j < n ? engine_bf16_round(b[j * ldb + r0]) : 0;
                    dst[2 * jj + 1] = j < n && r1 < k ? engine_bf16_round(b[j * ldb + r1]) : 0;
                }
            }
        }
    }
}

void engine_gemm_bf16_pack(const float *b, long n, long k, long ldb, int transposed, long j0, long j1, uint16_t *packed) {
    const long kp = (k + 1) & ~1L;
    const float *src = transposed ? b + j0 * ldb : b + j0;
    uint16_t *dst = packed + j0 * kp;
    if (engine_isa_level() == 2) {
        if (transposed) pack_transposed512(src, j1 - j0, k, ldb, dst); else pack_rows512(src, j1 - j0, k, ldb, dst);
        return;
    }
    pack_panels(src, j1 - j0, k, ldb, transposed, dst);
}

/// One output value's block sum on the portable path: the order and rounding of VDPBF16PS.
static inline float ftz(float x) { return (bits_of(x) & 0x7F800000u) == 0 ? float_of(bits_of(x) & 0x80000000u) : x; }
static inline float bf(uint16_t h) { return float_of((uint32_t)h << 16); }

static void tile_portable(long rows, long pairs, const uint32_t *a, long lda, const uint16_t *panel, float *c, long ldc,
                          long cols, float alpha, int accumulate, const float *bias) {
    for (long i = 0; i < rows; i++) {
        for (long j = 0; j < cols; j++) {
            const long half = j / 16, lane = j % 16;
            float acc = 0;
            for (long p = 0; p < pairs; p++) {
                const uint32_t x = a[i * lda + p];
                const uint16_t *w = panel + p * 64 + half * 32 + 2 * lane;
                acc = ftz(fmaf(bf((uint16_t)(x >> 16)), bf(w[1]), acc));
                acc = ftz(fmaf(bf((uint16_t)(x & 0xFFFF)), bf(w[0]), acc));
            }
            float o = alpha * acc;
            if (bias) o = o + bias[j];
            if (accumulate) o = o + c[i * ldc + j];
            c[i * ldc + j] = o;
        }
    }
}

static inline __attribute__((always_inline, target("avx512f,avx512bf16")))
void tile_dpbf16(const int rows, long pairs, const uint32_t *a, long lda, const uint16_t *panel, float *c, long ldc,
                 float alpha, int accumulate, __mmask16 m0, __mmask16 m1, const float *bias) {
    __m512 c0[BF16_ROWS], c1[BF16_ROWS];
    _Pragma("clang loop unroll(full)") for (int i = 0; i < rows; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (long p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(panel + p * 64), b1 = (__m512bh)_mm512_load_si512(panel + p * 64 + 32);
        _Pragma("clang loop unroll(full)") for (int i = 0; i < rows; i++) {
            const __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[i * lda + p]);
            c0[i] = _mm512_dpbf16_ps(c0[i], x, b0);
            c1[i] = _mm512_dpbf16_ps(c1[i], x, b1);
        }
    }
    const __m512 s = _mm512_set1_ps(alpha);
    _Pragma("clang loop unroll(full)") for (int i = 0; i < rows; i++) tile_write_row(c + i * ldc, c0[i], c1[i], s, bias, accumulate, m0, m1, 0);
}

__attribute__((target("avx512f,avx512bf16")))
static void sweep_dpbf16(long rows, long n, long pairs, const uint32_t *a, long lda, const uint16_t *packed, long kp, long p0,
                         float *c, long ldc, float alpha, int accumulate, const float *bias) {
    for (long j0 = 0; j0 < n; j0 += BF16_PANEL) {
        const __mmask16 m0 = engine_lane_mask16(n - j0), m1 = engine_lane_mask16(n - j0 - 16);
        const uint16_t *panel = packed + j0 * kp + p0 * 64;
        const float *bj = bias ? bias + j0 : 0;
        switch (rows) {
#define BF16_ROWS_CASE(r) case r: tile_dpbf16(r, pairs, a, lda, panel, c + j0, ldc, alpha, accumulate, m0, m1, bj); break;
            BF16_ROWS_CASE(1) BF16_ROWS_CASE(2) BF16_ROWS_CASE(3) BF16_ROWS_CASE(4) BF16_ROWS_CASE(5) BF16_ROWS_CASE(6)
            BF16_ROWS_CASE(7) BF16_ROWS_CASE(8) BF16_ROWS_CASE(9) BF16_ROWS_CASE(10) BF16_ROWS_CASE(11) BF16_ROWS_CASE(12)
#undef BF16_ROWS_CASE
            default: break;
        }
    }
}

/// Row stride (in pairs) of the bf16 A tile: odd-ish padding keeps the 12 rows out of the same L1 sets.
#define TILE_PAIRS (BF16_DEPTH / 2 + 16)

/// The products of `engine_gemm_bf16` and `engine_gemm_bf16_words`: A's rows are rounded a 12-row tile at a
/// time from `a` (fp32, `lda` apart), or read from `words` (bf16 pair words, `ldw` apart) when given.
static void gemm_blocks(long rows, long n, long k, float alpha, const float *a, long lda, const uint32_t *words, long ldw,
                        const uint16_t *packed, float *c, long ldc, int accumulate, const float *bias, int path) {
    uint32_t tile[BF16_ROWS * TILE_PAIRS] __attribute__((aligned(64)));
    const long kp = (k + 1) & ~1L;
    if (k == 0) {   // no depth: alpha · 0 (+ bias) (+ c), as the kernels would write it
        for (long i = 0; i < rows; i++) for (long j = 0; j < n; j++) {
            float o = alpha * 0.0f;
            if (bias) o = o + bias[j];
            if (accumulate) o = o + c[i * ldc + j];
            c[i * ldc + j] = o;
        }
        return;
    }
    for (long k0 = 0; k0 < k; k0 += BF16_DEPTH) {
        const long kc = k - k0 < BF16_DEPTH ? k - k0 : BF16_DEPTH, pairs = (kc + 1) / 2;
        const int acc = accumulate || k0 > 0;
        const float *b0 = k0 == 0 ? bias : 0;
        for (long i = 0; i < rows; i += BF16_ROWS) {
            const long r = rows - i < BF16_ROWS ? rows - i : BF16_ROWS;
            const uint32_t *at = tile;
            long ld = TILE_PAIRS;
            if (words) { at = words + i * ldw + k0 / 2; ld = ldw; }
            else for (long t = 0; t < r; t++) {
                uint16_t *dst = (uint16_t *)(tile + t * TILE_PAIRS);
                round_row(a + (i + t) * lda + k0, kc, dst, path);
                if (kc & 1) dst[kc] = 0;
            }
            if (path == 1) sweep_dpbf16(r, n, pairs, at, ld, packed, kp, k0 / 2, c + i * ldc, ldc, alpha, acc, b0);
            else for (long j0 = 0; j0 < n; j0 += BF16_PANEL)
                tile_portable(r, pairs, at, ld, packed + j0 * kp + (k0 / 2) * 64, c + i * ldc + j0, ldc,
                              n - j0 < BF16_PANEL ? n - j0 : BF16_PANEL, alpha, acc, b0 ? b0 + j0 : 0);
        }
    }
}

void engine_gemm_bf16(long rows, long n, long k, float alpha, const float *a, long lda, const uint16_t *packed, float *c,
                      long ldc, int accumulate, const float *bias, int path) {
    gemm_blocks(rows, n, k, alpha, a, lda, 0, 0, packed, c, ldc, accumulate, bias, path);
}

void engine_gemm_bf16_words(long rows, long n, long k, float alpha, const uint32_t *words, long ldw, const uint16_t *packed,
                            float *c, long ldc, int accumulate, const float *bias, int path) {
    gemm_blocks(rows, n, k, alpha, 0, 0, words, ldw, packed, c, ldc, accumulate, bias, path);
}

long engine_gemm_bf16_word_stride(long k) { return (((k + 1) / 2) + 15) & ~15L; }

/// `engine_gemm_bf16_pack_a_transposed` on AVX-512F: per 16 columns of `a` and 16 depth pairs, each pair's two
/// rows as 16 words (`pair_words16`), then a 16 × 16 transpose of the words.
__attribute__((target("avx512f")))
static void pack_a_transposed512(const float *a, long k, long lda, long i0, long i1, uint32_t *words, long ldw) {
    const long pairs = (k + 1) / 2;
    for (long i = i0; i < i1; i += 16) {
        const long cols = i1 - i < 16 ? i1 - i : 16;
        const __mmask16 m = engine_lane_mask16(cols);
        for (long p0 = 0; p0 < pairs; p0 += 16) {
            __m512 w[16];
            ENGINE_UNROLL for (int t = 0; t < 16; t++) {
                const long r0 = 2 * (p0 + t), r1 = r0 + 1;
                w[t] = _mm512_castsi512_ps(pair_words16(r0 < k ? a + r0 * lda + i : 0, r1 < k ? a + r1 * lda + i : 0, m));
            }
            engine_transpose16(w);
            for (long c = 0; c < cols; c++) _mm512_storeu_ps((float *)(words + (i - i0 + c) * ldw + p0), w[c]);
        }
    }
}

void engine_gemm_bf16_pack_a_transposed(const float *a, long k, long lda, long i0, long i1, uint32_t *words, long ldw) {
    if (engine_isa_level() == 2) { pack_a_transposed512(a, k, lda, i0, i1, words, ldw); return; }
    const long pairs = (k + 1) / 2;
    for (long i = i0; i < i1; i++) {
        uint32_t *row = words + (i - i0) * ldw;
        for (long p = 0; p < ldw; p++) {
            const long r0 = 2 * p, r1 = r0 + 1;
            const uint32_t lo = p < pairs && r0 < k ? engine_bf16_round(a[r0 * lda + i]) : 0;
            const uint32_t hi = p < pairs && r1 < k ? engine_bf16_round(a[r1 * lda + i]) : 0;
            row[p] = lo | hi << 16;
        }
    }
}
