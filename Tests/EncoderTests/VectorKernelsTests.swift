import Foundation
import Testing
@testable import Encoder

/// The SIMD kernels against straightforward Double references.
@Suite struct VectorKernelsTests {
    @Test func exponentialIsAccurateAcrossItsRange() {
        var worst: Double = 0
        var x: Float = -87
        while x <= 88 {
            let inputs = VectorKernels.Vector((0..<16).map { min(88, x + Float($0) * 0.0137) })
            let outputs = VectorKernels.exponential(inputs)
            for lane in 0..<16 {
                let reference = Foundation.exp(Double(inputs[lane]))
                worst = max(worst, abs(Double(outputs[lane]) - reference) / reference)
            }
            x += 0.173
        }
        #expect(worst < 3e-7)
        // Beyond the clamp the results stay finite and ordered instead of wrapping around.
        let extremes = VectorKernels.exponential(VectorKernels.Vector(repeating: -1000))
        #expect(extremes[0] >= 0 && extremes[0] < 1e-37)
        #expect(VectorKernels.exponential(VectorKernels.Vector(repeating: 1000))[0].isFinite)
        #expect(VectorKernels.exponential(VectorKernels.Vector(repeating: 0))[0] == 1)
    }

    @Test(arguments: [1, 5, 15, 16, 17, 33, 64])
    func softmaxMatchesReference(columns: Int) {
        var generator = SplitMix64(state: UInt64(columns))
        let rows = 3, stride = columns + 2
        var matrix = (0..<rows * stride).map { _ in Float.random(in: -20...20, using: &generator) }
        let original = matrix
        matrix.withUnsafeMutableBufferPointer {
            VectorKernels.softmaxRows($0.baseAddress!, rows: rows, columns: columns, stride: stride)
        }
        for row in 0..<rows {
            let values = original[row * stride ..< row * stride + columns].map(Double.init)
            let maximum = values.max()!
            let exponentials = values.map { Foundation.exp($0 - maximum) }
            let sum = exponentials.reduce(0, +)
            for column in 0..<columns {
                #expect(abs(Double(matrix[row * stride + column]) - exponentials[column] / sum) < 1e-6)
            }
            // The gap between rows is left alone.
            for column in columns..<stride where row * stride + column < matrix.count {
                #expect(matrix[row * stride + column] == original[row * stride + column])
            }
        }
    }

    @Test(arguments: [1, 16, 37])
    func geluMatchesTheTanhApproximation(columns: Int) {
        var generator = SplitMix64(state: 99)
        let rows = 4
        var matrix = (0..<rows * columns).map { _ in Float.random(in: -12...12, using: &generator) }
        let bias = (0..<columns).map { _ in Float.random(in: -1...1, using: &generator) }
        let original = matrix
        matrix.withUnsafeMutableBufferPointer { matrix in
            bias.withUnsafeBufferPointer {
                VectorKernels.addBiasAndGELU(matrix.baseAddress!, rows: rows, columns: columns, bias: $0.baseAddress!)
            }
        }
        for index in matrix.indices {
            let x = Double(original[index] + bias[index % columns])
            let reference = 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            #expect(abs(Double(matrix[index]) - reference) < 2e-6 * max(1, abs(x)))
        }
        let extremes = VectorKernels.gelu(VectorKernels.Vector(-1000, 1000, -30, 30, 0, 1, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
        #expect(abs(extremes[0]) < 1e-30 && extremes[1] == 1000 && abs(extremes[2]) < 1e-30 && extremes[3] == 30 && extremes[4] == 0)
    }

    @Test(arguments: [7, 16, 33, 256])
    func layerNormMatchesReference(width: Int) {
        var generator = SplitMix64(state: UInt64(width))
        let rows = 3
        let input = (0..<rows * width).map { _ in Float.random(in: -5...9, using: &generator) }
        let weight = (0..<width).map { _ in Float.random(in: 0.5...1.5, using: &generator) }
        let bias = (0..<width).map { _ in Float.random(in: -1...1, using: &generator) }
        var output = [Float](repeating: 0, count: rows * width)
        output.withUnsafeMutableBufferPointer { output in
            VectorKernels.layerNorm(input, into: output.baseAddress!, rows: rows, width: width, weight: weight, bias: bias, epsilon: 1e-5)
        }
        for row in 0..<rows {
            let values = input[row * width ..< (row + 1) * width].map(Double.init)
            let mean = values.reduce(0, +) / Double(width)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            for column in 0..<width {
                let reference = (values[column] - mean) / (variance + 1e-5).squareRoot() * Double(weight[column]) + Double(bias[column])
                #expect(abs(Double(output[row * width + column]) - reference) < 1e-5)
            }
        }
    }
}
