// BatchNorm with batch statistics over one channel's planes (NCHW: `planes` planes of `n` floats,
// `stride` floats apart): the statistics, the per-channel affine map, and the input gradient's two
// sums and its map. Sums are taken in double (sixteen lanes, then added), so the result depends on
// neither the ISA path nor on how callers split the channels. Products are rounded before they are
// added, as in the Swift loops these replace (no FMA).
#include "engine_kernels.h"
#include "isa_level.h"
#include <immintrin.h>

#define T512 __attribute__((target("avx512f")))

/// The 16 floats of `v` widened to two vectors of 8 doubles.
T512 static inline void widen(__m512 v, __m512d *lo, __m512d *hi) {
    *lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    *hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

T512 static void stats512(const float *x, long planes, long stride, long n, double *mean, double *var) {
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (long p = 0; p < planes; p++) {
        const float *row = x + p * stride;
        for (long i = 0; i < n; i += 16) {
            __m512d lo, hi;
            widen(_mm512_maskz_loadu_ps(engine_lane_mask16(n - i), row + i), &lo, &hi);
            s0 = _mm512_add_pd(s0, lo); s1 = _mm512_add_pd(s1, hi);
        }
    }
    const double count = (double)(planes * n), mu = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / count;
    const __m512d m = _mm512_set1_pd(mu);
    __m512d v0 = _mm512_setzero_pd(), v1 = _mm512_setzero_pd();
    for (long p = 0; p < planes; p++) {
        const float *row = x + p * stride;
        for (long i = 0; i < n; i += 16) {
            const __mmask16 k = engine_lane_mask16(n - i);
            __m512d lo, hi;
            widen(_mm512_maskz_loadu_ps(k, row + i), &lo, &hi);
            // masked-off lanes are zeros; their deviation must not count
            lo = _mm512_maskz_sub_pd((__mmask8)(k & 0xFF), lo, m);
            hi = _mm512_maskz_sub_pd((__mmask8)(k >> 8), hi, m);
            v0 = _mm512_add_pd(v0, _mm512_mul_pd(lo, lo)); v1 = _mm512_add_pd(v1, _mm512_mul_pd(hi, hi));
        }
    }
    *mean = mu;
    *var = _mm512_reduce_add_pd(_mm512_add_pd(v0, v1)) / count;
}

void engine_batchnorm_stats(const float *x, long planes, long stride, long n, double *mean, double *var) {
    if (engine_isa_level() == 2) { stats512(x, planes, stride, n, mean, var); return; }
    double s[16] = {0}, v[16] = {0};
    for (long p = 0; p < planes; p++)
        for (long i = 0; i < n; i++) s[i % 16] += x[p * stride + i];
    double total = 0;
    for (int l = 0; l < 16; l++) total += s[l];
    const double mu = total / (double)(planes * n);
    for (long p = 0; p < planes; p++)
        for (long i = 0; i < n; i++) { const double t = (double)x[p * stride + i] - mu; v[i % 16] += t * t; }
    total = 0;
    for (int l = 0; l < 16; l++) total += v[l];
    *mean = mu;
    *var = total / (double)(planes * n);
}

T512 static void affine512(const float *x, long n, float scale, float shift, float *y) {
    const __m512 s = _mm512_set1_ps(scale), t = _mm512_set1_ps(shift);
    for (long i = 0; i < n; i += 16) {
        const __mmask16 k = engine_lane_mask16(n - i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), s), t));
    }
}

void engine_batchnorm_affine(const float *x, long n, float scale, float shift, float *y) {
    if (engine_isa_level() == 2) { affine512(x, n, scale, shift, y); return; }
    for (long i = 0; i < n; i++) { const float p = x[i] * scale; y[i] = p + shift; }
}

T512 static void grad_sums512(const float *g, const float *x, long n, float scale, float shift, double *sum_g, double *sum_gx) {
    const __m512 s = _mm512_set1_ps(scale), t = _mm512_set1_ps(shift);
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd(), b0 = _mm512_setzero_pd(), b1 = _mm512_setzero_pd();
    for (long i = 0; i < n; i += 16) {
        const __mmask16 k = engine_lane_mask16(n - i);
        const __m512 gv = _mm512_maskz_loadu_ps(k, g + i);
        const __m512 xh = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), s), t);
        __m512d lo, hi;
        widen(gv, &lo, &hi);
        a0 = _mm512_add_pd(a0, lo); a1 = _mm512_add_pd(a1, hi);
        widen(_mm512_mul_ps(gv, xh), &lo, &hi);   // g is zero in masked-off lanes
        b0 = _mm512_add_pd(b0, lo); b1 = _mm512_add_pd(b1, hi);
    }
    *sum_g += _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
    *sum_gx += _mm512_reduce_add_pd(_mm512_add_pd(b0, b1));
}

void engine_batchnorm_grad_sums(const float *g, const float *x, long n, float scale, float shift, double *sum_g, double *sum_gx) {
    if (engine_isa_level() == 2) { grad_sums512(g, x, n, scale, shift, sum_g, sum_gx); return; }
    double a[16] = {0}, b[16] = {0};
    for (long i = 0; i < n; i++) {
        const float p = x[i] * scale, xh = p + shift, q = g[i] * xh;
        a[i % 16] += g[i]; b[i % 16] += q;
    }
    double sa = 0, sb = 0;
    for (int l = 0; l < 16; l++) { sa += a[l]; sb += b[l]; }
    *sum_g += sa; *sum_gx += sb;
}

T512 static void input_grad512(const float *g, const float *x, long n, float scale, float shift, float k, float a, float m,
                               float *dx) {
    const __m512 s = _mm512_set1_ps(scale), t = _mm512_set1_ps(shift), kv = _mm512_set1_ps(k), av = _mm512_set1_ps(a),
                 mv = _mm512_set1_ps(m);
    for (long i = 0; i < n; i += 16) {
        const __mmask16 l = engine_lane_mask16(n - i);
        const __m512 xh = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(l, x + i), s), t);
        const __m512 d = _mm512_sub_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(l, g + i), av), _mm512_mul_ps(xh, mv));
        _mm512_mask_storeu_ps(dx + i, l, _mm512_mul_ps(kv, d));
    }
}

void engine_batchnorm_input_grad(const float *g, const float *x, long n, float scale, float shift, float k, float a, float m,
                                 float *dx) {
    if (engine_isa_level() == 2) { input_grad512(g, x, n, scale, shift, k, a, m, dx); return; }
    for (long i = 0; i < n; i++) {
        const float p = x[i] * scale, xh = p + shift, q = xh * m, d = g[i] - a;
        dx[i] = k * (d - q);
    }
}
