// swift-tools-version:6.0
// aims: SimCMF cross-modal fine-tuning of the Segment Anything family, in Swift, on the CPU.
// Layering (see docs/ARCHITECTURE.md): C module maps -> Tensor -> ImageIO / Transforms -> Modalities;
// Tensor -> SimCMF; Modalities + SimCMF -> AIMS -> aims-cli. SimCMF never imports Modalities and
// Modalities never imports SimCMF.
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "aims",
    products: [
        .executable(name: "aims", targets: ["aims-cli"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "ImageIO", targets: ["ImageIO"]),
        .library(name: "Transforms", targets: ["Transforms"]),
        .library(name: "Modalities", targets: ["Modalities"]),
        .library(name: "SimCMF", targets: ["SimCMF"]),
        .library(name: "AIMS", targets: ["AIMS"]),
    ],
    targets: [
        // System libraries (Debian packages), one module map and one header shim each.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libjpeg-turbo: NYUDepthv2 (RGB/HHA) and IVRG RGB-NIR ship JPEGs.
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        // C shims that keep libpng's and libjpeg's longjmp and libtiff's error handlers away from Swift frames.
        .target(name: "CCodecShims", dependencies: ["CPNG", "CTIFF", "CJPEG"]),
        // GDCM (libgdcm-dev, C++) behind a C API: DICOM JPEG, JPEG-LS (CharLS) and JPEG 2000 (OpenJPEG) frames.
        .target(name: "CGDCMShim", cxxSettings: [.unsafeFlags(["-I/usr/include/gdcm-3.0"])],
                linkerSettings: [.linkedLibrary("gdcmMSFF"), .linkedLibrary("gdcmDSED"), .linkedLibrary("gdcmCommon"),
                                 .linkedLibrary("stdc++")]),
        // Vectorised C kernels of the engine (Tensor): softmax, norms, GEMM tiles, the FMA peak probe.
        .target(name: "CEngineKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // Vectorised C kernels of image physics (Transforms): polarization demosaicing and Stokes math.
        .target(name: "CPhysicsKernels", cSettings: [.unsafeFlags(["-O2"])]),

        .target(name: "Tensor", dependencies: ["COpenBLAS", "CEngineKernels"], swiftSettings: optimize),
        .target(name: "ImageIO", dependencies: ["Tensor", "CCodecShims", "CGDCMShim", "CPNG", "CTIFF", "CZlib"], swiftSettings: optimize),
        .target(name: "Transforms", dependencies: ["Tensor", "CPhysicsKernels"], swiftSettings: optimize),
        .target(name: "Modalities", dependencies: ["Tensor", "ImageIO", "Transforms"], swiftSettings: optimize),
        .target(name: "SimCMF", dependencies: ["Tensor"], swiftSettings: optimize),
        .target(name: "AIMS", dependencies: ["Modalities", "SimCMF", "ImageIO", "Transforms", "Tensor"], swiftSettings: optimize),
        .executableTarget(name: "aims-cli", dependencies: ["AIMS", "Modalities", "SimCMF", "ImageIO", "Transforms", "Tensor"],
                          swiftSettings: optimize),

        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestComparisons"]),
        .testTarget(name: "TensorFileTests", dependencies: ["Tensor", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "AIMS", "Tensor", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "LayeringTests", dependencies: []),
        .testTarget(name: "TestComparisonsTests", dependencies: ["TestComparisons", "Tensor"]),
        .testTarget(name: "AIMSTests", dependencies: ["AIMS", "Modalities", "Transforms", "SimCMF", "ImageIO", "Tensor", "TestDatasets", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "TransformsTests", dependencies: ["Transforms", "Tensor", "TestComparisons"]),
        .testTarget(name: "SimCMFTests", dependencies: ["SimCMF", "Tensor", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "TinyViTTests", dependencies: ["SimCMF", "Tensor", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "SimCMFTrainingTests", dependencies: ["SimCMF", "Tensor", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "ModalitiesTests", dependencies: ["Modalities", "ImageIO", "Transforms", "Tensor", "TestComparisons", "TestRequirements"]),
        // Test support shared by test targets (a synthetic dataset folder); not a product.
        .target(name: "TestDatasets", dependencies: ["ImageIO", "Tensor"], path: "Tests/Support/TestDatasets"),
        // The one numeric comparison every test target uses (NaN and infinity never pass by accident).
        .target(name: "TestComparisons", dependencies: ["Tensor"], path: "Tests/Support/TestComparisons"),
        // Test support: skip or fail (under `make test`) when something the project provides is missing.
        .target(name: "TestRequirements", dependencies: ["SimCMF"], path: "Tests/Support/TestRequirements"),
        // Runs the built `aims` executable end to end.
        .testTarget(name: "CLITests", dependencies: ["aims-cli", "ImageIO", "SimCMF", "Tensor", "TestDatasets", "TestComparisons", "TestRequirements"]),
    ],
    swiftLanguageModes: [.v6]
)
