// Out-of-domain images through the runner: test-only detector, segmenter and captioner that
// are `DomainChecked` on one feature (the image's mean brightness, trained on 60..100), so a
// near-white image is out of their domain and the usual test images are not. The white image
// gets no detections, mask or caption, is recorded in its JSON, captions.jsonl, the report, the
// ledger and the run summary, and is a success that `--resume` treats as done.

import Foundation
import GlimpseImaging
import GlimpsePipeline
import GlimpseSerialization
import GlimpseStages
import Testing

/// The one-dimensional feature the test stages check: the image's mean brightness.
func brightnessFeature(_ image: Image) -> [Float] {
    [meanBrightness(image, BoundingBox(x0: 0, y0: 0, x1: Float(image.width), y1: Float(image.height)))]
}

/// Mean brightness 80, std sqrt(200): threshold 1.5 x sqrt(2) = 2.12 (white is about 12).
let brightnessDomain = FeatureDomain(trainingFeatures: [[60], [70], [80], [90], [100]])

/// `BrightnessDetector` (threshold 100) that skips images outside `brightnessDomain`.
struct DomainBrightnessDetector: Detector, DomainChecked {
    static let conformanceName = "domain-brightness"
    let categories = ["dark", "bright"]
    let needsProposals = true
    func domainVerdict(_ input: StageInput) -> DomainVerdict? { brightnessDomain.verdict(brightnessFeature(input.image)) }
    func detect(_ input: StageInput) throws -> [BoundingBox] { try BrightnessDetector(threshold: 100).detect(input) }
}

/// `ThresholdSegmenter` that skips images outside `brightnessDomain`.
struct DomainThresholdSegmenter: Segmenter, DomainChecked {
    static let conformanceName = "domain-threshold"
    let categories = ["background", "bright"]
    func domainVerdict(_ input: StageInput) -> DomainVerdict? { brightnessDomain.verdict(brightnessFeature(input.image)) }
    func segment(_ input: StageInput) throws -> LabelMap { try ThresholdSegmenter().segment(input) }
}

/// `SizeCaptioner` that skips images outside `domain` (nil: a stage without a summary).
struct DomainSizeCaptioner: CaptionDecoder, DomainChecked {
    static let conformanceName = "domain-size"
    let domain: FeatureDomain?
    func domainVerdict(_ input: StageInput) -> DomainVerdict? { domain?.verdict(brightnessFeature(input.image)) }
    func captions(for input: StageInput, count: Int) throws -> [Caption] { try SizeCaptioner().captions(for: input, count: count) }
}

extension StageRegistry {
    /// `withTestStages` plus the domain-checked stages above.
    static var withDomainStages: StageRegistry {
        var registry = StageRegistry.withTestStages
        registry.register(Conformance(kind: .detector, name: DomainBrightnessDetector.conformanceName, summary: "test") { _ in
            .detector(DomainBrightnessDetector()) })
        registry.register(Conformance(kind: .segmenter, name: DomainThresholdSegmenter.conformanceName, summary: "test") { _ in
            .segmenter(DomainThresholdSegmenter()) })
        registry.register(Conformance(kind: .captioner, name: DomainSizeCaptioner.conformanceName, summary: "test",
                                      parameters: [ParameterSpec("checked", .bool, default: .bool(true), help: "keep a domain")]) {
            .captioner(DomainSizeCaptioner(domain: $0.bool("checked", default: true) ? brightnessDomain : nil)) })
        return registry
    }
}

@Suite("Out-of-domain images", .serialized)
struct OutOfDomainTests {
    static let yaml = """
        name: domains
        stages:
          decoder: image-file
          proposer: quadrants
          detector: domain-brightness
          segmenter: domain-threshold
          captioner: domain-size
        """

    static func pipeline(_ yaml: String) throws -> Pipeline {
        try Pipeline(try PipelineFile.parse(yaml, file: "test.yaml", registry: .withDomainStages) { _ in nil })
    }

    static let white = Image(width: 40, height: 30, channels: 3, pixels: [UInt8](repeating: 250, count: 40 * 30 * 3))

    /// Two ordinary test images and a near-white one.
    static func folder() throws -> URL {
        let folder = try PipelineFixtures.temporaryFolder().appendingPathComponent("photos")
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 40, height: 30, channels: 3, seed: 1)),
                                   to: folder.appendingPathComponent("a.png"))
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 32, height: 24, channels: 1, seed: 2)),
                                   to: folder.appendingPathComponent("b.png"))
        try PipelineFixtures.write(PNG.encode(white), to: folder.appendingPathComponent("white.png"))
        return folder
    }

    static func run(_ pipeline: Pipeline, over folder: URL, into out: URL, resume: Bool = false) throws -> RunSummary {
        let items = InputScanner.scan([folder.path]) { pipeline.decoder.recognises($0) }
        return try BatchRunner(pipeline: pipeline, items: items, options: BatchOptions(output: out, jobs: 2, resume: resume)).run()
    }

    @Test func outOfDomainImagesAreSkippedRecordedAndNotFailures() throws {
        let folder = try Self.folder()
        let work = folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        let summary = try Self.run(Self.pipeline(Self.yaml), over: folder, into: out)
        #expect(summary.ok == 3 && summary.failed == 0 && summary.outOfDomain == 1, "\(summary)")

        // the white image: every head skipped it, in pipeline order, with the verdict
        let verdict = brightnessDomain.verdict(brightnessFeature(Self.white))
        #expect(verdict.outOfDomain && verdict.distance > 10)
        let whiteJSON = out.appendingPathComponent("photos/white.json")
        let white = try ImageResult.read(whiteJSON)
        #expect(white.outOfDomain == [StageKind.detector, .segmenter, .captioner].map {
            OutOfDomainRecord(stage: $0, distance: verdict.distance, threshold: verdict.threshold)
        })
        #expect(white.captions == [] && white.detections == [] && white.segmentation == nil)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("photos/white.mask.png").path))
        let whiteText = try String(contentsOf: whiteJSON, encoding: .utf8)
        #expect(whiteText.contains("\"out_of_domain\" : true"), "\(whiteText)")
        #expect(whiteText.contains("\"stage\" : \"captioner\""), "\(whiteText)")

        // the ordinary images ran every stage and say nothing of domains
        for name in ["a", "b"] {
            let json = out.appendingPathComponent("photos/\(name).json")
            let result = try ImageResult.read(json)
            #expect(result.outOfDomain == nil)
            #expect(result.captions?.first?.text.hasSuffix(" image") == true)
            #expect(result.detections?.count == 5 && result.segmentation != nil)
            #expect(!(try String(contentsOf: json, encoding: .utf8)).contains("domain"))
        }

        // captions.jsonl: the white line is flagged with an empty caption
        let lines = try String(contentsOf: out.appendingPathComponent("captions.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[2].contains("\"caption\":\"\"") && lines[2].contains("\"out_of_domain\":true"), "\(lines[2])")
        #expect(lines[2].contains("\"output\":\"photos/white\""), "\(lines[2])")
        #expect(!lines[0].contains("out_of_domain") && lines[0].contains("\"caption\":\"a 40 by 30 image\""), "\(lines[0])")

        // COCO: boxes of the two in-domain images only, not the white one's proposals
        let dataset = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("boxes.coco.json"))) as! [String: Any]
        #expect((dataset["images"] as! [Any]).count == 3)
        #expect((dataset["annotations"] as! [Any]).count == 10)

        // the report says why under the thumbnail, and counts it
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        let why = String(format: "distance %.1f &gt; %.1f", verdict.distance, verdict.threshold)
        #expect(report.contains("out of domain (detector: \(why); segmenter: \(why); captioner: \(why))"), "\(report)")
        #expect(report.contains("3 images processed (1 out of domain), 0 failed"))

        // the ledger: ok, flagged; the others not flagged
        let ledger = try PipelineFixtures.ledger(out)
        let whiteLine = try #require(ledger.first { ($0["path"] as? String)?.hasSuffix("white.png") == true })
        #expect(whiteLine["status"] as? String == "ok" && whiteLine["out_of_domain"] as? Bool == true)
        #expect(ledger.filter { $0["out_of_domain"] != nil }.count == 1)

        // a resumed run treats it as done (no mask is expected of a skipped segmenter)
        let before = try PipelineFixtures.files(under: out, excluding: ["ledger.jsonl", "report.html"])
        let resumed = try Self.run(Self.pipeline(Self.yaml), over: folder, into: out, resume: true)
        #expect(resumed.resumed == 3 && resumed.ok == 3 && resumed.outOfDomain == 1, "\(resumed)")
        #expect(try PipelineFixtures.files(under: out, excluding: ["ledger.jsonl", "report.html"]) == before)
    }

    @Test func aStageWithoutADomainSummaryAlwaysRuns() throws {
        let pipeline = try Self.pipeline("stages:\n  captioner: {use: domain-size, checked: false}\n")
        let outcome = try pipeline.process(Self.white, input: "white.png", seed: 1, labelMapPath: "white.mask.png")
        #expect(outcome.result.outOfDomain == nil)
        #expect(outcome.result.captions?.first?.text == "a 40 by 30 image")
        let checked = try Self.pipeline("stages:\n  captioner: domain-size\n")
        let skipped = try checked.process(Self.white, input: "white.png", seed: 1, labelMapPath: "white.mask.png")
        #expect(skipped.result.outOfDomain?.map(\.stage) == [.captioner])
        #expect(skipped.result.captions == [])
        #expect(skipped.timings.map(\.stage) == ["captioner"])
    }

    @Test func outOfDomainRecordsRoundTripThroughJSON() throws {
        var result = ImageResult(input: "cat.jpg", width: 640, height: 480)
        result.captions = []
        result.outOfDomain = [OutOfDomainRecord(stage: .detector, distance: 3.1415927, threshold: 2.1213202),
                              OutOfDomainRecord(stage: .captioner, distance: 9.1, threshold: 3.2)]
        let text = result.fileText
        #expect(text.contains("\"out_of_domain\" : true"))
        #expect(text.contains("\"distance\" : 9.1"))
        #expect(try ImageResult(json: JSONParser().parse(Array(text.utf8)), file: "cat.json") == result)

        // the flag and the list must agree; stages are stage kinds
        let cases: [(String, String, String)] = [
            ("{\"input\":\"a\",\"width\":1,\"height\":1,\"out_of_domain\":true}", "out_of_domain", "no \"domain\" list"),
            ("{\"input\":\"a\",\"width\":1,\"height\":1,\"domain\":[]}", "out_of_domain", "there is a \"domain\" list"),
            ("{\"input\":\"a\",\"width\":1,\"height\":1,\"out_of_domain\":1,\"domain\":[]}", "out_of_domain", "expected a bool"),
            ("{\"input\":\"a\",\"width\":1,\"height\":1,\"out_of_domain\":true,\"domain\":[{\"stage\":\"painter\",\"distance\":1,\"threshold\":1}]}",
             "domain[0].stage", "unknown stage \"painter\""),
            ("{\"input\":\"a\",\"width\":1,\"height\":1,\"out_of_domain\":true,\"domain\":[{\"stage\":\"captioner\",\"threshold\":1}]}",
             "domain[0].distance", "required"),
        ]
        for (json, field, message) in cases {
            let parsed = try JSONParser().parse(Array(json.utf8))
            let error = #expect(throws: OutputJSONError.self, "\(json)") { try ImageResult(json: parsed, file: "out/a.json") }
            #expect(error?.file == "out/a.json" && error?.field == field, "\(String(describing: error))")
            #expect(error.map { "\($0)".contains(message) } == true, "\(String(describing: error))")
        }

        // the ledger line keeps the flag
        let entry = LedgerEntry(path: "cat.jpg", output: "cat", hash: "00", pipeline: "11", status: .ok, error: nil,
                                timings: ["read": 1], resumed: nil, outOfDomain: true)
        #expect(entry.jsonLine().contains("\"out_of_domain\":true"))
        #expect(try LedgerEntry(json: JSONParser().parse(Array(entry.jsonLine().utf8)), file: "ledger.jsonl") == entry)
    }
}
