import CEngineKernels

/// The FMA peak probe (`engine_fma_burn`): independent single-precision FMAs with the widest vector
/// FMA the CPU supports, for `EngineBenchmark.fmaPeak`.
package enum FMAProbe {
    /// Width in floats of the vector FMA the probe runs (16, 8 or 1).
    package static var width: Int { Int(engine_fma_width()) }

    /// Runs `iterations` rounds on the calling thread; the floating-point operations performed
    /// (2 per lane per FMA).
    package static func burn(_ iterations: Int) -> Double { engine_fma_burn(iterations) }

    /// The same on VDPBF16PS (`engine_bf16_burn`: 4 operations per lane, two bf16 products added in
    /// fp32); 0 when the CPU lacks AVX512_BF16.
    package static func burnBF16(_ iterations: Int) -> Double { engine_bf16_burn(iterations) }
}
