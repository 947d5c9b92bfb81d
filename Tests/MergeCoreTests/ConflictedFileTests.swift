import Testing
import MergeCore
import TestSupport

@Suite struct ConflictedFileTests {
    @Test func parsesDiff3MarkersAndRebuildsTheSides() throws {
        let text = "a\n<<<<<<< ours\nx1\n||||||| base\nx0\n=======\nx2\n>>>>>>> theirs\nb\n"
        let file = try ConflictedFile(parsing: Array(text.utf8))
        #expect(file.conflicts.count == 1)
        #expect(file.markerSize == 7)
        #expect(file.hasBaseSections)
        #expect(String(decoding: file.rebuild(\.ours), as: UTF8.self) == "a\nx1\nb\n")
        #expect(String(decoding: file.rebuild(\.theirs), as: UTF8.self) == "a\nx2\nb\n")
        #expect(file.rebuildBase().map { String(decoding: $0, as: UTF8.self) } == "a\nx0\nb\n")
        #expect(file.conflicts[0].oursLabel == "ours" && file.conflicts[0].baseLabel == "base" && file.conflicts[0].theirsLabel == "theirs")
    }

    @Test func parsesMergeMarkersOfAnotherSizeWithCRLF() throws {
        let text = "a\r\n<<<<<<<<<< HEAD\r\nx1\r\n==========\r\nx2\r\n>>>>>>>>>> topic\r\n"
        let file = try ConflictedFile(parsing: Array(text.utf8))
        #expect(file.markerSize == 10)
        #expect(!file.hasBaseSections)
        #expect(file.conflicts[0].oursLabel == "HEAD" && file.conflicts[0].theirsLabel == "topic")
        #expect(file.conflicts[0].original == Array("<<<<<<<<<< HEAD\r\nx1\r\n==========\r\nx2\r\n>>>>>>>>>> topic\r\n".utf8))
    }

    @Test func rejectsBrokenMarkers() {
        #expect(throws: ConflictedFile.ParseError.unterminatedConflict(line: 1)) {
            try ConflictedFile(parsing: Array("<<<<<<< a\nx\n=======\ny\n".utf8))
        }
        #expect(throws: ConflictedFile.ParseError.unexpectedMarker(line: 3)) {
            try ConflictedFile(parsing: Array("<<<<<<< a\nx\n<<<<<<< b\n".utf8))
        }
    }

    @Test func aLoneSeparatorLineIsNotAMarker() {
        #expect(!ConflictMarkerScanner.containsMarkers(Array("Title\n=======\ntext\n".utf8), size: 7))
        #expect(ConflictMarkerScanner.containsMarkers(Array("x\n>>>>>>> theirs\n".utf8), size: 7))
        #expect(!ConflictMarkerScanner.containsMarkers(Array("x\n>>>>>>>> shift\n".utf8), size: 7))
    }
}
