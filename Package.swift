// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-mergebert",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mergebert", targets: ["mergebert"]),
        .executable(name: "mergebert-driver", targets: ["mergebert-driver"]),
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
        // What the driver needs before anything heavy loads: its command line, the git operation running it,
        // plain file IO, the clean line merge. No Foundation, libgit2 or OpenBLAS.
        .target(name: "DriverCore", dependencies: ["MergeCore"]),
        // libgit2 wrapper: merge_file, repositories, index stages, config.
        .target(name: "GitBridge", dependencies: ["CLibGit2", "MergeCore", "DriverCore"]),
        // Tensors on CBLAS, safetensors, the Transformer encoder.
        .target(name: "Encoder", dependencies: ["COpenBLAS"]),
        // The pipeline: line merge, token merge, decision, rendering, report.
        .target(name: "Resolver", dependencies: ["MergeCore", "GitBridge", "Encoder"]),
        // Replaying merge histories: locating developers' resolutions, metrics, eval and mine.
        .target(name: "History", dependencies: ["Resolver", "GitBridge", "MergeCore", "Encoder"]),
        // The driver git runs for every file both sides changed: clean merges here, the rest through `mergebert driver`.
        // Linked statically, Swift runtime and C library included: no dynamic loading at each of its many starts.
        .executableTarget(name: "mergebert-driver", dependencies: ["DriverCore", "MergeCore"],
                          linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux], configuration: .release))]),
        .executableTarget(name: "mergebert", dependencies: [
            "Resolver", "GitBridge", "MergeCore", "Encoder", "History", "DriverCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "--start-group", "-Xlinker", "-lFoundation", "-Xlinker", "-lFoundationInternationalization", "-Xlinker", "-lFoundationEssentials", "-Xlinker", "-lCoreFoundation", "-Xlinker", "-l_FoundationICU", "-Xlinker", "-l_FoundationCShims", "-Xlinker", "-l_FoundationCollections", "-Xlinker", "-lswiftSynchronization", "-Xlinker", "-lstdc++", "-Xlinker", "--end-group"], .when(platforms: [.linux], configuration: .release))]),

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
