// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-mergebert",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mergebert", targets: ["mergebert"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: module maps only; the -dev packages come from scripts/install-deps.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2",
                       providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // Pure merge engine: tokenizer, sequence diff, three-way merge, markers, patterns.
        .target(name: "MergeCore"),
        // libgit2 wrapper: merge_file, repositories, index stages, config.
        .target(name: "GitBridge", dependencies: ["CLibGit2", "MergeCore"]),
        // Tensors on CBLAS, safetensors, the Transformer encoder.
        .target(name: "Encoder", dependencies: ["COpenBLAS"]),
        // The pipeline: line merge, token merge, decision, rendering, report.
        .target(name: "Resolver", dependencies: ["MergeCore", "GitBridge", "Encoder"]),
        // Replaying merge histories: locating developers' resolutions, metrics, eval and mine.
        .target(name: "History", dependencies: ["Resolver", "GitBridge", "MergeCore", "Encoder"]),
        .executableTarget(name: "mergebert", dependencies: [
            "Resolver", "GitBridge", "MergeCore", "Encoder", "History",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Seeded random inputs and git helpers shared by the test targets.
        .target(name: "TestSupport", dependencies: ["MergeCore", "Encoder"], path: "Tests/TestSupport"),
        .testTarget(name: "MergeCoreTests", dependencies: ["MergeCore", "GitBridge", "TestSupport"]),
        .testTarget(name: "GitBridgeTests", dependencies: ["GitBridge", "MergeCore"]),
        .testTarget(name: "EncoderTests", dependencies: ["Encoder"]),
        .testTarget(name: "ResolverTests", dependencies: ["Resolver", "MergeCore", "GitBridge", "TestSupport"]),
        .testTarget(name: "HistoryTests", dependencies: ["History", "Resolver", "MergeCore", "GitBridge", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["mergebert", "MergeCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
