// Internal: the vector ISA the physics kernels dispatch to (defined in isa_level.c).
#ifndef PHYSICS_ISA_LEVEL_H
#define PHYSICS_ISA_LEVEL_H
/// 2: AVX-512, 1: AVX2 + FMA, 0: portable; honours physics_use_portable_kernels.
int physics_isa_level(void);
#endif
