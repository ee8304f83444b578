// CaptionEvaluation: BLEU-1..4, ROUGE-L and CIDEr-D of one candidate caption per image against
// the image's reference captions, tokenized as coco-caption tokenizes them, with per-image scores
// and warnings; also the human-agreement bar (each image's first reference as the candidate).
//
// The same code serves `glimpse eval captions` and a trainer's validation figures. Candidates and
// references are raw sentences; `CaptionTokenizer` turns both into tokens first, as
// pycocoevalcap's COCOEvalCap does with PTBTokenizer.

import Foundation

/// Caption metrics of a set: corpus figures, per-image scores and warnings.
public struct CaptionEvaluation: Sendable {
    /// Below this many images CIDEr-D's document frequencies (taken from the evaluated set's own
    /// references) are warned about: idf = log(N / df) is 0 for every n-gram at N = 1 and coarse
    /// for small N, so CIDEr-D moves with the set's size and is comparable only between sets of
    /// similar size (docs/eval-captions.md measures the drift on the scene test split).
    public static let ciderMinimumImages = 100

    /// Which references the candidates are scored against.
    public enum ReferenceSet: String, Sendable {
        /// Every reference of the image.
        case all
        /// Every reference but the image's first (in file order): the references the
        /// human-agreement bar uses, so a model scored this way compares with it.
        case withoutFirst = "without-first"
    }

    /// The scores of one image.
    public struct ImageScore: Sendable, Equatable {
        /// Its position in the input (and its id, when the caller has one).
        public var imageID: Int
        /// The candidate sentence as given.
        public var candidate: String
        /// The candidate's tokens.
        public var candidateTokens: [String]
        /// How many references it was scored against.
        public var referenceCount: Int
        /// BLEU-1..4 of this sentence alone (pycocoevalcap's per-image list).
        public var bleu: [Double]
        /// ROUGE-L.
        public var rougeL: Double
        /// CIDEr-D (with the set's document frequencies).
        public var ciderD: Double
    }

    /// BLEU-1..4 of the set.
    public var bleu: [Double]
    /// ROUGE-L (mean over images).
    public var rougeL: Double
    /// CIDEr-D (mean over images).
    public var ciderD: Double
    /// Summed candidate length in tokens (BLEU's c).
    public var candidateLength: Int
    /// Summed length of each image's closest reference (BLEU's r).
    public var referenceLength: Int
    /// One entry per image, in input order.
    public var images: [ImageScore]
    /// Things a reader of the figures must know (small set for CIDEr-D, empty candidates).
    public var warnings: [String]

    /// Scores `candidates[i]` against `references[i]` (at least one each); `imageIDs` name the
    /// images in the per-image scores and warnings (default 0, 1, ...).
    public static func evaluate(candidates: [String], references: [[String]], imageIDs: [Int]? = nil,
                                tokenizer: CaptionTokenizer = CaptionTokenizer()) -> CaptionEvaluation {
        precondition(candidates.count == references.count, "CaptionEvaluation: one candidate per image")
        let ids = imageIDs ?? Array(candidates.indices)
        precondition(ids.count == candidates.count, "CaptionEvaluation: one id per image")
        let candidateTokens = candidates.map(tokenizer.tokenize)
        let referenceTokens = references.map { $0.map(tokenizer.tokenize) }
        return evaluate(tokenizedCandidates: candidateTokens, references: referenceTokens, imageIDs: ids,
                        rawCandidates: candidates)
    }

    /// Scores already tokenized sentences.
    public static func evaluate(tokenizedCandidates: [[String]], references: [[[String]]], imageIDs: [Int],
                                rawCandidates: [String]? = nil) -> CaptionEvaluation {
        precondition(!tokenizedCandidates.isEmpty, "CaptionEvaluation: no images")
        let bleu = BLEU().score(candidates: tokenizedCandidates, references: references)
        let rouge = ROUGEL().score(candidates: tokenizedCandidates, references: references)
        let cider = CIDErD().score(candidates: tokenizedCandidates, references: references)
        var images = [ImageScore]()
        for i in tokenizedCandidates.indices {
            images.append(ImageScore(
                imageID: imageIDs[i], candidate: rawCandidates?[i] ?? tokenizedCandidates[i].joined(separator: " "),
                candidateTokens: tokenizedCandidates[i], referenceCount: references[i].count,
                bleu: bleu.perImage[i], rougeL: rouge.perImage[i], ciderD: cider.perImage[i]))
        }
        var warnings = [String]()
        let count = tokenizedCandidates.count
        if count < ciderMinimumImages {
            warnings.append("CIDEr-D over \(count) image\(count == 1 ? "" : "s"): its document frequencies come from the "
                + "evaluated references, so below \(ciderMinimumImages) images it is unstable (0 for one image) and "
                + "comparable only with figures on a set of the same size")
        }
        let empty = images.filter { $0.candidateTokens.isEmpty }
        if !empty.isEmpty {
            warnings.append("\(empty.count) candidate\(empty.count == 1 ? " is" : "s are") empty after tokenization "
                + "(first: image \(empty[0].imageID)); they score 0")
        }
        return CaptionEvaluation(bleu: bleu.corpus, rougeL: rouge.corpus, ciderD: cider.corpus,
                                 candidateLength: bleu.candidateLength, referenceLength: bleu.referenceLength,
                                 images: images, warnings: warnings)
    }

    /// The metric names in table order: BLEU-1..4, ROUGE-L, CIDEr-D.
    public static let metricNames = ["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L", "CIDEr-D"]

    /// The set's figures in `metricNames` order.
    public var figures: [Double] { bleu + [rougeL, ciderD] }
}
