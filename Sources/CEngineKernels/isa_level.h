// Internal: the vector ISA the kernels dispatch to (defined in softmax.c), and the lane mask of a
// 16-float vector's leading part.
#ifndef ENGINE_ISA_LEVEL_H
#define ENGINE_ISA_LEVEL_H
/// 2: AVX-512, 1: AVX2 + FMA, 0: portable; honours engine_use_portable_kernels.
int engine_isa_level(void);

/// Mask of the first `lanes` of 16 (all 16 for `lanes >= 16`, none for `lanes <= 0`), as an AVX-512
/// `__mmask16`'s bits.
static inline unsigned short engine_lane_mask16(long lanes) {
    return lanes >= 16 ? (unsigned short)0xFFFF : lanes <= 0 ? (unsigned short)0 : (unsigned short)((1u << lanes) - 1);
}
#endif
