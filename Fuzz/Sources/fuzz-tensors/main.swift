import FuzzDriver
import FuzzEntryPoints

/// libFuzzer harness of `FuzzedReader.tensors` (built and run by scripts/fuzz).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { FuzzDriver.one(.tensors, data, size) }

@_cdecl("fuzz_tensors_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.main(argc, argv, fuzzOne)
}
