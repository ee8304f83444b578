// SceneTruthReport: the share of images whose candidate caption is true of its generated scene
// (`SceneCaptionTruth`), and how many images fail in each way, for `glimpse eval captions
// --scenes`. Failure counts are per image: an image whose caption names two digits the scene
// lacks counts once under "wrong digit"; one image can count under several kinds.

import GlimpseDatasets
import GlimpseSerialization

/// Caption truth over a set of generated scenes.
public struct SceneTruthReport: Sendable {
    /// Image ids, in the candidates' order.
    public var imageIDs: [Int]
    /// The candidate caption per image.
    public var candidates: [String]
    /// The verdict per image.
    public var verdicts: [SceneCaptionTruth.Verdict]

    /// Judges `candidates[i]` against the facts of image `imageIDs[i]`. `facts` (from `factsFile`,
    /// named in errors) must hold exactly the captioned images: a missing image or extra scenes
    /// mean the scene file of another split (one with the same image ids and count cannot be
    /// told apart; its share falls to the floor).
    public init(candidates: [String], imageIDs: [Int], facts: [Int: SceneFacts], factsFile: String) throws(EvaluationError) {
        precondition(candidates.count == imageIDs.count, "SceneTruthReport: \(candidates.count) candidates for \(imageIDs.count) images")
        let missing = imageIDs.filter { facts[$0] == nil }
        if let first = missing.first {
            throw EvaluationError(.mismatch, file: factsFile, entry: "image \(first)",
                                  "\(missing.count) of the \(imageIDs.count) captioned images have no scene here: "
                                  + "the instances.json of another split?")
        }
        if facts.count != imageIDs.count {
            throw EvaluationError(.mismatch, file: factsFile, "\(facts.count) scenes for \(imageIDs.count) captioned images: "
                                  + "the instances.json of another split?")
        }
        (self.imageIDs, self.candidates) = (imageIDs, candidates)
        verdicts = zip(candidates, imageIDs).map { SceneCaptionTruth.judge($0, facts: facts[$1]!) }
    }

    /// The number of images.
    public var count: Int { verdicts.count }
    /// The number of images whose caption is true.
    public var trueCount: Int { verdicts.filter(\.isTrue).count }
    /// `trueCount / count` (0 for no images).
    public var share: Double { count == 0 ? 0 : Double(trueCount) / Double(count) }

    /// The number of images failing in each way, for the kinds that occur, in declaration order.
    public var failureCounts: [(kind: SceneCaptionTruth.FailureKind, images: Int)] {
        SceneCaptionTruth.FailureKind.allCases.compactMap { kind in
            let n = verdicts.filter { $0.failures.contains { $0.kind == kind } }.count
            return n == 0 ? nil : (kind, n)
        }
    }

    /// The report as JSON: `image_count`, `true_count`, `share`, `failures` (kind -> images) and
    /// `false_images` (id, candidate and reasons of every image whose caption is not true),
    /// plus `context` members first.
    public func json(context: [JSONMember] = []) -> JSONValue {
        let failures = failureCounts.map { JSONMember(key: $0.kind.rawValue, value: .integer($0.images)) }
        let falseImages = zip(imageIDs, zip(candidates, verdicts)).filter { !$0.1.1.isTrue }.map { id, pair in
            JSONValue.object([("image_id", .integer(id)), ("candidate", .string(pair.0)),
                              ("reasons", .array(pair.1.reasons.map { .string($0) }))])
        }
        return .object(context + [
            ("image_count", .integer(count)), ("true_count", .integer(trueCount)), ("share", .number(share)),
            ("failures", .object(failures)), ("false_images", .array(falseImages)),
        ])
    }
}
