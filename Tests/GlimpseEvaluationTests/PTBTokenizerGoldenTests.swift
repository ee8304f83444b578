// PTBTokenizerGoldenTests: the Java-free tokenizer against coco-caption's real tokenization
// (pycocoevalcap's PTBTokenizer: Stanford CoreNLP 3.4.1's jar, shipped with pycocoevalcap, run
// with -preserveLines -lowerCase, then its PUNCTUATIONS removed; reference/ptb_tokens.py) on
// generated scene captions and on hand-made sentences with punctuation, clitics, capitals and
// hyphens. Needs python3 and java: skipped where either is missing, a failure when tools are
// required (scripts/test.sh installs both: scripts/setup.sh --tests adds a JRE if java is missing).

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("Caption tokenizer vs PTBTokenizer", .serialized,
       .enabled(if: ExternalTool.python3.testsRun && ExternalTool.java.testsRun,
                Comment(rawValue: ExternalTool.java.path == nil ? ExternalTool.java.skipReason : ExternalTool.python3.skipReason)))
struct PTBTokenizerGoldenTests {
    /// Hand-made sentences beyond the unit tests' list: capitals, hyphens, clitics, punctuation.
    static let extraSentences = [
        "Two Red Digits On A Brick Wall.", "A DOG'S LIFE ISN'T EASY!", "A well-known, long-haired cat sits.",
        "The man's hat; the men's hats; the boss's desk.", "Is it a 7? It's a 1!", "They've got a five-year-old's toy.",
        "A blue 4 - and a green 2 -- side by side.", "\"Hello,\" she said.", "Three (3) digits: 1, 2 and 3.",
        "A cat, a dog, and a bird...", "We'll see; you'd know; I'd've gone.", "An e-mail from the U.K. office.",
        "the digits are n't here", "a man 's dog", "Mr. and Mrs. Smith at St. Louis.", "Pick-up trucks' tyres.", "It wouldn't've been a SEVEN.",
        "A 10-year-old boy's red/blue kite [left] {right}.", "Cats & dogs: 2 + 2 = 4?!",
        // Less common inputs, checked once against the jar on 2026-12-02:
        "A man.A dog", "A sign that says 'STOP'.", "A 'Do not enter' sign", "People at the U.S.A. border.",
        "It is 5 p.m", "The No. 5 bus.", "A train at 10:45am.", "A 3.5-inch disk.",
        "A mother-in-law's car.", "Two men--one tall--walk.", "A bus; a car: a van!",
        "A group of people (some sitting) near a car.", "A dog..", "An A.", "I.", "Dr Who", "The 1990's style.",
        "Rock 'n' roll music.", "a cat's paw's tip", "A  man   with\ttabs", "Ya'll come back", "O'Neil's pub",
        "Don't!", "It's 100% cotton.", "A @user #tag", "A toy car/truck.", "John & Mary's house.", "A 2x4 board.",
        "An e.g. example.", "Approx. 5 dogs.", "The U.N.'s flag.", "A man w/ a hat.", "A cat... a dog...", "What?",
        "A dog!?", "a; b", "'Hello' he said", "\"A quote\"", "It ain't so.", "The dogs' bowls' rims.",
        "A 'cool' car.", "ABC's show", "Twenty-five cats.", "A cat - a dog", "A cat -- a dog", "x-ray", "-3 degrees",
        "a +5 bonus", "5' tall", "the '80s", "St.Louis",
    ]

    @Test func matchesPTBTokenizerOnSceneCaptionsAndHandMadeSentences() throws {
        _ = try ExternalTool.java.require()
        let directory = try CaptionReferenceRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try CaptionReferenceRunner.sceneCaptions(count: 60, seed: 5, in: directory)
        let sceneSentences = try COCOCaptions.read(path).annotations.map(\.caption)
        let sentences = sceneSentences + CaptionTokenizerTests.cases.map(\.0) + Self.extraSentences
        let reference = try CaptionReferenceRunner.runScript("ptb_tokens.py", input: .array(sentences.map { .string($0) }))
        guard case let .array(items) = reference else { Issue.record("ptb_tokens.py: not a list"); return }
        #expect(items.count == sentences.count)
        var differing = [String]()
        for (sentence, item) in zip(sentences, items) {
            guard case let .string(theirs) = item else { Issue.record("not a string: \(item)"); continue }
            let ours = CaptionTokenizer().tokenize(sentence).joined(separator: " ")
            if ours != theirs { differing.append("\(sentence) -> ours: \(ours) | PTB: \(theirs)") }
        }
        #expect(differing.isEmpty, Comment(rawValue: "\(differing.count) sentences differ:\n" + differing.joined(separator: "\n")))
        print("tokenizer vs PTBTokenizer: \(sentences.count - differing.count) of \(sentences.count) sentences identical "
              + "(\(sceneSentences.count) scene captions)")
    }

    /// The whole command against coco-caption's whole pipeline (PTB tokenization included) on
    /// 120 scene images: the human-agreement bar and a "another image's caption" prediction file
    /// scored --without-first.
    @Test func evalCaptionsMatchesCocoCaptionEndToEnd() throws {
        _ = try ExternalTool.java.require()
        let directory = try CaptionReferenceRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let gt = try CaptionReferenceRunner.sceneCaptions(count: 120, seed: 21, in: directory)
        let file = try COCOCaptions.read(gt)
        let byImage = file.captionsByImage()
        let ids = file.images.map(\.id)
        let shifted = JSONValue.array(ids.indices.map { k in
            .object([("image_id", .integer(ids[k])), ("caption", .string(byImage[ids[(k + 1) % ids.count]]![0]))])
        })
        let results = try CaptionReferenceRunner.write(shifted.serialized(), named: "shifted.json", in: directory)
        for (arguments, resultsPath) in [(["--human"], nil), (["--pred", results, "--without-first"], results)] as [([String], String?)] {
            let report = directory + "/report.json"
            let run = try GlimpseProcess.run(["eval", "captions", "--gt", gt, "--json", report] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            let ours = try JSONParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: report))))
            let reference = try CaptionReferenceRunner.runScript(
                "coco_eval_cap.py", input: .object([("gt", .string(gt)), ("results", resultsPath.map { .string($0) } ?? .null)]))
            let theirs = CaptionReferenceRunner.numbers(reference["scores"])
            let figures = CaptionEvaluation.metricNames.compactMap { ours["scores"]?[$0]?.doubleValue }
            #expect(figures.count == 6 && theirs.count == 6)
            for (name, (a, b)) in zip(CaptionEvaluation.metricNames, zip(figures, theirs)) {
                #expect(abs(a - b) <= 1e-9, "\(arguments): \(name) \(a) vs coco-caption \(b)")
            }
            guard case let .array(images)? = ours["images"] else { Issue.record("no images"); continue }
            let perImage = images.compactMap { $0["CIDEr-D"]?.doubleValue }
            for (a, b) in zip(perImage, CaptionReferenceRunner.numbers(reference["cider_images"])) {
                #expect(abs(a - b) <= 1e-9)
            }
            print("eval captions \(arguments.first!) vs coco-caption with PTB: "
                  + zip(figures, theirs).map { String(format: "%.6f/%.6f", $0, $1) }.joined(separator: " "))
        }
    }
}
