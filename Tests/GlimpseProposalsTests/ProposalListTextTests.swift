// Proposal list files: round trip and errors naming the file and the line.

import GlimpseImaging
import Testing
@testable import GlimpseProposals

@Suite struct ProposalListTextTests {
    @Test func roundTrip() throws {
        let boxes = [BoundingBox(x0: 1, y0: 2, x1: 11, y1: 22), BoundingBox(x0: 0, y0: 0, x1: 5, y1: 4)]
        let text = ProposalListText.format(boxes)
        #expect(text == "1 2 10 20\n0 0 5 4\n")
        #expect(try ProposalListText.parse(text + "\n", file: "a.txt") == boxes)
        #expect(try ProposalListText.parse("1,2,10,20\r\n", file: "a.txt") == [boxes[0]])
    }

    @Test func badLinesNameFileAndLine() {
        #expect(throws: ProposalFileError(file: "p/x.txt", line: 2, detail: "expected `x y w h` with w, h >= 0, found \"3 4 5\"")) {
            try ProposalListText.parse("1 2 3 4\n3 4 5\n", file: "p/x.txt")
        }
        #expect(throws: ProposalFileError.self) { try ProposalListText.parse("1 2 -3 4", file: "p/x.txt") }
        #expect(throws: ProposalFileError.self) { try ProposalListText.parse("a b c d", file: "p/x.txt") }
    }
}
