import Foundation

/// The one size limit every reader of aims applies before it allocates: the most bytes that one decoded
/// array (an image page, a volume, a tensor as `Float`) or one decompressed stream (gzip, zlib, deflate) may
/// take. A file that declares more is refused with a typed error naming the file and the field, so a 1 KB
/// file declaring a 100,000 x 100,000 image, or a gzip bomb, costs no memory (docs/RELIABILITY.md, "Limits").
///
/// Default 2 GiB; the environment variable `AIMS_MAX_DECODED_MB` (a whole number of MiB, ≥ 1) overrides it
/// for the whole process, e.g. `AIMS_MAX_DECODED_MB=8192 aims inspect huge.nii.gz`. A value that is not a
/// positive whole number is ignored (the default applies) and `environmentProblem` says why.
public enum ReadLimits {
    /// The environment variable that sets `maxDecodedBytes`, in MiB.
    public static let environmentVariable = "AIMS_MAX_DECODED_MB"
    /// 2 GiB.
    public static let defaultMaxDecodedBytes = 2 << 30

    /// The limit in bytes: `AIMS_MAX_DECODED_MB` × 2^20 when it is set to a positive whole number, else
    /// `defaultMaxDecodedBytes`. Read once per process.
    public static let maxDecodedBytes: Int = parse(ProcessInfo.processInfo.environment[environmentVariable]).bytes

    /// Why `AIMS_MAX_DECODED_MB` was ignored, or nil when it is unset or valid.
    public static let environmentProblem: String? = parse(ProcessInfo.processInfo.environment[environmentVariable]).problem

    /// The limit a value of `AIMS_MAX_DECODED_MB` gives (nil: unset), and why it was refused if it was.
    public static func parse(_ text: String?) -> (bytes: Int, problem: String?) {
        guard let text else { return (defaultMaxDecodedBytes, nil) }
        guard let mb = Int(text.trimmingCharacters(in: .whitespaces)), mb >= 1, mb <= Int.max >> 20 else {
            return (defaultMaxDecodedBytes, "\(environmentVariable)=\(text): expected a whole number of MiB ≥ 1; using \(defaultMaxDecodedBytes >> 20)")
        }
        return (mb << 20, nil)
    }

    /// `count * bytesPerElement`, or nil when the product overflows or exceeds `limit`.
    public static func checkedBytes(count: Int, bytesPerElement: Int, limit: Int = maxDecodedBytes) -> Int? {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: bytesPerElement)
        return overflow || bytes > limit ? nil : bytes
    }

    /// Text for messages: "2048 MiB (AIMS_MAX_DECODED_MB)".
    public static func describe(_ limit: Int = maxDecodedBytes) -> String {
        "\(limit >> 20) MiB (\(environmentVariable))"
    }
}
