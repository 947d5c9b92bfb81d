import Foundation
import MergeCore

/// Where the two sides' edits of a region lie against each other: on separate lines (git's line merge
/// conflicted only because they touch), within the same lines but apart, or over the same tokens. Edits on
/// separate lines token-merge into what a line merge without context would write; edits over the same
/// tokens rarely do. Region-level facts, given to every candidate of the region as candidate features so
/// that a ranker can weigh them against the kind of the text.
enum EditLayout {
    /// The names `features` may give; all lie in [0, 1].
    static let featureNames = [
        "edits_on_separate_lines", "lines_changed_by_both", "edits_token_gap", "ours_edits", "theirs_edits", "edit_alternations",
        "ours_edit_size", "theirs_edit_size",
    ]

    /// Non-layout tokens between the nearest edits of the two sides at which `edits_token_gap` reaches 1.
    static let farGap = 16
    /// Edits (or alternations) at which `ours_edits`, `theirs_edits` and `edit_alternations` reach 1.
    static let manyEdits = 8
    /// Tokens a side's edits remove and add at which its `*_edit_size` reaches 1 (the scale is log2(1 + tokens)).
    static let largeEdit = 256.0

    static func features(base: [Token], ours: [Token], theirs: [Token]) -> [String: Double] {
        let lines = LineEdits(base: base, ours: ours, theirs: theirs)
        let tokens = TokenEdits(base: base, ours: ours, theirs: theirs)
        return [
            "edits_on_separate_lines": lines.separate ? 1 : 0,
            "lines_changed_by_both": lines.sharedShare,
            "edits_token_gap": Double(min(tokens.nearestGap ?? farGap, farGap)) / Double(farGap),
            "ours_edits": Double(min(tokens.ours.count, manyEdits)) / Double(manyEdits),
            "theirs_edits": Double(min(tokens.theirs.count, manyEdits)) / Double(manyEdits),
            "edit_alternations": Double(min(tokens.alternations, manyEdits)) / Double(manyEdits),
            "ours_edit_size": min(1, log2(1 + Double(tokens.oursSize)) / log2(1 + largeEdit)),
            "theirs_edit_size": min(1, log2(1 + Double(tokens.theirsSize)) / log2(1 + largeEdit)),
        ]
    }

    /// Each side's line diff against the base: the base lines it replaces or deletes, and where it inserts.
    struct LineEdits {
        var separate: Bool
        /// Base lines changed by both sides, over the base lines changed by either (0 when none is).
        var sharedShare: Double

        init(base: [Token], ours: [Token], theirs: [Token]) {
            var interner = Interner<[UInt8]>()
            func lineIDs(_ tokens: [Token]) -> [Int] { Self.lines(tokens).map { interner.id($0) } }
            let baseLines = lineIDs(base)
            let oursHunks = SequenceDiff.diff(baseLines, lineIDs(ours)), theirsHunks = SequenceDiff.diff(baseLines, lineIDs(theirs))
            func changed(_ hunks: [DiffHunk]) -> Set<Int> { Set(hunks.flatMap { $0.oldStart..<($0.oldStart + $0.oldCount) }) }
            let oursLines = changed(oursHunks), theirsLines = changed(theirsHunks)
            let either = oursLines.union(theirsLines).count
            sharedShare = either == 0 ? 0 : Double(oursLines.intersection(theirsLines).count) / Double(either)
            // An insertion collides with the other side's insertion at the same place, or falls inside a run
            // of lines the other side replaces.
            func collides(_ insertions: [DiffHunk], with other: [DiffHunk]) -> Bool {
                insertions.contains { insertion in
                    insertion.oldCount == 0 && other.contains { hunk in
                        hunk.oldCount == 0 ? hunk.oldStart == insertion.oldStart
                            : hunk.oldStart < insertion.oldStart && insertion.oldStart < hunk.oldStart + hunk.oldCount
                    }
                }
            }
            separate = oursLines.isDisjoint(with: theirsLines) && !collides(oursHunks, with: theirsHunks) && !collides(theirsHunks, with: oursHunks)
        }

        /// The region's lines, each with its line ending and without spaces or tabs (indentation alone is not an edit here).
        static func lines(_ tokens: [Token]) -> [[UInt8]] {
            var lines: [[UInt8]] = [], line: [UInt8] = []
            for token in tokens {
                if token.kind == .newline {
                    lines.append(line + [0x0A])
                    line = []
                } else if token.kind != .whitespace {
                    line += token.bytes
                }
            }
            if !line.isEmpty { lines.append(line) }
            return lines
        }
    }

    /// Each side's diff of non-layout tokens against the base, as base ranges (an insertion is empty).
    struct TokenEdits {
        var ours: [Range<Int>], theirs: [Range<Int>]
        /// Tokens each side's edits remove from the base plus those they add.
        var oursSize: Int, theirsSize: Int

        init(base: [Token], ours: [Token], theirs: [Token]) {
            var interner = Interner<ArraySlice<UInt8>>()
            func ids(_ tokens: [Token]) -> [Int] { tokens.filter { !$0.isLayout }.map { interner.id($0.bytes) } }
            let baseIDs = ids(base)
            let oursHunks = SequenceDiff.diff(baseIDs, ids(ours)), theirsHunks = SequenceDiff.diff(baseIDs, ids(theirs))
            func ranges(_ hunks: [DiffHunk]) -> [Range<Int>] { hunks.map { $0.oldStart..<($0.oldStart + $0.oldCount) } }
            func size(_ hunks: [DiffHunk]) -> Int { hunks.reduce(0) { $0 + $1.oldCount + $1.newCount } }
            (self.ours, self.theirs) = (ranges(oursHunks), ranges(theirsHunks))
            (oursSize, theirsSize) = (size(oursHunks), size(theirsHunks))
        }

        /// Both sides' edits in base order, ours first where they start together.
        private var ordered: [(start: Int, end: Int, isOurs: Bool)] {
            (ours.map { ($0.lowerBound, $0.upperBound, true) } + theirs.map { ($0.lowerBound, $0.upperBound, false) })
                .sorted { ($0.start, $0.isOurs ? 0 : 1) < ($1.start, $1.isOurs ? 0 : 1) }
        }

        /// The fewest base tokens between an edit of ours and one of theirs (0 where they overlap or touch);
        /// nil when a side made no edit. In base order the nearest pair is always some edit and the furthest
        /// reaching earlier edit of the other side.
        var nearestGap: Int? {
            var reach: [Bool: Int] = [:], nearest: Int?
            for edit in ordered {
                if let end = reach[!edit.isOurs] { nearest = min(nearest ?? .max, max(0, edit.start - end)) }
                reach[edit.isOurs] = max(reach[edit.isOurs] ?? .min, edit.end)
            }
            return nearest
        }

        /// How often the side of the next edit changes, in base order.
        var alternations: Int {
            zip(ordered, ordered.dropFirst()).filter { $0.isOurs != $1.isOurs }.count
        }
    }
}
