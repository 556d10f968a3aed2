import FuzzEntryPoints

/// libFuzzer's driver: runs the fuzzing loop (or replays files) with the given per-input callback.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

public enum FuzzDriver {
    /// One input: `reader.consume` on a copy of the bytes; typed errors are the expected outcome of most
    /// inputs and are ignored. A crash, an ASan report, a hang past `-timeout` or an allocation past
    /// `-rss_limit_mb` is what libFuzzer reports.
    public static func one(_ reader: FuzzedReader, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do { try reader.consume(bytes, file: "fuzz-input") } catch {}
        return 0
    }

    /// The process entry: SwiftPM names an executable's `main` `<target>_main`; each harness defines that
    /// symbol and hands its callback (also exported as `LLVMFuzzerTestOneInput`) to libFuzzer here.
    public static func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                            _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, callback)
    }
}
