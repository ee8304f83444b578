// BLEU: corpus BLEU-1..4 as coco-caption computes it (pycocoevalcap/bleu/bleu_scorer.py,
// `compute_score(option='closest')`), and its per-image list.
//
// Papineni et al. 2002, with coco-caption's choices: per sentence, n-gram counts are clipped by
// the largest count in any one reference; clipped matches ("correct") and candidate n-grams
// ("guess") are summed over the whole set; the reference length of a sentence is the one closest
// to the candidate's length, the shorter on a tie; BLEU-n = (prod_{k<=n} (correct_k + 1e-15) /
// (guess_k + 1e-9))^(1/n), times the brevity penalty exp(1 - r/c) when c < r (c, r: summed
// candidate and reference lengths, each + the same 1e-15 / 1e-9), for every n. No smoothing: a set
// without a single matching 4-gram gets BLEU-4 ~ 1e-6^(1/4)-ish, not 0.
//
// The per-image figures are the same formula on one sentence (sentence BLEU-n with the same
// constants), which is what pycocoevalcap's second return value holds.

import Foundation

/// Corpus BLEU-1..`maxOrder` with coco-caption's reference length and constants.
public struct BLEU: Sendable {
    /// The largest n-gram order (4 for BLEU-1..4).
    public var maxOrder: Int

    /// Creates the scorer for BLEU-1..`maxOrder`.
    public init(maxOrder: Int = 4) {
        precondition(maxOrder >= 1, "BLEU: maxOrder must be at least 1")
        self.maxOrder = maxOrder
    }

    /// The scores of a set: `corpus[n - 1]` is BLEU-n of the whole set, `perImage[i][n - 1]` the
    /// same formula on image i alone.
    public struct Scores: Sendable, Equatable {
        /// BLEU-1..n of the set.
        public var corpus: [Double]
        /// Per image (in input order), BLEU-1..n of its one sentence.
        public var perImage: [[Double]]
        /// Summed candidate length (tokens).
        public var candidateLength: Int
        /// Summed chosen reference length (tokens).
        public var referenceLength: Int
    }

    /// Scores `candidates[i]` against `references[i]` (at least one each); all tokenized.
    public func score(candidates: [[String]], references: [[[String]]]) -> Scores {
        precondition(candidates.count == references.count, "BLEU: one candidate per image")
        let tiny = 1e-15, small = 1e-9
        var totalCorrect = [Int](repeating: 0, count: maxOrder), totalGuess = totalCorrect
        var testLength = 0, referenceLength = 0
        var perImage = [[Double]]()
        perImage.reserveCapacity(candidates.count)
        for (candidate, refs) in zip(candidates, references) {
            precondition(!refs.isEmpty, "BLEU: an image without references")
            // Clipping bound: the largest count of each n-gram in any single reference.
            var maxCounts = [[CaptionNGrams.Key: Int]](repeating: [:], count: maxOrder)
            for ref in refs {
                let grams = CaptionNGrams(ref, maxOrder: maxOrder)
                for k in 0..<maxOrder {
                    for (key, count) in grams.orders[k] where count > maxCounts[k][key, default: 0] {
                        maxCounts[k][key] = count
                    }
                }
            }
            let c = candidate.count
            // Closest reference length, the shorter one on a tie: min over (|l - c|, l).
            let r = refs.map(\.count).min { (abs($0 - c), $0) < (abs($1 - c), $1) }!
            let grams = CaptionNGrams(candidate, maxOrder: maxOrder)
            var correct = [Int](repeating: 0, count: maxOrder), guess = correct
            for k in 0..<maxOrder {
                guess[k] = max(0, c - k)
                for (key, count) in grams.orders[k] { correct[k] += min(maxCounts[k][key, default: 0], count) }
                totalCorrect[k] += correct[k]
                totalGuess[k] += guess[k]
            }
            testLength += c
            referenceLength += r
            perImage.append(Self.combine(correct: correct, guess: guess, testLength: c, referenceLength: r,
                                         tiny: tiny, small: small))
        }
        let corpus = Self.combine(correct: totalCorrect, guess: totalGuess, testLength: testLength,
                                  referenceLength: referenceLength, tiny: tiny, small: small)
        return Scores(corpus: corpus, perImage: perImage, candidateLength: testLength, referenceLength: referenceLength)
    }

    /// BLEU-1..n from match counts, in bleu_scorer.py's order of operations.
    static func combine(correct: [Int], guess: [Int], testLength: Int, referenceLength: Int,
                        tiny: Double, small: Double) -> [Double] {
        var product = 1.0
        var out = [Double]()
        for k in 0..<correct.count {
            product *= (Double(correct[k]) + tiny) / (Double(guess[k]) + small)
            out.append(pow(product, 1.0 / Double(k + 1)))
        }
        let ratio = (Double(testLength) + tiny) / (Double(referenceLength) + small)
        if ratio < 1 {
            let penalty = exp(1 - 1 / ratio)
            for k in out.indices { out[k] *= penalty }
        }
        return out
    }
}
