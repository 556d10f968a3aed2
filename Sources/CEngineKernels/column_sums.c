// Column sums of a row-major matrix (a bias gradient): each column summed over the rows in order, so
// the AVX-512 and portable paths give the same bits, however callers split the columns.
#include "engine_kernels.h"
#include "isa_level.h"
#include <immintrin.h>

#define T512 __attribute__((target("avx512f")))

T512 static void column_sums512(const float *g, long m, long ld, long j0, long j1, float *out) {
    for (long j = j0; j < j1; j += 64) {
        __mmask16 mask[4];
        __m512 acc[4];
        for (int v = 0; v < 4; v++) { mask[v] = engine_lane_mask16(j1 - j - 16 * v); acc[v] = _mm512_setzero_ps(); }
        for (long i = 0; i < m; i++) {
            const float *row = g + i * ld + j;
            for (int v = 0; v < 4; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(mask[v], row + 16 * v));
        }
        for (int v = 0; v < 4; v++) _mm512_mask_storeu_ps(out + j + 16 * v, mask[v], acc[v]);
    }
}

void engine_column_sums(const float *g, long m, long ld, long j0, long j1, float *out) {
    if (engine_isa_level() == 2) { column_sums512(g, m, ld, j0, j1, out); return; }
    for (long j = j0; j < j1; j++) out[j] = 0;
    for (long i = 0; i < m; i++) {
        const float *row = g + i * ld;
        for (long j = j0; j < j1; j++) out[j] += row[j];
    }
}
