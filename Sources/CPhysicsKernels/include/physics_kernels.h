// Vectorised image-physics kernels owned by Transforms (AVX-512 / AVX2 / portable, chosen at run time).
// Kept apart from the engine's kernels (Sources/CEngineKernels) so the engine target holds only what
// the tensor engine needs; the ISA choice is this target's own (isa_level.c) rather than a link to the engine's.
#ifndef PHYSICS_KERNELS_H
#define PHYSICS_KERNELS_H

/// Tests only: 1 makes the physics kernels take the portable path, 2 caps them at AVX2 (as on CPUs
/// without AVX-512), 0 restores detection. Not synchronised; set it while no kernel runs.
void physics_use_portable_kernels(int on);

#endif

#ifndef PHYSICS_KERNELS_POLARIZATION_H
#define PHYSICS_KERNELS_POLARIZATION_H
/// Bilinear interpolation of `planes` rectangular sub-lattices (period 2) of the `h × w` plane `src`
/// (h, w ≥ 3): writes rows `y0 ..< y1` of each output plane `out + c * plane_stride`, where plane c
/// holds the samples at (row, col) parity `phases[2c], phases[2c+1]`. OpenCV's `Bayer2RGB_` geometry:
/// the outer rows and columns repeat their inner neighbours. `round`: each value becomes floor(v + 0.5).
void physics_pol_bilinear_rows(const float *src, float *out, long plane_stride, long h, long w, const int *phases,
                              int planes, int round, long y0, long y1);
/// Stokes S0, S1, S2 (`stokes`, `[3, plane]`) from I0, I45, I90, I135 (`angles`, `[4, plane]`), indices lo ..< hi.
void physics_pol_stokes(const float *angles, long plane, float *stokes, long lo, long hi);
/// DoLP √(S1² + S2²)/S0 (0 where S0 ≤ 0; capped at 1 if `clamped`) from `stokes` `[3, plane]`, indices lo ..< hi.
void physics_pol_dolp(const float *stokes, long plane, int clamped, float *out, long lo, long hi);
/// AoLP ½·atan2(S2, S1) in [0, π) (0 where S1 = S2 = 0) from `stokes` `[3, plane]`, indices lo ..< hi.
void physics_pol_aolp(const float *stokes, long plane, float *out, long lo, long hi);
/// S0, S1, S2, DoLP (unclamped) and AoLP in one pass over `angles` `[4, plane]`, indices lo ..< hi, each
/// into its own plane (`s1`, `s2` may both be NULL: not stored). The same per-pixel functions as the
/// three kernels above, so the results are identical.
void physics_pol_polarimetry(const float *angles, long plane, float *s0, float *s1, float *s2, float *dolp, float *aolp,
                            long lo, long hi);
#endif
