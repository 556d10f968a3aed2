// Depthwise 2-D convolution (one filter per channel), one plane or one channel per call: the forward,
// the input gradient, and the weight and bias gradients. Every output element takes its terms in the
// same order on every ISA path (bias or zero first, then the taps in (i, j) order; weight gradients
// summed over images and rows lane by lane, then over columns in order), and every product is rounded
// before it is added (no FMA), so both paths give the same bits. The AVX-512 versions cover stride 1;
// other strides take the portable loops.
#include "engine_kernels.h"
#include "isa_level.h"
#include "conv_range.h"
#include "rounded_rows.h"
#include <immintrin.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define T512 __attribute__((target("avx512f")))

static void forward_portable(const float *x, long H, long W, const float *k, long KH, long KW, float bias, long s, long p,
                             long d, float *y, long Ho, long Wo) {
    for (long oh = 0; oh < Ho; oh++) {
        float *dst = y + oh * Wo;
        for (long ow = 0; ow < Wo; ow++) dst[ow] = bias;
        for (long i = 0; i < KH; i++) {
            const long ih = oh * s + i * d - p;
            if (ih < 0 || ih >= H) continue;
            for (long j = 0; j < KW; j++) {
                long lo, hi;
                engine_conv_valid_range(j * d - p, s, W, Wo, &lo, &hi);
                const float wv = k[i * KW + j], *src = x + ih * W + j * d - p;
                for (long ow = lo; ow < hi; ow++) { const float t = wv * src[ow * s]; dst[ow] += t; }
            }
        }
    }
}

/// Lanes `start ..< start + 16` that lie in `lo ..< hi`.
static inline __mmask16 span_mask(long start, long lo, long hi) {
    return (__mmask16)(engine_lane_mask16(hi - start) & (unsigned short)~engine_lane_mask16(lo - start));
}

T512 static void forward512(const float *x, long H, long W, const float *k, long KH, long KW, float bias, long p, long d,
                            float *y, long Ho, long Wo) {
    long lo[KW], hi[KW];
    for (long j = 0; j < KW; j++) engine_conv_valid_range(j * d - p, 1, W, Wo, &lo[j], &hi[j]);
    for (long oh = 0; oh < Ho; oh++) {
        float *dst = y + oh * Wo;
        for (long c0 = 0; c0 < Wo; c0 += 64) {
            __m512 acc[4];
            for (int v = 0; v < 4; v++) acc[v] = _mm512_set1_ps(bias);
            for (long i = 0; i < KH; i++) {
                const long ih = oh + i * d - p;
                if (ih < 0 || ih >= H) continue;
                const float *row = x + ih * W;
                for (long j = 0; j < KW; j++) {
                    const __m512 wv = _mm512_set1_ps(k[i * KW + j]);
                    const long off = j * d - p;
                    for (int v = 0; v < 4; v++) {
                        const long start = c0 + 16 * v;
                        const __mmask16 m = span_mask(start, lo[j], hi[j]);
                        if (!m) continue;
                        const __m512 t = _mm512_mul_ps(wv, _mm512_maskz_loadu_ps(m, row + start + off));
                        acc[v] = _mm512_mask_add_ps(acc[v], m, acc[v], t);
                    }
                }
            }
            for (int v = 0; v < 4; v++) {
                const long start = c0 + 16 * v;
                if (start < Wo) _mm512_mask_storeu_ps(dst + start, engine_lane_mask16(Wo - start), acc[v]);
            }
        }
    }
}

void engine_depthwise_forward_plane(const float *x, long H, long W, const float *k, long KH, long KW, float bias, long s,
                                    long p, long d, float *y, long Ho, long Wo) {
    if (s == 1 && engine_isa_level() == 2) forward512(x, H, W, k, KH, KW, bias, p, d, y, Ho, Wo);
    else forward_portable(x, H, W, k, KH, KW, bias, s, p, d, y, Ho, Wo);
}

static void input_grad_portable(const float *g, long Ho, long Wo, const float *k, long KH, long KW, long s, long p, long d,
                                float *dx, long H, long W) {
    for (long ih = 0; ih < H; ih++) {
        float *row = dx + ih * W;
        memset(row, 0, (size_t)W * sizeof(float));
        for (long i = 0; i < KH; i++) {
            const long t = ih + p - i * d;
            if (t < 0 || t % s != 0 || t / s >= Ho) continue;
            const float *src = g + (t / s) * Wo;
            for (long j = 0; j < KW; j++) {
                long lo, hi;
                engine_conv_valid_range(j * d - p, s, W, Wo, &lo, &hi);
                const float wv = k[i * KW + j];
                float *dst = row + j * d - p;
                for (long ow = lo; ow < hi; ow++) { const float u = wv * src[ow]; dst[ow * s] += u; }
            }
        }
    }
}

T512 static void input_grad512(const float *g, long Ho, long Wo, const float *k, long KH, long KW, long p, long d, float *dx,
                               long H, long W) {
    long lo[KW], hi[KW];
    for (long j = 0; j < KW; j++) engine_conv_valid_range(j * d - p, 1, W, Wo, &lo[j], &hi[j]);
    for (long ih = 0; ih < H; ih++) {
        float *row = dx + ih * W;
        for (long c0 = 0; c0 < W; c0 += 64) {
            __m512 acc[4];
            for (int v = 0; v < 4; v++) acc[v] = _mm512_setzero_ps();
            for (long i = 0; i < KH; i++) {
                const long oh = ih + p - i * d;
                if (oh < 0 || oh >= Ho) continue;
                const float *src = g + oh * Wo;
                for (long j = 0; j < KW; j++) {
                    const __m512 wv = _mm512_set1_ps(k[i * KW + j]);
                    const long off = j * d - p;  // input column iw = ow + off
                    for (int v = 0; v < 4; v++) {
                        const long start = c0 + 16 * v;
                        const __mmask16 m = span_mask(start, lo[j] + off, hi[j] + off);
                        if (!m) continue;
                        const __m512 t = _mm512_mul_ps(wv, _mm512_maskz_loadu_ps(m, src + start - off));
                        acc[v] = _mm512_mask_add_ps(acc[v], m, acc[v], t);
                    }
                }
            }
            for (int v = 0; v < 4; v++) {
                const long start = c0 + 16 * v;
                if (start < W) _mm512_mask_storeu_ps(row + start, engine_lane_mask16(W - start), acc[v]);
            }
        }
    }
}

void engine_depthwise_input_grad_plane(const float *g, long Ho, long Wo, const float *k, long KH, long KW, long s, long p,
                                       long d, float *dx, long H, long W) {
    if (s == 1 && engine_isa_level() == 2) input_grad512(g, Ho, Wo, k, KH, KW, p, d, dx, H, W);
    else input_grad_portable(g, Ho, Wo, k, KH, KW, s, p, d, dx, H, W);
}

/// Adds one channel's products into `lanes` (one row of `Wo` partial sums per tap, then the bias row), over
/// images and output rows in order; stride 1 runs whole rows through `MUL_ADD`.
#define DEFINE_ACCUMULATE(SUFFIX, ATTR, MUL_ADD, ADD)                                                                   \
ATTR static void accumulate_##SUFFIX(const float *x, long xStride, const float *g, long gStride, long images, long H,    \
                                     long W, long KH, long KW, long s, long p, long d, long Ho, long Wo, int needW,     \
                                     int needB, float *lanes) {                                                         \
    float *biasLane = lanes + KH * KW * Wo;                                                                             \
    for (long n = 0; n < images; n++) {                                                                                 \
        const float *xin = x + n * xStride, *gin = g + n * gStride;                                                     \
        for (long oh = 0; oh < Ho; oh++) {                                                                              \
            const float *gr = gin + oh * Wo;                                                                            \
            if (needB) ADD(biasLane, gr, Wo);                                                                           \
            if (!needW) continue;                                                                                       \
            for (long i = 0; i < KH; i++) {                                                                             \
                const long ih = oh * s + i * d - p;                                                                     \
                if (ih < 0 || ih >= H) continue;                                                                        \
                for (long j = 0; j < KW; j++) {                                                                         \
                    long lo, hi;                                                                                        \
                    engine_conv_valid_range(j * d - p, s, W, Wo, &lo, &hi);                                             \
                    float *lane = lanes + (i * KW + j) * Wo;                                                            \
                    const float *src = xin + ih * W + j * d - p;                                                        \
                    if (s == 1) MUL_ADD(lane + lo, gr + lo, src + lo, hi - lo);                                         \
                    else for (long ow = lo; ow < hi; ow++) { const float t = gr[ow] * src[ow * s]; lane[ow] += t; }     \
                }                                                                                                       \
            }                                                                                                           \
        }                                                                                                               \
    }                                                                                                                   \
}

DEFINE_ACCUMULATE(portable, , mul_add_portable, add_portable)
DEFINE_ACCUMULATE(512, T512, mul_add512, add512)

void engine_depthwise_param_grads(const float *x, long xStride, const float *g, long gStride, long images, long H, long W,
                                  long KH, long KW, long s, long p, long d, long Ho, long Wo, float *dw, float *db,
                                  float *lanes) {
    const long taps = KH * KW;
    memset(lanes, 0, (size_t)((taps + 1) * Wo) * sizeof(float));
    if (s == 1 && engine_isa_level() == 2)
        accumulate_512(x, xStride, g, gStride, images, H, W, KH, KW, s, p, d, Ho, Wo, dw != 0, db != 0, lanes);
    else
        accumulate_portable(x, xStride, g, gStride, images, H, W, KH, KW, s, p, d, Ho, Wo, dw != 0, db != 0, lanes);
    if (db) {
        const float *biasLane = lanes + taps * Wo;
        float acc = 0;
        for (long ow = 0; ow < Wo; ow++) acc += biasLane[ow];
        *db = acc;
    }
    if (dw)
        for (long i = 0; i < KH; i++)
            for (long j = 0; j < KW; j++) {
                long lo, hi;
                engine_conv_valid_range(j * d - p, s, W, Wo, &lo, &hi);
                const float *lane = lanes + (i * KW + j) * Wo;
                float acc = 0;
                for (long ow = lo; ow < hi; ow++) acc += lane[ow];
                dw[i * KW + j] = acc;
            }
}
