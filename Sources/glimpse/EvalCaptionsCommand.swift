// `glimpse eval captions`: BLEU-1..4, ROUGE-L and CIDEr-D of predicted captions against COCO
// reference captions, as pycocoevalcap computes them, with a Java-free tokenizer; or the
// human-agreement bar (each image's first reference scored against the others). With --scenes,
// also the share of candidates that are true of their generated scene (SceneCaptionTruth).

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseFiles
import GlimpseSerialization

/// `glimpse eval captions`
struct EvalCaptions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "captions",
        abstract: "BLEU-1..4, ROUGE-L and CIDEr-D of captions against COCO references (pycocoevalcap's figures).",
        discussion: """
            --pred is a run's captions.jsonl (matched to the ground truth by the file name of "input") or a \
            COCO caption results JSON ([{"image_id", "caption"}]); every ground-truth image needs exactly \
            one prediction. --human scores each image's first reference as the candidate against the \
            remaining ones (the human-agreement bar); --without-first scores --pred against those same \
            remaining references, so the two figures compare. Captions are tokenized as coco-caption's \
            PTB tokenizer does (lower case, punctuation dropped, clitics split), without Java. \
            CIDEr-D takes its document frequencies from the evaluated references: below \
            \(CaptionEvaluation.ciderMinimumImages) images a warning says so. --scenes INSTANCES.json (a generated \
            scene split's) also judges each candidate true or false of its scene: every digit, colour, size, count \
            and background it names must be right, and it must name a digit or a count. \
            Exit 1 for bad inputs, 2 for usage errors.
            """)

    @Option(help: "COCO captions JSON with the reference captions.")
    var gt: String
    @Option(help: "Predictions: captions.jsonl or COCO caption results JSON.")
    var pred: String?
    @Flag(help: "Score each image's first reference against its other references (no --pred).")
    var human = false
    @Flag(help: "Score --pred against every reference but the first (comparable with --human).")
    var withoutFirst = false
    @Option(help: "Write everything, per-image scores included, to this JSON file (atomically).")
    var json: String?
    @Option(help: ArgumentHelp("Also report the share of candidates true of their generated scene, from this instances.json.",
                               valueName: "INSTANCES.json"))
    var scenes: String?

    func validate() throws {
        if human {
            guard pred == nil else { throw ValidationError("--human scores the ground truth's own first references: leave out --pred") }
        } else {
            guard pred != nil else { throw ValidationError("give --pred FILE (or --human for the human-agreement bar)") }
        }
        if withoutFirst && human { throw ValidationError("--human already holds the first reference out; --without-first is for --pred") }
    }

    func run() throws {
        do {
            let groundTruth = try COCOCaptions.read(gt)
            let referenceSet: CaptionEvaluation.ReferenceSet = human || withoutFirst ? .withoutFirst : .all
            let references = try CaptionReferences(groundTruth, file: gt, referenceSet: referenceSet)
            let candidates: [String]
            var source: String
            if let pred {
                let predictions = try CaptionPredictions.read(pred, references: references, groundTruthFile: gt)
                candidates = predictions.candidates
                source = "\(pred) (\(predictions.format.rawValue))"
            } else {
                candidates = references.firstReferences
                source = "each image's first reference (human agreement)"
            }
            // Judged before any output, so a scene file of another split fails up front.
            var truth: SceneTruthReport?
            if let scenes {
                truth = try SceneTruthReport(candidates: candidates, imageIDs: references.imageIDs,
                                             facts: try SceneFacts.read(scenes), factsFile: scenes)
            }
            let result = CaptionEvaluation.evaluate(candidates: candidates, references: references.references,
                                                    imageIDs: references.imageIDs)
            let referenceCount = references.references.reduce(0) { $0 + $1.count }
            print("ground truth: \(gt) (\(references.imageIDs.count) images, \(referenceCount) references"
                  + (referenceSet == .withoutFirst ? ", first reference of each image held out)" : ")"))
            print("candidates: \(source)")
            print("tokens: \(result.candidateLength) candidate, \(result.referenceLength) reference (closest lengths)")
            print("metric    score")
            for (name, value) in zip(CaptionEvaluation.metricNames, result.figures) {
                print(name.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: "  %.4f", value))
            }
            if let truth {
                print(String(format: "true captions: %.1f%% (%d of %d)", 100 * truth.share, truth.trueCount, truth.count))
                for (kind, images) in truth.failureCounts {
                    print("  " + kind.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0) + "\(images) image" + (images == 1 ? "" : "s"))
                }
            }
            for warning in result.warnings { printError("warning: \(warning)") }
            if let json {
                let context: [JSONMember] = [
                    ("gt", .string(gt)), ("pred", pred.map { .string($0) } ?? .null),
                    ("candidates", .string(human ? "first-reference" : "pred")),
                    ("references", .string(referenceSet.rawValue)),
                    ("tokenizer", .string("CaptionTokenizer (coco-caption PTB, Java-free)")),
                ]
                var report = result.json(context: context, fileNames: references.fileNames)
                if let truth, case var .object(members) = report {
                    members.append(("truth", truth.json(context: [("scenes", .string(scenes ?? ""))])))
                    report = .object(members)
                }
                let text = report.serialized() + "\n"
                do {
                    try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: json))
                } catch {
                    throw EvaluationError(.unwritable, file: json, "\(error)")
                }
                print("wrote \(json)")
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
