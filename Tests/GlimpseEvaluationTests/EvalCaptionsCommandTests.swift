// EvalCaptionsCommandTests: `glimpse eval captions` end to end through the binary: both
// prediction formats, --human and --without-first against the library, the JSON report, every
// input error (file and entry in the message, exit 1) and usage errors (exit 2).

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("glimpse eval captions", .serialized)
struct EvalCaptionsCommandTests {
    /// A three-image ground truth: file names under images/, two or three references each.
    static let groundTruth = COCOCaptions(
        images: [COCOImage(id: 1, fileName: "images/000001.png", width: 8, height: 8),
                 COCOImage(id: 2, fileName: "images/000002.png", width: 8, height: 8),
                 COCOImage(id: 5, fileName: "images/000005.png", width: 8, height: 8)],
        annotations: [
            COCOCaption(id: 1, imageID: 1, caption: "A red five on grass."),
            COCOCaption(id: 2, imageID: 1, caption: "a five, red, on the grass"),
            COCOCaption(id: 3, imageID: 1, caption: "a red 5 against grass"),
            COCOCaption(id: 4, imageID: 2, caption: "Two digits: a blue 3 and a black 7."),
            COCOCaption(id: 5, imageID: 2, caption: "a blue three left of a black seven"),
            COCOCaption(id: 6, imageID: 5, caption: "a small white one"),
            COCOCaption(id: 7, imageID: 5, caption: "a white 1 on bricks"),
        ])

    static let predictions = ["a red five on the grass", "a blue three and a black seven", "a white one"]

    /// A folder with gt.json written; the caller removes it.
    func workspace() throws -> String {
        let directory = try CaptionReferenceRunner.temporaryDirectory()
        try Self.groundTruth.write(to: directory + "/gt.json")
        return directory
    }

    func results(_ items: [(Int, String)]) -> String {
        JSONValue.array(items.map { .object([("image_id", .integer($0.0)), ("caption", .string($0.1))]) }).serialized()
    }

    func jsonLines(_ items: [(String, String)]) -> String {
        items.map { JSONValue.object([("input", .string("/data/run/in/\($0.0)")), ("output", .string($0.0)),
                                       ("caption", .string($0.1)), ("logProbability", .number(-3.5))]).serialized() + "\n" }
            .joined()
    }

    func run(_ arguments: [String]) throws -> GlimpseRun {
        try GlimpseProcess.run(["eval", "captions"] + arguments)
    }

    @Test func resultsJSONAndCaptionsJSONLGiveTheLibrarysFigures() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let results = try CaptionReferenceRunner.write(results([(5, Self.predictions[2]), (1, Self.predictions[0]), (2, Self.predictions[1])]),
                                                       named: "results.json", in: directory)
        let lines = try CaptionReferenceRunner.write(jsonLines([("000002.png", Self.predictions[1]), ("000001.png", Self.predictions[0]),
                                                                ("000005.png", Self.predictions[2])]), named: "captions.jsonl", in: directory)
        let expected = CaptionEvaluation.evaluate(candidates: Self.predictions,
                                                  references: [Array(Self.groundTruth.captionsByImage()[1]!),
                                                               Self.groundTruth.captionsByImage()[2]!, Self.groundTruth.captionsByImage()[5]!],
                                                  imageIDs: [1, 2, 5])
        for pred in [results, lines] {
            let out = directory + "/report.json"
            let run = try run(["--gt", directory + "/gt.json", "--pred", pred, "--json", out])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains(String(format: "BLEU-4    %.4f", expected.bleu[3])))
            #expect(run.stdout.contains(String(format: "CIDEr-D   %.4f", expected.ciderD)))
            #expect(run.stderr.contains("warning: CIDEr-D over 3 images"))
            let report = try JSONParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: out))))
            #expect(CaptionReferenceRunner.numbers(.array(["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L", "CIDEr-D"]
                .map { report["scores"]?[$0] ?? .null })) == expected.figures)
            guard case let .array(images)? = report["images"], case let .array(warnings)? = report["warnings"] else {
                Issue.record("report without images or warnings"); continue
            }
            #expect(warnings.count == 1)
            #expect(images.count == 3)
            #expect(images.map { $0["image_id"] } == [.integer(1), .integer(2), .integer(5)])
            #expect(images[0]["file_name"] == .string("images/000001.png"))
            #expect(images[0]["CIDEr-D"]?.doubleValue == expected.images[0].ciderD)
            #expect(images[1]["BLEU-2"]?.doubleValue == expected.images[1].bleu[1])
        }
    }

    @Test func humanAndWithoutFirstScoreAgainstTheSameReferences() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let byImage = Self.groundTruth.captionsByImage()
        let rest = [1, 2, 5].map { Array(byImage[$0]!.dropFirst()) }
        let human = CaptionEvaluation.evaluate(candidates: [1, 2, 5].map { byImage[$0]![0] }, references: rest)
        let model = CaptionEvaluation.evaluate(candidates: Self.predictions, references: rest)
        let humanRun = try run(["--gt", directory + "/gt.json", "--human"])
        #expect(humanRun.status == 0, "\(humanRun.stderr)")
        #expect(humanRun.stdout.contains("first reference of each image held out"))
        #expect(humanRun.stdout.contains(String(format: "ROUGE-L   %.4f", human.rougeL)))
        let results = try CaptionReferenceRunner.write(results([(1, Self.predictions[0]), (2, Self.predictions[1]), (5, Self.predictions[2])]),
                                                       named: "results.json", in: directory)
        let modelRun = try run(["--gt", directory + "/gt.json", "--pred", results, "--without-first"])
        #expect(modelRun.status == 0, "\(modelRun.stderr)")
        #expect(modelRun.stdout.contains(String(format: "BLEU-1    %.4f", model.bleu[0])))
        #expect(modelRun.stdout.contains(String(format: "CIDEr-D   %.4f", model.ciderD)))
    }

    /// Bad inputs: (prediction file text, name, words the message must hold).
    static let badPredictions: [(String, String, [String])] = [
        ("[{\"image_id\": 1, \"caption\": \"a\"},", "results.json", ["results.json", "syntax", "line 1 column"]),
        ("{\"input\": \"x/000001.png\", \"caption\": \"a\"}\n{\"input\": \"000002.png\", \"caption\": \n",
         "captions.jsonl", ["captions.jsonl", "line 2", "syntax"]),
        ("[{\"image_id\": 1, \"caption\": \"a\"}, {\"image_id\": 99, \"caption\": \"b\"}]", "results.json",
         ["results.json", "result 1", "image id 99 is not in the ground truth", "gt.json", "another split"]),
        ("{\"input\": \"/r/000001.png\", \"caption\": \"a\"}\n{\"input\": \"/r/000777.png\", \"caption\": \"b\"}\n",
         "captions.jsonl", ["captions.jsonl", "line 2", "file name 000777.png is not in the ground truth"]),
        ("[{\"image_id\": 1, \"caption\": \"a\"}]", "results.json",
         ["results.json", "2 of the 3 ground-truth images", "have no prediction", "image 2 (images/000002.png)"]),
        ("[{\"image_id\": 1, \"caption\": \"a\"}, {\"image_id\": 2, \"caption\": \"b\"}, {\"image_id\": 1, \"caption\": \"c\"}]",
         "results.json", ["results.json", "result 2", "a second caption for image id 1 (the first is result 0)"]),
        ("{\"input\": \"/r/000001.png\", \"caption\": \"a\"}\n\n{\"input\": \"/q/000001.png\", \"caption\": \"b\"}\n",
         "captions.jsonl", ["captions.jsonl", "line 3", "a second caption for 000001.png (the first is line 1)"]),
        ("[{\"image_id\": 1, \"caption\": 7}]", "results.json", ["results.json", "result 0", "\"caption\" is a number"]),
        ("[{\"caption\": \"a\"}]", "results.json", ["results.json", "result 0", "no integer \"image_id\""]),
        ("{\"output\": \"000001\", \"caption\": \"a\"}\n", "captions.jsonl", ["captions.jsonl", "line 1", "no string \"input\""]),
        ("[3]", "results.json", ["results.json", "result 0", "a number, not an object"]),
    ]

    @Test(arguments: badPredictions)
    func badPredictionsExitOneNamingFileAndEntry(_ text: String, _ name: String, _ words: [String]) throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pred = try CaptionReferenceRunner.write(text, named: name, in: directory)
        let run = try run(["--gt", directory + "/gt.json", "--pred", pred])
        #expect(run.status == 1)
        for word in words { #expect(run.stderr.contains(word), "\(word) not in: \(run.stderr)") }
    }

    @Test func badGroundTruthAndUnwritableReportExitOne() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let results = try CaptionReferenceRunner.write(results([(1, "a"), (2, "b"), (5, "c")]), named: "results.json", in: directory)
        let missing = try run(["--gt", directory + "/nope.json", "--pred", results])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.json"))
        let broken = try CaptionReferenceRunner.write("{\"images\": [", named: "broken.json", in: directory)
        let brokenRun = try run(["--gt", broken, "--pred", results])
        #expect(brokenRun.status == 1)
        #expect(brokenRun.stderr.contains("broken.json") && brokenRun.stderr.contains("line 1"))
        // --human needs two references per image; image 9 has one.
        var oneReference = Self.groundTruth
        oneReference.images.append(COCOImage(id: 9, fileName: "images/000009.png", width: 8, height: 8))
        oneReference.annotations.append(COCOCaption(id: 8, imageID: 9, caption: "a lone caption"))
        try oneReference.write(to: directory + "/one.json")
        let human = try run(["--gt", directory + "/one.json", "--human"])
        #expect(human.status == 1)
        #expect(human.stderr.contains("one.json") && human.stderr.contains("image 9 (images/000009.png)")
                && human.stderr.contains("at least 2"))
        let unwritable = try run(["--gt", directory + "/gt.json", "--pred", results, "--json", directory + "/no/such/dir/r.json"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("no/such/dir/r.json"))
    }

    @Test(arguments: [["--gt", "gt.json"], ["--gt", "gt.json", "--human", "--pred", "p.json"],
                      ["--pred", "p.json"], ["--gt", "gt.json", "--human", "--without-first"]])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let run = try run(arguments)
        #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
    }
}
