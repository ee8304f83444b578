// Sigmoid cross-entropy (the RPN's objectness loss): values in closed form, weights and the
// normalizer, no overflow at large logits, and the gradient by central differences.

import Foundation
import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Sigmoid cross-entropy")
struct SigmoidCrossEntropyTests {
    @Test func closedFormWeightsAndLargeLogits() {
        // -log(sigmoid(0)) = log 2; -log(1 - sigmoid(2)) = 2 + log(1 + e^-2); the third element is dropped.
        let logits = Tensor(shape: [1, 3], scalars: [0, 2, 500])
        let targets = Tensor(shape: [1, 3], scalars: [1, 0, 0])
        let weights = Tensor(shape: [1, 3], scalars: [1, 1, 0])
        let (loss, gradient) = SigmoidCrossEntropy.lossAndGradient(logits: logits, targets: targets, weights: weights, normalizer: 2)
        let expected = (log(2.0) + 2 + log1p(exp(-2.0))) / 2
        #expect(abs(Double(loss) - expected) < 1e-6)
        #expect(abs(gradient.scalars[0] - (0.5 - 1) / 2) < 1e-6 && abs(Double(gradient.scalars[1]) - 1 / (1 + exp(-2.0)) / 2) < 1e-6)
        #expect(gradient.scalars[2] == 0)
        // A confident wrong logit costs about its size, without overflow.
        let (far, _) = SigmoidCrossEntropy.lossAndGradient(logits: Tensor(shape: [1], scalars: [-500]), targets: Tensor(shape: [1], scalars: [1]),
                                                          weights: Tensor(shape: [1], scalars: [1]), normalizer: 1)
        #expect(far.isFinite && abs(far - 500) < 1e-3)
        #expect(SigmoidCrossEntropy.sigmoid(Tensor(shape: [2], scalars: [0, 1000])).scalars == [0.5, 1])
    }

    @Test func gradientMatchesCentralDifferences() {
        var random = SeededGenerator(seed: 8)
        let logits = Tensor(shape: [2, 3, 2, 2]) { _ in 3 * random.nextNormal() }
        let targets = Tensor(shape: logits.shape) { _ in random.nextUniform() < 0.5 ? 0 : 1 }
        let weights = Tensor(shape: logits.shape) { _ in random.nextUniform() < 0.3 ? 0 : 1 }
        let (_, gradient) = SigmoidCrossEntropy.lossAndGradient(logits: logits, targets: targets, weights: weights, normalizer: 7)
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus.withUnsafeMutableBufferPointer { $0[i] += 1e-2 }
            minus.withUnsafeMutableBufferPointer { $0[i] -= 1e-2 }
            let numeric = (Double(SigmoidCrossEntropy.lossAndGradient(logits: plus, targets: targets, weights: weights, normalizer: 7).loss)
                - Double(SigmoidCrossEntropy.lossAndGradient(logits: minus, targets: targets, weights: weights, normalizer: 7).loss)) / 2e-2
            #expect(abs(numeric - Double(gradient.scalars[i])) < 2e-3, "element \(i): \(numeric) against \(gradient.scalars[i])")
        }
    }
}
