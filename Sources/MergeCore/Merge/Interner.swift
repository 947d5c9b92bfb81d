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
