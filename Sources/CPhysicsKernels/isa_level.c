// The run-time ISA choice of the physics kernels. The same CPU test as the engine's
// (Sources/CEngineKernels/softmax.c), kept here so this target links nothing of the engine:
// a physics test that forces the portable path does not change which engine kernels run.
#include "physics_kernels.h"
#include "isa_level.h"

static int forced_level = -1;

void physics_use_portable_kernels(int on) { forced_level = on == 0 ? -1 : (on == 2 ? 1 : 0); }

int physics_isa_level(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") ? 2 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
    }
    return forced_level >= 0 && forced_level < cached ? forced_level : cached;
}
