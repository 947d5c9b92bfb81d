import COpenBLAS

/// Row-major single-precision matrix products through OpenBLAS.
enum MatrixMultiply {
    /// C = alpha * A * op(B) + beta * C, row-major, with leading dimensions given explicitly so that
    /// strided views (one head's columns inside the fused Q/K/V matrix) need no copies.
    ///
    /// - Parameters: `rows` x `columns` is the shape of C, `inner` the shared dimension;
    ///   `transposeB` reads B as stored `columns` x `inner` (a PyTorch `Linear` weight).
    @inline(__always)
    static func multiply(
        rows: Int, columns: Int, inner: Int,
        _ a: UnsafePointer<Float>, leadingA: Int,
        _ b: UnsafePointer<Float>, leadingB: Int, transposeB: Bool,
        into c: UnsafeMutablePointer<Float>, leadingC: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(rows), blasint(columns), blasint(inner),
            alpha, a, blasint(leadingA), b, blasint(leadingB),
            beta, c, blasint(leadingC))
    }

    /// Y (+)= X * W^T for a `Linear` weight W of shape `outputs` x `inputs`, all contiguous.
    @inline(__always)
    static func linear(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int,
        weight: UnsafePointer<Float>, outputs: Int,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        multiply(rows: rows, columns: outputs, inner: inputs,
                 input, leadingA: inputs, weight, leadingB: inputs, transposeB: true,
                 into: output, leadingC: outputs, beta: accumulate ? 1 : 0)
    }

    /// Sets the number of threads OpenBLAS uses for every later call in this process.
    ///
    /// One thread is the default: on these machines a second thread gave no reliable gain, and
    /// callers that want parallelism get it more cheaply by running examples on separate threads.
    static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
