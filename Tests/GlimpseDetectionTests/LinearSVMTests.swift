// LinearSVMTests: the dual coordinate descent solver on separable toy data, on small problems
// whose optimum is worked out by hand, and hard-negative mining adding the hard negatives.

import GlimpseDetection
import GlimpseTensor
import Testing

@Suite("LinearSVM")
struct LinearSVMTests {
    /// Points `[n, 2]` around `centre` with Gaussian spread `spread`.
    static func cluster(_ n: Int, centre: (Float, Float), spread: Float, random: inout SeededGenerator) -> [Float] {
        (0..<n).flatMap { _ in [centre.0 + spread * random.nextNormal(), centre.1 + spread * random.nextNormal()] }
    }

    @Test func separatesSeparableData() {
        var random = SeededGenerator(seed: 3)
        let values = Self.cluster(60, centre: (2, 1), spread: 0.5, random: &random) + Self.cluster(90, centre: (-2, -1), spread: 0.5, random: &random)
        let features = Tensor(shape: [150, 2], scalars: values)
        let positive = (0..<150).map { $0 < 60 }
        var settings = LinearSVM.Settings(c: 1)
        settings.tolerance = 1e-4
        let (svm, _) = LinearSVM.train(features: features, examples: Array(0..<150), positive: positive, settings: settings)
        let scores = svm.scores(features)
        for (score, isPositive) in zip(scores, positive) {
            #expect(isPositive ? score > 0 : score < 0)
        }
    }

    /// Hard margin: positive x = 2, negative x = 0, B = 1. min 1/2 (w^2 + v^2) s.t. 2w + v >= 1,
    /// -v >= 1 gives v = -1 (the least |v| allowed) and then w = 1: weights [1], bias v B = -1.
    @Test func handCheckedHardMargin() {
        let features = Tensor(shape: [2, 1], scalars: [2, 0])
        var settings = LinearSVM.Settings(c: 100)
        (settings.biasMultiplier, settings.positiveWeight, settings.tolerance, settings.maxPasses) = (1, 1, 1e-7, 200_000)
        let (svm, alpha) = LinearSVM.train(features: features, examples: [0, 1], positive: [true, false], settings: settings)
        #expect(abs(svm.weights[0] - 1) < 1e-4)
        #expect(abs(svm.bias + 1) < 1e-4)
        // w = sum alpha y x: 2 alpha+ = 1; v = alpha+ - alpha- = -1 -> alpha+ = 0.5, alpha- = 1.5.
        #expect(abs(alpha[0] - 0.5) < 1e-4 && abs(alpha[1] - 1.5) < 1e-4)
    }

    /// Soft margin with the positive weight: x+ = 1, x- = -1, B = 1, C = 0.1, positive weight 2.
    /// Both margins are violated at the optimum, so alpha sits at its bound: alpha+ = 0.2,
    /// alpha- = 0.1, w = 0.2 + 0.1 = 0.3, v = 0.2 - 0.1 = 0.1 (scores 0.4 and -0.2, both inside
    /// the margin, which confirms the bounds).
    @Test func handCheckedSoftMarginWithPositiveWeight() {
        let features = Tensor(shape: [2, 1], scalars: [1, -1])
        var settings = LinearSVM.Settings(c: 0.1)
        (settings.biasMultiplier, settings.positiveWeight, settings.tolerance) = (1, 2, 1e-7)
        let (svm, _) = LinearSVM.train(features: features, examples: [0, 1], positive: [true, false], settings: settings)
        #expect(abs(svm.weights[0] - 0.3) < 1e-5)
        #expect(abs(svm.bias - 0.1) < 1e-5)
        #expect(abs(svm.scores(features)[0] - 0.4) < 1e-5)
    }

    /// Positives near (2, 0), 2000 easy negatives near (-3, 0) and 20 hard ones near (0.6, 0):
    /// the first round sees 40 random negatives (almost surely no hard one), scores the hard
    /// negatives above -1, so mining adds every one of them, drops easy ones, and the final SVM
    /// puts them on the negative side.
    @Test func miningAddsTheHardNegatives() {
        var random = SeededGenerator(seed: 5)
        let positives = Self.cluster(30, centre: (2, 0), spread: 0.2, random: &random)
        let easy = Self.cluster(2000, centre: (-3, 0), spread: 0.4, random: &random)
        let hard = Self.cluster(20, centre: (0.6, 0), spread: 0.05, random: &random)
        let features = Tensor(shape: [2050, 2], scalars: positives + easy + hard)
        let hardRows = Array(2030..<2050)
        var settings = LinearSVM.Settings(c: 1)
        settings.tolerance = 1e-3
        var draw = SeededGenerator(seed: 9)
        let (svm, cache, rounds) = LinearSVM.trainWithMining(features: features, positives: Array(0..<30), negatives: Array(30..<2050),
                                                             settings: settings, mining: LinearSVM.Mining(rounds: 4, initialNegatives: 40),
                                                             random: &draw)
        #expect(rounds.count >= 2)
        #expect(rounds[0].added >= 19)  // every hard negative not already drawn
        #expect(rounds[0].dropped > 0)
        #expect(Set(hardRows).isSubset(of: Set(cache)))
        for score in svm.scores(features, rows: hardRows) { #expect(score < 0) }
        for score in svm.scores(features, rows: Array(0..<30)) { #expect(score > 0) }
    }
}
