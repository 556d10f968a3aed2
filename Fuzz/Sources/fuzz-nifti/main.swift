import FuzzDriver
import FuzzEntryPoints

/// libFuzzer harness of `FuzzedReader.nifti` (built and run by scripts/fuzz).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { FuzzDriver.one(.nifti, data, size) }

@_cdecl("fuzz_nifti_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.main(argc, argv, fuzzOne)
}
