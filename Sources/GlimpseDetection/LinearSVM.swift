// LinearSVM: R-CNN's per-class linear SVMs (Girshick et al. 2014, section 2.3; rcnn_train.m).
//
// The problem is liblinear's type 3 (L2-regularised, L1 hinge loss, primal with a bias term):
//   min_w  1/2 |w|^2 + sum_i C_i max(0, 1 - y_i w.x_i),   x_i = (features_i, B)
// with C_i = C for negatives and C x positiveWeight for positives (liblinear's -w1), and the
// bias learned as the weight of a constant feature B (liblinear's -B, R-CNN's bias multiplier
// 10), so it is regularised like the rest. It is solved as liblinear solves it: dual coordinate
// descent (Hsieh et al. 2008, "A dual coordinate descent method for large-scale linear SVM",
// algorithm 1): alpha_i in [0, C_i], one coordinate at a time in a seeded random order, w kept
// as sum_i alpha_i y_i x_i, stopping when every projected gradient of a pass is under
// `tolerance` (liblinear's eps, 0.1) in magnitude, or after `maxPasses`. liblinear stops on the
// spread max PG - min PG instead, which also stops when all gradients are off by the same
// amount (a two-point problem stops 0.2% from its optimum); the magnitude is the stricter test.
// No shrinking: our problems are small.
//
// Hard-negative mining (section 2.3, rcnn_train.m) is `trainWithMining`: a first round on
// every positive and a random subset of the negatives, then rounds that score every negative
// with the current SVM, add the ones scoring above -1 that are not in the cache (hard), drop
// cached ones scoring below -1.2 (easy), and retrain warm-started from the kept alphas. It
// stops after `rounds` or when a round adds nothing. rcnn_train.m mines in one pass over the
// images, retraining every 2,000 new negatives; rounds over the whole set are the same idea with
// the features computed once (they are, by the caller).

import GlimpseTensor

/// A linear classifier `score(x) = weights . x + bias`.
public struct LinearSVM: Sendable, Equatable {
    /// `[d]`.
    public var weights: [Float]
    /// The bias (liblinear's bias weight times the bias multiplier).
    public var bias: Float

    /// Creates a classifier from its weights and bias.
    public init(weights: [Float], bias: Float) {
        (self.weights, self.bias) = (weights, bias)
    }

    /// The score of a feature row (its count must be `weights.count`).
    public func score(_ row: UnsafeBufferPointer<Float>) -> Float {
        precondition(row.count == weights.count, "LinearSVM.score: \(row.count) features for \(weights.count) weights")
        var s = bias
        weights.withUnsafeBufferPointer { w in for k in 0..<w.count { s += w[k] * row[k] } }
        return s
    }

    /// The score of every row of `features` `[n, d]` at `rows` (default all).
    public func scores(_ features: Tensor, rows: [Int]? = nil) -> [Float] {
        precondition(features.rank == 2 && features.shape[1] == weights.count, "LinearSVM.scores: features \(features.shape)")
        let d = weights.count
        return features.withUnsafeBufferPointer { x in
            (rows ?? Array(0..<features.shape[0])).map { score(UnsafeBufferPointer(rebasing: x[$0 * d..<($0 + 1) * d])) }
        }
    }

    /// The solver's settings (R-CNN's defaults but C; see `RCNNSettings`).
    public struct Settings: Sendable, Equatable {
        /// The cost of a negative's hinge loss.
        public var c: Double
        /// A positive's cost is `c` times this (liblinear -w1).
        public var positiveWeight: Double = 2
        /// The constant feature whose weight is the bias (liblinear -B).
        public var biasMultiplier: Double = 10
        /// Stop when every projected gradient of a pass is below this in magnitude (liblinear's eps).
        public var tolerance: Double = 0.1
        /// At most this many passes over the examples.
        public var maxPasses: Int = 1000
        /// Seeds the coordinate order.
        public var seed: UInt64 = 1

        /// Creates settings with cost `c` and the rest R-CNN's.
        public init(c: Double) {
            precondition(c > 0, "LinearSVM.Settings: C \(c) must be positive")
            self.c = c
        }
    }

    /// Solves the SVM on rows `examples` of `features` `[n, d]`, `positive[k]` saying whether
    /// `examples[k]` is a positive; `startAlpha` (one per example, in [0, C_i]) warm-starts.
    /// Returns the classifier and the final alphas.
    public static func train(features: Tensor, examples: [Int], positive: [Bool], settings: Settings,
                             startAlpha: [Double]? = nil) -> (svm: LinearSVM, alpha: [Double]) {
        precondition(features.rank == 2, "LinearSVM.train: features must be [n, d], got \(features.shape)")
        precondition(examples.count == positive.count, "LinearSVM.train: \(examples.count) examples, \(positive.count) labels")
        precondition(startAlpha == nil || startAlpha!.count == examples.count, "LinearSVM.train: alpha count")
        let d = features.shape[1], m = examples.count
        let b = settings.biasMultiplier
        var w = [Double](repeating: 0, count: d + 1)  // w[d] multiplies the constant feature B
        var alpha = startAlpha ?? [Double](repeating: 0, count: m)
        let upper = positive.map { $0 ? settings.c * settings.positiveWeight : settings.c }
        let y = positive.map { $0 ? 1.0 : -1.0 }
        var random = SeededGenerator(seed: settings.seed)
        features.withUnsafeBufferPointer { x in
            var diagonal = [Double](repeating: b * b, count: m)
            for k in 0..<m {
                let row = examples[k] * d
                for j in 0..<d { diagonal[k] += Double(x[row + j]) * Double(x[row + j]) }
                alpha[k] = min(max(alpha[k], 0), upper[k])
                if alpha[k] != 0 {
                    for j in 0..<d { w[j] += alpha[k] * y[k] * Double(x[row + j]) }
                    w[d] += alpha[k] * y[k] * b
                }
            }
            var order = Array(0..<m)
            for _ in 0..<settings.maxPasses {
                random.shuffle(&order)
                var maxPG = -Double.infinity, minPG = Double.infinity
                for k in order {
                    let row = examples[k] * d
                    var dot = w[d] * b
                    for j in 0..<d { dot += w[j] * Double(x[row + j]) }
                    let g = y[k] * dot - 1
                    var pg = g
                    if alpha[k] == 0 { pg = min(g, 0) } else if alpha[k] == upper[k] { pg = max(g, 0) }
                    maxPG = max(maxPG, pg)
                    minPG = min(minPG, pg)
                    guard pg != 0, diagonal[k] > 0 else { continue }
                    let old = alpha[k]
                    alpha[k] = min(max(old - g / diagonal[k], 0), upper[k])
                    let step = (alpha[k] - old) * y[k]
                    if step != 0 {
                        for j in 0..<d { w[j] += step * Double(x[row + j]) }
                        w[d] += step * b
                    }
                }
                if m == 0 || max(maxPG, -minPG) < settings.tolerance { break }
            }
        }
        return (LinearSVM(weights: w.prefix(d).map { Float($0) }, bias: Float(w[d] * b)), alpha)
    }

    /// Hard-negative mining's settings (R-CNN's thresholds).
    public struct Mining: Sendable, Equatable {
        /// Rounds of training (the first on the random subset).
        public var rounds: Int = 4
        /// Negatives drawn at random for the first round.
        public var initialNegatives: Int = 5000
        /// A negative scoring above this is hard and joins the cache (rcnn_train.m: -1.0001).
        public var hardThreshold: Float = -1
        /// A cached negative scoring below this is easy and leaves it (rcnn_train.m: -1.2).
        public var easyThreshold: Float = -1.2

        /// R-CNN's thresholds, `rounds` rounds.
        public init(rounds: Int = 4, initialNegatives: Int = 5000) {
            precondition(rounds >= 1 && initialNegatives >= 1, "LinearSVM.Mining: rounds \(rounds), initial negatives \(initialNegatives)")
            (self.rounds, self.initialNegatives) = (rounds, initialNegatives)
        }
    }

    /// What one mining round did.
    public struct MiningRound: Sendable, Equatable {
        /// Negatives in the cache the round trained on.
        public var cached: Int
        /// Hard negatives added after it (scoring above the hard threshold, not yet cached).
        public var added: Int
        /// Easy negatives dropped after it.
        public var dropped: Int
    }

    /// An SVM trained with hard-negative mining on rows of `features` `[n, d]`: every row in
    /// `positives`, and negatives from `negatives` (a random subset first, drawn from `random`).
    /// Returns the classifier, the cache it last trained on and each round's counts.
    public static func trainWithMining(features: Tensor, positives: [Int], negatives: [Int], settings: Settings,
                                       mining: Mining, random: inout SeededGenerator)
        -> (svm: LinearSVM, cache: [Int], rounds: [MiningRound]) {
        var shuffled = negatives
        random.shuffle(&shuffled)
        var cache = Array(shuffled.prefix(mining.initialNegatives)).sorted()
        var alphaOf = [Int: Double]()  // negative row -> alpha (warm start)
        var positiveAlpha = [Double](repeating: 0, count: positives.count)
        var svm = LinearSVM(weights: [Float](repeating: 0, count: features.shape[1]), bias: 0)
        var log = [MiningRound]()
        for round in 0..<mining.rounds {
            let examples = positives + cache
            let start = positiveAlpha + cache.map { alphaOf[$0] ?? 0 }
            let solved = train(features: features, examples: examples, positive: positives.map { _ in true } + cache.map { _ in false },
                               settings: settings, startAlpha: start)
            svm = solved.svm
            positiveAlpha = Array(solved.alpha.prefix(positives.count))
            alphaOf = [:]
            for (k, row) in cache.enumerated() { alphaOf[row] = solved.alpha[positives.count + k] }
            guard round + 1 < mining.rounds else {
                log.append(MiningRound(cached: cache.count, added: 0, dropped: 0))
                break
            }
            let inCache = Set(cache)
            let scores = svm.scores(features, rows: negatives)
            let hard = zip(negatives, scores).filter { !inCache.contains($0.0) && $0.1 > mining.hardThreshold }.map(\.0)
            let cachedScores = svm.scores(features, rows: cache)
            let kept = zip(cache, cachedScores).filter { $0.1 >= mining.easyThreshold }.map(\.0)
            log.append(MiningRound(cached: cache.count, added: hard.count, dropped: cache.count - kept.count))
            if hard.isEmpty { break }
            cache = (kept + hard).sorted()
        }
        return (svm, cache, log)
    }
}
