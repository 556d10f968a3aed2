// General row-major GEMM `C = alpha · A · op(B) (+ C)` on the register tile of attention's scores
// (panel_tile.h), for the shapes of linear layers: many rows of A (tokens), a weight-sized B. B is
// packed once per call into 32-column panels; A is read in place, one broadcast element at a time, so
// the large operand is never copied (OpenBLAS packs both operands on every call, which on the small
// and medium shapes of TinyViT cost more than a tenth of a training step). The depth is taken in
// blocks of GEMM_DEPTH. Single-threaded: callers split the rows across workers.
// `engine_gemm_wide` is the other way round, for 1×1 convolutions in NCHW: a small A (the weight) read
// in place, a wide B (channels × pixels) packed a block of columns at a time; callers split the columns.
#include "engine_kernels.h"
#include "isa_level.h"
#include "panel_tile.h"
#include <stdint.h>

/// Depth per pass (measured on ViT-B and TinyViT shapes: 512 and 1024 were slower).
#define GEMM_DEPTH 768

int engine_gemm_packed_available(void) { return engine_isa_level() == 2; }

__attribute__((target("avx512f")))
void engine_gemm_pack_rows(const float *b, long k, long n, long ldb, float *packed) {
    for (long j0 = 0; j0 < n; j0 += PANEL) {
        float *panel = packed + j0 * k;
        const __mmask16 m0 = engine_lane_mask16(n - j0), m1 = engine_lane_mask16(n - j0 - 16);
        for (long r = 0; r < k; r++) {
            const float *src = b + r * ldb + j0;
            _mm512_store_ps(panel + r * PANEL, _mm512_maskz_loadu_ps(m0, src));
            _mm512_store_ps(panel + r * PANEL + 16, _mm512_maskz_loadu_ps(m1, src + 16));
        }
    }
}

/// When A's rows are a multiple of 4 KB apart (ViT-B's 3072-wide MLP activations, TinyViT's
/// 65536-pixel planes), all twelve rows of a tile fall in the same L1 sets and evict each other on every
/// broadcast: at a depth of 3072 the tiles then ran at 150 GFLOP/s inside a ViT-B step. Such A is read
/// through a copy of one row tile's slice, rows TILE_STRIDE floats apart (the copy reads row after row,
/// which the prefetchers follow). Other strides read A in place: the copy costs up to 10 % on them.
#define TILE_STRIDE (GEMM_DEPTH + 16)

__attribute__((target("avx512f,fma")))
void engine_gemm_packed(long rows, long n, long k, float alpha, const float *a, long lda, const float *packed, float *c,
                        long ldc, int accumulate, const float *bias) {
    float tile[SCORE_ROWS * TILE_STRIDE] __attribute__((aligned(64)));
    const int aliased = lda % 1024 == 0;
    for (long k0 = 0; k0 < k; k0 += GEMM_DEPTH) {
        const long kc = k - k0 < GEMM_DEPTH ? k - k0 : GEMM_DEPTH;
        const int acc = accumulate || k0 > 0;
        const float *b0 = k0 == 0 ? bias : 0;   // the bias joins the first depth pass only
        if (!aliased) { panel_sweep(rows, n, k, k0, kc, alpha, a + k0, lda, packed, c, ldc, acc, b0); continue; }
        for (long i = 0; i < rows; i += SCORE_ROWS) {
            const long r = rows - i < SCORE_ROWS ? rows - i : SCORE_ROWS;
            for (long t = 0; t < r; t++) {
                const float *src = a + (i + t) * lda + k0;
                float *dst = tile + t * TILE_STRIDE;
                long x = 0;
                for (; x + 16 <= kc; x += 16) _mm512_store_ps(dst + x, _mm512_loadu_ps(src + x));
                if (x < kc) _mm512_store_ps(dst + x, _mm512_maskz_loadu_ps(engine_lane_mask16(kc - x), src + x));
            }
            panel_sweep(r, n, k, k0, kc, alpha, tile, TILE_STRIDE, packed, c + i * ldc, ldc, acc, b0);
        }
    }
}

/// A C of at least this many floats (16 MB: half the L3) is written with non-temporal stores by
/// `engine_gemm_wide`: it would not stay in cache for its reader anyway, and ordinary stores first read
/// each line for ownership.
#define STREAM_FLOATS (4L << 20)

/// Columns of B that `engine_gemm_wide` packs at a time: each of B's rows then gives 2 KB in a row,
/// which the prefetchers follow (32 columns, 128 bytes from rows 256 KB apart, ran at OpenBLAS's
/// rate), and 16 panels of up to 512 rows (512 KB) stay in L2 while every row tile of A passes over them.
#define WIDE_BLOCK 512

long engine_gemm_wide_block_count(long k) { return k * WIDE_BLOCK; }

__attribute__((target("avx512f,fma")))
static void panel_sweep_streaming(long n, long m, long depth, float alpha, const float *a, long lda, const float *packed,
                                  float *c, long ldc) {
    panel_sweep_tiles(n, m, depth, 0, depth, alpha, a, lda, packed, c, ldc, 0, 1, 0);
}

__attribute__((target("avx512f,fma")))
void engine_gemm_wide(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                      int accumulate, long j0, long j1, float *block) {
    const int stream = !accumulate && k <= GEMM_DEPTH && m * n >= STREAM_FLOATS && ldc % 16 == 0 && (uintptr_t)c % 64 == 0;
    for (long j = j0; j < j1; j += WIDE_BLOCK) {
        const long width = j1 - j < WIDE_BLOCK ? j1 - j : WIDE_BLOCK;
        engine_gemm_pack_rows(b + j, k, width, ldb, block);
        if (stream) { panel_sweep_streaming(m, width, k, alpha, a, lda, block, c + j, ldc); continue; }
        for (long k0 = 0; k0 < k; k0 += GEMM_DEPTH) {
            const long kc = k - k0 < GEMM_DEPTH ? k - k0 : GEMM_DEPTH;
            panel_sweep(m, width, k, k0, kc, alpha, a + k0, lda, block, c + j, ldc, accumulate || k0 > 0, 0);
        }
    }
    if (stream) _mm_sfence();
}
