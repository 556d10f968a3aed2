// Layer normalisation over contiguous rows of length d: the forward, the input gradient, and the
// weight and bias gradients. The AVX-512 versions keep sixteen float partial sums per row (then add
// them in double); the portable ones sum in double. Weight and bias gradients are summed over all
// rows in double, one column range per call, so the result never depends on how callers split it.
#include "engine_kernels.h"
#include "isa_level.h"
#include <immintrin.h>
#include <math.h>

#define T512 __attribute__((target("avx512f")))

static void forward_portable(const float *x, const float *w, const float *b, long d, long r0, long r1, float eps, float *y,
                             float *mean, float *rstd) {
    for (long i = r0; i < r1; i++) {
        const float *row = x + i * d;
        float *out = y + i * d;
        double s = 0, v = 0;
        for (long j = 0; j < d; j++) s += row[j];
        const double mu = s / (double)d;
        for (long j = 0; j < d; j++) { const double t = row[j] - mu; v += t * t; }
        const float m = (float)mu, q = (float)(1 / sqrt(v / (double)d + eps));
        mean[i] = m; rstd[i] = q;
        for (long j = 0; j < d; j++) {
            float t = (row[j] - m) * q;
            if (w) t *= w[j];
            if (b) t += b[j];
            out[j] = t;
        }
    }
}

T512 static void forward512(const float *x, const float *w, const float *b, long d, long r0, long r1, float eps, float *y,
                            float *mean, float *rstd) {
    for (long i = r0; i < r1; i++) {
        const float *row = x + i * d;
        float *out = y + i * d;
        __m512 s = _mm512_setzero_ps();
        for (long j = 0; j < d; j += 16) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(engine_lane_mask16(d - j), row + j));
        const double mu = (double)_mm512_reduce_add_ps(s) / (double)d;
        const __m512 mv = _mm512_set1_ps((float)mu);
        __m512 v = _mm512_setzero_ps();
        for (long j = 0; j < d; j += 16) {
            const __mmask16 k = engine_lane_mask16(d - j);
            const __m512 t = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, row + j), mv);
            v = _mm512_fmadd_ps(t, t, v);
        }
        const float m = (float)mu, q = (float)(1 / sqrt((double)_mm512_reduce_add_ps(v) / (double)d + eps));
        mean[i] = m; rstd[i] = q;
        const __m512 qv = _mm512_set1_ps(q);
        for (long j = 0; j < d; j += 16) {
            const __mmask16 k = engine_lane_mask16(d - j);
            __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + j), mv), qv);
            if (w) t = _mm512_mul_ps(t, _mm512_maskz_loadu_ps(k, w + j));
            if (b) t = _mm512_add_ps(t, _mm512_maskz_loadu_ps(k, b + j));
            _mm512_mask_storeu_ps(out + j, k, t);
        }
    }
}

void engine_layernorm_forward_rows(const float *x, const float *w, const float *b, long d, long r0, long r1, float eps, float *y,
                                   float *mean, float *rstd) {
    if (engine_isa_level() == 2) forward512(x, w, b, d, r0, r1, eps, y, mean, rstd);
    else forward_portable(x, w, b, d, r0, r1, eps, y, mean, rstd);
}

static void backward_portable(const float *x, const float *w, const float *mean, const float *rstd, const float *g, long d,
                              long r0, long r1, float *dx) {
    for (long i = r0; i < r1; i++) {
        const float *row = x + i * d, *gr = g + i * d;
        float *out = dx + i * d;
        const float m = mean[i], q = rstd[i];
        double s1 = 0, s2 = 0;
        for (long j = 0; j < d; j++) {
            const float gh = w ? gr[j] * w[j] : gr[j], xh = (row[j] - m) * q;
            s1 += gh; s2 += (double)gh * xh;
        }
        const float a = (float)(s1 / (double)d), c = (float)(s2 / (double)d);
        for (long j = 0; j < d; j++) {
            const float gh = w ? gr[j] * w[j] : gr[j], xh = (row[j] - m) * q;
            out[j] = q * (gh - a - xh * c);
        }
    }
}

T512 static void backward512(const float *x, const float *w, const float *mean, const float *rstd, const float *g, long d,
                             long r0, long r1, float *dx) {
    for (long i = r0; i < r1; i++) {
        const float *row = x + i * d, *gr = g + i * d;
        float *out = dx + i * d;
        const __m512 mv = _mm512_set1_ps(mean[i]), qv = _mm512_set1_ps(rstd[i]);
        __m512 s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps();
        for (long j = 0; j < d; j += 16) {
            const __mmask16 k = engine_lane_mask16(d - j);
            __m512 gh = _mm512_maskz_loadu_ps(k, gr + j);
            if (w) gh = _mm512_mul_ps(gh, _mm512_maskz_loadu_ps(k, w + j));
            const __m512 xh = _mm512_maskz_mul_ps(k, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + j), mv), qv);
            s1 = _mm512_add_ps(s1, gh);
            s2 = _mm512_fmadd_ps(gh, xh, s2);
        }
        const __m512 a = _mm512_set1_ps((float)((double)_mm512_reduce_add_ps(s1) / (double)d));
        const __m512 c = _mm512_set1_ps((float)((double)_mm512_reduce_add_ps(s2) / (double)d));
        for (long j = 0; j < d; j += 16) {
            const __mmask16 k = engine_lane_mask16(d - j);
            __m512 gh = _mm512_maskz_loadu_ps(k, gr + j);
            if (w) gh = _mm512_mul_ps(gh, _mm512_maskz_loadu_ps(k, w + j));
            const __m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + j), mv), qv);
            _mm512_mask_storeu_ps(out + j, k, _mm512_mul_ps(qv, _mm512_sub_ps(_mm512_sub_ps(gh, a), _mm512_mul_ps(xh, c))));
        }
    }
}

void engine_layernorm_backward_rows(const float *x, const float *w, const float *mean, const float *rstd, const float *g, long d,
                                    long r0, long r1, float *dx) {
    if (engine_isa_level() == 2) backward512(x, w, mean, rstd, g, d, r0, r1, dx);
    else backward_portable(x, w, mean, rstd, g, d, r0, r1, dx);
}

static void params_portable(const float *x, const float *mean, const float *rstd, const float *g, long d, long rows, long j0,
                            long j1, double *dw, double *db) {
    for (long i = 0; i < rows; i++) {
        const float m = mean[i], q = rstd[i], *xr = x + i * d, *gr = g + i * d;
        for (long j = j0; j < j1; j++) { const float gv = gr[j]; dw[j] += (double)(gv * (xr[j] - m) * q); db[j] += (double)gv; }
    }
}

// Eight columns per double vector; a block of 32 columns keeps its eight accumulators in registers
// while it walks every row.
T512 static void params512(const float *x, const float *mean, const float *rstd, const float *g, long d, long rows, long j0,
                           long j1, double *dw, double *db) {
    for (long j = j0; j < j1; j += 32) {
        const long width = j1 - j < 32 ? j1 - j : 32;
        const __mmask16 k0 = engine_lane_mask16(width), k1 = width > 16 ? engine_lane_mask16(width - 16) : 0;
        __m512d w0 = _mm512_setzero_pd(), w1 = w0, w2 = w0, w3 = w0, b0 = w0, b1 = w0, b2 = w0, b3 = w0;
        for (long i = 0; i < rows; i++) {
            const float *xr = x + i * d + j, *gr = g + i * d + j;
            const __m512 mv = _mm512_set1_ps(mean[i]), qv = _mm512_set1_ps(rstd[i]);
            const __m512 ga = _mm512_maskz_loadu_ps(k0, gr), gb = _mm512_maskz_loadu_ps(k1, gr + 16);
            // gv * (x − m) * q, in the portable path's order of operations
            const __m512 pa = _mm512_mul_ps(_mm512_mul_ps(ga, _mm512_sub_ps(_mm512_maskz_loadu_ps(k0, xr), mv)), qv);
            const __m512 pb = _mm512_mul_ps(_mm512_mul_ps(gb, _mm512_sub_ps(_mm512_maskz_loadu_ps(k1, xr + 16), mv)), qv);
            w0 = _mm512_add_pd(w0, _mm512_cvtps_pd(_mm512_castps512_ps256(pa)));
            w1 = _mm512_add_pd(w1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(pa), 1))));
            w2 = _mm512_add_pd(w2, _mm512_cvtps_pd(_mm512_castps512_ps256(pb)));
            w3 = _mm512_add_pd(w3, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(pb), 1))));
            b0 = _mm512_add_pd(b0, _mm512_cvtps_pd(_mm512_castps512_ps256(ga)));
            b1 = _mm512_add_pd(b1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(ga), 1))));
            b2 = _mm512_add_pd(b2, _mm512_cvtps_pd(_mm512_castps512_ps256(gb)));
            b3 = _mm512_add_pd(b3, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(gb), 1))));
        }
        double tw[32], tb[32];
        _mm512_storeu_pd(tw, w0); _mm512_storeu_pd(tw + 8, w1); _mm512_storeu_pd(tw + 16, w2); _mm512_storeu_pd(tw + 24, w3);
        _mm512_storeu_pd(tb, b0); _mm512_storeu_pd(tb + 8, b1); _mm512_storeu_pd(tb + 16, b2); _mm512_storeu_pd(tb + 24, b3);
        for (long c = 0; c < width; c++) { dw[j + c] += tw[c]; db[j + c] += tb[c]; }
    }
}

void engine_layernorm_param_grads(const float *x, const float *mean, const float *rstd, const float *g, long d, long rows, long j0,
                                  long j1, double *dw, double *db) {
    if (engine_isa_level() == 2) params512(x, mean, rstd, g, d, rows, j0, j1, dw, db);
    else params_portable(x, mean, rstd, g, d, rows, j0, j1, dw, db);
}
