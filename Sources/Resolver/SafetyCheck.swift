import MergeCore

/// The checks every resolution must pass before it replaces a region (DESIGN.md, step 5).
public enum SafetyCheck {
    /// Why a resolution is refused, or nil when it is safe.
    /// - Every token of the resolution must come from one of the sides (no invented code).
    /// - Its bracket imbalance must be no worse than that of ours or theirs.
    /// - When every side ends its last line, so must the resolution (unless it is empty).
    public static func problem(resolution: [Token], base: [Token], ours: [Token], theirs: [Token]) -> String? {
        var known = Set<ArraySlice<UInt8>>()
        for token in base { known.insert(token.bytes) }
        for token in ours { known.insert(token.bytes) }
        for token in theirs { known.insert(token.bytes) }
        if let stranger = resolution.first(where: { !known.contains($0.bytes) }) {
            return "resolution holds a token found in no input: \(stranger.text.debugDescription)"
        }
        let sides = [base, ours, theirs].filter { !$0.isEmpty }
        if let last = resolution.last, last.kind != .newline, !sides.isEmpty, sides.allSatisfy({ $0.last?.kind == .newline }) {
            return "resolution does not end its last line, so the next line would be glued to it"
        }
        let allowed = max(bracketImbalance(ours), bracketImbalance(theirs))
        let imbalance = bracketImbalance(resolution)
        if imbalance > allowed {
            return "resolution unbalances brackets (\(imbalance) against \(allowed) in the inputs)"
        }
        return nil
    }

    /// Sum over `()`, `[]` and `{}` of |opened - closed|, counting punctuation tokens only.
    public static func bracketImbalance(_ tokens: [Token]) -> Int {
        var round = 0, square = 0, curly = 0
        for token in tokens where token.kind == .punctuation && token.bytes.count == 1 {
            switch token.bytes.first! {
            case UInt8(ascii: "("): round += 1
            case UInt8(ascii: ")"): round -= 1
            case UInt8(ascii: "["): square += 1
            case UInt8(ascii: "]"): square -= 1
            case UInt8(ascii: "{"): curly += 1
            case UInt8(ascii: "}"): curly -= 1
            default: break
            }
        }
        return abs(round) + abs(square) + abs(curly)
    }
}
