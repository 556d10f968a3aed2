// Polarization kernels (Transforms/Physics/Polarization): DoFP bilinear demosaicing and the
// Stokes / DoLP / AoLP per-pixel math, each written once as plain C and compiled three times
// (AVX-512, AVX2, portable) so clang's loop vectoriser can use the widest registers.
//
// FP contraction is off, so no variant fuses a multiply-add: every ISA (and every thread count,
// since the Swift callers split work into disjoint row or index ranges) rounds identically.
#include "physics_kernels.h"
#include "isa_level.h"

#pragma clang fp contract(off)

#define POL_PI 3.14159265358979323846f

// MARK: - Per-pixel math (the single implementation behind the Swift LinearStokes functions)

static inline __attribute__((always_inline)) float pol_s0(float i0, float i45, float i90, float i135) { return (i0 + i45 + i90 + i135) * 0.5f; }
static inline __attribute__((always_inline)) float pol_s1(float i0, float i90) { return i0 - i90; }
static inline __attribute__((always_inline)) float pol_s2(float i45, float i135) { return i45 - i135; }

/// √(S1² + S2²) / S0, 0 where S0 ≤ 0 (or NaN), optionally capped at 1.
static inline __attribute__((always_inline)) float pol_dolp(float s0, float s1, float s2, int clamped) {
    float d = s0 > 0 ? __builtin_elementwise_sqrt(s1 * s1 + s2 * s2) / s0 : 0.0f;
    return clamped && 1.0f < d ? 1.0f : d;
}

/// ½·atan2(S2, S1) folded into [0, π); 0 where S1 = S2 = 0; NaN where either is NaN.
/// atan on [0, 1] by octant reduction: t = min/max, and for t > tan(π/8) the identity
/// atan t = π/4 + atan((t − 1)/(t + 1)); the reduced argument goes through Cephes' atanf
/// polynomial (relative error about 1e-7), so the angle is within a few 1e-8 rad of atan2's.
static inline __attribute__((always_inline)) float pol_aolp(float s1, float s2) {
    float ax = __builtin_fabsf(s1), ay = __builtin_fabsf(s2);
    float mn = ay < ax ? ay : ax, mx = ay < ax ? ax : ay;
    int big = mn > 0.414213562373095f * mx;
    float num = big ? mn - mx : mn, den = big ? mn + mx : mx;
    float u = den > 0 ? num / den : 0.0f;
    float z = u * u;
    float r = (((8.05374449538e-2f * z - 1.38776856032e-1f) * z + 1.99777106478e-1f) * z - 3.33329491539e-1f) * z * u + u;
    r = big ? r + 0.25f * POL_PI : r;
    r = ay > ax ? 0.5f * POL_PI - r : r;
    r = s1 < 0 ? POL_PI - r : r;
    r = s2 < 0 ? -r : r;
    float a = 0.5f * r;
    a = a < 0 ? a + POL_PI : a;
    a = a >= POL_PI ? 0.0f : a;
    return s1 != s1 || s2 != s2 ? s1 + s2 : a;  /* NaN in, NaN out (as atan2) */
}

// MARK: - ISA variants

/// Defines `name` with the signature `params`, dispatching to AVX-512, AVX2 and portable
/// compilations of the same body; `args` forwards the parameters.
#define POL_KERNEL(name, params, args, ...)                                                   \
    __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))) static void name##_512 params __VA_ARGS__ \
    __attribute__((target("avx2,fma"))) static void name##_256 params __VA_ARGS__            \
    static void name##_portable params __VA_ARGS__                                            \
    void name params {                                                                         \
        switch (physics_isa_level()) {                                                          \
        case 2: name##_512 args; break;                                                        \
        case 1: name##_256 args; break;                                                        \
        default: name##_portable args;                                                         \
        }                                                                                      \
    }

POL_KERNEL(physics_pol_stokes,
           (const float *angles, long plane, float *stokes, long lo, long hi),
           (angles, plane, stokes, lo, hi), {
    const float *i0 = angles, *i45 = angles + plane, *i90 = angles + 2 * plane, *i135 = angles + 3 * plane;
    float *s0 = stokes, *s1 = stokes + plane, *s2 = stokes + 2 * plane;
    for (long k = lo; k < hi; k++) {
        s0[k] = pol_s0(i0[k], i45[k], i90[k], i135[k]);
        s1[k] = pol_s1(i0[k], i90[k]);
        s2[k] = pol_s2(i45[k], i135[k]);
    }
})

POL_KERNEL(physics_pol_dolp,
           (const float *stokes, long plane, int clamped, float *out, long lo, long hi),
           (stokes, plane, clamped, out, lo, hi), {
    const float *s0 = stokes, *s1 = stokes + plane, *s2 = stokes + 2 * plane;
    if (clamped) {
        for (long k = lo; k < hi; k++) out[k] = pol_dolp(s0[k], s1[k], s2[k], 1);
    } else {
        for (long k = lo; k < hi; k++) out[k] = pol_dolp(s0[k], s1[k], s2[k], 0);
    }
})

POL_KERNEL(physics_pol_aolp,
           (const float *stokes, long plane, float *out, long lo, long hi),
           (stokes, plane, out, lo, hi), {
    const float *s1 = stokes + plane, *s2 = stokes + 2 * plane;
    for (long k = lo; k < hi; k++) out[k] = pol_aolp(s1[k], s2[k]);
})

POL_KERNEL(physics_pol_polarimetry,
           (const float *angles, long plane, float *s0, float *s1, float *s2, float *dolp, float *aolp, long lo, long hi),
           (angles, plane, s0, s1, s2, dolp, aolp, lo, hi), {
    const float *i0 = angles, *i45 = angles + plane, *i90 = angles + 2 * plane, *i135 = angles + 3 * plane;
    if (s1 && s2) {
        for (long k = lo; k < hi; k++) {
            float v0 = pol_s0(i0[k], i45[k], i90[k], i135[k]), v1 = pol_s1(i0[k], i90[k]), v2 = pol_s2(i45[k], i135[k]);
            s0[k] = v0;
            s1[k] = v1;
            s2[k] = v2;
            dolp[k] = pol_dolp(v0, v1, v2, 0);
            aolp[k] = pol_aolp(v1, v2);
        }
    } else {
        for (long k = lo; k < hi; k++) {
            float v0 = pol_s0(i0[k], i45[k], i90[k], i135[k]), v1 = pol_s1(i0[k], i90[k]), v2 = pol_s2(i45[k], i135[k]);
            s0[k] = v0;
            dolp[k] = pol_dolp(v0, v1, v2, 0);
            aolp[k] = pol_aolp(v1, v2);
        }
    }
})

// MARK: - Demosaicing

/// One interior row (x = 1 … w−2) of one angle's bilinear interpolation; `sampled`: this row holds
/// the angle's samples (at columns x ≡ px mod 2). Same arithmetic, term order included, as the
/// quincunx rule in SubLatticeInterpolation.swift.
static inline __attribute__((always_inline)) void pol_bilinear_row(const float *up, const float *row, const float *down, float *out,
                                    long w, int sampled, long px, int round) {
#define POL_ROW_LOOP(EXPR)                                                                         \
    if (round) { for (long x = 1; x < w - 1; x++) { float v = EXPR; out[x] = __builtin_elementwise_floor(v + 0.5f); } } \
    else { for (long x = 1; x < w - 1; x++) out[x] = EXPR; }
    if (sampled) {
        POL_ROW_LOOP(((x & 1) == px) ? row[x] : (row[x - 1] + row[x + 1]) * 0.5f)
    } else {
        POL_ROW_LOOP(((x & 1) == px) ? (up[x] + down[x]) * 0.5f
                                     : (up[x - 1] + up[x + 1] + down[x - 1] + down[x + 1]) * 0.25f)
    }
#undef POL_ROW_LOOP
    out[0] = out[1];
    out[w - 1] = out[w - 2];
}

POL_KERNEL(physics_pol_bilinear_rows,
           (const float *src, float *out, long plane_stride, long h, long w, const int *phases, int planes,
            int round, long y0, long y1),
           (src, out, plane_stride, h, w, phases, planes, round, y0, y1), {
    for (long y = y0; y < y1; y++) {
        long ys = y < 1 ? 1 : (y > h - 2 ? h - 2 : y);  // rows 0 and h−1 repeat rows 1 and h−2
        const float *row = src + ys * w;
        for (int c = 0; c < planes; c++) {
            long py = phases[2 * c], px = phases[2 * c + 1];
            pol_bilinear_row(row - w, row, row + w, out + c * plane_stride + y * w, w, ((ys - py) & 1) == 0, px, round);
        }
    }
})
