// swift-tools-version:6.0
// The libFuzzer harnesses of aims, one per reader (docs/RELIABILITY.md). Not part of the aims package:
// `scripts/fuzz` builds them with `-sanitize=fuzzer,address` (lld links them) and runs them.
import PackageDescription

let readers = ["image", "dicom", "nifti", "flir", "tensors", "plugin", "manifest"]

let package = Package(
    name: "aims-fuzz",
    dependencies: [.package(name: "aims", path: "..")],
    targets: [
        // The entry point every harness shares (libFuzzer's driver called from SwiftPM's renamed `main`).
        .target(name: "FuzzDriver", dependencies: [.product(name: "FuzzEntryPoints", package: "aims")]),
    ] + readers.map { reader in
        .executableTarget(name: "fuzz-\(reader)", dependencies: ["FuzzDriver", .product(name: "FuzzEntryPoints", package: "aims")],
                          path: "Sources/fuzz-\(reader)", swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
