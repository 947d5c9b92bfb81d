import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measurements behind `mergebert bench encoder`: load time, forward-pass throughput, and the
/// throughput of the forward pass's matrix products alone (the ceiling the encoder can approach).
///
/// Speed does not depend on weight values, so the benchmark uses random weights written to a real
/// safetensors file; `training/bench_torch.py` can read the same directory.
public enum EncoderBenchmark {
    /// The architecture measured by default: 4 layers, width 256, 4 heads, ffn 1024, max_length 512,
    /// with an 8192-token vocabulary, which makes a float32 weights file of about 21 MB.
    public static let defaultConfiguration = EncoderConfiguration(
        vocabularySize: 8192, layers: 4, width: 256, heads: 4, feedForwardWidth: 1024, maximumLength: 512)

    /// One batch size's results.
    public struct Throughput: Sendable, Codable {
        public var batchSize: Int
        /// Real tokens per forward pass (four sequences per example).
        public var tokens: Int
        public var medianSeconds: Double
        public var bestSeconds: Double
        /// CPU time of the calling thread, median. With one BLAS thread all work runs there, so on a
        /// shared machine this is the steadier number: it leaves out time spent descheduled.
        public var medianCPUSeconds: Double
        /// Tokens per second at the median time.
        public var tokensPerSecond: Double
        /// Matrix-product FLOPs per second at the median time.
        public var gigaflopsPerSecond: Double
        /// The same matrix products replayed through `cblas_sgemm` alone, median.
        public var matrixProductGigaflopsPerSecond: Double
    }

    /// Multiply-add FLOPs (two per multiply-accumulate) of one forward pass over sequences of these lengths.
    public static func flops(configuration: EncoderConfiguration, sequenceLengths: [Int]) -> Double {
        let width = Double(configuration.width), ffn = Double(configuration.feedForwardWidth)
        let perToken = 2 * (3 * width * width + width * width + 2 * width * ffn)
        return sequenceLengths.reduce(0) { total, length in
            let length = Double(length)
            return total + Double(configuration.layers) * (length * perToken + 4 * length * length * width)
        }
    }

    /// Random weights with the names and shapes `configuration` requires (uniform, scaled by fan-in).
    public static func randomWeights(configuration: EncoderConfiguration, seed: UInt64 = 1) -> SafeTensorsWriter {
        var generator = BenchmarkRandom(state: seed)
        var writer = SafeTensorsWriter()
        writer.metadata = ["format": "pt", "source": "mergebert bench encoder (random weights)"]
        let width = configuration.width, ffn = configuration.feedForwardWidth
        func random(_ name: String, _ shape: [Int], scale: Float) {
            let count = shape.reduce(1, *)
            writer.add(name, shape: shape, values: (0..<count).map { _ in generator.nextFloat() * scale })
        }
        func constant(_ name: String, _ shape: [Int], _ value: Float) {
            writer.add(name, shape: shape, values: [Float](repeating: value, count: shape.reduce(1, *)))
        }
        func norm(_ prefix: String) {
            constant("\(prefix).weight", [width], 1)
            constant("\(prefix).bias", [width], 0)
        }
        random("embeddings.token.weight", [configuration.vocabularySize, width], scale: 1)
        random("embeddings.position.weight", [configuration.maximumLength, width], scale: 1)
        random("embeddings.edit_type.weight", [configuration.editTypes, width], scale: 1)
        if configuration.normPlacement == .post { norm("embeddings.norm") } else { norm("final_norm") }
        for layer in 0..<configuration.layers {
            let prefix = "layers.\(layer)"
            random("\(prefix).attention.qkv.weight", [3 * width, width], scale: 1 / Float(width).squareRoot())
            random("\(prefix).attention.qkv.bias", [3 * width], scale: 0.1)
            random("\(prefix).attention.output.weight", [width, width], scale: 1 / Float(width).squareRoot())
            random("\(prefix).attention.output.bias", [width], scale: 0.1)
            norm("\(prefix).attention_norm")
            random("\(prefix).feed_forward.up.weight", [ffn, width], scale: 1 / Float(width).squareRoot())
            random("\(prefix).feed_forward.up.bias", [ffn], scale: 0.1)
            random("\(prefix).feed_forward.down.weight", [width, ffn], scale: 1 / Float(ffn).squareRoot())
            random("\(prefix).feed_forward.down.bias", [width], scale: 0.1)
            norm("\(prefix).feed_forward_norm")
        }
        constant("sequence_weights", [EncoderInput.sequenceCount], 1)
        random("classifier.weight", [configuration.labels.count, width], scale: 1 / Float(width).squareRoot())
        constant("classifier.bias", [configuration.labels.count], 0)
        return writer
    }

    /// Writes `config.json` and `model.safetensors` with random weights into `directory`.
    public static func writeRandomModel(configuration: EncoderConfiguration, to directory: URL, seed: UInt64 = 1) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try configuration.json().write(to: directory.appendingPathComponent("config.json"))
        try randomWeights(configuration: configuration, seed: seed).write(to: directory.appendingPathComponent("model.safetensors"))
    }

    /// Random examples whose four sequences all have `sequenceLength` tokens, with the side features the
    /// configuration names.
    public static func randomInputs(configuration: EncoderConfiguration, count: Int, sequenceLength: Int, seed: UInt64 = 2) -> [EncoderInput] {
        var generator = BenchmarkRandom(state: seed)
        return (0..<count).map { _ in
            EncoderInput(
                tokenIDs: (0..<EncoderInput.sequenceCount).map { _ in
                    (0..<sequenceLength).map { _ in Int32(4 + generator.next() % UInt64(configuration.vocabularySize - 4)) }
                },
                editTypes: (0..<EncoderInput.sequenceCount).map { _ in
                    (0..<sequenceLength).map { _ in Int32(1 + generator.next() % UInt64(max(1, configuration.editTypes - 1))) }
                },
                // Side features as the resolver writes them: small values, most of them zero.
                features: configuration.features.map { _ in generator.next() % 3 == 0 ? Float(generator.next() % 1000) / 500 : 0 })
        }
    }

    /// Best wall time of opening a model directory, in seconds.
    public static func measureLoad(directory: URL, repetitions: Int = 5) throws -> Double {
        var best = Double.infinity
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try MergeEncoderModel(directory: directory)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// Times forward passes over `batchSize` examples, and the same passes' matrix products alone.
    public static func measureThroughput(model: MergeEncoderModel, batchSize: Int, sequenceLength: Int, iterations: Int) throws -> Throughput {
        let configuration = model.configuration
        let inputs = randomInputs(configuration: configuration, count: batchSize, sequenceLength: sequenceLength)
        let tokens = batchSize * EncoderInput.sequenceCount * sequenceLength
        let flops = flops(configuration: configuration, sequenceLengths: [Int](repeating: sequenceLength, count: batchSize * EncoderInput.sequenceCount))

        let forward = try time(iterations: iterations) { _ = try model.logits(inputs) }
        let replay = MatrixProductReplay(configuration: configuration, sequences: batchSize * EncoderInput.sequenceCount, sequenceLength: sequenceLength)
        let products = try time(iterations: iterations) { replay.run() }
        return Throughput(
            batchSize: batchSize, tokens: tokens,
            medianSeconds: forward.median, bestSeconds: forward.best, medianCPUSeconds: forward.medianCPU,
            tokensPerSecond: Double(tokens) / forward.median,
            gigaflopsPerSecond: flops / forward.median / 1e9,
            matrixProductGigaflopsPerSecond: flops / products.median / 1e9)
    }

    private static func time(iterations: Int, _ body: () throws -> Void) throws -> (median: Double, best: Double, medianCPU: Double) {
        try body()  // warm-up: first-touch of mapped weights and workspace
        var samples: [Double] = [], cpuSamples: [Double] = []
        for _ in 0..<max(1, iterations) {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = threadCPUSeconds()
            try body()
            cpuSamples.append(threadCPUSeconds() - cpuStart)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        samples.sort()
        cpuSamples.sort()
        return (samples[samples.count / 2], samples[0], cpuSamples[cpuSamples.count / 2])
    }

    private static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The matrix products of one forward pass, with the encoder's exact shapes, transposes and leading
/// dimensions, run on scratch buffers with nothing in between: the sgemm-only reference.
private final class MatrixProductReplay {
    let configuration: EncoderConfiguration
    let sequences: Int
    let sequenceLength: Int
    let tokens: Int
    let activations: UnsafeMutablePointer<Float>
    let queryKeyValue: UnsafeMutablePointer<Float>
    let feedForward: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>
    let weights: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(configuration: EncoderConfiguration, sequences: Int, sequenceLength: Int) {
        self.configuration = configuration
        self.sequences = sequences
        self.sequenceLength = sequenceLength
        tokens = sequences * sequenceLength
        let width = configuration.width, ffn = configuration.feedForwardWidth
        // Zero weights keep the accumulating products finite however often the replay runs.
        func buffer(_ count: Int, value: Float = 0.01) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            pointer.initialize(repeating: value, count: count)
            return pointer
        }
        activations = buffer(tokens * width)
        queryKeyValue = buffer(tokens * 3 * width)
        feedForward = buffer(tokens * ffn)
        scores = buffer(sequenceLength * sequenceLength)
        weights = buffer(max(3 * width * width, ffn * width), value: 0)
        output = buffer(tokens * width)
    }

    deinit {
        for pointer in [activations, queryKeyValue, feedForward, scores, weights, output] { pointer.deallocate() }
    }

    /// One forward pass's products, split into passes of whole examples as `MergeEncoderModel` splits them.
    func run() {
        let width = configuration.width, ffn = configuration.feedForwardWidth, headWidth = configuration.headWidth
        let sequencesPerPass = max(1, MergeEncoderModel.tokensPerPass / max(1, EncoderInput.sequenceCount * sequenceLength)) * EncoderInput.sequenceCount
        var first = 0
        while first < sequences {
            let count = min(sequencesPerPass, sequences - first)
            let rows = count * sequenceLength
            for _ in 0..<configuration.layers {
                MatrixMultiply.linear(activations, rows: rows, inputs: width, weight: weights, outputs: 3 * width, into: queryKeyValue, accumulate: true)
                for sequence in 0..<count {
                    let base = queryKeyValue + sequence * sequenceLength * 3 * width
                    for head in 0..<configuration.heads {
                        let query = base + head * headWidth
                        MatrixMultiply.multiply(rows: sequenceLength, columns: sequenceLength, inner: headWidth,
                                                query, leadingA: 3 * width, query + width, leadingB: 3 * width, transposeB: true,
                                                into: scores, leadingC: sequenceLength, alpha: 0.125)
                        MatrixMultiply.multiply(rows: sequenceLength, columns: headWidth, inner: sequenceLength,
                                                scores, leadingA: sequenceLength, query + 2 * width, leadingB: 3 * width, transposeB: false,
                                                into: output + sequence * sequenceLength * width + head * headWidth, leadingC: width)
                    }
                }
                MatrixMultiply.linear(output, rows: rows, inputs: width, weight: weights, outputs: width, into: activations, accumulate: true)
                MatrixMultiply.linear(activations, rows: rows, inputs: width, weight: weights, outputs: ffn, into: feedForward, accumulate: false)
                MatrixMultiply.linear(feedForward, rows: rows, inputs: ffn, weight: weights, outputs: width, into: activations, accumulate: true)
            }
            first += count
        }
    }
}

/// SplitMix64: fast, seedable, good enough for benchmark weights and inputs.
struct BenchmarkRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-23 - 1
    }
}
