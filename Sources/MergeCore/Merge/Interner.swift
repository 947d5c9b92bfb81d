/// Gives equal elements equal small integers, so that diffs compare integers instead of text.
public struct Interner<Element: Hashable> {
    private var ids: [Element: Int] = [:]

    public init() {}

    public var count: Int { ids.count }

    public mutating func id(_ element: Element) -> Int {
        if let id = ids[element] { return id }
        let id = ids.count
        ids[element] = id
        return id
    }

    public mutating func ids<S: Sequence>(_ elements: S) -> [Int] where S.Element == Element {
        elements.map { id($0) }
    }
}

/// A line (or any byte string) as an interner key, hashed and compared as a block of bytes: the standard
/// library hashes an `ArraySlice<UInt8>` one element at a time, which made hashing most of a clean merge.
public struct ByteStringKey: Hashable {
    public let bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    public static func == (left: ByteStringKey, right: ByteStringKey) -> Bool {
        guard left.bytes.count == right.bytes.count else { return false }
        return left.bytes.withUnsafeBytes { leftBytes in
            right.bytes.withUnsafeBytes { rightBytes in
                leftBytes.elementsEqual(rightBytes)
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
