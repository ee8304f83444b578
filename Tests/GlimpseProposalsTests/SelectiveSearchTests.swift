// The whole proposer: modes, ranking, determinism, threads, and awkward images.

import GlimpseImaging
import GlimpseStages
import Testing
@testable import GlimpseProposals

@Suite struct SelectiveSearchTests {
    @Test func modesHaveThePapersStrategyCounts() {
        #expect(SelectiveSearchParameters(mode: .single).strategies.count == 1)
        #expect(SelectiveSearchParameters(mode: .fast).strategies.count == 8)
        #expect(SelectiveSearchParameters(mode: .quality).strategies.count == 80)
        #expect(SelectiveSearch.conformanceName == "selective-search")
    }

    @Test func proposalsAreUniqueCappedInsideAndDeterministic() throws {
        let image = try ProposalTestFiles.sample("coffee.png", longSide: 120)
        let one = try SelectiveSearch(parameters: SelectiveSearchParameters(mode: .fast, maxProposals: 150, seed: 3, threads: 1)).propose(in: image)
        let two = try SelectiveSearch(parameters: SelectiveSearchParameters(mode: .fast, maxProposals: 150, seed: 3, threads: 2)).propose(in: image)
        let other = try SelectiveSearch(parameters: SelectiveSearchParameters(mode: .fast, maxProposals: 150, seed: 4, threads: 1)).propose(in: image)
        #expect(one.count == 150)
        let singleOne = try SelectiveSearch(parameters: SelectiveSearchParameters(mode: .single, threads: 1)).propose(in: image)
        let singleTwo = try SelectiveSearch(parameters: SelectiveSearchParameters(mode: .single, threads: 2)).propose(in: image)
        #expect(singleOne == singleTwo && !singleOne.isEmpty)
        #expect(one == two)
        #expect(one != other)
        #expect(Set(one.map { [$0.x0, $0.y0, $0.x1, $0.y1] }).count == one.count)
        #expect(one.allSatisfy { $0.x0 >= 0 && $0.y0 >= 0 && $0.x1 <= Float(image.width) && $0.y1 <= Float(image.height) && $0.area >= 1 })
        // Best first: ranking values never decrease.
        let scores = one.map { $0.score! }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func rankingValueIsPositionTimesRandomFactor() {
        // One strategy of three boxes: positions 3, 2, 1 from first to last.
        let boxes = [PixelBox(minX: 0, minY: 0, maxX: 0, maxY: 0), PixelBox(minX: 1, minY: 0, maxX: 1, maxY: 0),
                     PixelBox(minX: 0, minY: 0, maxX: 1, maxY: 0)]
        let ranked = ProposalRanking.rank([boxes, boxes], seed: 9, maxProposals: 10)
        #expect(ranked.count == 3)
        for box in ranked {
            let position: Float = box.width == 2 ? 1 : (box.x0 == 0 ? 3 : 2)
            #expect(box.score! > 0 && box.score! <= position)
        }
        #expect(ProposalRanking.rank([boxes], seed: 9, maxProposals: 2).count == 2)
    }

    @Test func tinyFlatAndGrayImages() throws {
        let proposer = SelectiveSearch(parameters: SelectiveSearchParameters(mode: .quality, threads: 2))
        let dot = try proposer.propose(in: Image(width: 1, height: 1, fill: [9, 9, 9]))
        #expect(dot == [BoundingBox(x0: 0, y0: 0, x1: 1, y1: 1, label: 0, score: dot.first?.score)])
        let flat = try proposer.propose(in: Image(width: 64, height: 40, fill: [120, 50, 200]))
        #expect(flat.map { [$0.x0, $0.y0, $0.x1, $0.y1] } == [[0, 0, 64, 40]])
        #expect(try proposer.propose(in: Image(width: 0, height: 0, fill: [0])).isEmpty)
        let rgb = try ProposalTestFiles.sample("coffee.png", longSide: 80)
        let gray = rgb.grayscale()
        let fromGray = try SelectiveSearch(parameters: SelectiveSearchParameters(mode: .fast)).propose(in: gray)
        let fromReplicated = try SelectiveSearch(parameters: SelectiveSearchParameters(mode: .fast)).propose(in: gray.rgb())
        #expect(fromGray.count > 10)
        #expect(fromGray == fromReplicated)
    }

    @Test func optionsParseAndRejectBadValues() throws {
        let p = try SelectiveSearchParameters(options: ["mode": "quality", "max": "500", "ks": "50,200",
                                                        "color_spaces": "lab,h", "similarities": "CTSF,F"], file: "p.yaml")
        #expect(p.strategies.count == 8 && p.maxProposals == 500 && p.effectiveColorSpaces == [.lab, .hue])
        #expect(throws: StageError.self) { try SelectiveSearchParameters(options: ["mode": "slow"], file: "p.yaml") }
        #expect(throws: StageError.self) { try SelectiveSearchParameters(options: ["color": "lab"], file: "p.yaml") }
        #expect(throws: StageError.self) { try SelectiveSearchParameters(options: ["ks": "50,x"], file: "p.yaml") }
    }
}

@Suite struct MinimumSizeTests {
    @Test func minimumSizeIsKOnPascalSizedImagesAndScalesBelow() {
        let p = SelectiveSearchParameters(mode: .fast)
        #expect(p.minimumSize(for: 100, pixels: 500 * 375) == 100)
        #expect(p.minimumSize(for: 100, pixels: 1000 * 1000) == 100)
        // 128 x 128 = 16,384 pixels: 100 x 16,384 / 187,500 = 8.74 -> 9.
        #expect(p.minimumSize(for: 100, pixels: 128 * 128) == 9)
        #expect(p.minimumSize(for: 50, pixels: 1) == 1)
        var fixed = p
        fixed.minSize = 30
        #expect(fixed.minimumSize(for: 100, pixels: 128 * 128) == 30)
    }
}
