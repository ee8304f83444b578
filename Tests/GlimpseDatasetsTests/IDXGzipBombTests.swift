// A gzip bomb in an IDX file, through the API the reader had before and after issue 19's fix (item
// 9), so that scripts/regressions-before-fix.sh can show it failing on the unfixed tree: a small
// .gz whose header implies 1,008 bytes but which inflates to 20 MB was inflated whole (1.05 GB for
// the 235 KB of a real bomb) before anything was checked. IDXTests.aGzipBombIsRefusedAtTheSizeItsHeaderImplies
// checks the same with the fixed reader's error cases.

import Testing
@testable import GlimpseDatasets

@Suite final class IDXGzipBombTests {
    /// A fresh directory for this test's files, removed when the test ends.
    let directory: String
    init() throws { directory = try makeTemporaryDirectory() }
    deinit { removeTemporaryDirectory(directory) }

    @Test func aGzipBombIsRefusedAsABombNamingTheSizeItsHeaderImplies() throws {
        let header: [UInt8] = [0, 0, 8, 1, 0, 0, 0x03, 0xE8]  // labels, [1000]: 8 + 1000 bytes
        let bomb = Gzip.compress(header + [UInt8](repeating: 0, count: 20_000_000), level: 9)
        #expect(bomb.count < 100_000)
        let path = try writeFile(bomb, named: "bomb-labels.idx1-ubyte", in: directory)
        let error = #expect(throws: IDXError.self) { try IDX.read(path: path, expectedMagic: IDX.labelsMagic) }
        let description = error.map { "\($0)" } ?? ""
        #expect(description.contains(path), "\(description)")
        #expect(description.contains("gzip bomb") && description.contains("1008 bytes"), "\(description)")
    }
}
