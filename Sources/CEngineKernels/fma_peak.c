// FMA peak probe for `aims bench engine`: 12 independent accumulator chains hide the FMA latency
// (4 cycles on 2 ports needs >= 8 in flight).
#include "engine_kernels.h"
#include <immintrin.h>

static volatile float engine_sink;

#define CHAINS 12

__attribute__((target("avx512f")))
static double burn512(long n) {
    __m512 acc[CHAINS];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < n; it++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    engine_sink = _mm512_reduce_add_ps(s);
    return 2.0 * 16 * CHAINS * (double)n;
}

__attribute__((target("avx2,fma")))
static double burn256(long n) {
    __m256 acc[CHAINS];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long it = 0; it < n; it++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    float out[8];
    __m256 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm256_add_ps(s, acc[i]);
    _mm256_storeu_ps(out, s);
    engine_sink = out[0] + out[7];
    return 2.0 * 8 * CHAINS * (double)n;
}

static double burn1(long n) {
    float acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) acc[i] = (float)i;
    for (long it = 0; it < n; it++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * 0.999999f + 1e-7f;
    }
    float s = 0;
    for (int i = 0; i < CHAINS; i++) s += acc[i];
    engine_sink = s;
    return 2.0 * CHAINS * (double)n;
}

int engine_fma_width(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 16;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 8;
    return 1;
}

double engine_fma_burn(long iterations) {
    switch (engine_fma_width()) {
    case 16: return burn512(iterations);
    case 8: return burn256(iterations);
    default: return burn1(iterations);
    }
}

/// The bf16 peak: the same 12 chains on VDPBF16PS (each lane: two bf16 products added to fp32).
__attribute__((target("avx512f,avx512bf16")))
static double burn_bf16(long n) {
    __m512 acc[CHAINS];
    const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(1e-3f));
    const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-4f), _mm512_set1_ps(-1e-4f));
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < n; it++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    }
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    engine_sink = _mm512_reduce_add_ps(s);
    return 4.0 * 16 * CHAINS * (double)n;
}

double engine_bf16_burn(long iterations) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bf16")) return 0;
    return burn_bf16(iterations);
}
