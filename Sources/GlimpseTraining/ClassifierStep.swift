// ClassifierStep: one supervised training step for an image classifier: forward with
// pullback, softmax cross-entropy, backward, and (in `train`) the optimizer update.

import GlimpseNN
import GlimpseOptim
import GlimpseTensor

/// What one training step measured on its batch.
public struct StepResult: Sendable {
    /// Mean cross-entropy over the batch.
    public var loss: Float
    /// How many images the (training-mode) logits classified correctly.
    public var correct: Int
}

/// One step of supervised classification training.
public enum ClassifierStep {
    /// Runs forward, loss and backward on one batch, without updating: returns the measurements
    /// and the parameter gradients.
    ///
    /// - Parameters:
    ///   - model: the network, `[N, ...]` images to `[N, K]` logits; batch-norm statistics update in place.
    ///   - images: the batch, `[N, C, H, W]`.
    ///   - labels: `N` class indices.
    ///   - random: the generator dropout draws from; advanced in place (not advanced when
    ///     `firstExample` is given: it is then the seed of the per-example streams).
    ///   - firstExample: nil to draw dropout masks in order from `random`; otherwise the example
    ///     number of image 0, and each image's masks come from its own stream (`ForwardContext`).
    ///   - frozenPrefixes: parameter-name prefixes that get no gradient; batch norms whose
    ///     `weight` is frozen also keep their running statistics (and normalise with them), so a
    ///     frozen part of the network does not change at all.
    public static func gradients<M: Layer>(
        model: inout M, images: Tensor, labels: [Int], random: inout SeededGenerator, frozenPrefixes: [String] = [],
        firstExample: Int? = nil
    ) -> (result: StepResult, gradients: Gradients) {
        precondition(images.shape[0] == labels.count, "ClassifierStep: \(labels.count) labels for batch \(images.shape)")
        model.freezeBatchNormStatistics(frozenPrefixes: frozenPrefixes)
        var gradients = Gradients(frozenPrefixes: frozenPrefixes)
        gradients.needsInputGradient = false  // nobody uses the gradient of the images
        var context = firstExample.map { ForwardContext(random: random, firstExample: $0) } ?? ForwardContext(random: random)
        let (logits, pullback) = model.forward(images, context: &context)
        random = context.random
        let (loss, dLogits) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        _ = pullback(dLogits, &gradients)
        let correct = zip(logits.argmaxRows(), labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return (StepResult(loss: loss, correct: correct), gradients)
    }

    /// Runs forward, loss, backward and the optimizer update on one batch (arguments as in
    /// `gradients`; `optimizer`'s state and `model` are updated in place with `learningRate`).
    public static func train<M: Layer, O: Optimizer>(
        model: inout M, optimizer: inout O, images: Tensor, labels: [Int], learningRate: Float,
        random: inout SeededGenerator, frozenPrefixes: [String] = []
    ) -> StepResult {
        let (result, gradients) = Self.gradients(model: &model, images: images, labels: labels, random: &random,
                                                 frozenPrefixes: frozenPrefixes)
        // The pullback (and the activations it held) is gone here, so the update below mutates
        // the weights in place rather than copying them.
        optimizer.step(&model, gradients: gradients, learningRate: learningRate)
        return result
    }
}
