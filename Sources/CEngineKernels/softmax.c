// Row softmax with a vectorised exp for the attention hot path.
#include "engine_kernels.h"
#include "isa_level.h"
#include <immintrin.h>
#include <math.h>
#include <float.h>

// Cephes expf: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial, times 2^n.
__attribute__((target("avx512f")))
static inline __m512 exp512(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f)), _mm512_set1_ps(-87.3365478515625f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500E-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507E-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073E-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894E-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459E-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201E-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

__attribute__((target("avx512f")))
static void softmax512(float *x, long rows, long n) {
    for (long i = 0; i < rows; i++) {
        float *row = x + i * n;
        long j = 0;
        __m512 vm = _mm512_set1_ps(-INFINITY);
        for (; j + 16 <= n; j += 16) vm = _mm512_max_ps(vm, _mm512_loadu_ps(row + j));
        float m = _mm512_reduce_max_ps(vm);
        for (; j < n; j++) m = row[j] > m ? row[j] : m;
        __m512 mm = _mm512_set1_ps(m), vs = _mm512_setzero_ps();
        for (j = 0; j + 16 <= n; j += 16) {
            __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(row + j), mm));
            _mm512_storeu_ps(row + j, e);
            vs = _mm512_add_ps(vs, e);
        }
        if (j < n) {
            __mmask16 k = engine_lane_mask16(n - j);
            __m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + j), mm));
            _mm512_mask_storeu_ps(row + j, k, e);
            vs = _mm512_add_ps(vs, _mm512_maskz_mov_ps(k, e));
        }
        __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vs));
        for (j = 0; j + 16 <= n; j += 16) _mm512_storeu_ps(row + j, _mm512_mul_ps(_mm512_loadu_ps(row + j), inv));
        if (j < n) {
            __mmask16 k = engine_lane_mask16(n - j);
            _mm512_mask_storeu_ps(row + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + j), inv));
        }
    }
}

__attribute__((target("avx512f")))
static void softmax_bwd512(const float *y, float *g, long rows, long n) {
    for (long i = 0; i < rows; i++) {
        const float *yr = y + i * n;
        float *gr = g + i * n;
        long j = 0;
        __m512 vd = _mm512_setzero_ps();
        for (; j + 16 <= n; j += 16) vd = _mm512_fmadd_ps(_mm512_loadu_ps(gr + j), _mm512_loadu_ps(yr + j), vd);
        float d = _mm512_reduce_add_ps(vd);
        for (; j < n; j++) d += gr[j] * yr[j];
        __m512 dd = _mm512_set1_ps(d);
        for (j = 0; j + 16 <= n; j += 16)
            _mm512_storeu_ps(gr + j, _mm512_mul_ps(_mm512_loadu_ps(yr + j), _mm512_sub_ps(_mm512_loadu_ps(gr + j), dd)));
        for (; j < n; j++) gr[j] = yr[j] * (gr[j] - d);
    }
}


// ---- AVX2 + FMA versions (CPUs without AVX-512) ----
__attribute__((target("avx2,fma")))
static inline __m256 exp256(__m256 x) {
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f)), _mm256_set1_ps(-87.3365478515625f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500E-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // 2^n by building the exponent bits (n in [-127, 128] after the clamp; -127 handled by the clamp bound)
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

__attribute__((target("avx2,fma")))
static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

__attribute__((target("avx2,fma")))
static inline float hmax256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_max_ps(lo, hi);
    lo = _mm_max_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_max_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

__attribute__((target("avx2,fma")))
static void softmax256(float *x, long rows, long n) {
    for (long i = 0; i < rows; i++) {
        float *row = x + i * n;
        long j = 0;
        __m256 vm = _mm256_set1_ps(-INFINITY);
        for (; j + 8 <= n; j += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(row + j));
        float m = hmax256(vm);
        for (; j < n; j++) m = row[j] > m ? row[j] : m;
        __m256 mm = _mm256_set1_ps(m), vs = _mm256_setzero_ps();
        for (j = 0; j + 8 <= n; j += 8) {
            __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(row + j), mm));
            _mm256_storeu_ps(row + j, e);
            vs = _mm256_add_ps(vs, e);
        }
        float s = hsum256(vs);
        for (; j < n; j++) { row[j] = expf(row[j] - m); s += row[j]; }
        __m256 inv = _mm256_set1_ps(1.0f / s);
        for (j = 0; j + 8 <= n; j += 8) _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), inv));
        for (; j < n; j++) row[j] *= 1.0f / s;
    }
}

__attribute__((target("avx2,fma")))
static void softmax_bwd256(const float *y, float *g, long rows, long n) {
    for (long i = 0; i < rows; i++) {
        const float *yr = y + i * n;
        float *gr = g + i * n;
        long j = 0;
        __m256 vd = _mm256_setzero_ps();
        for (; j + 8 <= n; j += 8) vd = _mm256_fmadd_ps(_mm256_loadu_ps(gr + j), _mm256_loadu_ps(yr + j), vd);
        float d = hsum256(vd);
        for (; j < n; j++) d += gr[j] * yr[j];
        __m256 dd = _mm256_set1_ps(d);
        for (j = 0; j + 8 <= n; j += 8)
            _mm256_storeu_ps(gr + j, _mm256_mul_ps(_mm256_loadu_ps(yr + j), _mm256_sub_ps(_mm256_loadu_ps(gr + j), dd)));
        for (; j < n; j++) gr[j] = yr[j] * (gr[j] - d);
    }
}

static void softmax_scalar(float *x, long rows, long n) {
    for (long i = 0; i < rows; i++) {
        float *row = x + i * n;
        float m = -INFINITY, s = 0;
        for (long j = 0; j < n; j++) m = row[j] > m ? row[j] : m;
        for (long j = 0; j < n; j++) { row[j] = expf(row[j] - m); s += row[j]; }
        float inv = 1.0f / s;
        for (long j = 0; j < n; j++) row[j] *= inv;
    }
}

static void softmax_bwd_scalar(const float *y, float *g, long rows, long n) {
    for (long i = 0; i < rows; i++) {
        const float *yr = y + i * n;
        float *gr = g + i * n;
        float d = 0;
        for (long j = 0; j < n; j++) d += gr[j] * yr[j];
        for (long j = 0; j < n; j++) gr[j] = yr[j] * (gr[j] - d);
    }
}

static int forced_level = -1;

void engine_use_portable_kernels(int on) { forced_level = on == 0 ? -1 : (on == 2 ? 1 : 0); }

/// 2: AVX-512, 1: AVX2 + FMA, 0: portable.
static int isa_level(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") ? 2 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
    }
    return forced_level >= 0 && forced_level < cached ? forced_level : cached;
}

int engine_isa_level(void) { return isa_level(); }

static int has_avx512(void) { return isa_level() == 2; }

void engine_softmax_rows(float *x, long rows, long n) {
    switch (isa_level()) {
    case 2: softmax512(x, rows, n); break;
    case 1: softmax256(x, rows, n); break;
    default: softmax_scalar(x, rows, n);
    }
}

void engine_softmax_backward_rows(const float *y, float *g, long rows, long n) {
    switch (isa_level()) {
    case 2: softmax_bwd512(y, g, rows, n); break;
    case 1: softmax_bwd256(y, g, rows, n); break;
    default: softmax_bwd_scalar(y, g, rows, n);
    }
}

// ---- GELU (exact-erf form) ----
/// erf(x) (Abramowitz-Stegun 7.1.26); `*gauss` receives the exp(−x²) it computes on the way.
__attribute__((target("avx512f")))
static inline __m512 erf512_with_gauss(__m512 x, __m512 *gauss) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 ax = _mm512_abs_ps(x);
    __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), ax, one));
    __m512 r = _mm512_set1_ps(1.061405429f);
    r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(-1.453152027f));
    r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(1.421413741f));
    r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(-0.284496736f));
    r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(0.254829592f));
    r = _mm512_mul_ps(r, t);
    __m512 e = exp512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), ax), ax));
    *gauss = e;
    __m512 y = _mm512_fnmadd_ps(r, e, one);   // 1 - r e
    // copy the sign of x
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y),
        _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000))));
}

__attribute__((target("avx512f")))
static inline __m512 erf512(__m512 x) { __m512 unused; return erf512_with_gauss(x, &unused); }

__attribute__((target("avx512f")))
static void gelu512(const float *x, float *y, long n) {
    long i = 0;
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), rs2 = _mm512_set1_ps(0.70710678118654752f);
    for (; i < n; i += 16) {   // the last vector masked: every element's value is independent of the split
        const __mmask16 m = engine_lane_mask16(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, erf512(_mm512_mul_ps(v, rs2)))));
    }
}

__attribute__((target("avx512f")))
static void gelu_bwd512(const float *x, const float *g, float *dx, long n) {
    long i = 0;
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), rs2 = _mm512_set1_ps(0.70710678118654752f);
    const __m512 k = _mm512_set1_ps(0.39894228040143268f);
    for (; i < n; i += 16) {   // the last vector masked, as in gelu512
        const __mmask16 m = engine_lane_mask16(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i), gauss;   // gauss = exp(−(x/√2)²) = exp(−x²/2), from erf
        __m512 cdf = _mm512_mul_ps(half, _mm512_add_ps(one, erf512_with_gauss(_mm512_mul_ps(v, rs2), &gauss)));
        __m512 pdf = _mm512_mul_ps(k, gauss);
        _mm512_mask_storeu_ps(dx + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, g + i), _mm512_fmadd_ps(v, pdf, cdf)));
    }
}

/// erf(x), as erf512; `*gauss` receives the exp(−x²) it computes on the way.
__attribute__((target("avx2,fma")))
static inline __m256 erf256_with_gauss(__m256 x, __m256 *gauss) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), ax, one));
    __m256 r = _mm256_set1_ps(1.061405429f);
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-1.453152027f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(1.421413741f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-0.284496736f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.254829592f));
    r = _mm256_mul_ps(r, t);
    __m256 e = exp256(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), ax), ax));
    *gauss = e;
    __m256 y = _mm256_fnmadd_ps(r, e, one);
    return _mm256_or_ps(y, _mm256_and_ps(x, sign));
}

__attribute__((target("avx2,fma")))
static inline __m256 erf256(__m256 x) { __m256 unused; return erf256_with_gauss(x, &unused); }

__attribute__((target("avx2,fma")))
static void gelu256(const float *x, float *y, long n) {
    long i = 0;
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f), rs2 = _mm256_set1_ps(0.70710678118654752f);
    for (; i < n; i += 8) {   // the last vector through a zero-padded copy, as in gelu512
        float in[8] = {0}, out[8];
        const long c = n - i < 8 ? n - i : 8;
        for (long j = 0; j < c; j++) in[j] = x[i + j];
        __m256 v = _mm256_loadu_ps(in);
        _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, erf256(_mm256_mul_ps(v, rs2)))));
        for (long j = 0; j < c; j++) y[i + j] = out[j];
    }
}

__attribute__((target("avx2,fma")))
static void gelu_bwd256(const float *x, const float *g, float *dx, long n) {
    long i = 0;
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f), rs2 = _mm256_set1_ps(0.70710678118654752f);
    const __m256 k = _mm256_set1_ps(0.39894228040143268f);
    for (; i < n; i += 8) {   // the last vector through zero-padded copies, as in gelu256
        float xin[8] = {0}, gin[8] = {0}, out[8];
        const long c = n - i < 8 ? n - i : 8;
        for (long j = 0; j < c; j++) { xin[j] = x[i + j]; gin[j] = g[i + j]; }
        __m256 v = _mm256_loadu_ps(xin), gauss;   // gauss = exp(−x²/2), from erf (as in gelu_bwd512)
        __m256 cdf = _mm256_mul_ps(half, _mm256_add_ps(one, erf256_with_gauss(_mm256_mul_ps(v, rs2), &gauss)));
        __m256 pdf = _mm256_mul_ps(k, gauss);
        _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_loadu_ps(gin), _mm256_fmadd_ps(v, pdf, cdf)));
        for (long j = 0; j < c; j++) dx[i + j] = out[j];
    }
}

void engine_gelu(const float *x, float *y, long n) {
    if (isa_level() == 1) { gelu256(x, y, n); return; }
    if (has_avx512()) { gelu512(x, y, n); return; }
    for (long i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

void engine_gelu_backward(const float *x, const float *g, float *dx, long n) {
    if (isa_level() == 1) { gelu_bwd256(x, g, dx, n); return; }
    if (has_avx512()) { gelu_bwd512(x, g, dx, n); return; }
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
        float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
        dx[i] = g[i] * (cdf + v * pdf);
    }
}
