// ROUGEL: ROUGE-L as coco-caption computes it (pycocoevalcap/rouge/rouge.py).
//
// Lin 2004, with coco-caption's choices: per reference, the longest common subsequence (LCS) of
// candidate and reference tokens gives P = LCS/|candidate| and R = LCS/|reference|; the largest P
// and the largest R over the references (taken separately, possibly from different references)
// give F = (1 + beta^2) P R / (R + beta^2 P) with beta = 1.2, 0 when either is 0; the set's score
// is the mean over images. The reference splits on a single space, so an empty sentence is one
// empty token (length 1): an empty candidate scores 0 except against an empty reference. That is
// kept here for agreement.

/// ROUGE-L with coco-caption's beta and max-P / max-R rule.
public struct ROUGEL: Sendable {
    /// The weight of recall against precision (1.2 in coco-caption).
    public var beta: Double

    /// Creates the scorer.
    public init(beta: Double = 1.2) { self.beta = beta }

    /// The scores of a set.
    public struct Scores: Sendable, Equatable {
        /// Mean over images.
        public var corpus: Double
        /// Per image, in input order.
        public var perImage: [Double]
    }

    /// Scores `candidates[i]` against `references[i]` (at least one each); all tokenized.
    public func score(candidates: [[String]], references: [[[String]]]) -> Scores {
        precondition(candidates.count == references.count, "ROUGE-L: one candidate per image")
        let perImage = zip(candidates, references).map { sentenceScore(candidate: $0, references: $1) }
        let corpus = perImage.isEmpty ? .nan : perImage.reduce(0, +) / Double(perImage.count)
        return Scores(corpus: corpus, perImage: perImage)
    }

    /// ROUGE-L of one candidate against its references.
    public func sentenceScore(candidate: [String], references: [[String]]) -> Double {
        precondition(!references.isEmpty, "ROUGE-L: an image without references")
        let c = candidate.isEmpty ? [""] : candidate
        var bestPrecision = 0.0, bestRecall = 0.0
        for reference in references {
            let r = reference.isEmpty ? [""] : reference
            let lcs = Double(Self.longestCommonSubsequence(c, r))
            bestPrecision = max(bestPrecision, lcs / Double(c.count))
            bestRecall = max(bestRecall, lcs / Double(r.count))
        }
        guard bestPrecision != 0, bestRecall != 0 else { return 0 }
        let beta2 = beta * beta
        return ((1 + beta2) * bestPrecision * bestRecall) / (bestRecall + beta2 * bestPrecision)
    }

    /// The length of the longest common subsequence of `a` and `b` (dynamic programming, one row).
    static func longestCommonSubsequence(_ a: [String], _ b: [String]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: b.count + 1), current = previous
        for x in a {
            for j in 1...b.count {
                current[j] = x == b[j - 1] ? previous[j - 1] + 1 : max(previous[j], current[j - 1])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
