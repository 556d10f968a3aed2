// swift-tools-version:6.0
// aims: SimCMF cross-modal fine-tuning of the Segment Anything family, in Swift, on the CPU.
// Layering (see docs/ARCHITECTURE.md): C module maps -> TensorCore (the array type and its ops) ->
// TensorFiles (tensor files) and TensorKernels (the engine's kernels, the only Swift owner of OpenBLAS
// and of all but the allocator and transpose of CEngineKernels) -> Autodiff (Variable, layers, losses,
// optimisers) -> EngineBench; tensor targets -> ImageIO / Transforms -> Modalities; Autodiff -> SimCMF;
// Modalities + SimCMF -> AIMS -> aims-cli. SimCMF never imports Modalities and Modalities never imports SimCMF.
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "aims",
    products: [
        .executable(name: "aims", targets: ["aims-cli"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "TensorFiles", targets: ["TensorFiles"]),
        .library(name: "TensorKernels", targets: ["TensorKernels"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "EngineBench", targets: ["EngineBench"]),
        .library(name: "ImageIO", targets: ["ImageIO"]),
        .library(name: "Transforms", targets: ["Transforms"]),
        .library(name: "Modalities", targets: ["Modalities"]),
        .library(name: "Distributed", targets: ["Distributed"]),
        .library(name: "SimCMF", targets: ["SimCMF"]),
        .library(name: "AIMS", targets: ["AIMS"]),
        // The readers as the fuzz harnesses (Fuzz/, scripts/fuzz) and their regression tests call them.
        .library(name: "FuzzEntryPoints", targets: ["FuzzEntryPoints"]),
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
        .target(name: "CGDCMShim", cxxSettings: [.unsafeFlags(["-I/usr/include/gdcm-3.0", "-I/usr/include/openjpeg-2.5"])],
                linkerSettings: [.linkedLibrary("gdcmMSFF"), .linkedLibrary("gdcmDSED"), .linkedLibrary("gdcmCommon"), .linkedLibrary("charls"), .linkedLibrary("openjp2"),
                                 .linkedLibrary("stdc++")]),
        // Open MPI behind a C API, dlopen()ed only when an MPI launcher started the process (no link, no header).
        .target(name: "CMPIShim"),
        // Vectorised C kernels of the engine (TensorKernels; TensorCore uses only its allocator and transpose):
        // softmax, norms, GEMM tiles, the FMA peak probe.
        .target(name: "CEngineKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // Vectorised C kernels of image physics (Transforms): polarization demosaicing and Stokes math.
        .target(name: "CPhysicsKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // SHA-256 compression for AIMS's file fingerprints: the x86 SHA extensions where present, portable C elsewhere.
        .target(name: "CDigest", cSettings: [.unsafeFlags(["-O2"])]),

        // The tensor engine, one target per responsibility (docs/ARCHITECTURE.md, "Targets").
        .target(name: "TensorCore", dependencies: ["CEngineKernels"], swiftSettings: optimize),
        .target(name: "TensorFiles", dependencies: ["TensorCore"], swiftSettings: optimize),
        .target(name: "TensorKernels", dependencies: ["TensorCore", "COpenBLAS", "CEngineKernels"], swiftSettings: optimize),
        .target(name: "Autodiff", dependencies: ["TensorCore", "TensorKernels"], swiftSettings: optimize),
        .target(name: "EngineBench", dependencies: ["TensorCore", "TensorKernels", "Autodiff"], swiftSettings: optimize),
        // Data-parallel jobs: the Communicator (one process, or Open MPI's ranks), rank-order sums, replica checks.
        .target(name: "Distributed", dependencies: ["TensorCore", "CMPIShim"], swiftSettings: optimize),

        .target(name: "ImageIO", dependencies: ["TensorCore", "TensorFiles", "CCodecShims", "CGDCMShim", "CPNG", "CTIFF", "CZlib"],
                swiftSettings: optimize),
        .target(name: "Transforms", dependencies: ["TensorCore", "TensorKernels", "CPhysicsKernels"], swiftSettings: optimize),
        .target(name: "Modalities", dependencies: ["TensorCore", "TensorFiles", "ImageIO", "Transforms"], swiftSettings: optimize),
        .target(name: "SimCMF", dependencies: ["TensorCore", "TensorFiles", "TensorKernels", "Autodiff", "Distributed"], swiftSettings: optimize),
        .target(name: "AIMS", dependencies: ["Modalities", "SimCMF", "ImageIO", "Transforms", "TensorCore", "TensorFiles", "Autodiff", "Distributed", "CDigest"],
                swiftSettings: optimize),
        .target(name: "FuzzEntryPoints", dependencies: ["AIMS", "Modalities", "ImageIO", "TensorFiles", "Transforms"]),
        .executableTarget(name: "aims-cli", dependencies: ["AIMS", "Modalities", "SimCMF", "ImageIO", "Transforms", "TensorCore",
                                                           "TensorFiles", "Autodiff", "EngineBench", "Distributed"],
                          swiftSettings: optimize),

        .testTarget(name: "TensorTests", dependencies: ["TensorCore", "TensorKernels", "Autodiff", "TestComparisons", "CEngineKernels"]),
        .testTarget(name: "TensorFileTests", dependencies: ["TensorCore", "TensorFiles", "TestRequirements"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "AIMS", "TensorCore", "TensorFiles", "TensorKernels", "TestRequirements"]),
        .testTarget(name: "LayeringTests", dependencies: []),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "TensorCore"]),
        .testTarget(name: "TestComparisonsTests", dependencies: ["TestComparisons", "TensorCore"]),
        .testTarget(name: "AIMSTests", dependencies: ["AIMS", "FuzzEntryPoints", "Modalities", "Transforms", "SimCMF", "ImageIO", "TensorCore", "TensorFiles", "TensorKernels", "TestDatasets", "TestRequirements", "CDigest"]),
        .testTarget(name: "TransformsTests", dependencies: ["Transforms", "TensorCore", "TensorFiles", "TensorKernels", "TestComparisons"]),
        .testTarget(name: "SimCMFTests", dependencies: ["SimCMF", "TensorCore", "TensorFiles", "TensorKernels", "Autodiff", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "TinyViTTests", dependencies: ["SimCMF", "TensorCore", "TensorFiles", "TensorKernels", "Autodiff", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "SimCMFTrainingTests", dependencies: ["SimCMF", "Distributed", "TensorCore", "TensorFiles", "TensorKernels", "Autodiff", "TestComparisons", "TestRequirements"]),
        .testTarget(name: "ModalitiesTests", dependencies: ["Modalities", "ImageIO", "Transforms", "TensorCore", "TensorFiles", "TensorKernels", "Autodiff", "TestComparisons", "TestRequirements"]),
        // Test support shared by test targets (a synthetic dataset folder); not a product.
        .target(name: "TestDatasets", dependencies: ["ImageIO", "TensorCore", "TensorFiles"], path: "Tests/Support/TestDatasets"),
        // The one numeric comparison the numeric test targets use (NaN and infinity never pass by accident).
        .target(name: "TestComparisons", dependencies: ["TensorCore"], path: "Tests/Support/TestComparisons"),
        // Test support: skip or fail (under `make test`) when something the project provides is missing.
        .target(name: "TestRequirements", dependencies: ["SimCMF", "TensorCore", "TensorFiles"], path: "Tests/Support/TestRequirements"),
        // Runs the built `aims` executable end to end.
        .testTarget(name: "CLITests", dependencies: ["aims-cli", "ImageIO", "SimCMF", "TensorCore", "TensorFiles", "TensorKernels", "Autodiff", "TestDatasets", "TestRequirements", "Transforms"]),
    ],
    swiftLanguageModes: [.v6]
)
