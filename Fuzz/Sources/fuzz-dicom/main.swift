import FuzzDriver
import FuzzEntryPoints

/// libFuzzer harness of `FuzzedReader.dicom` (built and run by scripts/fuzz).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { FuzzDriver.one(.dicom, data, size) }

@_cdecl("fuzz_dicom_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.main(argc, argv, fuzzOne)
}
