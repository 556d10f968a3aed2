// Internal: the vector ISA the kernels dispatch to (defined in softmax.c).
#ifndef ENGINE_ISA_LEVEL_H
#define ENGINE_ISA_LEVEL_H
/// 2: AVX-512, 1: AVX2 + FMA, 0: portable; honours engine_use_portable_kernels.
int engine_isa_level(void);
#endif
