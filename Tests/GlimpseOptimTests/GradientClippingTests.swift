// Clipping by global norm: PyTorch's clip_grad_norm_ on hand-computed numbers (a 3-4-12-13
// Pythagorean quadruple, so the norm is exactly 13), and through the optimizer's step.

import GlimpseNN
import GlimpseOptim
import GlimpseTensor
import Testing

@Suite("Gradient clipping")
struct GradientClippingTests {
    static func gradients() -> Gradients {
        var gradients = Gradients()
        gradients.accumulate("fc.weight", Tensor(shape: [2], scalars: [3, 4]))
        gradients.accumulate("head.weight", Tensor(shape: [1], scalars: [12]))
        return gradients
    }

    @Test func scalesByMaxNormOverGlobalNorm() {
        var gradients = Self.gradients()
        #expect(gradients.globalNorm == 13)
        let norm = gradients.clipByGlobalNorm(6.5)
        #expect(norm == 13)
        // torch: factor = 6.5 / (13 + 1e-6).
        let factor: Float = 6.5 / (13 + 1e-6)
        #expect(isClose(gradients["fc.weight"]!.scalars, [3 * factor, 4 * factor]))
        #expect(isClose(gradients["head.weight"]!.scalars, [12 * factor]))
        #expect(abs(gradients.globalNorm - 6.5) < 1e-5)
    }

    @Test func leavesSmallGradientsUnchanged() {
        var gradients = Self.gradients()
        #expect(gradients.clipByGlobalNorm(20) == 13)
        #expect(gradients["fc.weight"]!.scalars == [3, 4] && gradients["head.weight"]!.scalars == [12])
        // Exactly at the bound the factor is just below 1 in torch too (13 / (13 + 1e-6)).
        var atBound = Self.gradients()
        atBound.clipByGlobalNorm(13)
        #expect(isClose(atBound["head.weight"]!.scalars, [12], relative: 1e-6))
    }

    @Test func optimizerStepClipsFirst() {
        var model = TinyModel(), reference = TinyModel()
        var gradients = Gradients()
        gradients.accumulate("fc.weight", Tensor(shape: [2, 3], scalars: [3, 4, 0, 0, 0, 0]))
        gradients.accumulate("head.weight", Tensor(shape: [3], scalars: [12, 0, 0]))
        var sgd = SGD(), plain = SGD()
        let norm = sgd.step(&model, gradients: gradients, learningRate: 0.1, maxGradientNorm: 1)
        #expect(norm == 13)
        var clipped = gradients
        clipped.clipByGlobalNorm(1)
        plain.step(&reference, gradients: clipped, learningRate: 0.1)
        #expect(model.fcWeight == reference.fcWeight && model.headWeight == reference.headWeight)
        #expect(model.fcBias == TinyModel().fcBias)
        // The caller's gradients are not clipped in place.
        #expect(gradients["head.weight"]!.scalars == [12, 0, 0])
    }
}
