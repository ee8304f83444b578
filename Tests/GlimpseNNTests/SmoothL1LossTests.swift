// SmoothL1Loss: values by hand on both sides of beta, weights, and central differences.

import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Smooth L1 loss")
struct SmoothL1LossTests {
    @Test func valuesByHand() {
        // d = 0.5 (quadratic: 0.5 x 0.25 = 0.125), -2 (linear: 2 - 0.5 = 1.5), 1 (linear: 0.5), 3 weighted 0.
        let predictions = Tensor(shape: [1, 4], scalars: [1.5, -1, 1, 3])
        let targets = Tensor(shape: [1, 4], scalars: [1, 1, 0, 0])
        let weights = Tensor(shape: [1, 4], scalars: [1, 1, 1, 0])
        let (loss, gradient) = SmoothL1Loss.lossAndGradient(predictions: predictions, targets: targets, weights: weights, normalizer: 2)
        #expect(abs(loss - (0.125 + 1.5 + 0.5) / 2) < 1e-6)
        #expect(gradient.scalars == [0.25, -0.5, 0.5, 0])
        // beta = 1/9 (torchvision): d = 0.05 is quadratic 0.5 x 0.0025 x 9, d = 0.5 linear 0.5 - 1/18.
        let (small, smallGradient) = SmoothL1Loss.lossAndGradient(
            predictions: Tensor(shape: [2], scalars: [0.05, 0.5]), targets: Tensor(zeros: [2]),
            weights: Tensor(repeating: 1, shape: [2]), beta: 1.0 / 9, normalizer: 1)
        #expect(abs(small - (0.01125 + 0.5 - 1.0 / 18)) < 1e-6)
        #expect(abs(smallGradient.scalars[0] - 0.45) < 1e-6 && smallGradient.scalars[1] == 1)
    }

    @Test func gradientMatchesCentralDifferences() {
        var random = SeededGenerator(seed: 8)
        let predictions = Tensor(shape: [6, 8]) { _ in random.nextNormal() * 2 }
        let targets = Tensor(shape: [6, 8]) { _ in random.nextNormal() }
        let weights = Tensor(shape: [6, 8]) { _ in random.nextUniform() < 0.5 ? 0 : 1 }
        func loss(_ p: Tensor) -> Double {
            Double(SmoothL1Loss.lossAndGradient(predictions: p, targets: targets, weights: weights, beta: 0.5, normalizer: 6).loss)
        }
        let (_, gradient) = SmoothL1Loss.lossAndGradient(predictions: predictions, targets: targets, weights: weights,
                                                         beta: 0.5, normalizer: 6)
        let epsilon: Float = 1e-2  // central differences are exact on each piece; larger steps beat Float rounding
        var worst: Double = 0
        for i in 0..<predictions.count {
            let d = abs(predictions.scalars[i] - targets.scalars[i])
            if abs(d - 0.5) < 2 * epsilon { continue }  // the kink at |d| = beta
            var plus = predictions, minus = predictions
            plus.scalars[i] += epsilon
            minus.scalars[i] -= epsilon
            let numerical = (loss(plus) - loss(minus)) / Double(2 * epsilon)
            worst = max(worst, abs(numerical - Double(gradient.scalars[i])))
        }
        #expect(worst < 1e-3, "worst gradient error \(worst)")
        #expect(gradient.scalars.indices.allSatisfy { weights.scalars[$0] != 0 || gradient.scalars[$0] == 0 })
    }
}
