// Row-major matrix transpose (the copy behind NCHW ↔ NHWC permutes): 16 × 16 blocks transposed in
// AVX-512 registers, with masked loads and stores at the edges; a blocked scalar copy otherwise.
#include "engine_kernels.h"
#include "isa_level.h"
#include "transpose16.h"
#include <immintrin.h>

__attribute__((target("avx512f")))
static void transpose512(const float *src, long rows, long cols, long r0, long r1, float *dst) {
    for (long i0 = r0; i0 < r1; i0 += 16) {
        const long h = r1 - i0 < 16 ? r1 - i0 : 16;              // source rows in this block
        const __mmask16 rowMask = engine_lane_mask16(h);
        for (long j0 = 0; j0 < cols; j0 += 16) {
            const long w = cols - j0 < 16 ? cols - j0 : 16;      // source columns in this block
            const __mmask16 colMask = engine_lane_mask16(w);
            __m512 r[16];
            ENGINE_UNROLL for (int i = 0; i < 16; i++)
                r[i] = i < h ? _mm512_maskz_loadu_ps(colMask, src + (i0 + i) * cols + j0) : _mm512_setzero_ps();
            engine_transpose16(r);
            for (long t = 0; t < w; t++) _mm512_mask_storeu_ps(dst + (j0 + t) * rows + i0, rowMask, r[t]);
        }
    }
}

void engine_transpose(const float *src, long rows, long cols, long r0, long r1, float *dst) {
    if (engine_isa_level() == 2) { transpose512(src, rows, cols, r0, r1, dst); return; }
    for (long i0 = r0; i0 < r1; i0 += 16) {
        const long i1 = r1 - i0 < 16 ? r1 : i0 + 16;
        for (long j0 = 0; j0 < cols; j0 += 16) {
            const long j1 = cols - j0 < 16 ? cols : j0 + 16;
            for (long j = j0; j < j1; j++)
                for (long i = i0; i < i1; i++) dst[j * rows + i] = src[i * cols + j];
        }
    }
}
