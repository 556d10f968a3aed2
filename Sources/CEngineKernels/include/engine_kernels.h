#ifndef ENGINE_KERNELS_H
#define ENGINE_KERNELS_H
/// Runs `iterations` rounds of independent single-precision FMAs with the widest vector FMA the
/// CPU supports (AVX-512, else AVX2+FMA, else scalar), on the calling thread.
/// Returns the number of floating-point operations performed (2 per lane per FMA).
double engine_fma_burn(long iterations);
/// Width in floats of the vector FMA used by engine_fma_burn (16, 8 or 1).
int engine_fma_width(void);
#endif

#ifndef ENGINE_KERNELS_ROWS_H
#define ENGINE_KERNELS_ROWS_H
/// In-place softmax of `rows` contiguous rows of length `n`: y = exp(x - max) / sum.
/// Vectorised exp (Cephes polynomial, about 1 ulp) on AVX-512 or AVX2, libm expf otherwise.
void engine_softmax_rows(float *x, long rows, long n);
/// Softmax backward per row, in place on `g`: g = y * (g - sum(g * y)).
void engine_softmax_backward_rows(const float *y, float *g, long rows, long n);
#endif
