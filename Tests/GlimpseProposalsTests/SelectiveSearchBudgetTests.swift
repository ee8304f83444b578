// Selective search refuses, before allocating anything, an image whose working memory would pass
// its budget (issue 19, item 9): the decoder's 100-megapixel budget admitted a 10000x10000 PNG
// that needs about 8 GB here, and the process aborted with "failed to allocate".

import GlimpseImaging
import Testing
@testable import GlimpseProposals

@Suite struct SelectiveSearchBudgetTests {
    @Test func theDefaultBudgetRefusesWhatTheDecoderAdmits() {
        let budget = Double(SelectiveSearchParameters().memoryBudgetMiB) * 1_048_576
        // the README's bound: 80 bytes per pixel plus 60 MB
        #expect(SelectiveSearch.workingBytes(width: 10_000, height: 10_000) > budget)
        #expect(SelectiveSearch.workingBytes(width: 4000, height: 3000) < budget, "a 12-megapixel photo still runs")
        #expect(SelectiveSearch.workingBytes(width: Int.max, height: Int.max).isFinite, "no overflow")
    }

    @Test func anImageOverTheBudgetIsRefusedWithTheReason() throws {
        // 61 MiB: 60 MiB of base plus room for 13,107 pixels
        var parameters = SelectiveSearchParameters(mode: .single, threads: 1)
        parameters.memoryBudgetMiB = 61
        let search = SelectiveSearch(parameters: parameters)
        let large = Image(width: 200, height: 150, channels: 3, pixels: [UInt8](repeating: 90, count: 200 * 150 * 3))
        let error = #expect(throws: SelectiveSearchError.self) { try search.propose(in: large) }
        #expect(error?.width == 200 && error?.height == 150 && error?.budgetMiB == 61)
        #expect("\(error.map { "\($0)" } ?? "")".contains("over its memory budget of 61 MiB"))
        let small = Image(width: 100, height: 100, channels: 3, pixels: [UInt8](repeating: 90, count: 100 * 100 * 3))
        #expect(try !search.propose(in: small).isEmpty)
    }

    @Test func theBudgetIsAPipelineParameter() throws {
        #expect(try SelectiveSearchParameters(options: ["memory_mb": "512"], file: "p.yaml").memoryBudgetMiB == 512)
        #expect(throws: (any Error).self) { try SelectiveSearchParameters(options: ["memory_mb": "0"], file: "p.yaml") }
    }
}
