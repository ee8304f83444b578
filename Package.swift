// swift-tools-version: 6.0
import PackageDescription

// MARK: - Settings shared by every Swift target

/// Release builds use `-O` (whole-module): preconditions stay on, so a shape mismatch stops
/// with a message rather than corrupting memory. Hot loops avoid bounds checks by working on
/// unsafe buffer pointers instead.
let swiftSettings: [SwiftSetting] = []

let package = Package(
    name: "Glimpse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "glimpse", targets: ["glimpse"]),
        .library(name: "GlimpseTensor", targets: ["GlimpseTensor"]),
        .library(name: "GlimpseFiles", targets: ["GlimpseFiles"]),
        .library(name: "GlimpseDistributed", targets: ["GlimpseDistributed"]),
        .library(name: "GlimpseSerialization", targets: ["GlimpseSerialization"]),
        .library(name: "GlimpseNN", targets: ["GlimpseNN"]),
        .library(name: "GlimpseOptim", targets: ["GlimpseOptim"]),
        .library(name: "GlimpseImaging", targets: ["GlimpseImaging"]),
        .library(name: "GlimpseModels", targets: ["GlimpseModels"]),
        .library(name: "GlimpseStages", targets: ["GlimpseStages"]),
        .library(name: "GlimpseClassification", targets: ["GlimpseClassification"]),
        .library(name: "GlimpseRegistry", targets: ["GlimpseRegistry"]),
        .library(name: "GlimpsePipeline", targets: ["GlimpsePipeline"]),
        .library(name: "GlimpseTraining", targets: ["GlimpseTraining"]),
        .library(name: "GlimpseProposals", targets: ["GlimpseProposals"]),
        .library(name: "GlimpseDatasets", targets: ["GlimpseDatasets"]),
        .library(name: "GlimpseEvaluation", targets: ["GlimpseEvaluation"]),
        .library(name: "GlimpseDetection", targets: ["GlimpseDetection"]),
        .library(name: "GlimpseSegmentation", targets: ["GlimpseSegmentation"]),
        .library(name: "GlimpseCaptioning", targets: ["GlimpseCaptioning"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // MARK: - C libraries at the edge (one Swift file imports each)
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .systemLibrary(name: "CFileSystem", path: "Sources/CFileSystem"),
        // Open MPI: Debian puts mpi.h under /usr/lib/<arch>/openmpi/include, found through pkg-config.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "mpi-c", providers: [.apt(["libopenmpi-dev"])]),

        // MARK: - Public API
        .target(name: "GlimpseTensor", dependencies: ["CBLAS", "CMalloc"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(name: "GlimpseFiles", dependencies: ["CFileSystem"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(name: "GlimpseDistributed", dependencies: ["CMPI"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(name: "GlimpseSerialization", dependencies: ["GlimpseTensor", "GlimpseFiles"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(name: "GlimpseNN", dependencies: ["GlimpseTensor"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(name: "GlimpseOptim", dependencies: ["GlimpseTensor", "GlimpseNN"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(name: "GlimpseImaging", dependencies: ["GlimpseTensor", "GlimpseFiles", "CPNG", "CJPEG"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "GlimpseModels", dependencies: ["GlimpseTensor", "GlimpseSerialization", "GlimpseNN", "GlimpseImaging"],
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "GlimpseTraining",
            dependencies: ["GlimpseTensor", "GlimpseSerialization", "GlimpseNN", "GlimpseModels", "GlimpseOptim", "GlimpseDatasets", "GlimpseImaging",
                           "GlimpseDistributed"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        .target(name: "GlimpseStages", dependencies: ["GlimpseTensor", "GlimpseImaging"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "GlimpseProposals", dependencies: ["GlimpseTensor", "GlimpseImaging", "GlimpseStages"],
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "GlimpseClassification",
            dependencies: ["GlimpseTensor", "GlimpseSerialization", "GlimpseNN", "GlimpseModels", "GlimpseImaging", "GlimpseStages"],
            exclude: ["README.md"], swiftSettings: swiftSettings),
        // The runner: stages by protocol only, no model code (see docs/architecture.md).
        .target(
            name: "GlimpsePipeline",
            dependencies: [
                "GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseStages",
                "GlimpseFiles", .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        // The standard conformances, assembled outside the runner: a new model module is one line here.
        .target(
            name: "GlimpseRegistry",
            dependencies: ["GlimpseStages", "GlimpsePipeline", "GlimpseClassification", "GlimpseProposals", "GlimpseDetection", "GlimpseSegmentation",
                           "GlimpseCaptioning"],
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "GlimpseDatasets",
            dependencies: ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "CZlib"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        // Detection, segmentation and caption metrics, golden-tested against their references.
        .target(
            name: "GlimpseEvaluation",
            dependencies: ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseDatasets"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        // R-CNN and Fast R-CNN: the detector conformances, their networks, weights files and trainers.
        .target(
            name: "GlimpseDetection",
            dependencies: [
                "GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages",
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        // FCN and the per-pixel baseline: the segmenter conformances, their network, weights files and trainer.
        .target(
            name: "GlimpseSegmentation",
            dependencies: [
                "GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages", "GlimpseDetection",
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        // NIC and the nearest-neighbour baseline: the caption conformances, vocabulary, decoder network,
        // batched beam search, weights files and trainer; the CNN is a detector's fine-tuned trunk.
        .target(
            name: "GlimpseCaptioning",
            dependencies: [
                "GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages", "GlimpseDetection",
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "glimpse",
            dependencies: [
                "GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseNN", "GlimpseOptim",
                "GlimpseModels", "GlimpseTraining", "GlimpseImaging", "GlimpseStages", "GlimpsePipeline", "GlimpseProposals",
                "GlimpseClassification", "GlimpseRegistry", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseDetection",
                "GlimpseSegmentation", "GlimpseCaptioning", "GlimpseDistributed", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // MARK: - Benchmarks (run by Benchmarks/run.sh, never by the tests)
        .executableTarget(
            name: "glimpse-bench",
            dependencies: ["GlimpseTensor", "GlimpseSerialization", "GlimpseNN", "GlimpseModels", "GlimpseTraining", "GlimpseDetection",
                           "GlimpseSegmentation", "GlimpseCaptioning", "GlimpseImaging"],
            path: "Benchmarks/glimpse-bench",
            swiftSettings: swiftSettings),

        // MARK: - Tests
        .target(name: "GlimpseTestSupport", path: "Tests/GlimpseTestSupport"),
        .testTarget(name: "GlimpseTensorTests", dependencies: ["GlimpseTensor"]),
        .testTarget(name: "GlimpseFilesTests", dependencies: ["GlimpseFiles"]),
        .testTarget(name: "GlimpseSerializationTests", dependencies: ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization"]),
        .testTarget(name: "GlimpseNNTests", dependencies: ["GlimpseTensor", "GlimpseSerialization", "GlimpseNN", "GlimpseModels"], exclude: ["Golden"]),
        .testTarget(name: "GlimpseModelsTests", dependencies: ["GlimpseTensor", "GlimpseSerialization", "GlimpseNN", "GlimpseModels"]),
        .testTarget(name: "GlimpseOptimTests", dependencies: ["GlimpseTensor", "GlimpseNN", "GlimpseOptim"]),
        .testTarget(
            name: "GlimpsePipelineTests",
            dependencies: [
                "GlimpseTestSupport", "GlimpseTensor", "GlimpseFiles", "GlimpseNN", "GlimpseSerialization", "GlimpseImaging", "GlimpseStages", "GlimpsePipeline",
                "GlimpseModels", "GlimpseClassification", "GlimpseRegistry",
            ]),
        .testTarget(name: "GlimpseImagingTests", dependencies: ["GlimpseTensor", "GlimpseImaging"], exclude: ["Fixtures"]),
        .testTarget(
            name: "GlimpseProposalsTests", dependencies: ["GlimpseTensor", "GlimpseImaging", "GlimpseStages", "GlimpseProposals"]),
        .testTarget(
            name: "GlimpseTrainingTests",
            dependencies: ["GlimpseTestSupport", "GlimpseTensor", "GlimpseNN", "GlimpseSerialization", "GlimpseModels", "GlimpseOptim", "GlimpseDatasets", "GlimpseImaging", "GlimpseTraining"],
            exclude: ["Golden"]),
        .testTarget(
            name: "GlimpseDatasetsTests",
            dependencies: ["GlimpseTestSupport", "GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseDatasets"],
            exclude: ["pycocotools"]),
        .testTarget(
            name: "GlimpseEvaluationTests",
            dependencies: ["GlimpseTestSupport", "GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseDatasets", "GlimpseEvaluation"],
            exclude: ["reference"]),
        .testTarget(
            name: "GlimpseDetectionTests",
            dependencies: [
                "GlimpseTestSupport", "GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages", "GlimpseDetection",
            ]),
        .testTarget(
            name: "GlimpseSegmentationTests",
            dependencies: [
                "GlimpseTestSupport", "GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages", "GlimpseSegmentation",
                "GlimpseDetection",
            ]),
        .testTarget(
            name: "GlimpseCaptioningTests",
            dependencies: [
                "GlimpseTestSupport", "GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages", "GlimpseDetection",
                "GlimpseCaptioning",
            ]),
    ],
    swiftLanguageModes: [.v5]
)
