#ifndef ENGINE_KERNELS_H
#define ENGINE_KERNELS_H
#include <stddef.h>
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
/// Each element's value depends only on it, not on where a call's range starts or ends.
void engine_gelu(const float *x, float *y, long n);
/// dx = g (Phi(x) + x phi(x)) for n elements (also independent of the split; dx may be g).
void engine_gelu_backward(const float *x, const float *g, float *dx, long n);
#endif

#ifndef ENGINE_KERNELS_ALLOC_H
#define ENGINE_KERNELS_ALLOC_H
/// glibc: serve buffers up to 1 GB from the heap and never trim it, so freed activation buffers are
/// reused instead of being mmap-ed afresh (and page-faulted) on every allocation. No-op elsewhere.
void engine_configure_allocator(void);
/// `bytes` at a 64-byte aligned address, from plain malloc (64 bytes over-allocated, the malloc
/// pointer kept just below the result); NULL when out of memory. glibc's memalign instead splits
/// every block into aligned part and leftovers, so freed large buffers could not be reused as
/// whole blocks: the heap grew to about 3x the live size and new pages kept being faulted in.
void *engine_aligned_alloc(size_t bytes);
/// Frees a block from engine_aligned_alloc (NULL is ignored).
void engine_aligned_free(void *p);
#endif

#ifndef ENGINE_KERNELS_RELPOS_H
#define ENGINE_KERNELS_RELPOS_H
/// SAM's decomposed relative-position bias for query rows `r0 ..< r0 + n` of one attention item over an
/// `h × w` grid (N = h·w queries and keys): `out[r - r0][kh·w + kw] = zh[r][qh − kh + h − 1] + zw[r][qw − kw + w − 1]`
/// with (qh, qw) = (r / w, r % w); `zh` is `[N, 2h − 1]`, `zw` `[N, 2w − 1]`, `out` `[n, N]`.
void engine_relpos_bias_rows(const float *zh, const float *zw, long h, long w, long r0, long n, float *out);
/// Its gradient for the score-gradient rows `ds` `[n, N]` (rows r0 ..< r0 + n): sets
/// `dzh[r][qh − kh + h − 1] = Σ_kw ds[r − r0][kh·w + kw]` and adds `Σ_kh ds[r − r0][kh·w + kw]` into
/// `dzw[r][qw − kw + w − 1]` (dzw must start at zero).
void engine_relpos_bias_backward_rows(const float *ds, long h, long w, long r0, long n, float *dzh, float *dzw);
#endif

#ifndef ENGINE_KERNELS_ATTENTION_GEMM_H
#define ENGINE_KERNELS_ATTENTION_GEMM_H
/// The matrix products inside attention as AVX-512 register tiles (attention_gemm.c): row-major,
/// single-threaded, for one item at a time. 1 when they run here for value width `dv` (AVX-512 and
/// `dv` a positive multiple of 16), 0 when the caller must use BLAS.
int engine_attention_kernels_available(long dv);
/// Floats `engine_attention_pack_transposed` writes for `m` rows of width `d`.
long engine_attention_packed_count(long m, long d);
/// Packs `b [m × d]` (row stride `ldb`) as `bᵀ` in panels of 32 columns (zero past `m`), for
/// `engine_attention_scores`; `packed` holds `engine_attention_packed_count(m, d)` floats, 64-byte aligned.
void engine_attention_pack_transposed(const float *b, long m, long d, long ldb, float *packed);
/// Scores: `c [n × m] = alpha · a [n × d] · bᵀ`, plus `c` when `accumulate` (a bias written there
/// first); `packed` is `b [m × d]` packed by `engine_attention_pack_transposed`.
void engine_attention_scores(long n, long m, long d, float alpha, const float *a, long lda, const float *packed, float *c,
                             long ldc, int accumulate);
/// Weighted sum: `c [n × dv] = alpha · a [n × m] · b [m × dv]`, plus `c` when `accumulate`; `dv` a multiple of 16.
void engine_attention_apply(long n, long m, long dv, float alpha, const float *a, long lda, const float *b, long ldb, float *c,
                            long ldc, int accumulate);
/// Transposed product: `c [m × dv] = alpha · a [n × m]ᵀ · b [n × dv]`, plus `c` when `accumulate`;
/// `dv` a multiple of 16.
void engine_attention_transposed(long n, long m, long dv, float alpha, const float *a, long lda, const float *b, long ldb,
                                 float *c, long ldc, int accumulate);
#endif

#ifndef ENGINE_KERNELS_LAYERNORM_H
#define ENGINE_KERNELS_LAYERNORM_H
/// Layer normalisation of rows `r0 ..< r1` of `x [rows, d]`: `y = (x − mean) · rstd · w + b` (`w`, `b`
/// may be NULL), storing each row's `mean` and `rstd = 1 / √(biased variance + eps)`.
void engine_layernorm_forward_rows(const float *x, const float *w, const float *b, long d, long r0, long r1, float eps, float *y,
                                   float *mean, float *rstd);
/// The input gradient of rows `r0 ..< r1`: `dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))` with `ĝ = g · w`
/// (`w` may be NULL) and `x̂ = (x − mean) · rstd`.
void engine_layernorm_backward_rows(const float *x, const float *w, const float *mean, const float *rstd, const float *g, long d,
                                    long r0, long r1, float *dx);
/// Adds, for columns `j0 ..< j1`, `Σ_rows g · x̂` into `dw` and `Σ_rows g` into `db` (doubles, summed row
/// by row in the same order on every ISA path).
void engine_layernorm_param_grads(const float *x, const float *mean, const float *rstd, const float *g, long d, long rows, long j0,
                                  long j1, double *dw, double *db);
#endif

#ifndef ENGINE_KERNELS_BATCHNORM_H
#define ENGINE_KERNELS_BATCHNORM_H
/// Batch statistics of one channel: its `planes` planes of `n` floats, `stride` floats apart (NCHW:
/// `stride = C·H·W`). `mean` and the biased `var`, summed in double.
void engine_batchnorm_stats(const float *x, long planes, long stride, long n, double *mean, double *var);
/// `y = x · scale + shift` over `n` floats (the product rounded, then the sum); `y` may be `x`.
void engine_batchnorm_affine(const float *x, long n, float scale, float shift, float *y);
/// Adds `Σ g` to `sum_g` and `Σ g · x̂` to `sum_gx` over `n` floats, with `x̂ = x · scale + shift`.
void engine_batchnorm_grad_sums(const float *g, const float *x, long n, float scale, float shift, double *sum_g, double *sum_gx);
/// `dx = k · (g − a − x̂ · m)` over `n` floats, with `x̂ = x · scale + shift`; `dx` may be `g`.
void engine_batchnorm_input_grad(const float *g, const float *x, long n, float scale, float shift, float k, float a, float m,
                                 float *dx);
#endif

#ifndef ENGINE_KERNELS_DEPTHWISE_H
#define ENGINE_KERNELS_DEPTHWISE_H
/// One plane of a depthwise convolution: `y [Ho × Wo] = bias + Σ_ij k[i·KW + j] · x[oh·s − p + i·d, ow·s − p + j·d]`
/// over taps inside `x [H × W]`, added in `(i, j)` order.
void engine_depthwise_forward_plane(const float *x, long H, long W, const float *k, long KH, long KW, float bias, long s,
                                    long p, long d, float *y, long Ho, long Wo);
/// The input gradient of one plane: `dx [H × W]` (overwritten) from `g [Ho × Wo]`.
void engine_depthwise_input_grad_plane(const float *g, long Ho, long Wo, const float *k, long KH, long KW, long s, long p,
                                       long d, float *dx, long H, long W);
/// One channel's weight gradient `dw [KH·KW]` and bias gradient `*db` (either may be NULL) over `images`
/// planes (`x [H × W]` at `x + n·xStride`, `g [Ho × Wo]` at `g + n·gStride`); `lanes` is scratch of
/// `(KH·KW + 1)·Wo` floats.
void engine_depthwise_param_grads(const float *x, long xStride, const float *g, long gStride, long images, long H, long W,
                                  long KH, long KW, long s, long p, long d, long Ho, long Wo, float *dw, float *db,
                                  float *lanes);
#endif

#ifndef ENGINE_KERNELS_COLUMN_SUMS_H
#define ENGINE_KERNELS_COLUMN_SUMS_H
/// `out[j] = Σ_{i < m} g[i·ld + j]` for columns `j0 ..< j1`, each summed over the rows in order.
void engine_column_sums(const float *g, long m, long ld, long j0, long j1, float *out);
#endif

#ifndef ENGINE_KERNELS_TRANSPOSE_H
#define ENGINE_KERNELS_TRANSPOSE_H
/// `dst [cols × rows] = src [rows × cols]ᵀ`, both contiguous, for source rows `r0 ..< r1` (every column).
void engine_transpose(const float *src, long rows, long cols, long r0, long r1, float *dst);
#endif

#ifndef ENGINE_KERNELS_DEPTHWISE_NHWC_H
#define ENGINE_KERNELS_DEPTHWISE_NHWC_H
/// Depthwise conv on channels-last planes (`x [H, W, C]` of one image, `taps [KH·KW, C]`, `bias [C]`):
/// output row `oh`, `out [Wo, C]` (bias first, then taps in `(i, j)` order).
void engine_depthwise_nhwc_forward_row(const float *x, long H, long W, long C, const float *taps, const float *bias, long KH,
                                       long KW, long s, long p, long d, long oh, float *out, long Wo);
/// Input-gradient row `ih`, `din [W, C]` (overwritten), from `g [Ho, Wo, C]` of one image.
void engine_depthwise_nhwc_input_grad_row(const float *g, long Ho, long Wo, long C, const float *taps, long KH, long KW, long s,
                                          long p, long d, long ih, float *din, long W);
/// Adds the weight gradient (`acc [KH·KW, C]`, when `needW`) and bias gradient (`acc + KH·KW·C`, when `needB`) of
/// output rows `r0 ..< r1` (numbered over images: row = n·Ho + oh) of `g [B, Ho, Wo, C]` with `x [B, H, W, C]`.
void engine_depthwise_nhwc_param_grad_rows(const float *x, const float *g, long H, long W, long C, long KH, long KW, long s,
                                           long p, long d, long Ho, long Wo, long r0, long r1, float *acc, int needW, int needB);
#endif

#ifndef ENGINE_KERNELS_PACKED_GEMM_H
#define ENGINE_KERNELS_PACKED_GEMM_H
/// The packed GEMM (packed_gemm.c) runs here: 1 on AVX-512 CPUs, else 0 (use BLAS).
int engine_gemm_packed_available(void);
/// Packs `b [k × n]` (row-major, rows `ldb` apart) for `engine_gemm_packed`: 32-column panels of `k` rows,
/// missing columns zero, into `engine_attention_packed_count(n, k)` floats, 64-byte aligned. (`b [n × k]`
/// used transposed packs with `engine_attention_pack_transposed(b, n, k, ldb, packed)`.)
void engine_gemm_pack_rows(const float *b, long k, long n, long ldb, float *packed);
/// `c [rows × n] = alpha · a [rows × k] · B` (plus `bias [n]` on every row when not NULL, plus `c` when
/// `accumulate`), `B [k × n]` packed; rows of `a` `lda` apart, of `c` `ldc` apart. Single-threaded; AVX-512
/// only (`engine_gemm_packed_available`).
void engine_gemm_packed(long rows, long n, long k, float alpha, const float *a, long lda, const float *packed, float *c,
                        long ldc, int accumulate, const float *bias);
/// `C[:, j0 ..< j1] = alpha · A [m × k] · B[:, j0 ..< j1] (+ C when accumulate)` for a wide row-major `B [k × n]`
/// (pixels) and a small `A` (a 1×1 convolution's weight), `C [m × n]`: B is packed a block of 512 columns at
/// a time into `block` (`engine_gemm_wide_block_count(k)` floats, 64-byte aligned) and every row of C takes
/// it while it sits in L2; a large C is written with non-temporal stores (when C is 64-byte aligned with
/// rows a multiple of 16 floats apart), which needs `j0` to be a multiple of 16 (callers split at 512s).
/// AVX-512 only (`engine_gemm_packed_available`).
void engine_gemm_wide(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                      int accumulate, long j0, long j1, float *block);
/// Floats of `engine_gemm_wide`'s packing block for depth `k`.
long engine_gemm_wide_block_count(long k);
#endif

#ifndef ENGINE_KERNELS_ADAM_H
#define ENGINE_KERNELS_ADAM_H
/// One Adam step's constants (all float, as `Adam.step` computes them).
typedef struct {
    float oneMinusBeta1, beta2, oneMinusBeta2;
    /// √(1 − β2ᵗ), and lr / (1 − β1ᵗ).
    float biasCorrection2Sqrt, stepSize;
    float epsilon, weightDecay;
    /// 1 − lr·wd (AdamW's decoupled decay factor).
    float decoupledFactor;
    /// 1: AdamW (decay the weights), 0: Adam (add wd·w to the gradient).
    int decoupled;
} EngineAdamStep;
/// For `n` elements: g = grad (+ wd·w, or w *= 1 − lr·wd first when decoupled); m += (1 − β1)(g − m);
/// v = v·β2 + ((1 − β2)·g)·g; w += −stepSize · (m / (√v / √(1 − β2ᵗ) + ε)). Each operation rounded on its
/// own, in this order, on every path.
void engine_adam_update(float *w, const float *grad, float *m, float *v, long n, const EngineAdamStep *step);
#endif

#ifndef ENGINE_KERNELS_BF16_GEMM_H
#define ENGINE_KERNELS_BF16_GEMM_H
#include <stdint.h>
/// 1 when the CPU runs VDPBF16PS (AVX-512F and AVX512_BF16; 0 while engine_use_portable_kernels is set).
int engine_bf16_dot_available(void);
/// `x` rounded to bf16 (its upper 16 bits): round to nearest even, subnormals to a signed zero, NaN quiet.
uint16_t engine_bf16_round(float x);
/// Depth values `engine_gemm_bf16` sums per block, each block from zero (even).
long engine_gemm_bf16_depth(void);
/// bf16 values `engine_gemm_bf16_pack` writes for `op(B)` of `k × n`.
long engine_gemm_bf16_packed_count(long n, long k);
/// Rounds columns `j0 ..< j1` (`j0` a multiple of 32) of `op(B) [k × n]` to bf16 into 32-column panels of
/// depth pairs; `op(B)` is `b [k × n]` (row stride `ldb`), or `b [n × k]` transposed when `transposed`.
/// `packed` (64-byte aligned) holds `engine_gemm_bf16_packed_count(n, k)` values.
void engine_gemm_bf16_pack(const float *b, long n, long k, long ldb, int transposed, long j0, long j1, uint16_t *packed);
/// `c [rows × n] = alpha · bf16(a) [rows × k] · packed (+ bias [n] on every row) (+ c when accumulate)`, fp32
/// accumulation in VDPBF16PS's order (bf16_gemm.c). `path` 1: VDPBF16PS (only when
/// engine_bf16_dot_available), 0: the portable loop with the same bits. Single-threaded.
void engine_gemm_bf16(long rows, long n, long k, float alpha, const float *a, long lda, const uint16_t *packed, float *c,
                      long ldc, int accumulate, const float *bias, int path);
/// `engine_gemm_bf16` with A already rounded: `words [rows × ldw]`, word `p` of a row holding its depth values
/// 2p (low half) and 2p + 1 (high half) in bf16. The same bits as `engine_gemm_bf16` on the fp32 rows.
void engine_gemm_bf16_words(long rows, long n, long k, float alpha, const uint32_t *words, long ldw, const uint16_t *packed,
                            float *c, long ldc, int accumulate, const float *bias, int path);
/// The row stride (in words) `engine_gemm_bf16_pack_a_transposed` writes for depth `k`: the pairs, rounded up to 16.
long engine_gemm_bf16_word_stride(long k);
/// Rows `i0 ..< i1` of `aᵀ` for `a [k × m]` (row stride `lda`) as `engine_gemm_bf16_words`'s words, row `i` at
/// `words + (i − i0) · ldw`, zero past the depth: a weight gradient's `gᵀ` rounded and transposed in one pass.
void engine_gemm_bf16_pack_a_transposed(const float *a, long k, long lda, long i0, long i1, uint32_t *words, long ldw);
/// Runs `iterations` rounds of independent VDPBF16PS (16 lanes, 2 bf16 products each); the floating-point
/// operations performed (4 per lane), or 0 when the CPU lacks AVX512_BF16.
double engine_bf16_burn(long iterations);
#endif
