// Depthwise 2-D convolution on channels-last rows (TinyViT's local_conv): one output row, one input
// row of the input gradient, or a run of rows of the weight and bias gradients per call, vectorised
// over the contiguous channels. Products are rounded before they are added (no FMA) and every element
// takes its terms in the same order on both paths, so the AVX-512 and portable paths give the same bits.
#include "engine_kernels.h"
#include "isa_level.h"
#include "conv_range.h"
#include "rounded_rows.h"
#include <immintrin.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define T512 __attribute__((target("avx512f")))

#define DEFINE_ROWS(SUFFIX, ATTR, MUL_ADD, ADD)                                                                              \
ATTR static void forward_row_##SUFFIX(const float *x, long H, long W, long C, const float *taps, const float *bias, long KH, \
                                      long KW, long s, long p, long d, long oh, float *out, long Wo) {                     \
    for (long ow = 0; ow < Wo; ow++) memcpy(out + ow * C, bias, (size_t)C * sizeof(float));                             \
    for (long i = 0; i < KH; i++) {                                                                                     \
        const long ih = oh * s - p + i * d;                                                                             \
        if (ih < 0 || ih >= H) continue;                                                                                \
        for (long j = 0; j < KW; j++) {                                                                                 \
            long lo, hi;                                                                                                \
            const long off = j * d - p;                                                                                 \
            engine_conv_valid_range(off, s, W, Wo, &lo, &hi);                                                                       \
            for (long ow = lo; ow < hi; ow++) MUL_ADD(out + ow * C, taps + (i * KW + j) * C, x + (ih * W + ow * s + off) * C, C); \
        }                                                                                                               \
    }                                                                                                                   \
}                                                                                                                       \
ATTR static void input_grad_row_##SUFFIX(const float *g, long Ho, long Wo, long C, const float *taps, long KH, long KW,   \
                                         long s, long p, long d, long ih, float *din, long W) {                          \
    memset(din, 0, (size_t)(W * C) * sizeof(float));                                                                    \
    for (long i = 0; i < KH; i++) {                                                                                     \
        const long num = ih + p - i * d;                                                                                \
        if (num < 0 || num % s != 0 || num / s >= Ho) continue;                                                         \
        const float *gin = g + (num / s) * Wo * C;                                                                      \
        for (long j = 0; j < KW; j++) {                                                                                 \
            long lo, hi;                                                                                                \
            const long off = j * d - p;                                                                                 \
            engine_conv_valid_range(off, s, W, Wo, &lo, &hi);                                                                       \
            for (long ow = lo; ow < hi; ow++) MUL_ADD(din + (ow * s + off) * C, taps + (i * KW + j) * C, gin + ow * C, C); \
        }                                                                                                               \
    }                                                                                                                   \
}                                                                                                                       \
ATTR static void param_grad_rows_##SUFFIX(const float *x, const float *g, long H, long W, long C, long KH, long KW, long s, \
                                          long p, long d, long Ho, long Wo, long r0, long r1, float *acc, int needW,     \
                                          int needB) {                                                                  \
    float *dbAcc = acc + KH * KW * C;                                                                                   \
    for (long row = r0; row < r1; row++) {                                                                              \
        const long n = row / Ho, oh = row % Ho;                                                                         \
        const float *gin = g + row * Wo * C;                                                                            \
        if (needB) for (long ow = 0; ow < Wo; ow++) ADD(dbAcc, gin + ow * C, C);                                         \
        if (!needW) continue;                                                                                           \
        for (long i = 0; i < KH; i++) {                                                                                 \
            const long ih = oh * s - p + i * d;                                                                         \
            if (ih < 0 || ih >= H) continue;                                                                            \
            const float *xin = x + (n * H + ih) * W * C;                                                                \
            for (long j = 0; j < KW; j++) {                                                                             \
                long lo, hi;                                                                                            \
                const long off = j * d - p;                                                                             \
                engine_conv_valid_range(off, s, W, Wo, &lo, &hi);                                                                   \
                for (long ow = lo; ow < hi; ow++) MUL_ADD(acc + (i * KW + j) * C, gin + ow * C, xin + (ow * s + off) * C, C); \
            }                                                                                                           \
        }                                                                                                               \
    }                                                                                                                   \
}

DEFINE_ROWS(portable, , mul_add_portable, add_portable)
DEFINE_ROWS(512, T512, mul_add512, add512)

void engine_depthwise_nhwc_forward_row(const float *x, long H, long W, long C, const float *taps, const float *bias, long KH,
                                       long KW, long s, long p, long d, long oh, float *out, long Wo) {
    if (engine_isa_level() == 2) forward_row_512(x, H, W, C, taps, bias, KH, KW, s, p, d, oh, out, Wo);
    else forward_row_portable(x, H, W, C, taps, bias, KH, KW, s, p, d, oh, out, Wo);
}

void engine_depthwise_nhwc_input_grad_row(const float *g, long Ho, long Wo, long C, const float *taps, long KH, long KW, long s,
                                          long p, long d, long ih, float *din, long W) {
    if (engine_isa_level() == 2) input_grad_row_512(g, Ho, Wo, C, taps, KH, KW, s, p, d, ih, din, W);
    else input_grad_row_portable(g, Ho, Wo, C, taps, KH, KW, s, p, d, ih, din, W);
}

void engine_depthwise_nhwc_param_grad_rows(const float *x, const float *g, long H, long W, long C, long KH, long KW, long s,
                                           long p, long d, long Ho, long Wo, long r0, long r1, float *acc, int needW, int needB) {
    if (engine_isa_level() == 2) param_grad_rows_512(x, g, H, W, C, KH, KW, s, p, d, Ho, Wo, r0, r1, acc, needW, needB);
    else param_grad_rows_portable(x, g, H, W, C, KH, KW, s, p, d, Ho, Wo, r0, r1, acc, needW, needB);
}
