// CIDErD: CIDEr-D as coco-caption computes it (pycocoevalcap/cider/cider_scorer.py).
//
// Vedantam et al. 2015 ("CIDEr: Consensus-based Image Description Evaluation"), the "-D" variant
// coco-caption ships: n-grams of order 1..4, each sentence a TF-IDF vector per order with
// tf = raw count and idf = log(N) - log(max(1, df)), N = number of images in the evaluated set and
// df = number of those images whose references contain the n-gram. So the document frequencies
// come from the evaluated set's own references: one image gives idf 0 everywhere and a score of 0,
// and small sets give unstable figures (see `CaptionEvaluation`'s warning). Per reference and
// order: sum over the candidate's n-grams of min(w_c, w_r) * w_r (the candidate's weight clipped
// by the reference's), divided by |w_c| |w_r| when both are non-zero, times the length penalty
// e^(-delta^2 / (2 sigma^2)), sigma = 6, delta = the difference of the two sentences' bigram
// counts (word lengths minus one, 0 for an empty or one-word sentence). The image's score is the
// mean over orders, averaged over its references, times 10; the set's is the mean over images.

import Foundation

/// CIDEr-D with coco-caption's constants (n = 4, sigma = 6, x10).
public struct CIDErD: Sendable {
    /// The largest n-gram order.
    public var maxOrder: Int
    /// The length penalty's standard deviation, in words.
    public var sigma: Double

    /// Creates the scorer.
    public init(maxOrder: Int = 4, sigma: Double = 6) {
        precondition(maxOrder >= 2, "CIDEr-D: the length penalty counts bigrams, so maxOrder must be at least 2")
        self.maxOrder = maxOrder
        self.sigma = sigma
    }

    /// The scores of a set.
    public struct Scores: Sendable, Equatable {
        /// Mean over images.
        public var corpus: Double
        /// Per image, in input order.
        public var perImage: [Double]
    }

    /// One sentence as TF-IDF vectors per order, with their norms and its bigram count.
    struct Vector {
        var weights: [[CaptionNGrams.Key: Double]]
        var order: [[CaptionNGrams.Key]]
        var norms: [Double]
        var bigrams: Int
    }

    /// Scores `candidates[i]` against `references[i]` (at least one each); all tokenized. The
    /// document frequencies come from `references`.
    public func score(candidates: [[String]], references: [[[String]]]) -> Scores {
        precondition(candidates.count == references.count, "CIDEr-D: one candidate per image")
        guard !candidates.isEmpty else { return Scores(corpus: .nan, perImage: []) }
        let referenceGrams = references.map { refs -> [CaptionNGrams] in
            precondition(!refs.isEmpty, "CIDEr-D: an image without references")
            return refs.map { CaptionNGrams($0, maxOrder: maxOrder) }
        }
        // Document frequency: in how many images' reference sets each n-gram occurs.
        var documentFrequency = [CaptionNGrams.Key: Double]()
        for grams in referenceGrams {
            var seen = Set<CaptionNGrams.Key>()
            for gram in grams { for order in gram.orders { seen.formUnion(order.keys) } }
            for key in seen { documentFrequency[key, default: 0] += 1 }
        }
        let logImages = log(Double(candidates.count))
        let penaltyDenominator = 2 * sigma * sigma
        var perImage = [Double]()
        perImage.reserveCapacity(candidates.count)
        for (candidate, grams) in zip(candidates, referenceGrams) {
            let hypothesis = vector(CaptionNGrams(candidate, maxOrder: maxOrder), logImages: logImages, df: documentFrequency)
            var sum = [Double](repeating: 0, count: maxOrder)
            for gram in grams {
                let reference = vector(gram, logImages: logImages, df: documentFrequency)
                let delta = Double(hypothesis.bigrams - reference.bigrams)
                let penalty = pow(M_E, -(delta * delta) / penaltyDenominator)
                for n in 0..<maxOrder {
                    var value = 0.0
                    for key in hypothesis.order[n] {
                        let h = hypothesis.weights[n][key]!, r = reference.weights[n][key] ?? 0
                        value += min(h, r) * r
                    }
                    if hypothesis.norms[n] != 0, reference.norms[n] != 0 { value /= hypothesis.norms[n] * reference.norms[n] }
                    sum[n] += value * penalty
                }
            }
            var mean = 0.0
            for n in 0..<maxOrder { mean += sum[n] }
            mean /= Double(maxOrder)
            mean /= Double(grams.count)
            perImage.append(mean * 10)
        }
        return Scores(corpus: perImage.reduce(0, +) / Double(perImage.count), perImage: perImage)
    }

    /// The TF-IDF vectors of one sentence's n-grams.
    func vector(_ grams: CaptionNGrams, logImages: Double, df: [CaptionNGrams.Key: Double]) -> Vector {
        var weights = [[CaptionNGrams.Key: Double]](repeating: [:], count: maxOrder)
        var norms = [Double](repeating: 0, count: maxOrder)
        var bigrams = 0
        for n in 0..<maxOrder {
            for key in grams.sequence[n] {
                let termFrequency = grams.orders[n][key]!
                let weight = Double(termFrequency) * (logImages - log(max(1, df[key] ?? 0)))
                weights[n][key] = weight
                norms[n] += weight * weight
                if n == 1 { bigrams += termFrequency }
            }
        }
        return Vector(weights: weights, order: grams.sequence, norms: norms.map { $0.squareRoot() }, bigrams: bigrams)
    }
}
