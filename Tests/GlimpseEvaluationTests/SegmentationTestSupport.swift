// SegmentationTestSupport: folders, label-map files, seeded random maps and the numpy reference
// that the segmentation tests share (in an enum, so names cannot collide with the detection and
// caption tests of the same target).

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseSerialization
import GlimpseTensor
import GlimpseTestSupport

/// Helpers of the segmentation tests.
enum SegmentationFixtures {
    /// The repository root.
    static var repositoryRoot: String { evaluationRepositoryRoot }

    /// A new empty directory under the system temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> String { try evaluationTemporaryDirectory("GlimpseSegmentationTests") }

    /// Writes `map` as a VOC-palette PNG at `folder/relative` (folders created).
    static func writePalette(_ map: LabelMap, _ relative: String, in folder: String) throws {
        let path = folder + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ImageFile.write(map, palette: .voc, to: path)
    }

    /// Writes `map` as an 8-bit gray PNG (pixel value = id) at `folder/relative`.
    static func writeGray(_ map: LabelMap, _ relative: String, in folder: String) throws {
        let path = folder + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ImageFile.write(Image(width: map.width, height: map.height, channels: 1, pixels: map.ids), to: path)
    }

    /// Random ground-truth / prediction pairs over 8 classes, sizes varying, built so that every
    /// convention is exercised: 255 (ignore) on about 10% of the ground truth, class 5 only
    /// predicted (absent from the ground truth), class 6 only in the ground truth (never
    /// predicted), class 7 in neither, and predictions 9 and 255 that are not classes. About half
    /// the predictions copy the ground truth, so the figures are far from 0 and 1.
    static func randomPairs(seed: UInt64, count: Int) -> [(truth: LabelMap, prediction: LabelMap)] {
        var random = SeededGenerator(seed: seed)
        let truthValues: [UInt8] = [0, 0, 0, 1, 1, 2, 3, 4, 6, 255]
        let predictedValues: [UInt8] = [0, 1, 2, 3, 4, 5, 5, 9, 255]
        return (0..<count).map { _ in
            let width = Int.random(in: 17..<57, using: &random), height = Int.random(in: 9..<39, using: &random)
            var truth = [UInt8](), prediction = [UInt8]()
            for _ in 0..<(width * height) {
                let g = truthValues.randomElement(using: &random)!
                truth.append(g)
                let copy = g != 255 && g != 6 && Bool.random(using: &random)
                prediction.append(copy ? g : predictedValues.randomElement(using: &random)!)
            }
            return (LabelMap(width: width, height: height, ids: truth), LabelMap(width: width, height: height, ids: prediction))
        }
    }

    /// Runs the numpy reference (reference/segmentation_metrics.py) in the project's venv on
    /// `pairs` and returns its JSON report.
    static func numpyReport(_ pairs: [(truth: LabelMap, prediction: LabelMap)], classCount: Int,
                            ignore: UInt8?, in directory: String) throws -> JSONValue {
        let spec = JSONValue.object([
            ("class_count", .integer(classCount)),
            ("ignore", ignore.map { .integer(Int($0)) } ?? .null),
            ("pairs", .array(pairs.map { pair in
                .object([("height", .integer(pair.truth.height)), ("width", .integer(pair.truth.width)),
                         ("gt", .array(pair.truth.ids.map { .integer(Int($0)) })),
                         ("pred", .array(pair.prediction.ids.map { .integer(Int($0)) }))])
            })),
        ])
        let input = directory + "/numpy-input.json"
        try Data(spec.serialized().utf8).write(to: URL(fileURLWithPath: input))
        return try runReferenceScript("segmentation_metrics.py", [input])
    }
}
