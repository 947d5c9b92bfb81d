/// Float32 views of the tensors of a safetensors file, used in place wherever possible.
///
/// F32 tensors whose bytes are 4-byte aligned in the mapped file are read directly from the mapping
/// (the reference writer aligns them, so this is the normal case); anything else (F16, BF16,
/// misaligned F32) is converted once into memory this store owns.
///
/// Unchecked Sendable: `view` is only called while a model is being built, before the store is
/// shared; afterwards the store is immutable and only keeps memory alive.
final class WeightStore: @unchecked Sendable {
    /// Holding the file keeps its mapping, and so every in-place view, alive.
    let file: SafeTensors
    private var ownedBuffers: [UnsafeMutablePointer<Float>] = []
    /// Start of the file's bytes, when they sit in storage that never moves.
    private let fileBase: UnsafeRawPointer?

    init(file: SafeTensors) {
        self.file = file
        // A Data this small may be stored inline, where `withUnsafeBytes` hands out a temporary copy;
        // larger ones (mapped or heap) keep a stable address for as long as the Data lives unmutated.
        if file.data.count >= 64 {
            fileBase = file.data.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
        } else {
            fileBase = nil
        }
    }

    deinit {
        for buffer in ownedBuffers { buffer.deallocate() }
    }

    /// The tensor `name` as Float, after checking that its shape is exactly `shape`.
    func view(_ name: String, shape: [Int]) throws -> UnsafePointer<Float> {
        let info = try file.info(name)
        guard info.shape == shape else {
            throw EncoderError.shapeMismatch(path: file.source, tensor: name, expected: shape, found: info.shape)
        }
        #if _endian(little)
        if info.dataType == .float32, let fileBase {
            let address = fileBase + info.byteRange.lowerBound
            if Int(bitPattern: address) % MemoryLayout<Float>.alignment == 0 {
                return address.assumingMemoryBound(to: Float.self)
            }
        }
        #endif
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(info.elementCount, 1))
        ownedBuffers.append(buffer)
        try file.convert(info, into: buffer)
        return UnsafePointer(buffer)
    }

    /// The number of tensors converted or copied out of the file (zero when everything is used in place).
    var copiedTensorCount: Int { ownedBuffers.count }
}
