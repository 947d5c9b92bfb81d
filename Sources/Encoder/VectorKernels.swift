/// The element-wise parts of the forward pass, written as tight SIMD16 loops over raw pointers.
///
/// Everything that is not a matrix product lives here: softmax, GELU, layer normalisation, bias and
/// residual adds. The package builds for baseline x86-64, so SIMD16 lowers to four SSE registers;
/// the loops avoid operations the compiler leaves scalar there (`rounded()`, `pointwiseMin/Max`,
/// int/float conversions, fused multiply-add) and use selects and bit tricks instead.
enum VectorKernels {
    typealias Vector = SIMD16<Float>
    static let lanes = Vector.scalarCount

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ vector: Vector, to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
    }

    /// Loads the first `count` (< 16) floats, filling the other lanes with `filler`.
    @inline(__always)
    static func loadPartial(_ pointer: UnsafePointer<Float>, count: Int, filler: Float) -> Vector {
        var vector = Vector(repeating: filler)
        for lane in 0..<count { vector[lane] = pointer[lane] }
        return vector
    }

    @inline(__always)
    static func storePartial(_ vector: Vector, to pointer: UnsafeMutablePointer<Float>, count: Int) {
        for lane in 0..<count { pointer[lane] = vector[lane] }
    }

    /// e^x to about one ulp (Cephes expf): x = n ln2 + r with |r| <= ln2/2, a degree-7 polynomial
    /// for e^r, and 2^n added straight into the exponent bits. Rounding to the nearest n uses the
    /// 1.5 * 2^23 trick, which leaves n in the low mantissa bits and needs no float-to-int conversion.
    /// Inputs are clamped to [-87, 88] so the exponent arithmetic never leaves the normal range.
    @inline(__always)
    static func exponential(_ input: Vector) -> Vector {
        var x = input.replacing(with: -87, where: input .< -87)
        x = x.replacing(with: 88, where: x .> 88)
        let roundingShift: Float = 12_582_912  // 1.5 * 2^23
        let shifted = x * 1.442_695_04 + roundingShift
        let n = shifted - roundingShift
        // ln 2 split in two so n * ln2High is exact.
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var polynomial = r * 1.987_569_15e-4 + 1.398_199_95e-3
        polynomial = polynomial * r + 8.333_451_9e-3
        polynomial = polynomial * r + 4.166_579_59e-2
        polynomial = polynomial * r + 1.666_666_55e-1
        polynomial = polynomial * r + 5.000_000_1e-1
        let expR = polynomial * (r * r) + r + 1
        // The low bits of `shifted` hold n (two's complement); shifting them into the exponent field
        // multiplies by 2^n.
        let scale = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &<< SIMD16<UInt32>(repeating: 23)
        return unsafeBitCast(unsafeBitCast(expR, to: SIMD16<UInt32>.self) &+ scale, to: Vector.self)
    }

    /// Softmax of each of `rows` rows of `columns` values, in place; rows are `stride` apart.
    static func softmaxRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
        guard columns > 0 else { return }
        let fullEnd = columns - columns % lanes
        let tail = columns - fullEnd
        for rowIndex in 0..<rows {
            let row = matrix + rowIndex * stride
            var maximumVector = Vector(repeating: -.infinity)
            var column = 0
            while column < fullEnd {
                let value = load(row + column)
                maximumVector = maximumVector.replacing(with: value, where: value .> maximumVector)
                column += lanes
            }
            var maximum = -Float.infinity
            for lane in 0..<lanes where maximumVector[lane] > maximum { maximum = maximumVector[lane] }
            for index in fullEnd..<columns where row[index] > maximum { maximum = row[index] }

            var sumVector = Vector()
            column = 0
            while column < fullEnd {
                let value = exponential(load(row + column) - maximum)
                store(value, to: row + column)
                sumVector += value
                column += lanes
            }
            if tail > 0 {
                var value = exponential(loadPartial(row + fullEnd, count: tail, filler: maximum) - maximum)
                storePartial(value, to: row + fullEnd, count: tail)
                value = value.replacing(with: 0, where: laneIndices .>= Int32(tail))
                sumVector += value
            }
            let inverse = 1 / sumVector.sum()
            column = 0
            while column < fullEnd {
                store(load(row + column) * inverse, to: row + column)
                column += lanes
            }
            for index in fullEnd..<columns { row[index] *= inverse }
        }
    }

    private static let laneIndices = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// GELU, tanh approximation, on x = value + bias; PyTorch's `gelu(approximate="tanh")`.
    /// Written as x * sigmoid(2u) with u = sqrt(2/pi) (x + 0.044715 x^3), which is algebraically equal
    /// to 0.5 x (1 + tanh u) and needs a single exponential.
    @inline(__always)
    static func gelu(_ x: Vector) -> Vector {
        let minusTwoU = x * ((x * x) * -0.071_354_816 - 1.595_769_12)
        return x / (exponential(minusTwoU) + 1)
    }

    /// matrix[r, c] = gelu(matrix[r, c] + bias[c]) for a contiguous `rows` x `columns` matrix.
    static func addBiasAndGELU(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        let fullEnd = columns - columns % lanes
        let tail = columns - fullEnd
        for rowIndex in 0..<rows {
            let row = matrix + rowIndex * columns
            var column = 0
            while column < fullEnd {
                store(gelu(load(row + column) + load(bias + column)), to: row + column)
                column += lanes
            }
            if tail > 0 {
                let value = loadPartial(row + fullEnd, count: tail, filler: 0) + loadPartial(bias + fullEnd, count: tail, filler: 0)
                storePartial(gelu(value), to: row + fullEnd, count: tail)
            }
        }
    }

    /// Copies `vector` into every row of a contiguous `rows` x `columns` matrix (bias before a GEMM with beta 1).
    static func broadcastRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, vector: UnsafePointer<Float>) {
        for rowIndex in 0..<rows {
            (matrix + rowIndex * columns).update(from: vector, count: columns)
        }
    }

    /// matrix[r, c] += vector[c].
    static func addToRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, vector: UnsafePointer<Float>) {
        let fullEnd = columns - columns % lanes
        for rowIndex in 0..<rows {
            let row = matrix + rowIndex * columns
            var column = 0
            while column < fullEnd {
                store(load(row + column) + load(vector + column), to: row + column)
                column += lanes
            }
            for index in fullEnd..<columns { row[index] += vector[index] }
        }
    }

    /// destination[c] += source[c] * factor, for `count` values.
    @inline(__always)
    static func accumulate(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int, factor: Float = 1) {
        let fullEnd = count - count % lanes
        var index = 0
        while index < fullEnd {
            store(load(destination + index) + load(source + index) * factor, to: destination + index)
            index += lanes
        }
        while index < count {
            destination[index] += source[index] * factor
            index += 1
        }
    }

    /// Layer normalisation of each row (biased variance, epsilon inside the square root, as PyTorch),
    /// from `input` to `output` (which may be the same memory).
    static func layerNorm(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float
    ) {
        let fullEnd = width - width % lanes
        for rowIndex in 0..<rows {
            let source = input + rowIndex * width
            let destination = output + rowIndex * width
            var sumVector = Vector()
            var column = 0
            while column < fullEnd {
                sumVector += load(source + column)
                column += lanes
            }
            var sum = sumVector.sum()
            for index in fullEnd..<width { sum += source[index] }
            let mean = sum / Float(width)

            var squaresVector = Vector()
            column = 0
            while column < fullEnd {
                let centred = load(source + column) - mean
                squaresVector += centred * centred
                column += lanes
            }
            var squares = squaresVector.sum()
            for index in fullEnd..<width {
                let centred = source[index] - mean
                squares += centred * centred
            }
            let inverseDeviation = 1 / (squares / Float(width) + epsilon).squareRoot()

            column = 0
            while column < fullEnd {
                let normalised = (load(source + column) - mean) * inverseDeviation
                store(normalised * load(weight + column) + load(bias + column), to: destination + column)
                column += lanes
            }
            for index in fullEnd..<width {
                destination[index] = (source[index] - mean) * inverseDeviation * weight[index] + bias[index]
            }
        }
    }
}
