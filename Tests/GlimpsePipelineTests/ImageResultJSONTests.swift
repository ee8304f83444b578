// The per-image JSON and ledger lines through GlimpseSerialization's JSONValue: equal after a
// round trip, the same bytes Foundation's JSONEncoder wrote before (checked against Codable
// mirrors of the records), and typed errors naming the file when a file cannot be read back.

import Foundation
import GlimpseImaging
import GlimpsePipeline
import GlimpseSerialization
import GlimpseStages
import Testing

@Suite("Per-image JSON")
struct ImageResultJSONTests {
    /// A result with every optional field, awkward numbers and strings included.
    static let everything: ImageResult = {
        var result = ImageResult(input: "photos/é 😀/a\"b\\c\n\t\u{01}.png", width: 640, height: 480)
        result.classes = [ClassScore(classIndex: 281, label: "tabby, tabby cat", probability: 0.4699895),
                          ClassScore(classIndex: 0, label: "tench", probability: 1)]
        result.features = [0, -0.0, 1, 1e-05, 0.1, 123456789, 16777216, 3.4028235e38, 1.5e-45, -2.5]
        let box = BoundingBox(x0: 0.5, y0: 1, x1: 639.75, y1: 479, label: 1, score: 0)
        result.proposals = [BoxRecord(box, category: "object", score: 0.5), BoxRecord(box, category: "", score: 1.0 / 3)]
        result.detections = [BoxRecord(box, category: "bright/dark", score: 0.99999994)]
        result.segmentation = SegmentationRecord(labelMap: "photos/a.mask.png", classes: ["background", "cat"], ids: [0, 8])
        result.captions = [Caption(text: "a cat on a mat", logProbability: -3.1415927), Caption(text: "", logProbability: 0)]
        return result
    }()

    @Test func roundTripKeepsEveryField() throws {
        let result = Self.everything
        let parsed = try JSONParser().parse(Array(result.fileText.utf8))
        #expect(try ImageResult(json: parsed, file: "a.json") == result)
        var bare = ImageResult(input: "b.png", width: 1, height: 2)
        #expect(try ImageResult(json: JSONParser().parse(Array(bare.fileText.utf8)), file: "b.json") == bare)
        bare.proposals = []
        #expect(try ImageResult(json: JSONParser().parse(Array(bare.fileText.utf8)), file: "b.json") == bare)
    }

    @Test func bytesMatchFoundationsEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(CodableResult(Self.everything)), as: UTF8.self)
        #expect(Self.everything.fileText == expected)
        let bare = ImageResult(input: "b.png", width: 1, height: 2)
        #expect(bare.fileText == String(decoding: try encoder.encode(CodableResult(bare)), as: UTF8.self))
        var empty = bare
        (empty.classes, empty.features, empty.detections) = ([], [], [])
        #expect(empty.fileText == String(decoding: try encoder.encode(CodableResult(empty)), as: UTF8.self))
    }

    @Test func prettyTextOfASmallRecord() {
        var result = ImageResult(input: "a/b.png", width: 3, height: 2)
        result.classes = [ClassScore(classIndex: 7, label: "cat", probability: 0.4699895)]
        result.features = []
        #expect(result.fileText == """
            {
              "classes" : [
                {
                  "classIndex" : 7,
                  "label" : "cat",
                  "probability" : 0.4699895
                }
              ],
              "features" : [

              ],
              "height" : 2,
              "input" : "a/b.png",
              "width" : 3
            }
            """)
    }

    @Test func ledgerLineMatchesFoundationsEncoderAndReadsBack() throws {
        let timings = ["read": 0.263014, "decoder": 4.0, "write": 113.915672, "Det-2": 1e-7, "a10": 0.5, "a9": 1e16, "_x": -0.0]
        let cases: [(error: String?, resumed: Bool?)] = [(nil, nil), ("cannot decode \"x/y.png\" é", true)]
        for (error, resumed) in cases {
            let entry = LedgerEntry(path: "data/x.png", output: "x", hash: "bb00fbf3b59e1352", pipeline: "c2760b3d4f14b410",
                                    status: error == nil ? .ok : .failed, error: error, timings: timings, resumed: resumed)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            #expect(entry.jsonLine() == String(decoding: try encoder.encode(CodableLedgerEntry(entry)), as: UTF8.self))
            #expect(try LedgerEntry(json: JSONParser().parse(Array(entry.jsonLine().utf8)), file: "ledger.jsonl") == entry)
        }
    }

    @Test func aBadFieldNamesTheFileAndField() throws {
        let text = #"{"input": "a.png", "width": 4, "height": 3, "detections": [{"x0": "left", "y0": 0, "x1": 1, "y1": 1, "label": 0, "category": "c", "score": 1}]}"#
        let error = #expect(throws: OutputJSONError.self) {
            try ImageResult(json: JSONParser().parse(Array(text.utf8)), file: "out/a.json")
        }
        #expect(error?.file == "out/a.json")
        #expect(error?.field == "detections[0].x0")
        #expect(error?.description == "out/a.json: detections[0].x0: expected a number, found string")
        let missing = #expect(throws: OutputJSONError.self) {
            try ImageResult(json: JSONParser().parse(Array(#"{"input": "a.png", "width": 4}"#.utf8)), file: "out/a.json")
        }
        #expect(missing?.field == "height")
    }

    @Test func aMalformedPerImageFileFailsTheResumedRunNamingTheFile() throws {
        // As before the JSON stack changed: --resume reuses an image whose outputs exist, and the
        // run-wide files read its JSON back, so a garbled STEM.json fails the run; now the error
        // names the file and where the text breaks.
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        func run() throws -> RunSummary {
            try ResumeRuleTests.run("stages:\n  proposer: quadrants\n  captioner: size\n", tree.folder, out, resume: true).0
        }
        let first = try run()
        let json = out.appendingPathComponent("photos/rgb.json")
        let good = try ImageResult.read(json)
        #expect(good.width == 40 && good.captions?.first?.text == "a 40 by 30 image")
        try Data(#"{"input": "photos/rgb.png", "width": "#.utf8).write(to: json)
        let error = #expect(throws: OutputJSONError.self) { try run() }
        #expect(error?.file == json.path)
        #expect(error?.field == nil)
        #expect(error?.message.hasPrefix("line 1 column 38:") == true, "\(error?.message ?? "")")
        // rewriting the file (as a run without --resume does) makes the resumed run whole again
        try Data(good.fileText.utf8).write(to: json)
        #expect(try run().resumed == first.ok)
    }
}

/// `ImageResult` as the Codable struct the pipeline used to encode, for comparing bytes.
private struct CodableResult: Encodable {
    struct Score: Encodable { var classIndex: Int; var label: String; var probability: Float }
    struct Box: Encodable { var x0, y0, x1, y1: Float; var label: Int; var category: String; var score: Float }
    struct Segmentation: Encodable { var labelMap: String; var classes: [String]; var ids: [Int] }
    struct Sentence: Encodable { var text: String; var logProbability: Float }
    var input: String
    var width: Int
    var height: Int
    var classes: [Score]?
    var features: [Float]?
    var proposals: [Box]?
    var detections: [Box]?
    var segmentation: Segmentation?
    var captions: [Sentence]?

    init(_ r: ImageResult) {
        func box(_ b: BoxRecord) -> Box { Box(x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1, label: b.label, category: b.category, score: b.score) }
        (input, width, height, features) = (r.input, r.width, r.height, r.features)
        classes = r.classes?.map { Score(classIndex: $0.classIndex, label: $0.label, probability: $0.probability) }
        proposals = r.proposals?.map(box)
        detections = r.detections?.map(box)
        segmentation = r.segmentation.map { Segmentation(labelMap: $0.labelMap, classes: $0.classes, ids: $0.ids) }
        captions = r.captions?.map { Sentence(text: $0.text, logProbability: $0.logProbability) }
    }
}

/// `LedgerEntry` as the Codable struct the ledger used to encode.
private struct CodableLedgerEntry: Encodable {
    var path, output, hash, pipeline, status: String
    var error: String?
    var timings: [String: Double]
    var resumed: Bool?

    init(_ e: LedgerEntry) {
        (path, output, hash, pipeline, status) = (e.path, e.output, e.hash, e.pipeline, e.status.rawValue)
        (error, timings, resumed) = (e.error, e.timings, e.resumed)
    }
}
