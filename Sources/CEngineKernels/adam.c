// Adam's per-element update (PyTorch's single-tensor `_single_tensor_adam`, as `Adam.step` spells
// it): one pass over the parameters, gradients and both moments. The Swift loop it replaces was
// compiled for SSE2 (4 lanes); this is AVX-512 with the portable loop otherwise. Every operation is
// rounded separately, in the same order, on both paths (no fused multiply-adds): the same bits as
// the Swift loop.
#include "engine_kernels.h"
#include "isa_level.h"
#include <immintrin.h>
#include <math.h>

__attribute__((target("avx512f")))
static void adam512(float *w, const float *grad, float *m, float *v, long n, const EngineAdamStep *s) {
    const __m512 c1 = _mm512_set1_ps(s->oneMinusBeta1), b2 = _mm512_set1_ps(s->beta2), c2 = _mm512_set1_ps(s->oneMinusBeta2);
    const __m512 bc2 = _mm512_set1_ps(s->biasCorrection2Sqrt), eps = _mm512_set1_ps(s->epsilon);
    const __m512 negStep = _mm512_set1_ps(-s->stepSize), wd = _mm512_set1_ps(s->weightDecay);
    const __m512 decay = _mm512_set1_ps(s->decoupledFactor);
    for (long i = 0; i < n; i += 16) {
        const __mmask16 k = engine_lane_mask16(n - i);
        __m512 g = _mm512_maskz_loadu_ps(k, grad + i), p = _mm512_maskz_loadu_ps(k, w + i);
        if (s->weightDecay != 0) {
            if (s->decoupled) p = _mm512_mul_ps(p, decay); else g = _mm512_add_ps(g, _mm512_mul_ps(wd, p));
        }
        __m512 mm = _mm512_maskz_loadu_ps(k, m + i), vv = _mm512_maskz_loadu_ps(k, v + i);
        mm = _mm512_add_ps(mm, _mm512_mul_ps(c1, _mm512_sub_ps(g, mm)));
        vv = _mm512_add_ps(_mm512_mul_ps(vv, b2), _mm512_mul_ps(_mm512_mul_ps(c2, g), g));
        const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vv), bc2), eps);
        p = _mm512_add_ps(p, _mm512_mul_ps(negStep, _mm512_div_ps(mm, denom)));
        _mm512_mask_storeu_ps(m + i, k, mm);
        _mm512_mask_storeu_ps(v + i, k, vv);
        _mm512_mask_storeu_ps(w + i, k, p);
    }
}

static void adam_portable(float *w, const float *grad, float *m, float *v, long n, const EngineAdamStep *s) {
    for (long i = 0; i < n; i++) {
        float g = grad[i], p = w[i];
        if (s->weightDecay != 0) {
            if (s->decoupled) { p = p * s->decoupledFactor; }
            else { const float t = s->weightDecay * p; g = g + t; }
        }
        const float diff = g - m[i], step1 = s->oneMinusBeta1 * diff;
        const float mm = m[i] + step1;
        const float scaled = s->oneMinusBeta2 * g, square = scaled * g, kept = v[i] * s->beta2;
        const float vv = kept + square;
        const float root = sqrtf(vv), ratio = root / s->biasCorrection2Sqrt, denom = ratio + s->epsilon;
        const float q = mm / denom, delta = -s->stepSize * q;
        m[i] = mm; v[i] = vv; w[i] = p + delta;
    }
}

void engine_adam_update(float *w, const float *grad, float *m, float *v, long n, const EngineAdamStep *step) {
    if (engine_isa_level() == 2) adam512(w, grad, m, v, n, step); else adam_portable(w, grad, m, v, n, step);
}
