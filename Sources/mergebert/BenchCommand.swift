import ArgumentParser
import Encoder
import Foundation

/// `mergebert bench`: performance measurements of the tool's components (not tests: numbers vary by machine).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of mergebert's components.",
        subcommands: [EncoderBenchmarkCommand.self, MergeBenchmarkCommand.self, ProcessBenchmarkCommand.self])

    /// `mergebert bench encoder`: load time, tokens per second and GFLOP/s of the encoder.
    struct EncoderBenchmarkCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encoder",
            abstract: "Measure the encoder: model load time, tokens/s and GFLOP/s at several batch sizes, and sgemm alone on the same shapes.",
            discussion: """
                Without --model the benchmark writes random weights of the given architecture (default: 4 layers, \
                width 256, 4 heads, ffn 1024, max_length 512, vocabulary 8192, about 21 MB) to a temporary \
                directory, times loading it, then times forward passes over random inputs whose four sequences \
                each have --sequence-length tokens. Build with -c release. Compare with \
                `python training/bench_torch.py --model DIR` after --keep-model DIR.
                """)

        @Option(help: "A model directory (config.json + model.safetensors) to measure instead of random weights.")
        var model: String?

        @Option(help: "Write the random model to this directory and keep it (for training/bench_torch.py).")
        var keepModel: String?

        @Option(help: "Layers of the random model.") var layers = 4
        @Option(help: "Width of the random model.") var width = 256
        @Option(help: "Attention heads of the random model.") var heads = 4
        @Option(help: "Feed-forward width of the random model.") var ffn = 1024
        @Option(help: "max_length of the random model.") var maxLength = 512
        @Option(help: "Vocabulary size of the random model.") var vocabulary = 8192

        @Option(help: "Tokens in each of the four sequences of an example (default: 256, at most the model's max_length).")
        var sequenceLength: Int?

        @Option(help: "Comma-separated batch sizes (examples per call).")
        var batchSizes = "1,8"

        @Option(help: "Timed iterations per measurement (after one warm-up).")
        var iterations = 10

        @Flag(help: "Print the results as JSON.")
        var json = false

        func validate() throws {
            guard parsedBatchSizes.count > 0, parsedBatchSizes.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--batch-sizes must be a comma-separated list of positive numbers")
            }
            guard (sequenceLength ?? 1) > 0, iterations > 0 else {
                throw ValidationError("--sequence-length and --iterations must be positive")
            }
        }

        private var parsedBatchSizes: [Int] {
            batchSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }

        func run() throws {
            let directory: URL
            var temporary: URL?
            if let model {
                directory = URL(fileURLWithPath: model)
            } else {
                let configuration = EncoderConfiguration(
                    vocabularySize: vocabulary, layers: layers, width: width, heads: heads,
                    feedForwardWidth: ffn, maximumLength: maxLength)
                try configuration.validate()
                if let keepModel {
                    directory = URL(fileURLWithPath: keepModel)
                } else {
                    directory = FileManager.default.temporaryDirectory.appendingPathComponent("mergebert-bench-\(UUID().uuidString)")
                    temporary = directory
                }
                try EncoderBenchmark.writeRandomModel(configuration: configuration, to: directory)
            }
            defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }

            let fileBytes = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("model.safetensors").path)[.size] as? Int) ?? 0
            let loadSeconds = try EncoderBenchmark.measureLoad(directory: directory)
            let encoderModel = try MergeEncoderModel(directory: directory)
            let configuration = encoderModel.configuration
            let sequenceLength = self.sequenceLength ?? min(256, configuration.maximumLength)
            guard sequenceLength <= configuration.maximumLength else {
                throw ValidationError("--sequence-length \(sequenceLength) exceeds the model's max_length \(configuration.maximumLength)")
            }
            let results = try parsedBatchSizes.map {
                try EncoderBenchmark.measureThroughput(model: encoderModel, batchSize: $0, sequenceLength: sequenceLength, iterations: iterations)
            }

            if json {
                struct Report: Encodable {
                    let configuration: EncoderConfiguration
                    let sequenceLength: Int
                    let modelBytes: Int
                    let loadSeconds: Double
                    let tensorsCopiedAtLoad: Int
                    let results: [EncoderBenchmark.Throughput]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let report = Report(configuration: configuration, sequenceLength: sequenceLength, modelBytes: fileBytes,
                                    loadSeconds: loadSeconds, tensorsCopiedAtLoad: encoderModel.copiedTensorCount, results: results)
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }

            print("encoder: layers \(configuration.layers), width \(configuration.width), heads \(configuration.heads), ffn \(configuration.feedForwardWidth), max_length \(configuration.maximumLength), vocab \(configuration.vocabularySize), norm \(configuration.normPlacement.rawValue); 1 BLAS thread")
            print("inputs: 4 sequences x \(sequenceLength) tokens per example, random ids; median of \(iterations) runs after a warm-up")
            print("tokens/s and GFLOP/s at the median wall time; cpu ms is the thread's CPU time (steadier on a busy machine);")
            print("sgemm-only replays the pass's matrix products alone through cblas_sgemm; ratio = GFLOP/s / sgemm-only")
            print(String(format: "load: %.2f ms for a %.1f MB safetensors file (%d tensors copied, the rest used in place)",
                         loadSeconds * 1000, Double(fileBytes) / 1e6, encoderModel.copiedTensorCount))
            print("batch  tokens   median ms   best ms   cpu ms   tokens/s   GFLOP/s   sgemm-only GFLOP/s   ratio")
            for result in results {
                print(String(format: "%5d  %6d  %10.2f  %8.2f  %7.2f  %9.0f  %8.1f  %19.1f  %6.2f",
                             result.batchSize, result.tokens, result.medianSeconds * 1000, result.bestSeconds * 1000,
                             result.medianCPUSeconds * 1000,
                             result.tokensPerSecond, result.gigaflopsPerSecond, result.matrixProductGigaflopsPerSecond,
                             result.gigaflopsPerSecond / result.matrixProductGigaflopsPerSecond))
            }
        }
    }
}
