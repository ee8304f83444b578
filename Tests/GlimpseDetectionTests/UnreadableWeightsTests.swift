// Every conformance that loads a weights file names the file and the cause when it cannot read
// it (StageWeights): a missing file and a folder, for the four detection-side loaders.

import Testing
import Foundation
import GlimpseStages
@testable import GlimpseDetection

struct UnreadableWeightsTests {
    static func expectUnreadable(_ path: String, role: String, _ load: (String) throws -> Void) {
        do {
            try load(path)
            Issue.record("\(path) was loaded")
        } catch let error as StageError {
            #expect(error.file == path)
            #expect(error.problem.hasPrefix("cannot read the \(role) weights: "), "\(error)")
            #expect(error.problem.count > "cannot read the \(role) weights: ".count + 3, "no cause: \(error)")
        } catch {
            Issue.record("not a StageError: \(error)")
        }
    }

    @Test func aMissingFileAndAFolderAreNamedWithTheCause() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unreadable-weights-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for path in [folder.appendingPathComponent("missing.safetensors").path, folder.path] {
            Self.expectUnreadable(path, role: "detector") { _ = try FastRCNNDetector(weights: $0) }
            Self.expectUnreadable(path, role: "detector") { _ = try FasterRCNNDetector(weights: $0) }
            Self.expectUnreadable(path, role: "detector") { _ = try RCNNDetector(weights: $0) }
            Self.expectUnreadable(path, role: "region proposal network") { _ = try RegionProposalNetwork(weights: $0) }
        }
        // the helper itself, for a role the conformances above do not use
        Self.expectUnreadable(folder.path, role: "segmenter") { _ = try StageWeights.mappedData(of: $0, role: "segmenter") }
    }
}
