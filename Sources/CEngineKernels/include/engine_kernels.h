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
/// Vectorised exp (Cephes polynomial, about 1 ulp) on AVX-512 or AVX2+FMA, libm expf otherwise.
void engine_softmax_rows(float *x, long rows, long n);
/// Softmax backward per row, in place on `g`: g = y * (g - sum(g * y)).
void engine_softmax_backward_rows(const float *y, float *g, long rows, long n);
/// Tests only: 1 makes softmax and GELU take the portable (libm) path, 2 caps them at AVX2 (as on
/// CPUs without AVX-512), 0 restores detection. Not synchronised; set it while no kernel runs.
void engine_use_portable_kernels(int on);
#endif

#ifndef ENGINE_KERNELS_GELU_H
#define ENGINE_KERNELS_GELU_H
/// y = 0.5 x (1 + erf(x / sqrt 2)) for n elements (erf: Abramowitz-Stegun 7.1.26 with |error| < 1.5e-7
/// on AVX-512 and AVX2, the same approximation PyTorch's vectorised CPU GELU uses; libm erff otherwise).
void engine_gelu(const float *x, float *y, long n);
/// dx = g (Phi(x) + x phi(x)) for n elements.
void engine_gelu_backward(const float *x, const float *g, float *dx, long n);
#endif

#ifndef ENGINE_KERNELS_ALLOC_H
#define ENGINE_KERNELS_ALLOC_H
/// glibc: serve buffers up to 1 GB from the heap and never trim it, so freed activation buffers are
/// reused instead of being mmap-ed afresh (and page-faulted) on every allocation. No-op elsewhere.
void engine_configure_allocator(void);
#endif
