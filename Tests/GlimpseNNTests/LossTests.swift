// Softmax cross-entropy: golden values from PyTorch and a central-difference check.

import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Softmax cross-entropy")
struct LossTests {
    // Generated with PyTorch 2.13:
    //   x = torch.tensor([[1., 2., 3.], [1., -1., 0.5]], requires_grad=True)
    //   l = torch.nn.functional.cross_entropy(x, torch.tensor([2, 0])); l.backward()
    //   print(repr(l.item()), x.grad.tolist())
    //   -> 0.48128145933151245 [[0.04501529037952423, 0.12236424535512924, -0.1673794984817505],
    //                           [-0.21295151114463806, 0.03884778916835785, 0.17410370707511902]]
    @Test func goldenAgainstPyTorch() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1, -1, 0.5])
        let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [2, 0])
        #expect(abs(loss - 0.48128145933151245) < 1e-6)
        let expected: [Float] = [0.04501529037952423, 0.12236424535512924, -0.1673794984817505,
                                 -0.21295151114463806, 0.03884778916835785, 0.17410370707511902]
        for (a, b) in zip(gradient.scalars, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test func ignoreLabelContributesNothing() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1, -1, 0.5])
        let (full, _) = SoftmaxCrossEntropy.lossAndGradient(logits: logits.items(0..<1), labels: [2])
        let (ignored, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [2, 255], ignoreLabel: 255)
        #expect(abs(full - ignored) < 1e-6)
        #expect(gradient.scalars[3..<6].allSatisfy { $0 == 0 })
        let (none, noGradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [255, 255], ignoreLabel: 255)
        #expect(none == 0 && noGradient.maxAbs() == 0)
    }

    @Test func spatialGradientMatchesCentralDifferences() {
        // [N, K, H, W] logits as a segmenter produces them, one ignored pixel.
        let logits = randomInput([2, 3, 2, 2])
        let labels = [0, 1, 2, 255, 2, 2, 1, 0]
        let (_, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels, ignoreLabel: 255)
        let epsilon: Float = 1e-2
        var worst: Float = 0
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus.scalars[i] += epsilon
            minus.scalars[i] -= epsilon
            let numerical = (SoftmaxCrossEntropy.lossAndGradient(logits: plus, labels: labels, ignoreLabel: 255).loss
                - SoftmaxCrossEntropy.lossAndGradient(logits: minus, labels: labels, ignoreLabel: 255).loss) / (2 * epsilon)
            worst = max(worst, abs(numerical - gradient.scalars[i]))
        }
        #expect(worst < 1e-3)
    }
}
