// CaptionScorerGoldenTests: BLEU-1..4, ROUGE-L and CIDEr-D, corpus and per image, against
// pycocoevalcap's Bleu(4), Rouge() and Cider() (reference/caption_scores.py, run in the project's
// venv) on generated scene captions and on hand-made edge cases. Both sides get the same tokens
// (the tokenizer has its own golden test), so this checks the scorers alone. Skipped where
// python3 is missing; a failure there when tools are required (GLIMPSE_REQUIRE_TOOLS, CI).

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseSerialization
import GlimpseTestSupport
import Testing

/// One set to score: a candidate and references per image, tokenized.
struct CaptionCase {
    var name: String
    var candidates: [[String]]
    var references: [[[String]]]

    /// Builds a case from space-separated token strings.
    init(_ name: String, _ images: [(String, [String])]) {
        self.name = name
        candidates = images.map { Self.tokens($0.0) }
        references = images.map { $0.1.map(Self.tokens) }
    }

    init(name: String, candidates: [[String]], references: [[[String]]]) {
        (self.name, self.candidates, self.references) = (name, candidates, references)
    }

    static func tokens(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    var json: JSONValue {
        .object([("name", .string(name)),
                 ("candidates", .array(candidates.map { .string($0.joined(separator: " ")) })),
                 ("references", .array(references.map { .array($0.map { .string($0.joined(separator: " ")) }) }))])
    }
}

@Suite("Caption scorers vs pycocoevalcap", .serialized,
       .enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
struct CaptionScorerGoldenTests {
    /// Hand-made edge cases, one image each inside one set (so CIDEr-D has N = 9).
    static let edgeCases = CaptionCase("edge", [
        ("", ["a red five on grass", "a five"]),                                     // empty candidate
        ("a big red five and a small blue three on a brick wall in the top left corner",
         ["a red five", "a blue three on bricks"]),                                   // longer than every reference
        ("five five five five five five", ["a five", "five red fives and five five"]), // repeated words
        ("a green seven", ["a green seven above a black two"]),                       // single reference
        ("a small red digit here", ["a red digit here", "a small red digit here now"]), // lengths 4 and 6 tie around 5
        ("seven", ["seven", "a seven"]),                                              // one word: no bigram
        ("two digits on sand", ["two digits on sand", "a pair of digits on sand"]),   // equal to a reference
        ("a cat", ["", "a cat sits"]),                                                // a reference empty after tokenization
        ("a a a", ["a a a a a a a a", "b a b"]),                                      // clipping by the largest count
    ])

    /// Scene captions: each image's first reference against the others, shortened, and shifted
    /// to the next image (low scores, brevity penalty).
    static func sceneCases() throws -> [CaptionCase] {
        let directory = try CaptionReferenceRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try CaptionReferenceRunner.sceneCaptions(count: 80, seed: 11, in: directory)
        let references = try CaptionReferences(try COCOCaptions.read(path), file: path, referenceSet: .withoutFirst)
        let tokenizer = CaptionTokenizer()
        let firsts = references.firstReferences.map(tokenizer.tokenize)
        let refs = references.references.map { $0.map(tokenizer.tokenize) }
        return [
            CaptionCase(name: "scenes-human", candidates: firsts, references: refs),
            CaptionCase(name: "scenes-truncated", candidates: firsts.map { Array($0.prefix(5)) }, references: refs),
            CaptionCase(name: "scenes-shifted", candidates: Array(firsts.dropFirst()) + [firsts[0]], references: refs),
        ]
    }

    @Test func scoresMatchPycocoevalcap() throws {
        let cases = try Self.sceneCases() + [
            Self.edgeCases,
            CaptionCase("single-image", [("a blue four", ["a blue four", "blue four"])]),   // CIDEr-D 0: idf log(1) = 0
            CaptionCase("all-empty", [("", ["a blue four"]), ("", ["two digits", "a one"])]), // brevity penalty 0
        ]
        let reference = try CaptionReferenceRunner.runScript("caption_scores.py",
                                                             input: .object([("cases", .array(cases.map(\.json)))]))
        var worst = 0.0
        for captionCase in cases {
            let theirs = try #require(reference[captionCase.name], "no reference scores for \(captionCase.name)")
            let result = CaptionEvaluation.evaluate(tokenizedCandidates: captionCase.candidates,
                                                    references: captionCase.references,
                                                    imageIDs: Array(captionCase.candidates.indices))
            func check(_ ours: [Double], _ reference: [Double], _ what: String) {
                #expect(ours.count == reference.count, "\(captionCase.name) \(what): \(ours.count) vs \(reference.count) values")
                for (i, (a, b)) in zip(ours, reference).enumerated() {
                    worst = max(worst, abs(a - b))
                    #expect(abs(a - b) <= 1e-9, "\(captionCase.name) \(what)[\(i)]: \(a) vs pycocoevalcap \(b)")
                }
            }
            check(result.bleu, CaptionReferenceRunner.numbers(theirs["bleu"]), "BLEU")
            check([result.rougeL], [theirs["rouge"]?.doubleValue ?? .nan], "ROUGE-L")
            check([result.ciderD], [theirs["cider"]?.doubleValue ?? .nan], "CIDEr-D")
            guard case let .array(bleuImages)? = theirs["bleu_images"] else { Issue.record("no bleu_images"); continue }
            check(result.images.flatMap(\.bleu), bleuImages.flatMap { CaptionReferenceRunner.numbers($0) }, "per-image BLEU")
            check(result.images.map(\.rougeL), CaptionReferenceRunner.numbers(theirs["rouge_images"]), "per-image ROUGE-L")
            check(result.images.map(\.ciderD), CaptionReferenceRunner.numbers(theirs["cider_images"]), "per-image CIDEr-D")
            print("\(captionCase.name) (\(captionCase.candidates.count) images): BLEU-1..4 "
                  + result.bleu.map { String(format: "%.6f", $0) }.joined(separator: " ")
                  + String(format: ", ROUGE-L %.6f, CIDEr-D %.6f", result.rougeL, result.ciderD))
        }
        print("caption scorers vs pycocoevalcap: largest absolute difference \(worst)")
        // The edge cases' known values: CIDEr-D of one image is 0, empty candidates score 0.
        #expect(CaptionReferenceRunner.numbers(reference["single-image"]?["cider_images"]) == [0])
        #expect(CaptionReferenceRunner.numbers(reference["all-empty"]?["bleu"]).allSatisfy { $0 < 1e-9 })
    }
}
