// Row softmax with a vectorised exp for the attention hot path.
#include "engine_kernels.h"
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
            __mmask16 k = (__mmask16)((1u << (n - j)) - 1);
            __m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + j), mm));
            _mm512_mask_storeu_ps(row + j, k, e);
            vs = _mm512_add_ps(vs, _mm512_maskz_mov_ps(k, e));
        }
        __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vs));
        for (j = 0; j + 16 <= n; j += 16) _mm512_storeu_ps(row + j, _mm512_mul_ps(_mm512_loadu_ps(row + j), inv));
        if (j < n) {
            __mmask16 k = (__mmask16)((1u << (n - j)) - 1);
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

static int force_portable = 0;

void engine_use_portable_kernels(int on) { force_portable = on; }

static int has_avx512(void) {
    static int cached = -1;
    if (force_portable) return 0;
    if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("avx512f") ? 1 : 0; }
    return cached;
}

void engine_softmax_rows(float *x, long rows, long n) {
    if (has_avx512()) softmax512(x, rows, n); else softmax_scalar(x, rows, n);
}

void engine_softmax_backward_rows(const float *y, float *g, long rows, long n) {
    if (has_avx512()) softmax_bwd512(y, g, rows, n); else softmax_bwd_scalar(y, g, rows, n);
}

// ---- GELU (exact-erf form) ----
__attribute__((target("avx512f")))
static inline __m512 erf512(__m512 x) {
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
    __m512 y = _mm512_fnmadd_ps(r, e, one);   // 1 - r e
    // copy the sign of x
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y),
        _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000))));
}

__attribute__((target("avx512f")))
static void gelu512(const float *x, float *y, long n) {
    long i = 0;
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), rs2 = _mm512_set1_ps(0.70710678118654752f);
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, erf512(_mm512_mul_ps(v, rs2)))));
    }
    for (; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

__attribute__((target("avx512f")))
static void gelu_bwd512(const float *x, const float *g, float *dx, long n) {
    long i = 0;
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), rs2 = _mm512_set1_ps(0.70710678118654752f);
    const __m512 k = _mm512_set1_ps(0.39894228040143268f), mhalf = _mm512_set1_ps(-0.5f);
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512 cdf = _mm512_mul_ps(half, _mm512_add_ps(one, erf512(_mm512_mul_ps(v, rs2))));
        __m512 pdf = _mm512_mul_ps(k, exp512(_mm512_mul_ps(mhalf, _mm512_mul_ps(v, v))));
        _mm512_storeu_ps(dx + i, _mm512_mul_ps(_mm512_loadu_ps(g + i), _mm512_fmadd_ps(v, pdf, cdf)));
    }
    for (; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
        float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
        dx[i] = g[i] * (cdf + v * pdf);
    }
}

void engine_gelu(const float *x, float *y, long n) {
    if (has_avx512()) { gelu512(x, y, n); return; }
    for (long i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

void engine_gelu_backward(const float *x, const float *g, float *dx, long n) {
    if (has_avx512()) { gelu_bwd512(x, g, dx, n); return; }
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
        float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
        dx[i] = g[i] * (cdf + v * pdf);
    }
}
