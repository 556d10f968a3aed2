// SAM's decomposed relative-position bias, added to (forward) and reduced out of (backward) rows of
// attention scores without materialising the [N, N] bias: the inner loops of fused attention.
#include "engine_kernels.h"
#include "isa_level.h"
#include <immintrin.h>
#include <stdlib.h>

// zw's entries for one query run backwards over the key column (index qw - kw + w - 1); both
// versions first copy them into a forward-running buffer so the key loop is contiguous.
#define RELPOS_STACK 512

static float *relpos_scratch(long w, float *stack) { return w <= RELPOS_STACK ? stack : malloc((size_t)w * sizeof(float)); }
static void relpos_release(float *p, float *stack) { if (p != stack) free(p); }

__attribute__((target("avx512f")))
static void bias512(const float *zh, const float *zw, long h, long w, long r0, long n, float *out) {
    float stack[RELPOS_STACK], *rev = relpos_scratch(w, stack);
    const long th = 2 * h - 1, tw = 2 * w - 1, tail = w % 16;
    const __mmask16 km = engine_lane_mask16(tail);
    for (long r = r0; r < r0 + n; r++) {
        const long qh = r / w, qw = r % w;
        const float *zhr = zh + r * th + qh + h - 1, *zwr = zw + r * tw + qw + w - 1;
        for (long kw = 0; kw < w; kw++) rev[kw] = zwr[-kw];
        float *o = out + (r - r0) * h * w;
        for (long kh = 0; kh < h; kh++) {
            const __m512 a = _mm512_set1_ps(zhr[-kh]);
            float *line = o + kh * w;
            long kw = 0;
            for (; kw + 16 <= w; kw += 16) _mm512_storeu_ps(line + kw, _mm512_add_ps(a, _mm512_loadu_ps(rev + kw)));
            if (tail) _mm512_mask_storeu_ps(line + kw, km, _mm512_add_ps(a, _mm512_maskz_loadu_ps(km, rev + kw)));
        }
    }
    relpos_release(rev, stack);
}

__attribute__((target("avx512f")))
static void bias_bwd512(const float *ds, long h, long w, long r0, long n, float *dzh, float *dzw) {
    float stack[RELPOS_STACK], *acc = relpos_scratch(w, stack);
    const long th = 2 * h - 1, tw = 2 * w - 1, tail = w % 16;
    const __mmask16 km = engine_lane_mask16(tail);
    for (long r = r0; r < r0 + n; r++) {
        const long qh = r / w, qw = r % w;
        float *zh = dzh + r * th + qh + h - 1, *zw = dzw + r * tw + qw + w - 1;
        const float *src = ds + (r - r0) * h * w;
        for (long kw = 0; kw < w; kw++) acc[kw] = 0;
        for (long kh = 0; kh < h; kh++) {
            const float *line = src + kh * w;
            __m512 s = _mm512_setzero_ps();
            long kw = 0;
            for (; kw + 16 <= w; kw += 16) {
                const __m512 v = _mm512_loadu_ps(line + kw);
                s = _mm512_add_ps(s, v);
                _mm512_storeu_ps(acc + kw, _mm512_add_ps(_mm512_loadu_ps(acc + kw), v));
            }
            if (tail) {
                const __m512 v = _mm512_maskz_loadu_ps(km, line + kw);
                s = _mm512_add_ps(s, v);
                _mm512_mask_storeu_ps(acc + kw, km, _mm512_add_ps(_mm512_maskz_loadu_ps(km, acc + kw), v));
            }
            zh[-kh] = _mm512_reduce_add_ps(s);
        }
        for (long kw = 0; kw < w; kw++) zw[-kw] += acc[kw];
    }
    relpos_release(acc, stack);
}

// Portable versions (and the AVX2 path: plain loops the compiler vectorises where it may).
static void bias_portable(const float *zh, const float *zw, long h, long w, long r0, long n, float *out) {
    float stack[RELPOS_STACK], *rev = relpos_scratch(w, stack);
    const long th = 2 * h - 1, tw = 2 * w - 1;
    for (long r = r0; r < r0 + n; r++) {
        const long qh = r / w, qw = r % w;
        const float *zhr = zh + r * th + qh + h - 1, *zwr = zw + r * tw + qw + w - 1;
        for (long kw = 0; kw < w; kw++) rev[kw] = zwr[-kw];
        float *o = out + (r - r0) * h * w;
        for (long kh = 0; kh < h; kh++) {
            const float a = zhr[-kh];
            float *restrict line = o + kh * w;
            for (long kw = 0; kw < w; kw++) line[kw] = a + rev[kw];
        }
    }
    relpos_release(rev, stack);
}

static void bias_bwd_portable(const float *ds, long h, long w, long r0, long n, float *dzh, float *dzw) {
    float stack[RELPOS_STACK], *acc = relpos_scratch(w, stack);
    const long th = 2 * h - 1, tw = 2 * w - 1;
    for (long r = r0; r < r0 + n; r++) {
        const long qh = r / w, qw = r % w;
        float *zh = dzh + r * th + qh + h - 1, *zw = dzw + r * tw + qw + w - 1;
        const float *src = ds + (r - r0) * h * w;
        for (long kw = 0; kw < w; kw++) acc[kw] = 0;
        for (long kh = 0; kh < h; kh++) {
            const float *restrict line = src + kh * w;
            float s = 0;
            for (long kw = 0; kw < w; kw++) { s += line[kw]; acc[kw] += line[kw]; }
            zh[-kh] = s;
        }
        for (long kw = 0; kw < w; kw++) zw[-kw] += acc[kw];
    }
    relpos_release(acc, stack);
}

void engine_relpos_bias_rows(const float *zh, const float *zw, long h, long w, long r0, long n, float *out) {
    if (engine_isa_level() == 2) bias512(zh, zw, h, w, r0, n, out); else bias_portable(zh, zw, h, w, r0, n, out);
}

void engine_relpos_bias_backward_rows(const float *ds, long h, long w, long r0, long n, float *dzh, float *dzw) {
    if (engine_isa_level() == 2) bias_bwd512(ds, h, w, r0, n, dzh, dzw); else bias_bwd_portable(ds, h, w, r0, n, dzh, dzw);
}
